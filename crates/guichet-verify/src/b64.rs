//! base64url without padding (RFC 4648 §5), the encoding of JWS parts and JWK members.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// `bytes` in base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The bytes of base64url text without padding; `None` for anything else (padding, `+`, `/`,
/// whitespace), so that one value has one encoding.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_padding_is_refused() {
        assert_eq!(encode(b"\xfb\xff"), "-_8");
        assert_eq!(decode("-_8"), Some(b"\xfb\xff".to_vec()));
        assert_eq!(decode("-_8="), None);
        assert_eq!(decode("+/8"), None);
    }
}
