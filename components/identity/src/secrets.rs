//! Random secrets and how they are stored.
//!
//! Every secret handed out (one-time link, refresh token, session id, CSRF token) is 256 random
//! bits from `wasi:random`, written as base64url; the database keeps only its SHA-256, so a
//! leaked database cannot be replayed, and lookups stay exact (a secret is high-entropy, so an
//! unsalted fast hash is enough; passwords are different, see `password`).

use anyhow::anyhow;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// `n` random bytes.
pub fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness from the host: {e}"))?;
    Ok(bytes)
}

/// A new secret: 32 random bytes, base64url without padding (43 characters).
pub fn new_secret() -> anyhow::Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// A new opaque identifier (128 bits, 32 hex digits).
pub fn new_id() -> anyhow::Result<String> {
    Ok(random_bytes::<16>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The stored form of a secret: SHA-256, hex.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// base64url (no padding) of `bytes`.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Compares two secrets in constant time (for values that are not looked up by hash).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether `text` looks like a secret we hand out: 43 base64url characters. Anything else is
/// refused before touching the database.
pub fn is_well_formed(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_a_secret_is_its_sha256_in_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn only_43_base64url_characters_look_like_a_secret() {
        assert!(is_well_formed(&"a".repeat(43)));
        assert!(!is_well_formed(&"a".repeat(42)));
        assert!(!is_well_formed(&format!("{}=", "a".repeat(42))));
        assert!(!is_well_formed(&format!("{}/", "a".repeat(42))));
    }

    #[test]
    fn equal_secrets_compare_equal_and_others_do_not() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
