//! Guichet with a working identity: signing keys shared by identity (private JWKS) and every
//! verifier (public JWKS), a platform administrator's token, and a [`Mailbox`] receiving the
//! e-mails notifications delivers. Helpers for what most identity tests do: register, follow
//! the e-mailed link, sign in.

use std::time::Duration;

use jwt_simple::prelude::*;
use serde_json::{json, Value};

use crate::mailbox::{MailMessage, Mailbox};
use crate::tokens::TestKeys;
use crate::{Host, HostConfig, Reply};

/// The platform administrator's bearer token in tests.
pub const PLATFORM_TOKEN: &str = "platform-admin-test-token-0123456789";
/// The secret signatures derives its keys from, in tests.
pub const SIGNATURES_KEY_SECRET: &str = "signatures-test-secret-0123456789-abcdefghij";
/// The secret signatures and the components appending to the evidence log share.
pub const EVIDENCE_APPEND_SECRET: &str = "evidence-test-secret-0123456789";
/// A password that passes the policy.
pub const PASSWORD: &str = "velo rouge sous la pluie de mars";

/// A running Guichet and what a test needs around it.
pub struct Guichet {
    pub host: Host,
    pub mailbox: Mailbox,
    pub keys: TestKeys,
    _dir: tempfile::TempDir,
}

/// An access and refresh token pair.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// `{"keys":[private JWK]}` of `keys`, for the `identity_signing_keys` variable.
pub fn private_jwks(keys: &[&TestKeys]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            let bytes = k.key.to_bytes();
            json!({
                "kty": "OKP", "crv": "Ed25519", "kid": k.kid,
                "x": Base64UrlSafeNoPadding::encode_to_string(&bytes[32..]).expect("base64"),
                "d": Base64UrlSafeNoPadding::encode_to_string(&bytes[..32]).expect("base64"),
            })
        })
        .collect();
    json!({ "keys": keys }).to_string()
}

/// `{"keys":[public JWK]}` of `keys`, for the `token_jwks` variable.
pub fn public_jwks(keys: &[&TestKeys]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| serde_json::from_str::<Value>(&k.jwks()).expect("jwks")["keys"][0].clone())
        .collect();
    json!({ "keys": keys }).to_string()
}

impl HostConfig {
    /// Guichet in `dir`, with identity signing with `keys` (first signs) and every verifier
    /// trusting them, e-mail delivered to `mail_origin`, the platform API enabled.
    pub fn guichet_identity(dir: &std::path::Path, keys: &[&TestKeys], mail_origin: &str) -> HostConfig {
        HostConfig::guichet_in(dir)
            .env("SPIN_VARIABLE_IDENTITY_SIGNING_KEYS", &private_jwks(keys))
            .env("SPIN_VARIABLE_TOKEN_JWKS", &public_jwks(keys))
            .env("SPIN_VARIABLE_PLATFORM_ADMIN_TOKEN", PLATFORM_TOKEN)
            .env("SPIN_VARIABLE_MAIL_API_ORIGIN", mail_origin)
            .env("SPIN_VARIABLE_SIGNATURES_KEY_SECRET", SIGNATURES_KEY_SECRET)
            .env("SPIN_VARIABLE_EVIDENCE_APPEND_SECRET", EVIDENCE_APPEND_SECRET)
    }
}

impl Guichet {
    pub fn start() -> Guichet {
        Self::start_with(&[])
    }

    /// Starts with extra `SPIN_VARIABLE_*` settings.
    pub fn start_with(env: &[(&str, &str)]) -> Guichet {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = TestKeys::generate("test-key-1");
        let mailbox = Mailbox::start();
        // The mailbox takes SMS too (the SMS API has the e-mail API's shape).
        let mut config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin())
            .env("SPIN_VARIABLE_SMS_API_ORIGIN", &mailbox.origin());
        for (k, v) in env {
            config = config.env(k, v);
        }
        let host = Host::start(config, &dir);
        Guichet { host, mailbox, keys, _dir: dir }
    }

    /// A Guichet around a host already started on `dir` (a state prepared by the test).
    pub fn around(host: Host, mailbox: Mailbox, keys: TestKeys, dir: tempfile::TempDir) -> Guichet {
        Guichet { host, mailbox, keys, _dir: dir }
    }

    /// POST a JSON body, with a bearer token when given.
    pub fn post(&self, path: &str, body: &Value, bearer: Option<&str>) -> Reply {
        self.send_json("POST", path, body, bearer)
    }

    pub fn send_json(&self, method: &str, path: &str, body: &Value, bearer: Option<&str>) -> Reply {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(auth) = auth.as_deref() {
            headers.push(("authorization", auth));
        }
        self.host.send(method, path, &headers, Some(body.to_string().as_bytes()))
    }

    /// A request addressed to host name `name` (the `Host` header `name:port`: how a test
    /// reaches another commune on the same server), with a bearer token and a JSON body.
    pub fn at(&self, name: &str, method: &str, path: &str, bearer: Option<&str>, body: Option<&Value>) -> Reply {
        let port = self.host.base.rsplit(':').next().expect("port");
        let host = format!("{name}:{port}");
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let text = body.map(Value::to_string);
        let mut headers = vec![("host", host.as_str())];
        if let Some(auth) = auth.as_deref() {
            headers.push(("authorization", auth));
        }
        if text.is_some() {
            headers.push(("content-type", "application/json"));
        }
        self.host.send(method, path, &headers, text.as_deref().map(str::as_bytes))
    }

    /// GET with a bearer token.
    pub fn get(&self, path: &str, bearer: Option<&str>) -> Reply {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth.as_deref().map(|a| vec![("authorization", a)]).unwrap_or_default();
        self.host.send("GET", path, &headers, None)
    }

    /// The newest e-mail to `to` whose text links to `page` (e.g. `/account/verify-email`).
    pub fn mail_to(&self, to: &str, page: &str) -> MailMessage {
        self.mailbox.wait_for(to, |m| m.text.contains(page), Duration::from_secs(20));
        self.mailbox
            .messages()
            .into_iter()
            .filter(|m| m.to == to && m.text.contains(page))
            .last()
            .expect("message seen")
    }

    /// The secret of the newest link to `page` e-mailed to `to`.
    pub fn link_token(&self, to: &str, page: &str) -> String {
        token_in(&self.mail_to(to, page).text, page)
    }

    /// Registers `email`, follows the verification link: a verified citizen.
    pub fn verified_citizen(&self, email: &str) {
        let reply = self.post("/api/identity/register", &json!({"email": email, "password": PASSWORD}), None);
        assert_eq!(reply.status, 202, "register {email}: {}", reply.body);
        let token = self.link_token(email, "/account/verify-email");
        let reply = self.post("/api/identity/verify-email", &json!({"token": token}), None);
        assert_eq!(reply.status, 200, "verify {email}: {}", reply.body);
    }

    /// Signs in with a password.
    pub fn sign_in(&self, email: &str, password: &str) -> Reply {
        self.post("/api/identity/token", &json!({"grant_type": "password", "email": email, "password": password}), None)
    }

    /// A verified citizen, signed in.
    pub fn citizen(&self, email: &str) -> Tokens {
        self.verified_citizen(email);
        let reply = self.sign_in(email, PASSWORD);
        assert_eq!(reply.status, 200, "sign in {email}: {}", reply.body);
        tokens_of(&reply)
    }
}

/// The token pair of a token-endpoint answer.
pub fn tokens_of(reply: &Reply) -> Tokens {
    let body = reply.json();
    Tokens {
        access: body["access_token"].as_str().expect("access_token").to_owned(),
        refresh: body["refresh_token"].as_str().expect("refresh_token").to_owned(),
    }
}

/// The claims of a JWS, unverified (what a test reads of a token it was given).
pub fn claims_of(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload");
    let bytes = Base64UrlSafeNoPadding::decode_to_vec(part, None).expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

/// The secret after `page#token=` in an e-mail text.
pub fn token_in(text: &str, page: &str) -> String {
    let marker = format!("{page}#token=");
    let start = text.find(&marker).unwrap_or_else(|| panic!("no {marker} in {text:?}")) + marker.len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}
