//! Agents hear about their work: a request assigned to them (`assigned`), one of theirs past
//! its expected date (`overdue`), and a citizen's reply on one of theirs (`message` written by
//! the citizen). An agent is named in the event by account id only; their address comes from
//! identity ([`lookup`], the `contacts` contract), as does a signed-in citizen's who typed
//! no contact. E-mail and the agent's inbox, in the agent's language, from the commune's
//! templates; no link to the request (the back-office is where they read it) and never the
//! citizen's text. An agent who chose the daily digest gets the e-mail as a line of it
//! ([`crate::digest`]). A signer's reminder (`signature-reminder`) goes the same way.

use guichet_guest::clients;
use guichet_guest::contracts::contacts::{Contact, Lookup};
use guichet_guest::contracts::events::{
    Assigned, Message, Overdue, Payload, Recipient, SignatureReminder,
};

use std::collections::HashMap;

use crate::citizen::{self, Channel, Draft};
use crate::kinds;
use crate::preferences::Preferences;
use crate::templates::{Templates, Vars};

/// The account ids an event needs the contact of: its recipients known only by their account,
/// and the agent it concerns.
pub fn accounts_named(payload: &Payload) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let recipients: &[Recipient] = match payload {
        Payload::RequestFiled(r) => &r.recipients,
        Payload::StatusChanged(r) => &r.recipients,
        Payload::Message(r) => &r.recipients,
        Payload::Followed(r) => &r.recipients,
        Payload::Assigned(_)
        | Payload::Overdue(_)
        | Payload::Diagnostic(_)
        | Payload::SignatureReminder(_) => &[],
    };
    for recipient in recipients {
        if let (Some(id), None, None) = (&recipient.account_id, &recipient.email, &recipient.phone)
        {
            ids.push(id.clone());
        }
    }
    if let Some((_, agent)) = concern(payload) {
        ids.push(agent.to_owned());
    }
    ids.sort();
    ids.dedup();
    ids.truncate(50);
    ids
}

/// Every account an event may send to (for their preferences): its recipients with an
/// account, and the agent it concerns.
pub fn accounts_of(payload: &Payload) -> Vec<String> {
    let recipients: &[Recipient] = match payload {
        Payload::RequestFiled(r) => &r.recipients,
        Payload::StatusChanged(r) => &r.recipients,
        Payload::Message(r) => &r.recipients,
        Payload::Followed(r) => &r.recipients,
        Payload::Assigned(_)
        | Payload::Overdue(_)
        | Payload::Diagnostic(_)
        | Payload::SignatureReminder(_) => &[],
    };
    let mut ids: Vec<String> = recipients
        .iter()
        .filter_map(|r| r.account_id.clone())
        .collect();
    if let Some((_, agent)) = concern(payload) {
        ids.push(agent.to_owned());
    }
    ids.sort();
    ids.dedup();
    ids.truncate(100);
    ids
}

/// The contacts of `accounts` in `commune`, from identity. Without `contact_lookup_secret`
/// nothing is asked (accounts are then not reached, and that is logged); identity failing to
/// answer is an error, so that the event is not acknowledged and comes again.
pub async fn lookup(commune: &str, accounts: Vec<String>) -> anyhow::Result<Vec<Contact>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let secret = spin_sdk::variables::get("contact_lookup_secret").unwrap_or_default();
    if secret.len() < 16 {
        eprintln!(
            "contact_lookup_secret is not set: {} account(s) not reached",
            accounts.len()
        );
        return Ok(Vec::new());
    }
    let lookup = Lookup {
        commune: commune.to_owned(),
        account_ids: accounts,
    };
    clients::contacts::lookup(&lookup, &secret).await
}

/// Which agent alert an event is, and the agent's account.
fn concern(payload: &Payload) -> Option<(&'static str, &str)> {
    match payload {
        Payload::Assigned(Assigned {
            assignee: Some(agent),
            ..
        }) => Some(("agent_assigned", agent)),
        Payload::Overdue(Overdue {
            assignee: Some(agent),
            ..
        }) => Some(("agent_overdue", agent)),
        Payload::Message(Message {
            assignee: Some(agent),
            author,
            ..
        }) if matches!(author.as_deref(), Some("citizen" | "anonymous")) => {
            Some(("agent_reply", agent))
        }
        Payload::SignatureReminder(SignatureReminder { account, .. }) => {
            Some(("signature_reminder", account))
        }
        _ => None,
    }
}

/// The alert to the agent the event concerns, if identity gave their contact in `contacts`:
/// an e-mail (or, if they chose the daily digest, a line of it: `digest`) and their inbox's
/// copy, in their language, from the commune's templates.
pub fn drafts(
    event_id: &str,
    payload: &Payload,
    contacts: &[Contact],
    templates: &Templates,
    preferences: &HashMap<String, Preferences>,
) -> Vec<Draft> {
    let Some((purpose, agent)) = concern(payload) else {
        return Vec::new();
    };
    let Some(contact) = contacts.iter().find(|c| c.account_id == agent) else {
        eprintln!("event {event_id}: the agent concerned cannot be reached");
        return Vec::new();
    };
    let chosen = preferences.get(agent);
    if chosen.is_some_and(|p| p.turned_off(purpose, false)) {
        return Vec::new();
    }
    let language = citizen::language(
        chosen
            .and_then(|p| p.language.as_deref())
            .unwrap_or(&contact.language),
    );
    let name = contact.name.as_deref().map(guichet_guest::text::one_line);
    let (vars, reference, service, stem) = if let Payload::SignatureReminder(reminder) = payload {
        let origin = reminder.origin.as_deref().filter(|o| citizen::is_origin(o));
        let link = origin.map(|o| format!("{o}/api/signatures/flows/{}", reminder.flow_id));
        let vars = Vars::new()
            .text("name", name.as_deref())
            .text(
                "title",
                Some(&guichet_guest::text::one_line(&reminder.document_title)),
            )
            .text(
                "purpose",
                Some(&guichet_guest::text::one_line(&reminder.purpose)),
            )
            .text(
                "due_on",
                Some(&guichet_guest::text::one_line(&reminder.due_on)),
            )
            .value("overdue", minijinja::Value::from(reminder.overdue))
            .text("link", link.as_deref());
        (vars, None, None, "s")
    } else {
        let (reference, service) = match payload {
            Payload::Assigned(r) => (&r.reference, &r.service_name),
            Payload::Overdue(r) => (&r.reference, &r.service_name),
            Payload::Message(r) => (&r.reference, &r.service_name),
            _ => return Vec::new(),
        };
        if !citizen::is_reference(reference) {
            return Vec::new();
        }
        let service = guichet_guest::text::one_line(
            &citizen::localized(service, language).unwrap_or_default(),
        );
        let vars = Vars::new()
            .text("name", name.as_deref())
            .text("reference", Some(reference))
            .text("service", Some(&service));
        (vars, Some(reference.clone()), Some(service), "a")
    };
    let digest = kinds::digestible(purpose) && chosen.is_some_and(|p| p.digest);
    let wants = |channel: &str| chosen.is_none_or(|p| p.wants(channel));
    let mut channels = Vec::new();
    // Their work reaches them: by e-mail unless they chose only their inbox.
    if wants("email") || !wants("inbox") {
        channels.push(Channel::Email);
    }
    if wants("inbox") {
        channels.push(Channel::Inbox);
    }
    channels
        .into_iter()
        .map(|channel| {
            let rendered = templates.render(purpose, language, channel.as_str(), &vars);
            let (id, to) = match channel {
                Channel::Inbox => (
                    format!("{}-{stem}-i", citizen::id_base(event_id)),
                    contact.account_id.clone(),
                ),
                _ => (
                    format!("{}-{stem}", citizen::id_base(event_id)),
                    contact.email.clone(),
                ),
            };
            Draft {
                id,
                channel,
                to,
                account_id: Some(contact.account_id.clone()),
                purpose,
                language,
                subject: guichet_guest::text::one_line(&rendered.subject),
                text: rendered.text,
                html: rendered.html,
                reference: reference.clone(),
                service: service.clone(),
                digest: digest && channel == Channel::Email,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use guichet_guest::event::{stored_payload, EventKind};
    use serde_json::json;

    use super::*;

    fn payload(kind: EventKind, extra: serde_json::Value) -> Payload {
        let mut flat = json!({
            "request_id": "r1", "reference": "2026-000123", "service_code": "pothole",
            "service_name": {"fr": "Nid-de-poule", "en": "Pothole"}, "state": "submitted",
            "open": true, "lang": "fr", "recipients": [],
            "text": "Merci", "public": true,
        });
        if let (Some(map), Some(extra)) = (flat.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        stored_payload(kind, flat.as_object().expect("object")).expect("a payload of the contract")
    }

    /// The e-mails of [`drafts`] with the defaults and no preference.
    fn email(id: &str, p: &Payload, contacts: &[Contact]) -> Vec<Draft> {
        let mut all = drafts(id, p, contacts, &Templates::defaults(), &HashMap::new());
        all.retain(|d| d.channel == Channel::Email);
        all
    }

    fn agent(language: &str) -> Contact {
        Contact {
            account_id: "agent-7".into(),
            email: "agent7@mairie.example".into(),
            language: language.into(),
            name: Some("Ada".into()),
        }
    }

    #[test]
    fn an_assignment_tells_the_new_assignee_in_their_language() {
        let p = payload(EventKind::Assigned, json!({"assignee": "agent-7"}));
        assert_eq!(accounts_named(&p), ["agent-7"]);
        let d = email("e1", &p, &[agent("en")]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].to.as_str(), d[0].purpose),
            ("agent7@mairie.example", "agent_assigned")
        );
        assert_eq!(d[0].subject, "Request 2026-000123 assigned to you");
        assert!(d[0].text.starts_with("Hello Ada,"), "{}", d[0].text);
        let d = email("e1", &p, &[agent("fr")]);
        assert!(d[0].text.contains("vous a été attribuée"), "{}", d[0].text);
    }

    #[test]
    fn a_citizen_reply_tells_the_assignee_without_its_text_and_staff_messages_do_not() {
        let p = payload(
            EventKind::Message,
            json!({"assignee": "agent-7", "author": "citizen", "text": "secret text"}),
        );
        let d = email("e2", &p, &[agent("fr")]);
        assert_eq!(d[0].purpose, "agent_reply");
        assert!(!d[0].text.contains("secret text"), "{}", d[0].text);
        let p = payload(
            EventKind::Message,
            json!({"assignee": "agent-7", "author": "agent"}),
        );
        assert!(email("e2", &p, &[agent("fr")]).is_empty());
    }

    #[test]
    fn nobody_is_told_without_an_assignee_or_a_contact() {
        let p = payload(EventKind::Overdue, json!({}));
        assert!(accounts_named(&p).is_empty());
        assert!(email("e3", &p, &[agent("fr")]).is_empty());
        let p = payload(EventKind::Overdue, json!({"assignee": "agent-7"}));
        assert!(email("e3", &p, &[]).is_empty());
    }

    #[test]
    fn a_recipient_known_only_by_account_is_looked_up_and_reached_at_its_address() {
        let p = payload(
            EventKind::StatusChanged,
            json!({"from": "a", "to": "b", "recipients": [{"account_id": "citizen-1", "verified": true}, {"email": "x@example.org", "account_id": "citizen-2", "verified": true}]}),
        );
        assert_eq!(accounts_named(&p), ["citizen-1"]);
        let contact = Contact {
            account_id: "citizen-1".into(),
            email: "c1@example.org".into(),
            language: "en".into(),
            name: None,
        };
        let (templates, preferences) = (Templates::defaults(), HashMap::new());
        let accounts = [contact];
        let setting = citizen::Setting {
            origin: "https://demo.example",
            accounts: &accounts,
            templates: &templates,
            preferences: &preferences,
        };
        let d = citizen::drafts("e4", &p, &setting);
        let to: Vec<_> = d
            .iter()
            .filter(|d| d.channel != Channel::Inbox)
            .map(|d| (d.to.as_str(), d.language))
            .collect();
        assert_eq!(to, [("c1@example.org", "en"), ("x@example.org", "fr")]);
    }

    #[test]
    fn a_signature_reminder_reaches_the_signer_at_the_address_identity_gives() {
        let p = Payload::SignatureReminder(SignatureReminder {
            flow_id: "f1".into(),
            document_title: "Facture 42".into(),
            purpose: "approval".into(),
            account: "agent-7".into(),
            email: None,
            role: "agent".into(),
            due_on: "2026-12-09".into(),
            overdue: false,
            origin: Some("https://mairie.example".into()),
        });
        assert_eq!(accounts_named(&p), ["agent-7"]);
        let d = email("e2", &p, &[agent("fr")]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].to, "agent7@mairie.example");
        assert_eq!(d[0].purpose, "signature_reminder");
        assert_eq!(d[0].subject, "À signer avant le 2026-12-09 : Facture 42");
        assert!(
            d[0].text
                .contains("https://mairie.example/api/signatures/flows/f1"),
            "{}",
            d[0].text
        );
        assert!(email("e2", &p, &[]).is_empty());
    }
}
