//! The demo commune's catalogue (`demo/catalogue.json`, a JSON array of service definitions),
//! seeded once: the first time the `demo` commune's database is opened while it has no
//! service. Each definition is validated like an admin's, published as version 1 and
//! indexed, all in one transaction. Other communes start empty.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, NOW_RFC3339};
use guichet_guest::Commune;
use serde_json::Value;

use crate::model::ServiceDefinition;
use crate::{store, validate};

/// The commune that gets the demo catalogue.
pub const DEMO_COMMUNE: &str = "demo";
const CATALOGUE: &str = include_str!("../demo/catalogue.json");
/// Who the seeded versions are recorded as published by.
pub const SEEDER: &str = "demo-seed";

/// Seeds the demo catalogue if `commune` is the demo commune and was never seeded.
pub fn ensure(conn: &Connection, commune: &Commune) -> anyhow::Result<()> {
    if commune.as_str() != DEMO_COMMUNE || seeded(conn, commune)? {
        return Ok(());
    }
    let definitions = match demo_definitions() {
        Ok(definitions) => definitions,
        Err(error) => {
            // A broken demo catalogue must not take the whole component down: serve an empty
            // catalogue and say why (the unit tests catch this before a release).
            eprintln!("demo catalogue not seeded: {error:#}");
            return Ok(());
        }
    };
    db::transaction(conn, |conn| {
        // Another instance may have seeded while this one waited for the lock.
        if seeded(conn, commune)? {
            return Ok(());
        }
        let empty = db::query(
            conn,
            "SELECT 1 FROM services WHERE commune = ? LIMIT 1",
            &[db::text(commune.as_str())],
        )?
        .rows
        .is_empty();
        if empty {
            for definition in &definitions {
                db::exec(
                    conn,
                    &format!(
                        "INSERT INTO services (commune, code, status, draft, published_version, updated_at, updated_by) \
                         VALUES (?, ?, 'draft', ?, NULL, {NOW_RFC3339}, ?)"
                    ),
                    &[
                        db::text(commune.as_str()),
                        db::text(definition.code.as_str()),
                        db::text(serde_json::to_string(definition).context("serialising")?),
                        db::text(SEEDER),
                    ],
                )?;
                store::publish_in(conn, commune.as_str(), definition, SEEDER)?;
            }
        }
        db::exec(
            conn,
            &format!("INSERT INTO catalog_seeds (commune, seeded_at) VALUES (?, {NOW_RFC3339})"),
            &[db::text(commune.as_str())],
        )
    })
}

fn seeded(conn: &Connection, commune: &Commune) -> anyhow::Result<bool> {
    let result = db::query(
        conn,
        "SELECT 1 FROM catalog_seeds WHERE commune = ?",
        &[db::text(commune.as_str())],
    )?;
    Ok(!result.rows.is_empty())
}

/// The demo definitions, each validated; every error of every definition otherwise.
pub fn demo_definitions() -> anyhow::Result<Vec<ServiceDefinition>> {
    let value: Value =
        serde_json::from_str(CATALOGUE).context("demo/catalogue.json is not JSON")?;
    let items = value
        .as_array()
        .context("demo/catalogue.json is not a JSON array")?;
    let mut definitions = Vec::new();
    let mut problems = Vec::new();
    let mut codes = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        match validate::definition(item) {
            Ok(definition) => {
                if !codes.insert(definition.code.clone()) {
                    problems.push(format!("[{i}].code: duplicate code {:?}", definition.code));
                }
                definitions.push(definition);
            }
            Err(errors) => problems.extend(errors.into_iter().map(|e| {
                format!(
                    "[{i}].{}: {} ({})",
                    e.field.unwrap_or_default(),
                    e.message,
                    e.code
                )
            })),
        }
    }
    if problems.is_empty() {
        Ok(definitions)
    } else {
        anyhow::bail!("demo/catalogue.json is invalid: {}", problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_of_the_demo_catalogue_is_valid() {
        let definitions = demo_definitions().unwrap_or_else(|e| panic!("{e:#}"));
        assert!(definitions.len() >= 2, "the demo catalogue has services");
    }
}
