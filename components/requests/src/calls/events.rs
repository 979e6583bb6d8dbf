//! Events about requests (filed, status changed, message, assigned, overdue), written to the
//! outbox in the transaction of their cause, then delivered to notifications after the commit
//! (see [`crate::store::outbox`]; undelivered events are retried by `POST /api/requests/outbox/retry`).
//!
//! The payload carries what notifications needs to tell people, so that it never reads the
//! requests database: the request's reference, service, state, the public text, its language,
//! and `recipients` (the filer's contact and the followers' contacts, each with the channel
//! they chose and `verified`: whether its holder confirmed it, see [`crate::http::contacts`]; an
//! unverified one is told of its receipt only, with `confirm_token` for its link).

use anyhow::Context as _;
use guichet_guest::contracts::common::Localized;
use guichet_guest::contracts::events::{Payload, Recipient};
use guichet_guest::db::{self, Connection};
use guichet_guest::service::Workflow;
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::Commune;
use serde_json::Value as Json;

use crate::domain::workflow::rules;
use crate::store::record::Record;
use crate::store::{followers, outbox};

/// What every event about a request repeats (the first members of each record about a
/// request in `wit/events.wit`), handed to the builder of the event's own record.
pub struct About {
    pub request_id: String,
    pub reference: String,
    pub service_code: String,
    pub service_name: Localized,
    pub state: String,
    pub open: bool,
    pub lang: String,
    pub origin: Option<String>,
    pub recipients: Vec<Recipient>,
}

/// The `payload` case `$case` (a record of `wit/events.wit` about a request) built from an
/// [`About`] and the record's own members: an exhaustive literal, so a member added, renamed
/// or removed in the contract fails this crate's build (`tests/contract_break.sh`).
macro_rules! about_request {
    ($case:ident, $about:expr, { $($field:ident $(: $value:expr)?),* $(,)? }) => {{
        let about: $crate::calls::events::About = $about;
        guichet_guest::contracts::events::Payload::$case(guichet_guest::contracts::events::$case {
            request_id: about.request_id,
            reference: about.reference,
            service_code: about.service_code,
            service_name: about.service_name,
            state: about.state,
            open: about.open,
            lang: about.lang,
            origin: about.origin,
            recipients: about.recipients,
            $($field $(: $value)?),*
        })
    }};
}
pub(crate) use about_request;

/// Writes the event `build` makes about `record` to the outbox of `served`'s commune, for the
/// filer's and followers' contacts, with the commune's public origin (for notifications'
/// links to the right commune's tracking page). Returns the event id, to deliver after the
/// commit.
pub fn emit(
    conn: &Connection,
    served: &CommuneInfo,
    record: &Record,
    build: impl FnOnce(About) -> Payload,
) -> anyhow::Result<String> {
    let recipients = recipients(conn, record).context("listing the recipients")?;
    emit_to(conn, served, record, recipients, build)
}

/// [`emit`] to the given `recipients` (a receipt carrying a confirmation token, a follow).
pub fn emit_to(
    conn: &Connection,
    served: &CommuneInfo,
    record: &Record,
    recipients: Vec<Recipient>,
    build: impl FnOnce(About) -> Payload,
) -> anyhow::Result<String> {
    let (id, now) = db::new_id_and_now(conn)?;
    let about = About {
        request_id: record.id.clone(),
        reference: record.reference.clone(),
        service_code: record.service_code.clone(),
        service_name: localized(&record.service_name),
        state: record.state.clone(),
        open: record.is_open,
        lang: record.lang.clone(),
        origin: Some(served.public_origin.clone()).filter(|origin| !origin.is_empty()),
        recipients,
    };
    let payload = build(about);
    outbox::record(conn, &id, &served.commune, &payload, &now)?;
    Ok(id)
}

/// The label of state `code` of `workflow`, as the events carry it (`state_label`).
pub fn state_label(workflow: &Workflow, code: &str) -> Option<Localized> {
    rules::state(workflow, code).map(|state| Localized {
        fr: state.label.fr.clone(),
        en: state.label.en.clone(),
    })
}

/// A stored `{"fr","en"}` text as the contract's record (a missing language is empty).
pub fn localized(text: &Json) -> Localized {
    let text_in = |lang: &str| {
        text.get(lang)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Localized {
        fr: text_in("fr"),
        en: text_in("en"),
    }
}

/// Delivers the events `ids` (written by a committed transaction); failures stay in the
/// outbox for the retry sweep and are not the caller's failure.
pub async fn deliver(conn: &Connection, commune: &Commune, ids: &[String]) {
    for id in ids {
        if let Err(error) = outbox::deliver(conn, commune, id).await {
            eprintln!("delivering event {id}: {error:#}");
        }
    }
}

/// The filer (first) and every follower, as recipients. A filer who typed a contact is
/// reached there; one signed in who typed none is reached through their account
/// (notifications asks identity for its contact): filing while signed in is enough to be told.
pub fn recipients(conn: &Connection, record: &Record) -> anyhow::Result<Vec<Recipient>> {
    let mut list = Vec::new();
    if record.contact.get("email").is_some() || record.contact.get("phone").is_some() {
        let mut filer = recipient(&record.contact);
        // A signed-in filer's own (verified) contact is also their account's: notifications
        // then applies the account's preferences and writes to its in-app inbox.
        if filer.account_id.is_none() && filer.verified {
            filer.account_id = record.account_id.clone();
        }
        list.push(filer);
    } else if let Some(account) = &record.account_id {
        list.push(Recipient {
            email: None,
            phone: None,
            name: None,
            notify: None,
            lang: Some(record.lang.clone()),
            account_id: Some(account.clone()),
            verified: true,
            confirm_token: None,
        });
    }
    for text in followers::contacts(conn, &record.id)? {
        if let Some(contact) = serde_json::from_str::<Json>(&text)
            .ok()
            .map(|contact| recipient(&contact))
        {
            if !list.contains(&contact) {
                list.push(contact);
            }
        }
    }
    Ok(list)
}

/// A stored contact as a recipient: `verified` says whether its holder confirmed it (or it
/// needed no confirmation), in place of the stored `unverified` mark.
pub fn recipient(contact: &Json) -> Recipient {
    let text = |key: &str| contact.get(key).and_then(Json::as_str).map(str::to_owned);
    Recipient {
        email: text("email"),
        phone: text("phone"),
        name: text("name"),
        notify: text("notify"),
        lang: text("lang"),
        account_id: text("account_id"),
        verified: !crate::store::contacts::is_unverified(contact),
        confirm_token: None,
    }
}
