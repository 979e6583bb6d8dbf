//! E-mail addresses messages are sent to.

use std::fmt;

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;
/// Characters RFC 5322 allows in an unquoted local part besides letters and digits.
const LOCAL_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";

/// A syntactically valid e-mail address (`local@domain.tld`, at most 254 bytes): no spaces,
/// no quotes, angle brackets, commas or line breaks, so it cannot smuggle a second recipient
/// or a header into what the mail provider builds from it. Letters may be non-ASCII
/// (internationalised addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks `text` (exactly as given: surrounding spaces are an error, not trimmed away).
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > MAX_LEN {
            return None;
        }
        let (local, domain) = text.rsplit_once('@')?;
        let local_ok = !local.is_empty()
            && local.len() <= MAX_LOCAL_LEN
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || LOCAL_SPECIALS.contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= MAX_LABEL_LEN
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        (local_ok && domain_ok).then(|| Self(text.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_and_internationalised_addresses_are_accepted() {
        for ok in [
            "anne@example.org",
            "anne.martin+mairie@sub.example.fr",
            "o'brien@example.ie",
            "élodie@exemple.fr",
            "x@guichet.invalid",
        ] {
            assert_eq!(
                EmailAddress::parse(ok).map(|a| a.to_string()).as_deref(),
                Some(ok)
            );
        }
    }

    #[test]
    fn addresses_that_could_carry_a_second_recipient_or_a_header_are_refused() {
        for bad in [
            "a@b.fr, c@d.fr",
            "a@b.fr\r\nBcc: c@d.fr",
            "Anne <a@b.fr>",
            "\"a b\"@b.fr",
            " a@b.fr",
            "a@b.fr ",
            "a;b@c.fr",
        ] {
            assert!(EmailAddress::parse(bad).is_none(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "anne",
            "@example.org",
            "anne@",
            "anne@localhost",
            "anne@example..org",
            "anne@-example.org",
            ".anne@example.org",
            "an..ne@example.org",
            "anne@exa_mple.org",
        ] {
            assert!(EmailAddress::parse(bad).is_none(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn an_address_over_254_bytes_or_with_a_long_local_part_is_refused() {
        let labels = vec!["b".repeat(63); 4].join(".");
        assert!(
            EmailAddress::parse(&format!("a@{labels}.fr")).is_none(),
            "260 bytes"
        );
        let labels = vec!["b".repeat(63); 3].join(".");
        assert!(
            EmailAddress::parse(&format!("a@{labels}.fr")).is_some(),
            "196 bytes"
        );
        let local = format!("{}@example.org", "a".repeat(65));
        assert!(EmailAddress::parse(&local).is_none());
        let fits = format!("{}@example.org", "a".repeat(64));
        assert!(EmailAddress::parse(&fits).is_some());
    }
}
