//! Schema of the `catalog` database: one statement per migration, append only.
//!
//! The list is the catalogue's own migrations followed by the search index's
//! ([`crate::search::MIGRATIONS`]); `db::migrate` numbers them by position. So that applied
//! versions never change meaning, a migration added later by either side goes at the *end*
//! of the combined list (a `LATER` slice appended after the search migrations), never
//! inside [`CATALOG`] or `search::MIGRATIONS` once released.

use crate::search;

/// The catalogue's tables.
pub const CATALOG: &[&str] = &[
    // 1: one row per service of a commune: its editable draft and where it stands.
    "CREATE TABLE services (
        commune TEXT NOT NULL,
        code TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
        draft TEXT NOT NULL,
        published_version INTEGER,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (commune, code)
    ) WITHOUT ROWID",
    // 2: immutable published versions, so that a request keeps the one it was filed against.
    "CREATE TABLE service_versions (
        commune TEXT NOT NULL,
        code TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        definition TEXT NOT NULL,
        published_at TEXT NOT NULL,
        published_by TEXT NOT NULL,
        PRIMARY KEY (commune, code, version)
    ) WITHOUT ROWID",
    // 3: communes whose demo catalogue was seeded (once, even if later emptied).
    "CREATE TABLE catalog_seeds (
        commune TEXT PRIMARY KEY,
        seeded_at TEXT NOT NULL
    )",
];

/// Added after the first release of both lists, in order.
pub const LATER: &[&str] = &[
    // the communes of host names, as identity said them (guichet_guest::context).
    guichet_guest::context::CACHE_TABLE,
    // published and archived services for the commune's evidence log, until signatures took
    // them (guichet_guest::evidence).
    guichet_guest::evidence::OUTBOX_TABLE,
    // the commune's look (the portal's pages show it).
    guichet_guest::context::CACHE_BRANDING,
];

/// Every migration of the database, in order.
pub fn migrations() -> Vec<&'static str> {
    CATALOG
        .iter()
        .chain(search::MIGRATIONS)
        .chain(LATER)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_migrations_come_first_then_the_search_ones() {
        let all = migrations();
        assert_eq!(all.len(), CATALOG.len() + search::MIGRATIONS.len() + LATER.len());
        assert_eq!(all[all.len() - LATER.len()..], *LATER);
        assert_eq!(all[..CATALOG.len()], *CATALOG);
        assert!(all[0].contains("CREATE TABLE services"));
    }
}
