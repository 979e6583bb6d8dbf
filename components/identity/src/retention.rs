//! Retention (docs/SECURITY.md item 25): how long identity keeps what, and the purge.
//!
//! Expired records already leave every active view (queries check expiry and revocation); the
//! purge then deletes them for good:
//!
//! | record | kept |
//! |---|---|
//! | one-time links, used or expired | 7 days (to answer "this link was already used") |
//! | refresh tokens | until they expire; a family, until its last token is gone |
//! | browser sessions, expired or revoked | 1 day |
//! | accounts never verified | 7 days after registration |
//! | agents' reads of personal data | 12 months (CNIL: 6 to 12 months) |
//!
//! Erased accounts stay as anonymised rows: records the commune must keep refer to them.
//! Spin's HTTP trigger has no timer: the platform's scheduler (cron, a Kubernetes CronJob)
//! calls `POST /api/identity/retention/purge` with the platform administrator's token.

use guichet_guest::db::{self, Connection, Value};
use guichet_guest::{response, ApiError};
use serde_json::{json, Map};
use spin_sdk::http::{Request, Response};

use crate::{communes, context};

const WEEK: i64 = 7 * 24 * 3600;
const DAY: i64 = 24 * 3600;

/// Deletes what outlived its retention; `(record, count)` for each kind.
pub fn purge(conn: &Connection, now: i64) -> anyhow::Result<Vec<(&'static str, i64)>> {
    let int = Value::Integer;
    let steps: [(&'static str, &str, Vec<Value>); 6] = [
        (
            "one_time_links",
            "DELETE FROM one_time_links WHERE COALESCE(used_at, expires_at) < ?",
            vec![int(now - WEEK)],
        ),
        ("refresh_tokens", "DELETE FROM refresh_tokens WHERE expires_at < ?", vec![int(now)]),
        (
            "token_families",
            "DELETE FROM token_families WHERE NOT EXISTS \
             (SELECT 1 FROM refresh_tokens r WHERE r.family = token_families.id)",
            vec![],
        ),
        (
            "sessions",
            "DELETE FROM sessions WHERE MIN(expires_at, COALESCE(revoked_at, expires_at)) < ?",
            vec![int(now - DAY)],
        ),
        (
            "unverified_accounts",
            "DELETE FROM accounts WHERE email_verified_at IS NULL AND status = 'active' \
             AND created_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?, 'unixepoch') \
             AND NOT EXISTS (SELECT 1 FROM roles r WHERE r.account_id = accounts.id) \
             AND NOT EXISTS (SELECT 1 FROM external_identities e WHERE e.account_id = accounts.id)",
            vec![int(now - WEEK)],
        ),
        (
            "personal_data_reads",
            "DELETE FROM personal_data_reads WHERE read_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?, 'unixepoch', '-12 months')",
            vec![int(now)],
        ),
    ];
    db::transaction(conn, |conn| {
        // Consents of accounts about to go: they would point at nothing.
        db::exec(
            conn,
            "DELETE FROM consents WHERE account_id IN (SELECT id FROM accounts WHERE email_verified_at IS NULL \
             AND status = 'active' AND created_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?, 'unixepoch'))",
            &[int(now - WEEK)],
        )?;
        let mut counts = Vec::new();
        for (record, sql, params) in &steps {
            let rows = db::query(conn, &format!("{sql} RETURNING 1"), params)?;
            counts.push((*record, i64::try_from(rows.rows.len()).unwrap_or(i64::MAX)));
        }
        Ok(counts)
    })
}

/// `POST /api/identity/retention/purge` (platform administrator).
pub fn purge_route(req: &Request) -> Result<Response, ApiError> {
    communes::authorize_platform(req)?;
    let conn = context::open()?;
    let now = i64::try_from(crate::throttle::unix_now()).unwrap_or(i64::MAX);
    let counts = purge(&conn, now)?;
    let purged: Map<String, serde_json::Value> = counts
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    Ok(response::json(200, &json!({ "purged": purged })))
}
