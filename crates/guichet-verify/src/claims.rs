//! What Guichet's JWS payloads say.
//!
//! - [`SignatureClaims`] (`typ` [`SIGNATURE_TYPE`]), signed by the signer's own key: this
//!   signer, in this role and for this purpose, signed the document version whose SHA-256 is
//!   `sha256`, at `signed_at`, within flow `flow` of commune `commune`.
//! - [`KeyStatement`] (`typ` [`STATEMENT_TYPE`]), signed by the commune's key: the public key
//!   `jwk` belongs to the account `signer` of commune `commune`.

use serde::{Deserialize, Serialize};

use crate::jws::Jwk;

/// The `typ` of a signature's JWS.
pub const SIGNATURE_TYPE: &str = "guichet-signature+jws";
/// The `typ` of a key statement's JWS.
pub const STATEMENT_TYPE: &str = "guichet-key-statement+jws";

/// A signature's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureClaims {
    pub commune: String,
    /// The document's id and the version signed.
    pub document: String,
    pub version: u32,
    /// SHA-256 of the version's bytes, lowercase hex.
    pub sha256: String,
    /// The signer's account id.
    pub signer: String,
    /// The role the signer signs in (`approver`, `mayor`...), as the flow names it.
    pub role: String,
    /// Why the document is signed (the flow's purpose).
    pub purpose: String,
    /// The signing flow's id.
    pub flow: String,
    /// When, RFC 3339 UTC, and the same instant in Unix seconds (`iat`, as JOSE tools read).
    pub signed_at: String,
    pub iat: i64,
    /// How the signer proved it was them: `server-key` (a personal key held by the server,
    /// used right after the signer signed in again) or `passkey` (a WebAuthn assertion of
    /// the signer's own device; the claims are then the context its challenge binds, see
    /// [`crate::webauthn`]).
    pub method: String,
}

/// A key statement's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyStatement {
    pub commune: String,
    /// The account the key belongs to.
    pub signer: String,
    /// The signer's public key (its `kid` is the key's id).
    pub jwk: Jwk,
    /// When the key was enrolled, RFC 3339 UTC.
    pub issued_at: String,
}
