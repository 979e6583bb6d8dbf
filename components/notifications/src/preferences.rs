//! What each account chose about the messages it gets, kept by notifications
//! (`preferences` table): its language, its channels (`email`, `sms`, `inbox`), the kinds of
//! messages it turned off (only those the commune need not send: see [`crate::kinds`]), and,
//! for agents, whether their alerts come one by one (`immediate`) or in a daily `digest` sent
//! by the sweep from `digest_hour` (UTC).
//!
//! - `GET /api/notifications/preferences` (signed in): the account's choices (the defaults
//!   when it made none), with the kinds it may turn off and those it may not;
//! - `PUT /api/notifications/preferences` `{"language"?,"channels","opt_out"?,"agent_mode"?,
//!   "digest_hour"?}`: replaces them; a 400 names each wrong member, nothing is written.
//!
//! Without a choice, a citizen is told on the channel they gave when filing (`notify`) and,
//! with an account, in their inbox; an agent by e-mail and in their inbox, at once.

use std::collections::HashMap;

use guichet_guest::caller::Caller;
use guichet_guest::context::Ctx;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, FieldError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::kinds;

/// The channels an account may choose.
pub const CHANNELS: &[&str] = &["email", "sms", "inbox"];
/// The hour (UTC) digests go out from, by default.
pub const DEFAULT_DIGEST_HOUR: i64 = 7;

/// An account's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub language: Option<String>,
    pub channels: Vec<String>,
    pub opt_out: Vec<String>,
    pub digest: bool,
    pub digest_hour: i64,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            language: None,
            channels: vec!["email".into(), "inbox".into()],
            opt_out: Vec::new(),
            digest: false,
            digest_hour: DEFAULT_DIGEST_HOUR,
        }
    }
}

impl Preferences {
    /// Whether the account wants `channel`.
    pub fn wants(&self, channel: &str) -> bool {
        self.channels.iter().any(|c| c == channel)
    }

    /// Whether the account turned off messages of kind `kind` (that the commune need not
    /// send: `closing` says whether the event closes the request).
    pub fn turned_off(&self, kind: &str, closing: bool) -> bool {
        self.opt_out.iter().any(|k| k == kind) && !kinds::must_send(kind, closing)
    }
}

/// The choices of `accounts` in `commune` that made some (one query).
pub fn load(
    conn: &Connection,
    commune: &str,
    accounts: &[String],
) -> anyhow::Result<HashMap<String, Preferences>> {
    if accounts.is_empty() {
        return Ok(HashMap::new());
    }
    let marks = vec!["?"; accounts.len()].join(", ");
    let mut params = vec![db::text(commune)];
    params.extend(accounts.iter().map(|a| db::text(a.as_str())));
    let result = db::query(
        conn,
        &format!(
            "SELECT account_id, language, channels, opt_out, agent_mode, digest_hour FROM preferences \
             WHERE commune = ? AND account_id IN ({marks})"
        ),
        &params,
    )?;
    let mut out = HashMap::new();
    for row in db::rows(&result) {
        let list = |name: &str| -> Vec<String> {
            row.get::<&str>(name)
                .ok()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default()
        };
        out.insert(
            row.get::<String>("account_id")?,
            Preferences {
                language: row.get::<Option<String>>("language")?,
                channels: list("channels"),
                opt_out: list("opt_out"),
                digest: row.get::<&str>("agent_mode")? == "digest",
                digest_hour: row.get::<i64>("digest_hour")?,
            },
        );
    }
    Ok(out)
}

fn describe(p: &Preferences, customised: bool) -> Json {
    json!({
        "language": p.language, "channels": p.channels, "opt_out": p.opt_out,
        "agent_mode": if p.digest { "digest" } else { "immediate" }, "digest_hour": p.digest_hour,
        "customised": customised,
        "optional_kinds": kinds::optional().collect::<Vec<_>>(),
        "must_send": ["request_filed", "request_followed", "request_status (when it closes the request)"],
    })
}

/// `GET /api/notifications/preferences` (signed in).
pub fn get(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    let account = ctx.caller()?.require_account()?.to_owned();
    let mine = load(
        ctx.conn(),
        ctx.commune().as_str(),
        std::slice::from_ref(&account),
    )?;
    let customised = mine.contains_key(&account);
    Ok(response::json(
        200,
        &describe(&mine.get(&account).cloned().unwrap_or_default(), customised),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    language: Option<String>,
    channels: Vec<String>,
    #[serde(default)]
    opt_out: Vec<String>,
    agent_mode: Option<String>,
    digest_hour: Option<i64>,
}

const BODY: Shape = Shape::Object(&[
    Member::nullable("language", Shape::OneOf(&["fr", "en"])),
    Member::required("channels", Shape::List(&Shape::OneOf(CHANNELS))),
    Member::optional("opt_out", Shape::List(&Shape::Text)),
    Member::optional("agent_mode", Shape::OneOf(&["immediate", "digest"])),
    Member::optional("digest_hour", Shape::Integer),
]);

/// The choices in a request body, every problem named.
fn checked(value: Json) -> Result<Preferences, ApiError> {
    let body: Body = shape::decode(value, &BODY)?;
    let mut errors = Vec::new();
    if body.channels.is_empty() {
        errors.push(FieldError::new(
            "channels",
            "required",
            "choose at least one channel (email, sms, inbox)",
        ));
    }
    let mut channels = body.channels.clone();
    channels.sort();
    channels.dedup();
    if channels.len() != body.channels.len() {
        errors.push(FieldError::new(
            "channels",
            "duplicate",
            "each channel once",
        ));
    }
    for (i, kind) in body.opt_out.iter().enumerate() {
        let field = shape::index("opt_out", i);
        match kinds::find(kind) {
            None => errors.push(FieldError::new(
                field,
                "unknown_kind",
                format!("no kind of message named {kind:?}"),
            )),
            Some(k) if !kinds::optional().any(|o| o == k.name) => errors.push(FieldError::new(
                field,
                "must_send",
                format!("{kind} is a message the commune must send: it cannot be turned off"),
            )),
            Some(_) => {}
        }
    }
    let hour = body.digest_hour.unwrap_or(DEFAULT_DIGEST_HOUR);
    if !(0..=23).contains(&hour) {
        errors.push(FieldError::new(
            "digest_hour",
            "out_of_range",
            "digest_hour is an hour of the day, 0 to 23 (UTC)",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let mut opt_out = body.opt_out;
    opt_out.sort();
    opt_out.dedup();
    Ok(Preferences {
        language: body.language,
        channels: body.channels,
        opt_out,
        digest: body.agent_mode.as_deref() == Some("digest"),
        digest_hour: hour,
    })
}

/// `PUT /api/notifications/preferences` (signed in): 200 with the choices saved.
pub fn put(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    let account = ctx.caller()?.require_account()?.to_owned();
    let p = checked(body::json(ctx.request(), body::DEFAULT_MAX_JSON)?)?;
    db::exec(
        ctx.conn(),
        &format!(
            "INSERT INTO preferences (commune, account_id, language, channels, opt_out, agent_mode, digest_hour, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, {now}) ON CONFLICT (commune, account_id) DO UPDATE SET \
             language = excluded.language, channels = excluded.channels, opt_out = excluded.opt_out, \
             agent_mode = excluded.agent_mode, digest_hour = excluded.digest_hour, updated_at = excluded.updated_at",
            now = db::NOW_RFC3339
        ),
        &[
            db::text(ctx.commune().as_str()),
            db::text(account.as_str()),
            p.language.as_deref().map_or(Value::Null, db::text),
            db::text(json!(p.channels).to_string()),
            db::text(json!(p.opt_out).to_string()),
            db::text(if p.digest { "digest" } else { "immediate" }),
            Value::Integer(p.digest_hour),
        ],
    )?;
    Ok(response::json(200, &describe(&p, true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: Json) -> Vec<(String, String)> {
        match checked(value) {
            Err(ApiError::BadRequest { errors }) => errors
                .into_iter()
                .map(|e| (e.field.unwrap_or_default(), e.code))
                .collect(),
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[test]
    fn a_receipt_cannot_be_turned_off_and_unknown_kinds_are_named() {
        let got = fields(
            json!({"channels": ["email"], "opt_out": ["request_message", "request_filed", "nope"]}),
        );
        assert_eq!(
            got,
            [
                ("opt_out[1]".to_owned(), "must_send".to_owned()),
                ("opt_out[2]".to_owned(), "unknown_kind".to_owned())
            ]
        );
        assert_eq!(fields(json!({"channels": []}))[0].0, "channels");
        assert_eq!(
            fields(json!({"channels": ["email"], "digest_hour": 24}))[0].0,
            "digest_hour"
        );
        let p = checked(json!({"channels": ["inbox"], "opt_out": ["request_status"], "language": "en", "agent_mode": "digest"})).expect("valid");
        assert!(p.turned_off("request_status", false) && !p.turned_off("request_status", true));
        assert!(p.digest && p.wants("inbox") && !p.wants("email"));
    }
}
