//! The verification keys: a JWKS (RFC 7517) of Ed25519 public keys (RFC 8037).
//!
//! Every key must be usable (`kty` "OKP", `crv` "Ed25519", a 32-byte base64url `x`, a unique
//! `kid`, and `alg` "EdDSA" when present): a key set with a broken key is a configuration fault
//! to fix, not something to half-use silently.

use jwt_simple::prelude::{Base64UrlSafeNoPadding, Ed25519PublicKey};
use jwt_simple::reexports::ct_codecs::Decoder as _;
use serde::Deserialize;

/// A verification key and the `kid` that tokens name it by.
pub struct Key {
    pub kid: String,
    pub public_key: Ed25519PublicKey,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
}

/// The keys of the JWKS `text`, or why it cannot be used.
pub fn parse(text: &str) -> Result<Vec<Key>, String> {
    let jwks: Jwks = serde_json::from_str(text)
        .map_err(|error| format!("not a JWKS ({{\"keys\":[…]}}): {error}"))?;
    if jwks.keys.is_empty() {
        return Err("the key set has no keys".into());
    }
    let mut keys: Vec<Key> = Vec::with_capacity(jwks.keys.len());
    for (index, jwk) in jwks.keys.into_iter().enumerate() {
        let key = parse_key(jwk).map_err(|reason| format!("key {index}: {reason}"))?;
        if keys.iter().any(|k| k.kid == key.kid) {
            return Err(format!("key {index}: kid {:?} is used twice", key.kid));
        }
        keys.push(key);
    }
    Ok(keys)
}

fn parse_key(jwk: Jwk) -> Result<Key, String> {
    if jwk.kty.as_deref() != Some("OKP") {
        return Err(format!("kty must be \"OKP\", found {:?}", jwk.kty));
    }
    if jwk.crv.as_deref() != Some("Ed25519") {
        return Err(format!("crv must be \"Ed25519\", found {:?}", jwk.crv));
    }
    if let Some(alg) = jwk.alg.as_deref().filter(|alg| *alg != "EdDSA") {
        return Err(format!("alg must be \"EdDSA\" when present, found {alg:?}"));
    }
    let kid = jwk
        .kid
        .filter(|kid| !kid.is_empty())
        .ok_or("kid is missing")?;
    let x = jwk.x.ok_or("x is missing")?;
    let bytes = Base64UrlSafeNoPadding::decode_to_vec(&x, None)
        .map_err(|_| "x is not base64url without padding".to_owned())?;
    if bytes.len() != 32 {
        return Err(format!("x must encode 32 bytes, found {}", bytes.len()));
    }
    let public_key = Ed25519PublicKey::from_bytes(&bytes)
        .map_err(|error| format!("x is not an Ed25519 public key: {error}"))?;
    Ok(Key { kid, public_key })
}

#[cfg(test)]
mod tests {
    use jwt_simple::prelude::{Base64UrlSafeNoPadding, Ed25519KeyPair};
    use jwt_simple::reexports::ct_codecs::Encoder as _;

    use super::*;

    fn x() -> String {
        let bytes = Ed25519KeyPair::generate().public_key().to_bytes();
        Base64UrlSafeNoPadding::encode_to_string(bytes).unwrap_or_default()
    }

    fn error(text: &str) -> String {
        parse(text).err().unwrap_or_default()
    }

    #[test]
    fn a_key_set_of_ed25519_keys_is_read_with_their_kids() {
        let text = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"k1","alg":"EdDSA"}},
                        {{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"k2"}}]}}"#,
            x(),
            x()
        );
        let kids: Vec<String> = parse(&text)
            .unwrap_or_default()
            .into_iter()
            .map(|k| k.kid)
            .collect();
        assert_eq!(kids, ["k1", "k2"]);
    }

    #[test]
    fn an_empty_key_set_is_not_usable() {
        assert_eq!(error(r#"{"keys":[]}"#), "the key set has no keys");
    }

    #[test]
    fn text_that_is_not_a_key_set_is_not_usable() {
        assert!(error("nope").starts_with("not a JWKS"));
        assert!(error(r#"{"kty":"OKP"}"#).starts_with("not a JWKS"));
    }

    #[test]
    fn keys_of_other_types_curves_or_algorithms_are_refused() {
        let x = x();
        let rsa = r#"{"keys":[{"kty":"RSA","kid":"r"}]}"#.to_owned();
        let curve = format!(r#"{{"keys":[{{"kty":"OKP","crv":"X25519","x":"{x}","kid":"k"}}]}}"#);
        let alg = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"k","alg":"HS256"}}]}}"#
        );
        for text in [rsa, curve, alg] {
            assert!(error(&text).starts_with("key 0:"), "{text}");
        }
    }

    #[test]
    fn a_key_without_kid_or_with_a_short_x_is_refused() {
        let x = x();
        let no_kid = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}]}}"#);
        assert_eq!(error(&no_kid), "key 0: kid is missing");
        let short = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"k"}]}"#;
        assert_eq!(error(short), "key 0: x must encode 32 bytes, found 3");
    }

    #[test]
    fn two_keys_with_the_same_kid_are_refused() {
        let text = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"k"}},{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"k"}}]}}"#,
            x(),
            x()
        );
        assert_eq!(error(&text), "key 1: kid \"k\" is used twice");
    }
}
