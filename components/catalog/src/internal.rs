//! What other components read of the catalogue by service chaining (no public route reaches
//! `/internal/...`): the whole bilingual definition of a service, for `requests`, which checks
//! answers against its form and follows its workflow.
//!
//! - `GET /internal/services/{code}?commune=C[&version=N]`: the `catalog` contract's
//!   `published-service` (`wit/catalog.wit`) of the published version (or of version N, kept
//!   after archiving: requests filed against it still need it); 404 when there is none.
//!
//! - `GET /internal/listing?commune=C[&q=TEXT&lang=fr|en]`: the `listing` the portal's pages
//!   show: every published service ordered by group and name, or the search's hits for `q`.
//!
//! The commune is a parameter, not the host name: a chained request is addressed to
//! `catalog.spin.internal`, and the caller has already resolved the commune it serves.

use guichet_guest::catalog_contract;
use guichet_guest::codes::ServiceCode;
use guichet_guest::contracts::catalog::{ListedService, Listing, PublishedService, ServiceStatus};
use guichet_guest::contracts::common::Localized;
use guichet_guest::query::Query;
use guichet_guest::service::Status;
use guichet_guest::service::{Lang, ServiceDefinition};
use guichet_guest::{response, ApiError, Commune, FieldError};
use spin_sdk::http::{Request, Response};

use crate::store::Store;

/// `GET /internal/services/{code}`.
pub fn service(req: &Request, code: &str) -> Result<Response, ApiError> {
    let query = Query::of(req);
    let mut errors = Vec::new();
    let commune = commune_of(&query, &mut errors);
    let version = match query.non_empty("version") {
        None => None,
        Some(text) => match text.parse::<i64>().ok().filter(|v| *v > 0) {
            Some(version) => Some(version),
            None => {
                errors.push(FieldError::new(
                    "version",
                    "invalid",
                    "must be a positive integer",
                ));
                None
            }
        },
    };
    let Some(commune) = commune.filter(|_| errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    if ServiceCode::parse(code).is_err() {
        return Err(ApiError::NotFound);
    }
    let conn = crate::store::open()?;
    let store = Store::new(&conn, commune)?;
    let status = store
        .service(code)?
        .map(|s| s.status)
        .ok_or(ApiError::NotFound)?;
    let published = match version {
        Some(version) => store.version(code, version)?,
        None => store.published(code)?,
    }
    .ok_or(ApiError::NotFound)?;
    let status = match status {
        Status::Published => ServiceStatus::Published,
        Status::Archived => ServiceStatus::Archived,
        Status::Draft => ServiceStatus::Draft,
    };
    Ok(response::json(
        200,
        &PublishedService {
            version: published.version,
            status,
            definition: catalog_contract::to_contract(published.definition),
        },
    ))
}

/// Most hits the portal's search page shows.
const LISTING_HITS: usize = 20;

/// `GET /internal/listing`.
pub fn listing(req: &Request) -> Result<Response, ApiError> {
    let query = Query::of(req);
    let mut errors = Vec::new();
    let commune = commune_of(&query, &mut errors);
    let lang = crate::public::lang_of(&query)
        .map_err(|e| errors.push(e))
        .ok();
    let text = query
        .non_empty("q")
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > crate::public::QUERY_MAX) {
        errors.push(FieldError::new(
            "q",
            "too_long",
            "the search text is too long",
        ));
    }
    let (Some(commune), Some(lang)) = (commune, lang) else {
        return Err(ApiError::BadRequest { errors });
    };
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let conn = crate::store::open()?;
    let store = Store::new(&conn, commune)?;
    let services = match text {
        None => {
            let mut all: Vec<ListedService> = store
                .all_published()?
                .into_iter()
                .map(|p| listed(p.definition))
                .collect();
            all.sort_by(|a, b| (&a.group_name.fr, &a.name.fr).cmp(&(&b.group_name.fr, &b.name.fr)));
            all
        }
        Some(text) => {
            let found = crate::search::search(
                store.conn,
                store.commune.as_str(),
                text,
                lang,
                None,
                LISTING_HITS,
            )?;
            let codes: Vec<String> = found.iter().map(|hit| hit.code.clone()).collect();
            let mut published = store.published_among(&codes)?;
            // The search's order, best first; a hit no longer published is skipped.
            codes
                .iter()
                .filter_map(|code| {
                    let at = published.iter().position(|p| &p.definition.code == code)?;
                    Some(listed(published.swap_remove(at).definition))
                })
                .collect()
        }
    };
    Ok(response::json(200, &Listing { services }))
}

fn listed(definition: ServiceDefinition) -> ListedService {
    let names = |group: &str| Localized {
        fr: crate::groups::name(group, Lang::Fr),
        en: crate::groups::name(group, Lang::En),
    };
    ListedService {
        group_name: names(&definition.group),
        code: definition.code,
        group: definition.group,
        name: Localized {
            fr: definition.name.fr,
            en: definition.name.en,
        },
        description: Localized {
            fr: definition.description.fr,
            en: definition.description.en,
        },
    }
}

/// The `commune` parameter, or its error pushed on `errors`.
fn commune_of(query: &Query, errors: &mut Vec<FieldError>) -> Option<Commune> {
    match query.non_empty("commune").map(Commune::parse) {
        Some(Ok(commune)) => Some(commune),
        _ => {
            errors.push(FieldError::new(
                "commune",
                "invalid",
                "a commune id is required",
            ));
            None
        }
    }
}
