//! Passkey signatures (WebAuthn Level 2 assertions), in one place for the `signatures`
//! component that accepts them and for `guichet-verify`, which checks them again offline.
//!
//! A passkey signature is an assertion whose challenge is the SHA-256 of a
//! [`PasskeyContext`] (the signature's claims and a one-time nonce) as JSON:
//! the authenticator signs `authenticatorData || SHA-256(clientDataJSON)`, and the client data
//! holds that challenge, so the signature binds the document's digest, the signer, the flow,
//! the purpose and the time. [`verify_assertion`] checks the client data (type, challenge,
//! origin, not cross-origin), the authenticator data (RP ID hash, user present, user
//! verified) and the signature (ES256 on P-256, or EdDSA on Ed25519) with the public key the
//! commune's [`PasskeyStatement`] gives the signer.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::b64;
use crate::claims::SignatureClaims;

/// The `typ` of the commune's statement binding a passkey to its holder.
pub const PASSKEY_STATEMENT_TYPE: &str = "guichet-passkey-statement+jws";
/// The `typ` member of a [`PasskeyContext`].
pub const CONTEXT_TYPE: &str = "guichet-passkey-signature/1";
/// COSE algorithm numbers (RFC 9053): ECDSA with SHA-256 on P-256, and EdDSA (Ed25519).
pub const ES256: i64 = -7;
pub const EDDSA: i64 = -8;

/// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;

/// What a passkey signature's challenge is the SHA-256 of (as the exact JSON bytes kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyContext {
    /// Always [`CONTEXT_TYPE`].
    pub typ: String,
    /// What is signed: the same claims a server-key signature's JWS carries (`method`
    /// `passkey`).
    pub claims: SignatureClaims,
    /// Random, once: two challenges are never the same.
    pub nonce: String,
}

/// The commune's statement (a JWS of type [`PASSKEY_STATEMENT_TYPE`] by the commune's key):
/// this passkey belongs to this account and is used at this origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyStatement {
    pub commune: String,
    /// The account the passkey belongs to.
    pub signer: String,
    /// The credential id, base64url.
    pub credential: String,
    /// [`ES256`] or [`EDDSA`].
    pub alg: i64,
    /// The public key, base64url: the uncompressed SEC1 point (65 bytes) for ES256, the 32
    /// bytes of RFC 8032 for EdDSA.
    pub public_key: String,
    /// The relying party id and the origin the passkey signs for.
    pub rp_id: String,
    pub origin: String,
    /// When it was enrolled, RFC 3339 UTC.
    pub issued_at: String,
}

/// A passkey's public key, ready to verify.
#[derive(Debug, Clone)]
pub enum PublicKey {
    Es256(p256::ecdsa::VerifyingKey),
    EdDsa(ed25519_compact::PublicKey),
}

impl PublicKey {
    /// The key of algorithm `alg` from its bytes (see [`PasskeyStatement::public_key`]).
    pub fn from_bytes(alg: i64, bytes: &[u8]) -> Result<PublicKey, WebAuthnError> {
        match alg {
            ES256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                .map(PublicKey::Es256)
                .map_err(|_| WebAuthnError::BadKey),
            EDDSA => ed25519_compact::PublicKey::from_slice(bytes)
                .map(PublicKey::EdDsa)
                .map_err(|_| WebAuthnError::BadKey),
            _ => Err(WebAuthnError::BadKey),
        }
    }

    /// Whether `signature` (DER for ES256, 64 bytes for EdDSA) signs `message`.
    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::Es256(key) => {
                use p256::ecdsa::signature::Verifier as _;
                p256::ecdsa::Signature::from_der(signature)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok())
            }
            PublicKey::EdDsa(key) => ed25519_compact::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
        }
    }
}

/// Why an assertion (or a registration's client data) was refused, each naming the member at
/// fault as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebAuthnError {
    /// clientDataJSON is not JSON with `type`, `challenge` and `origin`.
    MalformedClientData,
    /// Its `type` is not the ceremony's (`webauthn.get` or `webauthn.create`).
    WrongType,
    /// Its challenge is not the one expected.
    WrongChallenge,
    /// Its origin is another site's, or the call came from a frame of another site.
    CrossOrigin,
    /// authenticatorData is shorter than 37 bytes.
    MalformedAuthenticatorData,
    /// It was made for another relying party id.
    WrongRpId,
    /// The user was not present, or not verified (PIN, biometrics).
    UserNotVerified,
    /// The signature does not verify with the key.
    BadSignature,
    /// The key is not an ES256 or EdDSA public key.
    BadKey,
}

impl WebAuthnError {
    /// The request member at fault.
    pub fn field(self) -> &'static str {
        match self {
            WebAuthnError::MalformedClientData | WebAuthnError::WrongType => "client_data_json",
            WebAuthnError::WrongChallenge => "client_data_json.challenge",
            WebAuthnError::CrossOrigin => "client_data_json.origin",
            WebAuthnError::MalformedAuthenticatorData
            | WebAuthnError::WrongRpId
            | WebAuthnError::UserNotVerified => "authenticator_data",
            WebAuthnError::BadSignature => "signature",
            WebAuthnError::BadKey => "credential",
        }
    }

    /// A stable code.
    pub fn code(self) -> &'static str {
        match self {
            WebAuthnError::MalformedClientData => "malformed",
            WebAuthnError::WrongType => "wrong_type",
            WebAuthnError::WrongChallenge => "wrong_challenge",
            WebAuthnError::CrossOrigin => "cross_origin",
            WebAuthnError::MalformedAuthenticatorData => "malformed",
            WebAuthnError::WrongRpId => "wrong_rp_id",
            WebAuthnError::UserNotVerified => "user_not_verified",
            WebAuthnError::BadSignature => "invalid",
            WebAuthnError::BadKey => "bad_key",
        }
    }
}

impl std::fmt::Display for WebAuthnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WebAuthnError::MalformedClientData => "the client data is not WebAuthn client data",
            WebAuthnError::WrongType => "the client data is of another ceremony",
            WebAuthnError::WrongChallenge => "the client data answers another challenge",
            WebAuthnError::CrossOrigin => "the assertion was made for another origin",
            WebAuthnError::MalformedAuthenticatorData => "the authenticator data is too short",
            WebAuthnError::WrongRpId => "the authenticator data is for another relying party",
            WebAuthnError::UserNotVerified => "the user was not present and verified",
            WebAuthnError::BadSignature => "the passkey signature does not verify",
            WebAuthnError::BadKey => "the passkey's public key is not usable",
        })
    }
}

/// The client data members Guichet checks (WebAuthn §5.8.1).
#[derive(Debug, Deserialize)]
pub struct ClientData {
    #[serde(rename = "type")]
    pub kind: String,
    pub challenge: String,
    pub origin: String,
    #[serde(default, rename = "crossOrigin")]
    pub cross_origin: Option<bool>,
}

impl ClientData {
    pub fn parse(bytes: &[u8]) -> Result<ClientData, WebAuthnError> {
        serde_json::from_slice(bytes).map_err(|_| WebAuthnError::MalformedClientData)
    }

    /// Checks the ceremony `kind`, the `challenge` and the `origin`.
    pub fn check(&self, kind: &str, challenge: &[u8], origin: &str) -> Result<(), WebAuthnError> {
        if self.kind != kind {
            return Err(WebAuthnError::WrongType);
        }
        if b64::decode(&self.challenge).as_deref() != Some(challenge) {
            return Err(WebAuthnError::WrongChallenge);
        }
        if self.origin != origin || self.cross_origin == Some(true) {
            return Err(WebAuthnError::CrossOrigin);
        }
        Ok(())
    }
}

/// What the authenticator data says (WebAuthn §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatorFacts {
    pub flags: u8,
    pub sign_count: u32,
}

/// The first 37 bytes of authenticator data, checked against `rp_id`: its hash, and the user
/// present and verified.
pub fn check_authenticator_data(
    data: &[u8],
    rp_id: &str,
) -> Result<AuthenticatorFacts, WebAuthnError> {
    if data.len() < 37 {
        return Err(WebAuthnError::MalformedAuthenticatorData);
    }
    if data[..32] != Sha256::digest(rp_id.as_bytes())[..] {
        return Err(WebAuthnError::WrongRpId);
    }
    let flags = data[32];
    if flags & USER_PRESENT == 0 || flags & USER_VERIFIED == 0 {
        return Err(WebAuthnError::UserNotVerified);
    }
    let sign_count = u32::from_be_bytes([data[33], data[34], data[35], data[36]]);
    Ok(AuthenticatorFacts { flags, sign_count })
}

/// What an assertion must answer.
pub struct Expected<'a> {
    pub challenge: &'a [u8],
    pub origin: &'a str,
    pub rp_id: &'a str,
}

/// Checks an assertion (`webauthn.get`) made with `key`, and answers what its authenticator
/// data says (the caller compares the signature counter with the one it stored).
pub fn verify_assertion(
    key: &PublicKey,
    expected: &Expected,
    authenticator_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
) -> Result<AuthenticatorFacts, WebAuthnError> {
    ClientData::parse(client_data_json)?.check(
        "webauthn.get",
        expected.challenge,
        expected.origin,
    )?;
    let facts = check_authenticator_data(authenticator_data, expected.rp_id)?;
    let mut signed = authenticator_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data_json));
    if !key.verifies(&signed, signature) {
        return Err(WebAuthnError::BadSignature);
    }
    Ok(facts)
}

/// The challenge of a context: the SHA-256 of its exact JSON bytes.
pub fn challenge_of(context_json: &[u8]) -> [u8; 32] {
    Sha256::digest(context_json).into()
}

/// Whether a signature counter may follow the one stored (WebAuthn §6.1.1): when either is
/// not zero, it must have grown (otherwise the authenticator may have been cloned).
pub fn counter_follows(stored: u32, received: u32) -> bool {
    (stored == 0 && received == 0) || received > stored
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;

    const ORIGIN: &str = "https://guichet.example";
    const RP: &str = "guichet.example";

    fn data(rp_id: &str, flags: u8, counter: u32) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&counter.to_be_bytes());
        data
    }

    fn client(kind: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
        format!(
            r#"{{"type":"{kind}","challenge":"{}","origin":"{origin}","crossOrigin":false}}"#,
            b64::encode(challenge)
        )
        .into_bytes()
    }

    fn signed(data: &[u8], client: &[u8]) -> Vec<u8> {
        let mut message = data.to_vec();
        message.extend_from_slice(&Sha256::digest(client));
        message
    }

    #[test]
    fn an_es256_and_an_eddsa_assertion_verify_and_each_wrong_part_is_named() {
        let challenge = challenge_of(br#"{"typ":"x"}"#);
        let expected = Expected {
            challenge: &challenge,
            origin: ORIGIN,
            rp_id: RP,
        };
        let es = p256::ecdsa::SigningKey::from_slice(&[3; 32]).expect("key");
        let es_key =
            PublicKey::from_bytes(ES256, es.verifying_key().to_sec1_point(false).as_bytes())
                .expect("pk");
        let ed = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([4; 32]));
        let ed_key = PublicKey::from_bytes(EDDSA, ed.pk.as_ref()).expect("pk");
        let (d, c) = (
            data(RP, 0x05, 9),
            client("webauthn.get", &challenge, ORIGIN),
        );
        let es_sig: p256::ecdsa::Signature = es.sign(&signed(&d, &c));
        let es_sig = es_sig.to_der().as_bytes().to_vec();
        let ed_sig = ed.sk.sign(signed(&d, &c), None).to_vec();
        let facts = verify_assertion(&es_key, &expected, &d, &c, &es_sig).expect("es256");
        assert_eq!(facts.sign_count, 9);
        assert!(verify_assertion(&ed_key, &expected, &d, &c, &ed_sig).is_ok());
        // The other key, another ceremony, challenge, origin, RP ID, or no user verification.
        let fails = |d: &[u8], c: &[u8]| verify_assertion(&es_key, &expected, d, c, &es_sig).err();
        assert_eq!(
            verify_assertion(&ed_key, &expected, &d, &c, &es_sig).err(),
            Some(WebAuthnError::BadSignature)
        );
        assert_eq!(
            fails(&d, &client("webauthn.create", &challenge, ORIGIN)),
            Some(WebAuthnError::WrongType)
        );
        assert_eq!(
            fails(&d, &client("webauthn.get", &[0; 32], ORIGIN)),
            Some(WebAuthnError::WrongChallenge)
        );
        assert_eq!(
            fails(
                &d,
                &client("webauthn.get", &challenge, "https://evil.example")
            ),
            Some(WebAuthnError::CrossOrigin)
        );
        assert_eq!(
            fails(&data("evil.example", 0x05, 9), &c),
            Some(WebAuthnError::WrongRpId)
        );
        assert_eq!(
            fails(&data(RP, 0x01, 9), &c),
            Some(WebAuthnError::UserNotVerified)
        );
        assert_eq!(
            fails(&data(RP, 0x05, 10), &c),
            Some(WebAuthnError::BadSignature)
        );
        assert_eq!(
            fails(&d[..20], &c),
            Some(WebAuthnError::MalformedAuthenticatorData)
        );
        assert_eq!(
            fails(&d, b"not json"),
            Some(WebAuthnError::MalformedClientData)
        );
        assert_eq!(
            WebAuthnError::CrossOrigin.field(),
            "client_data_json.origin"
        );
    }

    #[test]
    fn a_counter_must_grow_unless_both_are_zero() {
        assert!(counter_follows(0, 0));
        assert!(counter_follows(0, 1));
        assert!(counter_follows(4, 5));
        assert!(!counter_follows(5, 5));
        assert!(!counter_follows(5, 0));
    }
}
