//! Open311 GeoReport v2 requests (`docs/OPEN311.md`); the catalogue
//! serves `services` and service definitions, everything else under `/open311/v2/` is here:
//!
//! - `GET discovery.{fmt}` ([`discovery`]): changeset, contact, key service, this endpoint.
//! - `POST requests.{fmt}` ([`post`]): filing by a client app with an API key
//!   ([`crate::http::api_keys`]).
//! - `GET requests.{fmt}`, `GET requests/{id}.{fmt}` ([`list`]), `GET tokens/{token}.{fmt}`
//!   ([`post::token`]).
//! - `GET`/`POST servicerequestupdates.{fmt}` ([`updates`], mySociety's extension).
//!
//! Every resource needs its format suffix (`.json` or `.xml`); the commune is the one the
//! request is addressed to (its host name); `jurisdiction_id`, when given, must name it (its id
//! or the host name called, with or without port), else 404. Errors are Open311 errors, one
//! entry per problem: 403 for a missing or bad `api_key`, 404 for a missing resource, 400 for
//! anything else, 500 (details logged only) when Guichet fails.
//!
//! What is public: Open311 publishes only requests filed public (what apps file, and reports
//! whose filer gave `"publish": true`: [`publicity`]) for services citizens may report without
//! an account (`anonymous: true` in the catalogue: reports on the public space). Procedures
//! about a person (certificates, permits, enrolments) are neither listed nor shown, and an app
//! cannot file them (it holds no citizen's token). No contact detail, answer, internal note or
//! citizen's message is ever published.

mod discovery;
mod list;
mod params;
mod post;
mod render;
mod updates;

use guichet_guest::open311::{is_jurisdiction, Format};
use guichet_guest::tenant::{self, CommuneInfo};

use crate::Ctx;
use spin_sdk::http::{Method, Request, Response};

use params::Params;

const PREFIX: &str = "/open311/v2/";

/// An Open311 resource below `/open311/v2/`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resource<'p> {
    Discovery,
    Requests,
    Request(&'p str),
    Token(&'p str),
    Updates,
}

/// The resource and format `path` names; `None` when it names none (or has no format).
fn resource(path: &str) -> Option<(Resource<'_>, Format)> {
    let rest = path.strip_prefix(PREFIX)?;
    let (stem, format) = Format::split(rest)?;
    let one = |name: &'static str| {
        stem.strip_prefix(name)
            .filter(|id| !id.is_empty() && !id.contains('/'))
    };
    let resource = match stem {
        "discovery" => Resource::Discovery,
        "requests" => Resource::Requests,
        "servicerequestupdates" => Resource::Updates,
        _ => {
            if let Some(id) = one("requests/") {
                Resource::Request(id)
            } else if let Some(token) = one("tokens/") {
                Resource::Token(token)
            } else {
                return None;
            }
        }
    };
    Some((resource, format))
}

/// Why an Open311 call is refused (the one type of the catalogue's and requests' Open311 code).
pub use guichet_guest::open311::Refusal;

/// What every handler gets: the commune (with its name), the base URL the client called,
/// the parameters (query of a GET, form body of a POST) and the format asked for.
pub struct Call<'r> {
    /// The request's context (its database, commune, client).
    pub ctx: Ctx<'r>,
    pub info: CommuneInfo,
    pub base_url: String,
    pub params: Params,
    pub format: Format,
    /// A POST's `Idempotency-Key` header and the SHA-256 of its body.
    pub retry_key: Option<(String, String)>,
}

impl Call<'_> {
    /// `fr` (the default) or `en`, from `lang`.
    pub fn lang(&self) -> Result<&'static str, Refusal> {
        match self.params.get("lang") {
            None | Some("fr") => Ok("fr"),
            Some("en") => Ok("en"),
            Some(_) => Err(Refusal::one(400, "lang must be fr or en")),
        }
    }
}

/// The answer to any request below `/open311/v2/` that the catalogue does not serve.
pub async fn respond(req: &Request) -> Response {
    let path = req.path();
    let Some((resource, format)) = resource(path) else {
        return guichet_guest::open311::not_found(path);
    };
    match answer(req, &resource, format).await {
        Ok(response) => response,
        Err(Refusal::Status(status, descriptions)) => render::errors(format, status, &descriptions),
        Err(Refusal::Internal(error)) => {
            eprintln!("internal error: {error:#}");
            render::errors(format, 500, &["internal error".to_owned()])
        }
    }
}

async fn answer(
    req: &Request,
    resource: &Resource<'_>,
    format: Format,
) -> Result<Response, Refusal> {
    let method = req.method();
    let allowed = match resource {
        Resource::Requests | Resource::Updates => matches!(method, Method::Get | Method::Post),
        _ => matches!(method, Method::Get),
    };
    if !allowed {
        return Err(Refusal::one(
            400,
            "this method is not allowed on this resource",
        ));
    }
    let is_post = matches!(method, Method::Post);
    let params = if is_post {
        if req.body().len() > params::MAX_BODY {
            return Err(Refusal::one(
                400,
                format!("the body must be at most {} bytes", params::MAX_BODY),
            ));
        }
        Params::parse(&String::from_utf8_lossy(req.body()))
    } else {
        Params::parse(req.query())
    };
    let ctx = Ctx::for_request(req, crate::DATABASE, crate::store::schema::MIGRATIONS).await?;
    let info = ctx.served().clone();
    let host = tenant::request_host(req)?;
    if let Some(jurisdiction) = params.get("jurisdiction_id") {
        if !is_jurisdiction(jurisdiction, info.commune.as_str(), &host) {
            return Err(Refusal::one(
                404,
                format!("unknown jurisdiction_id {jurisdiction:?}"),
            ));
        }
    }
    let retry_key = if is_post {
        crate::http::idempotency::header(req)?
            .map(|key| (key, crate::http::idempotency::fingerprint(req.body())))
    } else {
        None
    };
    let call = Call {
        base_url: base_url(req).unwrap_or_else(|| format!("http://{host}")),
        ctx,
        info,
        params,
        format,
        retry_key,
    };
    match (resource, is_post) {
        (Resource::Discovery, _) => discovery::show(&call),
        (Resource::Requests, true) => post::file(&call).await,
        (Resource::Requests, false) => list::list(&call).await,
        (Resource::Request(id), _) => list::show(&call, id).await,
        (Resource::Token(token), _) => post::token(&call, token),
        (Resource::Updates, true) => updates::post(&call).await,
        (Resource::Updates, false) => updates::list(&call).await,
    }
}

/// `scheme://authority` of the URL the client called (from `spin-full-url`).
fn base_url(req: &Request) -> Option<String> {
    let url = req.header("spin-full-url")?.as_str()?;
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_tokens_discovery_and_updates_are_resources_with_a_format() {
        assert_eq!(
            resource("/open311/v2/discovery.json"),
            Some((Resource::Discovery, Format::Json))
        );
        assert_eq!(
            resource("/open311/v2/requests.xml"),
            Some((Resource::Requests, Format::Xml))
        );
        assert_eq!(
            resource("/open311/v2/requests/2026-000001.json"),
            Some((Resource::Request("2026-000001"), Format::Json))
        );
        assert_eq!(
            resource("/open311/v2/tokens/abc.xml"),
            Some((Resource::Token("abc"), Format::Xml))
        );
        assert_eq!(
            resource("/open311/v2/servicerequestupdates.json"),
            Some((Resource::Updates, Format::Json))
        );
        for path in [
            "/open311/v2/requests",
            "/open311/v2/requests/.json",
            "/open311/v2/requests/a/b.json",
            "/open311/v2/tokens/.xml",
            "/open311/v2/other.json",
        ] {
            assert_eq!(resource(path), None, "{path}");
        }
    }
}
