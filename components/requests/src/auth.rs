//! Who may call the diagnostics routes.

use guichet_guest::tokens::{self, Claims};
use guichet_guest::{ApiError, Commune};
use spin_sdk::http::Request;

const ADMIN: &str = "admin";

/// The served commune and the caller's claims, if the caller holds a valid access token for
/// this commune with the `admin` role: 401 without a valid token, 403 without the role.
pub fn admin(req: &Request) -> Result<(Commune, Claims), ApiError> {
    let commune = Commune::current()?;
    let claims = tokens::bearer_claims(req, &commune)?;
    tokens::require_role(&claims, ADMIN)?;
    Ok((commune, claims))
}
