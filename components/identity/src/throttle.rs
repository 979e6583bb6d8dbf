//! Rate limits (docs/SECURITY.md item 3) and the bound on concurrent Argon2 work, in identity's
//! SQLite database (tables `throttle_counters` and `argon2_leases`).
//!
//! Each limit is a fixed window: a row holds the count of one subject and when its window
//! ends. A password check is admitted in one `BEGIN IMMEDIATE` transaction that checks every
//! limit, takes a hashing slot and counts the attempt, all before the hash: parallel requests
//! queue on SQLite's write lock, so no two of them can read the same count. A check whose
//! password was right gives its count back (what is limited are failures).
//!
//! Argon2 is the costly part of a request (19 MiB and about 70 ms of one core in wasm): at
//! most one hash per account and `argon2_max_concurrent` in all (default 4) run at a time, on
//! every instance sharing the database. A slot is a row with an expiry, so an instance that
//! crashed or was interrupted mid-hash frees it after [`LEASE_SECONDS`]. Without a slot the
//! answer is 429 with `Retry-After: 1`, without hashing.
//!
//! Subjects are stored as SHA-256 only: e-mail and client addresses are personal data.

use std::time::{SystemTime, UNIX_EPOCH};

use guichet_guest::db::{self, Connection, Value};
use guichet_guest::{ApiError, Commune};

use crate::secrets::{digest, new_id};

/// A limit: at most `max` events per `window` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub scope: &'static str,
    pub max: u32,
    pub window: u64,
}

/// Failed sign-ins from one client address, whatever the account (password spraying).
pub const LOGIN_FAILURES_PER_CLIENT: Limit = Limit {
    scope: "login-client",
    max: 30,
    window: 900,
};
/// Failed sign-ins on one account from one client address.
pub const LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT: Limit = Limit {
    scope: "login-pair",
    max: 5,
    window: 900,
};
/// Failed sign-ins on one account from anywhere; sources where the owner signed in before
/// are exempt, so the owner is not locked out by an attacker (ASVS 6.3.1).
pub const LOGIN_FAILURES_PER_ACCOUNT: Limit = Limit {
    scope: "login-account",
    max: 20,
    window: 900,
};
/// Registrations from one client address.
pub const REGISTRATIONS_PER_CLIENT: Limit = Limit {
    scope: "register-client",
    max: 10,
    window: 3600,
};
/// Password-reset (and e-mail change) requests from one client address.
pub const RESETS_PER_CLIENT: Limit = Limit {
    scope: "reset-client",
    max: 10,
    window: 3600,
};
/// Password-reset e-mails to one address.
pub const RESETS_PER_ACCOUNT: Limit = Limit {
    scope: "reset-account",
    max: 3,
    window: 3600,
};
/// How long a client address where the owner signed in stays "known" for the account.
const KNOWN_SOURCE_SECONDS: u64 = 30 * 24 * 3600;
const KNOWN_SOURCE: &str = "known-source";
/// The longest a hashing slot is held: far above a hash's time, short enough that a slot
/// left by a crashed instance comes back soon.
pub const LEASE_SECONDS: u64 = 30;
/// Concurrent Argon2 hashes in all when `argon2_max_concurrent` is not set: about two per core
/// of a small 2-core server, 80 MiB of hashing memory.
const DEFAULT_MAX_CONCURRENT: i64 = 4;

/// The counters of one commune.
pub struct Throttle {
    conn: Connection,
    commune: Commune,
    now: u64,
}

/// A password check admitted by [`Throttle::admit`]: counted, and holding its hashing slot
/// until dropped.
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    lease: String,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if let Err(error) = db::exec(
            &self.throttle.conn,
            "DELETE FROM argon2_leases WHERE id = ?",
            &[db::text(self.lease.as_str())],
        ) {
            eprintln!("identity: releasing a hashing slot: {error:#}");
        }
    }
}

fn too_many(retry_after: u64) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: retry_after.max(1),
    }
}

impl Throttle {
    pub fn open(commune: &Commune) -> anyhow::Result<Throttle> {
        // A connection of its own: admitting an attempt commits at once, whatever the
        // request's connection is doing.
        Ok(Throttle {
            conn: crate::context::open()?,
            commune: commune.clone(),
            now: unix_now(),
        })
    }

    fn params(&self, scope: &str, subject: &str) -> [Value; 3] {
        [
            db::text(self.commune.as_str()),
            db::text(scope),
            db::text(digest(subject)),
        ]
    }

    /// The count of `subject` in its current window and when that window ends.
    fn current(
        &self,
        conn: &Connection,
        limit: Limit,
        subject: &str,
    ) -> anyhow::Result<Option<(u32, u64)>> {
        let [commune, scope, subject] = self.params(limit.scope, subject);
        let rows = db::query(
            conn,
            "SELECT count, expires_at FROM throttle_counters \
             WHERE commune = ? AND scope = ? AND subject = ? AND expires_at > ?",
            &[commune, scope, subject, int(self.now)],
        )?;
        Ok(rows.rows.first().map(|row| {
            let count = row.get::<i64>(0).unwrap_or(0);
            let end = row.get::<i64>(1).unwrap_or(0);
            (
                u32::try_from(count).unwrap_or(u32::MAX),
                u64::try_from(end).unwrap_or(0),
            )
        }))
    }

    /// 429 when `subject` already used up `limit` in the current window.
    pub fn check(&self, limit: Limit, subject: &str) -> Result<(), ApiError> {
        self.refusal(&self.conn, limit, subject)?
            .map_or(Ok(()), Err)
    }

    fn refusal(
        &self,
        conn: &Connection,
        limit: Limit,
        subject: &str,
    ) -> anyhow::Result<Option<ApiError>> {
        Ok(self
            .current(conn, limit, subject)?
            .filter(|(count, _)| *count >= limit.max)
            .map(|(_, end)| too_many(end.saturating_sub(self.now))))
    }

    /// Counts one event of `subject` against `limit` (one statement: atomic).
    pub fn hit(&self, limit: Limit, subject: &str) -> anyhow::Result<()> {
        self.count(&self.conn, limit, subject)
    }

    fn count(&self, conn: &Connection, limit: Limit, subject: &str) -> anyhow::Result<()> {
        let [commune, scope, subject] = self.params(limit.scope, subject);
        db::exec(
            conn,
            "INSERT INTO throttle_counters (commune, scope, subject, count, expires_at) VALUES (?1, ?2, ?3, 1, ?4 + ?5) \
             ON CONFLICT (commune, scope, subject) DO UPDATE SET \
             count = CASE WHEN expires_at <= ?4 THEN 1 ELSE count + 1 END, \
             expires_at = CASE WHEN expires_at <= ?4 THEN ?4 + ?5 ELSE expires_at END",
            &[commune, scope, subject, int(self.now), int(limit.window)],
        )
    }

    /// Counts one event of `subject` unless `limit` is used up (429 then), atomically.
    pub fn take(&self, limit: Limit, subject: &str) -> Result<(), ApiError> {
        db::transaction(&self.conn, |conn| {
            if let Some(refused) = self.refusal(conn, limit, subject)? {
                return Ok(Err(refused));
            }
            self.count(conn, limit, subject)?;
            Ok(Ok(()))
        })?
    }

    /// Admits one password check on `account` (whose Argon2 work follows): in one transaction,
    /// 429 if any of `limits` is used up or no hashing slot is free, else every limit counted
    /// and a slot taken. The slot is held until the [`Attempt`] is dropped.
    pub fn admit(&self, account: &str, limits: &[(Limit, &str)]) -> Result<Attempt<'_>, ApiError> {
        let lease = new_id()?;
        let account = digest(&format!("{}\n{account}", self.commune));
        let admitted = db::transaction(&self.conn, |conn| {
            db::exec(
                conn,
                "DELETE FROM throttle_counters WHERE expires_at <= ?",
                &[int(self.now)],
            )?;
            for (limit, subject) in limits {
                if let Some(refused) = self.refusal(conn, *limit, subject)? {
                    return Ok(Err(refused));
                }
            }
            db::exec(
                conn,
                "DELETE FROM argon2_leases WHERE expires_at <= ?",
                &[int(self.now)],
            )?;
            let busy = db::query(
                conn,
                "SELECT COUNT(*), COALESCE(SUM(subject = ?), 0) FROM argon2_leases",
                &[db::text(account.as_str())],
            )?;
            let (all, this_account) = busy.rows.first().map_or((0, 0), |r| {
                (r.get::<i64>(0).unwrap_or(0), r.get::<i64>(1).unwrap_or(0))
            });
            if this_account > 0 || all >= max_concurrent() {
                return Ok(Err(too_many(1)));
            }
            db::exec(
                conn,
                "INSERT INTO argon2_leases (id, subject, expires_at) VALUES (?, ?, ?)",
                &[
                    db::text(lease.as_str()),
                    db::text(account.as_str()),
                    int(self.now + LEASE_SECONDS),
                ],
            )?;
            for (limit, subject) in limits {
                self.count(conn, *limit, subject)?;
            }
            Ok(Ok(()))
        })?;
        admitted.map(|()| Attempt {
            throttle: self,
            lease,
        })
    }

    /// Gives back one event of `subject` (a password check that turned out right).
    pub fn give_back(&self, limit: Limit, subject: &str) -> anyhow::Result<()> {
        let [commune, scope, subject] = self.params(limit.scope, subject);
        db::exec(
            &self.conn,
            "UPDATE throttle_counters SET count = MAX(count - 1, 0) \
             WHERE commune = ? AND scope = ? AND subject = ? AND expires_at > ?",
            &[commune, scope, subject, int(self.now)],
        )
    }

    /// Forgets the count of `subject` (after a successful sign-in or a password reset).
    pub fn clear(&self, limit: Limit, subject: &str) -> anyhow::Result<()> {
        let [commune, scope, subject] = self.params(limit.scope, subject);
        db::exec(
            &self.conn,
            "DELETE FROM throttle_counters WHERE commune = ? AND scope = ? AND subject = ?",
            &[commune, scope, subject],
        )
    }

    /// Remembers that the owner of `account` signed in from `client`.
    pub fn remember_source(&self, account: &str, client: &str) -> anyhow::Result<()> {
        let [commune, scope, subject] = self.params(KNOWN_SOURCE, &format!("{account}\n{client}"));
        db::exec(
            &self.conn,
            "INSERT INTO throttle_counters (commune, scope, subject, count, expires_at) VALUES (?1, ?2, ?3, 0, ?4) \
             ON CONFLICT (commune, scope, subject) DO UPDATE SET expires_at = ?4",
            &[commune, scope, subject, int(self.now + KNOWN_SOURCE_SECONDS)],
        )
    }

    /// Whether the owner of `account` signed in from `client` in the last 30 days.
    pub fn is_known_source(&self, account: &str, client: &str) -> anyhow::Result<bool> {
        let [commune, scope, subject] = self.params(KNOWN_SOURCE, &format!("{account}\n{client}"));
        let rows = db::query(
            &self.conn,
            "SELECT 1 FROM throttle_counters WHERE commune = ? AND scope = ? AND subject = ? AND expires_at > ?",
            &[commune, scope, subject, int(self.now)],
        )?;
        Ok(!rows.rows.is_empty())
    }
}

/// `argon2_max_concurrent`, at least 1.
fn max_concurrent() -> i64 {
    spin_sdk::variables::get("argon2_max_concurrent")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map_or(DEFAULT_MAX_CONCURRENT, |n| n.max(1))
}

fn int(value: u64) -> Value {
    Value::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

/// Seconds since the Unix epoch (wasi:clocks).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
