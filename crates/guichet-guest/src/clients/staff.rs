//! Client of `guichet:platform/staff` (`wit/staff.wit`): what the back-office asks on a
//! signed-in agent's behalf. The agent's access token from their browser session (identity),
//! and their calls to the components' public API, relayed by chaining with the headers of
//! [`crate::relay`], so that each component answers exactly as it would the agent's own client.

use anyhow::{bail, Context as _};
use guichet_contracts::staff::StaffTokenRequest;
use spin_sdk::http::{Method, Request, Response};

pub use guichet_contracts::staff::StaffToken;

use crate::relay;

/// `POST http://identity.spin.internal/internal/staff-tokens`: the agent signed in with the
/// browser session `session` at `host`; `None` without a live staff session, or when
/// `staff_relay_secret` is not set (logged).
pub async fn staff_token(host: &str, session: &str) -> anyhow::Result<Option<StaffToken>> {
    let Some(secret) = crate::secret::configured(relay::VARIABLE) else {
        eprintln!("staff_relay_secret is not set: the back-office sees nobody signed in");
        return Ok(None);
    };
    let ask = StaffTokenRequest {
        host: host.to_owned(),
        session: session.to_owned(),
    };
    let url = "http://identity.spin.internal/internal/staff-tokens";
    let request = Request::builder()
        .method(Method::Post)
        .uri(url)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {secret}"))
        .body(serde_json::to_vec(&ask).context("serialising a staff token request")?)
        .build();
    let answer = super::send(request, url).await?;
    match answer.status {
        200 => {
            let token: StaffToken = answer.decode("identity's staff token")?;
            Ok(token.access_token.is_some().then_some(token))
        }
        status => bail!("identity answered {status} to a staff token"),
    }
}

/// Who the call is for and where they stand: the agent's origin, address and token.
pub struct Agent<'a> {
    /// `scheme://host[:port]` the agent reached.
    pub origin: &'a str,
    /// The agent's IP address.
    pub client: &'a str,
    /// Their access token.
    pub token: &'a str,
}

/// A relayed call's answer as the component gave it.
pub struct Relayed {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Relayed {
    /// The body as JSON (`null` when empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The component that serves an API path (`/api/requests/...` → `requests`).
fn component_of(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/api/")?;
    ["identity", "catalog", "requests", "notifications", "signatures"]
        .into_iter()
        .find(|c| rest.strip_prefix(c).is_some_and(|r| r.is_empty() || r.starts_with('/') || r.starts_with('?')))
}

/// The agent's call `method path_and_query` (an `/api/<component>/...` path) with an optional
/// body `(content_type, bytes)` and extra headers (`idempotency-key`), relayed to its component.
pub async fn call(
    agent: &Agent<'_>,
    method: Method,
    path_and_query: &str,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> anyhow::Result<Relayed> {
    let secret = crate::secret::configured(relay::VARIABLE)
        .context("staff_relay_secret is not set: the back-office cannot act")?;
    let component = component_of(path_and_query)
        .with_context(|| format!("no component serves {}", path_and_query.split('?').next().unwrap_or_default()))?;
    let url = format!("http://{component}.spin.internal{path_and_query}");
    let mut builder = Request::builder();
    builder
        .method(method)
        .uri(url.as_str())
        .header("authorization", format!("Bearer {}", agent.token))
        .header(relay::ORIGIN, agent.origin)
        .header(relay::CLIENT, agent.client)
        .header(relay::SECRET, secret);
    for (name, value) in headers {
        builder.header(*name, *value);
    }
    let request = match body {
        Some((content_type, bytes)) => builder.header("content-type", content_type).body(bytes).build(),
        None => builder.build(),
    };
    let path = url.split('?').next().unwrap_or(&url).to_owned();
    let response: Response = spin_sdk::http::send(request)
        .await
        .map_err(|e| anyhow::anyhow!("relaying to {path}: {e:?}"))?;
    let content_type = response
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    Ok(Relayed {
        status: *response.status(),
        content_type,
        body: response.body().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::component_of;

    #[test]
    fn an_api_path_names_the_component_that_serves_it() {
        assert_eq!(component_of("/api/requests?state=new"), Some("requests"));
        assert_eq!(component_of("/api/catalog/admin/services"), Some("catalog"));
        assert_eq!(component_of("/api/requestsx"), None);
        assert_eq!(component_of("/internal/contacts"), None);
        assert_eq!(component_of("/account"), None);
    }
}
