//! Identity's health check: its database, and its key-value store.

use anyhow::anyhow;
use guichet_guest::{health, response, ApiError};
use serde_json::json;
use spin_sdk::http::Response;
use spin_sdk::key_value::Store;

const COMPONENT: &str = "identity";
const DATABASE: &str = "identity";
const STORE: &str = "identity";
/// Schema of the `identity` database (one statement per migration, append only).
use crate::schema::MIGRATIONS;
/// Key counting health checks: proof that a value written can be read back.
const CHECKS_KEY: &str = "health:checks";

/// 200 with `kv_ok: true`, or 503 `status: "degraded"` when the store does not work.
pub fn respond() -> Result<Response, ApiError> {
    let mut report = health::report(COMPONENT, DATABASE, MIGRATIONS)?;
    let status = match count_check() {
        Ok(checks) => {
            report.insert("kv_ok".into(), json!(true));
            report.insert("health_checks".into(), json!(checks));
            200
        }
        Err(error) => {
            eprintln!("identity health: key-value store {STORE:?} failed: {error:#}");
            report.insert("kv_ok".into(), json!(false));
            report.insert("status".into(), json!("degraded"));
            503
        }
    };
    Ok(response::json(status, &report))
}

/// Increments the check counter. Concurrent checks may lose increments (the key-value interface
/// has no transactions); the count is only a liveness signal, never a number to rely on.
fn count_check() -> anyhow::Result<u64> {
    let store = Store::open(STORE).map_err(|e| anyhow!("opening the store: {e:?}"))?;
    let previous = store.get(CHECKS_KEY).map_err(|e| anyhow!("get: {e:?}"))?;
    // A value that is not a number (written by hand?) restarts the count rather than failing.
    let previous = previous
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse::<u64>().ok())
        .unwrap_or(0);
    let checks = previous.saturating_add(1);
    store
        .set(CHECKS_KEY, checks.to_string().as_bytes())
        .map_err(|e| anyhow!("set: {e:?}"))?;
    Ok(checks)
}
