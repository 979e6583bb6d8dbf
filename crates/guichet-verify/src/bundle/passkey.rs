//! Passkey signatures in a bundle: each entry carries what an offline verifier needs to check
//! the WebAuthn assertion again (the context whose SHA-256 was the challenge, the
//! authenticator data, the client data, the signature) and the commune's statement giving
//! the passkey's public key to its holder.

use serde::{Deserialize, Serialize};

use super::{Bundle, SignatureReport};
use crate::b64;
use crate::claims::SignatureClaims;
use crate::jws::{self, Jwks};
use crate::webauthn::{self, Expected, PasskeyContext, PasskeyStatement, PublicKey};

/// The `method` of a passkey signature's claims.
pub const METHOD: &str = "passkey";

/// One passkey signature (all binary members in base64url without padding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySignatureEntry {
    pub flow: String,
    pub signer: String,
    /// The credential id.
    pub credential: String,
    /// The commune's statement (JWS, `typ` `guichet-passkey-statement+jws`).
    pub statement: String,
    /// The exact JSON bytes of the [`PasskeyContext`] whose SHA-256 was the challenge.
    pub context: String,
    pub authenticator_data: String,
    pub client_data_json: String,
    pub signature: String,
}

/// The verdict on `entry`, as [`super::verify`] reports every signature.
pub fn report(
    bundle: &Bundle,
    entry: &PasskeySignatureEntry,
    sha256: &str,
    commune_keys: &Jwks,
) -> SignatureReport {
    let checked = check(bundle, entry, sha256, commune_keys);
    SignatureReport {
        signer: entry.signer.clone(),
        kid: format!("passkey:{}", entry.credential),
        valid: checked.is_ok(),
        problem: checked.as_ref().err().cloned(),
        claims: checked.ok(),
    }
}

fn check(
    bundle: &Bundle,
    entry: &PasskeySignatureEntry,
    sha256: &str,
    commune_keys: &Jwks,
) -> Result<SignatureClaims, String> {
    let statement = statement(bundle, entry, commune_keys)?;
    let decode =
        |text: &str, what: &str| b64::decode(text).ok_or(format!("{what} is not base64url"));
    let key_bytes = decode(&statement.public_key, "the passkey's public key")?;
    let key = PublicKey::from_bytes(statement.alg, &key_bytes).map_err(|e| e.to_string())?;
    let context_bytes = decode(&entry.context, "the context")?;
    let context: PasskeyContext = serde_json::from_slice(&context_bytes)
        .map_err(|e| format!("unreadable passkey context: {e}"))?;
    if context.typ != webauthn::CONTEXT_TYPE {
        return Err("the passkey context is of another type".into());
    }
    let challenge = webauthn::challenge_of(&context_bytes);
    let expected = Expected {
        challenge: &challenge,
        origin: &statement.origin,
        rp_id: &statement.rp_id,
    };
    webauthn::verify_assertion(
        &key,
        &expected,
        &decode(&entry.authenticator_data, "the authenticator data")?,
        &decode(&entry.client_data_json, "the client data")?,
        &decode(&entry.signature, "the signature")?,
    )
    .map_err(|e| e.to_string())?;
    let claims = context.claims;
    let expected = [
        (claims.commune == bundle.commune, "another commune"),
        (claims.signer == entry.signer, "another signer"),
        (claims.flow == entry.flow, "another flow"),
        (claims.document == bundle.document.id, "another document"),
        (claims.version == bundle.document.version, "another version"),
        (claims.sha256 == sha256, "other bytes"),
        (claims.method == METHOD, "another method"),
    ];
    match expected.iter().find(|(holds, _)| !holds) {
        Some((_, what)) => Err(format!("the passkey signature is about {what}")),
        None => Ok(claims),
    }
}

/// The entry's statement, verified with the commune's keys, about this signer and credential.
fn statement(
    bundle: &Bundle,
    entry: &PasskeySignatureEntry,
    commune_keys: &Jwks,
) -> Result<PasskeyStatement, String> {
    let kid = jws::key_id(&entry.statement).map_err(|e| e.to_string())?;
    let commune_key = commune_keys
        .find(&kid)
        .ok_or("the passkey statement is signed by a key the commune does not publish")?
        .public_key()
        .map_err(|e| e.to_string())?;
    let payload = jws::verify(
        &entry.statement,
        webauthn::PASSKEY_STATEMENT_TYPE,
        &commune_key,
    )
    .map_err(|e| e.to_string())?;
    let statement: PasskeyStatement = serde_json::from_slice(&payload)
        .map_err(|e| format!("unreadable passkey statement: {e}"))?;
    if statement.commune != bundle.commune {
        return Err("the passkey statement is another commune's".into());
    }
    if statement.signer != entry.signer || statement.credential != entry.credential {
        return Err("the commune gave this passkey to someone else".into());
    }
    Ok(statement)
}

#[cfg(test)]
mod tests;
