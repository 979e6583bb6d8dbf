//! What every state-changing request of the account pages must show before it is read
//! (docs/SECURITY.md item 10), in this order:
//!
//! 1. Same origin, and 2. `Content-Type: application/x-www-form-urlencoded`: the rule every
//!    form of Guichet's pages passes (`guichet_guest::forms`, shared with the portal's forms).
//! 3. A readable form body (size limit, valid UTF-8, no NUL): see [`super::form`].
//! 4. A live session (a pre-session before sign-in) and its synchronizer token in the hidden
//!    field `csrf`, compared in constant time.
//!
//! `SameSite=Lax` already keeps the cookie off cross-site POSTs in current browsers; the
//! token and the origin check do not depend on that.

use guichet_guest::forms::{self, Refusal};
use spin_sdk::http::Request;

use super::form::Form;
use super::sessions::{self, Session};
use super::PageError;
use crate::context::Ctx;
use crate::secrets;

/// The hidden field that carries the token.
pub const FIELD: &str = "csrf";

/// Checks 1-4 and returns the session and the form.
pub fn accept(req: &Request, ctx: &Ctx<'_>) -> Result<(Session, Form), PageError> {
    let form = read(req)?;
    let session = sessions::current(req, ctx)?.ok_or(PageError::Csrf)?;
    if session.csrf.is_empty() || !secrets::same(form.get(FIELD), &session.csrf) {
        return Err(PageError::Csrf);
    }
    Ok((session, form))
}

/// Checks 1-3 only (for logging out a browser whose session already ended).
pub fn read(req: &Request) -> Result<Form, PageError> {
    forms::check(req, &[forms::URLENCODED]).map_err(|refusal| match refusal {
        Refusal::CrossOrigin => PageError::CrossOrigin,
        Refusal::UnsupportedType => PageError::UnsupportedType,
    })?;
    Form::parse(req.body()).map_err(|_| PageError::Malformed)
}
