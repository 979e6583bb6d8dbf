//! The timeline of a request: one immutable entry per change (who, when, what, from and to),
//! written by the same transaction as the change (schema triggers refuse updates, and
//! deletes while the request exists).

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::Commune;
use serde_json::{json, Map, Value as Json};

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `citizen`, `staff`, `anonymous`, `system`, `email`, `open311`.
    pub kind: &'static str,
    /// The account (or API key, or sender address) behind it, when known.
    pub id: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: None,
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// `filed`, `status`, `assigned`, `note`, `message`, `call`, `attachment`, `email`,
    /// `merged`, `reopened`, `overdue`, ...
    pub kind: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    /// Free text (a message, a note, a summary).
    pub body: Option<&'a str>,
    /// Whether the citizen (and anyone tracking with the code) sees it.
    pub public: bool,
    /// Anything else worth keeping, as a JSON object.
    pub detail: Map<String, Json>,
}

impl<'a> Entry<'a> {
    pub fn new(kind: &'a str, public: bool) -> Entry<'a> {
        Entry {
            kind,
            from: None,
            to: None,
            body: None,
            public,
            detail: Map::new(),
        }
    }
}

/// Appends `entry` to the timeline of request `request_id`; call inside the change's
/// transaction. `at` is the change's time (RFC 3339).
pub fn append(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
    at: &str,
    actor: &Actor,
    entry: &Entry<'_>,
) -> anyhow::Result<()> {
    let opt = |v: Option<&str>| v.map_or(Value::Null, db::text);
    db::exec(
        conn,
        "INSERT INTO timeline (commune, request_id, at, actor_kind, actor_id, kind, from_value, \
         to_value, body, public, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::text(request_id),
            db::text(at),
            db::text(actor.kind),
            opt(actor.id.as_deref()),
            db::text(entry.kind),
            opt(entry.from),
            opt(entry.to),
            opt(entry.body),
            Value::Integer(i64::from(entry.public)),
            db::text(Json::Object(entry.detail.clone()).to_string()),
        ],
    )
    .with_context(|| format!("appending a {:?} timeline entry", entry.kind))
}

/// The timeline of `request_id`, oldest first; only public entries unless `internal`.
/// Staff see actor ids; others see only the actor's kind.
pub fn list(conn: &Connection, request_id: &str, internal: bool) -> anyhow::Result<Vec<Json>> {
    let result = db::query(
        conn,
        "SELECT seq, at, actor_kind, actor_id, kind, from_value, to_value, body, public, detail \
         FROM timeline WHERE request_id = ? AND (public = 1 OR ?) ORDER BY seq",
        &[db::text(request_id), Value::Integer(i64::from(internal))],
    )?;
    let text = |row: &db::Row<'_>, column: &str| row.get::<Option<String>>(column);
    db::rows(&result)
        .map(|row| {
            let mut entry = json!({
                "seq": row.get::<i64>("seq")?,
                "at": text(&row, "at")?,
                "actor": text(&row, "actor_kind")?,
                "kind": text(&row, "kind")?,
                "from": text(&row, "from_value")?,
                "to": text(&row, "to_value")?,
                "body": text(&row, "body")?,
                "public": row.get::<i64>("public")? == 1,
            });
            if internal {
                entry["actor_id"] = json!(text(&row, "actor_id")?);
                // A detail that is not JSON (none is written) is shown as absent.
                entry["detail"] = text(&row, "detail")?
                    .and_then(|d| serde_json::from_str(&d).ok())
                    .unwrap_or(Json::Null);
            }
            Ok(entry)
        })
        .collect()
}
