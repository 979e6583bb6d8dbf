//! A person's data in signatures, for identity's GDPR export and erasure
//! (`guichet_guest::privacy`), reached by service chaining at
//! `http://signatures.spin.internal/internal/privacy/{export,erase}`. No public route covers
//! `/internal/...` (signatures' route is `/api/signatures/...`).
//!
//! Signatures keeps no personal data yet: the answers say so (no records, nothing erased).
//! The signatures issue extends them with signers' keys and signed documents, which the
//! commune may have to keep by law (listed in `kept` with their legal basis).

use guichet_guest::privacy::{self, Erasure, Subject};
use guichet_guest::{response, routing, ApiError};
use serde_json::Map;
use spin_sdk::http::{Request, Response};

use crate::COMPONENT;

/// Routes `/internal/...` (the segments below it).
pub fn route(req: &Request, segments: &[&str]) -> Result<Response, ApiError> {
    match segments {
        ["privacy", "export"] => {
            routing::only_post(req)?;
            subject(req)?;
            Ok(response::json(
                200,
                &privacy::export_body(COMPONENT, Map::new()),
            ))
        }
        ["privacy", "erase"] => {
            routing::only_post(req)?;
            subject(req)?;
            Ok(response::json(200, &Erasure::default().body(COMPONENT)))
        }
        _ => Err(ApiError::NotFound),
    }
}

/// The request's subject: even with nothing to find, a malformed request is the caller's bug
/// and gets its field errors.
fn subject(req: &Request) -> Result<Subject, ApiError> {
    Subject::receive(req)
}
