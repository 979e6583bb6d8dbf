//! The two things a citizen is given when filing: the request's reference (`2026-000123`,
//! unique in the commune, to quote on the phone or in a letter) and a tracking code (a secret
//! that lets anyone holding both see the public status without an account).

use std::fmt;

use sha2::{Digest, Sha256};

/// `YYYY-NNNNNN`: the filing year and a number counted per commune and year.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference(String);

impl Reference {
    /// The reference in `text`, if it is one (surrounding spaces are ignored).
    pub fn parse(text: &str) -> Option<Reference> {
        let text = text.trim();
        let (year, number) = text.split_once('-')?;
        let valid = year.len() == 4
            && number.len() >= 6
            && number.len() <= 9
            && year.bytes().all(|b| b.is_ascii_digit())
            && number.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| Reference(text.to_owned()))
    }

    /// The first reference-looking word of `text` (an e-mail subject: `Re: [2026-000123] …`).
    pub fn find_in(text: &str) -> Option<Reference> {
        text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
            .find_map(Reference::parse)
    }

    /// The reference numbered `number` in `year` (the number is taken by
    /// `store::record::next_reference`, in the filing transaction).
    pub fn numbered(year: i64, number: i64) -> Reference {
        Reference(format!("{year:04}-{number:06}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or copied by hand
/// survives (`parse` maps I and L to 1 and O to 0).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A tracking code: 80 random bits shown as `XXXX-XXXX-XXXX-XXXX`. Only its SHA-256 is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// The code of 80 random bits (`store::record::new_tracking_code` draws them from
    /// SQLite's randomness: the component needs no random-number crate).
    pub fn from_bytes(bytes: &[u8]) -> TrackingCode {
        let mut bits: u128 = 0;
        for byte in bytes {
            bits = (bits << 8) | u128::from(*byte);
        }
        let chars: Vec<u8> = (0..16)
            .rev()
            .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize])
            .collect();
        TrackingCode::grouped(&chars)
    }

    /// Sixteen characters of the alphabet, written in groups of four.
    fn grouped(chars: &[u8]) -> TrackingCode {
        let text = chars
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        TrackingCode(text)
    }

    /// The code typed by someone: case, spaces and dashes do not matter, and the letters
    /// Crockford's alphabet leaves out are read as the digits they look like.
    pub fn parse(text: &str) -> Option<TrackingCode> {
        let mut chars = Vec::with_capacity(16);
        for c in text.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            chars.push(c as u8);
        }
        if chars.len() != 16 {
            return None;
        }
        Some(TrackingCode::grouped(&chars))
    }

    /// What is stored: the SHA-256 of the canonical code, in hex.
    pub fn hash(&self) -> String {
        Sha256::digest(self.0.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The code, to give to the citizen once.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrackingCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_a_year_a_dash_and_at_least_six_digits() {
        assert!(Reference::parse("2026-000123").is_some());
        assert!(Reference::parse(" 2026-1234567 ").is_some());
        for bad in [
            "2026-123",
            "26-000123",
            "2026_000123",
            "2026-00012a",
            "",
            "2026-",
        ] {
            assert!(Reference::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_reference_is_found_in_an_email_subject() {
        let found = Reference::find_in("Re: votre demande [2026-000042] nid-de-poule");
        assert_eq!(found.map(|r| r.0), Some("2026-000042".to_owned()));
        assert!(Reference::find_in("Bonjour, 12-34 rue").is_none());
    }

    #[test]
    fn a_tracking_code_survives_lower_case_spaces_and_look_alike_letters() {
        let code =
            TrackingCode::from_bytes(&[0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(code.reveal().len(), 19);
        let typed = code.reveal().to_lowercase().replace('-', " ");
        assert_eq!(TrackingCode::parse(&typed), Some(code.clone()));
        assert_eq!(
            TrackingCode::parse("OOOO-IIII-LLLL-0000").map(|c| c.0),
            Some("0000-1111-1111-0000".to_owned())
        );
        assert!(TrackingCode::parse("0000-0000-0000-000U").is_none());
        assert!(TrackingCode::parse("0000-0000-0000").is_none());
    }

    #[test]
    fn different_bytes_give_different_codes_and_hashes() {
        let a = TrackingCode::from_bytes(&[1; 10]);
        let b = TrackingCode::from_bytes(&[2; 10]);
        assert_ne!(a, b);
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
    }
}
