//! Files attached to a request: `POST /api/requests/{ref}/attachments` (the owner or staff
//! adds files) and `GET /api/requests/{ref}/attachments/{id}` (downloads carry
//! `Content-Disposition: attachment` and `nosniff`, so a browser never renders a file
//! inline). The rules on files are in [`crate::domain::attachments`], their SQL in
//! [`crate::store::attachments`]; both are re-exported here for the other channels.

use guichet_guest::db;
use guichet_guest::{body, response, ApiError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

pub use crate::domain::attachments::{
    check, check_bytes, Checked, MAX_BODY, MAX_BYTES, MAX_FILES, MAX_PER_REQUEST,
};
use crate::http::tracking;
pub use crate::store::attachments::{count, insert as store, list};
use crate::store::record;
use crate::store::timeline::{self, Actor, Entry};
use crate::Ctx;

/// `POST /api/requests/{ref}/attachments`: the owner or staff adds files. Body: one
/// attachment object, a list of them, or `{"attachments":[...]}`. 201 with the new files.
pub async fn add(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?;
    let conn = ctx.conn();
    let record = tracking::find_for(conn, commune, &caller, reference)?;
    let body = body::json(req, MAX_BODY)?;
    let (list, prefix) = match &body {
        Json::Array(_) => (body.clone(), "body"),
        Json::Object(map) if map.contains_key("attachments") && map.len() == 1 => (
            map.get("attachments").cloned().unwrap_or(Json::Null),
            "attachments",
        ),
        Json::Object(_) => (Json::Array(vec![body.clone()]), "attachments"),
        _ => (Json::Null, "body"),
    };
    let files = check(&list, prefix).map_err(|errors| ApiError::BadRequest { errors })?;
    if files.is_empty() {
        return Err(ApiError::field(prefix, "required", "at least one file"));
    }
    let source = if caller.is_staff() {
        "staff"
    } else {
        "citizen"
    };
    let actor = Actor {
        kind: caller.actor_kind(),
        id: caller.account().map(str::to_owned),
    };
    let added = db::transaction(conn, |conn| {
        if count(conn, &record.id)? + files.len() as i64 > MAX_PER_REQUEST {
            return Ok(None);
        }
        let (_, now) = db::new_id_and_now(conn)?;
        let mut added = Vec::new();
        for file in &files {
            let id = store(conn, commune, &record.id, file, source, caller.account())?;
            let mut entry = Entry::new("attachment", true);
            entry.body = Some(file.name.as_str());
            entry.detail.insert("attachment_id".into(), json!(id));
            entry
                .detail
                .insert("content_type".into(), json!(file.content_type));
            entry.detail.insert("size".into(), json!(file.data.len()));
            timeline::append(conn, commune, &record.id, &now, &actor, &entry)?;
            added.push(json!({
                "id": id, "name": file.name, "content_type": file.content_type,
                "size": file.data.len(), "created_at": now,
            }));
        }
        record::touch(conn, &record.id, &now)?;
        Ok(Some(added))
    })?;
    let Some(added) = added else {
        return Err(ApiError::conflict(
            prefix,
            "too_many",
            format!("a request keeps at most {MAX_PER_REQUEST} files"),
        ));
    };
    // No event: a new file changes nothing notifications tells anyone about.
    Ok(response::json(
        201,
        &json!({"reference": record.reference, "attachments": added}),
    ))
}

/// `GET /api/requests/{ref}/attachments/{id}`: the file's bytes, for the owner or staff
/// (404 for anyone else, as for an unknown file).
pub fn download(ctx: &Ctx<'_>, reference: &str, id: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?;
    let conn = ctx.conn();
    let record = tracking::find_for(conn, commune, &caller, reference)?;
    let file = crate::store::attachments::file(conn, commune, &record.id, id)?
        .ok_or(ApiError::NotFound)?;
    if let (true, Some(reader)) = (caller.is_staff(), caller.account()) {
        // A file is part of the request: its reads by staff are logged as the request's.
        let purpose = crate::http::reads::purpose(&guichet_guest::query::Query::of(req))?;
        let read = crate::http::reads::Read::Request {
            kind: "attachment",
            id: &record.id,
            reference: &record.reference,
        };
        crate::http::reads::log(conn, commune, reader, &read, purpose)?;
    }
    let name = file.name.as_deref().unwrap_or("file");
    let content_type = file
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    let data = file.data.as_deref().unwrap_or_default().to_vec();
    let mut reply = response::with_type(200, content_type, data, true);
    reply.set_header("content-disposition", response::attachment(name));
    reply.set_header("x-content-type-options", "nosniff");
    Ok(reply)
}
