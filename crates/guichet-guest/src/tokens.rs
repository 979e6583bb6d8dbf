//! Bearer-token checks, for components that compose the token verifier (the `tokens`
//! component) as the dependency `guichet:platform/tokens@0.1.0`.
//!
//! The bindings are generated once, here, from the root `wit/` folder (world `token-consumer`)
//! and re-exported; the module only exists with the cargo feature `tokens`, so components that
//! never check tokens do not import the interface.

use spin_sdk::http::Request;

use crate::codes::Role;
use crate::{tenant, ApiError, Commune};

#[allow(
    unsafe_code,
    reason = "wit-bindgen's generated glue code for the import is unsafe"
)]
mod bindings {
    wit_bindgen::generate!({
        world: "token-consumer",
        path: "../../wit",
    });
}

pub use bindings::guichet::platform::tokens::{verify, Claims, TokenError};

/// Verifies the `Authorization: Bearer <token>` of `req` as an access token for `commune`.
///
/// No header → 401 `missing_token`; a header that is not a bearer token → 401
/// `invalid_authorization`; any refusal of the verifier → 401 `invalid_token`.
pub fn bearer_claims(req: &Request, commune: &Commune) -> Result<Claims, ApiError> {
    let header = req.header("authorization").map(|value| value.as_str());
    let token = bearer_token(header)?;
    verify(token, commune.as_str()).map_err(|error| refusal(&error))
}

/// `Ok` when `claims` grant `role` (in the token's commune, which the verifier matched with
/// the served one), else 403.
pub fn require_role(claims: &Claims, role: Role) -> Result<(), ApiError> {
    if claims.roles.iter().any(|r| r == role.as_str()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            message: "your roles do not allow this",
        })
    }
}

/// The commune `req` is addressed to ([`tenant::resolve`], from its host name) and the
/// caller's claims, when the caller holds a valid access token for that commune with `role`:
/// 404 `unknown_commune` for a host name no commune is served at, 401 without a valid token
/// (a token of another commune included), 403 without the role.
pub async fn authorize(req: &Request, role: Role) -> Result<(Commune, Claims), ApiError> {
    let commune = tenant::resolve(req).await?;
    let claims = authorize_in(req, &commune, role)?;
    Ok((commune, claims))
}

/// The caller's claims, when they hold a valid access token for `commune` (the commune the
/// handler already resolved for `req`) with `role`: 401 without a valid token, 403 without
/// the role.
pub fn authorize_in(req: &Request, commune: &Commune, role: Role) -> Result<Claims, ApiError> {
    let claims = bearer_claims(req, commune)?;
    require_role(&claims, role)?;
    Ok(claims)
}

/// The token of an `Authorization` header value (`None` when there is none, `Some(None)` when
/// it is not valid UTF-8).
/// The 401 of a request without an `Authorization` header, where a token is required.
pub fn missing_token() -> ApiError {
    ApiError::Unauthorized {
        code: "missing_token",
        message: "an Authorization: Bearer access token is required",
    }
}

fn bearer_token(header: Option<Option<&str>>) -> Result<&str, ApiError> {
    let Some(header) = header else {
        return Err(missing_token());
    };
    let invalid = ApiError::Unauthorized {
        code: "invalid_authorization",
        message: "the Authorization header must be `Bearer <token>`",
    };
    let (scheme, token) = header
        .and_then(|h| h.trim().split_once(' '))
        .ok_or(invalid)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(ApiError::Unauthorized {
            code: "invalid_authorization",
            message: "the Authorization header must be `Bearer <token>`",
        });
    }
    Ok(token)
}

/// Every refusal is a 401 `invalid_token`; the message says why, except for a configuration
/// fault, which is logged and not shown (it is ours, not the caller's).
fn refusal(error: &TokenError) -> ApiError {
    let message = match error {
        TokenError::Malformed => "the token is not a well-formed access token",
        TokenError::WrongAlgorithm => "the token's algorithm is not accepted",
        TokenError::UnknownKey => "the token was signed with an unknown key",
        TokenError::BadSignature => "the token's signature does not verify",
        TokenError::Expired => "the token has expired or is not valid yet",
        TokenError::WrongIssuer => "the token was not issued by Guichet",
        TokenError::WrongAudience => "the token was issued for another commune",
        TokenError::WrongType => "the token is not an access token",
        TokenError::NotConfigured(reason) => {
            eprintln!("token verifier not configured: {reason}");
            "the token cannot be verified"
        }
    };
    ApiError::Unauthorized {
        code: "invalid_token",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<&str, ApiError>) -> Option<&'static str> {
        match result {
            Err(ApiError::Unauthorized { code, .. }) => Some(code),
            _ => None,
        }
    }

    #[test]
    fn a_bearer_header_yields_its_token_whatever_the_case_of_the_scheme() {
        assert_eq!(
            bearer_token(Some(Some("Bearer abc.def.ghi"))).ok(),
            Some("abc.def.ghi")
        );
        assert_eq!(bearer_token(Some(Some("bearer  abc"))).ok(), Some("abc"));
    }

    #[test]
    fn no_header_is_a_missing_token() {
        assert_eq!(code(bearer_token(None)), Some("missing_token"));
    }

    #[test]
    fn other_schemes_empty_tokens_and_binary_headers_are_invalid() {
        for header in [
            Some("Basic dXNlcg=="),
            Some("Bearer "),
            Some("Bearer"),
            Some("Bearer a b"),
            None,
        ] {
            assert_eq!(
                code(bearer_token(Some(header))),
                Some("invalid_authorization"),
                "{header:?}"
            );
        }
    }

    #[test]
    fn every_verifier_refusal_is_an_invalid_token() {
        let all = [
            TokenError::Malformed,
            TokenError::WrongAlgorithm,
            TokenError::UnknownKey,
            TokenError::BadSignature,
            TokenError::Expired,
            TokenError::WrongIssuer,
            TokenError::WrongAudience,
            TokenError::WrongType,
            TokenError::NotConfigured("no keys".into()),
        ];
        for error in &all {
            let api = refusal(error);
            assert_eq!(api.status(), 401);
            assert!(matches!(
                api,
                ApiError::Unauthorized {
                    code: "invalid_token",
                    ..
                }
            ));
        }
    }

    #[test]
    fn a_configuration_fault_is_not_shown_to_the_caller() {
        let api = refusal(&TokenError::NotConfigured("token_jwks is empty".into()));
        assert!(!format!("{:?}", api.errors()).contains("token_jwks"));
    }

    #[test]
    fn only_a_token_with_the_role_passes_the_role_check() {
        let claims = Claims {
            subject: "u1".into(),
            commune: "demo".into(),
            roles: vec!["citizen".into(), "admin".into()],
            departments: vec![],
            expires_at: 0,
            auth_time: None,
        };
        assert!(require_role(&claims, Role::Admin).is_ok());
        assert_eq!(
            require_role(&claims, Role::Supervisor)
                .err()
                .map(|e| e.status()),
            Some(403)
        );
    }
}
