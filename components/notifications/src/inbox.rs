//! The in-app inbox of an account: the messages written for it on the `inbox` channel (about
//! the requests of a signed-in filer or of a follower with an account, an agent's work, a
//! signer's reminders; from the inbox templates, see [`crate::templates`]), newest first,
//! with the unread count, for the web front to show. The account mails of identity
//! (verification and reset links) never show here, so a stolen access token does not lead
//! to a password reset link.

use guichet_guest::caller::Caller;
use guichet_guest::context::Ctx;
use guichet_guest::db::{self, Value};
use guichet_guest::query::Query;
use guichet_guest::{response, ApiError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

/// Messages one page lists.
const MAX_PAGE: i64 = 100;

/// The messages of the inbox, by the same filter everywhere.
const MINE: &str = "commune = ? AND account_id = ? AND erased_at IS NULL AND channel = 'inbox'";

/// `GET /api/notifications/inbox?limit=` (signed in): `{"unread", "messages"}`.
pub fn list(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    let account = ctx.caller()?.require_account()?;
    let limit = match Query::of(ctx.request()).non_empty("limit") {
        None => 20,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::field("limit", "out_of_range", "limit is between 1 and 100")
            })?,
    };
    let commune = ctx.commune().as_str();
    let unread = db::query(
        ctx.conn(),
        &format!("SELECT count(*) AS n FROM messages WHERE {MINE} AND read_at IS NULL"),
        &[db::text(commune), db::text(account)],
    )?;
    let unread = db::first_value::<i64>(&unread, "n")?.unwrap_or(0);
    let result = db::query(
        ctx.conn(),
        &format!(
            "SELECT id, purpose, subject, body_text, reference, created_at, read_at FROM messages \
             WHERE {MINE} ORDER BY created_at DESC, id DESC LIMIT ?"
        ),
        &[db::text(commune), db::text(account), Value::Integer(limit)],
    )?;
    let messages = db::rows(&result)
        .map(|row| {
            Ok(json!({
                "id": row.get::<&str>("id")?,
                "purpose": row.get::<&str>("purpose")?,
                "subject": row.get::<Option<&str>>("subject")?,
                "text": row.get::<Option<&str>>("body_text")?,
                "reference": row.get::<Option<&str>>("reference")?,
                "created_at": row.get::<&str>("created_at")?,
                "read_at": row.get::<Option<&str>>("read_at")?,
            }))
        })
        .collect::<Result<Vec<Json>, db::RowError>>()?;
    Ok(response::json(
        200,
        &json!({"unread": unread, "messages": messages}),
    ))
}

/// `POST /api/notifications/inbox/{id}/read` (signed in): marks one of the caller's messages
/// read (404 for anyone else's); `POST .../inbox/read-all` (`id` `None`): all of them.
pub fn mark_read(ctx: &Ctx<'_, Caller>, id: Option<&str>) -> Result<Response, ApiError> {
    let account = ctx.caller()?.require_account()?;
    let commune = ctx.commune().as_str();
    let one = id.map_or(Value::Null, db::text);
    db::exec(
        ctx.conn(),
        &format!(
            "UPDATE messages SET read_at = coalesce(read_at, {}) WHERE {MINE} AND (?3 IS NULL OR id = ?3)",
            db::NOW_RFC3339
        ),
        &[db::text(commune), db::text(account), one],
    )?;
    if id.is_some() && ctx.conn().changes() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(response::json(
        200,
        &json!({"marked": ctx.conn().changes()}),
    ))
}
