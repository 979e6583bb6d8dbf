//! `POST /admin/requests/{ref}/{action}`: the forms of a request's page, each turned into the
//! API call it stands for, with the agent's token:
//!
//! | action | API call |
//! |---|---|
//! | `transition` | `POST /api/requests/{ref}/transitions` `{"to","message"?,"note"?}` |
//! | `reopen` | `POST /api/requests/{ref}/reopen` `{"reason"}` |
//! | `assign` | `POST /api/requests/{ref}/assignment` `{"assignee"?,"department"?}` |
//! | `note` | `POST /api/requests/{ref}/notes` `{"text"}` (internal) |
//! | `reply` | `POST /api/requests/{ref}/messages` `{"text"}` (to the citizen) |
//! | `call` | `POST /api/requests/{ref}/calls` `{"called_at","duration_seconds","caller","summary"}` |
//! | `scan` | `POST /api/requests/{ref}/scans` `{"name","content_type","data_base64","received_on"?}` |
//! | `merge` | `POST /api/requests/{duplicate}/merge` `{"into"}` (this request on either side) |
//!
//! The CSRF token and the origin rule are checked first ([`Staff::posted`]). A success is a
//! 303 back to the page; field errors (400, 409, 422...) show the page again with the
//! errors and what was typed ([`Kept`]). The page only reshapes the form: the API decides.

use base64::Engine as _;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::{Method, Response};

use super::texts::RequestTexts;
use super::{is_reference, page, Kept};
use crate::admin::{see_other, Staff};
use crate::posted::Posted;

/// The fields each form keeps when refused (never the CSRF token, never a file).
const KEPT: [&str; 12] = [
    "to", "message", "note", "reason", "assignee", "department", "text", "called_at", "minutes",
    "caller", "summary", "into",
];

pub async fn post(staff: &Staff<'_, '_>, reference: &str, action: &str) -> Result<Response, ApiError> {
    if !ACTIONS.contains(&action) {
        return Err(ApiError::NotFound);
    }
    let posted = staff.posted().await?;
    let r = super::texts::of(staff.lang);
    let field = |name: &str| posted.get(name).map(str::trim).unwrap_or_default().to_owned();
    let api = |tail: &str| format!("/api/requests/{reference}/{tail}");
    let outcome = match action {
        "transition" => {
            let mut body = Map::new();
            body.insert("to".into(), json!(field("to")));
            optional(&mut body, "message", &field("message"));
            optional(&mut body, "note", &field("note"));
            send(staff, &api("transitions"), Json::Object(body)).await?
        }
        "reopen" => send(staff, &api("reopen"), json!({"reason": field("reason")})).await?,
        "assign" => {
            let mut body = Map::new();
            match field("assignee").as_str() {
                "" => {}
                "me" => {
                    body.insert("assignee".into(), json!(staff.account()));
                }
                "none" => {
                    body.insert("assignee".into(), Json::Null);
                }
                id => {
                    body.insert("assignee".into(), json!(id));
                }
            }
            optional(&mut body, "department", &field("department"));
            send(staff, &api("assignment"), Json::Object(body)).await?
        }
        "note" => send(staff, &api("notes"), json!({"text": field("text")})).await?,
        "reply" => send(staff, &api("messages"), json!({"text": field("text")})).await?,
        "call" => send(staff, &api("calls"), call(&field)).await?,
        "scan" => match scan(&posted) {
            Some(body) => send(staff, &api("scans"), body).await?,
            None => Err(vec![FieldError::new("file", "required", r.unreadable_file)]),
        },
        _ => {
            // `merge`: this request is the duplicate, or the original of another one.
            let (duplicate, into) = (field("duplicate"), field("into"));
            if duplicate == reference && is_reference(&into) || into == reference && is_reference(&duplicate) {
                let path = format!("/api/requests/{duplicate}/merge");
                send(staff, &path, json!({"into": into})).await?
            } else if duplicate == reference && into.is_empty() {
                send(staff, &api("merge"), json!({"into": ""})).await?
            } else {
                Err(vec![FieldError::new("into", "not_this_request", r.not_this_request)])
            }
        }
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/admin/requests/{reference}?done={action}"))),
        Err(errors) => {
            let form = match action {
                "transition" => format!("transition:{}", field("to")),
                "merge" if field("duplicate") == reference => "merge".to_owned(),
                "merge" => format!("merge:{}", field("duplicate")),
                other => other.to_owned(),
            };
            let values = KEPT
                .iter()
                .filter_map(|name| posted.get(name).map(|v| ((*name).to_owned(), v.to_owned())))
                .collect();
            let fields = errors.iter().filter_map(|e| e.field.clone()).collect();
            let errors = errors.into_iter().map(|e| named(e, r)).collect();
            page(staff, reference, Kept { form, values, errors, fields }).await
        }
    }
}

/// An API error named by the form's label rather than the API's member, and a missing value
/// said in the page's language (other messages are the API's own, in English).
fn named(mut error: FieldError, r: &RequestTexts) -> FieldError {
    let label = match error.field.as_deref() {
        Some("message") => r.message,
        Some("note") => r.note,
        Some("reason") => r.reason,
        Some("called_at") => r.called_at,
        Some("duration_seconds") => r.minutes,
        Some("caller") => r.caller,
        Some("summary") => r.call_summary,
        Some("file" | "name" | "content_type" | "data_base64") => r.scan_file,
        Some("received_on") => r.received_on,
        Some("into") => r.merge_reference,
        Some("assignee") => r.account_id,
        Some("department") => r.assign_department,
        _ => return error,
    };
    if error.code == "required" {
        r.missing.clone_into(&mut error.message);
    }
    error.field = Some(label.to_owned());
    error
}

const ACTIONS: [&str; 8] = ["transition", "reopen", "assign", "note", "reply", "call", "scan", "merge"];

/// `Ok` on 2xx, the field errors of a refusal (any other status is the error page).
async fn send(staff: &Staff<'_, '_>, path: &str, body: Json) -> Result<Result<(), Vec<FieldError>>, ApiError> {
    Ok(staff.send_json(Method::Post, path, &body).await?.map(|_| ()))
}

/// Sets `name` unless the field was left empty (the API then treats it as absent).
fn optional(body: &mut Map<String, Json>, name: &str, value: &str) {
    if !value.is_empty() {
        body.insert(name.into(), json!(value));
    }
}

/// The call form as the API's call log: the `datetime-local` value read as UTC, minutes as
/// seconds. What cannot be read is passed on as typed, for the API to name.
fn call(field: &dyn Fn(&str) -> String) -> Json {
    let called_at = match field("called_at").as_str() {
        "" => Json::Null,
        at if at.len() == 16 => json!(format!("{at}:00Z")),
        at if at.len() == 19 => json!(format!("{at}Z")),
        at => json!(at),
    };
    let duration = match field("minutes").as_str() {
        "" => Json::Null,
        typed => match typed.replace(',', ".").parse::<f64>() {
            #[allow(clippy::cast_possible_truncation, reason = "a day at most, checked by the API")]
            Ok(m) if m.is_finite() && m >= 0.0 && m <= 1440.0 => json!((m * 60.0).round() as i64),
            _ => json!(typed),
        },
    };
    json!({
        "called_at": called_at,
        "duration_seconds": duration,
        "caller": field("caller"),
        "summary": field("summary"),
    })
}

/// The scan form as the API's body, `None` without a file.
fn scan(posted: &Posted) -> Option<Json> {
    let file = posted.uploads.iter().find(|u| u.field == "file" && !u.data.is_empty())?;
    let mut body = json!({
        "name": file.file_name,
        "content_type": file.content_type,
        "data_base64": base64::engine::general_purpose::STANDARD.encode(&file.data),
    });
    if let Some(day) = posted.get("received_on").map(str::trim).filter(|d| !d.is_empty()) {
        body["received_on"] = json!(day);
    }
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> String + 'a {
        move |name| pairs.iter().find(|(n, _)| *n == name).map_or_else(String::new, |(_, v)| (*v).to_owned())
    }

    #[test]
    fn a_call_is_read_in_utc_and_its_minutes_become_seconds() {
        let typed = [("called_at", "2026-12-01T09:30"), ("minutes", "2,5"), ("caller", "Camille"), ("summary", "Où en est-on ?")];
        assert_eq!(
            call(&form(&typed)),
            json!({"called_at": "2026-12-01T09:30:00Z", "duration_seconds": 150, "caller": "Camille", "summary": "Où en est-on ?"})
        );
    }

    #[test]
    fn what_the_call_form_cannot_read_is_left_for_the_api_to_name() {
        let typed = [("called_at", "hier"), ("minutes", "beaucoup")];
        let body = call(&form(&typed));
        assert_eq!((body["called_at"].as_str(), body["duration_seconds"].as_str()), (Some("hier"), Some("beaucoup")));
        let body = call(&form(&[]));
        assert_eq!((body["called_at"].clone(), body["duration_seconds"].clone()), (Json::Null, Json::Null));
    }

    #[test]
    fn an_api_error_is_named_by_the_forms_label_and_a_missing_value_said_in_the_pages_language() {
        let r = super::super::texts::of(crate::i18n::Lang::Fr);
        let missing = named(FieldError::new("message", "required", "this transition requires a message"), r);
        assert_eq!((missing.field.as_deref(), missing.message.as_str()), (Some(r.message), r.missing));
        // A member the form has no label for keeps the API's words.
        let other = named(FieldError::new("to", "transition_not_allowed", "from here: acknowledged"), r);
        assert_eq!((other.field.as_deref(), other.message.as_str()), (Some("to"), "from here: acknowledged"));
    }
}
