//! The catalogue in the `catalog` database: drafts, immutable published versions, and the
//! search index kept in step (same transaction).
//!
//! Every statement filters on the commune. Writes run in `db::transaction`; the functions
//! ending in `_in` take the connection of an open transaction so that publishing, importing
//! and seeding compose them.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value, NOW_RFC3339};
use guichet_guest::{Commune, FieldError};
use serde_json::{json, Map};
use spin_sdk::sqlite3::RowResult;

use crate::model::{Catalogue, CatalogueEntry, ServiceDefinition, Status};
use crate::{schema, search, seed, validate, DATABASE};

/// The database, migrated and (for the demo commune) seeded, seen as one commune's: every
/// statement is scoped to `commune`.
pub struct Store<'c> {
    pub conn: &'c Connection,
    pub commune: Commune,
}

/// A published version of a service.
#[derive(Debug, Clone)]
pub struct Published {
    pub definition: ServiceDefinition,
    pub version: i64,
    pub published_at: String,
}

/// A service as the administration sees it.
#[derive(Debug, Clone)]
pub struct Service {
    pub code: String,
    pub status: Status,
    pub draft: ServiceDefinition,
    pub published_version: Option<i64>,
    pub updated_at: String,
    pub updated_by: String,
    /// Whether the draft differs from the published version (always true if none).
    pub unpublished_changes: bool,
}

/// What publishing a draft gave.
pub enum PublishOutcome {
    NotFound,
    /// The draft breaks rules that changed since it was saved.
    Invalid(Vec<FieldError>),
    Published(i64),
}

/// The catalogue database, migrated (once per request: the request context keeps it).
pub fn open() -> anyhow::Result<Connection> {
    guichet_guest::context::open(DATABASE, &schema::migrations())
}

impl<'c> Store<'c> {
    /// The database (`conn`, migrated: [`open`]) for `commune`, seeded when it is the demo
    /// commune.
    pub fn new(conn: &'c Connection, commune: Commune) -> anyhow::Result<Store<'c>> {
        seed::ensure(conn, &commune)?;
        Ok(Store { conn, commune })
    }

    fn commune(&self) -> Value {
        db::text(self.commune.as_str())
    }

    /// The service `code`, whatever its status.
    pub fn service(&self, code: &str) -> anyhow::Result<Option<Service>> {
        service_in(self.conn, self.commune.as_str(), code)
    }

    /// Every service of the commune, by code.
    pub fn services(&self) -> anyhow::Result<Vec<Service>> {
        let result = db::query(
            self.conn,
            &format!("{SELECT_SERVICES} WHERE s.commune = ? ORDER BY s.code"),
            &[self.commune()],
        )?;
        result.rows.iter().map(service_of_row).collect()
    }

    /// The published versions of `code`: (version, published_at, published_by), oldest first.
    pub fn versions(&self, code: &str) -> anyhow::Result<Vec<(i64, String, String)>> {
        let result = db::query(
            self.conn,
            "SELECT version, published_at, published_by FROM service_versions \
             WHERE commune = ? AND code = ? ORDER BY version",
            &[self.commune(), db::text(code)],
        )?;
        result
            .rows
            .iter()
            .map(|row| {
                Ok((
                    row.get::<i64>(0).context("version")?,
                    row.get::<&str>(1).context("published_at")?.to_owned(),
                    row.get::<&str>(2).context("published_by")?.to_owned(),
                ))
            })
            .collect()
    }

    /// Version `version` of `code`, whatever the service's status now (a request filed against
    /// it still needs it after the service is archived).
    pub fn version(&self, code: &str, version: i64) -> anyhow::Result<Option<Published>> {
        version_in(self.conn, self.commune.as_str(), code, version)
    }

    /// The current version of `code` if the service is published (not draft, not archived).
    pub fn published(&self, code: &str) -> anyhow::Result<Option<Published>> {
        let mut found = self.published_where("AND s.code = ?", vec![db::text(code)])?;
        Ok(found.pop())
    }

    /// The current version of every published service, by code.
    pub fn all_published(&self) -> anyhow::Result<Vec<Published>> {
        self.published_where("", Vec::new())
    }

    /// The current versions of the published services among `codes`, by code.
    pub fn published_among(&self, codes: &[String]) -> anyhow::Result<Vec<Published>> {
        let list = serde_json::to_string(codes).context("codes as JSON")?;
        self.published_where(
            "AND s.code IN (SELECT value FROM json_each(?))",
            vec![db::text(list)],
        )
    }

    fn published_where(&self, filter: &str, extra: Vec<Value>) -> anyhow::Result<Vec<Published>> {
        let mut params = vec![self.commune()];
        params.extend(extra);
        let result = db::query(
            self.conn,
            &format!(
                "SELECT v.definition, v.version, v.published_at FROM services s \
                 JOIN service_versions v ON v.commune = s.commune AND v.code = s.code \
                 AND v.version = s.published_version \
                 WHERE s.commune = ? AND s.status = 'published' {filter} ORDER BY s.code"
            ),
            &params,
        )?;
        result
            .rows
            .iter()
            .map(|row| {
                Ok(Published {
                    definition: parse(row.get::<&str>(0))?,
                    version: row.get::<i64>(1).context("version")?,
                    published_at: row.get::<&str>(2).context("published_at")?.to_owned(),
                })
            })
            .collect()
    }

    /// Creates the draft of a new service; `false` if the code is taken (in any status).
    pub fn create(&self, definition: &ServiceDefinition, by: &str) -> anyhow::Result<bool> {
        let commune = self.commune.as_str();
        db::transaction(self.conn, |conn| {
            if service_in(conn, commune, &definition.code)?.is_some() {
                return Ok(false);
            }
            db::exec(
                conn,
                &format!(
                    "INSERT INTO services (commune, code, status, draft, published_version, updated_at, updated_by) \
                     VALUES (?, ?, 'draft', ?, NULL, {NOW_RFC3339}, ?)"
                ),
                &[db::text(commune), db::text(definition.code.as_str()), db::text(to_json(definition)?), db::text(by)],
            )?;
            Ok(true)
        })
    }

    /// Replaces the draft of an existing service (its status and versions are unchanged);
    /// `false` if there is no such service.
    pub fn replace_draft(&self, definition: &ServiceDefinition, by: &str) -> anyhow::Result<bool> {
        let commune = self.commune.as_str();
        db::transaction(self.conn, |conn| {
            if service_in(conn, commune, &definition.code)?.is_none() {
                return Ok(false);
            }
            set_draft_in(conn, commune, definition, by)?;
            Ok(true)
        })
    }

    /// Publishes the draft of `code` as a new version, and indexes it.
    pub fn publish(&self, code: &str, by: &str) -> anyhow::Result<PublishOutcome> {
        let commune = self.commune.as_str();
        db::transaction(self.conn, |conn| {
            let Some(service) = service_in(conn, commune, code)? else {
                return Ok(PublishOutcome::NotFound);
            };
            let mut errors = Vec::new();
            validate::rules(&service.draft, "draft", &mut errors);
            if !errors.is_empty() {
                return Ok(PublishOutcome::Invalid(errors));
            }
            let version = publish_in(conn, commune, &service.draft, by)?;
            log_event(
                conn,
                &self.commune,
                "service-published",
                by,
                code,
                Some(version),
            )?;
            Ok(PublishOutcome::Published(version))
        })
    }

    /// Archives `code`: hidden from public lists and Open311, removed from the search index,
    /// versions kept. `false` if there is no such service.
    pub fn archive(&self, code: &str, by: &str) -> anyhow::Result<bool> {
        let commune = self.commune.as_str();
        db::transaction(self.conn, |conn| {
            if service_in(conn, commune, code)?.is_none() {
                return Ok(false);
            }
            set_status_in(conn, commune, code, Status::Archived, by)?;
            search::remove(conn, commune, code)?;
            log_event(conn, &self.commune, "service-archived", by, code, None)?;
            Ok(true)
        })
    }

    /// The export document: per service, its status, its published definition (or its
    /// draft if it was never published), and its draft when that differs.
    pub fn export(&self) -> anyhow::Result<Catalogue> {
        let mut services = Vec::new();
        for service in self.services()? {
            let published = match service.published_version {
                Some(version) => self.version(&service.code, version)?,
                None => None,
            };
            let entry = match published {
                Some(published) => {
                    let draft = (published.definition != service.draft).then_some(service.draft);
                    CatalogueEntry {
                        status: service.status,
                        definition: published.definition,
                        published_version: Some(published.version),
                        draft,
                    }
                }
                None => CatalogueEntry {
                    status: service.status,
                    definition: service.draft,
                    published_version: None,
                    draft: None,
                },
            };
            services.push(entry);
        }
        Ok(Catalogue { services })
    }

    /// Imports a validated catalogue in one transaction (all or nothing), each service's
    /// import written to the evidence outbox in the same transaction. Each listed service
    /// ends with `definition` published (a new version unless its current version is
    /// already equal), archived or draft as its `status` says, and its draft equal to `draft`
    /// (or `definition`). Services not listed are left alone. Returns the code, status and
    /// published version of each.
    pub fn import(
        &self,
        catalogue: &Catalogue,
        by: &str,
    ) -> anyhow::Result<Vec<Map<String, serde_json::Value>>> {
        let commune = self.commune.as_str();
        db::transaction(self.conn, |conn| {
            let mut report = Vec::new();
            for entry in &catalogue.services {
                let version = import_in(conn, commune, entry, by)?;
                // Each imported service leaves a trace, as a publish or an archive would.
                let status = entry.status.as_str();
                let version_text = version.map(|v| v.to_string());
                let mut details = vec![("status", status)];
                if let Some(v) = version_text.as_deref() {
                    details.push(("version", v));
                }
                let event = guichet_guest::evidence::event(
                    conn,
                    &self.commune,
                    "catalog",
                    "service-imported",
                    Some(by),
                    entry.definition.code.as_str(),
                    &details,
                )?;
                guichet_guest::evidence::enqueue(conn, &event)?;
                let mut item = Map::new();
                item.insert("code".into(), json!(entry.definition.code));
                item.insert("status".into(), json!(entry.status.as_str()));
                item.insert("published_version".into(), json!(version));
                report.push(item);
            }
            Ok(report)
        })
    }
}

/// Services with whether their draft differs from their published version. Stored
/// definitions are all serialised by serde from the same structs, so equal definitions are
/// equal texts.
const SELECT_SERVICES: &str = "SELECT s.code, s.status, s.draft, s.published_version, \
     s.updated_at, s.updated_by, v.definition IS NULL OR v.definition <> s.draft \
     FROM services s LEFT JOIN service_versions v ON v.commune = s.commune \
     AND v.code = s.code AND v.version = s.published_version";

fn service_of_row(row: &RowResult) -> anyhow::Result<Service> {
    let status = row.get::<&str>(1).context("status")?;
    Ok(Service {
        code: row.get::<&str>(0).context("code")?.to_owned(),
        status: Status::parse(status).with_context(|| format!("unknown status {status:?}"))?,
        draft: parse(row.get::<&str>(2))?,
        published_version: row.get::<i64>(3),
        updated_at: row.get::<&str>(4).context("updated_at")?.to_owned(),
        updated_by: row.get::<&str>(5).context("updated_by")?.to_owned(),
        unpublished_changes: row.get::<bool>(6).unwrap_or(true),
    })
}

fn parse(json: Option<&str>) -> anyhow::Result<ServiceDefinition> {
    serde_json::from_str(json.context("a definition column is not text")?)
        .context("a stored definition does not parse")
}

fn to_json(definition: &ServiceDefinition) -> anyhow::Result<String> {
    serde_json::to_string(definition).context("serialising a definition")
}

fn service_in(conn: &Connection, commune: &str, code: &str) -> anyhow::Result<Option<Service>> {
    let result = db::query(
        conn,
        &format!("{SELECT_SERVICES} WHERE s.commune = ? AND s.code = ?"),
        &[db::text(commune), db::text(code)],
    )?;
    result.rows.first().map(service_of_row).transpose()
}

fn version_in(
    conn: &Connection,
    commune: &str,
    code: &str,
    version: i64,
) -> anyhow::Result<Option<Published>> {
    let result = db::query(
        conn,
        "SELECT definition, published_at FROM service_versions \
         WHERE commune = ? AND code = ? AND version = ?",
        &[db::text(commune), db::text(code), Value::Integer(version)],
    )?;
    result
        .rows
        .first()
        .map(|row| {
            Ok(Published {
                definition: parse(row.get::<&str>(0))?,
                version,
                published_at: row.get::<&str>(1).context("published_at")?.to_owned(),
            })
        })
        .transpose()
}

/// Creates the service as a draft, or replaces its draft.
fn set_draft_in(
    conn: &Connection,
    commune: &str,
    definition: &ServiceDefinition,
    by: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "INSERT INTO services (commune, code, status, draft, published_version, updated_at, updated_by) \
             VALUES (?1, ?2, 'draft', ?3, NULL, {NOW_RFC3339}, ?4) \
             ON CONFLICT (commune, code) DO UPDATE SET draft = ?3, updated_at = {NOW_RFC3339}, updated_by = ?4"
        ),
        &[db::text(commune), db::text(definition.code.as_str()), db::text(to_json(definition)?), db::text(by)],
    )
}

fn set_status_in(
    conn: &Connection,
    commune: &str,
    code: &str,
    status: Status,
    by: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "UPDATE services SET status = ?, updated_at = {NOW_RFC3339}, updated_by = ? \
             WHERE commune = ? AND code = ?"
        ),
        &[
            db::text(status.as_str()),
            db::text(by),
            db::text(commune),
            db::text(code),
        ],
    )
}

/// Publishes `definition` (already the service's draft, or about to be) as the next version
/// of its service, marks the service published and indexes it.
/// Writes `action` on service `code` by `by` to the outbox of the commune's evidence log
/// (`guichet_guest::evidence`), in the caller's transaction; `admin` sends it after the commit.
fn log_event(
    conn: &Connection,
    commune: &Commune,
    action: &str,
    by: &str,
    code: &str,
    version: Option<i64>,
) -> anyhow::Result<()> {
    let version = version.map(|v| v.to_string());
    let details: Vec<(&str, &str)> = version.iter().map(|v| ("version", v.as_str())).collect();
    let event =
        guichet_guest::evidence::event(conn, commune, "catalog", action, Some(by), code, &details)?;
    guichet_guest::evidence::enqueue(conn, &event)
}

pub fn publish_in(
    conn: &Connection,
    commune: &str,
    definition: &ServiceDefinition,
    by: &str,
) -> anyhow::Result<i64> {
    let code = definition.code.as_str();
    let next = db::query(
        conn,
        "SELECT COALESCE(MAX(version), 0) + 1 FROM service_versions WHERE commune = ? AND code = ?",
        &[db::text(commune), db::text(code)],
    )?
    .rows
    .first()
    .and_then(|row| row.get::<i64>(0))
    .context("next version")?;
    db::exec(
        conn,
        &format!(
            "INSERT INTO service_versions (commune, code, version, definition, published_at, published_by) \
             VALUES (?, ?, ?, ?, {NOW_RFC3339}, ?)"
        ),
        &[db::text(commune), db::text(code), Value::Integer(next), db::text(to_json(definition)?), db::text(by)],
    )?;
    db::exec(
        conn,
        &format!(
            "UPDATE services SET status = 'published', published_version = ?, \
             updated_at = {NOW_RFC3339}, updated_by = ? WHERE commune = ? AND code = ?"
        ),
        &[
            Value::Integer(next),
            db::text(by),
            db::text(commune),
            db::text(code),
        ],
    )?;
    search::reindex(conn, commune, &indexed(definition))?;
    Ok(next)
}

/// One entry of an import (see [`Store::import`]); the published version it ends with.
///
/// `published` makes `definition` the current version; `archived` does the same when the
/// entry had a published version (so that the archive keeps it), then archives; `draft`, and
/// `archived` without a published version, only store the draft.
fn import_in(
    conn: &Connection,
    commune: &str,
    entry: &CatalogueEntry,
    by: &str,
) -> anyhow::Result<Option<i64>> {
    let code = entry.definition.code.as_str();
    let draft = entry.draft.as_ref().unwrap_or(&entry.definition);
    let existing = service_in(conn, commune, code)?;
    let keeps_version = match entry.status {
        Status::Published => true,
        Status::Archived => entry.published_version.is_some(),
        Status::Draft => false,
    };
    let version = if keeps_version {
        let current = match existing.as_ref().and_then(|s| s.published_version) {
            Some(version) => version_in(conn, commune, code, version)?,
            None => None,
        };
        set_draft_in(conn, commune, &entry.definition, by)?;
        let version = match current {
            // Already the current version: no new one (importing twice changes nothing).
            Some(current) if current.definition == entry.definition => {
                set_status_in(conn, commune, code, Status::Published, by)?;
                search::reindex(conn, commune, &indexed(&entry.definition))?;
                current.version
            }
            _ => publish_in(conn, commune, &entry.definition, by)?,
        };
        Some(version)
    } else {
        existing.and_then(|s| s.published_version)
    };
    set_draft_in(conn, commune, draft, by)?;
    if entry.status != Status::Published {
        set_status_in(conn, commune, code, entry.status, by)?;
        search::remove(conn, commune, code)?;
    }
    Ok(version)
}

/// What the search index needs of a definition.
pub fn indexed(definition: &ServiceDefinition) -> search::IndexedService {
    search::IndexedService {
        code: definition.code.clone(),
        group: definition.group.clone(),
        name_fr: definition.name.fr.clone(),
        name_en: definition.name.en.clone(),
        description_fr: definition.description.fr.clone(),
        description_en: definition.description.en.clone(),
        keywords_fr: definition.keywords.fr.clone(),
        keywords_en: definition.keywords.en.clone(),
    }
}
