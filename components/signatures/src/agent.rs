//! Who calls signatures: the shared [`Caller`] (from the bearer token, verified by the
//! composed `tokens` verifier for the served commune) and when they last signed in (the
//! token's `auth_time`), which signing and key enrolment require to be recent.

use guichet_guest::caller::Caller;
use guichet_guest::context::Identify;
use guichet_guest::tokens::bearer_claims;
use guichet_guest::{ApiError, Commune};
use spin_sdk::http::Request;

/// How long after signing in an agent may sign or enrol a key: a stolen access token or an
/// unattended session cannot sign for longer than this after its holder proved who they were.
pub const FRESH_SECONDS: u64 = 300;

/// The caller of a request to signatures.
pub struct Agent {
    pub caller: Caller,
    /// The token's `auth_time` (seconds since the Unix epoch), when it has one.
    pub auth_time: Option<u64>,
}

impl Identify for Agent {
    fn identify(req: &Request, commune: &Commune) -> Result<Agent, ApiError> {
        if req.header("authorization").is_none() {
            return Ok(Agent {
                caller: Caller::Anonymous,
                auth_time: None,
            });
        }
        let claims = bearer_claims(req, commune)?;
        let auth_time = claims.auth_time;
        Ok(Agent {
            caller: Caller::from_claims(claims),
            auth_time,
        })
    }
}

impl Agent {
    /// The account of a member of staff (401 without a token, 403 for a citizen).
    pub fn staff(&self) -> Result<&str, ApiError> {
        self.caller.require_staff()?;
        self.caller.require_account()
    }

    /// The account of a member of staff who signed in within [`FRESH_SECONDS`] of `now`:
    /// 401 `reauthentication_required` otherwise (a refreshed token keeps its sign-in time).
    pub fn freshly_signed_in(&self, now: u64) -> Result<&str, ApiError> {
        let account = self.staff()?;
        if is_fresh(self.auth_time, now) {
            Ok(account)
        } else {
            Err(ApiError::Unauthorized {
                code: "reauthentication_required",
                message: "sign in again (with your password) just before signing",
            })
        }
    }
}

/// Whether a sign-in at `auth_time` is recent enough at `now` (a time in the future beyond
/// a minute of clock skew is not believed).
fn is_fresh(auth_time: Option<u64>, now: u64) -> bool {
    auth_time.is_some_and(|at| at <= now + 60 && now.saturating_sub(at) <= FRESH_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_recent_sign_in_is_fresh() {
        let now = 1_800_000_000;
        assert!(is_fresh(Some(now - 10), now));
        assert!(is_fresh(Some(now - FRESH_SECONDS), now));
        assert!(!is_fresh(Some(now - FRESH_SECONDS - 1), now));
        assert!(!is_fresh(None, now));
        assert!(!is_fresh(Some(now + 3600), now));
    }
}
