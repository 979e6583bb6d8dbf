//! Schema of the `signatures` database: one statement per migration, append only. Every row
//! carries its commune and every query filters on it.
//!
//! What must never change once written is guarded by triggers: a document version (its bytes
//! and digest), a signature, a key statement, a commune key, a flow's step, and the evidence
//! log (its entries, subtree hashes and signed tree heads).

pub const MIGRATIONS: &[&str] = &[
    // 1: the communes of host names, as identity said them (guichet_guest::context).
    guichet_guest::context::CACHE_TABLE,
    // 2: a document to sign: an upload or a request's decision.
    "CREATE TABLE documents (
        commune TEXT NOT NULL,
        id TEXT NOT NULL,
        title TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('upload', 'decision')),
        request_ref TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (commune, id)
    ) WITHOUT ROWID",
    // 3: its versions, each with its bytes and their SHA-256 (a revision adds one).
    "CREATE TABLE document_versions (
        commune TEXT NOT NULL,
        document_id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        content BLOB NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (commune, document_id, version)
    )",
    "CREATE INDEX document_versions_by_digest ON document_versions (commune, sha256)",
    "CREATE TRIGGER document_versions_no_update BEFORE UPDATE ON document_versions
        BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END",
    "CREATE TRIGGER document_versions_no_delete BEFORE DELETE ON document_versions
        BEGIN SELECT RAISE(ABORT, 'document versions are kept'); END",
    // 6: a signing flow over one document version.
    "CREATE TABLE flows (
        commune TEXT NOT NULL,
        id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        purpose TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('ordered', 'parallel')),
        quorum INTEGER NOT NULL CHECK (quorum > 0),
        due_on TEXT,
        request_ref TEXT,
        state TEXT NOT NULL CHECK (state IN ('open', 'completed', 'declined', 'cancelled')),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        closed_at TEXT,
        cancel_reason TEXT,
        PRIMARY KEY (commune, id)
    ) WITHOUT ROWID",
    // 7: its signers, in order, and where each stands.
    "CREATE TABLE flow_signers (
        commune TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        account TEXT NOT NULL,
        role TEXT NOT NULL,
        email TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'signed', 'declined', 'skipped')),
        decided_at TEXT,
        reason TEXT,
        reminded_on TEXT,
        PRIMARY KEY (commune, flow_id, position),
        UNIQUE (commune, flow_id, account)
    ) WITHOUT ROWID",
    // 8: agents' personal keys (the public half; the private half is derived from the secret
    // variable when signing and never stored) and the commune's statement binding each.
    "CREATE TABLE signer_keys (
        commune TEXT NOT NULL,
        kid TEXT NOT NULL,
        account TEXT NOT NULL,
        x TEXT NOT NULL,
        statement TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        revoked_by TEXT,
        PRIMARY KEY (commune, kid)
    ) WITHOUT ROWID",
    "CREATE INDEX signer_keys_by_account ON signer_keys (commune, account)",
    // 10: the signatures (JWS), one per signer and flow.
    "CREATE TABLE signatures (
        commune TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        account TEXT NOT NULL,
        kid TEXT NOT NULL,
        jws TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        PRIMARY KEY (commune, flow_id, account)
    ) WITHOUT ROWID",
    "CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
        BEGIN SELECT RAISE(ABORT, 'signatures are immutable'); END",
    "CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
        BEGIN SELECT RAISE(ABORT, 'signatures are kept'); END",
    // 13: every key the commune ever signed statements with (published, never forgotten).
    "CREATE TABLE commune_keys (
        commune TEXT NOT NULL,
        kid TEXT NOT NULL,
        x TEXT NOT NULL,
        first_used_at TEXT NOT NULL,
        PRIMARY KEY (commune, kid)
    ) WITHOUT ROWID",
    // 14: each step of a flow, in order: its history, and what the request's timeline and
    // notifications are told (`delivered_at` once they acknowledged it).
    "CREATE TABLE flow_steps (
        commune TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        account TEXT,
        at TEXT NOT NULL,
        detail TEXT,
        delivered_at TEXT,
        PRIMARY KEY (commune, flow_id, seq)
    ) WITHOUT ROWID",
    // 15: the evidence log (evidence::log): each commune's entries, in order, as logged...
    "CREATE TABLE evidence_entries (
        commune TEXT NOT NULL,
        idx INTEGER NOT NULL CHECK (idx >= 0),
        source TEXT NOT NULL,
        event_id TEXT NOT NULL,
        entry TEXT NOT NULL,
        appended_at TEXT NOT NULL,
        PRIMARY KEY (commune, idx),
        UNIQUE (commune, source, event_id)
    ) WITHOUT ROWID",
    "CREATE TRIGGER evidence_entries_no_update BEFORE UPDATE ON evidence_entries
        BEGIN SELECT RAISE(ABORT, 'the evidence log is append only'); END",
    "CREATE TRIGGER evidence_entries_no_delete BEFORE DELETE ON evidence_entries
        BEGIN SELECT RAISE(ABORT, 'the evidence log is append only'); END",
    // 18: ...the hash of each complete subtree (2^level entries from idx * 2^level)...
    "CREATE TABLE evidence_nodes (
        commune TEXT NOT NULL,
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (commune, level, idx)
    ) WITHOUT ROWID",
    "CREATE TRIGGER evidence_nodes_no_update BEFORE UPDATE ON evidence_nodes
        BEGIN SELECT RAISE(ABORT, 'the evidence log is append only'); END",
    "CREATE TRIGGER evidence_nodes_no_delete BEFORE DELETE ON evidence_nodes
        BEGIN SELECT RAISE(ABORT, 'the evidence log is append only'); END",
    // 21: ...and every tree head signed, by size.
    "CREATE TABLE evidence_heads (
        commune TEXT NOT NULL,
        tree_size INTEGER NOT NULL,
        root_hash TEXT NOT NULL,
        jws TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        PRIMARY KEY (commune, tree_size)
    ) WITHOUT ROWID",
    "CREATE TRIGGER evidence_heads_no_update BEFORE UPDATE ON evidence_heads
        BEGIN SELECT RAISE(ABORT, 'signed tree heads are kept'); END",
    "CREATE TRIGGER evidence_heads_no_delete BEFORE DELETE ON evidence_heads
        BEGIN SELECT RAISE(ABORT, 'signed tree heads are kept'); END",
    // 24: passkeys (WebAuthn credentials) of agents: the public key, the counter last seen,
    // the commune's statement binding it to its holder; revoking marks the row.
    "CREATE TABLE passkeys (
        commune TEXT NOT NULL,
        credential TEXT NOT NULL,
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        alg INTEGER NOT NULL CHECK (alg IN (-7, -8)),
        public_key TEXT NOT NULL,
        rp_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        sign_count INTEGER NOT NULL,
        statement TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        revoked_by TEXT,
        PRIMARY KEY (commune, credential)
    ) WITHOUT ROWID",
    "CREATE INDEX passkeys_by_account ON passkeys (commune, account)",
    // 26: WebAuthn challenges issued and not yet answered: single use (deleted when answered),
    // short-lived, bound to one account and, for a signature, to one flow and its context.
    "CREATE TABLE passkey_challenges (
        commune TEXT NOT NULL,
        challenge TEXT NOT NULL,
        account TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('register', 'sign')),
        flow_id TEXT,
        context TEXT,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (commune, challenge)
    ) WITHOUT ROWID",
    // 27: passkey signatures: what an offline verifier needs to check each assertion again.
    "CREATE TABLE passkey_signatures (
        commune TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        account TEXT NOT NULL,
        credential TEXT NOT NULL,
        context TEXT NOT NULL,
        authenticator_data TEXT NOT NULL,
        client_data_json TEXT NOT NULL,
        signature TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        PRIMARY KEY (commune, flow_id, account)
    ) WITHOUT ROWID",
    "CREATE TRIGGER passkey_signatures_no_update BEFORE UPDATE ON passkey_signatures
        BEGIN SELECT RAISE(ABORT, 'signatures are immutable'); END",
    "CREATE TRIGGER passkey_signatures_no_delete BEFORE DELETE ON passkey_signatures
        BEGIN SELECT RAISE(ABORT, 'signatures are kept'); END",
    // the commune's look (the portal's pages show it).
    guichet_guest::context::CACHE_BRANDING,
];
