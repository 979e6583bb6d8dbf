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
    // 4: citizens' requests, one row each; `answers` and `contact` are JSON, checked on the
    // way in; `service_name` is the bilingual name at filing time (`{"fr","en"}`).
    "CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        reference TEXT NOT NULL,
        service_code TEXT NOT NULL,
        service_version INTEGER NOT NULL,
        service_name TEXT NOT NULL,
        department TEXT NOT NULL,
        state TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        channel TEXT NOT NULL,
        account_id TEXT,
        contact TEXT NOT NULL,
        description TEXT NOT NULL,
        answers TEXT NOT NULL,
        lat REAL,
        long REAL,
        address TEXT,
        assignee TEXT,
        expected_on TEXT,
        tracking_hash TEXT NOT NULL,
        merged_into TEXT,
        filed_by TEXT,
        lang TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT,
        UNIQUE (commune, reference)
    )",
    // 5-11: what the agents' queue, the citizens' lists and duplicate detection look up.
    "CREATE INDEX requests_by_created ON requests (commune, created_at)",
    "CREATE INDEX requests_by_state ON requests (commune, state, created_at)",
    "CREATE INDEX requests_by_service ON requests (commune, service_code, is_open, created_at)",
    "CREATE INDEX requests_by_department ON requests (commune, department, is_open, created_at)",
    "CREATE INDEX requests_by_assignee ON requests (commune, assignee, is_open, created_at)",
    "CREATE INDEX requests_by_account ON requests (commune, account_id, created_at)",
    "CREATE INDEX requests_by_due ON requests (commune, is_open, expected_on)",
    // 12: the last reference number given per commune and year.
    "CREATE TABLE reference_counters (
        commune TEXT NOT NULL,
        year INTEGER NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (commune, year)
    )",
    // 13: every change to a request, written in the transaction of the change; never updated,
    // deleted only with its request (see the triggers below).
    "CREATE TABLE timeline (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        commune TEXT NOT NULL,
        request_id TEXT NOT NULL,
        at TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        actor_id TEXT,
        kind TEXT NOT NULL,
        from_value TEXT,
        to_value TEXT,
        body TEXT,
        public INTEGER NOT NULL,
        detail TEXT NOT NULL
    )",
    "CREATE INDEX timeline_by_request ON timeline (request_id, seq)",
    // 15-16: the timeline is append-only.
    "CREATE TRIGGER timeline_is_immutable BEFORE UPDATE ON timeline
     BEGIN SELECT RAISE(ABORT, 'timeline entries are immutable'); END",
    "CREATE TRIGGER timeline_goes_with_its_request BEFORE DELETE ON timeline
     WHEN EXISTS (SELECT 1 FROM requests WHERE id = OLD.request_id)
     BEGIN SELECT RAISE(ABORT, 'timeline entries are deleted only with their request'); END",
    // 17: files attached to a request (photos, PDF, scans of paper mail, e-mail attachments).
    "CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        request_id TEXT NOT NULL,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        data BLOB NOT NULL,
        source TEXT NOT NULL,
        added_by TEXT,
        created_at TEXT NOT NULL
    )",
    "CREATE INDEX attachments_by_request ON attachments (request_id, created_at)",
    // 19: calls taken by agents (counter and phone channels).
    "CREATE TABLE call_logs (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        request_id TEXT NOT NULL,
        called_at TEXT NOT NULL,
        duration_seconds INTEGER NOT NULL,
        caller TEXT NOT NULL,
        summary TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        created_at TEXT NOT NULL
    )",
    // 20: e-mails received by the inbound webhook: attached to a request, or waiting for triage.
    "CREATE TABLE inbound_mail (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        message_id TEXT,
        sender TEXT NOT NULL,
        subject TEXT NOT NULL,
        body_text TEXT NOT NULL,
        request_id TEXT,
        status TEXT NOT NULL,
        raw BLOB NOT NULL,
        received_at TEXT NOT NULL
    )",
    "CREATE INDEX inbound_mail_by_status ON inbound_mail (commune, status, received_at)",
    // 22: who follows a request (its filer, and the filers of duplicates merged into it):
    // `follower` is `account:<id>` or `email:<address>`.
    "CREATE TABLE followers (
        commune TEXT NOT NULL,
        request_id TEXT NOT NULL,
        follower TEXT NOT NULL,
        contact TEXT NOT NULL,
        since TEXT NOT NULL,
        PRIMARY KEY (commune, request_id, follower)
    )",
    // 23: answers already given to an Idempotency-Key (commune, caller, key), for a day.
    "CREATE TABLE idempotency (
        commune TEXT NOT NULL,
        caller TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (commune, caller, key)
    )",
    // 24: Open311 API keys issued by a commune's administrators to client apps (hash only).
    "CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )",
    // 25: full-text index of each request's description, answers, address and reference, for
    // the agents' text filter and duplicate detection (rowid = the request's rowid).
    "CREATE VIRTUAL TABLE requests_text USING fts5(
        text, content='', tokenize='unicode61 remove_diacritics 2'
    )",
];
