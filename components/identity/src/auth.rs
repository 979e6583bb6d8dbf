//! Who is calling: the bearer access token, verified by the same composed verifier every
//! component uses (`guichet:platform/tokens`), for the commune served.

use guichet_guest::tokens;
use guichet_guest::ApiError;
use spin_sdk::http::Request;

use crate::context::Ctx;

/// The caller of a request with a valid access token.
pub struct Caller {
    pub account: String,
    pub roles: Vec<String>,
}

impl Caller {
    pub fn has(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// 403 unless the caller has `role`.
    pub fn require(&self, role: &str) -> Result<(), ApiError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden { message: "your roles do not allow this" })
        }
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require_any(&self, roles: &[&str]) -> Result<(), ApiError> {
        if roles.iter().any(|r| self.has(r)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden { message: "your roles do not allow this" })
        }
    }
}

/// 401 unless the request carries a valid access token for the commune served.
pub fn caller(req: &Request, ctx: &Ctx<'_>) -> Result<Caller, ApiError> {
    let claims = tokens::bearer_claims(req, ctx.commune())?;
    Ok(Caller { account: claims.subject, roles: claims.roles })
}
