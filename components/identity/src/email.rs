//! E-mail addresses as a domain type.

use std::fmt;

/// A syntactically valid e-mail address, normalised: trimmed, domain lowercased, at most 254
/// bytes (RFC 5321). The local part keeps its case (RFC 5321 says it may matter) but accounts
/// are looked up by [`Email::key`], the whole address lowercased, so that `Anne@X.fr` and
/// `anne@x.fr` are one account, as people expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// Why a text is not an e-mail address (the message is shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the e-mail address is empty")]
    Empty,
    #[error("the e-mail address is longer than 254 characters")]
    TooLong,
    #[error("the e-mail address must look like name@example.org")]
    Malformed,
}

impl Email {
    /// Checks and normalises `text`.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(EmailError::Malformed);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as given (normalised).
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lookup key: the whole address in lowercase.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_and_its_domain_lowercased() {
        let email = Email::parse("  Anne.Martin@Mairie.EXAMPLE.fr ").ok();
        assert_eq!(
            email.as_ref().map(Email::as_str),
            Some("Anne.Martin@mairie.example.fr")
        );
        assert_eq!(
            email.map(|e| e.key()).as_deref(),
            Some("anne.martin@mairie.example.fr")
        );
    }

    #[test]
    fn accented_local_parts_and_plus_tags_are_addresses() {
        assert!(Email::parse("élodie+guichet@exemple.fr").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        for bad in [
            "anne",
            "anne@",
            "@x.fr",
            "anne@x",
            "an ne@x.fr",
            "anne@x..fr",
            ".anne@x.fr",
            "anne@-x.fr",
            "<script>@x.fr",
            "anne@x.fr\0",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
        let long = format!("{}@x.fr", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }
}
