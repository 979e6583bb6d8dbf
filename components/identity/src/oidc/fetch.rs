//! Outbound HTTP to OpenID providers: one request, no redirect followed (wasi-http never
//! follows them), the body read up to a limit so that a misbehaving provider cannot make the
//! instance hold an unbounded answer.
//!
//! Every URL is checked against [`super::destination`] first (the discovery document names
//! the other endpoints, so they are the provider's choice, not only the issuer).
//!
//! Errors name the URL and what failed, for the log; they never contain the request's body
//! (codes, secrets) nor the answer's. They are not shown to anyone: the routes answer in
//! fixed words.

use anyhow::{anyhow, bail};
use futures::TryStreamExt as _;
use spin_sdk::http::{ErrorCode, IncomingResponse, Method, Request, SendError};

/// Largest answer read from a provider: discovery documents, key sets and token answers are
/// a few kilobytes.
const MAX_BODY: usize = 256 * 1024;

/// A provider's answer.
pub struct Fetched {
    pub status: u16,
    /// The media type, lowercase, without parameters (`application/json`).
    pub media_type: String,
    pub body: Vec<u8>,
}

/// `GET url`.
pub async fn get(url: &str, headers: &[(&str, &str)]) -> anyhow::Result<Fetched> {
    let mut builder = Request::builder();
    builder
        .method(Method::Get)
        .uri(url)
        .header("accept", "application/json");
    for (name, value) in headers {
        builder.header(*name, *value);
    }
    send(url, builder.build()).await
}

/// `POST url` with an `application/x-www-form-urlencoded` body.
pub async fn post_form(
    url: &str,
    headers: &[(&str, &str)],
    form: String,
) -> anyhow::Result<Fetched> {
    let mut builder = Request::builder();
    builder
        .method(Method::Post)
        .uri(url)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        builder.header(*name, *value);
    }
    send(url, builder.body(form.into_bytes()).build()).await
}

async fn send(url: &str, request: Request) -> anyhow::Result<Fetched> {
    let parsed = url::Url::parse(url).map_err(|_| anyhow!("{url}: not a URL"))?;
    if let Some(reason) = super::destination::refusal(&parsed) {
        bail!("{url}: refused before sending: {reason}");
    }
    let response: IncomingResponse =
        spin_sdk::http::send(request)
            .await
            .map_err(|error| match error {
                SendError::Http(ErrorCode::HttpRequestDenied) => {
                    anyhow!("{url}: this host is not allowed (Spin variable oidc_allowed_hosts)")
                }
                SendError::Http(code) => anyhow!("{url}: the request failed ({code:?})"),
                other => anyhow!("{url}: the request failed ({other})"),
            })?;
    let status = response.status();
    let media_type = response
        .headers()
        .get("content-type")
        .first()
        .and_then(|value| std::str::from_utf8(value).ok())
        .map(media_type_of)
        .unwrap_or_default();
    let mut stream = response.take_body_stream();
    let mut body = Vec::new();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| anyhow!("{url}: reading the answer failed ({e:?})"))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            bail!("{url}: the answer is larger than {MAX_BODY} bytes");
        }
        body.extend(chunk);
    }
    Ok(Fetched {
        status,
        media_type,
        body,
    })
}

/// `application/json; charset=utf-8` → `application/json`.
fn media_type_of(header: &str) -> String {
    header
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::media_type_of;

    #[test]
    fn the_media_type_drops_parameters_and_case() {
        assert_eq!(
            media_type_of("Application/JSON; charset=utf-8"),
            "application/json"
        );
        assert_eq!(media_type_of("application/jwt"), "application/jwt");
    }
}
