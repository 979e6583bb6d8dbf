//! The e-mail and SMS providers: HTTP APIs (`POST <origin>/messages`) that accept one message
//! as JSON `{"message_id","from","to","subject","text","html"?}` (`html`: an e-mail's HTML
//! part, always with its plain-text `text`), with `Authorization: Bearer <key>`
//! when a key is configured. Any 2xx means accepted.
//!
//! Configured by the Spin variables `mail_api_origin`, `mail_api_key` (secret) and `mail_from`
//! for e-mail, `sms_api_origin`, `sms_api_key`, `sms_from` for SMS (see [`crate::sms`]);
//! spin.toml grants outbound HTTP to those two origins only. The provider uses `message_id` to
//! drop a message it already accepted (a retried attempt after a lost answer).

use anyhow::{anyhow, bail, Context as _};
use serde_json::{json, Value};
use spin_sdk::http::{Method, Request, Response};

/// What an attempt to hand a message to the provider came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider delivered the message (any 2xx but 202).
    Sent,
    /// The provider took the message for delivery and will say by a callback how it went
    /// (202 Accepted).
    Accepted,
    /// Not accepted this time (provider down or busy, network, configuration): try again later.
    Retry(String),
    /// The provider refused this message as such (it would refuse it again): give up.
    Refused(String),
}

/// The message as handed to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The message id (the provider's idempotency key).
    pub id: String,
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body (always sent: an HTML e-mail carries it as its text part).
    pub text: String,
    /// The HTML body of an e-mail, if it has one (HTML-escaped where it inserts values).
    pub html: Option<String>,
}

/// Where and how to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    url: String,
    key: Option<String>,
    from: String,
}

impl Provider {
    /// The e-mail provider the Spin variables describe.
    pub fn from_variables() -> anyhow::Result<Self> {
        Self::configured("mail")
    }

    /// The provider the Spin variables `<kind>_api_origin`, `<kind>_api_key` and
    /// `<kind>_from` describe (`kind`: `mail` or `sms`).
    pub fn configured(kind: &str) -> anyhow::Result<Self> {
        let get = |name: String| {
            spin_sdk::variables::get(&name)
                .with_context(|| format!("reading the Spin variable {name}"))
        };
        Self::named(
            kind,
            &get(format!("{kind}_api_origin"))?,
            &get(format!("{kind}_api_key"))?,
            &get(format!("{kind}_from"))?,
        )
    }

    /// The e-mail provider at `origin` (see [`Provider::named`]); the unit tests' shorthand.
    #[cfg(test)]
    pub fn new(origin: &str, key: &str, from: &str) -> anyhow::Result<Self> {
        Self::named("mail", origin, key, from)
    }

    /// Checks the configuration of the `kind` provider: `origin` is `http(s)://host[:port]` (a
    /// trailing `/` is tolerated), `from` is one non-empty line; an empty `key` means no
    /// `Authorization` header.
    pub fn named(kind: &str, origin: &str, key: &str, from: &str) -> anyhow::Result<Self> {
        let origin = origin.strip_suffix('/').unwrap_or(origin);
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .ok_or_else(|| anyhow!("{kind}_api_origin must start with http:// or https://"))?;
        if authority.is_empty()
            || authority
                .chars()
                .any(|c| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace() || c.is_control())
        {
            bail!("{kind}_api_origin must be scheme://host[:port], without path, query or user");
        }
        if from.trim().is_empty() || from.chars().any(char::is_control) {
            bail!("{kind}_from must be a sender on one line");
        }
        let key = key.trim();
        Ok(Self {
            url: format!("{origin}/messages"),
            key: (!key.is_empty()).then(|| key.to_owned()),
            from: from.to_owned(),
        })
    }

    /// The JSON body sent for `message`.
    pub fn payload(&self, message: &Outgoing) -> Value {
        let mut payload = json!({
            "message_id": message.id,
            "from": self.from,
            "to": message.to,
            "subject": message.subject,
            "text": message.text,
        });
        if let Some(html) = &message.html {
            payload["html"] = json!(html);
        }
        payload
    }

    /// Hands `message` to the provider. Never fails: every failure is an [`Outcome`] that says
    /// whether to try again. The reasons name statuses and transport errors only, never the
    /// message's content (they are logged and stored).
    pub async fn send(&self, message: &Outgoing) -> Outcome {
        let body = match serde_json::to_vec(&self.payload(message)) {
            Ok(body) => body,
            Err(error) => return Outcome::Retry(format!("serialising the message: {error}")),
        };
        let mut builder = Request::builder();
        builder
            .method(Method::Post)
            .uri(self.url.as_str())
            .header("content-type", "application/json");
        if let Some(key) = &self.key {
            builder.header("authorization", format!("Bearer {key}"));
        }
        let request = builder.body(body).build();
        match spin_sdk::http::send::<_, Response>(request).await {
            Ok(response) => classify(*response.status()),
            Err(error) => Outcome::Retry(format!("the provider could not be reached: {error:?}")),
        }
    }
}

/// What a provider's answer status means for the message.
pub fn classify(status: u16) -> Outcome {
    match status {
        202 => Outcome::Accepted,
        200..=299 => Outcome::Sent,
        // The message itself is unacceptable (malformed, too large, undeliverable address):
        // sending it again cannot succeed.
        400 | 413 | 422 => Outcome::Refused(format!("the provider refused the message ({status})")),
        // Anything else may pass later: the provider is down or busy (5xx, 429, 408), or the
        // deployment is misconfigured (401/403 wrong key, 404 wrong origin) and will be fixed.
        _ => Outcome::Retry(format!("the provider answered {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            id: "m1".into(),
            to: "anne@example.org".into(),
            subject: "Objet".into(),
            text: "Corps".into(),
            html: None,
        }
    }

    #[test]
    fn the_payload_names_the_message_sender_recipient_subject_and_text() {
        let provider = Provider::new("http://127.0.0.1:8025", "", "Guichet <no-reply@x.fr>");
        assert_eq!(
            provider.map(|p| p.payload(&outgoing())).ok(),
            Some(json!({"message_id":"m1","from":"Guichet <no-reply@x.fr>",
                        "to":"anne@example.org","subject":"Objet","text":"Corps"}))
        );
    }

    #[test]
    fn the_url_is_the_origin_with_messages_and_an_empty_key_means_no_key() {
        let provider = Provider::new("https://mail.example.org:8443/", " ", "x@y.fr");
        assert_eq!(
            provider.as_ref().map(|p| p.url.as_str()).ok(),
            Some("https://mail.example.org:8443/messages")
        );
        assert_eq!(provider.map(|p| p.key).ok(), Some(None));
        let provider = Provider::new("http://127.0.0.1:1", "k3y", "x@y.fr");
        assert_eq!(provider.map(|p| p.key).ok(), Some(Some("k3y".to_owned())));
    }

    #[test]
    fn an_origin_with_a_path_user_or_other_scheme_is_a_configuration_error() {
        for origin in [
            "127.0.0.1:8025",
            "ftp://mail.example.org",
            "http://",
            "http://mail.example.org/api",
            "http://user@mail.example.org",
            "http://mail.example.org?x=1",
        ] {
            assert!(Provider::new(origin, "", "x@y.fr").is_err(), "{origin}");
        }
        assert!(Provider::new("http://mail.example.org", "", " ").is_err());
    }

    #[test]
    fn success_is_any_2xx_refusals_are_final_and_everything_else_is_retried() {
        assert_eq!(classify(200), Outcome::Sent);
        assert_eq!(classify(201), Outcome::Sent);
        assert_eq!(classify(202), Outcome::Accepted);
        for status in [400, 413, 422] {
            assert!(matches!(classify(status), Outcome::Refused(_)), "{status}");
        }
        for status in [401, 403, 404, 408, 429, 500, 502, 503] {
            assert!(matches!(classify(status), Outcome::Retry(_)), "{status}");
        }
    }
}
