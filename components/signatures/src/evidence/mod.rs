//! The commune's evidence log (issue 12, item 5): one append-only Merkle log per commune in
//! the style of RFC 9162, kept here because its tree heads are signed by the commune's key
//! (the one that signs key statements, [`crate::keys`]). The tree and its proofs are
//! `guichet_verify::merkle`, shared with `guichet-verify`; the store is [`log`].
//!
//! What it records: every step of every signing flow ([`signing`], in the transaction of the
//! step), and what other components send over `guichet:platform/evidence` ([`append`]: role
//! changes and disabled accounts from identity, published and archived services from
//! catalog...).
//!
//! Routes below `/api/signatures/evidence/`:
//!
//! | route | who |
//! |---|---|
//! | `GET head` | public: the current signed tree head |
//! | `GET heads?after=&limit=` | public: every tree head issued, oldest first, to keep copies |
//! | `GET consistency?first=&second=` | public: the consistency proof between two sizes |
//! | `GET entries?after=&limit=` | supervisor or admin: the entries, oldest first |
//! | `GET entries/{index}?tree_size=` | supervisor or admin: an entry and its inclusion proof |

pub mod append;
pub mod log;
pub mod rules;
pub mod signing;

use guichet_guest::codes::Role;
use guichet_guest::db;
use guichet_guest::query::Query;
use guichet_guest::{response, ApiError};
use guichet_verify::merkle;
use serde_json::json;
use spin_sdk::http::Response;

use crate::Ctx;

/// The most heads or entries one page lists.
const PAGE_MAX: u64 = 500;

/// Routes `evidence/{rest}` (GET only).
pub fn route(ctx: &Ctx, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        ["head"] => head(ctx),
        ["heads"] => heads(ctx),
        ["consistency"] => consistency(ctx),
        ["entries"] => entries(ctx),
        ["entries", index] => entry(ctx, index),
        _ => Err(ApiError::NotFound),
    }
}

/// `GET head`.
fn head(ctx: &Ctx) -> Result<Response, ApiError> {
    let head = log::current_head(ctx.conn(), ctx.commune())?;
    Ok(response::json(200, &head.json()))
}

/// A number in the query, or the 400 naming it.
fn number(query: &Query, name: &str) -> Result<Option<u64>, ApiError> {
    query
        .non_empty(name)
        .map(|text| {
            text.parse::<u64>()
                .ok()
                .filter(|n| i64::try_from(*n).is_ok())
                .ok_or_else(|| ApiError::field(name, "invalid", "must be a whole number"))
        })
        .transpose()
}

fn limit(query: &Query) -> Result<u64, ApiError> {
    match number(query, "limit")? {
        None => Ok(100),
        Some(n) if (1..=PAGE_MAX).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field("limit", "out_of_range", "from 1 to 500")),
    }
}

/// `GET heads?after=&limit=`: the kept heads of sizes above `after`, smallest first.
fn heads(ctx: &Ctx) -> Result<Response, ApiError> {
    let query = Query::of(ctx.request());
    let after = number(&query, "after")?;
    let limit = limit(&query)?;
    log::current_head(ctx.conn(), ctx.commune())?;
    let rows = db::query(
        ctx.conn(),
        "SELECT jws FROM evidence_heads WHERE commune = ? AND (? IS NULL OR tree_size > ?) \
         ORDER BY tree_size LIMIT ?",
        &[
            db::text(ctx.commune().as_str()),
            after.map_or(db::Value::Null, |n| db::Value::Integer(n as i64)),
            after.map_or(db::Value::Null, |n| db::Value::Integer(n as i64)),
            db::Value::Integer(limit as i64),
        ],
    )?;
    let mut heads = Vec::new();
    for row in db::rows(&rows) {
        heads.push(log::decode(row.get("jws")?)?.json());
    }
    Ok(response::json(200, &json!({ "heads": heads })))
}

/// `GET consistency?first=&second=` (`second`: the current head's size by default).
fn consistency(ctx: &Ctx) -> Result<Response, ApiError> {
    let query = Query::of(ctx.request());
    let size = log::size(ctx.conn(), ctx.commune())?;
    let first = number(&query, "first")?
        .ok_or_else(|| ApiError::field("first", "required", "the size of the older tree"))?;
    let second = number(&query, "second")?.unwrap_or(size);
    if second > size {
        return Err(ApiError::field(
            "second",
            "out_of_range",
            format!("the log holds {size} entries"),
        ));
    }
    if first > second {
        return Err(ApiError::field(
            "first",
            "out_of_range",
            "must not be above second",
        ));
    }
    let stored = log::Stored {
        conn: ctx.conn(),
        commune: ctx.commune(),
    };
    let proof = merkle::consistency_proof(&stored, first, second)
        .map_err(|e| anyhow::anyhow!("evidence log: {e}"))?;
    Ok(response::json(
        200,
        &json!({
            "first": first,
            "second": second,
            "first_root_hash": merkle::to_hex(&merkle::root(&stored, first)?),
            "second_root_hash": merkle::to_hex(&merkle::root(&stored, second)?),
            "proof": log::hex_all(&proof),
        }),
    ))
}

/// The log's entries and proofs are for supervisors and administrators: they name accounts.
fn auditor(ctx: &Ctx) -> Result<(), ApiError> {
    let agent = ctx.caller()?;
    agent.staff()?;
    agent.caller.require_any(&[Role::Supervisor, Role::Admin])
}

/// `GET entries?after=&limit=`: entries with an index above `after`, oldest first.
fn entries(ctx: &Ctx) -> Result<Response, ApiError> {
    auditor(ctx)?;
    let query = Query::of(ctx.request());
    let after = number(&query, "after")?;
    let limit = limit(&query)?;
    let rows = db::query(
        ctx.conn(),
        "SELECT idx, entry FROM evidence_entries WHERE commune = ? AND (? IS NULL OR idx > ?) \
         ORDER BY idx LIMIT ?",
        &[
            db::text(ctx.commune().as_str()),
            after.map_or(db::Value::Null, |n| db::Value::Integer(n as i64)),
            after.map_or(db::Value::Null, |n| db::Value::Integer(n as i64)),
            db::Value::Integer(limit as i64),
        ],
    )?;
    let mut entries = Vec::new();
    for row in db::rows(&rows) {
        let text: &str = row.get("entry")?;
        entries.push(json!({
            "index": row.get::<i64>("idx")?,
            "entry": text,
            "event": serde_json::from_str::<serde_json::Value>(text).unwrap_or_default(),
        }));
    }
    Ok(response::json(200, &json!({ "entries": entries })))
}

/// `GET entries/{index}?tree_size=`: the entry and its inclusion proof in the tree of
/// `tree_size` entries (the current signed head's by default, which is then included).
fn entry(ctx: &Ctx, index: &str) -> Result<Response, ApiError> {
    auditor(ctx)?;
    let index: u64 = index.parse().map_err(|_| ApiError::NotFound)?;
    let query = Query::of(ctx.request());
    let (conn, commune) = (ctx.conn(), ctx.commune());
    let text = log::entry(conn, commune, index)?.ok_or(ApiError::NotFound)?;
    let (size, head) = match number(&query, "tree_size")? {
        Some(size) => {
            if size <= index || size > log::size(conn, commune)? {
                return Err(ApiError::field(
                    "tree_size",
                    "out_of_range",
                    "the tree must hold the entry and not be larger than the log",
                ));
            }
            (size, log::stored_head(conn, commune, size)?)
        }
        None => {
            let head = log::current_head(conn, commune)?;
            (head.head.tree_size, Some(head))
        }
    };
    let stored = log::Stored { conn, commune };
    let proof = merkle::inclusion_proof(&stored, index, size)
        .map_err(|e| anyhow::anyhow!("evidence log: {e}"))?;
    Ok(response::json(
        200,
        &json!({
            "index": index,
            "entry": text,
            "leaf_hash": merkle::to_hex(&merkle::leaf_hash(text.as_bytes())),
            "tree_size": size,
            "proof": log::hex_all(&proof),
            "tree_head": head.map(|h| h.jws),
        }),
    ))
}
