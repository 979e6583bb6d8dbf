//! The catalogue's pages: the home page (search box, every service by group), the search
//! results and a service's page. Their data comes from the catalogue by chaining
//! (`guichet_guest::clients::catalog`: the `listing` and the published `service-definition`).
//!
//! - `GET /`: the commune's name, the search box, every published service by group.
//! - `GET /search?q=`: the catalogue search's hits for the citizen's words (an empty `q` is
//!   the home page's list).
//! - `GET /services/{code}`: what it is, who can ask, fees, documents, processing time,
//!   channels; 404 page for a code the commune does not publish.

use askama::Template;
use guichet_guest::clients::catalog;
use guichet_guest::codes::ServiceCode;
use guichet_guest::context::Ctx;
use guichet_guest::contracts::catalog::{Channel, FeeDue, ListedService};
use guichet_guest::query::Query;
use guichet_guest::ApiError;
use spin_sdk::http::Response;

use crate::i18n::{self, Lang};
use crate::page::{self, Chrome};

/// Longest search text read (the catalogue's own limit).
const QUERY_MAX: usize = 200;

/// One service in a list.
pub struct Item {
    pub code: String,
    pub name: String,
    pub group: String,
    pub description: String,
}

/// One group of the home page.
pub struct Group {
    pub code: String,
    pub name: String,
    pub services: Vec<Item>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    chrome: Chrome,
    query: String,
    groups: Vec<Group>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct Search {
    chrome: Chrome,
    query: String,
    hits: Vec<Item>,
}

#[derive(Template)]
#[template(path = "service.html")]
struct Service {
    chrome: Chrome,
    group: String,
    name: String,
    description: String,
    eligibility: Option<String>,
    fee: Option<String>,
    documents: Vec<String>,
    processing_days: i64,
    online: bool,
    anonymous: bool,
    code: String,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound {
    chrome: Chrome,
}

fn item(lang: Lang, listed: ListedService) -> Item {
    Item {
        name: i18n::pick(lang, &listed.name).to_owned(),
        group: i18n::pick(lang, &listed.group_name).to_owned(),
        description: i18n::pick(lang, &listed.description).to_owned(),
        code: listed.code,
    }
}

/// `GET /`.
pub async fn home(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let lang = Chrome::lang(ctx);
    let listed = catalog::listing(ctx.commune(), None, lang.as_str()).await?;
    let chrome = Chrome::new(ctx, "Guichet");
    let page = Home {
        chrome,
        query: String::new(),
        groups: grouped(lang, listed),
    };
    page::answer(200, &page.chrome, &page)
}

/// The listing (ordered by group) cut into its groups, in order.
fn grouped(lang: Lang, listed: Vec<ListedService>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for service in listed {
        let code = service.group.clone();
        let service = item(lang, service);
        match groups.last_mut() {
            Some(group) if group.code == code => group.services.push(service),
            _ => groups.push(Group {
                code,
                name: service.group.clone(),
                services: vec![service],
            }),
        }
    }
    groups
}

/// `GET /search?q=`.
pub async fn search(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let query = Query::of(ctx.request());
    let text: String = query
        .get("q")
        .unwrap_or("")
        .trim()
        .chars()
        .take(QUERY_MAX)
        .collect();
    if text.is_empty() {
        return home(ctx).await;
    }
    let lang = Chrome::lang(ctx);
    let hits = catalog::listing(ctx.commune(), Some(&text), lang.as_str())
        .await?
        .into_iter()
        .map(|listed| item(lang, listed))
        .collect();
    let chrome = Chrome::new(ctx, format!("{} « {text} »", i18n::texts(lang).results_for));
    let page = Search {
        chrome,
        query: text,
        hits,
    };
    page::answer(200, &page.chrome, &page)
}

/// `GET /services/{code}`.
pub async fn service(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let lang = Chrome::lang(ctx);
    let published = match ServiceCode::parse(code) {
        Ok(_) => catalog::service(ctx.commune(), code, None).await?,
        Err(_) => None,
    };
    let Some(published) = published else {
        return not_found(ctx);
    };
    let d = published.definition;
    let t = i18n::texts(lang);
    let fee = d.fee.map(|fee| {
        let due = match fee.due {
            FeeDue::OnFiling => t.due_on_filing,
            FeeDue::OnDelivery => t.due_on_delivery,
        };
        format!("{} ({due})", money(lang, fee.amount_cents, &fee.currency))
    });
    let listing_group = catalog::listing(ctx.commune(), None, lang.as_str())
        .await?
        .into_iter()
        .find(|listed| listed.code == d.code)
        .map(|listed| i18n::pick(lang, &listed.group_name).to_owned())
        .unwrap_or_else(|| d.group.clone());
    let page = Service {
        chrome: Chrome::new(ctx, i18n::pick(lang, &d.name)),
        group: listing_group,
        name: i18n::pick(lang, &d.name).to_owned(),
        description: i18n::pick(lang, &d.description).to_owned(),
        eligibility: d
            .eligibility
            .as_ref()
            .map(|e| i18n::pick(lang, e).to_owned()),
        fee,
        documents: d
            .documents
            .iter()
            .map(|doc| i18n::pick(lang, doc).to_owned())
            .collect(),
        processing_days: d.processing_days,
        online: matches!(d.channel, Channel::Online),
        anonymous: d.anonymous,
        code: d.code.clone(),
    };
    page::answer(200, &page.chrome, &page)
}

/// The 404 page of a service the commune does not publish.
pub fn not_found(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let page = NotFound {
        chrome: Chrome::new(ctx, i18n::texts(Chrome::lang(ctx)).not_found),
    };
    page::answer(404, &page.chrome, &page)
}

/// An amount as the language writes it: `12,50 EUR` in French, `EUR 12.50` in English.
fn money(lang: Lang, cents: i64, currency: &str) -> String {
    let (units, rest) = (cents / 100, (cents % 100).abs());
    match lang {
        Lang::Fr => format!("{units},{rest:02} {currency}"),
        Lang::En => format!("{currency} {units}.{rest:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_guest::contracts::common::Localized;

    fn listed(code: &str, group: &str) -> ListedService {
        let text = |s: &str| Localized {
            fr: format!("{s} fr"),
            en: format!("{s} en"),
        };
        ListedService {
            code: code.to_owned(),
            group: group.to_owned(),
            group_name: text(group),
            name: text(code),
            description: text("d"),
        }
    }

    #[test]
    fn the_listing_is_cut_into_its_groups_in_order() {
        let groups = grouped(
            Lang::En,
            vec![
                listed("a", "animals"),
                listed("b", "animals"),
                listed("c", "roads"),
            ],
        );
        let shape: Vec<(&str, usize)> = groups
            .iter()
            .map(|g| (g.name.as_str(), g.services.len()))
            .collect();
        assert_eq!(shape, vec![("animals en", 2), ("roads en", 1)]);
    }

    #[test]
    fn amounts_are_written_as_each_language_writes_them() {
        assert_eq!(money(Lang::Fr, 1250, "EUR"), "12,50 EUR");
        assert_eq!(money(Lang::En, 1205, "EUR"), "EUR 12.05");
    }
}
