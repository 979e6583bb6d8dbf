//! Who is calling: the shared caller (`guichet_guest::caller::Caller`), from the bearer access
//! token verified by the same composed verifier every component uses
//! (`guichet:platform/tokens`) for the commune served, or the platform administrator
//! ([`crate::communes::authorize_platform`]).

use guichet_guest::ApiError;
use spin_sdk::http::Request;

pub use guichet_guest::caller::Caller;
pub use guichet_guest::codes::Role;

use crate::context::Ctx;

/// 401 unless the request carries a valid access token for the commune served.
pub fn caller(req: &Request, ctx: &Ctx<'_>) -> Result<Caller, ApiError> {
    Caller::signed_in(req, ctx.commune())
}

/// The account of the signed-in caller (401 without a valid access token).
pub fn account(req: &Request, ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(caller(req, ctx)?.require_account()?.to_owned())
}
