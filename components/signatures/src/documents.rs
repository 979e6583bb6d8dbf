//! Documents to sign, for the commune's staff: an uploaded file or a request's decision, each
//! version kept with its bytes and SHA-256 (a revised plan is a new version; the old ones and
//! their signatures stay).
//!
//! - `POST documents`: `{"title", "file": {"name","content_type","data_base64"}}` or
//!   `{"title", "request": "<reference>", "decision": "<text>"}` → 201, version 1.
//! - `POST documents/{id}/versions`: `{"file": {...}}` (or `{"decision"}` for a decision) →
//!   201, the next version.
//! - `GET documents/{id}`: the document and its versions (digests, no bytes).
//! - `GET documents/{id}/versions/{n}/content`: the bytes of version `n` (as an attachment).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use guichet_guest::db::{self, Connection};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::text::{self, Lines};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde::Deserialize;
use serde_json::json;
use spin_sdk::http::Response;

use crate::{now, Ctx};

/// The largest document accepted, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The largest JSON body: a document in base64 and the rest.
const MAX_BODY: usize = MAX_BYTES.div_ceil(3) * 4 + 64 * 1024;
const TITLE_MAX: usize = 200;
const NAME_MAX: usize = 255;
const DECISION_MAX: usize = 100_000;

const FILE: Shape = Shape::Object(&[
    Member::required("name", Shape::Text),
    Member::required("content_type", Shape::Text),
    Member::required("data_base64", Shape::Text),
]);
const NEW_DOCUMENT: Shape = Shape::Object(&[
    Member::required("title", Shape::Text),
    Member::optional("file", FILE),
    Member::optional("request", Shape::Text),
    Member::optional("decision", Shape::Text),
]);
const NEW_VERSION: Shape = Shape::Object(&[
    Member::optional("file", FILE),
    Member::optional("decision", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBody {
    name: String,
    content_type: String,
    data_base64: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDocument {
    title: String,
    file: Option<FileBody>,
    request: Option<String>,
    decision: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewVersion {
    file: Option<FileBody>,
    decision: Option<String>,
}

/// One version's content, checked.
struct Content {
    name: String,
    content_type: String,
    bytes: Vec<u8>,
}

/// `POST documents`.
pub fn create(ctx: &Ctx) -> Result<Response, ApiError> {
    let account = ctx.caller()?.staff()?.to_owned();
    let input: NewDocument = shape::decode(body::json(ctx.request(), MAX_BODY)?, &NEW_DOCUMENT)?;
    let mut errors = Vec::new();
    let title = one_line("title", &input.title, TITLE_MAX, &mut errors);
    let request = input
        .request
        .as_deref()
        .and_then(|r| reference("request", r, &mut errors));
    let content = match (&input.file, &input.decision, &request) {
        (Some(file), None, _) => file_content(file, &mut errors),
        (None, Some(decision), Some(reference)) => {
            decision_content(decision, reference, &mut errors)
        }
        (None, Some(_), None) if !errors.iter().any(|e| e.field.as_deref() == Some("request")) => {
            errors.push(FieldError::new(
                "request",
                "required",
                "a decision belongs to a request",
            ));
            None
        }
        (Some(_), Some(_), _) => {
            errors.push(FieldError::new(
                "decision",
                "exclusive",
                "give a file or a decision, not both",
            ));
            None
        }
        _ => {
            if input.file.is_none() && input.decision.is_none() {
                errors.push(FieldError::new(
                    "file",
                    "required",
                    "give a file or a decision",
                ));
            }
            None
        }
    };
    let (Some(title), Some(content), true) = (title, content, errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let kind = if input.decision.is_some() {
        "decision"
    } else {
        "upload"
    };
    let (id, at) = db::new_id_and_now(ctx.conn())?;
    let commune = ctx.commune();
    db::transaction(ctx.conn(), |conn| {
        db::exec(
            conn,
            "INSERT INTO documents (commune, id, title, kind, request_ref, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                db::text(commune.as_str()),
                db::text(id.as_str()),
                db::text(title.as_str()),
                db::text(kind),
                request.clone().map_or(db::Value::Null, db::text),
                db::text(account.as_str()),
                db::text(at.as_str()),
            ],
        )?;
        insert_version(conn, commune, &id, 1, &content, &account, &at)
    })?;
    Ok(response::json(201, &describe(ctx.conn(), commune, &id)?))
}

/// `POST documents/{id}/versions`.
pub fn add_version(ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let account = ctx.caller()?.staff()?.to_owned();
    let commune = ctx.commune();
    let document = find(ctx.conn(), commune, id)?.ok_or(ApiError::NotFound)?;
    let input: NewVersion = shape::decode(body::json(ctx.request(), MAX_BODY)?, &NEW_VERSION)?;
    let mut errors = Vec::new();
    let content = match (&input.file, &input.decision, &document.request_ref) {
        (Some(file), None, _) => file_content(file, &mut errors),
        (None, Some(decision), Some(reference)) => {
            decision_content(decision, reference, &mut errors)
        }
        _ => {
            let field = if document.request_ref.is_some() {
                "decision"
            } else {
                "file"
            };
            errors.push(FieldError::new(
                field,
                "required",
                "give the new version's content",
            ));
            None
        }
    };
    let (Some(content), true) = (content, errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let at = now().1;
    db::transaction(ctx.conn(), |conn| {
        let rows = db::query(
            conn,
            "SELECT COALESCE(MAX(version), 0) + 1 AS next FROM document_versions \
             WHERE commune = ? AND document_id = ?",
            &[db::text(commune.as_str()), db::text(id)],
        )?;
        let next: i64 = db::first_value(&rows, "next")?.unwrap_or(1);
        insert_version(conn, commune, id, next, &content, &account, &at)
    })?;
    Ok(response::json(201, &describe(ctx.conn(), commune, id)?))
}

fn insert_version(
    conn: &Connection,
    commune: &Commune,
    id: &str,
    version: i64,
    content: &Content,
    account: &str,
    at: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT INTO document_versions (commune, document_id, version, name, content_type, size, \
         sha256, content, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::text(id),
            db::Value::Integer(version),
            db::text(content.name.as_str()),
            db::text(content.content_type.as_str()),
            db::Value::Integer(i64::try_from(content.bytes.len())?),
            db::text(guichet_verify::sha256_hex(&content.bytes)),
            db::Value::Blob(content.bytes.clone()),
            db::text(account),
            db::text(at),
        ],
    )
}

/// A document's own row.
pub struct Document {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub request_ref: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// The document `id` of `commune`.
pub fn find(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Option<Document>> {
    let rows = db::query(
        conn,
        "SELECT id, title, kind, request_ref, created_by, created_at FROM documents \
         WHERE commune = ? AND id = ?",
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    let Some(row) = db::first_row(&rows) else {
        return Ok(None);
    };
    Ok(Some(Document {
        id: row.get("id")?,
        title: row.get("title")?,
        kind: row.get("kind")?,
        request_ref: row.get("request_ref")?,
        created_by: row.get("created_by")?,
        created_at: row.get("created_at")?,
    }))
}

/// A version's description (no bytes).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Version {
    pub version: u32,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub created_by: String,
    pub created_at: String,
}

/// The versions of document `id`, oldest first.
pub fn versions(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Vec<Version>> {
    let rows = db::query(
        conn,
        "SELECT version, name, content_type, size, sha256, created_by, created_at \
         FROM document_versions WHERE commune = ? AND document_id = ? ORDER BY version",
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    let mut all = Vec::new();
    for row in db::rows(&rows) {
        all.push(Version {
            version: u32::try_from(row.get::<i64>("version")?)?,
            name: row.get("name")?,
            content_type: row.get("content_type")?,
            size: u64::try_from(row.get::<i64>("size")?)?,
            sha256: row.get("sha256")?,
            created_by: row.get("created_by")?,
            created_at: row.get("created_at")?,
        });
    }
    Ok(all)
}

/// `GET documents/{id}`.
pub fn show(ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    ctx.caller()?.staff()?;
    Ok(response::json(
        200,
        &describe(ctx.conn(), ctx.commune(), id)?,
    ))
}

/// The document `id` and its versions, as the API shows them (404 when unknown).
fn describe(conn: &Connection, commune: &Commune, id: &str) -> Result<serde_json::Value, ApiError> {
    let document = find(conn, commune, id)?.ok_or(ApiError::NotFound)?;
    let versions = versions(conn, commune, id)?;
    Ok(json!({
        "id": document.id, "title": document.title, "kind": document.kind,
        "request": document.request_ref, "created_by": document.created_by,
        "created_at": document.created_at, "versions": versions,
    }))
}

/// `GET documents/{id}/versions/{n}/content`.
pub fn content(ctx: &Ctx, id: &str, version: &str) -> Result<Response, ApiError> {
    ctx.caller()?.staff()?;
    let version: i64 = version.parse().map_err(|_| ApiError::NotFound)?;
    let rows = db::query(
        ctx.conn(),
        "SELECT content_type, content FROM document_versions \
         WHERE commune = ? AND document_id = ? AND version = ?",
        &[
            db::text(ctx.commune().as_str()),
            db::text(id),
            db::Value::Integer(version),
        ],
    )?;
    let row = db::first_row(&rows).ok_or(ApiError::NotFound)?;
    let content_type: String = row.get("content_type")?;
    let bytes: Vec<u8> = row.get("content")?;
    // An upload is whatever its author sent: downloaded, never rendered in Guichet's origin
    // (an HTML file would otherwise run its scripts there).
    let mut answer = response::with_type(200, &content_type, bytes, true);
    answer.set_header("content-disposition", "attachment");
    answer.set_header("x-content-type-options", "nosniff");
    answer.set_header("content-security-policy", "sandbox; default-src 'none'");
    Ok(answer)
}

/// `value` trimmed, when it is one line of 1 to `max` characters (else an error at `field`).
pub fn one_line(
    field: &str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "invalid_length",
            format!("must be 1 to {max} characters"),
        ));
        return None;
    }
    text::check(field, value, Lines::One, errors)
}

/// Whether `value` is a request's reference as requests writes them (`YYYY-NNNNNN`).
pub fn is_reference(value: &str) -> bool {
    value.len() == 11
        && value.as_bytes()[4] == b'-'
        && value
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit())
}

/// `value` when it is a request's reference, else an error at `field`.
fn reference(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if is_reference(value) {
        Some(value.to_owned())
    } else {
        errors.push(FieldError::new(
            field,
            "invalid",
            "must be a request reference (YYYY-NNNNNN)",
        ));
        None
    }
}

fn file_content(file: &FileBody, errors: &mut Vec<FieldError>) -> Option<Content> {
    let name = one_line("file.name", &file.name, NAME_MAX, errors);
    let content_type = media_type(&file.content_type);
    if content_type.is_none() {
        errors.push(FieldError::new(
            "file.content_type",
            "invalid",
            "must be a media type (type/subtype)",
        ));
    }
    if file.data_base64.len() > MAX_BYTES.div_ceil(3) * 4 {
        errors.push(FieldError::new(
            "file.data_base64",
            "too_large",
            format!("a document must be at most {MAX_BYTES} bytes"),
        ));
        return None;
    }
    let bytes = match STANDARD.decode(file.data_base64.as_bytes()) {
        Ok(bytes) if bytes.is_empty() => {
            errors.push(FieldError::new(
                "file.data_base64",
                "empty",
                "the file is empty",
            ));
            None
        }
        Ok(bytes) if bytes.len() > MAX_BYTES => {
            errors.push(FieldError::new(
                "file.data_base64",
                "too_large",
                format!("a document must be at most {MAX_BYTES} bytes"),
            ));
            None
        }
        Ok(bytes) => Some(bytes),
        Err(_) => {
            errors.push(FieldError::new(
                "file.data_base64",
                "invalid_base64",
                "must be base64 (RFC 4648)",
            ));
            None
        }
    };
    Some(Content {
        name: name?,
        content_type: content_type?,
        bytes: bytes?,
    })
}

fn decision_content(
    decision: &str,
    reference: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Content> {
    let trimmed = decision.trim();
    if trimmed.is_empty() || trimmed.len() > DECISION_MAX {
        errors.push(FieldError::new(
            "decision",
            "invalid_length",
            format!("must be 1 to {DECISION_MAX} bytes"),
        ));
        return None;
    }
    let text = text::check("decision", trimmed, Lines::Many, errors)?;
    Some(Content {
        name: format!("decision-{reference}.txt"),
        content_type: "text/plain; charset=utf-8".into(),
        bytes: text.into_bytes(),
    })
}

/// `type/subtype` in lowercase, when `value` is one (parameters are not kept).
fn media_type(value: &str) -> Option<String> {
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/')?;
    let token = |t: &str| {
        !t.is_empty()
            && t.len() <= 127
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(kind) && token(sub)).then_some(essence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_kept_in_their_essence_only() {
        assert_eq!(
            media_type("Application/PDF; x=1").as_deref(),
            Some("application/pdf")
        );
        assert_eq!(media_type("pdf"), None);
        assert_eq!(media_type("text/\r\nx"), None);
    }

    #[test]
    fn a_reference_has_the_requests_shape() {
        let mut errors = Vec::new();
        assert!(reference("r", "2026-000001", &mut errors).is_some());
        assert!(reference("r", "2026-00000x", &mut errors).is_none());
        assert_eq!(errors.len(), 1);
    }
}
