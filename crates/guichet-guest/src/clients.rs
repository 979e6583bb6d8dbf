//! One typed client per interface of `wit/`: every service-chaining call a component makes
//! goes through here, with the request and answer types generated from the WIT
//! (`guichet_contracts`), so that no component writes a chained URL or a contract's JSON by
//! hand.
//!
//! - [`communes`]: which commune is served at a host name (identity).
//! - [`catalog`]: the published service definition (catalog).
//! - [`events`]: events to notifications, and the event as it stored it.
//! - [`contacts`]: the contact of accounts (identity, asked by notifications only).
//! - [`mail`]: messages to send, their state, and the retry of queued ones (notifications).
//! - [`portal`]: what the portal asks for a citizen: a session's access token (identity), a
//!   filing (requests); each closed by a secret shared with the portal only.
//! - [`staff`]: what the back-office asks for an agent: their token (identity), their calls
//!   to every component's API, relayed (closed by `staff_relay_secret`).
//! - [`privacy`]: a component's part of a citizen's export and erasure.
//! - [`signing`]: the steps of a signing flow, to the related request's timeline (requests).
//! - [`evidence`]: events for the commune's evidence log (signatures), through the outbox of
//!   `guichet_guest::evidence`.
//!
//! On the receiving side, [`refused`] turns a body that does not match its contract into the
//! 400 naming the member at fault (and logs it), before anything is written.

pub mod catalog;
pub mod communes;
pub mod contacts;
pub mod events;
#[cfg(feature = "evidence-sender")]
pub mod evidence;
pub mod mail;
pub mod portal;
pub mod privacy;
pub mod signing;
pub mod staff;

use anyhow::{anyhow, Context as _};
use guichet_contracts::Mismatch;
use serde::de::DeserializeOwned;
use serde::Serialize;
use spin_sdk::http::{Method, Request, Response};

use crate::{ApiError, FieldError};

/// A chained request's answer: its status and body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as the contract's `T`; an answer outside the contract is the callee's fault.
    pub fn decode<T: DeserializeOwned + Serialize>(&self, what: &str) -> anyhow::Result<T> {
        guichet_contracts::decode(&self.body)
            .with_context(|| format!("{what}: answer outside the contract"))
    }

    /// The body as JSON (an error answer `{"errors":[..]}`), `null` when empty or not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// `GET url` by service chaining.
pub(crate) async fn get(url: String) -> anyhow::Result<Answer> {
    send(Request::get(url.as_str()).build(), &url).await
}

/// `POST url` with `body` as JSON, by service chaining.
pub(crate) async fn post<T: Serialize>(url: String, body: &T) -> anyhow::Result<Answer> {
    let bytes = serde_json::to_vec(body).context("serialising a chained body")?;
    let request = Request::builder()
        .method(Method::Post)
        .uri(url.as_str())
        .header("content-type", "application/json")
        .body(bytes)
        .build();
    send(request, &url).await
}

pub(crate) async fn send(request: Request, url: &str) -> anyhow::Result<Answer> {
    // The URL only: bodies may hold personal data or links (secrets), never logged.
    let path = url.split('?').next().unwrap_or(url);
    let response: Response = spin_sdk::http::send(request)
        .await
        .map_err(|e| anyhow!("chaining to {path}: {e:?}"))?;
    Ok(Answer {
        status: *response.status(),
        body: response.body().to_vec(),
    })
}

/// A received body as its contract's `T`, or the 400 naming the member that does not match
/// (logged with `route`, the receiving route): the receiver has written nothing yet.
pub fn receive<T: DeserializeOwned + Serialize>(route: &str, body: &[u8]) -> Result<T, ApiError> {
    guichet_contracts::decode(body).map_err(|mismatch| refused(route, &mismatch))
}

/// The 400 for a chained body that does not match its contract, logged.
pub fn refused(route: &str, mismatch: &Mismatch) -> ApiError {
    eprintln!("{route}: body refused, outside its contract: {mismatch}");
    let error = if mismatch.field.is_empty() {
        FieldError::general("contract_mismatch", mismatch.message.clone())
    } else {
        FieldError::new(
            mismatch.field.clone(),
            "contract_mismatch",
            mismatch.message.clone(),
        )
    };
    ApiError::BadRequest {
        errors: vec![error],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_contracts::privacy::Subject;

    #[test]
    fn a_body_outside_its_contract_is_a_400_naming_the_member() {
        let refused = receive::<Subject>("test", br#"{"commune":"demo","account_id":7}"#).err();
        let Some(ApiError::BadRequest { errors }) = refused else {
            panic!("expected a 400, got {refused:?}");
        };
        assert_eq!(
            errors.first().and_then(|e| e.field.as_deref()),
            Some("account_id")
        );
        assert_eq!(
            errors.first().map(|e| e.code.as_str()),
            Some("contract_mismatch")
        );
    }

    #[test]
    fn a_missing_member_is_named() {
        let refused = receive::<Subject>("test", br#"{"commune":"demo"}"#).err();
        let Some(ApiError::BadRequest { errors }) = refused else {
            panic!("expected a 400, got {refused:?}");
        };
        assert_eq!(
            errors.first().and_then(|e| e.field.as_deref()),
            Some("account_id")
        );
    }
}
