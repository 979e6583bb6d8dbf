//! Verifying one access token against the configured keys.
//!
//! Accepted layout (compact JWS):
//! - header: `{"alg":"EdDSA","kid":"<kid in token_jwks>"}`, optional `"typ":"JWT"` (jwt-simple
//!   refuses any other `typ` except `…+jwt`, e.g. `at+jwt`); no `crit`.
//! - claims: `iss` (= token_issuer), `sub`, `aud` (the commune, or an array containing it),
//!   `exp` (seconds), optional `nbf`/`iat`, and Guichet's own `typ: "access"`,
//!   `roles: [string]`, `departments: [string]` (both default to empty), optional
//!   `auth_time` (seconds: when the holder last signed in).

use std::collections::HashSet;

use jwt_simple::prelude::{
    Duration, EdDSAPublicKeyLike as _, JWTClaims, Token, UnixTimeStamp, VerificationOptions,
};
use jwt_simple::JWTError;
use serde::Deserialize;

use crate::bindings::exports::guichet::platform::tokens::{Claims, TokenError};
use crate::jwks::Key;

/// The only algorithm accepted, checked on the raw header before anything else: the key type
/// must never be chosen by the token (no `none`, no HS256 with the public key as secret).
const ALGORITHM: &str = "EdDSA";
/// Clock skew tolerated between the issuer and this host.
const SKEW_SECONDS: u64 = 60;
const ACCESS_TYPE: &str = "access";

/// Guichet's claims besides the registered ones.
#[derive(Deserialize)]
struct AccessClaims {
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    departments: Vec<String>,
    #[serde(default)]
    auth_time: Option<u64>,
}

/// Verifies `token` for `commune`; `now` replaces the clock in tests.
pub fn verify(
    token: &str,
    commune: &str,
    keys: &[Key],
    issuer: &str,
    now: Option<UnixTimeStamp>,
) -> Result<Claims, TokenError> {
    let metadata = Token::decode_metadata(token).map_err(|_| TokenError::Malformed)?;
    if metadata.algorithm() != ALGORITHM {
        return Err(TokenError::WrongAlgorithm);
    }
    let key = metadata
        .key_id()
        .and_then(|kid| keys.iter().find(|key| key.kid == kid))
        .ok_or(TokenError::UnknownKey)?;
    let options = VerificationOptions {
        allowed_issuers: Some(HashSet::from([issuer.to_owned()])),
        allowed_audiences: Some(HashSet::from([commune.to_owned()])),
        time_tolerance: Some(Duration::from_secs(SKEW_SECONDS)),
        artificial_time: now,
        ..VerificationOptions::default()
    };
    let claims: JWTClaims<AccessClaims> = key
        .public_key
        .verify_token(token, Some(options))
        .map_err(|error| refusal(&error))?;
    if claims.custom.typ.as_deref() != Some(ACCESS_TYPE) {
        return Err(TokenError::WrongType);
    }
    let subject = claims
        .subject
        .filter(|s| !s.is_empty())
        .ok_or(TokenError::Malformed)?;
    // jwt-simple only checks `exp` when present; an access token without one never expires.
    let expires_at = claims.expires_at.ok_or(TokenError::Malformed)?.as_secs();
    Ok(Claims {
        subject,
        commune: commune.to_owned(),
        roles: claims.custom.roles,
        departments: claims.custom.departments,
        expires_at,
        auth_time: claims.custom.auth_time,
    })
}

/// jwt-simple's refusals, variant by variant. Errors that are not `JWTError`s come from
/// base64, JSON or signature decoding: the token is malformed.
fn refusal(error: &jwt_simple::Error) -> TokenError {
    match error.downcast_ref::<JWTError>() {
        Some(JWTError::InvalidSignature) => TokenError::BadSignature,
        Some(JWTError::AlgorithmMismatch) => TokenError::WrongAlgorithm,
        Some(JWTError::TokenHasExpired | JWTError::TokenNotValidYet | JWTError::ClockDrift) => {
            TokenError::Expired
        }
        Some(JWTError::RequiredIssuerMismatch | JWTError::RequiredIssuerMissing) => {
            TokenError::WrongIssuer
        }
        Some(JWTError::RequiredAudienceMismatch | JWTError::RequiredAudienceMissing) => {
            TokenError::WrongAudience
        }
        _ => TokenError::Malformed,
    }
}

#[cfg(test)]
mod tests;
