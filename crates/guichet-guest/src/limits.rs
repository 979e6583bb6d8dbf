//! Rate limits counted in a component's own SQLite database: one row per (scope, key) with the
//! start of its fixed window and the count in it, bumped by a single UPSERT ... RETURNING, so
//! that concurrent requests never lose a count nor read a stale one. Keys (client addresses,
//! e-mail addresses, phone numbers) are personal data: only their SHA-256 is stored.
//!
//! Limits are settings: a Spin variable holding `name=count` pairs separated by commas
//! (`filing_client=60,follow_client=30`); a name missing from it keeps its default.
//! A component that counts creates [`TABLE`] in one of its migrations.

use sha2::{Digest, Sha256};

use crate::db::{self, Connection, Value};
use crate::ApiError;

/// The counters' table, for a component's migrations.
pub const TABLE: &str = "CREATE TABLE rate_counts (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    )";

/// At most `max` events per `window` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window: i64,
}

/// An hour, in seconds.
pub const HOUR: i64 = 3_600;
/// A day, in seconds.
pub const DAY: i64 = 86_400;

/// The count named `name` in `setting` (`name=count,...`), else `default`. A count that is not
/// a non-negative integer is ignored (the default holds), so a typo never lifts a limit.
pub fn count_in(setting: &str, name: &str, default: i64) -> i64 {
    setting
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.trim() == name)
        .and_then(|(_, value)| value.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .unwrap_or(default)
}

/// The Spin variable `variable` of the running component ("" when unset).
pub fn setting(variable: &str) -> String {
    spin_sdk::variables::get(variable).unwrap_or_default()
}

/// Counts one event of `key` in `scope` and answers 429 (with `Retry-After`: the rest of the
/// window) when that makes more than `limit.max` in the current window.
pub fn hit(conn: &Connection, scope: &str, key: &str, limit: Limit) -> Result<(), ApiError> {
    match count(conn, scope, key, limit)? {
        Some(retry_after) => Err(ApiError::TooManyRequests { retry_after }),
        None => Ok(()),
    }
}

/// Counts one event of `key` in `scope`: `Some(seconds until the window ends)` when that makes
/// more than `limit.max` in the current window, else `None`.
pub fn count(
    conn: &Connection,
    scope: &str,
    key: &str,
    limit: Limit,
) -> anyhow::Result<Option<u64>> {
    let now = unix_now();
    let result = db::query(
        conn,
        "INSERT INTO rate_counts (scope, key, window_start, count) VALUES (?1, ?2, ?3, 1) \
         ON CONFLICT (scope, key) DO UPDATE SET \
         count = CASE WHEN ?3 - window_start >= ?4 THEN 1 ELSE count + 1 END, \
         window_start = CASE WHEN ?3 - window_start >= ?4 THEN ?3 ELSE window_start END \
         RETURNING count, window_start",
        &[
            db::text(scope),
            db::text(hash(key)),
            Value::Integer(now),
            Value::Integer(limit.window),
        ],
    )?;
    let row = result.rows.first();
    let count = row.and_then(|r| r.get::<i64>(0)).unwrap_or(0);
    let start = row.and_then(|r| r.get::<i64>(1)).unwrap_or(now);
    Ok((count > limit.max).then(|| {
        u64::try_from(start + limit.window - now)
            .unwrap_or(1)
            .max(1)
    }))
}

/// SHA-256 of `key`, in hex.
pub fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_names_counts_and_bad_values_keep_the_default() {
        let setting = " filing_client = 5,follow_client=x, followers_request=-1,day=0";
        assert_eq!(count_in(setting, "filing_client", 60), 5);
        assert_eq!(count_in(setting, "follow_client", 30), 30);
        assert_eq!(count_in(setting, "followers_request", 100), 100);
        assert_eq!(count_in(setting, "day", 30), 0);
        assert_eq!(count_in("", "hour", 10), 10);
    }
}
