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
use guichet_guest::contracts::portal::{Filed, PortalFiling};
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
    let url = format!("http://{}/api/requests", host.as_str());
    let mut filing = Request::builder();
    filing
        .method(Method::Post)
        .uri(url.as_str())
        .header("spin-full-url", url.as_str())
        .header("spin-client-addr", client.to_string())
        .header("content-type", "application/json");
    if let Some(key) = &idempotency_key {
        filing.header("idempotency-key", key.as_str());
    }
    if let Some(token) = &access_token {
        filing.header("authorization", format!("Bearer {token}"));
    }
    let filing = filing.body(body.into_bytes()).build();
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
