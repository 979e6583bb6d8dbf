//! A registration's attestation object (WebAuthn §6.5), read with `ciborium`: only the
//! `none` attestation format is accepted (Guichet trusts the agent who enrols, not a vendor's
//! certificate), and the credential's public key is taken from its COSE form (RFC 9052):
//! ES256 on P-256 (`kty` 2, `alg` -7, `crv` 1) or EdDSA on Ed25519 (`kty` 1, `alg` -8,
//! `crv` 6).

use ciborium::value::Value;
use guichet_verify::webauthn::{self, AuthenticatorFacts, PublicKey, EDDSA, ES256};

/// Authenticator data flag: attested credential data included.
const ATTESTED: u8 = 0x40;

/// What a registration gives: the credential and its public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub credential_id: Vec<u8>,
    pub alg: i64,
    /// SEC1 uncompressed point (ES256) or the 32 bytes of an Ed25519 key.
    pub public_key: Vec<u8>,
    pub facts: AuthenticatorFacts,
}

/// Why an attestation object was refused: (code, message), about `attestation_object`.
pub type Problem = (&'static str, &'static str);

const MALFORMED: Problem = ("malformed", "not a WebAuthn attestation object (CBOR)");

/// Reads `bytes` (the attestation object) made for `rp_id`.
pub fn read(bytes: &[u8], rp_id: &str) -> Result<Registered, Problem> {
    let value: Value = ciborium::de::from_reader(bytes).map_err(|_| MALFORMED)?;
    let map = value.as_map().ok_or(MALFORMED)?;
    let member = |name: &str| {
        map.iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    };
    let format = member("fmt").and_then(Value::as_text).ok_or(MALFORMED)?;
    if format != "none" {
        return Err((
            "unsupported_attestation",
            "only the \"none\" attestation format is accepted: ask for attestation \"none\"",
        ));
    }
    let statement = member("attStmt").and_then(Value::as_map).ok_or(MALFORMED)?;
    if !statement.is_empty() {
        return Err(MALFORMED);
    }
    let data = member("authData")
        .and_then(Value::as_bytes)
        .ok_or(MALFORMED)?;
    let facts = webauthn::check_authenticator_data(data, rp_id).map_err(|e| match e {
        webauthn::WebAuthnError::WrongRpId => ("wrong_rp_id", "made for another relying party id"),
        webauthn::WebAuthnError::UserNotVerified => (
            "user_not_verified",
            "the user was not present and verified (PIN or biometrics)",
        ),
        _ => MALFORMED,
    })?;
    if facts.flags & ATTESTED == 0 || data.len() < 55 {
        return Err((
            "no_credential",
            "the authenticator data holds no credential",
        ));
    }
    let length = usize::from(u16::from_be_bytes([data[53], data[54]]));
    let credential_id = data.get(55..55 + length).ok_or(MALFORMED)?.to_vec();
    let mut rest = &data[55 + length..];
    let key: Value = ciborium::de::from_reader(&mut rest).map_err(|_| MALFORMED)?;
    let (alg, public_key) = cose_key(&key)?;
    Ok(Registered {
        credential_id,
        alg,
        public_key,
        facts,
    })
}

/// The algorithm and key bytes of a COSE key, checked to be a usable key.
fn cose_key(key: &Value) -> Result<(i64, Vec<u8>), Problem> {
    const UNSUPPORTED: Problem = (
        "unsupported_algorithm",
        "the passkey must use ES256 (-7) or EdDSA (-8)",
    );
    let map = key.as_map().ok_or(MALFORMED)?;
    let label = |n: i64| {
        map.iter()
            .find(|(k, _)| {
                k.as_integer()
                    .is_some_and(|i| i128::from(i) == i128::from(n))
            })
            .map(|(_, v)| v)
    };
    let int = |n: i64| label(n).and_then(Value::as_integer).map(i128::from);
    let bytes = |n: i64| label(n).and_then(Value::as_bytes).filter(|b| b.len() == 32);
    let public_key = match (int(1), int(3), int(-1)) {
        (Some(2), Some(-7), Some(1)) => {
            let (x, y) = bytes(-2).zip(bytes(-3)).ok_or(MALFORMED)?;
            let mut point = vec![0x04];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            (ES256, point)
        }
        (Some(1), Some(-8), Some(6)) => (EDDSA, bytes(-2).ok_or(MALFORMED)?.clone()),
        _ => return Err(UNSUPPORTED),
    };
    PublicKey::from_bytes(public_key.0, &public_key.1)
        .map_err(|_| ("bad_key", "the public key is not a point of its curve"))?;
    Ok(public_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn cbor(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(value, &mut out).expect("cbor");
        out
    }

    fn attestation(fmt: &str, rp_id: &str, flags: u8, key: &Value) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&[0, 0, 0, 0]);
        data.extend_from_slice(&[0; 16]);
        data.extend_from_slice(&[0, 3, 7, 8, 9]);
        data.extend_from_slice(&cbor(key));
        cbor(&Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text(fmt.into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (Value::Text("authData".into()), Value::Bytes(data)),
        ]))
    }

    fn ed25519_key() -> Value {
        let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([7; 32]));
        Value::Map(vec![
            (Value::Integer(1.into()), Value::Integer(1.into())),
            (Value::Integer(3.into()), Value::Integer((-8).into())),
            (Value::Integer((-1).into()), Value::Integer(6.into())),
            (Value::Integer((-2).into()), Value::Bytes(pair.pk.to_vec())),
        ])
    }

    #[test]
    fn a_none_attestation_with_an_ed25519_key_gives_the_credential_and_key() {
        let bytes = attestation("none", "demo.localhost", 0x45, &ed25519_key());
        let got = read(&bytes, "demo.localhost").expect("read");
        assert_eq!(got.credential_id, vec![7, 8, 9]);
        assert_eq!(got.alg, EDDSA);
        assert_eq!(got.public_key.len(), 32);
    }

    #[test]
    fn another_rp_id_an_unverified_user_or_another_format_is_refused() {
        let key = ed25519_key();
        let other = attestation("none", "evil.example", 0x45, &key);
        assert_eq!(
            read(&other, "demo.localhost").map_err(|e| e.0),
            Err("wrong_rp_id")
        );
        let unverified = attestation("none", "demo.localhost", 0x41, &key);
        assert_eq!(
            read(&unverified, "demo.localhost").map_err(|e| e.0),
            Err("user_not_verified")
        );
        let packed = attestation("packed", "demo.localhost", 0x45, &key);
        assert_eq!(
            read(&packed, "demo.localhost").map_err(|e| e.0),
            Err("unsupported_attestation")
        );
        assert_eq!(
            read(b"\x01\x02", "demo.localhost").map_err(|e| e.0),
            Err("malformed")
        );
    }

    #[test]
    fn an_rs256_key_is_refused_as_unsupported() {
        let rsa = Value::Map(vec![
            (Value::Integer(1.into()), Value::Integer(3.into())),
            (Value::Integer(3.into()), Value::Integer((-257).into())),
        ]);
        let bytes = attestation("none", "demo.localhost", 0x45, &rsa);
        assert_eq!(
            read(&bytes, "demo.localhost").map_err(|e| e.0),
            Err("unsupported_algorithm")
        );
    }
}
