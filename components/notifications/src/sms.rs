//! The SMS provider: an HTTP API (`POST <sms_api_origin>/messages`) that accepts one text
//! message as JSON `{"message_id","from","to","subject","text"}`: the shape of the e-mail
//! provider's, with `to` a phone number in international form (`+33612345678`), `text` the
//! SMS (at most 459 characters) and `subject` a one-line summary the gateway may ignore. With
//! `Authorization: Bearer <sms_api_key>` when a key is configured. Any 2xx means accepted;
//! statuses mean what they mean for the e-mail provider ([`classify`]). One shape for both
//! lets the demo's mailbox (`guichet-mailbox`) show SMS too, and a real gateway needs only a
//! small adapter.
//!
//! Configured by the Spin variables `sms_api_origin`, `sms_api_key` (secret) and `sms_from`
//! (the sender name shown on phones); spin.toml grants outbound HTTP to `{{ sms_api_origin }}`.
//! Most SMS gateways (or a small adapter in front of them) take this shape.

use anyhow::{anyhow, bail, Context as _};
use serde_json::json;
use spin_sdk::http::{Method, Request, Response};

use crate::provider::{classify, Outcome, Outgoing};

/// Where and how to send text messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsProvider {
    url: String,
    key: Option<String>,
    from: String,
}

impl SmsProvider {
    /// The provider the Spin variables describe.
    pub fn from_variables() -> anyhow::Result<Self> {
        let get = |name: &str| {
            spin_sdk::variables::get(name)
                .with_context(|| format!("reading the Spin variable {name}"))
        };
        Self::new(
            &get("sms_api_origin")?,
            &get("sms_api_key")?,
            &get("sms_from")?,
        )
    }

    /// Checks the configuration like the e-mail provider's: `origin` is `http(s)://host[:port]`.
    pub fn new(origin: &str, key: &str, from: &str) -> anyhow::Result<Self> {
        let origin = origin.strip_suffix('/').unwrap_or(origin);
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .ok_or_else(|| anyhow!("sms_api_origin must start with http:// or https://"))?;
        if authority.is_empty()
            || authority
                .chars()
                .any(|c| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace() || c.is_control())
        {
            bail!("sms_api_origin must be scheme://host[:port], without path, query or user");
        }
        if from.trim().is_empty() || from.chars().any(char::is_control) {
            bail!("sms_from must be a sender name on one line");
        }
        let key = key.trim();
        Ok(Self {
            url: format!("{origin}/messages"),
            key: (!key.is_empty()).then(|| key.to_owned()),
            from: from.to_owned(),
        })
    }

    /// Hands `message` (its `to` a phone number, its `text` the SMS) to the provider; never
    /// fails, like [`crate::provider::Provider::send`].
    pub async fn send(&self, message: &Outgoing) -> Outcome {
        let body = json!({
            "message_id": message.id,
            "from": self.from,
            "to": message.to,
            "subject": message.subject,
            "text": message.text,
        });
        let mut builder = Request::builder();
        builder
            .method(Method::Post)
            .uri(self.url.as_str())
            .header("content-type", "application/json");
        if let Some(key) = &self.key {
            builder.header("authorization", format!("Bearer {key}"));
        }
        let request = builder.body(body.to_string().into_bytes()).build();
        match spin_sdk::http::send::<_, Response>(request).await {
            Ok(response) => classify(*response.status()),
            Err(error) => {
                Outcome::Retry(format!("the SMS provider could not be reached: {error:?}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_the_origin_with_messages_and_bad_origins_are_refused() {
        let provider = SmsProvider::new("http://127.0.0.1:8026/", "", "Mairie");
        assert_eq!(
            provider.map(|p| p.url).ok().as_deref(),
            Some("http://127.0.0.1:8026/messages")
        );
        assert!(SmsProvider::new("http://sms.example.org/api", "", "Mairie").is_err());
        assert!(SmsProvider::new("sms.example.org", "", "Mairie").is_err());
        assert!(SmsProvider::new("https://sms.example.org", "", "").is_err());
    }
}
