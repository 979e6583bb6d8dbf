//! `POST /internal/signing-steps` (service chaining only, `guichet:platform/signing`): a step
//! of a signing flow about a request (a decision to sign, signed, declined, completed,
//! cancelled), appended to that request's timeline as an internal entry (`signature`, not
//! shown to the citizen). Each step id is recorded once: signatures retries until it is
//! acknowledged.

use guichet_guest::contracts::signing::{SigningStep, SigningStepRecorded};
use guichet_guest::db::{self, Connection};
use guichet_guest::{clients, response, ApiError, Commune, FieldError};
use serde_json::{json, Map};
use spin_sdk::http::{Request, Response};

use crate::store::record;
use crate::store::schema;
use crate::store::timeline::{self, Actor, Entry};
use crate::DATABASE;

/// `POST /internal/signing-steps`.
pub fn receive(req: &Request) -> Result<Response, ApiError> {
    let step: SigningStep = clients::receive("POST /internal/signing-steps", req.body())?;
    let commune = Commune::parse(&step.commune)
        .map_err(|_| ApiError::field("commune", "invalid", "not a commune id"))?;
    if !is_step_id(&step.id) {
        return Err(FieldError::new("id", "invalid", "1 to 64 of A-Z a-z 0-9 -").into());
    }
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let recorded = db::transaction(&conn, |conn| append(conn, &commune, &step))?;
    match recorded {
        None => Err(ApiError::NotFoundWith {
            code: "unknown_request",
            message: "the commune has no request with this reference",
        }),
        Some(recorded) => Ok(response::json(200, &SigningStepRecorded { recorded })),
    }
}

/// `None` when there is no such request; `Some(false)` when the step was already there.
fn append(
    conn: &Connection,
    commune: &Commune,
    step: &SigningStep,
) -> anyhow::Result<Option<bool>> {
    let Some(request) = record::load(conn, commune, &step.reference)? else {
        return Ok(None);
    };
    let seen = db::query(
        conn,
        "SELECT 1 FROM timeline WHERE commune = ? AND request_id = ? AND kind = 'signature' \
         AND json_extract(detail, '$.step_id') = ?",
        &[
            db::text(commune.as_str()),
            db::text(request.id.as_str()),
            db::text(step.id.as_str()),
        ],
    )?;
    if !seen.rows.is_empty() {
        return Ok(Some(false));
    }
    let mut detail = Map::new();
    detail.insert("step_id".into(), json!(step.id));
    detail.insert("flow_id".into(), json!(step.flow_id));
    detail.insert("document_id".into(), json!(step.document_id));
    detail.insert("document_title".into(), json!(step.document_title));
    detail.insert("purpose".into(), json!(step.purpose));
    let entry = Entry {
        to: Some(step.kind.as_str()),
        body: step.reason.as_deref(),
        detail,
        ..Entry::new("signature", false)
    };
    let actor = match &step.account {
        Some(account) => Actor {
            kind: "staff",
            id: Some(account.clone()),
        },
        None => Actor::system(),
    };
    timeline::append(
        conn,
        commune,
        &request.id,
        &step.occurred_at,
        &actor,
        &entry,
    )?;
    Ok(Some(true))
}

fn is_step_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}
