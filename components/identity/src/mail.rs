//! E-mails identity sends, handed to the `notifications` component by service chaining (the
//! `mail` contract, `wit/mail.wit`, through `guichet_guest::clients::mail`), which stores and
//! delivers them.
//!
//! Through an outbox (`mail_outbox`), as requests does with its events: [`enqueue`] writes the
//! message in identity's database (inside the transaction of the change when the caller has
//! one), [`deliver`] hands it over after the commit, and what notifications did not take
//! (down, erroring, unreachable) stays for `POST /api/identity/outbox/retry` ([`retry`]), or
//! for the next delivery that succeeds (a few older ones go with it). The message id is the
//! row's: notifications stores each id once, so a message handed over twice is sent once.
//!
//! The row holds the link, a secret: it is deleted as soon as notifications took it, and a
//! message still pending after [`GIVE_UP_HOURS`] (its link has expired) is deleted unsent.
//!
//! A failure to hand a message over is logged, not shown: the caller's answer must not depend
//! on it (it would reveal whether an account exists).
//!
//! What a message says is fixed here ([`compose`]): its only variable parts are the commune's
//! name (set by the platform administrator) and a link Guichet made; no route lets anyone
//! choose a subject, a text or a list of recipients.

use anyhow::{bail, Context as _};
use guichet_guest::clients::{self, mail::Sent};
use guichet_guest::contracts::mail::Message;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::auth;
use crate::context::{self, Ctx};

/// After this long a pending message is dropped: the longest-lived link (an invitation) has
/// expired by then.
pub const GIVE_UP_HOURS: i64 = 48;
/// Older pending messages handed over after a successful delivery.
const CATCH_UP: i64 = 5;
/// Messages a retry takes unless it asks for fewer.
const RETRY_LIMIT: i64 = 200;
/// A retry stops after this many failures in a row: notifications is still away.
const MAX_FAILURES_IN_A_ROW: usize = 3;

/// One e-mail to send.
pub struct Mail<'a> {
    pub commune: &'a Commune,
    pub account_id: Option<&'a str>,
    pub to: &'a str,
    pub purpose: &'a str,
    pub language: &'a str,
    pub subject: String,
    pub text: String,
}

/// Writes `mail` to the outbox (call inside the transaction of the change that causes it);
/// returns its id, for [`deliver`] after the commit.
pub fn enqueue(conn: &Connection, mail: &Mail<'_>) -> anyhow::Result<String> {
    let (id, now) = db::new_id_and_now(conn)?;
    let message = Message {
        id: id.clone(),
        commune: mail.commune.as_str().to_owned(),
        account_id: mail.account_id.map(str::to_owned),
        channel: "email".to_owned(),
        to: mail.to.to_owned(),
        purpose: mail.purpose.to_owned(),
        language: mail.language.to_owned(),
        subject: mail.subject.clone(),
        text: mail.text.clone(),
    };
    let body = serde_json::to_string(&message).context("serialising a mail")?;
    db::exec(
        conn,
        "INSERT INTO mail_outbox (id, commune, body, created_at) VALUES (?, ?, ?, ?)",
        &[
            db::text(id.as_str()),
            db::text(mail.commune.as_str()),
            db::text(body),
            db::text(now),
        ],
    )
    .context("writing the mail outbox")?;
    Ok(id)
}

/// Writes `mail` to the outbox and hands it over at once (for callers whose change is already
/// committed); errors are logged (never with the text: it holds secrets).
pub async fn send(mail: Mail<'_>) {
    let queued = context::open().and_then(|conn| Ok((enqueue(&conn, &mail)?, conn)));
    match queued {
        Ok((id, conn)) => deliver(&conn, mail.commune, &id).await,
        Err(error) => eprintln!("identity: {} mail not queued: {error:#}", mail.purpose),
    }
}

/// Hands the pending message `id` to notifications; on success, a few older pending messages
/// of the commune too. Failures stay in the outbox, logged.
pub async fn deliver(conn: &Connection, commune: &Commune, id: &str) {
    match attempt(conn, commune, id).await {
        Ok(true) => {
            if let Err(error) = sweep(conn, commune, CATCH_UP).await {
                eprintln!("identity: mail outbox catch-up: {error:#}");
            }
        }
        Ok(false) => {}
        Err(error) => eprintln!("identity: mail {id}: {error:#}"),
    }
}

/// One attempt at the pending message `id`: `true` when notifications took it (the row is
/// then deleted), `false` when it stays for a retry.
async fn attempt(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<bool> {
    let rows = db::query(
        conn,
        "SELECT body FROM mail_outbox WHERE id = ? AND commune = ?",
        &[db::text(id), db::text(commune.as_str())],
    )?;
    let Some(body) = db::first_text(&rows) else {
        return Ok(true); // taken meanwhile by another delivery
    };
    match hand_over(body).await {
        Ok(()) => {
            db::exec(
                conn,
                "DELETE FROM mail_outbox WHERE id = ? AND commune = ?",
                &[db::text(id), db::text(commune.as_str())],
            )?;
            Ok(true)
        }
        Err(error) => {
            let reason = format!("{error:#}");
            eprintln!("identity: mail {id} left in the outbox: {reason}");
            db::exec(
                conn,
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? AND commune = ?",
                &[db::text(reason.chars().take(200).collect::<String>()), db::text(id), db::text(commune.as_str())],
            )?;
            Ok(false)
        }
    }
}

/// Hands the stored `body` (a `mail.message` of the contract, as the outbox row holds it) to
/// notifications.
async fn hand_over(body: String) -> anyhow::Result<()> {
    let message: Message = guichet_guest::contracts::decode(body.as_bytes())
        .context("a mail outbox row outside the contract")?;
    match clients::mail::send(&message).await? {
        Sent::Accepted { .. } => Ok(()),
        Sent::Refused { errors } => bail!("notifications refused it: {errors}"),
    }
}

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Swept {
    delivered: usize,
    failed: usize,
    dropped: usize,
}

/// Drops the messages pending for longer than [`GIVE_UP_HOURS`], then hands over up to
/// `limit` pending ones, oldest first, stopping after [`MAX_FAILURES_IN_A_ROW`] failures.
async fn sweep(conn: &Connection, commune: &Commune, limit: i64) -> anyhow::Result<Swept> {
    let mut swept = Swept::default();
    let expired = db::query(
        conn,
        "SELECT id FROM mail_outbox WHERE commune = ? AND created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
        &[db::text(commune.as_str()), db::text(format!("-{GIVE_UP_HOURS} hours"))],
    )?;
    for row in &expired.rows {
        let id = row.get::<&str>(0).unwrap_or_default();
        eprintln!(
            "identity: mail {id} dropped unsent after {GIVE_UP_HOURS} hours (its link has expired)"
        );
        db::exec(
            conn,
            "DELETE FROM mail_outbox WHERE id = ? AND commune = ?",
            &[db::text(id), db::text(commune.as_str())],
        )?;
        swept.dropped += 1;
    }
    let pending = db::query(
        conn,
        "SELECT id FROM mail_outbox WHERE commune = ? ORDER BY created_at, rowid LIMIT ?",
        &[db::text(commune.as_str()), Value::Integer(limit)],
    )?;
    let mut in_a_row = 0;
    for row in &pending.rows {
        let id = row.get::<&str>(0).unwrap_or_default();
        if attempt(conn, commune, id).await? {
            swept.delivered += 1;
            in_a_row = 0;
        } else {
            swept.failed += 1;
            in_a_row += 1;
            if in_a_row >= MAX_FAILURES_IN_A_ROW {
                break;
            }
        }
    }
    Ok(swept)
}

const RETRY: Shape = Shape::Object(&[Member::optional("limit", Shape::Integer)]);

/// `POST /api/identity/outbox/retry` (administrator of the commune, or a scheduler holding an
/// administrator's token: Spin has no timer trigger), optional body `{"limit": 1..200}` →
/// `200 {"delivered","failed","dropped","pending"}`.
pub async fn retry(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    auth::caller(ctx)?.require(auth::Role::Admin)?;
    let limit = if req.body().is_empty() {
        RETRY_LIMIT
    } else {
        let value: Json = body::json(req, body::DEFAULT_MAX_JSON)?;
        shape::decode::<Json>(value, &RETRY)?
            .get("limit")
            .and_then(Json::as_i64)
            .map_or(Ok(RETRY_LIMIT), |n| {
                if (1..=RETRY_LIMIT).contains(&n) {
                    Ok(n)
                } else {
                    Err(ApiError::field(
                        "limit",
                        "out_of_range",
                        format!("1 to {RETRY_LIMIT}"),
                    ))
                }
            })?
    };
    let swept = sweep(ctx.conn(), ctx.commune(), limit).await?;
    let left = db::query(
        ctx.conn(),
        "SELECT count(*) FROM mail_outbox WHERE commune = ?",
        &[db::text(ctx.commune().as_str())],
    )?;
    let pending = left.rows.first().and_then(|r| r.get::<i64>(0)).unwrap_or(0);
    let mut reply = response::json(
        200,
        &json!({"delivered": swept.delivered, "failed": swept.failed, "dropped": swept.dropped, "pending": pending}),
    );
    reply.set_header("cache-control", "no-store");
    Ok(reply)
}

/// `(subject, text)` of a message, in French or English.
pub fn compose(kind: &str, language: &str, commune_name: &str, link: &str) -> (String, String) {
    let fr = language != "en";
    match (kind, fr) {
        ("verify_email", true) => (
            format!("{commune_name} : confirmez votre adresse e-mail"),
            format!("Bonjour,\n\nPour activer votre compte, ouvrez ce lien dans les 15 minutes :\n{link}\n\nSi vous n'avez pas créé de compte, ignorez ce message.\n"),
        ),
        ("verify_email", false) => (
            format!("{commune_name}: confirm your e-mail address"),
            format!("Hello,\n\nTo activate your account, open this link within 15 minutes:\n{link}\n\nIf you did not create an account, ignore this message.\n"),
        ),
        ("reset_password", true) => (
            format!("{commune_name} : réinitialiser votre mot de passe"),
            format!("Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans les 15 minutes :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.\n"),
        ),
        ("reset_password", false) => (
            format!("{commune_name}: reset your password"),
            format!("Hello,\n\nTo choose a new password, open this link within 15 minutes:\n{link}\n\nIf you did not ask for it, ignore this message: your password is unchanged.\n"),
        ),
        ("change_email", true) => (
            format!("{commune_name} : confirmez votre nouvelle adresse"),
            format!("Bonjour,\n\nPour utiliser cette adresse pour votre compte, ouvrez ce lien dans les 15 minutes :\n{link}\n"),
        ),
        ("change_email", false) => (
            format!("{commune_name}: confirm your new address"),
            format!("Hello,\n\nTo use this address for your account, open this link within 15 minutes:\n{link}\n"),
        ),
        ("email_taken", true) => (
            format!("{commune_name} : vous avez déjà un compte"),
            format!("Bonjour,\n\nQuelqu'un (peut-être vous) a voulu créer un compte avec cette adresse, qui en a déjà un. Pour vous connecter ou changer de mot de passe :\n{link}\n"),
        ),
        ("email_taken", false) => (
            format!("{commune_name}: you already have an account"),
            format!("Hello,\n\nSomeone (perhaps you) tried to create an account with this address, which already has one. To sign in or reset your password:\n{link}\n"),
        ),
        ("invitation", true) => (
            format!("{commune_name} : invitation à rejoindre l'équipe"),
            format!("Bonjour,\n\nVous êtes invité(e) à rejoindre les agents de {commune_name}. Ouvrez ce lien dans les 48 heures :\n{link}\n"),
        ),
        ("invitation", false) => (
            format!("{commune_name}: invitation to join the staff"),
            format!("Hello,\n\nYou are invited to join the staff of {commune_name}. Open this link within 48 hours:\n{link}\n"),
        ),
        (_, true) => (
            format!("{commune_name} : sécurité de votre compte"),
            format!("Bonjour,\n\nUne modification a été faite sur votre compte. Si ce n'est pas vous, réinitialisez votre mot de passe :\n{link}\n"),
        ),
        (_, false) => (
            format!("{commune_name}: your account's security"),
            format!("Hello,\n\nYour account was changed. If this was not you, reset your password:\n{link}\n"),
        ),
    }
}
