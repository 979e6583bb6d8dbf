//! Client of `guichet:platform/communes`: which commune identity serves at a host name.

use anyhow::{bail, Context as _};
use guichet_contracts::communes::Resolved;

use super::get;
use crate::tenant::Host;

/// `GET http://identity.spin.internal/internal/communes/resolve?host=`: `None` when no commune
/// is served at `host` (only a 404 naming `unknown_commune` means that: any other 404, such as
/// an identity without the route, is a fault, never mistaken for an unknown host).
pub async fn resolve(host: &Host) -> anyhow::Result<Option<Resolved>> {
    let url = format!(
        "http://identity.spin.internal/internal/communes/resolve?host={}",
        crate::query::escape(host.as_str())
    );
    let answer = get(url).await?;
    read(answer.status, &answer.body)
        .with_context(|| format!("identity's answer for the commune of {host}"))
}

/// Reads identity's answer (pure, for tests).
pub(crate) fn read(status: u16, body: &[u8]) -> anyhow::Result<Option<Resolved>> {
    match status {
        200 => Ok(Some(guichet_contracts::decode(body)?)),
        404 if names_unknown_commune(body) => Ok(None),
        status => bail!("status {status}: {}", String::from_utf8_lossy(body)),
    }
}

fn names_unknown_commune(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("errors").and_then(|e| e.as_array()).cloned())
        .is_some_and(|errors| errors.iter().any(|e| e["code"] == "unknown_commune"))
}
