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
    // 2: messages to send, once per id (the sender's idempotency key). `status` is queued
    // until the provider accepts the message (sent) or it is given up (failed, never silently:
    // the row stays with its last error). `in_flight_until` marks an attempt in progress, so
    // that two retry runs do not send the same message at once. An erasure (GDPR) sets the
    // recipient, subject and text to NULL and `erased_at`.
    "CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        account_id TEXT,
        channel TEXT NOT NULL,
        to_address TEXT,
        purpose TEXT NOT NULL,
        language TEXT NOT NULL,
        subject TEXT,
        body_text TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        in_flight_until TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        erased_at TEXT
    )",
    // 3: the retry run finds due messages without scanning sent ones.
    "CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued'",
    // 4: a person's messages, for export and erasure.
    "CREATE INDEX messages_account ON messages (commune, account_id)",
    // 5: messages sent to an address before it belonged to an account.
    "CREATE INDEX messages_address ON messages (commune, lower(to_address))",
    // 6: SMS sent per number per hour and per day (see events.rs).
    guichet_guest::limits::TABLE,
    // 7: where a message stands, finer than `status` (see `store::State`): queued, sending,
    // delivered, temporary_failure, permanent_failure. NULL on rows older than this column:
    // read from `status` then.
    "ALTER TABLE messages ADD COLUMN state TEXT",
    // 8: the request a message is about (agents see on a request what went out).
    "ALTER TABLE messages ADD COLUMN reference TEXT",
    // 9: a request's messages.
    "CREATE INDEX messages_reference ON messages (commune, reference) WHERE reference IS NOT NULL",
    // 10: the dead-letter list of a commune (messages given up), newest first.
    "CREATE INDEX messages_dead ON messages (commune, created_at) WHERE status = 'failed'",
    // 11: addresses that bounced permanently: nothing more is sent to them on that channel
    // until an administrator lifts the suppression. `address` is stored lowercased.
    "CREATE TABLE suppressions (
        commune TEXT NOT NULL,
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        reason TEXT NOT NULL,
        message_id TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (commune, channel, address)
    )",
    // 12: a commune's webhooks: its own systems told of events, signed as Standard Webhooks
    // says. `events` is a JSON array of event kinds (empty: every kind).
    "CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    )",
    // 13: the signing secrets of a webhook (several during a rotation; `expires_at` NULL for
    // the current one). Kept in clear: an HMAC key must be known to sign.
    "CREATE TABLE webhook_secrets (
        webhook_id TEXT NOT NULL,
        commune TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT
    )",
    // 14: identity's answers for host names (the public API resolves the commune of its host).
    guichet_guest::context::CACHE_TABLE,
    // 15: when the account holder read a message in their in-app inbox.
    "ALTER TABLE messages ADD COLUMN read_at TEXT",
    // 16: the HTML part of an e-mail (its plain-text part stays in `body_text`).
    "ALTER TABLE messages ADD COLUMN body_html TEXT",
    // 17: a commune's own templates (see templates.rs), replacing the shipped default of one
    // kind of message, language and channel.
    "CREATE TABLE templates (
        commune TEXT NOT NULL,
        kind TEXT NOT NULL,
        language TEXT NOT NULL,
        channel TEXT NOT NULL,
        subject TEXT,
        body_text TEXT NOT NULL,
        body_html TEXT,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (commune, kind, language, channel)
    )",
    // 18: what each account chose (see preferences.rs): `channels` and `opt_out` are JSON
    // arrays; `last_digest_on` the day (UTC) of its last digest.
    "CREATE TABLE preferences (
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL,
        language TEXT,
        channels TEXT NOT NULL,
        opt_out TEXT NOT NULL,
        agent_mode TEXT NOT NULL CHECK (agent_mode IN ('immediate', 'digest')),
        digest_hour INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        last_digest_on TEXT,
        PRIMARY KEY (commune, account_id)
    )",
    // 19: the lines of agents' next digests (see digest.rs); `message_id` once sent in one.
    "CREATE TABLE digest_items (
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        reference TEXT NOT NULL,
        service TEXT NOT NULL,
        language TEXT NOT NULL,
        email TEXT NOT NULL,
        created_at TEXT NOT NULL,
        message_id TEXT
    )",
    // 20: the waiting lines of an account.
    "CREATE INDEX digest_waiting ON digest_items (commune, account_id) WHERE message_id IS NULL",
    // the commune's look (the portal's pages show it).
    guichet_guest::context::CACHE_BRANDING,
];
