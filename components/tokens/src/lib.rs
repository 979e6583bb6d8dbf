//! Guichet's access-token verifier: a library component (no HTTP route) exporting
//! `guichet:platform/tokens@0.1.0` (world `token-verifier` of the root `wit/` folder).
//!
//! Spin composes it into every component that serves authenticated routes
//! (`[component.X.dependencies]` in spin.toml, with `dependencies_inherit_configuration` so that
//! it reads X's variables):
//!
//! - `token_jwks`: the JWKS of the Ed25519 public keys that sign access tokens ([`jwks`]),
//! - `token_issuer`: the expected `iss`.
//!
//! [`verify`] checks a compact JWS: algorithm pinned to EdDSA on the raw header, known `kid`,
//! signature, then `iss`, `aud` (the commune), `exp`/`nbf`/`iat` with 60 s of skew and
//! `typ == "access"`. Variables are read on every call: an instance lives for one request.

mod jwks;
mod verify;

use bindings::exports::guichet::platform::tokens::{Claims, Guest, TokenError};

#[allow(
    unsafe_code,
    reason = "wit-bindgen's generated glue code for the export is unsafe"
)]
mod bindings {
    wit_bindgen::generate!({
        world: "token-verifier",
        path: "../../wit",
        // Lets the unit tests compare verdicts.
        additional_derives: [PartialEq],
    });
}

const JWKS_VARIABLE: &str = "token_jwks";
const ISSUER_VARIABLE: &str = "token_issuer";

struct Verifier;

impl Guest for Verifier {
    fn verify(token: String, commune: String) -> Result<Claims, TokenError> {
        let keys = variable(JWKS_VARIABLE).and_then(|text| {
            jwks::parse(&text).map_err(|reason| format!("{JWKS_VARIABLE}: {reason}"))
        });
        let issuer = variable(ISSUER_VARIABLE).and_then(|issuer| {
            if issuer.trim().is_empty() {
                Err(format!("{ISSUER_VARIABLE} is empty"))
            } else {
                Ok(issuer)
            }
        });
        let (keys, issuer) = match (keys, issuer) {
            (Ok(keys), Ok(issuer)) => (keys, issuer),
            (Err(reason), _) | (_, Err(reason)) => return Err(TokenError::NotConfigured(reason)),
        };
        verify::verify(&token, &commune, &keys, &issuer, None)
    }
}

fn variable(name: &str) -> Result<String, String> {
    spin_sdk::variables::get(name).map_err(|error| format!("cannot read {name}: {error:?}"))
}

#[allow(
    unsafe_code,
    reason = "the export glue wit-bindgen generates is unsafe"
)]
mod export {
    use super::Verifier;

    crate::bindings::export!(Verifier with_types_in crate::bindings);
}
