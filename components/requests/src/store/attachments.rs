//! The SQL of the files attached to a request: written with the change that adds them,
//! listed without their bytes, read whole for a download.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;
use serde_json::{json, Value as Json};

use crate::domain::attachments::Checked;

/// Writes `attachment` for request `request_id`; call inside the change's transaction.
/// `source`: `filing`, `citizen`, `staff`, `scan`, `email`... Returns the attachment's id.
pub fn insert(
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

/// How many files request `request_id` has.
pub fn count(conn: &Connection, request_id: &str) -> anyhow::Result<i64> {
    let result = db::query(
        conn,
        "SELECT COUNT(*) AS n FROM attachments WHERE request_id = ?",
        &[db::text(request_id)],
    )?;
    db::first_value(&result, "n")?.context("counting the request's attachments")
}

/// A file of a request, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    id: Option<String>,
    name: Option<String>,
    content_type: Option<String>,
    size: Option<i64>,
    created_at: Option<String>,
    source: Option<String>,
    added_by: Option<String>,
}

impl FromRow for Listed {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Listed {
            id: row.get("id")?,
            name: row.get("name")?,
            content_type: row.get("content_type")?,
            size: row.get("size")?,
            created_at: row.get("created_at")?,
            source: row.get("source")?,
            added_by: row.get("added_by")?,
        })
    }
}

/// The attachments of `request_id` without their bytes, oldest first, as the views show them
/// (`source` and `added_by` only `with_source`: for staff).
pub fn list(conn: &Connection, request_id: &str, with_source: bool) -> anyhow::Result<Vec<Json>> {
    let result = db::query(
        conn,
        "SELECT id, name, content_type, size, created_at, source, added_by FROM attachments \
         WHERE request_id = ? ORDER BY created_at, rowid",
        &[db::text(request_id)],
    )?;
    let listed: Vec<Listed> = db::decode_all(&result)?;
    Ok(listed
        .into_iter()
        .map(|file| {
            let mut item = json!({
                "id": file.id,
                "name": file.name,
                "content_type": file.content_type,
                "size": file.size,
                "created_at": file.created_at,
            });
            if with_source {
                item["source"] = json!(file.source);
                item["added_by"] = json!(file.added_by);
            }
            item
        })
        .collect())
}

/// A file's name, type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub data: Option<Vec<u8>>,
}

impl FromRow for File {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(File {
            name: row.get("name")?,
            content_type: row.get("content_type")?,
            data: row.get("data")?,
        })
    }
}

/// The file `id` of request `request_id` in `commune`, `None` when there is none.
pub fn file(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
    id: &str,
) -> anyhow::Result<Option<File>> {
    let result = db::query(
        conn,
        "SELECT name, content_type, data FROM attachments \
         WHERE commune = ? AND request_id = ? AND id = ?",
        &[
            db::text(commune.as_str()),
            db::text(request_id),
            db::text(id),
        ],
    )?;
    Ok(db::decode_first(&result)?)
}
