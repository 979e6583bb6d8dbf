//! Client of `guichet:platform/catalog`: the published definition of a service.

use anyhow::bail;
use guichet_contracts::catalog::PublishedService;

use super::get;
use crate::Commune;

/// `GET http://catalog.spin.internal/internal/services/{code}?commune=&version=`: the
/// published version `version` of `code` (the current one with `None`), `None` when the
/// catalogue has none. `code` must be a service code (checked by the caller: it goes into
/// the path as is).
pub async fn service(
    commune: &Commune,
    code: &str,
    version: Option<i64>,
) -> anyhow::Result<Option<PublishedService>> {
    let mut url = format!(
        "http://catalog.spin.internal/internal/services/{code}?commune={}",
        commune.as_str()
    );
    if let Some(version) = version {
        url.push_str(&format!("&version={version}"));
    }
    let answer = get(url).await?;
    match answer.status {
        200 => answer.decode("the catalogue's service").map(Some),
        404 => Ok(None),
        status => bail!(
            "the catalogue answered {status} for {code:?}: {}",
            String::from_utf8_lossy(&answer.body)
        ),
    }
}
