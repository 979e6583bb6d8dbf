//! `GET /api/requests/similar?service=&lat=&long=&text=&lang=` (anyone, signed in or not):
//! what a citizen is shown before filing a report, "already reported: follow it instead".
//!
//! Open requests of the same service, filed in the last 30 days, within 200 m; ranked by
//! nearness plus text similarity with `text` (see [`nearby`]); at most 10. Only services
//! that may be filed anonymously (reports on the public space) are looked up: other
//! procedures concern a person, and even their references are nobody else's business.
//! Each answer carries public data only: reference, service, state and its label, distance
//! and filing date; never the description, answers, address or contact, which may be
//! personal (the text only orders the list).

use guichet_guest::query::Query;
use guichet_guest::service::Lang;
use guichet_guest::{response, ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::calls::catalog;
use crate::domain::duplicates::nearby;
use crate::domain::workflow::rules;
use crate::store::duplicates;
use crate::Ctx;

/// How far a report may be from another to be the same problem.
pub const RADIUS_M: f64 = 200.0;
/// The step distances are shown in.
const DISTANCE_STEP_M: f64 = 25.0;
/// How old a report may be to still be offered.
pub const WINDOW_DAYS: i64 = 30;
/// How many are offered.
const LIMIT: usize = 10;
/// Candidates read from the box before ranking (a busy spot, not the whole commune).
const CANDIDATES: i64 = 500;
/// Longest `text` considered.
const MAX_TEXT: usize = 2000;

/// The checked query.
struct Ask {
    service: String,
    lat: f64,
    long: f64,
    text: Option<String>,
    lang: Lang,
}

pub async fn similar(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let ask = read(&Query::of(req))?;
    let Some(service) = catalog::service(ctx.conn(), commune, &ask.service, None).await? else {
        return Err(ApiError::field(
            "service",
            "unknown_service",
            "no such service in this commune's catalogue",
        ));
    };
    if !service.definition.anonymous {
        return Ok(answer(Vec::new()));
    }
    let boxed = nearby::bounding_box(ask.lat, ask.long, RADIUS_M);
    let candidates = duplicates::candidates(
        ctx.conn(),
        commune,
        &ask.service,
        &boxed,
        WINDOW_DAYS,
        CANDIDATES,
    )?;
    let asked = ask.text.as_deref().map(nearby::words).unwrap_or_default();
    let workflow = &service.definition.workflow;
    let mut found: Vec<(f64, f64, Json)> = Vec::new();
    for candidate in candidates {
        let (Some(lat), Some(long)) = (candidate.lat, candidate.long) else {
            continue;
        };
        let distance = nearby::distance_m(ask.lat, ask.long, lat, long);
        if distance > RADIUS_M {
            continue;
        }
        let their_words = nearby::words(&format!(
            "{}\n{}",
            candidate.description,
            answer_text(&candidate.answers)
        ));
        let score = nearby::score(distance, RADIUS_M, nearby::similarity(&asked, &their_words));
        let names: Json = serde_json::from_str(&candidate.service_name).unwrap_or(Json::Null);
        let state = candidate.state;
        let label = rules::state(workflow, &state)
            .map_or_else(|| state.clone(), |s| s.label.get(ask.lang).clone());
        found.push((
            score,
            distance,
            json!({
                "reference": candidate.reference,
                "service_code": ask.service,
                "service_name": names.get(ask.lang.as_str()).or_else(|| names.get("fr")).cloned().unwrap_or(Json::Null),
                "state": state,
                "state_label": label,
                // Rounded up to 25 m: exact distances from a few points would give away where a
                // report that was not published was made (docs/SECURITY.md, A9).
                "distance_m": (distance / DISTANCE_STEP_M).ceil().max(1.0) * DISTANCE_STEP_M,
                "created_at": candidate.created_at,
            }),
        ));
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
    Ok(answer(
        found
            .into_iter()
            .take(LIMIT)
            .map(|(_, _, item)| item)
            .collect(),
    ))
}

fn answer(items: Vec<Json>) -> Response {
    response::json(
        200,
        &json!({"similar": items, "radius_m": RADIUS_M, "window_days": WINDOW_DAYS}),
    )
}

/// The text answers of a request (its `answers` JSON), for text similarity.
fn answer_text(answers: &str) -> String {
    match serde_json::from_str::<Json>(answers) {
        Ok(Json::Object(map)) => map
            .values()
            .filter_map(Json::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Every problem with the query, at once.
fn read(query: &Query) -> Result<Ask, ApiError> {
    let mut errors = Vec::new();
    let service = match query.non_empty("service") {
        Some(code) => code.to_owned(),
        None => {
            errors.push(FieldError::new(
                "service",
                "required",
                "service is required",
            ));
            String::new()
        }
    };
    let lat = coordinate(query, "lat", 90.0, &mut errors);
    let long = coordinate(query, "long", 180.0, &mut errors);
    let text = query.non_empty("text").map(str::to_owned);
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
        errors.push(FieldError::new(
            "text",
            "too_long",
            format!("text must be at most {MAX_TEXT} characters"),
        ));
    }
    let lang = match query.non_empty("lang") {
        None => Some(Lang::Fr),
        Some(code) => Lang::parse(code),
    };
    if lang.is_none() {
        errors.push(FieldError::new("lang", "invalid", "lang must be fr or en"));
    }
    match (lat, long, lang) {
        (Some(lat), Some(long), Some(lang)) if errors.is_empty() => Ok(Ask {
            service,
            lat,
            long,
            text,
            lang,
        }),
        _ => Err(ApiError::BadRequest { errors }),
    }
}

/// The coordinate `name`, a finite number within ±`limit` degrees.
fn coordinate(query: &Query, name: &str, limit: f64, errors: &mut Vec<FieldError>) -> Option<f64> {
    let Some(raw) = query.non_empty(name) else {
        errors.push(FieldError::new(
            name,
            "required",
            format!("{name} is required"),
        ));
        return None;
    };
    match raw.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value.abs() <= limit => Some(value),
        Ok(_) => {
            errors.push(FieldError::new(
                name,
                "out_of_range",
                format!("{name} must be between -{limit} and {limit}"),
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                name,
                "not_a_number",
                format!("{name} must be a number"),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(query: &str) -> Vec<(String, String)> {
        match read(&Query::parse(query)) {
            Ok(_) => Vec::new(),
            Err(error) => error
                .errors()
                .into_iter()
                .map(|e| (e.field.unwrap_or_default(), e.code))
                .collect(),
        }
    }

    #[test]
    fn a_complete_query_is_read() {
        let ask = read(&Query::parse(
            "service=pothole&lat=48.85&long=2.35&text=trou&lang=en",
        ))
        .ok();
        assert_eq!(
            ask.map(|a| (a.service, a.lat, a.long, a.text, a.lang)),
            Some(("pothole".into(), 48.85, 2.35, Some("trou".into()), Lang::En))
        );
    }

    #[test]
    fn every_bad_parameter_is_reported_at_once() {
        let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
        assert_eq!(
            fields("lat=91&long=abc&lang=de"),
            vec![
                pair("service", "required"),
                pair("lat", "out_of_range"),
                pair("long", "not_a_number"),
                pair("lang", "invalid")
            ]
        );
        assert_eq!(
            fields("service=pothole&lat=NaN&long=-180.5"),
            vec![pair("lat", "out_of_range"), pair("long", "out_of_range")]
        );
        assert_eq!(
            fields("service=pothole"),
            vec![pair("lat", "required"), pair("long", "required")]
        );
    }
}
