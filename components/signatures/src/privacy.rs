//! A person's data in signatures, for identity's GDPR export and erasure
//! (`guichet_guest::privacy`), reached by service chaining at
//! `http://signatures.spin.internal/internal/privacy/{export,erase}`. No public route covers
//! `/internal/...` (signatures' route is `/api/signatures/...`).
//!
//! An agent's part: their keys (public halves and statements), their passkeys (public keys),
//! the flows naming them as signers (with their state and reason) and their signatures (JWS
//! and passkey). Erasure keeps all of it: a
//! signature and what proves it are evidence the commune must keep (GDPR art. 17(3)(b) and
//! (e): legal obligation, legal claims), listed in `kept` with that basis.

use guichet_guest::db::{self, Connection};
use guichet_guest::privacy::{self, Erasure, Kept, Subject};
use guichet_guest::{response, routing, ApiError};
use serde_json::{json, Map, Value};
use spin_sdk::http::{Request, Response};

use crate::{schema, COMPONENT, DATABASE};

/// Why signing records outlive an erasure.
const LEGAL_BASIS: &str = "signed documents and the proof of their signatures are kept as \
     evidence (GDPR art. 17(3)(b) and (e))";

/// Routes `/internal/...` (the segments below it).
pub fn route(req: &Request, segments: &[&str]) -> Result<Response, ApiError> {
    match segments {
        ["privacy", "export"] => {
            routing::only_post(req)?;
            let (subject, conn) = subject_and_db(req)?;
            let mut records = Map::new();
            for (name, sql) in QUERIES {
                records.insert(
                    (*name).to_owned(),
                    Value::Array(rows(&conn, &subject, sql)?),
                );
            }
            Ok(response::json(
                200,
                &privacy::export_body(COMPONENT, records),
            ))
        }
        ["privacy", "erase"] => {
            routing::only_post(req)?;
            let (subject, conn) = subject_and_db(req)?;
            let mut erasure = Erasure::default();
            for (name, sql) in QUERIES {
                let count = i64::try_from(rows(&conn, &subject, sql)?.len()).unwrap_or(i64::MAX);
                if count > 0 {
                    erasure.kept.push(Kept {
                        record: (*name).to_owned(),
                        count,
                        legal_basis: LEGAL_BASIS.to_owned(),
                    });
                }
            }
            Ok(response::json(200, &erasure.body(COMPONENT)))
        }
        _ => Err(ApiError::NotFound),
    }
}

/// Each kind of record about an account, as one JSON object per row.
const QUERIES: &[(&str, &str)] = &[
    (
        "signer_keys",
        "SELECT json_object('kid', kid, 'x', x, 'created_at', created_at, 'revoked_at', revoked_at) \
         FROM signer_keys WHERE commune = ? AND account = ? ORDER BY created_at",
    ),
    (
        "flow_signers",
        "SELECT json_object('flow_id', flow_id, 'role', role, 'email', email, 'state', state, \
         'decided_at', decided_at, 'reason', reason) \
         FROM flow_signers WHERE commune = ? AND account = ? ORDER BY flow_id",
    ),
    (
        "signatures",
        "SELECT json_object('flow_id', flow_id, 'kid', kid, 'signed_at', signed_at, 'jws', jws) \
         FROM signatures WHERE commune = ? AND account = ? ORDER BY signed_at",
    ),
    (
        "passkeys",
        "SELECT json_object('credential', credential, 'name', name, 'alg', alg, \
         'public_key', public_key, 'created_at', created_at, 'revoked_at', revoked_at) \
         FROM passkeys WHERE commune = ? AND account = ? ORDER BY created_at",
    ),
    (
        "passkey_signatures",
        "SELECT json_object('flow_id', flow_id, 'credential', credential, 'signed_at', signed_at) \
         FROM passkey_signatures WHERE commune = ? AND account = ? ORDER BY signed_at",
    ),
];

fn subject_and_db(req: &Request) -> Result<(Subject, Connection), ApiError> {
    let subject = Subject::receive(req)?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    Ok((subject, conn))
}

fn rows(conn: &Connection, subject: &Subject, sql: &str) -> anyhow::Result<Vec<Value>> {
    let result = db::query(
        conn,
        sql,
        &[
            db::text(subject.commune().as_str()),
            db::text(subject.account_id()),
        ],
    )?;
    Ok(result
        .rows
        .iter()
        .filter_map(|row| row.get::<&str>(0))
        .map(|text| serde_json::from_str(text).unwrap_or_else(|_| json!(text)))
        .collect())
}
