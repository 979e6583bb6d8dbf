//! Who is calling: an anonymous citizen, a signed-in citizen, or a member of staff with their
//! roles and departments, from the optional bearer token (verified by the composed `tokens`
//! verifier for the served commune). One type for every component that reads tokens (feature
//! `tokens`), so that "staff" means the same staff roles ([`STAFF_ROLES`]) everywhere.

use spin_sdk::http::Request;

pub use crate::codes::STAFF_ROLES;
use crate::tokens::{bearer_claims, Claims};
use crate::{ApiError, Commune};

/// The person behind a request to the API.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No token: may file for services that allow it, and track with reference and code.
    Anonymous,
    /// A citizen's account.
    Citizen { account: String },
    /// An agent, supervisor or administrator of the commune (they may also be citizens).
    Staff {
        account: String,
        roles: Vec<String>,
        departments: Vec<String>,
    },
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
        match self {
            Caller::Anonymous => Err(crate::tokens::missing_token()),
            signed => Ok(signed),
        }
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

    fn from_claims(claims: Claims) -> Caller {
        if claims
            .roles
            .iter()
            .any(|r| STAFF_ROLES.contains(&r.as_str()))
        {
            Caller::Staff {
                account: claims.subject,
                roles: claims.roles,
                departments: claims.departments,
            }
        } else {
            Caller::Citizen {
                account: claims.subject,
            }
        }
    }

    /// The departments a member of staff works for (empty for anyone else).
    pub fn departments(&self) -> &[String] {
        match self {
            Caller::Staff { departments, .. } => departments,
            _ => &[],
        }
    }

    /// The account id, `None` when anonymous.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Anonymous => None,
            Caller::Citizen { account } | Caller::Staff { account, .. } => Some(account),
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Caller::Staff { .. })
    }

    /// Whether the caller holds `role` (`citizen` for every signed-in caller acting on their
    /// own request; staff roles from the token).
    pub fn has_role(&self, role: &str) -> bool {
        match self {
            Caller::Anonymous => false,
            Caller::Citizen { .. } => role == "citizen",
            Caller::Staff { roles, .. } => roles.iter().any(|r| r == role),
        }
    }

    /// The actor kind written in timeline entries.
    pub fn actor_kind(&self) -> &'static str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::Citizen { .. } => "citizen",
            Caller::Staff { .. } => "staff",
        }
    }
}

/// The context's caller ([`crate::context::Ctx::caller`]) is [`Caller::of`]: anonymous without
/// a token.
impl crate::context::Identify for Caller {
    fn identify(req: &Request, commune: &Commune) -> Result<Caller, ApiError> {
        Caller::of(req, commune)
    }
}
