//! Files attached to a request: photos and PDF sent with the filing or later by the citizen or
//! staff, scans of paper mail, attachments of inbound e-mails.
//!
//! Only JPEG, PNG, WebP and PDF are taken, and the first bytes must be those of the declared
//! type: a file is never served with a type it does not have (and downloads carry
//! `Content-Disposition: attachment` and `nosniff`, so a browser never renders it inline).
//!
//! Signatures other modules use:
//! - `pub fn check(list: &Json, field_prefix: &str) -> Result<Vec<Checked>, Vec<FieldError>>`:
//!   `list` is a JSON array of `{"name","content_type","data_base64"}`; errors at
//!   `<field_prefix>[i].<member>`.
//! - `pub fn check_bytes(name, content_type, data: Vec<u8>, path) -> Result<Checked, Vec<FieldError>>`:
//!   the same rules for bytes that did not come as base64 (e-mail parts, scans).
//! - `pub fn store(conn, commune, request_id, attachment: &Checked, source: &str, added_by:
//!   Option<&str>) -> anyhow::Result<String>`: writes the row only (the id); the caller writes
//!   its own timeline entry in the same transaction.

use anyhow::Context as _;
use base64::Engine as _;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use spin_sdk::http::Response;

use crate::store::timeline::{self, Actor, Entry};
use crate::http::tracking;
use crate::Ctx;

/// Most files in one filing (or one later upload).
pub const MAX_FILES: usize = 5;
/// Largest file, decoded.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Most files one request may gather over its life (citizen, staff, scans, e-mails).
pub const MAX_PER_REQUEST: i64 = 30;
/// Largest body of a filing or upload: five files of 5 MiB as base64 (4/3, about 33.4 MiB)
/// plus 2 MiB for the form and JSON. It stays under the host's default body cap (40 MiB,
/// `infra/host/src/limits.rs`), which refuses anything larger before the component runs.
pub const MAX_BODY: usize = MAX_FILES * MAX_BYTES.div_ceil(3) * 4 + 2 * 1024 * 1024;
/// Longest file name.
const NAME_MAX: usize = 255;

/// The types taken, with the first bytes each must start with (see [`magic_matches`]).
pub const TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "application/pdf"];

const ATTACHMENT: Shape = Shape::Object(&[
    Member::required("name", Shape::Text),
    Member::required("content_type", Shape::Text),
    Member::required("data_base64", Shape::Text),
]);

/// An attachment whose name, type, size and content were checked.
#[derive(Debug, Clone)]
pub struct Checked {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    /// SHA-256 of `data`, hex.
    pub sha256: String,
}

/// Checks a JSON list of attachments (see the module documentation).
pub fn check(list: &Json, field_prefix: &str) -> Result<Vec<Checked>, Vec<FieldError>> {
    let Some(items) = list.as_array() else {
        return Err(vec![FieldError::new(
            field_prefix,
            "invalid_type",
            "must be a list of {name, content_type, data_base64}",
        )]);
    };
    let mut errors = Vec::new();
    if items.len() > MAX_FILES {
        errors.push(FieldError::new(
            field_prefix,
            "too_many",
            format!("at most {MAX_FILES} files at a time"),
        ));
    }
    let mut checked = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = shape::index(field_prefix, i);
        let before = errors.len();
        shape::check(item, &ATTACHMENT, &path, &mut errors);
        if errors.len() > before {
            continue;
        }
        let text = |member: &str| item.get(member).and_then(Json::as_str).unwrap_or_default();
        let encoded: String = text("data_base64")
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        // Early refusal before decoding: base64 is 4/3 of the bytes.
        if encoded.len() > (MAX_BYTES / 3 + 1) * 4 {
            errors.push(too_large(&shape::join(&path, "data_base64")));
            continue;
        }
        let data = match base64::engine::general_purpose::STANDARD.decode(encoded.as_bytes()) {
            Ok(data) => data,
            Err(_) => {
                errors.push(FieldError::new(
                    shape::join(&path, "data_base64"),
                    "invalid_base64",
                    "must be the file's bytes in base64 (RFC 4648, with padding)",
                ));
                continue;
            }
        };
        match check_bytes(text("name"), text("content_type"), data, &path) {
            Ok(file) => {
                if checked.iter().any(|c: &Checked| c.name == file.name) {
                    errors.push(FieldError::new(
                        shape::join(&path, "name"),
                        "duplicate",
                        "another file of this list has the same name",
                    ));
                }
                checked.push(file);
            }
            Err(mut found) => errors.append(&mut found),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// Checks one file's name, declared type, size and first bytes; errors at `path.name`,
/// `path.content_type`, `path.data_base64`.
pub fn check_bytes(
    name: &str,
    content_type: &str,
    data: Vec<u8>,
    path: &str,
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = name.trim();
    let name_path = shape::join(path, "name");
    if name.is_empty() {
        errors.push(FieldError::new(&name_path, "required", "is required"));
    } else if name.chars().count() > NAME_MAX {
        errors.push(FieldError::new(
            &name_path,
            "too_long",
            format!("must be at most {NAME_MAX} characters"),
        ));
    } else if guichet_guest::text::clean(name, guichet_guest::text::Lines::One).is_none() {
        // A right-to-left override makes `photo\u{202E}fdp.exe` read as `photoexe.pdf`.
        errors.push(guichet_guest::text::error(&name_path, guichet_guest::text::Lines::One));
    } else if name.contains(['/', '\\']) {
        errors.push(FieldError::new(
            &name_path,
            "invalid_format",
            "must be a file name, without slashes",
        ));
    }
    let content_type = content_type.trim().to_ascii_lowercase();
    let type_path = shape::join(path, "content_type");
    let data_path = shape::join(path, "data_base64");
    if !TYPES.contains(&content_type.as_str()) {
        errors.push(FieldError::new(
            &type_path,
            "forbidden_type",
            format!("must be one of: {}", TYPES.join(", ")),
        ));
    } else if !magic_matches(&content_type, &data) {
        errors.push(FieldError::new(
            &type_path,
            "type_mismatch",
            format!("the file's content is not {content_type}"),
        ));
    }
    if data.is_empty() {
        errors.push(FieldError::new(&data_path, "empty", "the file is empty"));
    } else if data.len() > MAX_BYTES {
        errors.push(too_large(&data_path));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let sha256 = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Checked {
        name: name.to_owned(),
        content_type,
        data,
        sha256,
    })
}

fn too_large(path: &str) -> FieldError {
    FieldError::new(
        path,
        "too_large",
        format!("a file must be at most {} MiB", MAX_BYTES / (1024 * 1024)),
    )
}

/// Whether `data` starts as a file of `content_type` does.
pub fn magic_matches(content_type: &str, data: &[u8]) -> bool {
    match content_type {
        "image/jpeg" => data.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/webp" => data.len() >= 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP",
        "application/pdf" => data.starts_with(b"%PDF-"),
        _ => false,
    }
}

/// Writes `attachment` for request `request_id`; call inside the change's transaction.
/// `source`: `filing`, `citizen`, `staff`, `scan`, `email`... Returns the attachment's id.
pub fn store(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
    attachment: &Checked,
    source: &str,
    added_by: Option<&str>,
) -> anyhow::Result<String> {
    let (id, now) = db::new_id_and_now(conn)?;
    db::exec(
        conn,
        "INSERT INTO attachments (id, commune, request_id, name, content_type, size, sha256, \
         data, source, added_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(id.as_str()),
            db::text(commune.as_str()),
            db::text(request_id),
            db::text(attachment.name.as_str()),
            db::text(attachment.content_type.as_str()),
            Value::Integer(i64::try_from(attachment.data.len()).context("file size")?),
            db::text(attachment.sha256.as_str()),
            Value::Blob(attachment.data.clone()),
            db::text(source),
            added_by.map_or(Value::Null, db::text),
            db::text(now),
        ],
    )
    .context("writing an attachment")?;
    Ok(id)
}

/// How many files request `request_id` has (at most [`MAX_PER_REQUEST`]).
pub fn count(conn: &Connection, request_id: &str) -> anyhow::Result<i64> {
    db::query(
        conn,
        "SELECT COUNT(*) FROM attachments WHERE request_id = ?",
        &[db::text(request_id)],
    )?
    .rows
    .first()
    .and_then(|row| row.get::<i64>(0))
    .context("counting the request's attachments")
}

/// The attachments of `request_id` without their bytes, oldest first.
pub fn list(conn: &Connection, request_id: &str, with_source: bool) -> anyhow::Result<Vec<Json>> {
    let result = db::query(
        conn,
        "SELECT id, name, content_type, size, created_at, source, added_by FROM attachments \
         WHERE request_id = ? ORDER BY created_at, rowid",
        &[db::text(request_id)],
    )?;
    let text = |row: &db::RowResult, i: usize| row.get::<&str>(i).map(str::to_owned);
    Ok(result
        .rows
        .iter()
        .map(|row| {
            let mut item = json!({
                "id": text(row, 0),
                "name": text(row, 1),
                "content_type": text(row, 2),
                "size": row.get::<i64>(3),
                "created_at": text(row, 4),
            });
            if with_source {
                item["source"] = json!(text(row, 5));
                item["added_by"] = json!(text(row, 6));
            }
            item
        })
        .collect())
}

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
        db::exec(
            conn,
            "UPDATE requests SET updated_at = ? WHERE id = ?",
            &[db::text(now), db::text(record.id.as_str())],
        )?;
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
pub fn download(
    ctx: &Ctx<'_>,
    reference: &str,
    id: &str,
) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?;
    let conn = ctx.conn();
    let record = tracking::find_for(conn, commune, &caller, reference)?;
    let result = db::query(
        conn,
        "SELECT name, content_type, data FROM attachments \
         WHERE commune = ? AND request_id = ? AND id = ?",
        &[
            db::text(commune.as_str()),
            db::text(record.id.as_str()),
            db::text(id),
        ],
    )?;
    let row = result.rows.first().ok_or(ApiError::NotFound)?;
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
    let name = row.get::<&str>(0).unwrap_or("file");
    let content_type = row.get::<&str>(1).unwrap_or("application/octet-stream");
    let data = row.get::<&[u8]>(2).unwrap_or_default().to_vec();
    let mut reply = response::with_type(200, content_type, data, true);
    reply.set_header("content-disposition", disposition(name));
    reply.set_header("x-content-type-options", "nosniff");
    Ok(reply)
}

/// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn codes(list: Json) -> Vec<(String, String)> {
        guichet_guest::FieldError::codes(check(&list, "attachments"))
    }

    #[test]
    fn a_png_that_is_a_png_is_taken() {
        let files = check(
            &json!([{"name": "trou.png", "content_type": "image/png", "data_base64": b64(PNG)}]),
            "attachments",
        )
        .expect("valid");
        assert_eq!(files[0].data, PNG);
        assert_eq!(files[0].sha256.len(), 64);
    }

    #[test]
    fn a_forbidden_or_disguised_file_is_refused_by_its_field() {
        assert_eq!(
            codes(json!([
                {"name": "a.exe", "content_type": "application/x-msdownload", "data_base64": b64(b"MZ..")},
                {"name": "b.jpg", "content_type": "image/jpeg", "data_base64": b64(PNG)},
                {"name": "c.pdf", "content_type": "application/pdf", "data_base64": "%%%"},
                {"name": "d.pdf", "content_type": "application/pdf"},
            ])),
            vec![
                (
                    "attachments[0].content_type".to_owned(),
                    "forbidden_type".to_owned()
                ),
                (
                    "attachments[1].content_type".to_owned(),
                    "type_mismatch".to_owned()
                ),
                (
                    "attachments[2].data_base64".to_owned(),
                    "invalid_base64".to_owned()
                ),
                (
                    "attachments[3].data_base64".to_owned(),
                    "required".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn too_many_or_too_large_files_are_refused() {
        let one = json!({"name": "x.pdf", "content_type": "application/pdf", "data_base64": b64(b"%PDF-1.4")});
        let six: Vec<Json> = (0..6)
            .map(|i| {
                let mut f = one.clone();
                f["name"] = json!(format!("{i}.pdf"));
                f
            })
            .collect();
        assert_eq!(
            codes(Json::Array(six)),
            vec![("attachments".to_owned(), "too_many".to_owned())]
        );
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert_eq!(
            codes(
                json!([{"name": "big.pdf", "content_type": "application/pdf", "data_base64": b64(&big)}])
            ),
            vec![(
                "attachments[0].data_base64".to_owned(),
                "too_large".to_owned()
            )]
        );
    }

    #[test]
    fn webp_and_jpeg_are_recognised_by_their_first_bytes() {
        assert!(magic_matches("image/webp", b"RIFF\0\0\0\0WEBPVP8 "));
        assert!(!magic_matches("image/webp", b"RIFF\0\0\0\0AVI LIST"));
        assert!(magic_matches("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!magic_matches("image/jpeg", b"<svg"));
    }

    #[test]
    fn the_download_name_is_quoted_safely() {
        assert_eq!(
            disposition("rapport \"final\" é.pdf"),
            "attachment; filename=\"rapport _final_ _.pdf\"; filename*=UTF-8''rapport%20%22final%22%20%C3%A9.pdf"
        );
    }
}
