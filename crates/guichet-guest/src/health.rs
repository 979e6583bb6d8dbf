//! `GET …/health`: the same answer from every component.
//!
//! A health check that did not touch the component's database would say "ok" while every real
//! request fails, so it opens the database and runs the migrations (the first request to a new
//! deployment creates the schema this way).

use serde_json::{json, Map, Value};
use spin_sdk::http::Response;

use crate::{db, response, ApiError, Commune};

/// The health report of `component` after migrating its database `db_label`:
/// `{"component":..,"status":"ok","commune":..,"schema_version":N}`.
pub fn report(
    component: &str,
    db_label: &str,
    migrations: &[&str],
) -> anyhow::Result<Map<String, Value>> {
    let commune = Commune::current()?;
    let conn = db::open(db_label)?;
    let schema_version = db::migrate(&conn, migrations)?;
    let mut report = Map::new();
    report.insert("component".into(), json!(component));
    report.insert("status".into(), json!("ok"));
    report.insert("commune".into(), json!(commune.as_str()));
    report.insert("schema_version".into(), json!(schema_version));
    Ok(report)
}

/// The whole health answer, for components with nothing to add to the report.
pub fn respond(component: &str, db_label: &str, migrations: &[&str]) -> Result<Response, ApiError> {
    let report = report(component, db_label, migrations)?;
    Ok(response::json(200, &report))
}
