//! E-mail addresses: the one rule every component applies (identity's accounts and
//! invitations, requests' contacts and form answers, Open311 `email`, following a request,
//! the privacy contract, and the addresses notifications sends to), so that an address one
//! component accepts is one the others accept and can send to.
//!
//! The rule: `local@domain.tld`, at most 254 bytes (RFC 5321), surrounding spaces trimmed.
//! The local part (at most 64 bytes) is letters and digits of any script and RFC 5322's
//! unquoted specials (``!#$%&'*+-/=?^_`{|}~`` and non-leading, non-doubled dots); the domain
//! has at least two labels of letters, digits and inner dashes, at most 63 bytes each. No
//! spaces, quotes, angle brackets, commas, semicolons, control characters or bidirectional
//! overrides: an address cannot carry a second recipient or a header into what a mail
//! provider builds from it, nor show one thing and be another. The domain is lowercased
//! (domains are case-insensitive); the local part keeps its case, and [`EmailAddress::key`]
//! is the whole address lowercased, for looking accounts up as people expect.
//!
//! Refusals carry one code, [`INVALID_EMAIL`], whatever the field.

use std::fmt;

use crate::FieldError;

/// The code of every refused e-mail address.
pub const INVALID_EMAIL: &str = "invalid_email";

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;
/// Characters RFC 5322 allows in an unquoted local part besides letters and digits.
const LOCAL_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";

/// A valid e-mail address, normalised (see the module documentation); only
/// [`EmailAddress::parse`] (or `TryFrom<&str>`) makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Why a text is not an e-mail address (the message is shown to the person who typed it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing but spaces.
    #[error("the e-mail address is empty")]
    Empty,
    /// More than 254 bytes.
    #[error("the e-mail address is longer than 254 characters")]
    TooLong,
    /// Not `local@domain.tld` with the allowed characters.
    #[error("the e-mail address must look like name@example.org")]
    Malformed,
}

impl EmailError {
    /// The refusal as a field error at `field`, with the one code [`INVALID_EMAIL`].
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, INVALID_EMAIL, self.to_string())
    }
}

impl EmailAddress {
    /// Checks and normalises `text`.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(EmailError::Malformed)?;
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
        if !local_ok || !domain_ok {
            return Err(EmailError::Malformed);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address (normalised).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lookup key: the whole address in lowercase.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<&str> for EmailAddress {
    type Error = EmailError;

    fn try_from(text: &str) -> Result<Self, EmailError> {
        EmailAddress::parse(text)
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

    fn normalised(text: &str) -> Result<String, EmailError> {
        EmailAddress::parse(text).map(|a| a.to_string())
    }

    #[test]
    fn ordinary_internationalised_and_tagged_addresses_are_accepted_and_normalised() {
        for (given, kept) in [
            ("anne@example.org", "anne@example.org"),
            (
                "  Anne.Martin@Mairie.EXAMPLE.fr ",
                "Anne.Martin@mairie.example.fr",
            ),
            (
                "anne.martin+mairie@sub.example.fr",
                "anne.martin+mairie@sub.example.fr",
            ),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("élodie+guichet@exemple.fr", "élodie+guichet@exemple.fr"),
            ("x@guichet.invalid", "x@guichet.invalid"),
            ("a@b.fr", "a@b.fr"),
        ] {
            assert_eq!(normalised(given).as_deref(), Ok(kept), "{given:?}");
        }
    }

    #[test]
    fn the_key_is_the_whole_address_lowercased() {
        let address = EmailAddress::parse("Anne@Mairie.FR").expect("an address");
        assert_eq!(address.key(), "anne@mairie.fr");
    }

    #[test]
    fn addresses_that_could_carry_a_second_recipient_or_a_header_are_refused() {
        for bad in [
            "a@b.fr, c@d.fr",
            "a@b.fr\r\nBcc: c@d.fr",
            "Anne <a@b.fr>",
            "\"a b\"@b.fr",
            "a;b@c.fr",
            "a\u{202e}b@c.fr",
            "a€b@c.fr",
            "a@b.fr\0",
            "<script>@x.fr",
        ] {
            assert_eq!(normalised(bad), Err(EmailError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        assert_eq!(normalised(""), Err(EmailError::Empty));
        assert_eq!(normalised("   "), Err(EmailError::Empty));
        for bad in [
            "anne",
            "anne@",
            "@example.org",
            "anne@localhost",
            "anne@example..org",
            "anne@-example.org",
            ".anne@example.org",
            "anne.@example.org",
            "an..ne@example.org",
            "an ne@x.fr",
            "anne@exa_mple.org",
        ] {
            assert_eq!(normalised(bad), Err(EmailError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn an_address_over_254_bytes_or_with_a_local_part_over_64_is_refused() {
        let labels = vec!["b".repeat(63); 4].join(".");
        assert_eq!(
            normalised(&format!("a@{labels}.fr")),
            Err(EmailError::TooLong)
        );
        let labels = vec!["b".repeat(63); 3].join(".");
        assert!(normalised(&format!("a@{labels}.fr")).is_ok(), "196 bytes");
        let local = format!("{}@example.org", "a".repeat(65));
        assert_eq!(normalised(&local), Err(EmailError::Malformed));
        assert!(normalised(&format!("{}@example.org", "a".repeat(64))).is_ok());
    }

    #[test]
    fn every_refusal_has_the_one_code() {
        let error = EmailAddress::try_from("nope")
            .expect_err("refused")
            .at("contact.email");
        assert_eq!(error.code, INVALID_EMAIL);
        assert_eq!(error.field.as_deref(), Some("contact.email"));
    }
}
