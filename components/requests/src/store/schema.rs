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
    // the agents' text filter and duplicate detection (rowid = the request's rowid). It keeps
    // its text (not contentless) so that a row can be deleted with its request (erasure,
    // retention) on any SQLite version.
    "CREATE VIRTUAL TABLE requests_text USING fts5(
        text, tokenize='unicode61 remove_diacritics 2'
    )",
    // 26 (lead): how long the request is kept once closed, from its service at filing time.
    "ALTER TABLE requests ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 3650",
    // open311 helper: what an Open311 client app sent beyond the request itself: the API key
    // that filed it, the token given for a batch service (`GET tokens/{token}`), and the
    // Open311 parameters Guichet has no column for (address_id, device_id, the app's own
    // account_id, media_url). The app's account_id is never a Guichet account.
    "CREATE TABLE open311_requests (
        request_id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        api_key_id TEXT NOT NULL,
        token TEXT UNIQUE,
        address_id TEXT,
        device_id TEXT,
        client_account_id TEXT,
        media_url TEXT,
        created_at TEXT NOT NULL
    )",
    // outbox helper: when an undelivered event is tried next (NULL: at once); each failed
    // attempt pushes it back (backoff in outbox.rs), so a sweep does not hammer a notifications
    // component that is down.
    "ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT",
    // filing/tracking helper: the states of each service version requests were filed for
    // (label `{"fr","en"}`, open), copied from the catalogue at filing time (a published
    // version never changes), so that tracking shows state labels without asking the
    // catalogue on every look-up.
    "CREATE TABLE service_states (
        commune TEXT NOT NULL,
        service_code TEXT NOT NULL,
        service_version INTEGER NOT NULL,
        state TEXT NOT NULL,
        label TEXT NOT NULL,
        open INTEGER NOT NULL,
        PRIMARY KEY (commune, service_code, service_version, state)
    )",
    // filing/tracking helper: failed tracking look-ups (wrong reference or code) per client
    // address hash and fixed window, to slow down guessing tracking codes.
    "CREATE TABLE track_failures (
        commune TEXT NOT NULL,
        client TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        PRIMARY KEY (commune, client)
    )",
    // queue helper: what the agents' queue and figures sort and count on, so that sorting by
    // update or expected date and counting closures stay index walks on a large commune.
    "CREATE INDEX requests_by_updated ON requests (commune, updated_at)",
    "CREATE INDEX requests_by_expected ON requests (commune, expected_on)",
    "CREATE INDEX requests_by_closed ON requests (commune, closed_at, is_open, created_at) \
     WHERE closed_at IS NOT NULL",
    // lead: service definitions read from the catalogue, so that filing does not ask it
    // every time. A version (>= 1) never changes once published; `version = 0` holds "the
    // current published version" as last seen, trusted for a minute (see catalog.rs).
    "CREATE TABLE service_cache (
        commune TEXT NOT NULL,
        code TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (commune, code, version)
    )",
    // open311 helper: mySociety's servicerequestupdates reads a commune's timeline by time.
    "CREATE INDEX timeline_by_time ON timeline (commune, at)",
    // lead: which commune is served at a host name, as identity last said (trusted for a
    // minute; see communes.rs).
    "CREATE TABLE commune_hosts_cache (
        host TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
    )",
    // abuse limits of filing and following (see limits.rs).
    guichet_guest::limits::TABLE,
    // links confirming a contact given without an account (contacts.rs);
    // `follower` is '' for the filer's contact.
    "CREATE TABLE contact_tokens (
        hash TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        request_id TEXT NOT NULL,
        follower TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )",
    // how many requests one contact follows (its cap).
    "CREATE INDEX followers_by_follower ON followers (commune, follower)",
    // whether the receiving mail server authenticated an inbound e-mail's From
    // (channels/authres.rs); only such mail from a request's contact is attached on arrival.
    "ALTER TABLE inbound_mail ADD COLUMN sender_verified INTEGER NOT NULL DEFAULT 0",
    // whether Open311 may publish the request, decided at filing (the filer's
    // consent, or an Open311 app's filing); requests filed before it are not public...
    "ALTER TABLE requests ADD COLUMN public INTEGER NOT NULL DEFAULT 0",
    // ...except those filed by Open311 apps, which the GeoReport contract publishes.
    "UPDATE requests SET public = 1 WHERE channel = 'open311'",
    // every staff read of a request, of the queue (its filter) and of a CSV export
    // (docs/SECURITY.md item 22): who, when, what, why; kept 12 months (retention.rs).
    "CREATE TABLE staff_reads (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        commune TEXT NOT NULL,
        reader_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        request_id TEXT,
        reference TEXT,
        filter TEXT,
        purpose TEXT,
        read_at TEXT NOT NULL
    )",
    "CREATE INDEX staff_reads_by_request ON staff_reads (request_id, read_at)",
    "CREATE INDEX staff_reads_by_time ON staff_reads (commune, read_at)",
    // the commune's public origin, the only one links in events may use
    // ('' in rows cached before: asked again).
    "ALTER TABLE commune_hosts_cache ADD COLUMN public_origin TEXT NOT NULL DEFAULT ''",
    // the commune cache keeps all identity says (guichet_guest::context::CACHE_TABLE, the
    // same table in every component); rows without a name are asked again.
    "ALTER TABLE commune_hosts_cache ADD COLUMN name TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE commune_hosts_cache ADD COLUMN languages TEXT NOT NULL DEFAULT '[]'",
    "DELETE FROM commune_hosts_cache",
    // API keys issued and revoked, for the commune's evidence log, until signatures took them
    // (guichet_guest::evidence).
    guichet_guest::evidence::OUTBOX_TABLE,
    // the commune's look (the portal's pages show it).
    guichet_guest::context::CACHE_BRANDING,
    // the queue's possible duplicates (store/queue/sql.rs `possible_duplicates`): the open
    // requests of a service by place, so that counting those near a request reads a narrow
    // band of latitude, not every open request of the service.
    "CREATE INDEX requests_open_by_place ON requests (commune, service_code, lat, long, created_at) \
     WHERE is_open = 1",
];
