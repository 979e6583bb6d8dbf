//! Schema of the `notifications` database (one statement per migration, append only).

pub const MIGRATIONS: &[&str] = &[
    // 1: events received, once per id (the sender retries deliveries).
    "CREATE TABLE events (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at TEXT NOT NULL
    )",
];
