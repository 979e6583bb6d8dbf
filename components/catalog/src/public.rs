//! The public catalogue: what a citizen (or the portal) reads, in one language, cacheable.
//! Each answer is the catalogue of the commune the request is addressed to (its host name).
//!
//! Only published services (not drafts, not archived ones). Answers carry a strong `ETag` and
//! `Cache-Control: public, max-age=300`, and a matching `If-None-Match` gets a 304.
//!
//! - `GET /api/catalog/services?lang=&group=`
//! - `GET /api/catalog/services/{code}?lang=&version=`
//! - `GET /api/catalog/groups?lang=`
//! - `GET /api/catalog/search?q=&lang=&group=&limit=`
//!
//! `lang` is `fr` (the default) or `en`.

use std::collections::BTreeMap;

use guichet_guest::codes::ServiceCode;
use guichet_guest::query::Query;
use guichet_guest::{response, ApiError, FieldError};
use serde_json::{json, Map, Value};
use spin_sdk::http::{Request, Response};

use crate::model::{localize, Lang, ServiceDefinition};
use guichet_guest::context::Ctx;

use crate::store::{Published, Store};
use crate::{groups, search, validate};

/// How long browsers and proxies may keep a public answer, in seconds.
pub const MAX_AGE: u32 = 300;
const SEARCH_DEFAULT_LIMIT: usize = 10;
const SEARCH_MAX_LIMIT: usize = 50;
pub const QUERY_MAX: usize = 200;

/// `lang` of the query: `fr` when absent or empty.
pub fn lang_of(query: &Query) -> Result<Lang, FieldError> {
    match query.non_empty("lang") {
        None => Ok(Lang::Fr),
        Some(text) => Lang::parse(text)
            .ok_or_else(|| FieldError::new("lang", "unknown_value", "must be fr or en")),
    }
}

/// `group` of the query, if given: a group code.
fn group_of(query: &Query) -> Result<Option<String>, FieldError> {
    match query.non_empty("group") {
        None => Ok(None),
        Some(group) if validate::is_code(group, 1) => Ok(Some(group.to_owned())),
        Some(_) => Err(FieldError::new(
            "group",
            "invalid",
            "must be a group code (a-z, 0-9, '-')",
        )),
    }
}

/// Every error of `results`, or nothing.
fn all_ok(results: Vec<Option<FieldError>>) -> Result<(), ApiError> {
    let errors: Vec<FieldError> = results.into_iter().flatten().collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::BadRequest { errors })
    }
}

fn cached(req: &Request, body: &Value) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(anyhow::Error::from)?;
    Ok(response::cacheable(req, "application/json", bytes, MAX_AGE))
}

/// Sort key of a name: lowercase without accents, so `État civil` sorts among the `e`.
pub fn sort_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c => out.push(c),
        }
    }
    out
}

/// Published services sorted as citizens read them: by group name, then name.
pub fn sorted(mut services: Vec<Published>, lang: Lang) -> Vec<Published> {
    services.sort_by_cached_key(|p| {
        let d = &p.definition;
        (
            sort_key(&groups::name(&d.group, lang)),
            sort_key(d.name.get(lang)),
            d.code.clone(),
        )
    });
    services
}

/// The summary of a service in a list.
fn summary(definition: &ServiceDefinition, version: i64, lang: Lang) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("code".into(), json!(definition.code));
    item.insert("version".into(), json!(version));
    item.insert("group".into(), json!(definition.group));
    item.insert(
        "group_name".into(),
        json!(groups::name(&definition.group, lang)),
    );
    item.insert("name".into(), json!(definition.name.get(lang)));
    item.insert(
        "description".into(),
        json!(definition.description.get(lang)),
    );
    item.insert("channel".into(), json!(definition.channel));
    item.insert("fee".into(), json!(definition.fee));
    item.insert("processing_days".into(), json!(definition.processing_days));
    item
}

/// `GET /api/catalog/services`: `{"lang", "services": [summary...]}`.
pub fn services(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune().clone());
    let query = Query::of(req);
    let (lang, group) = (lang_of(&query), group_of(&query));
    all_ok(vec![lang.clone().err(), group.clone().err()])?;
    let (lang, group) = (lang.unwrap_or(Lang::Fr), group.ok().flatten());
    let store = Store::new(ctx.conn(), commune)?;
    let published = store
        .all_published()?
        .into_iter()
        .filter(|p| group.as_ref().is_none_or(|g| *g == p.definition.group))
        .collect();
    let items: Vec<Value> = sorted(published, lang)
        .iter()
        .map(|p| Value::Object(summary(&p.definition, p.version, lang)))
        .collect();
    cached(req, &json!({"lang": lang.as_str(), "services": items}))
}

/// `GET /api/catalog/services/{code}`: the whole published definition in one language, with
/// `version`, `published_at`, `group_name` and `lang`. `version=N` asks for an older version
/// (still served after the service is archived: requests filed against it need it).
pub fn service(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune().clone());
    let query = Query::of(req);
    let lang = lang_of(&query);
    let version = match query.non_empty("version") {
        None => Ok(None),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .map(Some)
            .ok_or_else(|| FieldError::new("version", "invalid", "must be a positive integer")),
    };
    all_ok(vec![lang.clone().err(), version.clone().err()])?;
    let (lang, version) = (lang.unwrap_or(Lang::Fr), version.ok().flatten());
    if ServiceCode::parse(code).is_err() {
        return Err(ApiError::NotFound);
    }
    let store = Store::new(ctx.conn(), commune)?;
    let published = match version {
        Some(version) => store.version(code, version)?,
        None => store.published(code)?,
    }
    .ok_or(ApiError::NotFound)?;
    cached(req, &Value::Object(rendered(&published, lang)?))
}

/// A published definition as a reader of `lang` sees it.
pub fn rendered(published: &Published, lang: Lang) -> Result<Map<String, Value>, ApiError> {
    let value = serde_json::to_value(&published.definition).map_err(anyhow::Error::from)?;
    let Value::Object(mut body) = localize(&value, lang) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a definition is not an object"
        )));
    };
    body.insert("version".into(), json!(published.version));
    body.insert("published_at".into(), json!(published.published_at));
    body.insert(
        "group_name".into(),
        json!(groups::name(&published.definition.group, lang)),
    );
    body.insert("lang".into(), json!(lang.as_str()));
    Ok(body)
}

/// `GET /api/catalog/groups`: `{"lang", "groups": [{"code","name","services"}]}`, the groups
/// that have published services, by name.
pub fn groups(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune().clone());
    let query = Query::of(req);
    let lang = lang_of(&query).map_err(|e| ApiError::BadRequest { errors: vec![e] })?;
    let store = Store::new(ctx.conn(), commune)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for published in store.all_published()? {
        *counts.entry(published.definition.group).or_default() += 1;
    }
    let mut list: Vec<(String, String, usize)> = counts
        .into_iter()
        .map(|(code, count)| (groups::name(&code, lang), code, count))
        .collect();
    list.sort_by_cached_key(|(name, code, _)| (sort_key(name), code.clone()));
    let items: Vec<Value> = list
        .into_iter()
        .map(|(name, code, count)| json!({"code": code, "name": name, "services": count}))
        .collect();
    cached(req, &json!({"lang": lang.as_str(), "groups": items}))
}

/// `GET /api/catalog/search`: `{"query","lang","hits":[{"code","score","group","group_name",
/// "name","description"}]}`, best first. `q` is required (1 to 200 characters), `limit` is 1
/// to 50 (default 10).
pub fn search(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune().clone());
    let query = Query::of(req);
    let text = query.get("q").map(str::trim).unwrap_or("");
    let q = if text.is_empty() {
        Err(FieldError::new(
            "q",
            "required",
            "say what you are looking for",
        ))
    } else if text.chars().count() > QUERY_MAX {
        Err(FieldError::new(
            "q",
            "too_long",
            format!("must be at most {QUERY_MAX} characters"),
        ))
    } else {
        Ok(text)
    };
    let limit = match query.non_empty("limit") {
        None => Ok(SEARCH_DEFAULT_LIMIT),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=SEARCH_MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                FieldError::new(
                    "limit",
                    "invalid",
                    format!("must be an integer from 1 to {SEARCH_MAX_LIMIT}"),
                )
            }),
    };
    let (lang, group) = (lang_of(&query), group_of(&query));
    all_ok(vec![
        q.clone().err(),
        lang.clone().err(),
        group.clone().err(),
        limit.clone().err(),
    ])?;
    let (q, lang, group, limit) = (
        q.unwrap_or(""),
        lang.unwrap_or(Lang::Fr),
        group.ok().flatten(),
        limit.unwrap_or(SEARCH_DEFAULT_LIMIT),
    );

    let store = Store::new(ctx.conn(), commune)?;
    let found = search::search(
        store.conn,
        store.commune.as_str(),
        q,
        lang,
        group.as_deref(),
        limit,
    )?;
    let codes: Vec<String> = found.iter().map(|hit| hit.code.clone()).collect();
    let published: BTreeMap<String, Published> = store
        .published_among(&codes)?
        .into_iter()
        .map(|p| (p.definition.code.clone(), p))
        .collect();
    // The index only holds published services; a hit without one is skipped, not an error.
    let hits: Vec<Value> = found
        .iter()
        .filter_map(|hit| {
            let p = published.get(&hit.code)?;
            let mut item = Map::new();
            item.insert("code".into(), json!(hit.code));
            item.insert("score".into(), json!(hit.score));
            item.insert("group".into(), json!(p.definition.group));
            item.insert(
                "group_name".into(),
                json!(groups::name(&p.definition.group, lang)),
            );
            item.insert("name".into(), json!(p.definition.name.get(lang)));
            item.insert(
                "description".into(),
                json!(p.definition.description.get(lang)),
            );
            Some(Value::Object(item))
        })
        .collect();
    cached(
        req,
        &json!({"query": q, "lang": lang.as_str(), "hits": hits}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_defaults_to_french_and_refuses_other_languages() {
        assert_eq!(lang_of(&Query::parse("")), Ok(Lang::Fr));
        assert_eq!(lang_of(&Query::parse("lang=")), Ok(Lang::Fr));
        assert_eq!(lang_of(&Query::parse("lang=en")), Ok(Lang::En));
        assert_eq!(
            lang_of(&Query::parse("lang=de")).map_err(|e| e.field),
            Err(Some("lang".to_owned()))
        );
    }

    #[test]
    fn a_group_filter_must_be_a_group_code() {
        assert_eq!(
            group_of(&Query::parse("group=animals")),
            Ok(Some("animals".to_owned()))
        );
        assert_eq!(group_of(&Query::parse("group=")), Ok(None));
        assert!(group_of(&Query::parse("group=Animals!")).is_err());
    }

    #[test]
    fn names_sort_without_regard_to_accents_or_case() {
        let mut names = vec!["Zoo", "état civil", "Élections", "eau"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, vec!["eau", "Élections", "état civil", "Zoo"]);
    }
}
