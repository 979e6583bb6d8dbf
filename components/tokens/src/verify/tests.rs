//! Each refusal of the verifier, on tokens minted like the identity component mints them.

use jwt_simple::prelude::{
    Base64UrlSafeNoPadding, Clock, Duration, Ed25519KeyPair, EdDSAKeyPairLike as _, HS256Key,
    JWTClaims, MACLike as _,
};
use jwt_simple::reexports::ct_codecs::Encoder as _;
use serde::Serialize;
use serde_json::json;

use super::*;

const ISSUER: &str = "guichet-identity";
const COMMUNE: &str = "demo";

#[derive(Serialize)]
struct Custom {
    typ: &'static str,
    roles: Vec<&'static str>,
    departments: Vec<&'static str>,
}

fn access() -> Custom {
    Custom {
        typ: "access",
        roles: vec!["admin"],
        departments: vec!["voirie"],
    }
}

fn claims(custom: Custom) -> JWTClaims<Custom> {
    jwt_simple::prelude::Claims::with_custom_claims(custom, Duration::from_secs(300))
        .with_issuer(ISSUER)
        .with_audience(COMMUNE)
        .with_subject("account-1")
}

struct Setup {
    pair: Ed25519KeyPair,
    keys: Vec<Key>,
}

fn setup() -> Setup {
    let pair = Ed25519KeyPair::generate().with_key_id("k1");
    let keys = vec![Key {
        kid: "k1".into(),
        public_key: pair.public_key(),
    }];
    Setup { pair, keys }
}

fn check(setup: &Setup, token: &str) -> Result<Claims, TokenError> {
    verify(token, COMMUNE, &setup.keys, ISSUER, None)
}

fn b64(value: &serde_json::Value) -> String {
    Base64UrlSafeNoPadding::encode_to_string(value.to_string()).unwrap_or_default()
}

/// A token with a hand-written header and claims, signed (or not) by the caller.
fn raw(header: serde_json::Value, claims: serde_json::Value, signature: &[u8]) -> String {
    let sig = Base64UrlSafeNoPadding::encode_to_string(signature).unwrap_or_default();
    format!("{}.{}.{}", b64(&header), b64(&claims), sig)
}

fn now() -> u64 {
    Clock::now_since_epoch().as_secs()
}

fn sign(setup: &Setup, claims: JWTClaims<Custom>) -> String {
    setup.pair.sign(claims).unwrap_or_default()
}

#[test]
fn a_valid_access_token_yields_its_claims() {
    let s = setup();
    let claims = check(&s, &sign(&s, claims(access()))).map_err(|e| format!("{e:?}"));
    let claims = claims.unwrap_or_else(|e| panic!("refused: {e}"));
    assert_eq!(claims.subject, "account-1");
    assert_eq!(claims.commune, COMMUNE);
    assert_eq!(claims.roles, ["admin"]);
    assert_eq!(claims.departments, ["voirie"]);
    assert!(claims.expires_at > now());
}

#[test]
fn the_sign_in_time_is_passed_on_when_the_token_has_one() {
    #[derive(Serialize)]
    struct WithAuthTime {
        typ: &'static str,
        auth_time: u64,
    }
    let s = setup();
    let signed_in = now() - 30;
    let custom = WithAuthTime { typ: "access", auth_time: signed_in };
    let token = s
        .pair
        .sign(
            jwt_simple::prelude::Claims::with_custom_claims(custom, Duration::from_secs(300))
                .with_issuer(ISSUER)
                .with_audience(COMMUNE)
                .with_subject("account-1"),
        )
        .unwrap_or_default();
    assert_eq!(check(&s, &token).ok().and_then(|c| c.auth_time), Some(signed_in));
    let without = check(&s, &sign(&s, claims(access()))).ok();
    assert_eq!(without.map(|c| c.auth_time), Some(None));
}

#[test]
fn an_audience_list_containing_the_commune_is_accepted() {
    let s = setup();
    let audiences = std::collections::HashSet::from(["other", COMMUNE]);
    let token = sign(&s, claims(access()).with_audiences(audiences));
    assert!(check(&s, &token).is_ok());
}

#[test]
fn alg_none_is_the_wrong_algorithm() {
    let s = setup();
    let token = raw(json!({"alg":"none","kid":"k1"}), json!({"sub":"x"}), b"");
    assert_eq!(check(&s, &token), Err(TokenError::WrongAlgorithm));
}

#[test]
fn hs256_keyed_with_the_public_key_is_the_wrong_algorithm() {
    let s = setup();
    let secret = HS256Key::from_bytes(&s.pair.public_key().to_bytes()).with_key_id("k1");
    let token = secret.authenticate(claims(access())).unwrap_or_default();
    assert_eq!(check(&s, &token), Err(TokenError::WrongAlgorithm));
}

#[test]
fn the_ed25519_alias_is_refused_because_the_algorithm_is_pinned_to_eddsa() {
    let s = setup();
    let token = raw(
        json!({"alg":"Ed25519","kid":"k1"}),
        json!({"sub":"x"}),
        &[0; 64],
    );
    assert_eq!(check(&s, &token), Err(TokenError::WrongAlgorithm));
}

#[test]
fn a_missing_or_unpublished_kid_is_an_unknown_key() {
    let s = setup();
    let other = Ed25519KeyPair::generate().with_key_id("k2");
    assert_eq!(
        check(&s, &other.sign(claims(access())).unwrap_or_default()),
        Err(TokenError::UnknownKey)
    );
    let anonymous = Ed25519KeyPair::generate();
    assert_eq!(
        check(&s, &anonymous.sign(claims(access())).unwrap_or_default()),
        Err(TokenError::UnknownKey)
    );
}

#[test]
fn a_token_signed_by_another_key_under_a_published_kid_has_a_bad_signature() {
    let s = setup();
    let impostor = Ed25519KeyPair::generate().with_key_id("k1");
    assert_eq!(
        check(&s, &impostor.sign(claims(access())).unwrap_or_default()),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn a_token_past_its_expiry_by_more_than_a_minute_has_expired() {
    let s = setup();
    let token = sign(&s, claims(access()));
    let later = |secs| Some(Duration::from_secs(now() + 300 + secs));
    assert!(
        verify(&token, COMMUNE, &s.keys, ISSUER, later(30)).is_ok(),
        "30 s of skew is tolerated"
    );
    assert_eq!(
        verify(&token, COMMUNE, &s.keys, ISSUER, later(120)),
        Err(TokenError::Expired)
    );
}

#[test]
fn a_token_not_valid_yet_counts_as_expired() {
    let s = setup();
    let token = sign(
        &s,
        claims(access()).invalid_before(Duration::from_secs(now() + 600)),
    );
    assert_eq!(check(&s, &token), Err(TokenError::Expired));
}

#[test]
fn another_issuer_or_no_issuer_is_the_wrong_issuer() {
    let s = setup();
    let token = sign(&s, claims(access()).with_issuer("someone-else"));
    assert_eq!(check(&s, &token), Err(TokenError::WrongIssuer));
    let mut anonymous = claims(access());
    anonymous.issuer = None;
    assert_eq!(
        check(&s, &sign(&s, anonymous)),
        Err(TokenError::WrongIssuer)
    );
}

#[test]
fn a_token_for_another_commune_is_the_wrong_audience() {
    let s = setup();
    let token = sign(&s, claims(access()).with_audience("elsewhere"));
    assert_eq!(check(&s, &token), Err(TokenError::WrongAudience));
}

#[test]
fn a_refresh_token_or_a_token_without_typ_is_the_wrong_type() {
    let s = setup();
    let refresh = Custom {
        typ: "refresh",
        ..access()
    };
    assert_eq!(
        check(&s, &sign(&s, claims(refresh))),
        Err(TokenError::WrongType)
    );
    #[derive(Serialize)]
    struct NoTyp {
        roles: Vec<String>,
    }
    let token = s.pair.sign(
        jwt_simple::prelude::Claims::with_custom_claims(
            NoTyp { roles: vec![] },
            Duration::from_secs(60),
        )
        .with_issuer(ISSUER)
        .with_audience(COMMUNE)
        .with_subject("a"),
    );
    assert_eq!(
        check(&s, &token.unwrap_or_default()),
        Err(TokenError::WrongType)
    );
}

#[test]
fn text_that_is_not_a_compact_jws_is_malformed() {
    let s = setup();
    for token in ["", "abc", "a.b.c", "!!.??.**"] {
        assert_eq!(check(&s, token), Err(TokenError::Malformed), "{token:?}");
    }
}

#[test]
fn roles_that_are_not_a_list_of_strings_make_the_token_malformed() {
    let s = setup();
    #[derive(Serialize)]
    struct BadRoles {
        typ: &'static str,
        roles: &'static str,
    }
    let token = s.pair.sign(
        jwt_simple::prelude::Claims::with_custom_claims(
            BadRoles {
                typ: "access",
                roles: "admin",
            },
            Duration::from_secs(60),
        )
        .with_issuer(ISSUER)
        .with_audience(COMMUNE)
        .with_subject("a"),
    );
    assert_eq!(
        check(&s, &token.unwrap_or_default()),
        Err(TokenError::Malformed)
    );
}

#[test]
fn a_token_without_expiry_is_malformed() {
    let s = setup();
    let mut endless = claims(access());
    endless.expires_at = None;
    assert_eq!(check(&s, &sign(&s, endless)), Err(TokenError::Malformed));
}

#[test]
fn a_token_without_subject_is_malformed() {
    let s = setup();
    let mut anonymous = claims(access());
    anonymous.subject = None;
    assert_eq!(check(&s, &sign(&s, anonymous)), Err(TokenError::Malformed));
}
