//! `POST /internal/filings` (the `portal` contract, `wit/portal.wit`): a citizen's filing
//! made on the portal's form, filed exactly as `POST /api/requests` would file it for the
//! citizen (the same [`super::filing::file`]: checks, idempotency, abuse limits, events),
//! answered with the contract's `filed` (201) or that route's own errors.
//!
//! Chaining hides who the citizen is and where they are (no `Host`, client `0.0.0.0:0`), so
//! the portal states the host name they reached, their address and their access token. The
//! host name and the address are believed only from the portal: the route is closed by the
//! secret `portal_filing_secret`, given to the portal and requests only (404 without one), and
//! no public route leads to `/internal/`. The access token is not believed on the portal's
//! word: it is verified here like any bearer token, so the portal cannot file in someone's
//! name without that person's session. See docs/SECURITY.md, "Filing from the portal".

use std::net::IpAddr;

use anyhow::anyhow;
use guichet_guest::contracts::common::Localized;
use guichet_guest::contracts::portal::{Filed, MineRequest, MyRequest, MyRequests, PortalFiling};
use guichet_guest::tenant::Host;
use guichet_guest::{clients, response, secret, ApiError};
use serde_json::Value as Json;
use spin_sdk::http::{Method, Request, Response};

use crate::domain::attachments::MAX_BODY;
use crate::store::schema;
use crate::{Ctx, DATABASE};

/// The route, as named in logs and errors.
const ROUTE: &str = "POST /internal/filings";

/// Files the portal's filing in the body.
pub async fn receive(req: &Request) -> Result<Response, ApiError> {
    secret::require_bearer(req, "portal_filing_secret", "this route is for the portal")?;
    if req.body().len() > MAX_BODY + 64 * 1024 {
        return Err(ApiError::field(
            "body",
            "too_large",
            "the filing is too large",
        ));
    }
    let PortalFiling {
        host,
        client_address,
        idempotency_key,
        access_token,
        body,
    } = clients::receive(ROUTE, req.body())?;
    let host =
        Host::parse(&host).map_err(|e| ApiError::field("host", "invalid_host", e.to_string()))?;
    let client: IpAddr = client_address
        .parse()
        .map_err(|_| ApiError::field("client_address", "invalid", "must be an IP address"))?;
    let filing = as_citizen(
        &host,
        Method::Post,
        "/api/requests",
        Some(client),
        idempotency_key.as_deref(),
        access_token.as_deref(),
        body.into_bytes(),
    );
    let ctx = Ctx::for_request(&filing, DATABASE, schema::MIGRATIONS).await?;
    let answer = super::filing::file(&ctx).await?;
    if *answer.status() != 201 {
        // Errors are answered as the public route answers them (their JSON is the contract's).
        return Ok(answer);
    }
    let created: Json = serde_json::from_slice(answer.body())
        .map_err(|e| anyhow!("reading back a filing's answer: {e}"))?;
    Ok(response::json(201, &filed(&created)?))
}

/// The contract's `filed` of the 201 body of `POST /api/requests` (a first filing or the
/// replay of its idempotency key).
fn filed(created: &Json) -> anyhow::Result<Filed> {
    let text = |name: &str| -> anyhow::Result<String> {
        created[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("a filing's answer has no {name}"))
    };
    let name = &created["service_name"];
    Ok(Filed {
        reference: text("reference")?,
        tracking_code: text("tracking_code")?,
        service_name: Localized {
            fr: name["fr"].as_str().unwrap_or_default().to_owned(),
            en: name["en"].as_str().unwrap_or_default().to_owned(),
        },
        state: text("state")?,
        expected_on: created["expected_on"].as_str().map(str::to_owned),
        created_at: text("created_at")?,
    })
}

/// The request the citizen would have sent to `path` at `host` themselves.
fn as_citizen(
    host: &Host,
    method: Method,
    path: &str,
    client: Option<IpAddr>,
    idempotency_key: Option<&str>,
    access_token: Option<&str>,
    body: Vec<u8>,
) -> Request {
    let url = format!("http://{}{path}", host.as_str());
    let mut builder = Request::builder();
    builder
        .method(method)
        .uri(url.as_str())
        .header("spin-full-url", url.as_str())
        .header("content-type", "application/json");
    if let Some(client) = client {
        builder.header("spin-client-addr", client.to_string());
    }
    if let Some(key) = idempotency_key {
        builder.header("idempotency-key", key);
    }
    if let Some(token) = access_token {
        builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(body).build()
}

/// `POST /internal/mine`: the citizen's own requests, for their space on the portal (same
/// secret; the token is verified as on `GET /api/requests/mine`).
pub async fn mine(req: &Request) -> Result<Response, ApiError> {
    secret::require_bearer(req, "portal_filing_secret", "this route is for the portal")?;
    let MineRequest { host, access_token } = clients::receive("POST /internal/mine", req.body())?;
    let host =
        Host::parse(&host).map_err(|e| ApiError::field("host", "invalid_host", e.to_string()))?;
    let asked = as_citizen(
        &host,
        Method::Get,
        "/api/requests/mine?per_page=50",
        None,
        None,
        Some(&access_token),
        Vec::new(),
    );
    let ctx = Ctx::for_request(&asked, DATABASE, schema::MIGRATIONS).await?;
    let answer = super::tracking::mine(&ctx)?;
    let listed: Json = serde_json::from_slice(answer.body())
        .map_err(|e| anyhow!("reading back the citizen's requests: {e}"))?;
    let localized = |value: &Json| {
        value.as_object().map(|_| Localized {
            fr: value["fr"].as_str().unwrap_or_default().to_owned(),
            en: value["en"].as_str().unwrap_or_default().to_owned(),
        })
    };
    let requests = listed["requests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|row| MyRequest {
            reference: row["reference"].as_str().unwrap_or_default().to_owned(),
            service_name: localized(&row["service_name"]).unwrap_or(Localized {
                fr: String::new(),
                en: String::new(),
            }),
            state_label: localized(&row["state_label"]),
            open: row["open"].as_bool().unwrap_or(false),
            created_at: row["created_at"].as_str().unwrap_or_default().to_owned(),
            expected_on: row["expected_on"].as_str().map(str::to_owned),
            last_reply: row["last_reply"]["text"].as_str().map(str::to_owned),
            last_reply_at: row["last_reply"]["at"].as_str().map(str::to_owned),
        })
        .collect();
    Ok(response::json(200, &MyRequests { requests }))
}
