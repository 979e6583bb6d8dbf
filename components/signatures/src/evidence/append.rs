//! `POST /internal/evidence` (`guichet:platform/evidence`, `wit/evidence.wit`): other
//! components' events for their commune's log.
//!
//! Every component may chain to signatures, so the route is closed by the secret variable
//! `evidence_append_secret` (bearer token, compared in constant time), given to signatures
//! and to the components that append; shorter than 16 characters, the route is a 404 and the
//! senders' events wait in their outboxes. The event is checked member by member
//! ([`super::rules::problems`]) before anything is written, then appended in one
//! transaction; the same source and id is appended once.

use guichet_guest::caller::same_secret;
use guichet_guest::contracts::evidence::{Detail, EvidenceAppended, EvidenceEvent};
use guichet_guest::evidence::{SECRET_MIN, SECRET_VARIABLE};
use guichet_guest::{body, clients, db, response, ApiError, Commune};
use guichet_verify::evidence::{self, Entry};
use spin_sdk::http::{Request, Response};

use super::log;
use super::rules::problems;
use crate::{schema, DATABASE};

/// `POST /internal/evidence`.
pub fn receive(req: &Request) -> Result<Response, ApiError> {
    let expected = spin_sdk::variables::get(SECRET_VARIABLE).unwrap_or_default();
    if expected.len() < SECRET_MIN {
        return Err(ApiError::NotFound);
    }
    let given = req
        .header("authorization")
        .and_then(|v| v.as_str())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(given.trim(), &expected) {
        return Err(ApiError::Unauthorized {
            code: "invalid_token",
            message: "this route is for Guichet's components",
        });
    }
    body::json(req, body::DEFAULT_MAX_JSON)?;
    let event: EvidenceEvent = clients::receive("POST /internal/evidence", req.body())?;
    let errors = problems(&event);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    if event.source == super::signing::SOURCE {
        return Err(ApiError::field(
            "source",
            "reserved",
            "signatures' own entries are written by signatures",
        ));
    }
    let commune = Commune::parse(&event.commune)
        .map_err(|e| ApiError::field("commune", "invalid", e.to_string()))?;
    let entry = entry(event);
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let (index, appended) = db::transaction(&conn, |conn| log::append(conn, &commune, &entry))?;
    Ok(response::json(200, &EvidenceAppended { index, appended }))
}

/// The log's entry for a contract's event (every member, by destructuring).
fn entry(event: EvidenceEvent) -> Entry {
    let EvidenceEvent {
        id,
        commune,
        source,
        action,
        actor,
        subject,
        occurred_at,
        details,
    } = event;
    Entry {
        id,
        commune,
        source,
        action,
        actor,
        subject,
        occurred_at,
        details: details
            .into_iter()
            .map(|Detail { name, value }| evidence::Detail { name, value })
            .collect(),
    }
}
