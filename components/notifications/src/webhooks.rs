//! Webhooks: a commune's own systems told of its events, signed as the Standard Webhooks
//! specification says ([`crate::signing`]), delivered and retried like any message (channel
//! `webhook`, its address the webhook's id, its text the JSON body).
//!
//! Administered by the commune's administrators (`/api/notifications/webhooks`, see
//! [`crate::admin`]). A webhook's URL is checked when saved and again at each delivery:
//! `https` only, and never an internal address or name ([`guichet_guest::destination`]),
//! unless the platform operator named its host exactly in `webhook_allowed_hosts` (which is
//! also the component's outbound grant, so a URL outside it is never reached anyway). A name
//! that resolves to an internal address is stopped when connecting, by the runtime
//! configuration's `block_networks`.
//!
//! The body sent: `{"type": <event kind>, "timestamp": <occurred-at>, "data": {...}}`, `data`
//! being the event's record without its recipients (their contacts are personal data the
//! commune's systems can read in Guichet if they must).

use anyhow::Context as _;
use guichet_guest::caller::Caller;
use guichet_guest::codes::Role;
use guichet_guest::context::Ctx;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::event::EventKind;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, FieldError};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::{Method, Request, Response};
use url::Url;

use crate::provider::{classify, Outcome};
use crate::signing;
use crate::store::Claimed;

/// Webhooks one commune may have.
const MAX_WEBHOOKS: i64 = 10;
/// Longest URL accepted.
const MAX_URL_LEN: usize = 2_000;
/// How long a rotated secret keeps signing, unless said: a day to deploy the new one.
const DEFAULT_PREVIOUS_HOURS: i64 = 24;
const MAX_PREVIOUS_HOURS: i64 = 24 * 7;

/// Why `url` cannot be a webhook's URL (the error on field `url`), given the operator's
/// `webhook_allowed_hosts` entry `listed`.
pub fn check_url(url: &str, listed: &str) -> Result<Url, FieldError> {
    let error = |code: &str, message: &str| FieldError::new("url", code, message);
    if url.len() > MAX_URL_LEN {
        return Err(error(
            "too_long",
            "a webhook URL is at most 2000 characters",
        ));
    }
    let parsed =
        Url::parse(url).map_err(|_| error("invalid_url", "this is not an absolute URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.fragment().is_some() {
        return Err(error(
            "invalid_url",
            "a webhook URL has no user, password or fragment",
        ));
    }
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let listed_exactly = guichet_guest::destination::listed_in(listed, &host);
    match parsed.scheme() {
        "https" => {}
        "http" if listed_exactly => {}
        _ => return Err(error("not_https", "a webhook URL must start with https://")),
    }
    if let Some(reason) = guichet_guest::destination::refusal_given(&parsed, listed) {
        return Err(error("internal_destination", reason));
    }
    Ok(parsed)
}

/// The operator's `webhook_allowed_hosts`.
fn allowed_hosts() -> String {
    spin_sdk::variables::get("webhook_allowed_hosts").unwrap_or_default()
}

/// What an administrator sends to create a webhook.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    url: String,
    #[serde(default)]
    events: Vec<String>,
}

const NEW_WEBHOOK: Shape = Shape::Object(&[
    Member::required("url", Shape::Text),
    Member::optional("events", Shape::List(&Shape::Text)),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotation {
    previous_valid_hours: Option<i64>,
}

const ROTATION: Shape = Shape::Object(&[Member::nullable("previous_valid_hours", Shape::Integer)]);

/// The caller, who must be an administrator of the commune.
fn admin<'c>(ctx: &'c Ctx<'_, Caller>) -> Result<&'c Caller, ApiError> {
    let caller = ctx.caller()?.require_signed_in()?;
    caller.require(Role::Admin)?;
    Ok(caller)
}

/// `POST /api/notifications/webhooks` `{"url", "events"?}` (admin): 201 with the webhook and
/// its secret (`whsec_...`), shown this once.
pub fn create(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    let caller = admin(ctx)?;
    let value = body::json(ctx.request(), body::DEFAULT_MAX_JSON)?;
    let new: NewWebhook = shape::decode(value, &NEW_WEBHOOK)?;
    let mut errors = Vec::new();
    let url = check_url(new.url.trim(), &allowed_hosts())
        .map_err(|e| errors.push(e))
        .ok();
    let mut kinds: Vec<&'static str> = Vec::new();
    for (index, name) in new.events.iter().enumerate() {
        match EventKind::parse(name) {
            Some(kind) if !kinds.contains(&kind.as_str()) => kinds.push(kind.as_str()),
            Some(_) => {}
            None => errors.push(FieldError::new(
                format!("events[{index}]"),
                "unknown_event_kind",
                "an event kind is one of request-filed, status-changed, message, assigned, overdue, followed",
            )),
        }
    }
    let Some(url) = url.filter(|_| errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let conn = ctx.conn();
    let commune = ctx.commune().as_str();
    let count = db::query(
        conn,
        "SELECT count(*) AS n FROM webhooks WHERE commune = ?",
        &[db::text(commune)],
    )?;
    if db::first_value::<i64>(&count, "n")?.unwrap_or(0) >= MAX_WEBHOOKS {
        return Err(ApiError::conflict(
            "url",
            "too_many_webhooks",
            "a commune has at most 10 webhooks",
        ));
    }
    let secret = signing::new_secret()?;
    let (id, now) = db::new_id_and_now(conn)?;
    let events = json!(kinds).to_string();
    db::transaction(conn, |conn| {
        db::exec(
            conn,
            "INSERT INTO webhooks (id, commune, url, events, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
            &[
                db::text(id.as_str()),
                db::text(commune),
                db::text(url.as_str()),
                db::text(events.as_str()),
                db::text(now.as_str()),
                db::text(caller.account().unwrap_or_default()),
            ],
        )?;
        db::exec(
            conn,
            "INSERT INTO webhook_secrets (webhook_id, commune, secret, created_at) VALUES (?, ?, ?, ?)",
            &[
                db::text(id.as_str()),
                db::text(commune),
                db::text(secret.as_str()),
                db::text(now.as_str()),
            ],
        )
    })?;
    let mut answer = response::json(
        201,
        &json!({"id": id, "url": url.as_str(), "events": kinds, "secret": secret, "created_at": now}),
    );
    answer.set_header("location", format!("/api/notifications/webhooks/{id}"));
    Ok(answer)
}

/// `GET /api/notifications/webhooks` (admin): the commune's webhooks, without their secrets.
pub fn list(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    admin(ctx)?;
    let result = db::query(
        ctx.conn(),
        "SELECT id, url, events, created_at, \
         (SELECT json_group_array(json_object('created_at', s.created_at, 'expires_at', s.expires_at)) \
          FROM webhook_secrets s WHERE s.webhook_id = w.id AND (s.expires_at IS NULL OR s.expires_at > ?2)) AS secrets \
         FROM webhooks w WHERE commune = ?1 ORDER BY created_at, id",
        &[db::text(ctx.commune().as_str()), db::text(now_rfc3339(ctx.conn())?)],
    )?;
    let hooks = db::rows(&result)
        .map(|row| {
            let parse = |text: &str| serde_json::from_str::<Json>(text).unwrap_or(Json::Null);
            Ok(json!({
                "id": row.get::<&str>("id")?,
                "url": row.get::<&str>("url")?,
                "events": parse(row.get::<&str>("events")?),
                "created_at": row.get::<&str>("created_at")?,
                "secrets": parse(row.get::<&str>("secrets")?),
            }))
        })
        .collect::<Result<Vec<Json>, db::RowError>>()?;
    Ok(response::json(200, &json!({ "webhooks": hooks })))
}

/// `POST /api/notifications/webhooks/{id}/rotate` `{"previous_valid_hours"?}` (admin): a new
/// secret, answered this once; the previous ones keep signing (every message carries one
/// signature per secret) for `previous_valid_hours` (default 24, 0 to 168), so the receiver
/// can switch without losing a message.
pub fn rotate(ctx: &Ctx<'_, Caller>, id: &str) -> Result<Response, ApiError> {
    admin(ctx)?;
    let req = ctx.request();
    let rotation: Rotation = if req.body().iter().all(u8::is_ascii_whitespace) {
        Rotation {
            previous_valid_hours: None,
        }
    } else {
        shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &ROTATION)?
    };
    let hours = rotation
        .previous_valid_hours
        .unwrap_or(DEFAULT_PREVIOUS_HOURS);
    if !(0..=MAX_PREVIOUS_HOURS).contains(&hours) {
        return Err(ApiError::field(
            "previous_valid_hours",
            "out_of_range",
            "previous_valid_hours is between 0 and 168",
        ));
    }
    let conn = ctx.conn();
    let commune = ctx.commune().as_str();
    exists(conn, commune, id)?;
    let secret = signing::new_secret()?;
    let valid_until = db::transaction(conn, |conn| {
        let until = db::query(
            conn,
            "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) AS until",
            &[db::text(format!("+{hours} hours"))],
        )?;
        let until: String = db::first_value(&until, "until")?.context("no time")?;
        db::exec(
            conn,
            "UPDATE webhook_secrets SET expires_at = ? WHERE webhook_id = ? AND commune = ? \
             AND (expires_at IS NULL OR expires_at > ?)",
            &[
                db::text(until.as_str()),
                db::text(id),
                db::text(commune),
                db::text(until.as_str()),
            ],
        )?;
        db::exec(
            conn,
            &format!(
                "INSERT INTO webhook_secrets (webhook_id, commune, secret, created_at) VALUES (?, ?, ?, {})",
                db::NOW_RFC3339
            ),
            &[db::text(id), db::text(commune), db::text(secret.as_str())],
        )?;
        Ok(until)
    })?;
    Ok(response::json(
        200,
        &json!({"id": id, "secret": secret, "previous_valid_until": valid_until}),
    ))
}

/// `DELETE /api/notifications/webhooks/{id}` (admin): 204. Its queued messages are then
/// given up at their next attempt.
pub fn delete(ctx: &Ctx<'_, Caller>, id: &str) -> Result<Response, ApiError> {
    admin(ctx)?;
    let conn = ctx.conn();
    let commune = ctx.commune().as_str();
    exists(conn, commune, id)?;
    db::transaction(conn, |conn| {
        for table in [
            "DELETE FROM webhook_secrets WHERE webhook_id = ? AND commune = ?",
            "DELETE FROM webhooks WHERE id = ? AND commune = ?",
        ] {
            db::exec(conn, table, &[db::text(id), db::text(commune)])?;
        }
        Ok(())
    })?;
    Ok(Response::builder().status(204).build())
}

/// 404 unless webhook `id` is the commune's.
fn exists(conn: &Connection, commune: &str, id: &str) -> Result<(), ApiError> {
    let result = db::query(
        conn,
        "SELECT 1 FROM webhooks WHERE id = ? AND commune = ?",
        &[db::text(id), db::text(commune)],
    )?;
    if result.rows.is_empty() {
        Err(ApiError::NotFound)
    } else {
        Ok(())
    }
}

fn now_rfc3339(conn: &Connection) -> anyhow::Result<String> {
    let result = db::query(conn, &format!("SELECT {} AS now", db::NOW_RFC3339), &[])?;
    db::first_value::<String>(&result, "now")?.context("no time")
}

/// A webhook message to store for an event.
pub struct Draft {
    pub id: String,
    pub webhook_id: String,
    pub kind: &'static str,
    pub body: String,
}

/// The webhook messages of an event: one per webhook of `commune` that takes `kind`
/// (diagnostics go to no webhook).
pub fn drafts(
    conn: &Connection,
    commune: &str,
    event_id: &str,
    kind: EventKind,
    occurred_at: &str,
    payload: &Map<String, Json>,
) -> anyhow::Result<Vec<Draft>> {
    if kind == EventKind::Diagnostic {
        return Ok(Vec::new());
    }
    let result = db::query(
        conn,
        "SELECT id FROM webhooks WHERE commune = ? \
         AND (events = '[]' OR EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = ?)) ORDER BY id",
        &[db::text(commune), db::text(kind.as_str())],
    )?;
    let mut data = payload.clone();
    data.remove("recipients");
    data.insert("event_id".into(), json!(event_id));
    data.insert("commune".into(), json!(commune));
    let body = json!({"type": kind.as_str(), "timestamp": occurred_at, "data": data}).to_string();
    Ok(db::rows(&result)
        .filter_map(|row| row.get::<&str>("id").ok().map(str::to_owned))
        .map(|webhook_id| Draft {
            id: message_id(event_id, &webhook_id),
            webhook_id,
            kind: kind.as_str(),
            body: body.clone(),
        })
        .collect())
}

/// `wh-` and a 128-bit FNV-1a digest of the event and the webhook: the same id for every
/// attempt (the receiver's idempotency key, `webhook-id`), at most 64 characters.
fn message_id(event_id: &str, webhook_id: &str) -> String {
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in event_id.bytes().chain([0]).chain(webhook_id.bytes()) {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    format!("wh-{hash:032x}")
}

/// Stores the webhook message `draft` for `commune`, queued and due now, unless its id exists;
/// `true` when stored.
pub fn insert(
    conn: &Connection,
    commune: &str,
    draft: &Draft,
    reference: Option<&str>,
) -> anyhow::Result<bool> {
    db::exec(
        conn,
        &format!(
            "INSERT INTO messages (id, commune, channel, to_address, purpose, language, subject, \
             body_text, status, state, attempts, next_attempt_at, created_at, reference) \
             VALUES (?, ?, 'webhook', ?, 'webhook', 'en', ?, ?, 'queued', 'queued', 0, {now}, {now}, ?) \
             ON CONFLICT(id) DO NOTHING",
            now = db::NOW_RFC3339
        ),
        &[
            db::text(draft.id.as_str()),
            db::text(commune),
            db::text(draft.webhook_id.as_str()),
            db::text(draft.kind),
            db::text(draft.body.as_str()),
            reference.map_or(Value::Null, db::text),
        ],
    )
    .context("storing a webhook message")?;
    Ok(conn.changes() == 1)
}

/// Delivers the claimed webhook message: its webhook's URL (checked again), signed with every
/// secret still valid. 2xx delivered; 410 (the receiver says it is gone) and the refusals of
/// [`classify`] are final; anything else is retried.
pub async fn send(conn: &Connection, claimed: &Claimed) -> Outcome {
    match target(conn, &claimed.commune, &claimed.outgoing.to) {
        Ok(Some((url, keys))) => post(&url, keys, claimed).await,
        Ok(None) => Outcome::Refused("the webhook was deleted".to_owned()),
        Err(error) => Outcome::Retry(format!("reading the webhook: {error:#}")),
    }
}

async fn post(url: &str, keys: Vec<Vec<u8>>, claimed: &Claimed) -> Outcome {
    if let Err(error) = check_url(url, &allowed_hosts()) {
        return Outcome::Refused(format!("the webhook URL is refused: {}", error.code));
    }
    if keys.is_empty() {
        return Outcome::Retry("the webhook has no valid secret".to_owned());
    }
    let id = claimed.outgoing.id.as_str();
    let body = claimed.outgoing.text.as_bytes();
    let timestamp = guichet_guest::limits::unix_now();
    let request = Request::builder()
        .method(Method::Post)
        .uri(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signing::header(&keys, id, timestamp, body),
        )
        .body(body.to_vec())
        .build();
    match spin_sdk::http::send::<_, Response>(request).await {
        Ok(response) => match *response.status() {
            410 => Outcome::Refused("the receiver answered 410 Gone".to_owned()),
            status => match classify(status) {
                Outcome::Accepted => Outcome::Sent,
                other => other,
            },
        },
        // The reason names no URL: it may hold a token of the receiver's.
        Err(error) => Outcome::Retry(format!(
            "the webhook could not be reached: {}",
            transport(&error)
        )),
    }
}

/// A transport error in a few words (the SDK's debug form may quote the URL).
fn transport(error: &spin_sdk::http::SendError) -> &'static str {
    let text = format!("{error:?}").to_ascii_lowercase();
    if text.contains("denied") || text.contains("not allowed") {
        "destination not allowed"
    } else if text.contains("timeout") || text.contains("timed out") {
        "timeout"
    } else {
        "connection failed"
    }
}

/// The URL and the valid secrets' keys of webhook `id` of `commune`.
fn target(
    conn: &Connection,
    commune: &str,
    id: &str,
) -> anyhow::Result<Option<(String, Vec<Vec<u8>>)>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT w.url AS url, s.secret AS secret FROM webhooks w \
             LEFT JOIN webhook_secrets s ON s.webhook_id = w.id AND s.commune = w.commune \
             AND (s.expires_at IS NULL OR s.expires_at > {}) \
             WHERE w.id = ? AND w.commune = ? ORDER BY s.created_at DESC",
            db::NOW_RFC3339
        ),
        &[db::text(id), db::text(commune)],
    )?;
    let mut url = None;
    let mut keys = Vec::new();
    for row in db::rows(&result) {
        url = Some(row.get::<String>("url")?);
        if let Some(key) = row.get::<Option<&str>>("secret")?.and_then(signing::key_of) {
            keys.push(key);
        }
    }
    Ok(url.map(|url| (url, keys)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://*:443";

    fn code(url: &str, listed: &str) -> Option<String> {
        check_url(url, listed).err().map(|e| e.code)
    }

    #[test]
    fn only_https_urls_to_public_hosts_are_taken() {
        assert_eq!(
            code("https://sig.mairie-demo.fr/hooks/guichet?k=1", PUBLIC),
            None
        );
        assert_eq!(
            code("http://sig.mairie-demo.fr/hooks", PUBLIC).as_deref(),
            Some("not_https")
        );
        assert_eq!(
            code("ftp://sig.mairie-demo.fr", PUBLIC).as_deref(),
            Some("not_https")
        );
        assert_eq!(code("not a url", PUBLIC).as_deref(), Some("invalid_url"));
        assert_eq!(
            code("https://user:pw@sig.mairie-demo.fr", PUBLIC).as_deref(),
            Some("invalid_url")
        );
        for internal in [
            "https://127.0.0.1/x",
            "https://10.0.0.8/x",
            "https://169.254.169.254/latest",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://localhost/",
            "https://identity.spin.internal/internal/contacts",
        ] {
            assert_eq!(
                code(internal, PUBLIC).as_deref(),
                Some("internal_destination"),
                "{internal}"
            );
        }
    }

    #[test]
    fn a_host_the_operator_listed_exactly_may_be_local_and_plain_http() {
        assert_eq!(
            code("http://127.0.0.1:8099/hook", "http://127.0.0.1:*"),
            None
        );
        assert_eq!(
            code("http://10.0.0.8/hook", "http://127.0.0.1:*").as_deref(),
            Some("not_https")
        );
    }

    #[test]
    fn message_ids_are_stable_per_event_and_webhook_and_short() {
        let a = message_id("ev-1", "w1");
        assert_eq!(a, message_id("ev-1", "w1"));
        assert_ne!(a, message_id("ev-1", "w2"));
        assert_ne!(a, message_id("ev-1w", "1"));
        assert!(
            a.len() <= 64 && guichet_guest::codes::is_exchange_id(&a),
            "{a}"
        );
    }
}
