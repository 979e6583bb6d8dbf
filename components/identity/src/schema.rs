//! The `identity` database: one statement per migration, append only.
//!
//! Every table carries the commune of its rows, and every query filters on it: nothing crosses
//! communes. Secrets (one-time links, refresh tokens, session ids) are stored as SHA-256 hashes
//! only, so a copy of the database does not let anyone sign in.

pub const MIGRATIONS: &[&str] = &[
    // 1. Communes (tenants) and the host names that reach them.
    "CREATE TABLE communes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        languages TEXT NOT NULL,      -- JSON array of fr|en, first = default
        branding TEXT NOT NULL,       -- JSON object
        created_at TEXT NOT NULL
    )",
    // 2.
    "CREATE TABLE commune_hosts (
        host TEXT PRIMARY KEY,
        commune TEXT NOT NULL REFERENCES communes(id)
    )",
    // 3. Accounts: citizens and staff alike; one per e-mail address per commune.
    "CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL REFERENCES communes(id),
        email TEXT NOT NULL,
        email_verified_at TEXT,
        password_hash TEXT,
        status TEXT NOT NULL DEFAULT 'active',   -- active | disabled | erased
        given_name TEXT NOT NULL DEFAULT '',
        family_name TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        postal_address TEXT NOT NULL DEFAULT '{}',  -- JSON object
        language TEXT NOT NULL DEFAULT 'fr',
        notification_preferences TEXT NOT NULL DEFAULT '{}',  -- JSON object
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (commune, email)
    )",
    // 4. Staff roles per commune: agent, supervisor, admin (citizen is implicit).
    "CREATE TABLE roles (
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        role TEXT NOT NULL,
        PRIMARY KEY (commune, account_id, role)
    )",
    // 5.
    "CREATE TABLE departments (
        commune TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (commune, id)
    )",
    // 6.
    "CREATE TABLE agent_departments (
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        department TEXT NOT NULL,
        PRIMARY KEY (commune, account_id, department)
    )",
    // 7. One-time links (e-mail verification, password reset, e-mail change, invitation).
    "CREATE TABLE one_time_links (
        hash TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        purpose TEXT NOT NULL,
        account_id TEXT,
        payload TEXT NOT NULL DEFAULT '{}',
        expires_at INTEGER NOT NULL,   -- Unix seconds
        used_at INTEGER,
        created_at INTEGER NOT NULL
    )",
    // 8. Refresh tokens: a family per sign-in; each use rotates to a new member.
    "CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL,
        family TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        created_at INTEGER NOT NULL
    )",
    // 9.
    "CREATE TABLE token_families (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL,
        revoked_at INTEGER,
        revoked_reason TEXT,
        created_at INTEGER NOT NULL
    )",
    // 10. Browser sessions of the portal pages.
    "CREATE TABLE sessions (
        hash TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        account_id TEXT,
        csrf TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        created_at INTEGER NOT NULL
    )",
    // 11. Consents given and withdrawn (kept as history: proof of consent is itself required).
    "CREATE TABLE consents (
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        given_at TEXT,
        withdrawn_at TEXT,
        PRIMARY KEY (commune, account_id, purpose)
    )",
    // 12. External identities (OpenID Connect providers) linked to accounts.
    "CREATE TABLE external_identities (
        commune TEXT NOT NULL,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        linked_at TEXT NOT NULL,
        PRIMARY KEY (commune, issuer, subject)
    )",
    // 13. Who read which citizen's personal data (CNIL: keep 6 to 12 months).
    "CREATE TABLE personal_data_reads (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        commune TEXT NOT NULL,
        reader_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        read_at TEXT NOT NULL
    )",
    // 14.
    "CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family)",
    // 15.
    "CREATE INDEX personal_data_reads_by_account ON personal_data_reads (commune, account_id)",
    // 16. Reads are purged after their retention period (staff::citizens), oldest first.
    "CREATE INDEX personal_data_reads_by_time ON personal_data_reads (commune, read_at)",
    // 17. Browser sessions: "log out everywhere" revokes an account's sessions (web::sessions).
    "CREATE INDEX sessions_by_account ON sessions (commune, account_id)",
    // 18. Expired sessions are deleted when new ones open (web::sessions).
    "CREATE INDEX sessions_by_expiry ON sessions (commune, expires_at)",
    // 19. OpenID providers a commune's administrator configured (oidc::config). The client
    // secret is kept in clear: the token endpoint needs it; it is never returned nor logged.
    "CREATE TABLE oidc_providers (
        commune TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_secret TEXT NOT NULL,
        scopes TEXT NOT NULL,             -- JSON array
        acr_values TEXT NOT NULL,         -- JSON array of accepted acr, [] = any
        token_auth_method TEXT NOT NULL,  -- client_secret_post | client_secret_basic
        created_at TEXT NOT NULL,
        PRIMARY KEY (commune, id),
        UNIQUE (commune, issuer)
    )",
    // 20. External sign-ins in progress (oidc::pending): hashes only; the PKCE verifier is
    // derived from the browser's binding cookie, not stored.
    "CREATE TABLE oidc_pending (
        state_hash TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        provider TEXT NOT NULL,
        nonce_hash TEXT NOT NULL,
        binding_hash TEXT NOT NULL,
        link_to_account TEXT,
        redirect_uri TEXT NOT NULL,
        language TEXT NOT NULL,
        expires_at INTEGER NOT NULL,  -- Unix seconds
        created_at INTEGER NOT NULL
    )",
    // 21. Expired pending sign-ins are deleted when new ones start.
    "CREATE INDEX oidc_pending_by_expiry ON oidc_pending (commune, expires_at)",
    // 22. An account's external identities (export, erasure, the account page).
    "CREATE INDEX external_identities_by_account ON external_identities (commune, account_id)",
    // 23. Rate-limit counters (throttle): one fixed window per commune, scope and subject
    // (SHA-256 of an e-mail or client address), and the client addresses where an account's
    // owner signed in (scope `known-source`, count 0).
    "CREATE TABLE throttle_counters (
        commune TEXT NOT NULL,
        scope TEXT NOT NULL,
        subject TEXT NOT NULL,
        count INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,  -- Unix seconds: the end of the window
        PRIMARY KEY (commune, scope, subject)
    )",
    // 24. Ended windows are deleted as new attempts come (throttle::admit).
    "CREATE INDEX throttle_counters_by_expiry ON throttle_counters (expires_at)",
    // 25. Argon2 hashes running now, at most one per account (subject: SHA-256 of commune and
    // address) and `argon2_max_concurrent` in all; a row outlives a crashed instance by its
    // expiry only.
    "CREATE TABLE argon2_leases (
        id TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    )",
    // 26. Where citizens reach each commune (`https://host[:port]`), the only origin put in the
    // links Guichet sends (communes::origin); NULL: the default (see there).
    "ALTER TABLE communes ADD COLUMN public_origin TEXT",
    // 27. E-mails identity asked notifications to send, kept until notifications took them
    // (mail.rs): written with the change that causes them, retried while notifications is away.
    "CREATE TABLE mail_outbox (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        body TEXT NOT NULL,               -- the message as notifications receives it (JSON)
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered_at TEXT
    )",
    // 28. The retry sweep reads what is still to deliver, oldest first.
    "CREATE INDEX mail_outbox_pending ON mail_outbox (commune, created_at) WHERE delivered_at IS NULL",
    // 29. Events for the commune's evidence log not yet acknowledged by signatures (role
    // changes, disabled accounts...): guichet_guest::evidence, crate::evidence_log.
    guichet_guest::evidence::OUTBOX_TABLE,
];
