//! Agents hear about their work: a request assigned to them (`assigned`), one of theirs past
//! its expected date (`overdue`), and a citizen's reply on one of theirs (`message` written by
//! the citizen). An agent is named in the event by account id only; their address comes from
//! identity ([`lookup`], the `contacts` contract), as does a signed-in citizen's who typed
//! no contact. E-mail, in the agent's language; no link to the request (the back-office is
//! where they read it) and never the citizen's text.

use guichet_guest::clients;
use guichet_guest::contact::Channel;
use guichet_guest::contracts::contacts::{Contact, Lookup};
use guichet_guest::contracts::events::{
    Assigned, Message, Overdue, Payload, Recipient, SignatureReminder,
};

use crate::citizen::{self, Draft};

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

/// The alert to the agent the event concerns, if identity gave their contact in `contacts`.
pub fn drafts(event_id: &str, payload: &Payload, contacts: &[Contact]) -> Vec<Draft> {
    let Some((purpose, agent)) = concern(payload) else {
        return Vec::new();
    };
    let Some(contact) = contacts.iter().find(|c| c.account_id == agent) else {
        eprintln!("event {event_id}: the agent concerned cannot be reached");
        return Vec::new();
    };
    if let Payload::SignatureReminder(reminder) = payload {
        return vec![reminder_draft(event_id, reminder, contact)];
    }
    let (reference, service) = match payload {
        Payload::Assigned(r) => (&r.reference, &r.service_name),
        Payload::Overdue(r) => (&r.reference, &r.service_name),
        Payload::Message(r) => (&r.reference, &r.service_name),
        _ => return Vec::new(),
    };
    if !citizen::is_reference(reference) {
        return Vec::new();
    }
    let language = citizen::language(&contact.language);
    let service = citizen::localized(service, language).unwrap_or_default();
    let service = guichet_guest::text::one_line(&service);
    let (subject, line) = match (purpose, language) {
        ("agent_assigned", "fr") => (
            format!("Demande {reference} : elle vous est attribuée"),
            format!("La demande « {service} » ({reference}) vous a été attribuée."),
        ),
        ("agent_assigned", _) => (
            format!("Request {reference} assigned to you"),
            format!("The request \"{service}\" ({reference}) was assigned to you."),
        ),
        ("agent_overdue", "fr") => (
            format!("Demande {reference} en retard"),
            format!("La demande « {service} » ({reference}) a dépassé sa date prévue."),
        ),
        ("agent_overdue", _) => (
            format!("Request {reference} is overdue"),
            format!("The request \"{service}\" ({reference}) is past its expected date."),
        ),
        (_, "fr") => (
            format!("Demande {reference} : réponse de l'usager"),
            format!("L'usager a répondu sur la demande « {service} » ({reference})."),
        ),
        _ => (
            format!("Request {reference}: the citizen replied"),
            format!("The citizen replied on the request \"{service}\" ({reference})."),
        ),
    };
    let hello = match (&contact.name, language) {
        (Some(name), "fr") => format!("Bonjour {},", guichet_guest::text::one_line(name)),
        (None, "fr") => "Bonjour,".to_owned(),
        (Some(name), _) => format!("Hello {},", guichet_guest::text::one_line(name)),
        (None, _) => "Hello,".to_owned(),
    };
    vec![Draft {
        id: format!("{}-a", citizen::id_base(event_id)),
        channel: Channel::Email,
        to: contact.email.clone(),
        account_id: Some(contact.account_id.clone()),
        purpose,
        language,
        subject: guichet_guest::text::one_line(&subject),
        text: format!("{hello}\n\n{line}\n"),
        reference: Some(reference.clone()),
    }]
}

/// A signer's reminder: the document, the purpose, the due date (or that it is past) and
/// where to sign; sent to the address identity has for the signer's account.
fn reminder_draft(event_id: &str, reminder: &SignatureReminder, contact: &Contact) -> Draft {
    let language = citizen::language(&contact.language);
    let title = guichet_guest::text::one_line(&reminder.document_title);
    let purpose = guichet_guest::text::one_line(&reminder.purpose);
    let due = guichet_guest::text::one_line(&reminder.due_on);
    let origin = reminder.origin.as_deref().unwrap_or("");
    let (subject, line) = match (language, reminder.overdue) {
        ("fr", false) => (
            format!("À signer avant le {due} : {title}"),
            format!("Votre signature est attendue sur « {title} » ({purpose}) avant le {due}."),
        ),
        ("fr", true) => (
            format!("Signature en retard : {title}"),
            format!("Votre signature sur « {title} » ({purpose}) était attendue le {due}."),
        ),
        (_, false) => (
            format!("To sign by {due}: {title}"),
            format!("Your signature is expected on \"{title}\" ({purpose}) by {due}."),
        ),
        (_, true) => (
            format!("Signature overdue: {title}"),
            format!("Your signature on \"{title}\" ({purpose}) was expected on {due}."),
        ),
    };
    let link = if origin.is_empty() {
        String::new()
    } else {
        format!("\n{origin}/api/signatures/flows/{}\n", reminder.flow_id)
    };
    Draft {
        id: format!("{}-s", citizen::id_base(event_id)),
        channel: Channel::Email,
        to: contact.email.clone(),
        account_id: Some(contact.account_id.clone()),
        purpose: "signature_reminder",
        language,
        subject: guichet_guest::text::one_line(&subject),
        text: format!("{line}\n{link}"),
        reference: None,
    }
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
        let d = drafts("e1", &p, &[agent("en")]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].to.as_str(), d[0].purpose),
            ("agent7@mairie.example", "agent_assigned")
        );
        assert_eq!(d[0].subject, "Request 2026-000123 assigned to you");
        assert!(d[0].text.starts_with("Hello Ada,"), "{}", d[0].text);
        let d = drafts("e1", &p, &[agent("fr")]);
        assert!(d[0].text.contains("vous a été attribuée"), "{}", d[0].text);
    }

    #[test]
    fn a_citizen_reply_tells_the_assignee_without_its_text_and_staff_messages_do_not() {
        let p = payload(
            EventKind::Message,
            json!({"assignee": "agent-7", "author": "citizen", "text": "secret text"}),
        );
        let d = drafts("e2", &p, &[agent("fr")]);
        assert_eq!(d[0].purpose, "agent_reply");
        assert!(!d[0].text.contains("secret text"), "{}", d[0].text);
        let p = payload(
            EventKind::Message,
            json!({"assignee": "agent-7", "author": "agent"}),
        );
        assert!(drafts("e2", &p, &[agent("fr")]).is_empty());
    }

    #[test]
    fn nobody_is_told_without_an_assignee_or_a_contact() {
        let p = payload(EventKind::Overdue, json!({}));
        assert!(accounts_named(&p).is_empty());
        assert!(drafts("e3", &p, &[agent("fr")]).is_empty());
        let p = payload(EventKind::Overdue, json!({"assignee": "agent-7"}));
        assert!(drafts("e3", &p, &[]).is_empty());
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
        let d = citizen::drafts("e4", &p, "https://demo.example", &[contact]);
        let to: Vec<_> = d.iter().map(|d| (d.to.as_str(), d.language)).collect();
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
        let d = drafts("e2", &p, &[agent("fr")]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].to, "agent7@mairie.example");
        assert_eq!(d[0].purpose, "signature_reminder");
        assert_eq!(d[0].subject, "À signer avant le 2026-12-09 : Facture 42");
        assert!(d[0].text.contains("https://mairie.example/api/signatures/flows/f1"), "{}", d[0].text);
        assert!(drafts("e2", &p, &[]).is_empty());
    }
}
