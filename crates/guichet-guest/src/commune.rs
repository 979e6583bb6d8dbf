//! The commune a request is served for.

use std::fmt;

use anyhow::Context as _;

/// Name of the Spin variable holding the commune of a single-commune deployment.
const DEFAULT_COMMUNE_VARIABLE: &str = "default_commune";
const MAX_LEN: usize = 63;

/// A commune identifier: 1 to 63 characters among lowercase ASCII letters, digits and `-`,
/// starting with a letter (so that it is also a valid DNS label, token audience and file name).
///
/// The only way to get one is [`Commune::parse`], so holding a `Commune` proves it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Commune(String);

/// Why a value is not a valid domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The commune identifier is empty.
    #[error("the commune identifier is empty")]
    EmptyCommune,
    /// The commune identifier is longer than 63 characters.
    #[error("the commune identifier is longer than 63 characters")]
    CommuneTooLong,
    /// The commune identifier does not start with a lowercase letter.
    #[error("the commune identifier must start with a lowercase letter")]
    CommuneStart,
    /// The commune identifier holds a character other than a-z, 0-9 and '-'.
    #[error("the commune identifier may only hold a-z, 0-9 and '-'")]
    CommuneCharacter,
}

impl Commune {
    /// Checks `value` and wraps it.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let first = value.chars().next().ok_or(DomainError::EmptyCommune)?;
        if value.len() > MAX_LEN {
            return Err(DomainError::CommuneTooLong);
        }
        if !first.is_ascii_lowercase() {
            return Err(DomainError::CommuneStart);
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !value.chars().all(allowed) {
            return Err(DomainError::CommuneCharacter);
        }
        Ok(Self(value.to_owned()))
    }

    /// The commune this deployment serves, from the Spin variable `default_commune`.
    ///
    /// A missing or invalid value is a deployment fault, hence an error rather than a default.
    pub fn current() -> anyhow::Result<Self> {
        let value = spin_sdk::variables::get(DEFAULT_COMMUNE_VARIABLE)
            .with_context(|| format!("reading the Spin variable {DEFAULT_COMMUNE_VARIABLE}"))?;
        Self::parse(&value)
            .with_context(|| format!("the Spin variable {DEFAULT_COMMUNE_VARIABLE} is {value:?}"))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Commune {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Commune {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simple_name_with_digits_and_hyphens_is_a_commune() {
        assert_eq!(
            Commune::parse("saint-denis-2").map(|c| c.to_string()),
            Ok("saint-denis-2".to_owned())
        );
    }

    #[test]
    fn an_empty_name_is_refused() {
        assert_eq!(Commune::parse(""), Err(DomainError::EmptyCommune));
    }

    #[test]
    fn a_name_must_start_with_a_letter() {
        assert_eq!(Commune::parse("2demo"), Err(DomainError::CommuneStart));
        assert_eq!(Commune::parse("-demo"), Err(DomainError::CommuneStart));
    }

    #[test]
    fn uppercase_spaces_and_non_ascii_letters_are_refused() {
        for bad in ["Demo", "de mo", "démo", "demo_1", "demo/1"] {
            assert!(Commune::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn sixty_three_characters_are_enough_and_sixty_four_too_many() {
        let ok = format!("a{}", "b".repeat(62));
        assert!(Commune::parse(&ok).is_ok());
        let too_long = format!("a{}", "b".repeat(63));
        assert_eq!(Commune::parse(&too_long), Err(DomainError::CommuneTooLong));
    }
}
