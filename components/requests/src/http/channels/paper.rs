//! `POST /api/requests/{ref}/scans` (staff): a clerk attaches the scan of a letter received
//! about a request. Body: `{"name","content_type": "application/pdf"|"image/jpeg"|
//! "image/png"|"image/webp","data_base64","received_on"?: "YYYY-MM-DD"}` (the day the letter
//! arrived; today when absent, never in the future).
//!
//! The file is stored with source `mail` and a public `scan` timeline entry ("letter
//! received": the citizen sees that their letter arrived; the file itself follows the
//! attachments' rules). No event: the citizen sent the letter and learns nothing new from a
//! notification; the answer to the letter, when the commune writes it, is the message.
//! Answer: 201 `{"id","reference","name","content_type","size","received_on"}`.

use base64::Engine as _;
use guichet_guest::db;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use super::{request, staff_account, staff_on};
use crate::domain::form;
use crate::http::attachments;
use crate::store::record;
use crate::store::timeline::{self, Actor, Entry};
use crate::Ctx;

const SCAN: Shape = Shape::Object(&[
    Member::required("name", Shape::Text),
    Member::required("content_type", Shape::Text),
    Member::required("data_base64", Shape::Text),
    Member::nullable("received_on", Shape::Text),
]);

pub async fn paper_scan(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = staff_on(ctx, reference)?;
    let agent = staff_account(&caller)?;
    let body = body::json(req, attachments::MAX_BODY)?;
    let mut errors = Vec::new();
    shape::check(&body, &SCAN, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let text = |member: &str| body.get(member).and_then(Json::as_str).unwrap_or_default();
    let conn = ctx.conn();
    let today = record::today(conn)?;
    let received_on = body
        .get("received_on")
        .and_then(Json::as_str)
        .map(str::trim);
    match received_on {
        Some(day) if !form::is_date(day) => {
            errors.push(FieldError::new(
                "received_on",
                "invalid_date",
                "must be a date, YYYY-MM-DD",
            ));
        }
        // ISO dates compare as text.
        Some(day) if day > today.as_str() => {
            errors.push(FieldError::new(
                "received_on",
                "in_the_future",
                "a letter cannot arrive after today",
            ));
        }
        _ => {}
    }
    let day = received_on.unwrap_or(&today).to_owned();
    let encoded: String = text("data_base64")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let data = if encoded.len() > (attachments::MAX_BYTES / 3 + 1) * 4 {
        errors.push(FieldError::new(
            "data_base64",
            "too_large",
            format!(
                "a file must be at most {} MiB",
                attachments::MAX_BYTES / (1024 * 1024)
            ),
        ));
        None
    } else {
        match base64::engine::general_purpose::STANDARD.decode(encoded.as_bytes()) {
            Ok(data) => Some(data),
            Err(_) => {
                errors.push(FieldError::new(
                    "data_base64",
                    "invalid_base64",
                    "must be the file's bytes in base64",
                ));
                None
            }
        }
    };
    let file = data.and_then(|data| {
        match attachments::check_bytes(text("name"), text("content_type"), data, "") {
            Ok(file) => Some(file),
            Err(mut found) => {
                errors.append(&mut found);
                None
            }
        }
    });
    let (Some(file), true) = (file, errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let record = request(conn, commune, reference)?;
    let stored = db::transaction(conn, |conn| {
        if attachments::count(conn, &record.id)? >= attachments::MAX_PER_REQUEST {
            return Ok(Err(ApiError::conflict(
                "data_base64",
                "too_many",
                format!(
                    "a request keeps at most {} files",
                    attachments::MAX_PER_REQUEST
                ),
            )));
        }
        let id = attachments::store(conn, commune, &record.id, &file, "mail", Some(&agent))?;
        let (_, now) = db::new_id_and_now(conn)?;
        let body = if record.lang == "en" {
            "Letter received"
        } else {
            "Courrier reçu"
        };
        let mut entry = Entry::new("scan", true);
        entry.body = Some(body);
        entry.detail.insert("attachment_id".into(), json!(id));
        entry.detail.insert("name".into(), json!(file.name));
        entry
            .detail
            .insert("content_type".into(), json!(file.content_type));
        entry.detail.insert("size".into(), json!(file.data.len()));
        entry.detail.insert("received_on".into(), json!(day));
        let actor = Actor {
            kind: "staff",
            id: Some(agent.clone()),
        };
        timeline::append(conn, commune, &record.id, &now, &actor, &entry)?;
        record::touch(conn, &record.id, &now)?;
        Ok(Ok(id))
    })?;
    let id = stored?;
    Ok(response::json(
        201,
        &json!({
            "id": id,
            "reference": record.reference,
            "name": file.name,
            "content_type": file.content_type,
            "size": file.data.len(),
            "received_on": day,
        }),
    ))
}
