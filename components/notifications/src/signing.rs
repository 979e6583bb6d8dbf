//! Standard Webhooks signatures (<https://www.standardwebhooks.com>), both ways: the webhooks
//! notifications sends to a commune's own systems are signed with them, and the delivery
//! callbacks providers send to notifications are verified with them (many providers sign this
//! way already; one scheme, one implementation).
//!
//! A secret is `whsec_` followed by the base64 of its key bytes. The signed content is
//! `{webhook-id}.{webhook-timestamp}.{body}`; `webhook-signature` is a space-separated list of
//! `v1,<base64 HMAC-SHA256>`, one per secret in use, so that a receiver holding either the old
//! or the new secret during a rotation accepts the message.
//!
//! Pure: no database, no HTTP.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use subtle::ConstantTimeEq as _;

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// How far a callback's timestamp may be from now (the specification's recommendation).
pub const TOLERANCE_SECONDS: i64 = 5 * 60;
/// Key bytes of the secrets notifications makes (the specification asks 24 to 64).
pub const KEY_BYTES: usize = 32;

/// The key bytes of a `whsec_` secret, `None` when it is not one.
pub fn key_of(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.trim().strip_prefix(SECRET_PREFIX)?;
    let key = STANDARD.decode(encoded).ok()?;
    (!key.is_empty()).then_some(key)
}

/// A secret for `key`.
pub fn secret_of(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// A new random secret.
pub fn new_secret() -> anyhow::Result<String> {
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness from the host: {e}"))?;
    Ok(secret_of(&key))
}

/// `v1,<signature>` of `body` sent as message `id` at `timestamp` (Unix seconds) with `key`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1,{}", STANDARD.encode(mac(key, id, timestamp, body)))
}

/// The `webhook-signature` header value: one signature per key, space-separated.
pub fn header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|key| sign(key, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    let mut content = Vec::with_capacity(id.len() + body.len() + 24);
    content.extend_from_slice(id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.to_string().as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    hmac_sha256::HMAC::mac(&content, key)
}

/// Why a signed request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A header is missing or malformed (the header's name).
    Malformed(&'static str),
    /// The timestamp is too old or too far in the future (replay protection).
    Stale,
    /// No signature matches.
    BadSignature,
}

/// Checks a request signed with `key`: its `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` headers against `body`, at `now` (Unix seconds). Signatures are
/// compared in constant time; any one `v1` signature that matches is enough.
pub fn verify(
    key: &[u8],
    id: Option<&str>,
    timestamp: Option<&str>,
    signatures: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let id = id
        .filter(|id| !id.is_empty() && id.len() <= 256)
        .ok_or(Refusal::Malformed("webhook-id"))?;
    let timestamp: i64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(Refusal::Malformed("webhook-timestamp"))?;
    let signatures = signatures.ok_or(Refusal::Malformed("webhook-signature"))?;
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(Refusal::Stale);
    }
    let expected = mac(key, id, timestamp, body);
    let matched = signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|given| bool::from(given.as_slice().ct_eq(&expected)));
    if matched {
        Ok(())
    } else {
        Err(Refusal::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (its reference libraries' test).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn spec_key() -> Vec<u8> {
        key_of(SPEC_SECRET).unwrap_or_default()
    }

    #[test]
    fn the_specification_example_signs_to_its_published_signature() {
        assert_eq!(
            sign(&spec_key(), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn a_signature_verifies_within_five_minutes_and_not_after() {
        let key = spec_key();
        let ts = SPEC_TIMESTAMP.to_string();
        let check = |now: i64, sig: &str, body: &[u8]| {
            verify(&key, Some(SPEC_ID), Some(&ts), Some(sig), body, now)
        };
        assert_eq!(
            check(SPEC_TIMESTAMP + 299, SPEC_SIGNATURE, SPEC_BODY),
            Ok(())
        );
        assert_eq!(
            check(SPEC_TIMESTAMP + 301, SPEC_SIGNATURE, SPEC_BODY),
            Err(Refusal::Stale)
        );
        assert_eq!(
            check(SPEC_TIMESTAMP, SPEC_SIGNATURE, br#"{"test": 2432232315}"#),
            Err(Refusal::BadSignature)
        );
        // One good signature among several (a rotation) is enough.
        let both = format!("v1,AAAA {SPEC_SIGNATURE}");
        assert_eq!(check(SPEC_TIMESTAMP, &both, SPEC_BODY), Ok(()));
        assert_eq!(
            check(SPEC_TIMESTAMP, "v2,xyz", SPEC_BODY),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn missing_headers_are_named() {
        let key = spec_key();
        assert_eq!(
            verify(&key, None, Some("1"), Some("v1,x"), b"", 1),
            Err(Refusal::Malformed("webhook-id"))
        );
        assert_eq!(
            verify(&key, Some("m"), Some("soon"), Some("v1,x"), b"", 1),
            Err(Refusal::Malformed("webhook-timestamp"))
        );
        assert_eq!(
            verify(&key, Some("m"), Some("1"), None, b"", 1),
            Err(Refusal::Malformed("webhook-signature"))
        );
    }

    #[test]
    fn a_header_carries_one_signature_per_key_and_secrets_round_trip() {
        let keys = vec![vec![1u8; 32], vec![2u8; 32]];
        let header = header(&keys, "m1", 10, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        for key in &keys {
            assert_eq!(
                verify(key, Some("m1"), Some("10"), Some(&header), b"{}", 10),
                Ok(())
            );
        }
        assert_eq!(key_of(&secret_of(&[7u8; 24])), Some(vec![7u8; 24]));
        assert_eq!(key_of("sk_abc"), None);
        assert_eq!(key_of("whsec_"), None);
    }
}
