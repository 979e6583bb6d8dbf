//! Receiving and reading events (the `events` contract, `wit/events.wit`): a body outside
//! the contract is a 400 naming the member (logged), and nothing is stored.
//!
//! An event about a citizen's request becomes messages to its recipients (see
//! [`crate::citizen`]), stored in the same transaction as the event: the event's id is stored
//! once, so a redelivered event (the sender retries until it gets a 2xx) creates no second
//! message, and an event acknowledged is never without its messages. The messages are then
//! attempted at once; those the provider does not take stay queued for
//! `POST /internal/messages/retry` (backoff in [`crate::delivery`]), which requests' outbox
//! sweep (`POST /api/requests/outbox/retry`) also runs for its commune.
//!
//! SMS cost the commune money, so whatever the sender checked, an SMS is never sent to a
//! number outside `sms_allowed_countries` nor beyond the `sms_limits` of one number (per hour
//! and per day, counted here): such a message is stored as `failed` with its reason
//! (`country_not_allowed`, `sms_rate_limited`), never attempted. Confirmation tokens of
//! recipients go into their message only: the event is stored without them.

use guichet_guest::clients;
use guichet_guest::contracts::events::{Event, StoredEvent};
use guichet_guest::db::{self, Value};
use guichet_guest::event::{self, EventKind};
use guichet_guest::limits::{self, Limit, DAY, HOUR};
use guichet_guest::phone::{PhoneNumber, SmsCountries, COUNTRY_NOT_ALLOWED};
use guichet_guest::{body, response, ApiError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::agents;
use crate::citizen::{self, Channel, Draft};
use crate::delivery::{self, Providers};
use crate::templates::Templates;
use crate::{digest, preferences, schema, store, webhooks, DATABASE};

/// Where the tracking page is when the event does not say (`public_origin` variable).
const DEFAULT_ORIGIN: &str = "http://localhost:3000";

/// Stores the event in the body unless one with its id is already stored, with the messages
/// it gives, then attempts those messages. Validation comes first: an invalid event writes
/// nothing. 200 `{"id","stored":"new"|"duplicate","messages":n}` (`n` messages created).
pub async fn receive(req: &Request) -> Result<Response, ApiError> {
    body::json(req, body::DEFAULT_MAX_JSON)?;
    let event: Event = clients::receive("POST /internal/events", req.body())?;
    event::validate(&event).map_err(|errors| ApiError::BadRequest { errors })?;
    // The messages are written from the typed record; the event is stored as flat JSON.
    // Accounts named without an address (a signed-in filer, the agent concerned) are asked of
    // identity first: if it cannot answer, the event is not acknowledged and comes again.
    let accounts = agents::lookup(&event.commune, agents::accounts_named(&event.payload)).await?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let templates = Templates::load(&conn, &event.commune)?;
    let preferences =
        preferences::load(&conn, &event.commune, &agents::accounts_of(&event.payload))?;
    let origin = public_origin();
    let setting = citizen::Setting {
        origin: &origin,
        accounts: &accounts,
        templates: &templates,
        preferences: &preferences,
    };
    let mut drafts = citizen::drafts(&event.id, &event.payload, &setting);
    drafts.extend(agents::drafts(
        &event.id,
        &event.payload,
        &accounts,
        &templates,
        &preferences,
    ));
    let event = Received::from(event);
    let event = without_tokens(event);
    let countries = SmsCountries::from_variables();
    // The messages are stored already claimed for their first attempt: one write less per
    // message than storing then claiming (writes to one database queue behind each other).
    let (stored, claimed, hooks) = db::transaction(&conn, |conn| {
        if !store_event(conn, &event)? {
            return Ok(("duplicate", Vec::new(), Vec::new()));
        }
        let reference = event.payload.get("reference").and_then(Json::as_str);
        let mut hooks = Vec::new();
        for hook in webhooks::drafts(
            conn,
            &event.commune,
            &event.id,
            event.kind,
            &event.occurred_at,
            &event.payload,
        )? {
            if webhooks::insert(conn, &event.commune, &hook, reference)? {
                hooks.push(hook.id);
            }
        }
        let mut claimed = Vec::new();
        for draft in &drafts {
            if draft.channel == Channel::Inbox {
                store::insert_draft_inbox(conn, &event.commune, draft)?;
                continue;
            }
            if draft.digest {
                digest::add(conn, &event.commune, draft)?;
                continue;
            }
            if let Some(reason) = sms_refusal(conn, &countries, draft)? {
                eprintln!("message {}: not sent: {reason}", draft.id);
                store::insert_draft_refused(conn, &event.commune, draft, reason)?;
                continue;
            }
            let delay = delivery::jittered_delay(&draft.id, 1);
            if let Some(claim) = store::insert_draft_claimed(conn, &event.commune, draft, delay)? {
                claimed.push(claim);
            }
        }
        Ok(("new", claimed, hooks))
    })?;
    let count = claimed.len() + hooks.len();
    if count > 0 {
        let providers = Providers::from_variables();
        for claim in claimed {
            let id = claim.outgoing.id.clone();
            // A failed attempt leaves the message queued; the event itself is acknowledged.
            if let Err(error) = delivery::send_claimed(&conn, &providers, &id, claim).await {
                eprintln!("message {id}: attempt failed: {error:#}");
            }
        }
        for id in hooks {
            if let Err(error) = delivery::attempt(&conn, &providers, &id, false).await {
                eprintln!("webhook {id}: attempt failed: {error:#}");
            }
        }
    }
    Ok(response::json(
        200,
        &json!({"id": event.id, "stored": stored, "messages": count}),
    ))
}

/// A received event as notifications keeps it: its kind's name and its record's flat JSON
/// (the form `GET /internal/events/{id}` answers).
struct Received {
    id: String,
    commune: String,
    kind: EventKind,
    source: String,
    occurred_at: String,
    payload: Map<String, Json>,
}

impl From<Event> for Received {
    fn from(event: Event) -> Self {
        let Event {
            id,
            commune,
            source,
            occurred_at,
            payload,
        } = event;
        Received {
            id,
            commune,
            kind: EventKind::of(&payload),
            source,
            occurred_at,
            payload: event::payload_json(&payload),
        }
    }
}

/// Why the SMS `draft` must not be sent, if it must not: its number is outside the allowed
/// countries, or has had its share of SMS this hour or today (counting this one).
fn sms_refusal(
    conn: &db::Connection,
    countries: &SmsCountries,
    draft: &Draft,
) -> anyhow::Result<Option<&'static str>> {
    if draft.channel != Channel::Sms {
        return Ok(None);
    }
    if !PhoneNumber::parse(&draft.to).is_ok_and(|n| countries.allow(&n)) {
        return Ok(Some(COUNTRY_NOT_ALLOWED));
    }
    let setting = limits::setting("sms_limits");
    for (name, default, window) in [("hour", 10, HOUR), ("day", 30, DAY)] {
        let limit = Limit {
            max: limits::count_in(&setting, name, default),
            window,
        };
        if limits::count(conn, &format!("sms_{name}"), &draft.to, limit)?.is_some() {
            return Ok(Some("sms_rate_limited"));
        }
    }
    Ok(None)
}

/// `event` without its recipients' `confirm_token`s: they belong in the messages only.
fn without_tokens(mut event: Received) -> Received {
    if let Some(Json::Array(recipients)) = event.payload.get_mut("recipients") {
        for recipient in recipients.iter_mut().filter_map(Json::as_object_mut) {
            recipient.remove("confirm_token");
        }
    }
    event
}

/// The `public_origin` variable, when it is a valid origin.
fn public_origin() -> String {
    spin_sdk::variables::get("public_origin")
        .ok()
        .filter(|o| citizen::is_origin(o.trim_end_matches('/')))
        .map(|o| o.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| DEFAULT_ORIGIN.to_owned())
}

/// Inserts `event` unless its id is stored; `true` when it was new.
fn store_event(conn: &db::Connection, event: &Received) -> anyhow::Result<bool> {
    // ON CONFLICT DO NOTHING instead of read-then-insert: two deliveries racing cannot both
    // insert, and neither fails.
    db::exec(
        conn,
        &format!(
            "INSERT INTO events (id, commune, kind, source, occurred_at, payload, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, {}) ON CONFLICT(id) DO NOTHING",
            db::NOW_RFC3339
        ),
        &[
            db::text(event.id.as_str()),
            db::text(event.commune.as_str()),
            db::text(event.kind.as_str()),
            db::text(event.source.as_str()),
            db::text(event.occurred_at.as_str()),
            db::text(Json::Object(event.payload.clone()).to_string()),
        ],
    )?;
    Ok(conn.changes() == 1)
}

/// The stored event `id` with the time it was received.
pub fn fetch(id: &str) -> Result<Response, ApiError> {
    if !guichet_guest::codes::is_exchange_id(id) {
        return Err(ApiError::field(
            "id",
            "invalid",
            "an event id is 1 to 64 of A-Z, a-z, 0-9 and '-'",
        ));
    }
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let result = db::query(
        &conn,
        "SELECT id, commune, kind, source, occurred_at, payload, received_at FROM events WHERE id = ?",
        &[Value::Text(id.to_owned())],
    )?;
    let row = result.rows.first().ok_or(ApiError::NotFound)?;
    let column = |i: usize| row.get::<&str>(i).unwrap_or_default().to_owned();
    Ok(response::json(
        200,
        &StoredEvent {
            id: column(0),
            commune: column(1),
            kind: column(2),
            source: column(3),
            occurred_at: column(4),
            payload: column(5),
            received_at: column(6),
        },
    ))
}
