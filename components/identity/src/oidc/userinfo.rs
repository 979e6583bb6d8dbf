//! The claims some providers only give at their userinfo endpoint (OpenID Connect Core §5.3):
//! FranceConnect puts none but `sub` and `acr` in the ID token, and signs its userinfo answer.
//!
//! Asked only when the ID token has no e-mail address, with the access token of the same
//! exchange. A JSON answer is taken as the provider's (it came over the TLS connection of the
//! endpoint its discovery document named); a JWT answer (`application/jwt`) must be signed
//! like the ID token and name our issuer and client. Either way its `sub` must be the ID
//! token's (§5.3.2: otherwise the answer is about someone else).

use serde_json::Value as Json;

use super::discovery::Document;
use super::fetch;
use super::id_token::{self, is_true, text, Extra, Identity};

/// Why a userinfo answer is not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("userinfo_failed: {0}")]
    Failed(String),
    #[error("userinfo_invalid")]
    Invalid,
    #[error("userinfo_bad_signature: {0}")]
    Signature(id_token::Refused),
    #[error("userinfo_other_subject")]
    OtherSubject,
}

/// `identity` completed with the userinfo claims when its ID token had no e-mail address and
/// the provider has a userinfo endpoint.
pub async fn complete(
    identity: Identity,
    document: &Document,
    access_token: Option<&str>,
    keys: &Json,
    issuer: &str,
    client_id: &str,
    now: u64,
) -> Result<Identity, Unusable> {
    let (Some(endpoint), Some(token), None) =
        (&document.userinfo_endpoint, access_token, &identity.email)
    else {
        return Ok(identity);
    };
    let bearer = format!("Bearer {token}");
    let answer = fetch::get(endpoint.as_str(), &[("authorization", &bearer)])
        .await
        .map_err(|e| Unusable::Failed(e.to_string()))?;
    if answer.status != 200 {
        return Err(Unusable::Failed(format!(
            "{endpoint} answered {}",
            answer.status
        )));
    }
    let claims = read(
        &answer.media_type,
        &answer.body,
        keys,
        issuer,
        client_id,
        now,
    )?;
    merge(identity, &claims)
}

/// The claims of an answer (`sub` and the rest), signature checked when it is a JWT.
fn read(
    media_type: &str,
    body: &[u8],
    keys: &Json,
    issuer: &str,
    client_id: &str,
    now: u64,
) -> Result<(Option<String>, Extra), Unusable> {
    if media_type == "application/jwt" {
        let token = std::str::from_utf8(body)
            .map_err(|_| Unusable::Invalid)?
            .trim();
        let claims =
            id_token::verify_signed(token, keys, id_token::options(issuer, client_id, now))
                .map_err(Unusable::Signature)?;
        return Ok((claims.subject, claims.custom));
    }
    let value: Json = serde_json::from_slice(body).map_err(|_| Unusable::Invalid)?;
    let subject = value.get("sub").and_then(Json::as_str).map(str::to_owned);
    let extra: Extra = serde_json::from_value(value).map_err(|_| Unusable::Invalid)?;
    Ok((subject, extra))
}

fn merge(
    identity: Identity,
    (subject, claims): &(Option<String>, Extra),
) -> Result<Identity, Unusable> {
    if subject.as_deref() != Some(identity.subject.as_str()) {
        return Err(Unusable::OtherSubject);
    }
    Ok(Identity {
        email: text(claims.email.as_ref()),
        email_verified: is_true(claims.email_verified.as_ref()),
        given_name: identity
            .given_name
            .or_else(|| text(claims.given_name.as_ref())),
        family_name: identity
            .family_name
            .or_else(|| text(claims.family_name.as_ref())),
        ..identity
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn identity() -> Identity {
        Identity {
            subject: "sub-1".into(),
            acr: Some("eidas1".into()),
            email: None,
            email_verified: false,
            given_name: None,
            family_name: None,
        }
    }

    fn json_answer(value: Json) -> Result<Identity, Unusable> {
        let claims = read(
            "application/json",
            value.to_string().as_bytes(),
            &json!({"keys": []}),
            "i",
            "c",
            0,
        )?;
        merge(identity(), &claims)
    }

    #[test]
    fn a_json_answer_about_the_same_subject_completes_the_identity() {
        let done = json_answer(json!({"sub": "sub-1", "email": "m@example.org", "email_verified": true, "given_name": "Marie"}))
            .expect("merged");
        assert_eq!(done.email.as_deref(), Some("m@example.org"));
        assert!(done.email_verified);
        assert_eq!(done.given_name.as_deref(), Some("Marie"));
        assert_eq!(done.acr.as_deref(), Some("eidas1"));
    }

    #[test]
    fn an_answer_about_another_subject_or_none_is_refused() {
        assert_eq!(
            json_answer(json!({"sub": "sub-2", "email": "m@example.org"})),
            Err(Unusable::OtherSubject)
        );
        assert_eq!(
            json_answer(json!({"email": "m@example.org"})),
            Err(Unusable::OtherSubject)
        );
    }

    #[test]
    fn an_unsigned_jwt_answer_is_refused() {
        let b64 = |v: Json| crate::secrets::b64(v.to_string().as_bytes());
        let token = format!(
            "{}.{}.",
            b64(json!({"alg": "none"})),
            b64(json!({"sub": "sub-1", "iss": "i", "aud": "c"}))
        );
        let answer = read(
            "application/jwt",
            token.as_bytes(),
            &json!({"keys": []}),
            "i",
            "c",
            0,
        );
        assert!(matches!(
            answer,
            Err(Unusable::Signature(id_token::Refused::UnsupportedAlgorithm))
        ));
    }
}
