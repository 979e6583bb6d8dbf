//! Query-string parameters (`?lang=fr&q=carte+d%27identit%C3%A9`).
//!
//! Decoded as HTML forms encode them (`application/x-www-form-urlencoded`): `+` is a space,
//! `%XX` a byte, and the bytes UTF-8 (invalid sequences become U+FFFD rather than failing,
//! so that a stray byte cannot make a whole request unreadable).

use spin_sdk::http::Request;

/// The decoded parameters of a query string, in order (a name may repeat).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Decodes `raw` (without the leading `?`).
    pub fn parse(raw: &str) -> Self {
        let pairs = raw
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect();
        Self(pairs)
    }

    /// The parameters of the request's URI.
    pub fn of(req: &Request) -> Self {
        Self::parse(req.query())
    }

    /// The first value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every decoded `(name, value)` pair, in order (a name may repeat).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The first value of `name` unless absent or empty: an empty parameter means "not given",
    /// as Open311 and HTML forms (an empty select) use it.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

/// `+` → space, `%XX` → byte; a `%` not followed by two hex digits is kept as is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` percent-encoded for a query string (everything but RFC 3986's unreserved
/// characters: the `[`, `]` and `:` of an IPv6 literal).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_host_is_percent_encoded_in_a_query() {
        assert_eq!(escape("[::1]"), "%5B%3A%3A1%5D");
        assert_eq!(escape("mairie.example-1.org"), "mairie.example-1.org");
    }

    #[test]
    fn plus_signs_and_percent_escapes_are_decoded_as_utf8() {
        let query = Query::parse("q=carte+d%27identit%C3%A9&lang=fr");
        assert_eq!(query.get("q"), Some("carte d'identité"));
        assert_eq!(query.get("lang"), Some("fr"));
    }

    #[test]
    fn the_first_value_of_a_repeated_name_wins() {
        assert_eq!(Query::parse("a=1&a=2").get("a"), Some("1"));
    }

    #[test]
    fn a_name_without_value_is_present_but_empty() {
        let query = Query::parse("group&lang=");
        assert_eq!(query.get("group"), Some(""));
        assert_eq!(query.non_empty("group"), None);
        assert_eq!(query.non_empty("lang"), None);
        assert_eq!(query.get("other"), None);
    }

    #[test]
    fn broken_escapes_are_kept_and_invalid_utf8_is_replaced() {
        assert_eq!(Query::parse("q=100%&r=%zz").get("q"), Some("100%"));
        assert_eq!(Query::parse("r=%zz").get("r"), Some("%zz"));
        assert_eq!(Query::parse("q=%ff").get("q"), Some("\u{fffd}"));
    }

    #[test]
    fn an_empty_query_has_no_parameters() {
        assert_eq!(Query::parse(""), Query::default());
        assert_eq!(Query::parse("&&"), Query::default());
    }
}
