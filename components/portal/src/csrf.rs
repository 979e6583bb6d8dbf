//! The portal's defence against cross-site forms (docs/SECURITY.md item 10): every `POST`
//! passes the origin and content-type rule shared with identity's pages
//! (`guichet_guest::forms`, in [`crate::posted::Posted::read`]), then shows the token of this
//! browser.
//!
//! The portal keeps no session of its own (a guest files without one), so the token is a
//! double-submit one: a random 256-bit value in the cookie `__Host-guichet-form` (`Secure`,
//! `HttpOnly`, `SameSite=Strict`, `Path=/`, no `Domain`: a sibling subdomain cannot plant
//! it) and the same value in each form's hidden field `csrf`, compared in constant time. A
//! cross-site page can neither read the cookie nor set it, so it cannot write the field.
//!
//! The same randomness makes each form page's `Idempotency-Key` ([`fresh`]).

use guichet_guest::secret::same as same_secret;
use guichet_guest::ApiError;
use spin_sdk::http::{Request, Response};

use crate::posted::Posted;

/// The cookie holding this browser's form token.
pub const COOKIE: &str = "__Host-guichet-form";
/// The hidden field carrying it.
pub const FIELD: &str = "csrf";

/// The form token of a page: the browser's, or a new one to give it.
pub struct Token {
    pub value: String,
    new: bool,
}

impl Token {
    /// Sets the cookie on `response` when the token is new.
    pub fn remember(&self, response: &mut Response) {
        if self.new {
            response.set_header(
                "set-cookie",
                format!(
                    "{COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict",
                    self.value
                ),
            );
        }
    }
}

/// The browser's token, or a new one.
pub fn token(req: &Request) -> Result<Token, ApiError> {
    match cookie(req) {
        Some(value) => Ok(Token {
            value: value.to_owned(),
            new: false,
        }),
        None => Ok(Token {
            value: fresh()?,
            new: true,
        }),
    }
}

/// 403 unless the form's `csrf` field is the browser's cookie.
pub fn check(req: &Request, posted: &Posted) -> Result<(), ApiError> {
    let given = posted.get(FIELD).unwrap_or_default();
    match cookie(req) {
        Some(expected) if same_secret(given, expected) => Ok(()),
        _ => Err(ApiError::Forbidden {
            message: "this form has expired: open the page again and send it once more",
        }),
    }
}

/// 256 random bits, hex (64 characters).
pub fn fresh() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness from the host: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The token of the request's cookie, when it has the shape of one.
fn cookie(req: &Request) -> Option<&str> {
    let header = req.header("cookie")?.as_str()?;
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && well_formed(value))
        .map(|(_, value)| value)
}

fn well_formed(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn only_64_hex_digits_are_a_token() {
        assert!(well_formed(&"a1".repeat(32)));
        assert!(!well_formed("a1"));
        assert!(!well_formed(&"zz".repeat(32)));
    }
}
