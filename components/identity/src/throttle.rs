//! Rate limits (checklist item 3), counted in identity's key-value store.
//!
//! Each limit is a fixed window: a key holds `{"start":unix,"count":n}`. The key-value interface
//! has no transactions, so two instances racing may each count one attempt where there were
//! two; the limits are set low enough for that to change nothing that matters.
//!
//! Keys name what is counted with hashes only (`throttle:<commune>:<scope>:<sha256>`): e-mail
//! addresses and client addresses are personal data and never stored in clear here.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::anyhow;
use guichet_guest::{ApiError, Commune};
use serde::{Deserialize, Serialize};
use spin_sdk::key_value::Store;

use crate::secrets::digest;

const STORE: &str = "identity";

/// A limit: at most `max` events per `window` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub scope: &'static str,
    pub max: u32,
    pub window: u64,
}

/// Failed sign-ins from one client address, whatever the account (password spraying).
pub const LOGIN_FAILURES_PER_CLIENT: Limit = Limit { scope: "login-client", max: 30, window: 900 };
/// Failed sign-ins on one account from one client address.
pub const LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT: Limit =
    Limit { scope: "login-pair", max: 5, window: 900 };
/// Failed sign-ins on one account from anywhere; sources where the owner signed in before
/// are exempt, so the owner is not locked out by an attacker (ASVS 6.3.1).
pub const LOGIN_FAILURES_PER_ACCOUNT: Limit = Limit { scope: "login-account", max: 20, window: 900 };
/// Registrations from one client address.
pub const REGISTRATIONS_PER_CLIENT: Limit = Limit { scope: "register-client", max: 10, window: 3600 };
/// Password-reset (and e-mail change) requests from one client address.
pub const RESETS_PER_CLIENT: Limit = Limit { scope: "reset-client", max: 10, window: 3600 };
/// Password-reset e-mails to one address.
pub const RESETS_PER_ACCOUNT: Limit = Limit { scope: "reset-account", max: 3, window: 3600 };
/// How long a client address where the owner signed in stays "known" for the account.
const KNOWN_SOURCE_SECONDS: u64 = 30 * 24 * 3600;

#[derive(Serialize, Deserialize, Default)]
struct Window {
    start: u64,
    count: u32,
}

/// The counters of one commune.
pub struct Throttle {
    store: Store,
    commune: Commune,
    now: u64,
}

impl Throttle {
    pub fn open(commune: &Commune) -> anyhow::Result<Throttle> {
        let store = Store::open(STORE).map_err(|e| anyhow!("opening key-value store: {e:?}"))?;
        Ok(Throttle { store, commune: commune.clone(), now: unix_now() })
    }

    fn key(&self, scope: &str, subject: &str) -> String {
        format!("throttle:{}:{scope}:{}", self.commune, digest(subject))
    }

    fn window(&self, key: &str, limit: Limit) -> anyhow::Result<Window> {
        let stored = self.store.get(key).map_err(|e| anyhow!("kv get: {e:?}"))?;
        let window: Window = stored
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        if self.now.saturating_sub(window.start) >= limit.window {
            return Ok(Window { start: self.now, count: 0 });
        }
        Ok(window)
    }

    /// 429 when `subject` already used up `limit` in the current window.
    pub fn check(&self, limit: Limit, subject: &str) -> Result<(), ApiError> {
        let window = self.window(&self.key(limit.scope, subject), limit)?;
        if window.count >= limit.max {
            let retry_after = (window.start + limit.window).saturating_sub(self.now).max(1);
            return Err(ApiError::TooManyRequests { retry_after });
        }
        Ok(())
    }

    /// Counts one event of `subject` against `limit`.
    pub fn hit(&self, limit: Limit, subject: &str) -> anyhow::Result<()> {
        let key = self.key(limit.scope, subject);
        let mut window = self.window(&key, limit)?;
        window.count = window.count.saturating_add(1);
        let bytes = serde_json::to_vec(&window)?;
        self.store.set(&key, &bytes).map_err(|e| anyhow!("kv set: {e:?}"))
    }

    /// Forgets the count of `subject` (after a successful sign-in or a password reset).
    pub fn clear(&self, limit: Limit, subject: &str) -> anyhow::Result<()> {
        self.store
            .delete(&self.key(limit.scope, subject))
            .map_err(|e| anyhow!("kv delete: {e:?}"))
    }

    /// Remembers that the owner of `account` signed in from `client`.
    pub fn remember_source(&self, account: &str, client: &str) -> anyhow::Result<()> {
        let key = self.key("known-source", &format!("{account}\n{client}"));
        self.store
            .set(&key, self.now.to_string().as_bytes())
            .map_err(|e| anyhow!("kv set: {e:?}"))
    }

    /// Whether the owner of `account` signed in from `client` in the last 30 days.
    pub fn is_known_source(&self, account: &str, client: &str) -> anyhow::Result<bool> {
        let key = self.key("known-source", &format!("{account}\n{client}"));
        let stored = self.store.get(&key).map_err(|e| anyhow!("kv get: {e:?}"))?;
        let when = stored
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| t.parse::<u64>().ok());
        Ok(when.is_some_and(|t| self.now.saturating_sub(t) < KNOWN_SOURCE_SECONDS))
    }
}

/// Seconds since the Unix epoch (wasi:clocks).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
