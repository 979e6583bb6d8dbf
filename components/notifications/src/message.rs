//! A message another component asks notifications to send: the `mail.message` record of the
//! contract (`wit/mail.wit`), the body of `POST /internal/messages`, its values checked field by
//! field (its structure is the contract's, checked by `guichet_guest::clients::receive`).

use guichet_guest::contracts::mail::Message;
use guichet_guest::email::EmailAddress;
use guichet_guest::{codes, Commune, FieldError};

const MAX_PURPOSE_LEN: usize = 64;
/// Characters, not bytes: the limits are about what a person reads.
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 20_000;

/// The channels messages can go through (only e-mail so far).
const CHANNELS: &[&str] = &["email"];
/// The languages Guichet writes in.
const LANGUAGES: &[&str] = &["fr", "en"];

/// A valid message to send; only [`NewMessage::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    id: String,
    commune: Commune,
    account_id: Option<String>,
    to: EmailAddress,
    purpose: String,
    language: String,
    subject: String,
    text: String,
}

impl NewMessage {
    /// Checks every value of a received message and reports all problems at once.
    pub fn from_contract(message: Message) -> Result<Self, Vec<FieldError>> {
        let Message {
            id,
            commune,
            account_id,
            channel,
            to,
            purpose,
            language,
            subject,
            text,
        } = message;
        let mut errors = Vec::new();
        if !codes::is_exchange_id(&id) {
            errors.push(codes::invalid_exchange_id("id"));
        }
        let mut check = |field: &str, ok: bool, message: &str| {
            if !ok {
                errors.push(FieldError::new(field, "invalid", message));
            }
        };
        let commune = Commune::parse(&commune);
        check(
            "commune",
            commune.is_ok(),
            "commune must be a commune identifier (a-z, 0-9, '-')",
        );
        check(
            "account_id",
            account_id.as_deref().is_none_or(codes::is_account_id),
            &codes::invalid_account_id("account_id").message,
        );
        check(
            "channel",
            CHANNELS.contains(&channel.as_str()),
            "channel must be email",
        );
        let to = EmailAddress::parse(&to);
        check(
            "purpose",
            is_purpose(&purpose),
            "purpose must be 1 to 64 characters of snake_case (a-z, 0-9, '_'), starting with a letter",
        );
        check(
            "language",
            LANGUAGES.contains(&language.as_str()),
            "language must be fr or en",
        );
        check(
            "subject",
            is_subject(&subject),
            "subject must be 1 to 200 characters on one line",
        );
        check(
            "text",
            is_body(&text),
            "text must be 1 to 20000 characters, without control characters other than line breaks and tabs",
        );
        if let (Err(error), false) = (&to, errors.iter().any(|e| e.field.as_deref() == Some("to")))
        {
            errors.push(error.at("to"));
        }
        match (commune, to) {
            (Ok(commune), Ok(to)) if errors.is_empty() => Ok(Self {
                id,
                commune,
                account_id,
                to,
                purpose,
                language,
                subject,
                text,
            }),
            _ => Err(errors),
        }
    }

    /// The sender's idempotency key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The commune the message is sent for.
    pub fn commune(&self) -> &Commune {
        &self.commune
    }

    /// The recipient's account, when the recipient has one.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// The recipient.
    pub fn to(&self) -> &EmailAddress {
        &self.to
    }

    /// Why the message is sent (`verify_email`, `reset_password`, ...).
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// `fr` or `en`.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// The subject line.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The plain-text body.
    pub fn text(&self) -> &str {
        &self.text
    }
}

fn is_purpose(purpose: &str) -> bool {
    (1..=MAX_PURPOSE_LEN).contains(&purpose.len())
        && purpose.starts_with(|c: char| c.is_ascii_lowercase())
        && purpose
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// One line: a line break in a subject would let the text add mail headers.
fn is_subject(subject: &str) -> bool {
    !subject.trim().is_empty()
        && subject.chars().count() <= MAX_SUBJECT_CHARS
        && !subject.chars().any(char::is_control)
}

fn is_body(text: &str) -> bool {
    !text.trim().is_empty()
        && text.chars().count() <= MAX_TEXT_CHARS
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

#[cfg(test)]
mod tests {
    use guichet_guest::ApiError;
    use serde_json::{json, Value};

    use super::*;

    /// What `POST /internal/messages` does with a body: the contract, then the values.
    fn parse(value: &Value) -> Result<NewMessage, Vec<FieldError>> {
        let body = serde_json::to_vec(value).unwrap_or_default();
        match guichet_guest::clients::receive::<Message>("test", &body) {
            Ok(message) => NewMessage::from_contract(message),
            Err(ApiError::BadRequest { errors }) => Err(errors),
            Err(other) => panic!("{other:?}"),
        }
    }

    fn valid() -> Value {
        json!({
            "id": "verify_01-abc", "commune": "demo", "account_id": "acc-1", "channel": "email",
            "to": "anne@example.org", "purpose": "verify_email", "language": "fr",
            "subject": "Confirmez votre adresse", "text": "Bonjour,\n\nCliquez ici : https://x/y\n"
        })
    }

    fn errors(value: Value) -> Vec<(String, String)> {
        guichet_guest::FieldError::codes(parse(&value))
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    #[test]
    fn a_complete_message_is_accepted_as_given() {
        let message = parse(&valid()).map_err(|e| format!("{e:?}"));
        let message = message.as_ref();
        assert_eq!(message.map(|m| m.id()), Ok("verify_01-abc"));
        assert_eq!(message.map(|m| m.to().as_str()), Ok("anne@example.org"));
        assert_eq!(message.map(|m| m.account_id()), Ok(Some("acc-1")));
        assert_eq!(
            message.map(|m| m.text()),
            Ok("Bonjour,\n\nCliquez ici : https://x/y\n")
        );
    }

    #[test]
    fn the_account_id_may_be_absent_or_null() {
        let mut message = valid();
        message["account_id"] = Value::Null;
        assert_eq!(parse(&message).map(|m| m.account_id().is_none()), Ok(true));
        if let Some(object) = message.as_object_mut() {
            object.remove("account_id");
        }
        assert!(parse(&message).is_ok());
    }

    #[test]
    fn unknown_members_are_refused() {
        let mut message = valid();
        message["cc"] = json!("eve@example.org");
        assert_eq!(errors(message), [pair("cc", "contract_mismatch")]);
    }

    #[test]
    fn a_missing_or_mistyped_member_is_refused_by_name() {
        let mut message = valid();
        message["id"] = json!(7);
        assert_eq!(errors(message), [pair("id", "contract_mismatch")]);
        let mut message = valid();
        if let Some(object) = message.as_object_mut() {
            object.remove("subject");
        }
        assert_eq!(errors(message), [pair("subject", "contract_mismatch")]);
    }

    #[test]
    fn an_unknown_channel_or_language_is_refused() {
        let mut message = valid();
        message["channel"] = json!("sms");
        message["language"] = json!("de");
        assert_eq!(
            errors(message),
            [pair("channel", "invalid"), pair("language", "invalid")]
        );
    }

    #[test]
    fn every_invalid_value_is_reported_at_once() {
        let bad = json!({
            "id": "has space", "commune": "Demo", "account_id": "", "channel": "email",
            "to": "not an address", "purpose": "Verify-Email", "language": "en",
            "subject": "line\nBcc: eve@example.org", "text": "nul\u{0}byte"
        });
        assert_eq!(
            errors(bad),
            [
                pair("id", "invalid"),
                pair("commune", "invalid"),
                pair("account_id", "invalid"),
                pair("purpose", "invalid"),
                pair("subject", "invalid"),
                pair("text", "invalid"),
                pair("to", "invalid_email"),
            ]
        );
    }

    #[test]
    fn subject_and_text_lengths_count_characters() {
        let mut message = valid();
        message["subject"] = json!("é".repeat(200));
        message["text"] = json!("é".repeat(20_000));
        assert!(parse(&message).is_ok());
        message["subject"] = json!("é".repeat(201));
        message["text"] = json!("é".repeat(20_001));
        assert_eq!(
            errors(message),
            [pair("subject", "invalid"), pair("text", "invalid")]
        );
    }
}
