//! The inbound e-mail webhook's shared secret, compared in constant time (a byte-by-byte
//! early exit would let an attacker find it one character at a time by timing).

use sha2::{Digest as _, Sha256};

/// Whether the `Authorization` header value `header` is `Bearer <secret>`. Both sides are
/// hashed first so that the comparison time depends on neither length nor content.
pub fn bearer_matches(header: Option<&str>, secret: &str) -> bool {
    let Some(given) = header.and_then(|h| {
        let (scheme, token) = h.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }) else {
        return false;
    };
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(secret.as_bytes()),
    );
    let difference = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    difference == 0 && !secret.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_as_a_bearer_token_matches() {
        assert!(bearer_matches(Some("Bearer s3cret-value"), "s3cret-value"));
        assert!(bearer_matches(
            Some("bearer  s3cret-value "),
            "s3cret-value"
        ));
        assert!(!bearer_matches(Some("Bearer s3cret-valuE"), "s3cret-value"));
        assert!(!bearer_matches(Some("Basic s3cret-value"), "s3cret-value"));
        assert!(!bearer_matches(Some("s3cret-value"), "s3cret-value"));
        assert!(!bearer_matches(None, "s3cret-value"));
        assert!(!bearer_matches(Some("Bearer "), ""));
    }
}
