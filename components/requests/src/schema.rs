//! Schema of the `requests` database (one statement per migration, append only).

pub const MIGRATIONS: &[&str] = &[
    // 1: notification-chain checks run by administrators.
    "CREATE TABLE diagnostic_pings (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    )",
    // 2: events to deliver to notifications, written in the transaction of their cause.
    "CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
    )",
    // 3: finding undelivered events (retries) without scanning delivered ones.
    "CREATE INDEX outbox_pending ON outbox (created_at) WHERE delivered_at IS NULL",
];
