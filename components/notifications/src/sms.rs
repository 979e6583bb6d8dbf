//! The SMS provider: an HTTP API (`POST <sms_api_origin>/messages`) that accepts one text
//! message as JSON `{"message_id","from","to","subject","text"}`: the shape of the e-mail
//! provider's, with `to` a phone number in international form (`+33612345678`), `text` the
//! SMS (at most 459 characters) and `subject` a one-line summary the gateway may ignore. With
//! `Authorization: Bearer <sms_api_key>` when a key is configured. Any 2xx means accepted;
//! statuses mean what they mean for the e-mail provider ([`crate::provider::classify`]). One shape for both
//! lets the demo's mailbox (`guichet-mailbox`) show SMS too, and a real gateway needs only a
//! small adapter.
//!
//! Configured by the Spin variables `sms_api_origin`, `sms_api_key` (secret) and `sms_from`
//! (the sender name shown on phones); spin.toml grants outbound HTTP to `{{ sms_api_origin }}`.
//! Most SMS gateways (or a small adapter in front of them) take this shape.

use crate::provider::Provider;

/// The SMS provider the Spin variables describe.
pub fn from_variables() -> anyhow::Result<Provider> {
    Provider::configured("sms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_origins_and_senders_are_refused_naming_the_sms_variables() {
        assert!(Provider::named("sms", "http://127.0.0.1:8026/", "", "Mairie").is_ok());
        let error = |origin: &str, from: &str| {
            Provider::named("sms", origin, "", from)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(error("http://sms.example.org/api", "Mairie").contains("sms_api_origin"));
        assert!(error("sms.example.org", "Mairie").contains("sms_api_origin"));
        assert!(error("https://sms.example.org", "").contains("sms_from"));
    }
}
