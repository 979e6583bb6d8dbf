//! A software WebAuthn authenticator for the passkey tests: it makes what a phone's
//! authenticator answers `navigator.credentials.create` (an attestation object, format
//! `none`, with a COSE ES256 or EdDSA key) and `navigator.credentials.get` (authenticator
//! data, client data, a signature over both), with real keys (p256, ed25519-compact) and real
//! CBOR (ciborium), so that a test can also make the wrong answers a browser never would:
//! another origin, another RP ID, a counter that does not grow.

use ciborium::value::Value as Cbor;
use guichet_verify::b64;
use p256::ecdsa::signature::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The passkey's algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Es256,
    EdDsa,
}

/// One passkey on one authenticator.
pub struct Authenticator {
    pub alg: Alg,
    es256: p256::ecdsa::SigningKey,
    ed25519: ed25519_compact::KeyPair,
    pub credential: Vec<u8>,
    pub counter: u32,
    pub origin: String,
    pub rp_id: String,
}

/// User present and user verified; attested credential data.
pub const UP_UV: u8 = 0x05;
const ATTESTED: u8 = 0x40;

impl Authenticator {
    /// A passkey made from `seed` for the site at `origin` (its host name is the RP ID).
    pub fn new(alg: Alg, seed: u8, origin: &str) -> Authenticator {
        let host = origin.split_once("://").map_or(origin, |(_, h)| h);
        let rp_id = host
            .rsplit_once(':')
            .map_or(host, |(name, _)| name)
            .to_owned();
        Authenticator {
            alg,
            es256: p256::ecdsa::SigningKey::from_slice(&[seed.max(1); 32]).expect("p256 key"),
            ed25519: ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([seed; 32])),
            credential: vec![seed, 0xc7, 0x1d, 0x42, seed, 0x99, 0x10, 0x01],
            counter: 0,
            origin: origin.to_owned(),
            rp_id,
        }
    }

    fn cose_key(&self) -> Cbor {
        let int = |n: i64| Cbor::Integer(n.into());
        match self.alg {
            Alg::Es256 => {
                let point = self.es256.verifying_key().to_sec1_point(false);
                Cbor::Map(vec![
                    (int(1), int(2)),
                    (int(3), int(-7)),
                    (int(-1), int(1)),
                    (int(-2), Cbor::Bytes(point.x().expect("x").to_vec())),
                    (int(-3), Cbor::Bytes(point.y().expect("y").to_vec())),
                ])
            }
            Alg::EdDsa => Cbor::Map(vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(6)),
                (int(-2), Cbor::Bytes(self.ed25519.pk.to_vec())),
            ]),
        }
    }

    fn authenticator_data(&self, rp_id: &str, flags: u8, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(if attested { flags | ATTESTED } else { flags });
        data.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            data.extend_from_slice(&[0; 16]);
            let length = u16::try_from(self.credential.len()).expect("short id");
            data.extend_from_slice(&length.to_be_bytes());
            data.extend_from_slice(&self.credential);
            ciborium::ser::into_writer(&self.cose_key(), &mut data).expect("cbor");
        }
        data
    }

    fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
        json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    /// The body of `POST passkeys` answering registration `options`.
    pub fn register(&self, options: &Value) -> Value {
        let challenge = options["challenge"].as_str().expect("challenge");
        let data = self.authenticator_data(&self.rp_id, UP_UV, true);
        let mut attestation = Vec::new();
        let object = Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(data)),
        ]);
        ciborium::ser::into_writer(&object, &mut attestation).expect("cbor");
        json!({
            "credential": b64::encode(&self.credential),
            "client_data_json": b64::encode(&Self::client_data("webauthn.create", challenge, &self.origin)),
            "attestation_object": b64::encode(&attestation),
            "name": format!("{:?} test key", self.alg),
        })
    }

    /// The body of `POST flows/{id}/passkey/sign` answering signing `options` (the counter
    /// goes up by one first).
    pub fn assert(&mut self, options: &Value) -> Value {
        self.counter += 1;
        let challenge = options["challenge"].as_str().expect("challenge").to_owned();
        let (origin, rp_id) = (self.origin.clone(), self.rp_id.clone());
        self.assert_as(&challenge, &origin, &rp_id, UP_UV)
    }

    /// An assertion of `challenge` as if made at `origin` for `rp_id` with `flags` (the
    /// counter as it is).
    pub fn assert_as(&self, challenge: &str, origin: &str, rp_id: &str, flags: u8) -> Value {
        let data = self.authenticator_data(rp_id, flags, false);
        let client = Self::client_data("webauthn.get", challenge, origin);
        let mut signed = data.clone();
        signed.extend_from_slice(&Sha256::digest(&client));
        let signature = match self.alg {
            Alg::Es256 => {
                let signature: p256::ecdsa::Signature = self.es256.sign(&signed);
                signature.to_der().as_bytes().to_vec()
            }
            Alg::EdDsa => self.ed25519.sk.sign(&signed, None).to_vec(),
        };
        json!({
            "credential": b64::encode(&self.credential),
            "client_data_json": b64::encode(&client),
            "authenticator_data": b64::encode(&data),
            "signature": b64::encode(&signature),
            "user_handle": null,
        })
    }
}
