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
