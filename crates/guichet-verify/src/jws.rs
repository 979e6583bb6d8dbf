//! Compact JWS (RFC 7515) with Ed25519 (`alg: EdDSA`, RFC 8037) and Ed25519 public keys as
//! JWKs.
//!
//! The header is `{"alg":"EdDSA","kid":..,"typ":..}`. The verifier pins the algorithm (a
//! token never chooses how it is checked), refuses `crit` (no extension is understood) and
//! checks `typ`, so that a key statement can never pass for a signature or the reverse.

use ed25519_compact::{KeyPair, PublicKey, Signature};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::b64;

/// The only algorithm written and accepted.
pub const ALGORITHM: &str = "EdDSA";

/// Why a JWS or a key was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwsError {
    /// Not three base64url parts, or a header or payload that is not JSON.
    Malformed,
    /// `alg` is not EdDSA, or `crit` is present.
    WrongAlgorithm,
    /// `typ` is not the one expected here.
    WrongType,
    /// The signature does not verify with the key.
    BadSignature,
    /// A JWK that is not an Ed25519 public key.
    BadKey,
}

impl std::fmt::Display for JwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JwsError::Malformed => "not a well-formed compact JWS",
            JwsError::WrongAlgorithm => "the JWS algorithm is not EdDSA (or it has `crit`)",
            JwsError::WrongType => "the JWS is not of the expected type",
            JwsError::BadSignature => "the signature does not verify",
            JwsError::BadKey => "the key is not an Ed25519 public key",
        })
    }
}

/// An Ed25519 public key as a JWK (RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub kid: String,
    pub x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
}

impl Jwk {
    /// The JWK of `key`, named `kid`.
    pub fn ed25519(kid: &str, key: &PublicKey) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            kid: kid.into(),
            x: b64::encode(key.as_ref()),
            alg: Some(ALGORITHM.into()),
            usage: Some("sig".into()),
        }
    }

    /// The public key, when this JWK is an Ed25519 one.
    pub fn public_key(&self) -> Result<PublicKey, JwsError> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(JwsError::BadKey);
        }
        if self.alg.as_deref().is_some_and(|alg| alg != ALGORITHM) {
            return Err(JwsError::BadKey);
        }
        let bytes = b64::decode(&self.x).ok_or(JwsError::BadKey)?;
        PublicKey::from_slice(&bytes).map_err(|_| JwsError::BadKey)
    }
}

/// A set of keys (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// The key named `kid`.
    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|key| key.kid == kid)
    }
}

/// The header of a Guichet JWS.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crit: Option<Value>,
}

/// `payload` signed by `key` (named `kid`) as a compact JWS of type `typ`.
pub fn sign(typ: &str, kid: &str, payload: &[u8], key: &KeyPair) -> String {
    let header = Header {
        alg: ALGORITHM.into(),
        kid: kid.into(),
        typ: typ.into(),
        crit: None,
    };
    let header = serde_json::to_vec(&header).unwrap_or_default();
    let input = format!("{}.{}", b64::encode(&header), b64::encode(payload));
    let signature = key.sk.sign(input.as_bytes(), None);
    format!("{input}.{}", b64::encode(signature.as_ref()))
}

/// The `kid` of a compact JWS's header (to find its key), read without trusting anything.
pub fn key_id(compact: &str) -> Result<String, JwsError> {
    let (header, _, _) = parts(compact)?;
    Ok(header.kid)
}

/// The payload of `compact` when it is a JWS of type `typ` signed by `key` with EdDSA.
pub fn verify(compact: &str, typ: &str, key: &PublicKey) -> Result<Vec<u8>, JwsError> {
    let (header, payload, signature) = parts(compact)?;
    if header.alg != ALGORITHM || header.crit.is_some() {
        return Err(JwsError::WrongAlgorithm);
    }
    if header.typ != typ {
        return Err(JwsError::WrongType);
    }
    let input = compact
        .rsplit_once('.')
        .map(|(input, _)| input)
        .ok_or(JwsError::Malformed)?;
    key.verify(input.as_bytes(), &signature)
        .map_err(|_| JwsError::BadSignature)?;
    Ok(payload)
}

fn parts(compact: &str) -> Result<(Header, Vec<u8>, Signature), JwsError> {
    let mut pieces = compact.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return Err(JwsError::Malformed);
    };
    let header = b64::decode(header).ok_or(JwsError::Malformed)?;
    let header: Header = serde_json::from_slice(&header).map_err(|_| JwsError::Malformed)?;
    let payload = b64::decode(payload).ok_or(JwsError::Malformed)?;
    let signature = b64::decode(signature).ok_or(JwsError::Malformed)?;
    let signature = Signature::from_slice(&signature).map_err(|_| JwsError::Malformed)?;
    Ok((header, payload, signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_compact::Seed;

    fn pair(byte: u8) -> KeyPair {
        KeyPair::from_seed(Seed::new([byte; 32]))
    }

    #[test]
    fn a_signed_payload_verifies_with_its_key_only() {
        let key = pair(1);
        let jws = sign("t", "k1", b"{\"a\":1}", &key);
        assert_eq!(verify(&jws, "t", &key.pk).as_deref(), Ok(&b"{\"a\":1}"[..]));
        assert_eq!(verify(&jws, "t", &pair(2).pk), Err(JwsError::BadSignature));
        assert_eq!(key_id(&jws).as_deref(), Ok("k1"));
    }

    #[test]
    fn another_type_or_algorithm_or_an_edited_payload_is_refused() {
        let key = pair(1);
        let jws = sign("t", "k1", b"{}", &key);
        assert_eq!(verify(&jws, "other", &key.pk), Err(JwsError::WrongType));
        let (_, rest) = jws.split_once('.').expect("parts");
        let none = b64::encode(br#"{"alg":"none","kid":"k1","typ":"t"}"#);
        assert_eq!(
            verify(&format!("{none}.{rest}"), "t", &key.pk),
            Err(JwsError::WrongAlgorithm)
        );
        let parts: Vec<&str> = jws.split('.').collect();
        let edited = format!("{}.{}.{}", parts[0], b64::encode(b"{ }"), parts[2]);
        assert_eq!(verify(&edited, "t", &key.pk), Err(JwsError::BadSignature));
        assert_eq!(verify("a.b", "t", &key.pk), Err(JwsError::Malformed));
    }

    #[test]
    fn the_rfc_8037_test_key_gives_its_published_jwk() {
        // RFC 8037 appendix A.1/A.2: this secret key has this public `x`.
        let seed = b64::decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A").expect("d");
        let seed: [u8; 32] = seed.try_into().expect("32 bytes");
        let key = KeyPair::from_seed(Seed::new(seed));
        let jwk = Jwk::ed25519("rfc", &key.pk);
        assert_eq!(jwk.x, "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assert_eq!(jwk.public_key(), Ok(key.pk));
    }
}
