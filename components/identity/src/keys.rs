//! Access-token signing keys (docs/SECURITY.md item 8).
//!
//! The secret Spin variable `identity_signing_keys` holds a JWKS of Ed25519 keys (RFC 8037
//! `OKP` keys, `kid`, `x`, and `d` for a key that signs). The first key signs; the others are
//! previous keys, still published so that tokens they signed verify until they expire. Rotating
//! takes three deployments: add the new key second (published), move it first (signing), then
//! drop the old one once its last tokens have expired.
//!
//! `GET /.well-known/jwks.json` publishes the public half of every key. The verifiers (the
//! `tokens` component composed into each component) read the same public JWKS from the Spin
//! variable `token_jwks`.

use anyhow::{bail, Context as _};
use jwt_simple::prelude::Ed25519KeyPair;
use serde::Deserialize;
use serde_json::{json, Value};

#[cfg(test)]
use crate::secrets::b64;
use crate::secrets::unb64;

const VARIABLE: &str = "identity_signing_keys";

#[derive(Deserialize)]
struct PrivateJwks {
    keys: Vec<PrivateJwk>,
}

#[derive(Deserialize)]
struct PrivateJwk {
    kty: String,
    crv: String,
    kid: String,
    x: String,
    #[serde(default)]
    d: Option<String>,
}

/// The keys in force.
pub struct SigningKeys {
    signer: Ed25519KeyPair,
    /// `(kid, x)` of every key, signer first.
    published: Vec<(String, String)>,
}

impl SigningKeys {
    /// From the Spin variable (a configuration fault is an error: identity cannot sign).
    pub fn configured() -> anyhow::Result<SigningKeys> {
        let text = spin_sdk::variables::get(VARIABLE)
            .with_context(|| format!("reading the Spin variable {VARIABLE}"))?;
        Self::parse(&text).with_context(|| format!("the Spin variable {VARIABLE}"))
    }

    pub fn parse(text: &str) -> anyhow::Result<SigningKeys> {
        let jwks: PrivateJwks = serde_json::from_str(text).context("not a JWKS")?;
        let mut published = Vec::new();
        let mut signer = None;
        for (i, key) in jwks.keys.iter().enumerate() {
            if key.kty != "OKP" || key.crv != "Ed25519" || key.kid.is_empty() {
                bail!("key {i}: only OKP Ed25519 keys with a kid are accepted");
            }
            let public = unb64(&key.x)
                .filter(|x| x.len() == 32)
                .context("x is not 32 base64url bytes")?;
            if i == 0 {
                let d = key.d.as_deref().and_then(unb64).filter(|d| d.len() == 32);
                let d = d.context("the first key signs: it needs its private part d")?;
                let pair = Ed25519KeyPair::from_bytes(&[d.as_slice(), public.as_slice()].concat())
                    .map_err(|e| anyhow::anyhow!("key {i}: {e}"))?;
                if pair.public_key().to_bytes() != public {
                    bail!("key {i}: x is not the public key of d");
                }
                signer = Some(pair.with_key_id(&key.kid));
            }
            published.push((key.kid.clone(), key.x.clone()));
        }
        let signer = signer.context("no keys")?;
        Ok(SigningKeys { signer, published })
    }

    pub fn signer(&self) -> &Ed25519KeyPair {
        &self.signer
    }

    /// The public JWKS.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .published
            .iter()
            .map(|(kid, x)| json!({"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":kid,"x":x}))
            .collect();
        json!({ "keys": keys })
    }
}

/// A key pair as a private JWK, the format of `identity_signing_keys`.
#[cfg(test)]
fn private_jwk(pair: &Ed25519KeyPair, kid: &str) -> Value {
    let bytes = pair.to_bytes();
    json!({"kty":"OKP","crv":"Ed25519","kid":kid,"x":b64(&bytes[32..]),"d":b64(&bytes[..32])})
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwt_simple::prelude::EdDSAKeyPairLike as _;

    #[test]
    fn the_first_key_signs_and_every_key_is_published() {
        let a = Ed25519KeyPair::generate();
        let b = Ed25519KeyPair::generate();
        let mut old = private_jwk(&b, "old");
        old.as_object_mut().map(|o| o.remove("d"));
        let text = json!({"keys":[private_jwk(&a, "new"), old]}).to_string();
        let keys = SigningKeys::parse(&text).ok();
        let keys = keys.as_ref();
        assert_eq!(
            keys.and_then(|k| k.signer().key_id().clone()).as_deref(),
            Some("new")
        );
        let jwks = keys.map(SigningKeys::jwks).unwrap_or_default();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k["kid"].as_str())
            .collect();
        assert_eq!(kids, ["new", "old"]);
        assert!(
            !jwks.to_string().contains("\"d\""),
            "private part published"
        );
    }

    #[test]
    fn a_signing_key_without_its_private_part_or_with_a_wrong_public_part_is_refused() {
        let a = Ed25519KeyPair::generate();
        let b = Ed25519KeyPair::generate();
        let mut no_d = private_jwk(&a, "k");
        no_d.as_object_mut().map(|o| o.remove("d"));
        assert!(SigningKeys::parse(&json!({"keys":[no_d]}).to_string()).is_err());
        let mut mixed = private_jwk(&a, "k");
        mixed["x"] = private_jwk(&b, "k")["x"].clone();
        assert!(SigningKeys::parse(&json!({"keys":[mixed]}).to_string()).is_err());
        assert!(SigningKeys::parse(r#"{"keys":[]}"#).is_err());
    }
}
