//! Guichet's signature formats, in one place for the `signatures` component that writes them
//! and for `guichet-verify`, the command that checks them with no network:
//!
//! - [`jws`]: compact JWS (RFC 7515) signed with Ed25519 (`alg: EdDSA`, RFC 8037), and the
//!   public keys as JWKs (`kty: OKP`, `crv: Ed25519`).
//! - [`claims`]: what a signature says (document digest, signer, role, purpose, time, flow)
//!   and what the commune's key statement says (this signer holds this public key).
//! - [`bundle`]: every signature of one document version with the statements that bind their
//!   keys, and [`bundle::verify`], which checks a bundle against the file's bytes and the
//!   commune's published keys.
//! - [`merkle`]: the evidence log's Merkle tree (RFC 9162: hashes, heads, inclusion and
//!   consistency proofs and their verification); [`evidence`]: its entries, signed tree heads
//!   and what a bundle carries from it.
//! - [`webauthn`]: passkey signatures (WebAuthn assertions whose challenge binds what is
//!   signed), checked here and by the server alike.
//!
//! Builds for wasm32-wasip2 and natively (no OpenSSL, no random source: Ed25519 signatures
//! are deterministic).

pub mod b64;
pub mod bundle;
pub mod claims;
pub mod evidence;
pub mod jws;
pub mod merkle;
pub mod webauthn;

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes` in lowercase hexadecimal, as documents' digests are written.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `bytes` in lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` is a SHA-256 digest as Guichet writes them (64 lowercase hex digits).
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_abc_is_the_fips_180_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_sha256_hex(&sha256_hex(b"abc")));
        assert!(!is_sha256_hex("BA7816BF"));
    }
}
