//! Secrets compared in constant time, and the one rule of the private routes that a single
//! other component may call by chaining (closed by a secret given to the two of them only:
//! `contact_lookup_secret`, `portal_filing_secret`, `portal_session_secret`).

use spin_sdk::http::Request;

use crate::ApiError;

/// Shortest secret that opens a private route; a shorter or empty one keeps it closed.
pub const MIN_LEN: usize = 16;

/// Whether `given` is the secret `expected`, comparing their SHA-256 digests in constant time
/// (no early exit: the time taken says nothing about how much of a guess was right).
pub fn same(given: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The Spin variable `variable` when it is long enough to open a route.
pub fn configured(variable: &str) -> Option<String> {
    spin_sdk::variables::get(variable)
        .ok()
        .filter(|s| s.len() >= MIN_LEN)
}

/// Lets `req` through when it carries `Authorization: Bearer <the secret in variable>`:
/// 404 when the secret is not configured (the route does not exist), 401 `invalid_token`
/// otherwise; `message` says who the route is for.
pub fn require_bearer(
    req: &Request,
    variable: &str,
    message: &'static str,
) -> Result<(), ApiError> {
    let expected = configured(variable).ok_or(ApiError::NotFound)?;
    let given = req
        .header("authorization")
        .and_then(|v| v.as_str())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if same(given.trim(), &expected) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized {
            code: "invalid_token",
            message,
        })
    }
}
