//! The catalogue, read by service chaining (`http://catalog.spin.internal/internal/...`): the
//! definition of the service a request is filed for (its form, workflow, processing time).

use anyhow::{anyhow, Context as _};
use guichet_guest::service::ServiceDefinition;
use guichet_guest::Commune;
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

const BASE: &str = "http://catalog.spin.internal";

/// A published version of a service.
#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub version: i64,
    /// `published` or `archived` (an archived service takes no new requests).
    pub status: String,
    pub definition: ServiceDefinition,
}

impl Service {
    /// Whether new requests may be filed for it.
    pub fn is_open_for_filing(&self) -> bool {
        self.status == "published"
    }

    /// Whether `state` is an open state of its workflow (unknown states count as closed).
    pub fn is_open_state(&self, state: &str) -> bool {
        self.definition
            .workflow
            .states
            .iter()
            .any(|s| s.code == state && s.open)
    }
}

/// The current published version of `code` (or `version`), `None` when the catalogue has
/// none. `code` is checked here before it goes into the URL.
pub async fn service(
    commune: &Commune,
    code: &str,
    version: Option<i64>,
) -> anyhow::Result<Option<Service>> {
    if code.is_empty()
        || code.len() > 63
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Ok(None);
    }
    let mut url = format!("{BASE}/internal/services/{code}?commune={}", commune.as_str());
    if let Some(version) = version {
        url.push_str(&format!("&version={version}"));
    }
    let response: Response = spin_sdk::http::send(Request::get(url).build())
        .await
        .map_err(|e| anyhow!("asking the catalogue for {code:?}: {e:?}"))?;
    match *response.status() {
        200 => serde_json::from_slice(response.body())
            .map(Some)
            .context("reading the catalogue's service"),
        404 => Ok(None),
        status => Err(anyhow!(
            "the catalogue answered {status} for {code:?}: {}",
            String::from_utf8_lossy(response.body())
        )),
    }
}
