//! A person's data in requests, for identity's GDPR export and erasure
//! (`guichet_guest::privacy`), reached by service chaining at
//! `http://requests.spin.internal/internal/privacy/{export,erase}`. No public route covers
//! `/internal/...` (requests' routes are `/api/requests/...` and `/open311/v2/...`).
//!
//! Citizens' requests do not exist yet: the requests issue extends both answers with them
//! (and the records the commune must keep by law, in `kept`). Today the only records naming an
//! account are the administrators' notification-chain checks (`diagnostic_pings.requested_by`,
//! also in the payload of their outbox events); erasure replaces the account there.

use guichet_guest::db::{self, Connection, Value};
use guichet_guest::privacy::{self, Erasure, Subject};
use guichet_guest::{body, response, routing, ApiError};
use serde_json::{json, Map};
use spin_sdk::http::{Request, Response};

use crate::{schema, COMPONENT, DATABASE};

/// What replaces an erased account id in records that must keep a non-empty value.
const ERASED: &str = "erased";

/// Routes `/internal/...` (the segments below it).
pub fn route(req: &Request, segments: &[&str]) -> Result<Response, ApiError> {
    match segments {
        ["privacy", "export"] => {
            routing::only_post(req)?;
            export(req)
        }
        ["privacy", "erase"] => {
            routing::only_post(req)?;
            erase(req)
        }
        _ => Err(ApiError::NotFound),
    }
}

fn subject_and_db(req: &Request) -> Result<(Subject, Connection), ApiError> {
    let json = body::json(req, body::DEFAULT_MAX_JSON)?;
    let subject = Subject::parse(&json).map_err(|errors| ApiError::BadRequest { errors })?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    Ok((subject, conn))
}

fn params(subject: &Subject) -> [Value; 2] {
    [
        db::text(subject.commune().as_str()),
        db::text(subject.account_id()),
    ]
}

/// `POST /internal/privacy/export`: the chain checks the account ran.
fn export(req: &Request) -> Result<Response, ApiError> {
    let (subject, conn) = subject_and_db(req)?;
    let result = db::query(
        &conn,
        "SELECT id, created_at FROM diagnostic_pings WHERE commune = ? AND requested_by = ? \
         ORDER BY created_at, id",
        &params(&subject),
    )?;
    let pings: Vec<_> = result
        .rows
        .iter()
        .map(|row| json!({"id": row.get::<&str>(0), "created_at": row.get::<&str>(1)}))
        .collect();
    let mut records = Map::new();
    records.insert("diagnostic_pings".into(), json!(pings));
    Ok(response::json(
        200,
        &privacy::export_body(COMPONENT, records),
    ))
}

/// `POST /internal/privacy/erase`: the account no longer appears in its chain checks.
fn erase(req: &Request) -> Result<Response, ApiError> {
    let (subject, conn) = subject_and_db(req)?;
    let erased = db::transaction(&conn, |conn| {
        let [commune, account] = params(&subject);
        db::exec(
            conn,
            "UPDATE outbox SET payload = json_set(payload, '$.requested_by', ?) \
             WHERE id IN (SELECT id FROM diagnostic_pings WHERE commune = ? AND requested_by = ?)",
            &[db::text(ERASED), commune.clone(), account.clone()],
        )?;
        db::exec(
            conn,
            "UPDATE diagnostic_pings SET requested_by = ? WHERE commune = ? AND requested_by = ?",
            &[db::text(ERASED), commune, account],
        )?;
        Ok(conn.changes())
    })?;
    let mut erasure = Erasure::default();
    erasure.erased.insert(
        "diagnostic_pings".into(),
        i64::try_from(erased).unwrap_or(i64::MAX),
    );
    Ok(response::json(200, &erasure.body(COMPONENT)))
}
