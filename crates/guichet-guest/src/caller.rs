//! Who is calling: an anonymous citizen, a signed-in citizen, a member of staff with their
//! roles and departments (from the bearer token, verified by the composed `tokens` verifier
//! for the served commune), an Open311 app (by its API key, which requests checks), or the
//! platform administrator (by the `platform_admin_token` secret, which identity checks). One
//! type for every component that reads tokens (feature `tokens`), so that "staff" means the
//! same staff roles ([`Role::is_staff`]) everywhere and roles are [`Role`]s, not strings.

use spin_sdk::http::Request;

pub use crate::codes::STAFF_ROLES;
use crate::codes::{DepartmentCode, Role};
use crate::tokens::{bearer_claims, Claims};
use crate::{ApiError, Commune};

/// The shortest platform administrator secret accepted (a shorter one disables the platform
/// API rather than making it guessable).
pub const PLATFORM_SECRET_MIN: usize = 16;

/// The person or program behind a request to the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No token: may file for services that allow it, and track with reference and code.
    Anonymous,
    /// A citizen's account.
    Citizen { account: String },
    /// An agent, supervisor or administrator of the commune (they may also be citizens).
    Staff {
        account: String,
        roles: Vec<Role>,
        departments: Vec<DepartmentCode>,
    },
    /// An Open311 app of the commune, by the API key it sent: `key` is the key's id (never
    /// the key itself), `name` the app's as the administrators named it.
    App { key: String, name: String },
    /// The platform administrator, who creates communes (not a member of any commune).
    Platform,
}

impl Caller {
    /// The caller of `req`: anonymous without an `Authorization` header, else the token's
    /// holder (an invalid token is a 401, never a silent downgrade to anonymous).
    pub fn of(req: &Request, commune: &Commune) -> Result<Caller, ApiError> {
        if req.header("authorization").is_none() {
            return Ok(Caller::Anonymous);
        }
        Ok(Caller::from_claims(bearer_claims(req, commune)?))
    }

    /// The caller of `req`, who must be signed in (401 otherwise).
    pub fn signed_in(req: &Request, commune: &Commune) -> Result<Caller, ApiError> {
        Ok(Caller::from_claims(bearer_claims(req, commune)?))
    }

    /// The caller of `req`, who must be staff (401 without a token, 403 for a citizen).
    pub fn staff(req: &Request, commune: &Commune) -> Result<Caller, ApiError> {
        let caller = Caller::signed_in(req, commune)?;
        if caller.is_staff() {
            Ok(caller)
        } else {
            Err(ApiError::Forbidden {
                message: "this is for the commune's staff",
            })
        }
    }

    /// This caller, who must be signed in: the context's caller
    /// ([`crate::context::Ctx::caller`]) is anonymous without a token, which is the same 401
    /// as [`Caller::signed_in`].
    pub fn require_signed_in(&self) -> Result<&Caller, ApiError> {
        self.require_account()?;
        Ok(self)
    }

    /// This caller, who must be staff: 401 when anonymous, 403 for a citizen (as
    /// [`Caller::staff`]).
    pub fn require_staff(&self) -> Result<&Caller, ApiError> {
        if self.require_signed_in()?.is_staff() {
            Ok(self)
        } else {
            Err(ApiError::Forbidden {
                message: "this is for the commune's staff",
            })
        }
    }

    /// The platform administrator, when `req` carries `Authorization: Bearer <secret>` with
    /// `secret` the platform's (`expected`, the secret variable `platform_admin_token`): 401
    /// `missing_token` without a bearer token, 401 `invalid_token` for any other, and for every
    /// token when `expected` is shorter than [`PLATFORM_SECRET_MIN`] (the platform API is
    /// then disabled). The secrets are compared by their SHA-256, in constant time.
    pub fn platform(req: &Request, expected: &str) -> Result<Caller, ApiError> {
        let given = req
            .header("authorization")
            .and_then(|v| v.as_str())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match given {
            None => Err(ApiError::Unauthorized {
                code: "missing_token",
                message: "the platform administrator's bearer token is required",
            }),
            Some(given)
                if expected.len() >= PLATFORM_SECRET_MIN && same_secret(given, expected) =>
            {
                Ok(Caller::Platform)
            }
            Some(_) => Err(ApiError::Unauthorized {
                code: "invalid_token",
                message: "this is not the platform administrator's token",
            }),
        }
    }

    /// The caller a token's claims describe. Roles and departments that are not Guichet's are
    /// dropped (they grant nothing); any staff role makes the holder staff.
    pub fn from_claims(claims: Claims) -> Caller {
        let mut roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
        roles.sort();
        roles.dedup();
        if roles.iter().any(|r| r.is_staff()) {
            Caller::Staff {
                account: claims.subject,
                roles,
                departments: claims
                    .departments
                    .iter()
                    .filter_map(|d| DepartmentCode::parse(d).ok())
                    .collect(),
            }
        } else {
            Caller::Citizen {
                account: claims.subject,
            }
        }
    }

    /// The departments a member of staff works for (empty for anyone else).
    pub fn departments(&self) -> &[DepartmentCode] {
        match self {
            Caller::Staff { departments, .. } => departments,
            _ => &[],
        }
    }

    /// The account id, `None` when the caller has no account (anonymous, an app, the
    /// platform).
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Citizen { account } | Caller::Staff { account, .. } => Some(account),
            Caller::Anonymous | Caller::App { .. } | Caller::Platform => None,
        }
    }

    /// The account id of a caller who must have one (401 otherwise: the routes that need an
    /// account are for signed-in people).
    pub fn require_account(&self) -> Result<&str, ApiError> {
        self.account().ok_or_else(crate::tokens::missing_token)
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Caller::Staff { .. })
    }

    /// Whether the caller holds `role` (`citizen` for every signed-in citizen; staff roles
    /// from the token). Apps and the platform hold no role of a commune.
    pub fn has_role(&self, role: Role) -> bool {
        match self {
            Caller::Citizen { .. } => role == Role::Citizen,
            Caller::Staff { roles, .. } => roles.contains(&role),
            Caller::Anonymous | Caller::App { .. } | Caller::Platform => false,
        }
    }

    /// Whether the caller holds one of `roles` and, being staff, acts on every department
    /// (supervisors and administrators) when `roles` are those.
    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|role| self.has_role(*role))
    }

    /// 403 unless the caller holds `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        self.require_any(&[role])
    }

    /// 403 unless the caller holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.has_any_role(roles) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                message: "your roles do not allow this",
            })
        }
    }

    /// The actor kind written in timeline entries.
    pub fn actor_kind(&self) -> &'static str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::Citizen { .. } => "citizen",
            Caller::Staff { .. } => "staff",
            Caller::App { .. } => "open311",
            Caller::Platform => "platform",
        }
    }

    /// The id written with the actor kind in timeline entries: the account, or an app's key
    /// id.
    pub fn actor_id(&self) -> Option<&str> {
        match self {
            Caller::App { key, .. } => Some(key),
            other => other.account(),
        }
    }
}

/// Whether `given` is the secret `expected`, in constant time ([`crate::secret::same`]).
pub use crate::secret::same as same_secret;

/// The context's caller ([`crate::context::Ctx::caller`]) is [`Caller::of`]: anonymous without
/// a token.
impl crate::context::Identify for Caller {
    fn identify(req: &Request, commune: &Commune) -> Result<Caller, ApiError> {
        Caller::of(req, commune)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(roles: &[&str], departments: &[&str]) -> Claims {
        Claims {
            subject: "acc-1".to_owned(),
            commune: "paris".to_owned(),
            expires_at: 0,
            auth_time: None,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            departments: departments.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn a_token_with_a_staff_role_is_staff_with_typed_roles_and_departments() {
        let caller = Caller::from_claims(claims(
            &["citizen", "agent", "mayor"],
            &["voirie", "Bad Dept"],
        ));
        assert!(caller.is_staff());
        assert!(caller.has_role(Role::Agent));
        assert!(caller.has_role(Role::Citizen));
        assert!(!caller.has_role(Role::Admin));
        assert_eq!(
            caller
                .departments()
                .iter()
                .map(DepartmentCode::as_str)
                .collect::<Vec<_>>(),
            ["voirie"],
            "a department that is not a code grants nothing"
        );
        assert!(caller.require(Role::Supervisor).is_err());
        assert!(caller.require_any(&[Role::Supervisor, Role::Agent]).is_ok());
    }

    #[test]
    fn a_token_without_a_staff_role_is_a_citizen() {
        let caller = Caller::from_claims(claims(&["citizen", "root"], &["voirie"]));
        assert_eq!(
            caller,
            Caller::Citizen {
                account: "acc-1".to_owned()
            }
        );
        assert!(caller.has_role(Role::Citizen));
        assert!(caller.departments().is_empty());
        assert_eq!(caller.require_account().ok(), Some("acc-1"));
    }

    #[test]
    fn apps_and_the_platform_hold_no_role_and_no_account() {
        let app = Caller::App {
            key: "key-1".to_owned(),
            name: "FixMyStreet".to_owned(),
        };
        for caller in [&app, &Caller::Platform, &Caller::Anonymous] {
            assert!(!caller.has_any_role(&[
                Role::Citizen,
                Role::Agent,
                Role::Supervisor,
                Role::Admin
            ]));
            assert_eq!(caller.account(), None);
            assert!(caller.require_account().is_err());
        }
        assert_eq!(
            (app.actor_kind(), app.actor_id()),
            ("open311", Some("key-1"))
        );
    }

    #[test]
    fn secrets_are_the_same_only_when_equal() {
        assert!(same_secret("0123456789abcdef", "0123456789abcdef"));
        assert!(!same_secret("0123456789abcdeg", "0123456789abcdef"));
        assert!(!same_secret("", "0123456789abcdef"));
    }
}
