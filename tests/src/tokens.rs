//! Access tokens for tests, minted with jwt-simple exactly as the identity component will:
//! EdDSA, `kid` in the header, `iss`, `aud` = commune, `typ` = "access", roles, departments.

use jwt_simple::prelude::*;
use serde_json::json;

pub const ISSUER: &str = "guichet-identity";

/// A signing key and the JWKS that publishes its public half.
pub struct TestKeys {
    pub key: Ed25519KeyPair,
    pub kid: String,
}

#[derive(Serialize, Deserialize)]
struct Access {
    typ: String,
    roles: Vec<String>,
    departments: Vec<String>,
}

impl TestKeys {
    pub fn generate(kid: &str) -> TestKeys {
        TestKeys { key: Ed25519KeyPair::generate().with_key_id(kid), kid: kid.into() }
    }

    /// The first key of a private JWKS (`guichet-keys generate`'s output), to mint tokens a
    /// deployment made from that file accepts.
    pub fn from_private_jwks(text: &str) -> TestKeys {
        let jwks: serde_json::Value = serde_json::from_str(text).expect("a private JWKS");
        let key = &jwks["keys"][0];
        let part = |name: &str| {
            let text = key[name].as_str().unwrap_or_else(|| panic!("no `{name}` in the private JWK"));
            Base64UrlSafeNoPadding::decode_to_vec(text, None).expect("base64url")
        };
        let kid = key["kid"].as_str().expect("kid").to_owned();
        let pair = Ed25519KeyPair::from_bytes(&[part("d"), part("x")].concat()).expect("an Ed25519 key");
        TestKeys { key: pair.with_key_id(&kid), kid }
    }

    /// `{"keys":[...]}` with this key, as the `token_jwks` variable expects.
    pub fn jwks(&self) -> String {
        let x = Base64UrlSafeNoPadding::encode_to_string(self.key.public_key().to_bytes())
            .expect("base64");
        json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid, "x": x}]})
            .to_string()
    }

    /// An access token with the given audience (commune) and roles, valid for 5 minutes.
    pub fn access_token(&self, commune: &str, subject: &str, roles: &[&str]) -> String {
        self.token(commune, subject, roles, "access", Duration::from_mins(5))
    }

    /// An access token like [`TestKeys::access_token`] that also names the holder's
    /// departments (agents act only on requests of their departments).
    pub fn access_token_with_departments(
        &self,
        commune: &str,
        subject: &str,
        roles: &[&str],
        departments: &[&str],
    ) -> String {
        let claims = Claims::with_custom_claims(
            Access {
                typ: "access".into(),
                roles: roles.iter().map(|r| r.to_string()).collect(),
                departments: departments.iter().map(|d| d.to_string()).collect(),
            },
            Duration::from_mins(5),
        )
        .with_issuer(ISSUER)
        .with_audience(commune)
        .with_subject(subject);
        self.key.sign(claims).expect("signing")
    }

    /// An access token of a holder who signed in `signed_in_ago` ago (claim `auth_time`),
    /// as identity issues them; signing requires a recent sign-in.
    pub fn signed_in_token(&self, commune: &str, subject: &str, roles: &[&str], signed_in_ago: std::time::Duration) -> String {
        #[derive(Serialize, Deserialize)]
        struct WithAuthTime {
            typ: String,
            roles: Vec<String>,
            departments: Vec<String>,
            auth_time: u64,
        }
        let auth_time = Clock::now_since_epoch().as_secs().saturating_sub(signed_in_ago.as_secs());
        let claims = Claims::with_custom_claims(
            WithAuthTime {
                typ: "access".into(),
                roles: roles.iter().map(|r| r.to_string()).collect(),
                departments: Vec::new(),
                auth_time,
            },
            Duration::from_mins(5),
        )
        .with_issuer(ISSUER)
        .with_audience(commune)
        .with_subject(subject);
        self.key.sign(claims).expect("signing")
    }

    /// An access token that expired `ago` ago.
    pub fn expired_token(&self, commune: &str, subject: &str, roles: &[&str], ago: Duration) -> String {
        let mut claims = Claims::with_custom_claims(
            Access {
                typ: "access".into(),
                roles: roles.iter().map(|r| r.to_string()).collect(),
                departments: Vec::new(),
            },
            Duration::from_mins(5),
        )
        .with_issuer(ISSUER)
        .with_audience(commune)
        .with_subject(subject);
        let now = Clock::now_since_epoch();
        claims.issued_at = Some(now - ago - Duration::from_mins(5));
        claims.invalid_before = claims.issued_at;
        claims.expires_at = Some(now - ago);
        self.key.sign(claims).expect("signing")
    }

    pub fn token(&self, commune: &str, subject: &str, roles: &[&str], typ: &str, valid_for: Duration) -> String {
        let claims = Claims::with_custom_claims(
            Access {
                typ: typ.into(),
                roles: roles.iter().map(|r| r.to_string()).collect(),
                departments: Vec::new(),
            },
            valid_for,
        )
        .with_issuer(ISSUER)
        .with_audience(commune)
        .with_subject(subject);
        self.key.sign(claims).expect("signing")
    }
}
