//! Who is calling: the request context's caller (`guichet_guest::caller::Caller`, computed once
//! per request by [`Ctx::caller`]), from the bearer access token verified by the same composed
//! verifier every component uses (`guichet:platform/tokens`) for the commune served, or the
//! platform administrator ([`crate::communes::authorize_platform`]).

use guichet_guest::ApiError;

pub use guichet_guest::caller::Caller;
pub use guichet_guest::codes::Role;

use crate::context::Ctx;

/// 401 unless the request carries a valid access token for the commune served.
pub fn caller(ctx: &Ctx<'_>) -> Result<Caller, ApiError> {
    Ok(ctx.caller()?.require_signed_in()?.clone())
}

/// The account of the signed-in caller (401 without a valid access token).
pub fn account(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ctx.caller()?.require_account()?.to_owned())
}
