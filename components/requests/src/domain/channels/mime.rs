//! Reading an inbound e-mail (RFC 5322 / MIME, as a provider's inbound webhook posts it) into
//! what the requests component keeps: who sent it, its subject, its text and its attachments.
//! Pure: no host calls, so it is tested natively.

use guichet_guest::email::EmailAddress;
use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest as _, Sha256};

/// Largest raw message accepted (providers cap inbound mail at 10-40 MiB; a request needs no
/// more, and the whole message is kept for triage).
pub const MAX_RAW: usize = 10 * 1024 * 1024;
/// Longest subject kept (RFC 5322 advises 78 characters per line; a longer one is noise).
const MAX_SUBJECT: usize = 500;
/// Longest text kept on the timeline: a message, not a newsletter.
const MAX_TEXT: usize = 20_000;

/// A parsed inbound e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// What deduplicates deliveries: the Message-ID, or `sha256:<hex>` of the raw bytes when
    /// the sender gave none (a provider retrying posts the same bytes).
    pub dedupe_key: String,
    /// The sender's address (From), lower-cased domain kept as written.
    pub sender: String,
    /// The sender's display name, when given.
    pub sender_name: Option<String>,
    pub subject: String,
    /// The text body (HTML converted to text when there is no plain part).
    pub text: String,
    pub attachments: Vec<MailAttachment>,
    /// The raw values of its `Authentication-Results` headers, topmost first (see
    /// [`super::authres`]).
    pub auth_results: Vec<String>,
    /// Whether `From` names exactly one address (in one header): with several, which one a
    /// verdict is about is ambiguous, so the sender is never taken as authenticated.
    pub sole_sender: bool,
}

/// One attached file.
#[derive(Debug, Clone, PartialEq)]
pub struct MailAttachment {
    pub name: String,
    /// `type/subtype`, lower case.
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Why a body is not a usable e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MimeError {
    TooLarge,
    /// Not a message at all (no headers).
    Unreadable,
    /// No From address the e-mail rule accepts: nobody to answer, nothing to dedupe on.
    NoSender,
}

impl InboundMessage {
    pub fn parse(raw: &[u8]) -> Result<InboundMessage, MimeError> {
        if raw.len() > MAX_RAW {
            return Err(MimeError::TooLarge);
        }
        let message = MessageParser::default()
            .parse(raw)
            .ok_or(MimeError::Unreadable)?;
        if message.headers().is_empty() {
            return Err(MimeError::Unreadable);
        }
        let from = message
            .from()
            .and_then(|address| address.first())
            .ok_or(MimeError::NoSender)?;
        // The one e-mail rule: the sender may be matched with, or become, a contact.
        let sender = from
            .address()
            .and_then(|a| EmailAddress::parse(a).ok())
            .ok_or(MimeError::NoSender)?
            .to_string();
        let sender_name = from
            .name()
            .map(|n| clip(n.trim(), MAX_SUBJECT))
            .filter(|n| !n.is_empty());
        let dedupe_key = match message
            .message_id()
            .map(str::trim)
            .filter(|id| !id.is_empty())
        {
            Some(id) => format!("mid:{}", clip(id, 998)),
            None => format!("sha256:{}", hex(&Sha256::digest(raw))),
        };
        let subject = clip(message.subject().unwrap_or_default().trim(), MAX_SUBJECT);
        let text = clip(
            message.body_text(0).as_deref().unwrap_or_default().trim(),
            MAX_TEXT,
        );
        let attachments = message
            .attachments()
            .enumerate()
            .map(|(i, part)| {
                let content_type = part
                    .content_type()
                    .map(|t| match t.subtype() {
                        Some(sub) => format!("{}/{}", t.ctype(), sub),
                        None => t.ctype().to_owned(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".to_owned())
                    .to_ascii_lowercase();
                let name = part
                    .attachment_name()
                    .map(|n| clip(n.trim(), 200))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("attachment-{}", i + 1));
                MailAttachment {
                    name,
                    content_type,
                    data: part.contents().to_vec(),
                }
            })
            .collect();
        let sole_sender = message.from().map_or(0, |list| list.iter().count()) == 1
            && message
                .headers()
                .iter()
                .filter(|h| h.name == mail_parser::HeaderName::From)
                .count()
                == 1;
        let auth_results = message
            .headers_raw()
            .filter(|(name, _)| name.eq_ignore_ascii_case("authentication-results"))
            .map(|(_, value)| value.to_owned())
            .collect();
        Ok(InboundMessage {
            auth_results,
            sole_sender,
            dedupe_key,
            sender,
            sender_name,
            subject,
            text,
            attachments,
        })
    }

    /// The first characters of the text, for the triage list.
    pub fn excerpt(text: &str) -> String {
        clip(text, 280)
    }
}

/// `text` cut to at most `max` characters (on a character boundary), without control
/// characters other than line breaks and tabs.
fn clip(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .take(max)
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WITH_PDF: &str = "From: \"Jeanne Martin\" <jeanne@example.org>\r\n\
To: mairie@demo.example\r\n\
Subject: =?UTF-8?Q?Re=3A_demande_2026-000042_=C3=A9clairage?=\r\n\
Message-ID: <abc123@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Voici la photo demand=C3=A9e.\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"plan.pdf\"\r\n\
Content-Disposition: attachment; filename=\"plan.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJSBtaW5pbWFsCg==\r\n\
--b1--\r\n";

    #[test]
    fn a_multipart_mail_gives_its_sender_subject_text_and_attachment() {
        let mail = InboundMessage::parse(WITH_PDF.as_bytes()).expect("parsed");
        assert_eq!(mail.sender, "jeanne@example.org");
        assert_eq!(mail.sender_name.as_deref(), Some("Jeanne Martin"));
        assert_eq!(mail.subject, "Re: demande 2026-000042 éclairage");
        assert_eq!(mail.text, "Voici la photo demandée.");
        assert_eq!(mail.dedupe_key, "mid:abc123@example.org");
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].name, "plan.pdf");
        assert_eq!(mail.attachments[0].content_type, "application/pdf");
        assert!(mail.attachments[0].data.starts_with(b"%PDF-1.4"));
        assert!(mail.auth_results.is_empty());
        assert!(mail.sole_sender);
    }

    #[test]
    fn a_mail_from_several_addresses_has_no_sole_sender() {
        for raw in [
            "From: a@example.org, b@example.org\r\nSubject: x\r\n\r\nbody\r\n",
            "From: a@example.org\r\nFrom: b@example.org\r\nSubject: x\r\n\r\nbody\r\n",
        ] {
            let mail = InboundMessage::parse(raw.as_bytes()).expect("parsed");
            assert!(!mail.sole_sender, "{raw}");
        }
    }

    #[test]
    fn authentication_results_are_kept_topmost_first() {
        let raw =
            "Authentication-Results: mx.demo.example;\r\n dmarc=pass header.from=example.org\r\n\
Authentication-Results: other.example; none\r\nFrom: a@example.org\r\nSubject: x\r\n\r\nbody\r\n";
        let mail = InboundMessage::parse(raw.as_bytes()).expect("parsed");
        assert_eq!(mail.auth_results.len(), 2);
        assert!(mail.auth_results[0].contains("dmarc=pass"));
        assert!(crate::domain::channels::authres::sender_authenticated(
            mail.auth_results.iter().map(String::as_str),
            "mx.demo.example",
            &mail.sender
        ));
    }

    #[test]
    fn a_mail_without_message_id_is_deduplicated_by_its_bytes() {
        let raw = "From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n";
        let a = InboundMessage::parse(raw.as_bytes()).expect("parsed");
        let b = InboundMessage::parse(raw.as_bytes()).expect("parsed");
        assert!(a.dedupe_key.starts_with("sha256:"));
        assert_eq!(a.dedupe_key, b.dedupe_key);
        let other =
            InboundMessage::parse(b"From: a@example.org\r\nSubject: hello\r\n\r\nother\r\n")
                .expect("parsed");
        assert_ne!(a.dedupe_key, other.dedupe_key);
        assert!(a.attachments.is_empty());
    }

    #[test]
    fn an_html_only_mail_is_read_as_text() {
        let raw = "From: a@example.org\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n<p>Bonjour <b>Mairie</b></p>\r\n";
        let mail = InboundMessage::parse(raw.as_bytes()).expect("parsed");
        assert!(mail.text.contains("Bonjour"), "{}", mail.text);
        assert!(!mail.text.contains("<p>"), "{}", mail.text);
    }

    #[test]
    fn a_mail_without_sender_or_headers_or_too_large_is_refused() {
        assert_eq!(
            InboundMessage::parse(b"Subject: x\r\n\r\nbody").err(),
            Some(MimeError::NoSender)
        );
        assert_eq!(
            InboundMessage::parse(b"From: nobody\r\nSubject: x\r\n\r\nbody").err(),
            Some(MimeError::NoSender)
        );
        assert!(InboundMessage::parse(b"").is_err());
        let huge = vec![b'a'; MAX_RAW + 1];
        assert_eq!(
            InboundMessage::parse(&huge).err(),
            Some(MimeError::TooLarge)
        );
    }

    #[test]
    fn control_characters_are_dropped_and_long_text_is_clipped() {
        assert_eq!(clip("a\u{0}b\u{1b}c\nd", 10), "abc\nd");
        assert_eq!(clip("ééééé", 3), "ééé");
    }
}
