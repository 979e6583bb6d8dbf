//! HTML form bodies (`application/x-www-form-urlencoded`), read strictly.
//!
//! Percent-decoding is `percent-encoding`'s (the crate `url` and `form_urlencoded` are built
//! on); unlike `form_urlencoded::parse`, which replaces invalid UTF-8 with U+FFFD, a body that
//! does not decode to valid UTF-8 is refused, as is a NUL character anywhere: what a person
//! typed in a form never contains either, so the request is malformed, not text to store.

use percent_encoding::percent_decode;

/// Largest form body: the account pages' forms are a few hundred bytes.
pub const MAX_BYTES: usize = 16 * 1024;
/// Most fields in one form (the longest has about ten).
const MAX_FIELDS: usize = 64;

/// Why a body is not a form we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    TooLarge,
    TooManyFields,
    InvalidUtf8,
    Nul,
}

/// The decoded fields of a form, in order (a name may repeat: checkboxes).
#[derive(Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Decodes `body`.
    pub fn parse(body: &[u8]) -> Result<Form, Malformed> {
        if body.len() > MAX_BYTES {
            return Err(Malformed::TooLarge);
        }
        let mut fields = Vec::new();
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            if fields.len() == MAX_FIELDS {
                return Err(Malformed::TooManyFields);
            }
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            fields.push((decode(name)?, decode(value)?));
        }
        Ok(Form(fields))
    }

    /// The first value of `name`, `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// One name or value: `+` is a space, then `%XX` bytes, then UTF-8 without NUL.
fn decode(raw: &[u8]) -> Result<String, Malformed> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let text = percent_decode(&spaced)
        .decode_utf8()
        .map_err(|_| Malformed::InvalidUtf8)?;
    if text.contains('\0') {
        return Err(Malformed::Nul);
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_as_browsers_encode_them() {
        let form =
            Form::parse(b"email=ada%40example.org&name=Ad%C3%A8le+Dupont&c=a&c=b&empty=&flag")
                .unwrap_or_default();
        assert_eq!(form.get("email"), "ada@example.org");
        assert_eq!(form.get("name"), "Adèle Dupont");
        assert_eq!(form.all("c"), vec!["a", "b"]);
        assert_eq!((form.get("empty"), form.get("flag")), ("", ""));
        assert_eq!(form.get("missing"), "");
    }

    #[test]
    fn an_encoded_plus_stays_a_plus() {
        let form = Form::parse(b"p=a%2Bb+c").unwrap_or_default();
        assert_eq!(form.get("p"), "a+b c");
    }

    #[test]
    fn invalid_utf8_nul_and_oversized_bodies_are_refused() {
        assert_eq!(Form::parse(b"a=%FF%FE").err(), Some(Malformed::InvalidUtf8));
        assert_eq!(Form::parse(b"a=\xff").err(), Some(Malformed::InvalidUtf8));
        assert_eq!(Form::parse(b"a=x%00y").err(), Some(Malformed::Nul));
        assert_eq!(
            Form::parse(&vec![b'a'; MAX_BYTES + 1]).err(),
            Some(Malformed::TooLarge)
        );
        let many = vec!["a=1"; MAX_FIELDS + 1].join("&");
        assert_eq!(
            Form::parse(many.as_bytes()).err(),
            Some(Malformed::TooManyFields)
        );
    }
}
