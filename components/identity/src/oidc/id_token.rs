//! Validation of an ID token (OpenID Connect Core §3.1.3.7, RFC 8725), all of it, before
//! anything is trusted:
//!
//! 1. The algorithm of the header must be an asymmetric one Guichet supports: never `none`,
//!    never `HS*` (an HMAC "signed" with the provider's public key would otherwise verify).
//! 2. The key is the provider's JWKS key with the header's `kid` (the only suitable key when
//!    the token names none), of the key type the algorithm needs, `use` = `sig` and `alg` equal
//!    to the header's when the key says them; it is loaded with jwt-simple's strict JWK import
//!    for that one algorithm, so a key serves only the algorithm it was published for.
//! 3. The signature, then `iss` (exactly the configured issuer), `aud` (contains our
//!    `client_id`; with several audiences `azp` must be present, and when present it must be
//!    our `client_id`), `exp` and `iat` (both required, 60 s of clock skew, `iat` at most 10
//!    minutes old), `nonce` (the one sent, compared through its SHA-256), `sub` (present), and
//!    `acr` (one of the accepted values when the provider requires a level: no downgrade).
//!
//! Pure: the key set and the current time are given, so it is tested natively.

use std::collections::HashSet;

use jwt_simple::prelude::*;
use serde_json::Value as Json;

use crate::secrets;

/// Algorithms accepted for ID tokens: the asymmetric signatures jwt-simple verifies.
pub const ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];
/// Clock difference tolerated between the provider and us.
pub const MAX_SKEW_SECONDS: u64 = 60;
/// An ID token is used right after it is issued; an older one is a replay.
pub const MAX_AGE_SECONDS: u64 = 600;
/// Longer tokens are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Longest `sub` (OpenID Connect Core §2: at most 255 ASCII characters).
const MAX_SUBJECT: usize = 255;

/// What the token must say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// SHA-256 (hex) of the nonce sent in the authorization request.
    pub nonce_digest: &'a str,
    /// Accepted `acr` values; empty: any (or none).
    pub acr_values: &'a [String],
    /// Unix seconds.
    pub now: u64,
}

/// The verified identity an ID token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub acr: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

/// Why an ID token is refused (the code goes to the log, never the token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("malformed")]
    Malformed,
    #[error("unsupported_algorithm")]
    UnsupportedAlgorithm,
    #[error("unknown_key")]
    UnknownKey,
    #[error("unusable_key")]
    UnusableKey,
    #[error("invalid_signature")]
    InvalidSignature,
    #[error("wrong_issuer")]
    WrongIssuer,
    #[error("wrong_audience")]
    WrongAudience,
    #[error("wrong_authorized_party")]
    WrongAuthorizedParty,
    #[error("expired")]
    Expired,
    #[error("issued_in_the_future")]
    IssuedInTheFuture,
    #[error("too_old")]
    TooOld,
    #[error("missing_time")]
    MissingTime,
    #[error("wrong_nonce")]
    WrongNonce,
    #[error("insufficient_acr")]
    InsufficientAcr,
    #[error("missing_subject")]
    MissingSubject,
}

/// Claims beyond the registered ones, read leniently (a claim of an unexpected type is as if
/// absent, rather than failing a token that is otherwise valid).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Extra {
    #[serde(default)]
    acr: Option<Json>,
    #[serde(default)]
    azp: Option<Json>,
    #[serde(default)]
    pub email: Option<Json>,
    #[serde(default)]
    pub email_verified: Option<Json>,
    #[serde(default)]
    pub given_name: Option<Json>,
    #[serde(default)]
    pub family_name: Option<Json>,
}

pub(super) fn text(value: Option<&Json>) -> Option<String> {
    value.and_then(Json::as_str).map(str::to_owned)
}

/// `true`, or the string `"true"` some providers send.
pub fn is_true(value: Option<&Json>) -> bool {
    matches!(value, Some(Json::Bool(true))) || value.and_then(Json::as_str) == Some("true")
}

/// Validates `token` against the provider's key set `keys` (`{"keys":[..]}`).
pub fn validate(token: &str, keys: &Json, expected: &Expected) -> Result<Identity, Refused> {
    let options = VerificationOptions {
        max_validity: Some(Duration::from_secs(MAX_AGE_SECONDS)),
        ..options(expected.issuer, expected.client_id, expected.now)
    };
    let claims = verify_signed(token, keys, options)?;

    if claims.expires_at.is_none() || claims.issued_at.is_none() {
        return Err(Refused::MissingTime);
    }
    let extra = &claims.custom;
    let azp = extra.azp.as_ref().map(|v| v.as_str().unwrap_or_default());
    let several_audiences = match &claims.audiences {
        Some(Audiences::AsSet(set)) => set.len() > 1,
        _ => false,
    };
    if (several_audiences && azp.is_none()) || azp.is_some_and(|azp| azp != expected.client_id) {
        return Err(Refused::WrongAuthorizedParty);
    }
    let nonce_ok = claims
        .nonce
        .as_deref()
        .is_some_and(|nonce| secrets::same(&secrets::digest(nonce), expected.nonce_digest));
    if !nonce_ok {
        return Err(Refused::WrongNonce);
    }
    let subject = claims.subject.clone().unwrap_or_default();
    if subject.is_empty() || subject.len() > MAX_SUBJECT || subject.chars().any(char::is_control) {
        return Err(Refused::MissingSubject);
    }
    let acr = text(extra.acr.as_ref());
    if !expected.acr_values.is_empty()
        && !acr
            .as_ref()
            .is_some_and(|acr| expected.acr_values.contains(acr))
    {
        return Err(Refused::InsufficientAcr);
    }
    Ok(Identity {
        subject,
        acr,
        email: text(extra.email.as_ref()),
        email_verified: is_true(extra.email_verified.as_ref()),
        given_name: text(extra.given_name.as_ref()),
        family_name: text(extra.family_name.as_ref()),
    })
}

/// The checks every signed answer of the provider gets: `iss`, `aud`, 60 s of skew on `exp`,
/// `iat` and `nbf`.
pub(super) fn options(issuer: &str, client_id: &str, now: u64) -> VerificationOptions {
    VerificationOptions {
        allowed_issuers: Some(HashSet::from([issuer.to_owned()])),
        allowed_audiences: Some(HashSet::from([client_id.to_owned()])),
        time_tolerance: Some(Duration::from_secs(MAX_SKEW_SECONDS)),
        max_token_length: Some(MAX_TOKEN_BYTES),
        artificial_time: Some(UnixTimeStamp::from_secs(now)),
        ..VerificationOptions::default()
    }
}

/// Verifies a JWT signed by the provider (steps 1 and 2 of the module overview, then the
/// signature and `options`).
pub(super) fn verify_signed(
    token: &str,
    keys: &Json,
    options: VerificationOptions,
) -> Result<JWTClaims<Extra>, Refused> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Refused::Malformed);
    }
    let metadata = Token::decode_metadata(token).map_err(|_| Refused::Malformed)?;
    let algorithm = metadata.algorithm();
    if !ALGORITHMS.contains(&algorithm) {
        return Err(Refused::UnsupportedAlgorithm);
    }
    let jwk = select_key(keys, algorithm, metadata.key_id())?.to_string();
    verify(algorithm, &jwk, token, options)
}

/// The JWK type an algorithm needs.
fn key_type(algorithm: &str) -> &'static str {
    match algorithm {
        "ES256" | "ES384" => "EC",
        "EdDSA" => "OKP",
        _ => "RSA",
    }
}

/// The one key of `keys` that may verify a token with this header (see the module overview).
fn select_key<'k>(keys: &'k Json, algorithm: &str, kid: Option<&str>) -> Result<&'k Json, Refused> {
    let absent_or = |key: &Json, member: &str, wanted: &str| {
        key.get(member)
            .is_none_or(|value| value.as_str() == Some(wanted))
    };
    let candidates: Vec<&Json> = keys
        .get("keys")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|key| key.get("kty").and_then(Json::as_str) == Some(key_type(algorithm)))
        .filter(|key| absent_or(key, "use", "sig") && absent_or(key, "alg", algorithm))
        .filter(|key| kid.is_none_or(|kid| key.get("kid").and_then(Json::as_str) == Some(kid)))
        .collect();
    match candidates.as_slice() {
        [key] => Ok(key),
        _ => Err(Refused::UnknownKey),
    }
}

/// Imports `jwk` for `algorithm` only, and verifies `token` with it.
fn verify(
    algorithm: &str,
    jwk: &str,
    token: &str,
    options: VerificationOptions,
) -> Result<JWTClaims<Extra>, Refused> {
    fn with<K>(
        key: Result<K, jwt_simple::Error>,
        check: impl FnOnce(K) -> Result<JWTClaims<Extra>, jwt_simple::Error>,
    ) -> Result<JWTClaims<Extra>, Refused> {
        check(key.map_err(|_| Refused::UnusableKey)?).map_err(refusal)
    }
    let options = Some(options);
    match algorithm {
        "RS256" => with(RS256PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "RS384" => with(RS384PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "RS512" => with(RS512PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "PS256" => with(PS256PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "PS384" => with(PS384PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "PS512" => with(PS512PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "ES256" => with(ES256PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "ES384" => with(ES384PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        "EdDSA" => with(Ed25519PublicKey::from_jwk(jwk), |k| {
            k.verify_token(token, options)
        }),
        _ => Err(Refused::UnsupportedAlgorithm),
    }
}

/// jwt-simple's reason, as ours.
fn refusal(error: jwt_simple::Error) -> Refused {
    use jwt_simple::JWTError as E;
    match error.downcast_ref::<E>() {
        Some(E::InvalidSignature) => Refused::InvalidSignature,
        Some(E::AlgorithmMismatch) => Refused::UnsupportedAlgorithm,
        Some(E::RequiredIssuerMismatch | E::RequiredIssuerMissing) => Refused::WrongIssuer,
        Some(E::RequiredAudienceMismatch | E::RequiredAudienceMissing) => Refused::WrongAudience,
        Some(E::TokenHasExpired) => Refused::Expired,
        Some(E::ClockDrift | E::TokenNotValidYet) => Refused::IssuedInTheFuture,
        Some(E::TokenIsTooOld) => Refused::TooOld,
        _ => Refused::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use serde::Serialize;
    use serde_json::json;

    use super::*;

    const ISSUER: &str = "https://op.example.org";
    const CLIENT: &str = "guichet";
    const NONCE: &str = "n-0S6_WzA2Mj";

    #[derive(Serialize, Default)]
    struct Custom {
        #[serde(skip_serializing_if = "Option::is_none")]
        acr: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        azp: Option<String>,
        email: String,
        email_verified: bool,
    }

    fn rsa() -> &'static RS256KeyPair {
        static KEY: OnceLock<RS256KeyPair> = OnceLock::new();
        KEY.get_or_init(|| {
            RS256KeyPair::generate(2048)
                .expect("rsa key")
                .with_key_id("rsa-1")
        })
    }

    fn ec() -> &'static ES256KeyPair {
        static KEY: OnceLock<ES256KeyPair> = OnceLock::new();
        KEY.get_or_init(|| ES256KeyPair::generate().with_key_id("ec-1"))
    }

    fn ed() -> &'static Ed25519KeyPair {
        static KEY: OnceLock<Ed25519KeyPair> = OnceLock::new();
        KEY.get_or_init(|| Ed25519KeyPair::generate().with_key_id("ed-1"))
    }

    fn with_kid(jwk: String, kid: &str) -> Json {
        let mut jwk: Json = serde_json::from_str(&jwk).expect("jwk");
        jwk["kid"] = json!(kid);
        jwk
    }

    /// The provider's published set: one key of each type.
    fn jwks() -> Json {
        json!({"keys": [
            with_kid(rsa().public_key().to_jwk(), "rsa-1"),
            with_kid(ec().public_key().to_jwk(), "ec-1"),
            with_kid(ed().public_key().to_jwk(), "ed-1"),
        ]})
    }

    fn claims(custom: Custom) -> JWTClaims<Custom> {
        Claims::with_custom_claims(custom, Duration::from_mins(5))
            .with_issuer(ISSUER)
            .with_audience(CLIENT)
            .with_subject("sub-123")
            .with_nonce(NONCE)
    }

    fn standard() -> Custom {
        Custom {
            acr: Some("eidas2".into()),
            email: "marie@example.org".into(),
            email_verified: true,
            ..Custom::default()
        }
    }

    fn now() -> u64 {
        Clock::now_since_epoch().as_secs()
    }

    fn expected(now: u64) -> Expected<'static> {
        static ACCEPTED: OnceLock<Vec<String>> = OnceLock::new();
        static NONCE_DIGEST: OnceLock<String> = OnceLock::new();
        Expected {
            issuer: ISSUER,
            client_id: CLIENT,
            nonce_digest: NONCE_DIGEST.get_or_init(|| secrets::digest(NONCE)),
            acr_values: ACCEPTED.get_or_init(|| vec!["eidas2".into(), "eidas3".into()]),
            now,
        }
    }

    fn check(token: &str) -> Result<Identity, Refused> {
        validate(token, &jwks(), &expected(now()))
    }

    fn b64(value: &Json) -> String {
        Base64UrlSafeNoPadding::encode_to_string(value.to_string()).expect("base64")
    }

    #[test]
    fn rs256_es256_and_eddsa_tokens_from_the_provider_are_accepted() {
        for token in [
            rsa().sign(claims(standard())).expect("sign"),
            ec().sign(claims(standard())).expect("sign"),
            ed().sign(claims(standard())).expect("sign"),
        ] {
            let identity = check(&token).expect("valid token");
            assert_eq!(identity.subject, "sub-123");
            assert_eq!(identity.acr.as_deref(), Some("eidas2"));
            assert_eq!(identity.email.as_deref(), Some("marie@example.org"));
            assert!(identity.email_verified);
        }
    }

    #[test]
    fn a_wrong_nonce_is_refused() {
        let token = rsa()
            .sign(claims(standard()).with_nonce("another"))
            .expect("sign");
        assert_eq!(check(&token), Err(Refused::WrongNonce));
        let mut without = claims(standard());
        without.nonce = None;
        assert_eq!(
            check(&ec().sign(without).expect("sign")),
            Err(Refused::WrongNonce)
        );
    }

    #[test]
    fn a_token_for_another_client_or_from_another_issuer_is_refused() {
        let other_audience = claims(standard()).with_audience("someone-else");
        assert_eq!(
            check(&rsa().sign(other_audience).expect("sign")),
            Err(Refused::WrongAudience)
        );
        let other_issuer = claims(standard()).with_issuer("https://evil.example.org");
        assert_eq!(
            check(&rsa().sign(other_issuer).expect("sign")),
            Err(Refused::WrongIssuer)
        );
    }

    #[test]
    fn several_audiences_need_our_client_as_authorized_party() {
        let both = || {
            claims(standard())
                .with_audiences(HashSet::from([CLIENT.to_owned(), "other".to_owned()]))
        };
        assert_eq!(
            check(&rsa().sign(both()).expect("sign")),
            Err(Refused::WrongAuthorizedParty)
        );
        let mut named = both();
        named.custom.azp = Some(CLIENT.into());
        assert!(check(&rsa().sign(named).expect("sign")).is_ok());
        let mut wrong = claims(standard());
        wrong.custom.azp = Some("other".into());
        assert_eq!(
            check(&rsa().sign(wrong).expect("sign")),
            Err(Refused::WrongAuthorizedParty)
        );
    }

    #[test]
    fn an_expired_token_is_refused_beyond_sixty_seconds_of_skew() {
        let token = rsa().sign(claims(standard())).expect("sign");
        let later = now() + 300;
        assert!(validate(&token, &jwks(), &expected(later + MAX_SKEW_SECONDS - 5)).is_ok());
        assert_eq!(
            validate(&token, &jwks(), &expected(later + MAX_SKEW_SECONDS + 5)),
            Err(Refused::Expired)
        );
    }

    #[test]
    fn a_token_issued_in_the_future_or_long_ago_is_refused() {
        let token = ed().sign(claims(standard())).expect("sign");
        assert_eq!(
            validate(&token, &jwks(), &expected(now() - 120)),
            Err(Refused::IssuedInTheFuture)
        );
        let mut old = claims(standard());
        old.issued_at = Some(UnixTimeStamp::from_secs(now() - MAX_AGE_SECONDS - 30));
        assert_eq!(check(&ed().sign(old).expect("sign")), Err(Refused::TooOld));
    }

    #[test]
    fn a_token_without_expiry_is_refused() {
        let mut claims = claims(standard());
        claims.expires_at = None;
        assert_eq!(
            check(&ec().sign(claims).expect("sign")),
            Err(Refused::MissingTime)
        );
    }

    #[test]
    fn a_lower_acr_than_required_or_none_is_refused() {
        let low = Custom {
            acr: Some("eidas1".into()),
            ..standard()
        };
        assert_eq!(
            check(&rsa().sign(claims(low)).expect("sign")),
            Err(Refused::InsufficientAcr)
        );
        let none = Custom {
            acr: None,
            ..standard()
        };
        assert_eq!(
            check(&rsa().sign(claims(none)).expect("sign")),
            Err(Refused::InsufficientAcr)
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let header = json!({"alg": "none", "typ": "JWT", "kid": "rsa-1"});
        let payload = json!({"iss": ISSUER, "aud": CLIENT, "sub": "sub-123", "nonce": NONCE, "acr": "eidas2",
            "iat": now(), "exp": now() + 300});
        let token = format!("{}.{}.", b64(&header), b64(&payload));
        assert_eq!(check(&token), Err(Refused::UnsupportedAlgorithm));
    }

    #[test]
    fn hs256_signed_with_the_providers_public_key_is_refused() {
        let public = rsa().public_key().to_jwk();
        let hmac = HS256Key::from_bytes(public.as_bytes()).with_key_id("rsa-1");
        let token = hmac.authenticate(claims(standard())).expect("mac");
        assert_eq!(check(&token), Err(Refused::UnsupportedAlgorithm));
        let pem = rsa().public_key().to_pem().expect("pem");
        let hmac = HS256Key::from_bytes(pem.as_bytes()).with_key_id("rsa-1");
        assert_eq!(
            check(&hmac.authenticate(claims(standard())).expect("mac")),
            Err(Refused::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn an_unknown_kid_or_a_key_of_another_provider_is_refused() {
        let stranger = ES256KeyPair::generate().with_key_id("ec-2");
        assert_eq!(
            check(&stranger.sign(claims(standard())).expect("sign")),
            Err(Refused::UnknownKey)
        );
        let impostor = ES256KeyPair::generate().with_key_id("ec-1");
        assert_eq!(
            check(&impostor.sign(claims(standard())).expect("sign")),
            Err(Refused::InvalidSignature)
        );
    }

    #[test]
    fn a_key_is_used_only_for_its_algorithm() {
        // The RSA key is published for RS256: a PS256 token naming it finds no key.
        let mut published = jwks();
        published["keys"][0]["alg"] = json!("RS256");
        let pss = PS256KeyPair::from_der(&rsa().to_der().expect("der"))
            .expect("key")
            .with_key_id("rsa-1");
        let token = pss.sign(claims(standard())).expect("sign");
        assert_eq!(
            validate(&token, &published, &expected(now())),
            Err(Refused::UnknownKey)
        );
        // An EC token whose header names the RSA key's kid.
        let confused = ES256KeyPair::generate().with_key_id("rsa-1");
        assert_eq!(
            check(&confused.sign(claims(standard())).expect("sign")),
            Err(Refused::UnknownKey)
        );
    }

    #[test]
    fn a_token_whose_payload_was_changed_is_refused() {
        let token = rsa().sign(claims(standard())).expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        let mut payload: Json = serde_json::from_slice(
            &Base64UrlSafeNoPadding::decode_to_vec(parts[1], None).expect("base64"),
        )
        .expect("json");
        payload["sub"] = json!("someone-else");
        let forged = format!("{}.{}.{}", parts[0], b64(&payload), parts[2]);
        assert_eq!(check(&forged), Err(Refused::InvalidSignature));
    }

    #[test]
    fn a_token_without_subject_is_refused() {
        let mut claims = claims(standard());
        claims.subject = None;
        assert_eq!(
            check(&ed().sign(claims).expect("sign")),
            Err(Refused::MissingSubject)
        );
    }

    #[test]
    fn without_a_required_level_any_acr_is_accepted() {
        let token = rsa()
            .sign(claims(Custom {
                acr: None,
                ..standard()
            }))
            .expect("sign");
        let any = Expected {
            acr_values: &[],
            ..expected(now())
        };
        assert_eq!(validate(&token, &jwks(), &any).expect("valid").acr, None);
    }

    #[test]
    fn garbage_is_malformed() {
        assert_eq!(check("not a token"), Err(Refused::Malformed));
        assert_eq!(check(&"a".repeat(20_000)), Err(Refused::Malformed));
    }
}
