//! Codes that name things across components: a service's code (catalog, requests, Open311
//! `service_code`), a department's (identity creates departments, the catalogue assigns each
//! service to one, tokens carry an agent's, requests routes and assigns by them), and the
//! roles an account holds (identity grants them, tokens carry them, every component checks
//! them). One rule each, here, so that a code one component accepts is one the others know.
//!
//! The slug rule of every code: lowercase ASCII letters and digits with single inner dashes
//! (`etat-civil`, `dog-licence`, `001`): no leading, trailing or doubled dash. Service codes
//! are 2 to 63 bytes, department codes 1 to 40 (identity's ids, which tokens carry). A refused
//! code has the code [`INVALID`] at its field.

use std::fmt;

use crate::FieldError;

/// The code of a refused service or department code (the public code these fields had).
pub const INVALID: &str = "invalid";

/// Shortest and longest service code.
pub const SERVICE_CODE_LEN: (usize, usize) = (2, 63);
/// Shortest and longest department code.
pub const DEPARTMENT_CODE_LEN: (usize, usize) = (1, 40);

/// Whether `text` is a slug of `min..=max` bytes (see the module documentation). Catalogue
/// codes that stay inside one definition (groups, form fields, workflow states) use it too.
pub fn is_slug(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
}

/// A service's code; only [`ServiceCode::parse`] (or `TryFrom`) makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceCode(String);

/// A department's code; only [`DepartmentCode::parse`] (or `TryFrom`) makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepartmentCode(String);

/// Why a text is not a code (the message is shown to the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be {min} to {max} lowercase letters, digits and single inner dashes, such as etat-civil"
)]
pub struct CodeError {
    min: usize,
    max: usize,
}

impl CodeError {
    /// The refusal as a field error at `field`, with the code [`INVALID`].
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, INVALID, self.to_string())
    }
}

macro_rules! code_type {
    ($name:ident, $len:expr) => {
        impl $name {
            /// Checks `text` (exactly as given).
            pub fn parse(text: &str) -> Result<Self, CodeError> {
                let (min, max) = $len;
                if is_slug(text, min, max) {
                    Ok(Self(text.to_owned()))
                } else {
                    Err(CodeError { min, max })
                }
            }

            /// The code.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = CodeError;

            fn try_from(text: &str) -> Result<Self, CodeError> {
                Self::parse(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(ServiceCode, SERVICE_CODE_LEN);
code_type!(DepartmentCode, DEPARTMENT_CODE_LEN);

/// A role an account holds in a commune. Every account is a citizen; the staff roles are
/// granted by the commune's administrators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Anyone signed in.
    Citizen,
    /// Handles the requests of their departments.
    Agent,
    /// Handles and assigns the requests of their departments.
    Supervisor,
    /// Administers the commune.
    Admin,
}

/// Every role's name, citizen first.
pub const ROLES: &[&str] = &["citizen", "agent", "supervisor", "admin"];
/// The staff roles' names: those an administrator grants.
pub const STAFF_ROLES: &[&str] = &["agent", "supervisor", "admin"];

impl Role {
    /// The staff roles: those an administrator grants.
    pub const STAFF: &'static [Role] = &[Role::Agent, Role::Supervisor, Role::Admin];

    /// `citizen`, `agent`, `supervisor` or `admin`; anything else is not a role.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "citizen" => Some(Role::Citizen),
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Whether the role is a staff role.
    pub fn is_staff(self) -> bool {
        self != Role::Citizen
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest id of an exchange between components.
pub const EXCHANGE_ID_MAX: usize = 64;
/// Longest account id (identity's ids, which tokens, requests and notifications carry).
pub const ACCOUNT_ID_MAX: usize = 128;

/// Whether `id` can name an exchange between components (an event's id, a message's): the
/// sender's idempotency key, stored once by the receiver and safe in a URL path. 1 to 64
/// characters among `A-Z a-z 0-9 _ -`, for every contract (`wit/events.wit`, `wit/mail.wit`).
pub fn is_exchange_id(id: &str) -> bool {
    (1..=EXCHANGE_ID_MAX).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The error of a refused exchange id at `field`.
pub fn invalid_exchange_id(field: &str) -> FieldError {
    FieldError::new(
        field,
        INVALID,
        format!("{field} must be 1 to 64 characters among A-Z, a-z, 0-9, '_' and '-'"),
    )
}

/// Whether `id` can be an account id: 1 to 128 bytes, no spaces nor control characters.
pub fn is_account_id(id: &str) -> bool {
    (1..=ACCOUNT_ID_MAX).contains(&id.len())
        && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The error of a refused account id at `field`.
pub fn invalid_account_id(field: &str) -> FieldError {
    FieldError::new(
        field,
        INVALID,
        format!("{field} must be 1 to 128 characters without spaces or control characters"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_are_slugs_of_two_to_63_bytes() {
        for good in ["pothole", "dog-licence", "001", "ab", &"a".repeat(63)] {
            assert_eq!(
                ServiceCode::parse(good).map(|c| c.to_string()).as_deref(),
                Ok(good)
            );
        }
        for bad in [
            "",
            "a",
            "Pothole",
            "-a",
            "a-",
            "a--b",
            "a b",
            "é",
            "a_b",
            &"a".repeat(64),
        ] {
            assert!(ServiceCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn department_codes_are_slugs_of_one_to_40_bytes() {
        for good in ["etat-civil", "voirie2", "r", &"a".repeat(40)] {
            assert!(DepartmentCode::try_from(good).is_ok(), "{good:?}");
        }
        for bad in ["", "Etat", "-a", "a-", "a--b", "a b", "é", &"a".repeat(41)] {
            assert!(DepartmentCode::parse(bad).is_err(), "{bad:?}");
        }
        let error = DepartmentCode::parse("a--b")
            .expect_err("refused")
            .at("department");
        assert_eq!(error.code, INVALID);
        assert!(error.message.contains("1 to 40"), "{}", error.message);
    }

    #[test]
    fn only_the_four_roles_are_roles_and_all_but_citizen_are_staff() {
        for name in ROLES {
            assert_eq!(Role::parse(name).map(Role::as_str), Some(*name));
        }
        let staff: Vec<&str> = ROLES
            .iter()
            .filter_map(|r| Role::parse(r))
            .filter(|r| r.is_staff())
            .map(Role::as_str)
            .collect();
        assert_eq!(staff, STAFF_ROLES);
        assert_eq!(
            Role::STAFF.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            STAFF_ROLES
        );
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn exchange_ids_allow_letters_digits_underscores_and_hyphens_up_to_64() {
        for good in ["Ab_9-x", "0f3a", &"a".repeat(64)] {
            assert!(is_exchange_id(good), "{good:?}");
        }
        for bad in ["", "a/b", "a.b", "a b", "é", &"a".repeat(65)] {
            assert!(!is_exchange_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn account_ids_have_no_space_nor_control_character_and_128_bytes_at_most() {
        assert!(is_account_id("acc-1"));
        assert!(is_account_id(&"a".repeat(128)));
        for bad in ["", "a b", "a\u{7}", &"a".repeat(129)] {
            assert!(!is_account_id(bad), "{bad:?}");
        }
        assert!(invalid_account_id("account_id")
            .message
            .contains("1 to 128"));
    }
}
