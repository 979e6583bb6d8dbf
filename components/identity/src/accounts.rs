//! Citizens' accounts: registration, e-mail verification, sign-in, password reset and change
//! of e-mail address (docs/SECURITY.md items 1-5).
//!
//! No answer tells whether an address has an account (item 4): registration and reset answer
//! `202 {"status":"check_your_email"}` in every case, and what differs goes by e-mail to the
//! address's owner; sign-in answers the same 401 for an unknown address and a wrong password,
//! after spending the same Argon2 time.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::context::Ctx;
use crate::links::{self, Purpose};
use crate::mail::{self, Mail};
use crate::password::{self, Cost};
use crate::throttle::{self, Throttle};
use crate::{consents, issue};
use guichet_guest::email::EmailAddress;

/// Longest given or family name.
pub const MAX_NAME: usize = 100;

/// An account row, as sign-in and the profile need it.
pub struct Account {
    pub id: String,
    pub email: String,
    pub verified: bool,
    pub password_hash: Option<String>,
    pub status: String,
    pub given_name: String,
    pub family_name: String,
    pub language: String,
}

const ACCOUNT_COLUMNS: &str =
    "id, email, email_verified_at, password_hash, status, given_name, family_name, language";

fn account_of(row: &db::RowResult) -> Account {
    Account {
        id: row.get::<&str>(0).unwrap_or_default().to_owned(),
        email: row.get::<&str>(1).unwrap_or_default().to_owned(),
        verified: row.get::<&str>(2).is_some(),
        password_hash: row.get::<&str>(3).map(str::to_owned),
        status: row.get::<&str>(4).unwrap_or_default().to_owned(),
        given_name: row.get::<&str>(5).unwrap_or_default().to_owned(),
        family_name: row.get::<&str>(6).unwrap_or_default().to_owned(),
        language: row.get::<&str>(7).unwrap_or("fr").to_owned(),
    }
}

/// The account with address `email` in `commune` (erased accounts have no address any more).
pub fn by_email(
    conn: &Connection,
    commune: &Commune,
    email: &EmailAddress,
) -> anyhow::Result<Option<Account>> {
    let rows = db::query(
        conn,
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE commune = ? AND email = ?"),
        &[db::text(commune.as_str()), db::text(email.key())],
    )?;
    Ok(rows.rows.first().map(account_of))
}

/// The account `id` of `commune`.
pub fn by_id(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Option<Account>> {
    let rows = db::query(
        conn,
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE commune = ? AND id = ?"),
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    Ok(rows.rows.first().map(account_of))
}

/// Creates an account (no password for one created by an external provider).
pub fn insert(
    conn: &Connection,
    commune: &Commune,
    email: &EmailAddress,
    password_hash: Option<&str>,
    names: (&str, &str),
    language: &str,
    verified: bool,
) -> anyhow::Result<String> {
    let (id, now) = db::new_id_and_now(conn)?;
    db::exec(
        conn,
        "INSERT INTO accounts (id, commune, email, email_verified_at, password_hash, given_name, \
         family_name, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(id.as_str()),
            db::text(commune.as_str()),
            db::text(email.key()),
            if verified {
                db::text(now.as_str())
            } else {
                Value::Null
            },
            password_hash.map_or(Value::Null, db::text),
            db::text(names.0),
            db::text(names.1),
            db::text(language),
            db::text(now.as_str()),
            db::text(now.as_str()),
        ],
    )?;
    Ok(id)
}

/// The commune's display name (for e-mails).
pub fn commune_name(conn: &Connection, commune: &Commune) -> String {
    db::query(
        conn,
        "SELECT name FROM communes WHERE id = ?",
        &[db::text(commune.as_str())],
    )
    .ok()
    .and_then(|r| db::first_text(&r))
    .unwrap_or_else(|| commune.to_string())
}

fn check_your_email() -> Response {
    response::json(202, &json!({"status": "check_your_email"}))
}

/// Every field error of an e-mail member.
fn email_field(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<EmailAddress> {
    match EmailAddress::parse(text) {
        Ok(email) => Some(email),
        Err(error) => {
            errors.push(error.at(field));
            None
        }
    }
}

/// Checks a name member (trimmed length, no control characters).
pub fn name_field(text: &str, field: &str, errors: &mut Vec<FieldError>) {
    if text.chars().count() > MAX_NAME {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("at most {MAX_NAME} characters"),
        ));
    }
    // The shared rule for names (no control character nor bidirectional override): names go
    // into the greetings of messages sent in the commune's name.
    guichet_guest::text::check(field, text, guichet_guest::text::Lines::One, errors);
}

// ------------------------------------------------------------------------- registration

const REGISTRATION: Shape = Shape::Object(&[
    Member::required("email", Shape::Text),
    Member::required("password", Shape::Text),
    Member::optional("given_name", Shape::Text),
    Member::optional("family_name", Shape::Text),
    Member::optional("language", Shape::OneOf(&["fr", "en"])),
    Member::optional("consents", Shape::List(&Shape::OneOf(consents::PURPOSES))),
]);

/// What registration takes (`language` among fr|en and `consents` among
/// [`consents::PURPOSES`] are the caller's to check: the JSON shape or the portal's form).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub consents: Vec<String>,
}

/// `POST /api/identity/register`.
pub async fn register(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: Registration =
        shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &REGISTRATION)?;
    register_account(ctx, form).await?;
    Ok(check_your_email())
}

/// Registration itself, shared by the API and the portal's form: `Ok` means "check your
/// e-mail" whether or not the address had an account.
pub async fn register_account(ctx: &Ctx<'_>, form: Registration) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let email = email_field(&form.email, "email", &mut errors);
    let given = form.given_name.trim();
    let family = form.family_name.trim();
    name_field(given, "given_name", &mut errors);
    name_field(family, "family_name", &mut errors);
    if let Err(error) =
        password::check_policy(&form.password, &[&form.email, given, family], "password")
    {
        errors.push(error);
    }
    let (Some(email), true) = (email, errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let throttle = Throttle::open(ctx.commune())?;
    let slot = throttle.admit(
        &email.key(),
        &[(throttle::REGISTRATIONS_PER_CLIENT, ctx.client_key())],
    )?;
    // Hashed whether or not the address has an account: the same time either way.
    let password_hash = password::hash(&form.password, Cost::configured())?;
    drop(slot);

    let language = form.language.unwrap_or_else(|| "fr".to_owned());
    let existing = by_email(ctx.conn(), ctx.commune(), &email)?;
    let name = commune_name(ctx.conn(), ctx.commune());
    match existing {
        Some(account) if account.verified || account.status != "active" => {
            let link = format!("{}/account/forgot-password", ctx.public_origin());
            let (subject, text) = mail::compose("email_taken", &account.language, &name, &link);
            mail::send(Mail {
                commune: ctx.commune(),
                account_id: Some(&account.id),
                to: &account.email,
                purpose: "email_taken",
                language: &account.language,
                subject,
                text,
            })
            .await;
        }
        existing => {
            let pending = Pending {
                password_hash,
                given_name: given.to_owned(),
                family_name: family.to_owned(),
                language: language.clone(),
                consents: form.consents,
            };
            // The account, its link and the mail that carries it are written together, so that
            // no acknowledged registration waits for a mail that was never queued.
            let queued = db::transaction(ctx.conn(), |conn| {
                let (id, link) = match &existing {
                    // Registered but never verified: maybe by the owner who lost the first
                    // e-mail, maybe by someone else. The account stays as it is; this
                    // registration waits for its own link, and only the registration whose
                    // link is followed counts.
                    Some(account) => {
                        let link = links::create(
                            conn,
                            ctx.commune(),
                            Purpose::VerifyEmail,
                            Some(&account.id),
                            &pending.payload(),
                            ctx.public_origin(),
                        )?;
                        (account.id.clone(), link)
                    }
                    None => {
                        let id = insert(
                            conn,
                            ctx.commune(),
                            &email,
                            Some(&pending.password_hash),
                            (given, family),
                            &language,
                            false,
                        )?;
                        let link = links::create(
                            conn,
                            ctx.commune(),
                            Purpose::VerifyEmail,
                            Some(&id),
                            &pending.payload(),
                            ctx.public_origin(),
                        )?;
                        (id, link)
                    }
                };
                queue(
                    conn,
                    ctx,
                    Some(&id),
                    &email.key(),
                    "verify_email",
                    &language,
                    &name,
                    &link,
                )
            })?;
            mail::deliver(ctx.conn(), ctx.commune(), &queued).await;
        }
    }
    Ok(())
}

/// Writes the `kind` mail carrying `link` to the outbox on `conn` (inside the caller's
/// transaction); handed to notifications with [`mail::deliver`] after the commit.
#[allow(clippy::too_many_arguments)]
fn queue(
    conn: &Connection,
    ctx: &Ctx<'_>,
    account_id: Option<&str>,
    to: &str,
    kind: &str,
    language: &str,
    commune_name: &str,
    link: &str,
) -> anyhow::Result<String> {
    let (subject, text) = mail::compose(kind, language, commune_name, link);
    mail::enqueue(
        conn,
        &Mail {
            commune: ctx.commune(),
            account_id,
            to,
            purpose: kind,
            language,
            subject,
            text,
        },
    )
}

/// One registration of an address, kept with its verification link until the link is
/// followed: following it confirms exactly this registration (its password, names, language
/// and consents), and no other registration of the address afterwards.
#[derive(Serialize, Deserialize)]
struct Pending {
    password_hash: String,
    given_name: String,
    family_name: String,
    language: String,
    consents: Vec<String>,
}

impl Pending {
    fn payload(&self) -> serde_json::Value {
        json!({ "registration": self })
    }

    fn of(payload: &serde_json::Value) -> Option<Pending> {
        serde_json::from_value(payload.get("registration")?.clone()).ok()
    }
}

const TOKEN_ONLY: Shape = Shape::Object(&[Member::required("token", Shape::Text)]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenOnly {
    token: String,
}

/// `POST /api/identity/verify-email` `{"token":..}`.
pub fn verify_email(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: TokenOnly = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &TOKEN_ONLY)?;
    verify_email_token(ctx, &form.token)?;
    Ok(response::json(200, &json!({"status": "verified"})))
}

/// Consumes a verification link and confirms the registration that produced it (API and
/// portal): the address is verified with that registration's password, names, language and
/// consents, and the links of every other registration of the address stop working. A link
/// whose account was verified meanwhile (another registration confirmed, a reset) is unusable.
pub fn verify_email_token(ctx: &Ctx<'_>, token: &str) -> Result<(), ApiError> {
    db::transaction(ctx.conn(), |conn| {
        let used = match links::consume(conn, ctx.commune(), Purpose::VerifyEmail, token) {
            Ok(used) => used,
            Err(error) => return Ok(Err(error)),
        };
        let (Some(account), Some(pending)) = (used.account_id, Pending::of(&used.payload)) else {
            return Ok(Err(links::unusable()));
        };
        let confirmed = db::query(
            conn,
            &format!(
                "UPDATE accounts SET password_hash = ?, given_name = ?, family_name = ?, language = ?, \
                 email_verified_at = {now}, updated_at = {now} \
                 WHERE id = ? AND commune = ? AND email_verified_at IS NULL AND status = 'active' RETURNING id",
                now = db::NOW_RFC3339
            ),
            &[
                db::text(pending.password_hash.as_str()),
                db::text(pending.given_name.as_str()),
                db::text(pending.family_name.as_str()),
                db::text(pending.language.as_str()),
                db::text(account.as_str()),
                db::text(ctx.commune().as_str()),
            ],
        )?;
        if confirmed.rows.is_empty() {
            return Ok(Err(links::unusable()));
        }
        links::revoke(conn, ctx.commune(), Purpose::VerifyEmail, &account)?;
        for purpose in pending
            .consents
            .iter()
            .filter(|p| consents::PURPOSES.contains(&p.as_str()))
        {
            consents::set(conn, ctx.commune(), &account, purpose, true)?;
        }
        Ok(Ok(()))
    })?
}

// ------------------------------------------------------------------------------ sign-in

const TOKEN_REQUEST: Shape = Shape::Object(&[
    Member::required("grant_type", Shape::OneOf(&["password", "refresh_token"])),
    Member::optional("email", Shape::Text),
    Member::optional("password", Shape::Text),
    Member::optional("refresh_token", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    grant_type: String,
    email: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_credentials",
        message: "wrong e-mail address or password",
    }
}

/// `POST /api/identity/token`: `grant_type` `password` (`email`, `password`) or
/// `refresh_token` (`refresh_token`).
pub fn token(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: TokenRequest =
        shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &TOKEN_REQUEST)?;
    let pair = match form.grant_type.as_str() {
        "refresh_token" => {
            let refresh = form.refresh_token.ok_or_else(|| {
                ApiError::field("refresh_token", "required", "required for this grant")
            })?;
            issue::refresh(ctx.conn(), ctx.commune(), &refresh)?
        }
        _ => {
            let mut errors = Vec::new();
            if form.email.is_none() {
                errors.push(FieldError::new(
                    "email",
                    "required",
                    "required for this grant",
                ));
            }
            if form.password.is_none() {
                errors.push(FieldError::new(
                    "password",
                    "required",
                    "required for this grant",
                ));
            }
            let (Some(email), Some(password)) = (form.email, form.password) else {
                return Err(ApiError::BadRequest { errors });
            };
            let account = authenticate(ctx, &email, &password)?;
            issue::sign_in(ctx.conn(), ctx.commune(), &account.id)?
        }
    };
    Ok(response::json(200, &pair))
}

/// Checks an e-mail and password under the rate limits; the account on success. Shared by the
/// token endpoint and the portal's sign-in form.
pub fn authenticate(ctx: &Ctx<'_>, email: &str, password: &str) -> Result<Account, ApiError> {
    let email = EmailAddress::parse(email).map_err(|e| e.at("email"))?;
    if password.chars().count() > password::MAX_CHARS {
        return Err(invalid_credentials());
    }
    let throttle = Throttle::open(ctx.commune())?;
    let key = email.key();
    let pair = format!("{key}\n{}", ctx.client_key());
    let mut limits = vec![
        (throttle::LOGIN_FAILURES_PER_CLIENT, ctx.client_key()),
        (
            throttle::LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT,
            pair.as_str(),
        ),
    ];
    let known_source = throttle.is_known_source(&key, ctx.client_key())?;
    if !known_source {
        limits.push((throttle::LOGIN_FAILURES_PER_ACCOUNT, key.as_str()));
    }
    // Counted before the hash; given back below when the password is right.
    let _attempt = throttle.admit(&key, &limits)?;
    let cost = Cost::configured();
    let account = by_email(ctx.conn(), ctx.commune(), &email)?;
    let matched = match account.as_ref().and_then(|a| a.password_hash.as_deref()) {
        Some(stored) => password::verify(password, stored)?,
        None => {
            password::spend_equal_time(password, cost);
            false
        }
    };
    let (Some(account), true) = (account, matched) else {
        return Err(invalid_credentials());
    };
    throttle.give_back(throttle::LOGIN_FAILURES_PER_CLIENT, ctx.client_key())?;
    throttle.clear(throttle::LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT, &pair)?;
    if !known_source {
        throttle.give_back(throttle::LOGIN_FAILURES_PER_ACCOUNT, &key)?;
    }
    if account.status != "active" {
        return Err(ApiError::Forbidden {
            message: "this account is disabled",
        });
    }
    if !account.verified {
        return Err(ApiError::Forbidden {
            message: "confirm your e-mail address first: follow the link we sent you",
        });
    }
    if account
        .password_hash
        .as_deref()
        .is_some_and(|stored| password::needs_rehash(stored, cost))
    {
        let rehashed = password::hash(password, cost)?;
        db::exec(
            ctx.conn(),
            "UPDATE accounts SET password_hash = ? WHERE id = ? AND commune = ?",
            &[
                db::text(rehashed),
                db::text(account.id.as_str()),
                db::text(ctx.commune().as_str()),
            ],
        )?;
    }
    throttle.remember_source(&key, ctx.client_key())?;
    Ok(account)
}

const REFRESH_ONLY: Shape = Shape::Object(&[Member::required("refresh_token", Shape::Text)]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshOnly {
    refresh_token: String,
}

/// `POST /api/identity/logout` `{"refresh_token":..}`: ends that sign-in (its family).
pub fn logout(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: RefreshOnly = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &REFRESH_ONLY)?;
    issue::logout(ctx.conn(), ctx.commune(), &form.refresh_token)?;
    Ok(response::json(200, &json!({"status": "logged_out"})))
}

/// `POST /api/identity/logout-all` (bearer): ends every sign-in and browser session.
pub fn logout_all(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account_id = crate::auth::account(ctx)?;
    issue::revoke_all(ctx.conn(), ctx.commune(), &account_id, "logout_all")?;
    Ok(response::json(
        200,
        &json!({"status": "logged_out_everywhere"}),
    ))
}

// ------------------------------------------------------------------------ password reset

const EMAIL_ONLY: Shape = Shape::Object(&[Member::required("email", Shape::Text)]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailOnly {
    email: String,
}

/// `POST /api/identity/password-reset` `{"email":..}`: always 202.
pub async fn request_reset(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: EmailOnly = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &EMAIL_ONLY)?;
    request_reset_for(ctx, &form.email).await?;
    Ok(check_your_email())
}

/// Sends a reset link to `email` if it has an active account, under the rate limits (API and
/// portal); `Ok` in every case once the address is well formed.
pub async fn request_reset_for(ctx: &Ctx<'_>, email: &str) -> Result<(), ApiError> {
    let email = EmailAddress::parse(email).map_err(|e| e.at("email"))?;
    let throttle = Throttle::open(ctx.commune())?;
    throttle.take(throttle::RESETS_PER_CLIENT, ctx.client_key())?;
    // Over the per-address limit, answer as usual but send nothing: the owner's mailbox is
    // not flooded, and the answer says nothing about the address.
    match throttle.take(throttle::RESETS_PER_ACCOUNT, &email.key()) {
        Err(ApiError::TooManyRequests { .. }) => return Ok(()),
        other => other?,
    }
    if let Some(account) =
        by_email(ctx.conn(), ctx.commune(), &email)?.filter(|a| a.status == "active")
    {
        let name = commune_name(ctx.conn(), ctx.commune());
        let queued = db::transaction(ctx.conn(), |conn| {
            let link = links::create(
                conn,
                ctx.commune(),
                Purpose::ResetPassword,
                Some(&account.id),
                &json!({}),
                ctx.public_origin(),
            )?;
            queue(
                conn,
                ctx,
                Some(&account.id),
                &account.email,
                "reset_password",
                &account.language,
                &name,
                &link,
            )
        })?;
        mail::deliver(ctx.conn(), ctx.commune(), &queued).await;
    }
    Ok(())
}

const RESET: Shape = Shape::Object(&[
    Member::required("token", Shape::Text),
    Member::required("password", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reset {
    token: String,
    password: String,
}

/// The account a still-usable link of `purpose` belongs to, without using the link up.
fn link_account(ctx: &Ctx<'_>, purpose: Purpose, token: &str) -> Result<Account, ApiError> {
    if !crate::secrets::is_well_formed(token) {
        return Err(links::unusable());
    }
    let rows = db::query(
        ctx.conn(),
        "SELECT account_id FROM one_time_links WHERE hash = ? AND commune = ? AND purpose = ? \
         AND used_at IS NULL AND expires_at > ?",
        &[
            db::text(crate::secrets::digest(token)),
            db::text(ctx.commune().as_str()),
            db::text(purpose.as_str()),
            Value::Integer(i64::try_from(throttle::unix_now()).unwrap_or(i64::MAX)),
        ],
    )?;
    let id = db::first_text(&rows).ok_or_else(links::unusable)?;
    by_id(ctx.conn(), ctx.commune(), &id)?.ok_or_else(links::unusable)
}

/// `POST /api/identity/password-reset/confirm` `{"token","password"}`: sets the password,
/// confirms the address (the link proves the mailbox), ends every session, lifts the limits.
pub fn confirm_reset(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: Reset = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &RESET)?;
    reset_password(ctx, &form.token, &form.password)?;
    Ok(response::json(200, &json!({"status": "password_changed"})))
}

/// The reset itself, shared by the API and the portal's form.
pub fn reset_password(ctx: &Ctx<'_>, token: &str, new_password: &str) -> Result<(), ApiError> {
    let account = link_account(ctx, Purpose::ResetPassword, token)?;
    password::check_policy(
        new_password,
        &[&account.email, &account.given_name, &account.family_name],
        "password",
    )
    .map_err(|e| ApiError::BadRequest { errors: vec![e] })?;
    let throttle = Throttle::open(ctx.commune())?;
    let slot = throttle.admit(&account.email, &[])?;
    let hash = password::hash(new_password, Cost::configured())?;
    drop(slot);
    db::transaction(ctx.conn(), |conn| {
        if let Err(error) = links::consume(conn, ctx.commune(), Purpose::ResetPassword, token) {
            return Ok(Err(error));
        }
        db::exec(
            conn,
            &format!("UPDATE accounts SET password_hash = ?, email_verified_at = COALESCE(email_verified_at, {now}), updated_at = {now} WHERE id = ? AND commune = ?", now = db::NOW_RFC3339),
            &[db::text(hash.as_str()), db::text(account.id.as_str()), db::text(ctx.commune().as_str())],
        )?;
        issue::revoke_all(conn, ctx.commune(), &account.id, "password_reset")?;
        Ok(Ok(()))
    })??;
    throttle.clear(throttle::LOGIN_FAILURES_PER_ACCOUNT, &account.email)?;
    throttle.clear(
        throttle::LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT,
        &format!("{}\n{}", account.email, ctx.client_key()),
    )?;
    Ok(())
}

// ------------------------------------------------------------------------ e-mail change

const EMAIL_CHANGE: Shape = Shape::Object(&[
    Member::required("email", Shape::Text),
    Member::required("password", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailChange {
    email: String,
    password: String,
}

/// `POST /api/identity/me/email` (bearer) `{"email":new,"password":current}`: sends a
/// confirmation link to the new address (and a notice to the old one); always 202 once the
/// password is right.
pub async fn request_email_change(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account_id = crate::auth::account(ctx)?;
    let form: EmailChange = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &EMAIL_CHANGE)?;
    let new = EmailAddress::parse(&form.email).map_err(|e| e.at("email"))?;
    let account = by_id(ctx.conn(), ctx.commune(), &account_id)?
        .filter(|a| a.status == "active")
        .ok_or(ApiError::NotFound)?;
    let throttle = Throttle::open(ctx.commune())?;
    let slot = throttle.admit(
        &account.email,
        &[(throttle::RESETS_PER_CLIENT, ctx.client_key())],
    )?;
    let right = match account.password_hash.as_deref() {
        Some(stored) => password::verify(&form.password, stored)?,
        None => false,
    };
    drop(slot);
    if !right {
        return Err(ApiError::field(
            "password",
            "wrong_password",
            "this is not your current password",
        ));
    }
    let name = commune_name(ctx.conn(), ctx.commune());
    if by_email(ctx.conn(), ctx.commune(), &new)?.is_some() {
        let link = format!("{}/account/forgot-password", ctx.public_origin());
        let (subject, text) = mail::compose("email_taken", &account.language, &name, &link);
        mail::send(Mail {
            commune: ctx.commune(),
            account_id: None,
            to: &new.key(),
            purpose: "email_taken",
            language: &account.language,
            subject,
            text,
        })
        .await;
        return Ok(check_your_email());
    }
    let reset = format!("{}/account/forgot-password", ctx.public_origin());
    let queued = db::transaction(ctx.conn(), |conn| {
        let link = links::create(
            conn,
            ctx.commune(),
            Purpose::ChangeEmail,
            Some(&account.id),
            &json!({"email": new.key()}),
            ctx.public_origin(),
        )?;
        let confirm = queue(
            conn,
            ctx,
            Some(&account.id),
            &new.key(),
            "change_email",
            &account.language,
            &name,
            &link,
        )?;
        let notice = queue(
            conn,
            ctx,
            Some(&account.id),
            &account.email,
            "security_notice",
            &account.language,
            &name,
            &reset,
        )?;
        Ok([confirm, notice])
    })?;
    for id in &queued {
        mail::deliver(ctx.conn(), ctx.commune(), id).await;
    }
    Ok(check_your_email())
}

/// `POST /api/identity/me/email/confirm` `{"token":..}`: the new address replaces the old one.
pub fn confirm_email_change(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: TokenOnly = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &TOKEN_ONLY)?;
    change_email_with(ctx, &form.token)?;
    Ok(response::json(200, &json!({"status": "email_changed"})))
}

/// Consumes an e-mail change link: the new address replaces the old one (API and portal).
pub fn change_email_with(ctx: &Ctx<'_>, token: &str) -> Result<(), ApiError> {
    db::transaction(ctx.conn(), |conn| {
        let used = match links::consume(conn, ctx.commune(), Purpose::ChangeEmail, token) {
            Ok(used) => used,
            Err(error) => return Ok(Err(error)),
        };
        let new = used
            .payload
            .get("email")
            .and_then(|e| e.as_str())
            .context("change_email link without address")?;
        let taken = db::query(
            conn,
            "SELECT 1 FROM accounts WHERE commune = ? AND email = ?",
            &[db::text(ctx.commune().as_str()), db::text(new)],
        )?;
        if !taken.rows.is_empty() {
            return Ok(Err(ApiError::conflict(
                "email",
                "taken",
                "this address is now used by another account",
            )));
        }
        db::exec(
            conn,
            &format!("UPDATE accounts SET email = ?, email_verified_at = {now}, updated_at = {now} WHERE id = ? AND commune = ?", now = db::NOW_RFC3339),
            &[db::text(new), db::text(used.account_id.unwrap_or_default()), db::text(ctx.commune().as_str())],
        )?;
        Ok(Ok(()))
    })?
}
