//! What an event about a citizen's request becomes: one message per recipient of the event
//! (`payload.recipients`, the filer's contact and the followers'), on the channel each chose
//! (`notify`: `email`, `sms` or `none`), in their language, with the request's reference, the
//! service, the new state, the commune's public message if any, and the link to the tracking
//! page. Never the tracking code: whoever reads a message over someone's shoulder (or in a
//! forwarded mail) must not be able to open the request with it.
//!
//! The words come from the commune's templates ([`crate::templates`], loaded before, with
//! the shipped defaults); a recipient with an account follows its preferences
//! ([`crate::preferences`]: language, channels, its inbox, the kinds it turned off except
//! those the commune must send, see [`crate::kinds`]).
//!
//! Pure: no database, no HTTP (the contacts of accounts, the templates and the preferences
//! are read before), so every rule is unit-tested here.
//!
//! Which kinds tell citizens: `request-filed`, `status-changed`, `message` (only one written
//! by the commune: a citizen is not sent their own message back), and `followed` (the receipt
//! of a follow, to that follower). `assigned` and `overdue` are the commune's internal
//! business: no citizen is told (the agent concerned is, see [`crate::agents`]).
//!
//! Unverified contacts (anyone can type anyone's address when filing or following): a
//! recipient is verified only when it says `"verified": true` or is an account
//! (`account_id`). An unverified one gets the receipt (`request-filed`, `followed`) and
//! nothing else; the receipt carries the link confirming the contact when the recipient has a
//! `confirm_token`. A recipient's `name` with a control character is not used (the greeting
//! is then "Bonjour,"), and texts from the payload that go into subjects are put on one line.

use std::collections::HashMap;

use guichet_guest::contact::{self, Contact, Notify};
use guichet_guest::contracts::common::Localized;
use guichet_guest::contracts::contacts::Contact as Reachable;
use guichet_guest::contracts::events::{
    Assigned, Diagnostic, Followed, Message, Overdue, Payload, Recipient, RequestFiled,
    SignatureReminder, StatusChanged,
};
use guichet_guest::email::EmailAddress;
use guichet_guest::event::EventKind;
use guichet_guest::phone::PhoneNumber;
use guichet_guest::text::{self, Lines};

use crate::kinds;
use crate::preferences::Preferences;
use crate::templates::{Rendered, Templates, Vars};

/// The channel a message goes through: a provider's (`email`, `sms`), or the account's
/// in-app inbox (stored delivered, never sent anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
    Inbox,
}

impl Channel {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Inbox => "inbox",
        }
    }
}

impl From<contact::Channel> for Channel {
    fn from(channel: contact::Channel) -> Self {
        match channel {
            contact::Channel::Email => Self::Email,
            contact::Channel::Sms => Self::Sms,
        }
    }
}

/// A message to store and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Derived from the event id and the recipient's position: a redelivered event gives the
    /// same ids (and is refused before that anyway, see `events::receive`).
    pub id: String,
    pub channel: Channel,
    /// An e-mail address, or a phone number in international form (`+33612345678`); the
    /// account id for the inbox.
    pub to: String,
    pub account_id: Option<String>,
    pub purpose: &'static str,
    pub language: &'static str,
    pub subject: String,
    pub text: String,
    /// The HTML part of an e-mail (always with `text`, its plain-text part).
    pub html: Option<String>,
    /// The request the message is about.
    pub reference: Option<String>,
    /// The service's name (an agent's digest lists it).
    pub service: Option<String>,
    /// An agent's alert they chose to get in their daily digest instead.
    pub digest: bool,
}

/// Longest SMS text (three concatenated segments of GSM-7).
const MAX_SMS_CHARS: usize = 459;
/// The commune's message is cut to this in an SMS (the whole text is on the tracking page).
const SMS_MESSAGE_CHARS: usize = 200;

/// What shapes the messages of an event besides the event itself: the commune's templates,
/// identity's answers for accounts, and the accounts' preferences.
pub struct Setting<'a> {
    /// Where the tracking page is (`scheme://host[:port]`) when the payload does not say.
    pub origin: &'a str,
    pub accounts: &'a [Reachable],
    pub templates: &'a Templates,
    pub preferences: &'a HashMap<String, Preferences>,
}

/// The messages `payload` gives, for the event `event_id`.
///
/// A recipient known only by its account (a signed-in filer who typed no contact) is reached
/// at the verified address identity gave for it in `accounts` ([`crate::agents::lookup`]),
/// in the account's language. A recipient with an account follows its preferences: its
/// language, its channels (its inbox included), the kinds it turned off (unless the commune
/// must send them, see [`crate::kinds`]).
pub fn drafts(event_id: &str, payload: &Payload, setting: &Setting<'_>) -> Vec<Draft> {
    let Some(told) = Told::of(payload) else {
        return Vec::new();
    };
    let kind = EventKind::of(payload);
    let receipt = matches!(kind, EventKind::RequestFiled | EventKind::Followed);
    let reference = told.reference;
    if !is_reference(reference) {
        eprintln!("event {event_id}: no valid reference, no message");
        return Vec::new();
    }
    let origin = told
        .origin
        .filter(|o| is_origin(o))
        .unwrap_or(setting.origin);
    let link = format!("{origin}/track?reference={}", escape(reference));
    let base = id_base(event_id);
    let closing = !told.open;
    let mut seen: Vec<(Channel, String)> = Vec::new();
    let mut out = Vec::new();
    for (index, contact) in told.recipients.iter().enumerate() {
        let Recipient {
            email,
            phone,
            name,
            notify,
            lang,
            account_id,
            verified,
            confirm_token,
        } = contact;
        let chosen = account_id
            .as_deref()
            .and_then(|id| setting.preferences.get(id));
        if chosen.is_some_and(|p| p.turned_off(told.purpose, closing)) {
            continue;
        }
        let reached = account_id
            .as_deref()
            .filter(|_| email.is_none() && phone.is_none())
            .and_then(|id| setting.accounts.iter().find(|c| c.account_id == id));
        let email = &reached
            .map(|c| Some(c.email.clone()))
            .unwrap_or_else(|| email.clone());
        let lang = &chosen
            .and_then(|p| p.language.clone())
            .or_else(|| lang.clone())
            .or_else(|| reached.map(|c| c.language.clone()));
        let notify = &reached
            .map(|_| Some("email".to_owned()))
            .unwrap_or_else(|| notify.clone());
        let verified = *verified || account_id.is_some();
        if !verified && !receipt {
            continue;
        }
        let mut targets: Vec<(Channel, String)> = match chosen {
            Some(p) => {
                let mut t = Vec::new();
                if p.wants("email") {
                    t.extend(address(email, &None, &Some("email".into())));
                }
                if p.wants("sms") {
                    t.extend(address(&None, phone, &Some("sms".into())));
                }
                // What the commune must send reaches the account even if its channels fail.
                if t.is_empty() && !p.wants("inbox") && kinds::must_send(told.purpose, closing) {
                    t.extend(address(email, phone, notify));
                }
                t
            }
            None => address(email, phone, notify).into_iter().collect(),
        };
        if let Some(account) = account_id
            .as_deref()
            .filter(|_| chosen.is_none_or(|p| p.wants("inbox")))
        {
            targets.push((Channel::Inbox, account.to_owned()));
        }
        let language = language(lang.as_deref().unwrap_or(told.lang));
        let service =
            localized(told.service_name, language).unwrap_or_else(|| told.service_code.to_owned());
        let labelled = told
            .state_label
            .and_then(|l| localized(l, language))
            .is_some();
        let state = state_label(&told, language);
        let message = told
            .message
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty());
        let name: Option<String> = name
            .as_deref()
            .and_then(|n| text::clean(n, Lines::One))
            .map(|n| n.chars().take(100).collect());
        let confirm = (!verified)
            .then_some(confirm_token.as_deref())
            .flatten()
            .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|t| format!("{origin}{CONFIRM_PATH}#token={t}"));
        // A filing names its first state only when the workflow labels it: a raw code like
        // `submitted` says nothing to a citizen.
        let shown_state = (labelled || kind != EventKind::RequestFiled).then_some(state.as_str());
        let mut n = 0;
        for (channel, to) in targets {
            if seen.contains(&(channel, to.clone())) {
                continue;
            }
            seen.push((channel, to.clone()));
            let message = match (channel, &message) {
                (Channel::Sms, Some(m)) => Some(cut(m, SMS_MESSAGE_CHARS)),
                (_, m) => m.clone(),
            };
            let vars = Vars::new()
                .text("name", name.as_deref())
                .text("reference", Some(reference))
                .text("service", Some(&service))
                .text("state", shown_state)
                .text("message", message.as_deref())
                .text("link", Some(&link));
            let rendered =
                setting
                    .templates
                    .render(told.purpose, language, channel.as_str(), &vars);
            let Rendered {
                subject,
                text,
                html,
            } = with_confirmation(channel, language, rendered, confirm.as_deref());
            let id = match (channel, n) {
                (Channel::Inbox, _) => format!("{base}-{index}-i"),
                (_, 0) => format!("{base}-{index}"),
                (_, _) => format!("{base}-{index}-{n}"),
            };
            if channel != Channel::Inbox {
                n += 1;
            }
            out.push(Draft {
                id,
                channel,
                to,
                account_id: account_id.clone(),
                purpose: told.purpose,
                language,
                subject: text::one_line(&subject),
                text,
                html,
                reference: Some(reference.to_owned()),
                service: Some(service.clone()),
                digest: false,
            });
        }
    }
    out
}

/// The rendered message with the link confirming an unverified contact, when it has one:
/// added by notifications itself (never by a template, which could drop or cut it), whole at
/// the end of an SMS cut to its longest length.
fn with_confirmation(
    channel: Channel,
    language: &str,
    mut r: Rendered,
    confirm: Option<&str>,
) -> Rendered {
    let fr = language == "fr";
    match (channel, confirm) {
        (Channel::Sms, None) => r.text = cut(&r.text, MAX_SMS_CHARS),
        (Channel::Sms, Some(confirm)) => {
            r.text.push_str(if fr {
                " Pour recevoir la suite, confirmez : "
            } else {
                " To get updates, confirm: "
            });
            let room = MAX_SMS_CHARS.saturating_sub(confirm.chars().count());
            let mut text = cut(&r.text, room);
            text.push_str(confirm);
            r.text = text;
        }
        (_, Some(confirm)) => {
            let (line, rest) = if fr {
                (
                    "Pour recevoir les prochaines nouvelles de cette demande, confirmez votre adresse :",
                    "Sans confirmation, vous ne recevrez pas d'autre message. Si vous n'êtes pas à l'origine de cette démarche, ignorez ce message.",
                )
            } else {
                (
                    "To receive this request's next updates, confirm your address:",
                    "Without confirmation you will receive no other message. If this was not you, ignore this message.",
                )
            };
            if !r.text.ends_with('\n') {
                r.text.push('\n');
            }
            r.text.push_str(&format!("\n{line} {confirm}\n{rest}\n"));
            if let Some(html) = &mut r.html {
                let e = guichet_guest::markup::escape;
                let paragraph = format!(
                    "<p>{} <a href=\"{}\">{}</a><br>\n{}</p>\n",
                    e(line),
                    e(confirm),
                    e(confirm),
                    e(rest)
                );
                match html.rfind("</body>") {
                    Some(at) => html.insert_str(at, &paragraph),
                    None => html.push_str(&paragraph),
                }
            }
        }
        (_, None) => {}
    }
    r
}

/// What citizens are told of an event about their request, read from its kind's record of
/// the `events` contract. Each record is destructured whole (no `..`): a field renamed or
/// added in `wit/events.wit` fails this build, as it fails the sender's.
struct Told<'a> {
    purpose: &'static str,
    reference: &'a str,
    service_code: &'a str,
    service_name: &'a Localized,
    state: &'a str,
    state_label: Option<&'a Localized>,
    lang: &'a str,
    origin: Option<&'a str>,
    recipients: &'a [Recipient],
    /// Whether the request is still open after the event (a status change closing it is a
    /// decision the commune must send).
    open: bool,
    /// The commune's public text, if any.
    message: Option<&'a str>,
}

impl<'a> Told<'a> {
    /// `None` for the kinds that tell no citizen: `assigned` and `overdue` (the commune's
    /// internal business), diagnostics, and a `message` the commune did not write (a citizen
    /// is not sent their own message back; internal text is never sent).
    fn of(payload: &'a Payload) -> Option<Self> {
        match payload {
            Payload::RequestFiled(RequestFiled {
                request_id: _,
                reference,
                service_code,
                service_name,
                state,
                open,
                lang,
                origin,
                recipients,
                state_label,
            }) => Some(Told {
                purpose: "request_filed",
                reference,
                service_code,
                service_name,
                state,
                state_label: state_label.as_ref(),
                lang,
                origin: origin.as_deref(),
                recipients,
                open: *open,
                message: None,
            }),
            Payload::StatusChanged(StatusChanged {
                request_id: _,
                reference,
                service_code,
                service_name,
                state,
                open,
                lang,
                origin,
                recipients,
                from: _,
                to: _,
                message,
                state_label,
                merged_into: _,
                reopened: _,
            }) => Some(Told {
                purpose: "request_status",
                reference,
                service_code,
                service_name,
                state,
                state_label: state_label.as_ref(),
                lang,
                origin: origin.as_deref(),
                recipients,
                open: *open,
                message: message.as_deref(),
            }),
            Payload::Message(Message {
                request_id: _,
                reference,
                service_code,
                service_name,
                state,
                open,
                lang,
                origin,
                recipients,
                text,
                author,
                public,
                channel: _,
                assignee: _,
            }) => {
                let by_citizen = matches!(author.as_deref(), Some("citizen" | "anonymous"));
                (*public && !by_citizen).then_some(Told {
                    purpose: "request_message",
                    reference,
                    service_code,
                    service_name,
                    state,
                    state_label: None,
                    lang,
                    origin: origin.as_deref(),
                    recipients,
                    open: *open,
                    message: Some(text),
                })
            }
            Payload::Followed(Followed {
                request_id: _,
                reference,
                service_code,
                service_name,
                state,
                open,
                lang,
                origin,
                recipients,
            }) => Some(Told {
                purpose: "request_followed",
                reference,
                service_code,
                service_name,
                state,
                state_label: None,
                lang,
                origin: origin.as_deref(),
                recipients,
                open: *open,
                message: None,
            }),
            Payload::Assigned(Assigned {
                request_id: _,
                reference: _,
                service_code: _,
                service_name: _,
                state: _,
                open: _,
                lang: _,
                origin: _,
                recipients: _,
                department: _,
                assignee: _,
                from_department: _,
                from_assignee: _,
            })
            | Payload::Overdue(Overdue {
                request_id: _,
                reference: _,
                service_code: _,
                service_name: _,
                state: _,
                open: _,
                lang: _,
                origin: _,
                recipients: _,
                expected_on: _,
                department: _,
                assignee: _,
            })
            | Payload::Diagnostic(Diagnostic {
                ping_id: _,
                requested_by: _,
            })
            // An agent's reminder to sign: told to no citizen; the signer hears of it
            // through their account (`crate::agents`).
            | Payload::SignatureReminder(SignatureReminder {
                flow_id: _,
                document_title: _,
                purpose: _,
                account: _,
                email: _,
                role: _,
                due_on: _,
                overdue: _,
                origin: _,
            }) => None,
        }
    }
}

/// The page that confirms a contact (requests' `contacts` module), the token after `#token=`.
const CONFIRM_PATH: &str = "/api/requests/contacts/confirm";

/// `text` cut to `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The channel and address of a recipient, read with the shared [`Contact`] type (the one
/// rule for the default channel that requests applied when it kept the contact). `None`:
/// nothing to send (`notify: none`, or no usable address for the chosen channel; the latter
/// is logged).
fn address(
    email: &Option<String>,
    phone: &Option<String>,
    notify: &Option<String>,
) -> Option<(Channel, String)> {
    let checked = Contact::new(
        email.as_deref().and_then(|e| EmailAddress::parse(e).ok()),
        phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok()),
        notify.as_deref().and_then(Notify::parse),
    );
    let recipient = checked.ok().and_then(|c| c.recipient());
    if recipient.is_none() && notify.as_deref() != Some("none") {
        eprintln!("a recipient without a usable address for its channel: skipped");
    }
    recipient.map(|(channel, to)| (channel.into(), to))
}

/// The language of `lang` (the recipient's own, else the request's): English only when it
/// says so, else French.
pub(crate) fn language(lang: &str) -> &'static str {
    if lang == "en" {
        "en"
    } else {
        "fr"
    }
}

/// `value` in `language`, else in the other language when that one is empty.
pub(crate) fn localized(value: &Localized, language: &str) -> Option<String> {
    let Localized { fr, en } = value;
    let (first, second) = if language == "en" { (en, fr) } else { (fr, en) };
    [first, second]
        .into_iter()
        .find(|s| !s.trim().is_empty())
        .cloned()
}

/// The state's label (`state_label`, from the service's workflow) or, without one, its code
/// made readable (`in-progress` → `in progress`).
fn state_label(told: &Told<'_>, language: &str) -> String {
    told.state_label
        .and_then(|label| localized(label, language))
        .unwrap_or_else(|| told.state.replace(['-', '_'], " "))
}

/// A reference is short, printable, one line (it goes into subjects and URLs).
pub(crate) fn is_reference(reference: &str) -> bool {
    (1..=40).contains(&reference.len())
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `http(s)://authority` without path, user, query or spaces.
pub fn is_origin(origin: &str) -> bool {
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    authority.is_some_and(|a| {
        !a.is_empty()
            && a.len() <= 253
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    })
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The event id as the stem of message ids (at most 64 characters with `-N`): as is when
/// short enough, else a 128-bit FNV-1a digest of it.
pub(crate) fn id_base(event_id: &str) -> String {
    if event_id.len() <= 56 {
        return format!("ev-{event_id}");
    }
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in event_id.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    format!("ev-{hash:032x}")
}

#[cfg(test)]
mod tests {
    use guichet_guest::event::stored_payload;
    use serde_json::{json, Map, Value};

    use super::*;

    /// The drafts of an event of `kind` whose record is the flat JSON `flat` (read as an old
    /// outbox row is: members a kind requires but the test does not care about are filled in,
    /// a plain text stands for both languages).
    fn drafts(id: &str, kind: EventKind, flat: &Map<String, Value>, origin: &str) -> Vec<Draft> {
        let mut flat = flat.clone();
        for name in ["service_name", "state_label"] {
            if let Some(Value::String(text)) = flat.get(name).cloned() {
                flat.insert(name.into(), json!({"fr": text, "en": text}));
            }
        }
        let state = flat.get("state").cloned().unwrap_or_default();
        flat.entry("from").or_insert(json!("submitted"));
        flat.entry("to").or_insert(state);
        flat.entry("ping_id").or_insert(json!("p1"));
        flat.entry("requested_by").or_insert(json!("admin-1"));
        let payload = stored_payload(kind, &flat).expect("a payload of the contract");
        let templates = Templates::defaults();
        let preferences = HashMap::new();
        let setting = Setting {
            origin,
            accounts: &[],
            templates: &templates,
            preferences: &preferences,
        };
        super::drafts(id, &payload, &setting)
    }

    fn payload(recipients: Value) -> Map<String, Value> {
        let value = json!({
            "request_id": "r1", "reference": "2026-000123", "service_code": "pothole",
            "service_name": {"fr": "Signaler un nid-de-poule", "en": "Report a pothole"},
            "state": "submitted", "open": true, "lang": "fr", "recipients": recipients,
        });
        value.as_object().cloned().unwrap_or_default()
    }

    const ORIGIN: &str = "https://demo.example";

    #[test]
    fn a_filing_gives_one_french_email_with_the_reference_service_and_tracking_link() {
        let all = drafts(
            "abc",
            EventKind::RequestFiled,
            &payload(json!([{"email": "anne@example.org", "notify": "email"}])),
            ORIGIN,
        );
        assert_eq!(all.len(), 1);
        let d = &all[0];
        assert_eq!(
            (d.id.as_str(), d.channel, d.to.as_str()),
            ("ev-abc-0", Channel::Email, "anne@example.org")
        );
        assert_eq!(d.language, "fr");
        assert!(d.subject.contains("2026-000123"), "{}", d.subject);
        assert!(d.text.contains("Signaler un nid-de-poule"), "{}", d.text);
        assert!(
            d.text
                .contains("https://demo.example/track?reference=2026-000123"),
            "{}",
            d.text
        );
        // Without the workflow's label, the first state is not named.
        assert!(
            !d.text.contains("submitted") && !d.text.contains("État"),
            "{}",
            d.text
        );
        let mut p = payload(json!([{"email": "anne@example.org"}]));
        p.insert(
            "state_label".into(),
            json!({"fr": "Signalement reçu", "en": "Report received"}),
        );
        let d = &drafts("abc", EventKind::RequestFiled, &p, ORIGIN)[0];
        assert!(d.text.contains("État : Signalement reçu."), "{}", d.text);
    }

    #[test]
    fn the_recipients_language_and_the_state_label_are_used() {
        let mut p = payload(json!([{"email": "bob@example.org", "lang": "en", "verified": true}]));
        p.insert("state".into(), json!("in-progress"));
        p.insert(
            "state_label".into(),
            json!({"fr": "Intervention programmée", "en": "Work scheduled"}),
        );
        p.insert("message".into(), json!("Crews come on Monday."));
        let d = &drafts("x", EventKind::StatusChanged, &p, ORIGIN)[0];
        assert_eq!(d.language, "en");
        assert_eq!(d.subject, "Request 2026-000123: Work scheduled");
        assert!(
            d.text.contains("Report a pothole") && d.text.contains("Crews come on Monday."),
            "{}",
            d.text
        );
        p.remove("state_label");
        let d = &drafts("x", EventKind::StatusChanged, &p, ORIGIN)[0];
        assert_eq!(d.subject, "Request 2026-000123: in progress");
    }

    #[test]
    fn each_recipient_gets_the_channel_they_chose_once_and_none_means_nothing() {
        let d = drafts(
            "e",
            EventKind::StatusChanged,
            &payload(json!([
                {"email": "a@example.org", "phone": "06 12 34 56 78", "notify": "sms", "verified": true},
                {"email": "b@example.org", "notify": "none", "verified": true},
                {"email": "c@example.org", "verified": true},
                {"email": "c@example.org", "notify": "email", "verified": true},
                {"phone": "+41 79 123 45 67", "verified": true},
                {"notify": "sms", "verified": true},
                {"email": "not an address", "notify": "email", "verified": true},
            ])),
            ORIGIN,
        );
        let got: Vec<(Channel, &str)> = d.iter().map(|d| (d.channel, d.to.as_str())).collect();
        assert_eq!(
            got,
            [
                (Channel::Sms, "+33612345678"),
                (Channel::Email, "c@example.org"),
                (Channel::Sms, "+41791234567")
            ]
        );
        assert!(
            d[0].text.len() < 480 && d[0].text.contains("/track?reference=2026-000123"),
            "{}",
            d[0].text
        );
    }

    #[test]
    fn assignments_overdue_flags_citizen_messages_and_internal_text_tell_nobody() {
        let mut p = payload(json!([{"email": "a@example.org", "verified": true}]));
        assert!(drafts("e", EventKind::Assigned, &p, ORIGIN).is_empty());
        assert!(drafts("e", EventKind::Overdue, &p, ORIGIN).is_empty());
        assert!(drafts("e", EventKind::Diagnostic, &p, ORIGIN).is_empty());
        p.insert("message".into(), json!("hello"));
        p.insert("actor_kind".into(), json!("citizen"));
        assert!(drafts("e", EventKind::Message, &p, ORIGIN).is_empty());
        p.remove("actor_kind");
        p.insert("author".into(), json!("anonymous"));
        assert!(drafts("e", EventKind::Message, &p, ORIGIN).is_empty());
        p.remove("author");
        p.insert("actor_kind".into(), json!("staff"));
        assert_eq!(drafts("e", EventKind::Message, &p, ORIGIN).len(), 1);
        p.insert("public".into(), json!(false));
        assert!(drafts("e", EventKind::Message, &p, ORIGIN).is_empty());
    }

    #[test]
    fn the_payload_origin_wins_when_valid_and_bad_references_give_nothing() {
        let mut p = payload(json!([{"email": "a@example.org"}]));
        p.insert("origin".into(), json!("http://127.0.0.1:3000"));
        assert!(drafts("e", EventKind::RequestFiled, &p, ORIGIN)[0]
            .text
            .contains("http://127.0.0.1:3000/track?"));
        p.insert("origin".into(), json!("javascript:alert(1)"));
        assert!(drafts("e", EventKind::RequestFiled, &p, ORIGIN)[0]
            .text
            .contains("https://demo.example/track?"));
        p.insert("reference".into(), json!("2026\n000"));
        assert!(drafts("e", EventKind::RequestFiled, &p, ORIGIN).is_empty());
    }

    #[test]
    fn long_event_ids_still_give_valid_message_ids() {
        let long = "a".repeat(64);
        let d = &drafts(
            &long,
            EventKind::RequestFiled,
            &payload(json!([{"email": "a@example.org"}])),
            ORIGIN,
        )[0];
        assert!(d.id.len() <= 64 && d.id.starts_with("ev-"), "{}", d.id);
    }

    #[test]
    fn an_unverified_contact_gets_the_receipt_with_its_confirmation_link_and_nothing_else() {
        let token = "0123456789abcdef0123456789abcdef";
        let to = json!([{"email": "a@example.org", "verified": false, "confirm_token": token}]);
        let d = drafts("e", EventKind::RequestFiled, &payload(to.clone()), ORIGIN);
        assert!(
            d[0].text.contains(&format!(
                "{ORIGIN}/api/requests/contacts/confirm#token={token}"
            )),
            "{}",
            d[0].text
        );
        assert!(drafts("e", EventKind::StatusChanged, &payload(to.clone()), ORIGIN).is_empty());
        let mut p = payload(to);
        p.insert("message".into(), json!("hello"));
        assert!(drafts("e", EventKind::Message, &p, ORIGIN).is_empty());
        // Without `verified`, a contact is not taken for verified; an account is.
        let d = drafts(
            "e",
            EventKind::StatusChanged,
            &payload(
                json!([{"email": "b@example.org"}, {"email": "c@example.org", "account_id": "acc"}]),
            ),
            ORIGIN,
        );
        assert_eq!(
            d.iter().map(|d| d.to.as_str()).collect::<Vec<_>>(),
            ["c@example.org", "acc"]
        );
        assert_eq!(d[1].channel, Channel::Inbox);
        // A verified contact's receipt has no confirmation link.
        let d = drafts(
            "e",
            EventKind::RequestFiled,
            &payload(json!([{"email": "a@example.org", "verified": true, "confirm_token": token}])),
            ORIGIN,
        );
        assert!(!d[0].text.contains("confirm"), "{}", d[0].text);
    }

    /// The drafts of `kind` for an account recipient `acc` with `preferences`.
    fn chosen(kind: EventKind, open: bool, preferences: Preferences) -> Vec<(Channel, String)> {
        let mut flat =
            payload(json!([{"email": "a@example.org", "account_id": "acc", "verified": true}]));
        flat.insert("open".into(), json!(open));
        flat.insert("service_name".into(), json!({"fr": "Nid", "en": "Pothole"}));
        flat.entry("from").or_insert(json!("submitted"));
        flat.entry("to").or_insert(json!("submitted"));
        let payload = stored_payload(kind, &flat).expect("a payload of the contract");
        let templates = Templates::defaults();
        let preferences = HashMap::from([("acc".to_owned(), preferences)]);
        let setting = Setting {
            origin: ORIGIN,
            accounts: &[],
            templates: &templates,
            preferences: &preferences,
        };
        super::drafts("e", &payload, &setting)
            .into_iter()
            .map(|d| (d.channel, d.to))
            .collect()
    }

    #[test]
    fn an_account_gets_its_channels_and_nothing_it_turned_off_except_what_the_commune_must_send() {
        let off = Preferences {
            channels: vec!["inbox".into()],
            opt_out: vec!["request_status".into()],
            ..Preferences::default()
        };
        assert_eq!(chosen(EventKind::StatusChanged, true, off.clone()), []);
        // The decision closing the request, and a receipt, still come (to the inbox chosen).
        assert_eq!(
            chosen(EventKind::StatusChanged, false, off.clone()),
            [(Channel::Inbox, "acc".to_owned())]
        );
        assert_eq!(
            chosen(EventKind::RequestFiled, true, off),
            [(Channel::Inbox, "acc".to_owned())]
        );
        // Only SMS chosen without a number: what must be sent goes by e-mail.
        let sms = Preferences {
            channels: vec!["sms".into()],
            ..Preferences::default()
        };
        assert_eq!(chosen(EventKind::StatusChanged, true, sms.clone()), []);
        assert_eq!(
            chosen(EventKind::StatusChanged, false, sms),
            [(Channel::Email, "a@example.org".to_owned())]
        );
        // Without a choice: the e-mail given and the inbox.
        assert_eq!(
            chosen(EventKind::StatusChanged, true, Preferences::default()),
            [
                (Channel::Email, "a@example.org".to_owned()),
                (Channel::Inbox, "acc".to_owned())
            ]
        );
    }

    #[test]
    fn a_follow_receipt_keeps_its_confirmation_link_whole_in_an_sms() {
        let token = "0123456789abcdef0123456789abcdef";
        let mut p = payload(
            json!([{"phone": "+33611111111", "notify": "sms", "verified": false, "confirm_token": token}]),
        );
        p.insert("service_name".into(), json!("x".repeat(600)));
        let d = drafts("e", EventKind::Followed, &p, ORIGIN);
        assert_eq!(d[0].purpose, "request_followed");
        assert!(d[0].text.chars().count() <= MAX_SMS_CHARS, "{}", d[0].text);
        assert!(
            d[0].text
                .ends_with(&format!("/api/requests/contacts/confirm#token={token}")),
            "{}",
            d[0].text
        );
    }

    #[test]
    fn a_name_with_control_characters_never_reaches_the_greeting() {
        for name in [
            "Anne\r\nBcc: x@evil.example",
            "Anne\n\nClick http://evil.example",
            "\u{202E}enna",
        ] {
            let to = json!([{"email": "a@example.org", "name": name, "verified": true}]);
            let d = &drafts("e", EventKind::RequestFiled, &payload(to), ORIGIN)[0];
            assert!(d.text.starts_with("Bonjour,\n"), "{}", d.text);
            assert!(
                !d.text.contains("evil") && !d.text.contains('\u{202E}'),
                "{}",
                d.text
            );
        }
        let mut p = payload(json!([{"email": "a@example.org", "verified": true}]));
        p.insert("service_name".into(), json!("Nid\r\nBcc: x"));
        p.insert("state_label".into(), json!("Reçu\nX"));
        let d = &drafts("e", EventKind::StatusChanged, &p, ORIGIN)[0];
        assert!(!d.subject.contains(['\r', '\n']), "{:?}", d.subject);
    }
}
