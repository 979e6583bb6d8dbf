//! Client of `guichet:platform/catalog`: the published definition of a service, and the
//! listing of services the portal shows (all of them, or a search's hits).

use anyhow::bail;
use guichet_contracts::catalog::{ListedService, Listing, PublishedService};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

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

/// `GET http://catalog.spin.internal/internal/listing?commune=[&q=&lang=]`: every published
/// service of `commune` ordered by group (`search` `None`), or the catalogue search's hits for
/// the text, read in `lang` (`fr` or `en`), best first.
pub async fn listing(
    commune: &Commune,
    search: Option<&str>,
    lang: &str,
) -> anyhow::Result<Vec<ListedService>> {
    let mut url = format!(
        "http://catalog.spin.internal/internal/listing?commune={}&lang={}",
        commune.as_str(),
        utf8_percent_encode(lang, NON_ALPHANUMERIC)
    );
    if let Some(text) = search {
        url.push_str("&q=");
        url.extend(utf8_percent_encode(text, NON_ALPHANUMERIC));
    }
    let answer = get(url).await?;
    match answer.status {
        200 => answer
            .decode::<Listing>("the catalogue's listing")
            .map(|listing| listing.services),
        status => bail!(
            "the catalogue answered {status} to a listing: {}",
            String::from_utf8_lossy(&answer.body)
        ),
    }
}
