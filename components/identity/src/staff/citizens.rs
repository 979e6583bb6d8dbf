//! Staff reading a citizen's profile (docs/SECURITY.md item 22: who read which personal record).
//!
//! Every read states its purpose (`?purpose=`, one of [`PURPOSES`]) and appends a row to
//! `personal_data_reads` in the same transaction as the read itself: no profile leaves without
//! its log entry. The citizen sees these rows (`GET /api/identity/me/reads`), and they are kept
//! when the citizen's account is erased (see `privacy`), for `READS_RETENTION_MONTHS` months:
//! older rows are purged whenever a new read is logged in the commune.

use guichet_guest::db;
use guichet_guest::evidence;
use guichet_guest::query::Query;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, FieldError};
use serde_json::Value as Json;
use spin_sdk::http::{Request, Response};

use super::{atomic, staff};
use crate::accounts;
use crate::context::Ctx;
use crate::evidence_log;
use crate::privacy::READS_RETENTION_MONTHS;
use crate::profile;
use guichet_guest::email::EmailAddress;

/// Why a member of staff may read a citizen's profile.
pub const PURPOSES: &[&str] = &["handling_request", "identity_check", "support"];

/// The `purpose` query parameter, or its field error.
fn purpose(query: &Query) -> Result<&'static str, FieldError> {
    purpose_of(query.non_empty("purpose").unwrap_or_default())
}

/// A stated purpose (`""`: none), or its field error.
fn purpose_of(given: &str) -> Result<&'static str, FieldError> {
    match Some(given).filter(|g| !g.is_empty()) {
        None => Err(FieldError::new(
            "purpose",
            "required",
            format!("say why you read this profile: {}", PURPOSES.join(", ")),
        )),
        Some(given) => PURPOSES
            .iter()
            .find(|p| **p == given)
            .copied()
            .ok_or_else(|| {
                FieldError::new(
                    "purpose",
                    "unknown_value",
                    format!("must be one of: {}", PURPOSES.join(", ")),
                )
            }),
    }
}

/// `GET /api/identity/citizens/{account}?purpose=P` (agent, supervisor, admin): the account's
/// profile, logged. 400 without a known purpose; 404 for an account not in this commune.
pub async fn show(req: &Request, ctx: &Ctx<'_>, account: &str) -> Result<Response, ApiError> {
    let caller = staff(ctx)?;
    let purpose = purpose(&Query::of(req)).map_err(|e| ApiError::BadRequest { errors: vec![e] })?;
    let profile = read_logged(ctx, caller.require_account()?, account, purpose)?;
    evidence::flush(ctx.conn(), ctx.commune()).await;
    Ok(response::json(200, &profile))
}

const SEARCH: Shape = Shape::Object(&[
    Member::required("email", Shape::Text),
    // Checked below, so that a missing purpose and a bad address are named together.
    Member::optional("purpose", Shape::Text),
]);

/// `POST /api/identity/citizens/search` `{"email","purpose"}` (agent, supervisor, admin): the
/// profile of the account with that address, logged; 404 when none. A POST so that the
/// address, personal data, stays out of URLs (and so out of proxies' and servers' logs).
pub async fn search(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let caller = staff(ctx)?;
    let form: Json = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &SEARCH)?;
    let text = |name: &str| {
        form.get(name)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let mut errors = Vec::new();
    let email = EmailAddress::parse(&text("email"))
        .map_err(|error| errors.push(error.at("email")))
        .ok();
    let purpose = purpose_of(&text("purpose"))
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(email), Some(purpose)) = (email, purpose) else {
        return Err(ApiError::BadRequest { errors });
    };
    let account =
        accounts::by_email(ctx.conn(), ctx.commune(), &email)?.ok_or(ApiError::NotFound)?;
    let profile = read_logged(ctx, caller.require_account()?, &account.id, purpose)?;
    evidence::flush(ctx.conn(), ctx.commune()).await;
    Ok(response::json(200, &profile))
}

/// Reads the profile of `account` and logs the read, in one transaction.
fn read_logged(
    ctx: &Ctx<'_>,
    reader: &str,
    account: &str,
    purpose: &str,
) -> Result<Json, ApiError> {
    atomic(ctx.conn(), |conn| {
        let profile = profile::view(conn, ctx.commune(), account)?.ok_or(ApiError::NotFound)?;
        db::exec(
            conn,
            &format!(
                "INSERT INTO personal_data_reads (commune, reader_id, account_id, purpose, read_at) VALUES (?, ?, ?, ?, {})",
                db::NOW_RFC3339
            ),
            &[db::text(ctx.commune().as_str()), db::text(reader), db::text(account), db::text(purpose)],
        )?;
        // The log's retention: rows past it go (cheap: indexed by commune and time).
        db::exec(
            conn,
            "DELETE FROM personal_data_reads WHERE commune = ? AND read_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
            &[db::text(ctx.commune().as_str()), db::text(format!("-{} months", READS_RETENTION_MONTHS))],
        )?;
        // The evidence log keeps the read beyond this log's retention (no personal data but
        // the account ids and the purpose).
        let event = evidence::event(
            conn,
            ctx.commune(),
            evidence_log::SOURCE,
            "personal-data-read",
            Some(reader),
            account,
            &[("purpose", purpose), ("data", "profile")],
        )?;
        evidence::enqueue(conn, &event)?;
        Ok(profile)
    })
}
