//! A provider's discovery document (OpenID Connect Discovery 1.0) and its key set.
//!
//! The document is fetched from `{issuer}/.well-known/openid-configuration`; its `issuer` must
//! be exactly the configured one (§4.3: otherwise a document could send us to another
//! provider's endpoints), and every endpoint must be https (or http on loopback, like the
//! issuer itself).

use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;
use serde_json::Value as Json;
use url::Url;

use super::config::{secure_enough, Issuer};
use super::fetch;

/// What Guichet uses of a discovery document.
#[derive(Debug, Clone)]
pub struct Document {
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    pub userinfo_endpoint: Option<Url>,
    code_challenge_methods: Option<Vec<String>>,
    acr_values: Option<Vec<String>>,
    /// The provider puts `iss` in authorization responses (RFC 9207): then one without it is
    /// refused (mix-up attacks).
    pub iss_parameter_supported: bool,
}

#[derive(Deserialize)]
struct Raw {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    acr_values_supported: Option<Vec<String>>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: Option<bool>,
}

impl Document {
    /// Checks a discovery document's text against the configured `issuer`.
    pub fn parse(issuer: &Issuer, body: &[u8]) -> anyhow::Result<Document> {
        let raw: Raw = serde_json::from_slice(body)
            .map_err(|e| anyhow!("the discovery document is not valid: {e}"))?;
        if raw.issuer != issuer.as_str() {
            bail!(
                "the discovery document names the issuer {:?}, not {:?} (they must be identical)",
                raw.issuer,
                issuer.as_str()
            );
        }
        Ok(Document {
            authorization_endpoint: endpoint(
                "authorization_endpoint",
                &raw.authorization_endpoint,
            )?,
            token_endpoint: endpoint("token_endpoint", &raw.token_endpoint)?,
            jwks_uri: endpoint("jwks_uri", &raw.jwks_uri)?,
            userinfo_endpoint: raw
                .userinfo_endpoint
                .as_deref()
                .map(|u| endpoint("userinfo_endpoint", u))
                .transpose()?,
            code_challenge_methods: raw.code_challenge_methods_supported,
            acr_values: raw.acr_values_supported,
            iss_parameter_supported: raw
                .authorization_response_iss_parameter_supported
                .unwrap_or(false),
        })
    }

    /// Whether PKCE with S256 may be used (a provider that does not list its methods is asked
    /// for S256 anyway: PKCE is then at worst ignored, never weakened).
    pub fn supports_s256(&self) -> bool {
        self.code_challenge_methods
            .as_ref()
            .is_none_or(|methods| methods.iter().any(|m| m == "S256"))
    }

    /// Whether the provider may answer with `acr` = `value` (unknown when it does not say).
    pub fn supports_acr(&self, value: &str) -> bool {
        self.acr_values
            .as_ref()
            .is_none_or(|values| values.iter().any(|v| v == value))
    }
}

fn endpoint(name: &str, text: &str) -> anyhow::Result<Url> {
    let url = Url::parse(text).map_err(|_| anyhow!("{name} is not a URL"))?;
    if !secure_enough(&url) || url.fragment().is_some() {
        bail!("{name} must be an https URL without fragment");
    }
    Ok(url)
}

/// Fetches and checks the discovery document of `issuer`.
pub async fn fetch(issuer: &Issuer) -> anyhow::Result<Document> {
    let url = issuer.discovery_url();
    let answer = fetch::get(&url, &[]).await?;
    if answer.status != 200 {
        bail!("{url} answered {} instead of 200", answer.status);
    }
    Document::parse(issuer, &answer.body).with_context(|| url.clone())
}

/// The provider's public keys (`{"keys":[..]}`) from its `jwks_uri`.
pub async fn keys(document: &Document) -> anyhow::Result<Json> {
    let url = document.jwks_uri.as_str();
    let answer = fetch::get(url, &[]).await?;
    if answer.status != 200 {
        bail!("{url} answered {} instead of 200", answer.status);
    }
    let set: Json =
        serde_json::from_slice(&answer.body).map_err(|e| anyhow!("{url}: not JSON: {e}"))?;
    if !set.get("keys").is_some_and(Json::is_array) {
        bail!("{url}: not a JWK set (no `keys` array)");
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issuer() -> Issuer {
        Issuer::parse("https://op.example.org").expect("issuer")
    }

    fn document(changes: Json) -> Json {
        let mut doc = json!({
            "issuer": "https://op.example.org",
            "authorization_endpoint": "https://op.example.org/auth",
            "token_endpoint": "https://op.example.org/token",
            "jwks_uri": "https://op.example.org/jwks",
            "userinfo_endpoint": "https://op.example.org/me",
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ["eidas1", "eidas2"],
            "authorization_response_iss_parameter_supported": true,
        });
        for (k, v) in changes.as_object().expect("object") {
            doc[k] = v.clone();
        }
        doc
    }

    fn parse(doc: Json) -> anyhow::Result<Document> {
        Document::parse(&issuer(), doc.to_string().as_bytes())
    }

    #[test]
    fn a_standard_document_gives_its_endpoints_and_capabilities() {
        let doc = parse(document(json!({}))).expect("valid");
        assert_eq!(doc.token_endpoint.as_str(), "https://op.example.org/token");
        assert!(doc.supports_s256());
        assert!(doc.supports_acr("eidas2"));
        assert!(!doc.supports_acr("eidas3"));
        assert!(doc.iss_parameter_supported);
    }

    #[test]
    fn an_issuer_that_differs_even_by_a_trailing_slash_is_refused() {
        assert!(parse(document(json!({"issuer": "https://op.example.org/"}))).is_err());
        assert!(parse(document(json!({"issuer": "https://evil.example.org"}))).is_err());
    }

    #[test]
    fn plain_http_endpoints_elsewhere_than_loopback_are_refused() {
        assert!(parse(document(
            json!({"token_endpoint": "http://op.example.org/token"})
        ))
        .is_err());
        assert!(parse(document(json!({"jwks_uri": "not a url"}))).is_err());
    }

    #[test]
    fn a_provider_without_s256_is_seen_as_such() {
        let doc = parse(document(
            json!({"code_challenge_methods_supported": ["plain"]}),
        ))
        .expect("valid");
        assert!(!doc.supports_s256());
    }
}
