//! Invitations: the only way into a commune's staff.
//!
//! An administrator invites an address with a role (and departments); the platform
//! administrator invites a commune's first administrator. The invitee gets a one-time link
//! (48 hours, `links::Purpose::Invitation`, payload `{email, role, departments, invited_by}`)
//! and accepts it with a password:
//!
//! - no account has the address in the commune: one is created, verified (the link proves the
//!   mailbox), with the password chosen (password policy applies) and the names given;
//! - a verified account has it: the password must be that account's current password (400
//!   `wrong_password` otherwise): the invitation extends an account its owner controls;
//! - an account registered but never verified has it: whoever proves the mailbox wins (as for
//!   registration), so the password given replaces the unverified one and the account becomes
//!   verified; this defeats "pre-registering" someone's address before they are invited;
//! - a disabled account: 403, nothing granted.
//!
//! The role and departments are added to those the account already has (an invitation never
//! takes a role away). The link is consumed in the same transaction that grants them; if a
//! department of the invitation was deleted since, nothing happens (409) and the link stays
//! unused, though useless: the administrator sends a new invitation.

use anyhow::Context as _;
use guichet_guest::codes::Role;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use super::{active_admins, admin, atomic, departments};
use crate::accounts::{self, name_field};
use crate::context::{self, Ctx};
use crate::links::{self, Purpose};
use crate::mail::{self, Mail};
use crate::password::{self, Cost};
use crate::roles::STAFF_ROLES;
use crate::secrets::{digest, is_well_formed};
use crate::throttle::{self, unix_now, Throttle};
use crate::{communes, issue, profile};
use guichet_guest::email::EmailAddress;

/// What an invitation grants, as stored in its link.
struct Invitation {
    email: EmailAddress,
    role: String,
    departments: Vec<String>,
}

impl Invitation {
    fn payload(&self, invited_by: &str) -> Json {
        json!({"email": self.email.key(), "role": self.role, "departments": self.departments, "invited_by": invited_by})
    }

    /// The invitation of a stored payload (written by [`Invitation::payload`]: a payload that
    /// does not parse is our bug, a 500).
    fn of_payload(payload: &Json) -> anyhow::Result<Invitation> {
        let email = payload
            .get("email")
            .and_then(Json::as_str)
            .context("invitation without email")?;
        let role = payload
            .get("role")
            .and_then(Json::as_str)
            .context("invitation without role")?;
        anyhow::ensure!(
            STAFF_ROLES.contains(&role),
            "invitation with an unknown role"
        );
        let departments = payload
            .get("departments")
            .and_then(Json::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Invitation {
            email: EmailAddress::parse(email).context("invitation with a bad address")?,
            role: role.to_owned(),
            departments,
        })
    }
}

const INVITE: Shape = Shape::Object(&[
    Member::required("email", Shape::Text),
    Member::required("role", Shape::OneOf(STAFF_ROLES)),
    Member::optional("departments", Shape::List(&Shape::Text)),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Invite {
    email: String,
    role: String,
    #[serde(default)]
    departments: Vec<String>,
}

/// `POST /api/identity/invitations` (admin) `{"email","role":"agent"|"supervisor"|"admin",
/// "departments":[ids]}` → 202 `{"status":"invitation_sent"}`. 400: bad address, unknown
/// departments, an agent without department.
pub async fn invite(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let caller = admin(ctx)?;
    let form: Invite = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &INVITE)?;
    let mut errors = Vec::new();
    let email = EmailAddress::parse(&form.email)
        .map_err(|e| errors.push(e.at("email")))
        .ok();
    let departments = departments::check_all(
        ctx.conn(),
        ctx.commune(),
        &form.departments,
        "departments",
        &mut errors,
    )?;
    if Role::parse(&form.role) == Some(Role::Agent) && form.departments.is_empty() {
        errors.push(FieldError::new(
            "departments",
            "required_for_agent",
            "an agent belongs to at least one department",
        ));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let invitation = Invitation {
        email,
        role: form.role,
        departments,
    };
    send(
        ctx.conn(),
        ctx.commune(),
        ctx.public_origin(),
        &invitation,
        caller.require_account()?,
    )
    .await?;
    Ok(sent())
}

const FIRST_ADMIN: Shape = Shape::Object(&[Member::required("email", Shape::Text)]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstAdmin {
    email: String,
}

/// `POST /api/identity/communes/{id}/invitations` (platform administrator's bearer)
/// `{"email"}` → 202: invites the first administrator of commune `{id}`. 404 unknown commune;
/// 409 `has_admin` when the commune already has an active administrator (its administrators
/// invite the next ones; the platform only steps in for a commune that has none). The link
/// points to the commune's public origin.
pub async fn invite_first_admin(req: &Request, commune: &str) -> Result<Response, ApiError> {
    communes::authorize_platform(req)?;
    let commune = Commune::parse(commune).map_err(|_| ApiError::NotFound)?;
    let conn = context::open()?;
    // The deployment's default commune is created on first use, and this may be the first.
    communes::resolve(&conn, None)?;
    let known = db::query(
        &conn,
        "SELECT 1 FROM communes WHERE id = ?",
        &[db::text(commune.as_str())],
    )?;
    if known.rows.is_empty() {
        return Err(ApiError::NotFound);
    }
    let form: FirstAdmin = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &FIRST_ADMIN)?;
    let email = EmailAddress::parse(&form.email).map_err(|e| e.at("email"))?;
    if active_admins(&conn, &commune)? > 0 {
        return Err(ApiError::Conflict {
            errors: vec![FieldError::general(
                "has_admin",
                "this commune has an administrator: they invite the others",
            )],
        });
    }
    let origin = communes::origin(&conn, &commune)?;
    let invitation = Invitation {
        email,
        role: "admin".to_owned(),
        departments: Vec::new(),
    };
    send(&conn, &commune, &origin, &invitation, "platform").await?;
    Ok(sent())
}

fn sent() -> Response {
    response::json(202, &json!({"status": "invitation_sent"}))
}

/// Invitation e-mails one commune may send per hour: its administrators choose the
/// recipients, and the platform's sender must not become their mailing list.
const INVITATIONS_PER_COMMUNE: throttle::Limit = throttle::Limit {
    scope: "invitations",
    max: 50,
    window: 3600,
};

/// Creates the link and e-mails it (in the invitee's language if they have an account, else
/// the commune's first language): link and message written together, the message handed to
/// notifications after the commit (see [`mail`]). 429 past [`INVITATIONS_PER_COMMUNE`].
async fn send(
    conn: &Connection,
    commune: &Commune,
    origin: &str,
    invitation: &Invitation,
    invited_by: &str,
) -> Result<(), ApiError> {
    let throttle = Throttle::open(commune)?;
    throttle.take(INVITATIONS_PER_COMMUNE, commune.as_str())?;
    let existing = accounts::by_email(conn, commune, &invitation.email)?;
    let language = match &existing {
        Some(account) => account.language.clone(),
        None => first_language(conn, commune)?,
    };
    let name = accounts::commune_name(conn, commune);
    let to = invitation.email.key();
    let id = db::transaction(conn, |conn| {
        let link = links::create(
            conn,
            commune,
            Purpose::Invitation,
            None,
            &invitation.payload(invited_by),
            origin,
        )?;
        let (subject, text) = mail::compose("invitation", &language, &name, &link);
        mail::enqueue(
            conn,
            &Mail {
                commune,
                account_id: existing.as_ref().map(|a| a.id.as_str()),
                to: &to,
                purpose: "invitation",
                language: &language,
                subject,
                text,
            },
        )
    })?;
    mail::deliver(conn, commune, &id).await;
    Ok(())
}

/// The commune's preferred language (`fr` if it names none).
fn first_language(conn: &Connection, commune: &Commune) -> anyhow::Result<String> {
    let rows = db::query(
        conn,
        "SELECT languages FROM communes WHERE id = ?",
        &[db::text(commune.as_str())],
    )?;
    let first = db::first_text(&rows)
        .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
        .and_then(|list| list.into_iter().next());
    Ok(first.unwrap_or_else(|| "fr".to_owned()))
}

const ACCEPT: Shape = Shape::Object(&[
    Member::required("token", Shape::Text),
    Member::required("password", Shape::Text),
    Member::optional("given_name", Shape::Text),
    Member::optional("family_name", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Accept {
    token: String,
    password: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
}

/// What accepting does to the account (decided before the transaction: password hashing and
/// checking are slow and need no lock).
enum Plan {
    /// A verified account, whose owner gave its password.
    Existing(String),
    /// An unverified account the invitee takes over with this password hash.
    Claim(String, String),
    /// A new account with this password hash.
    Create(String),
}

/// `POST /api/identity/invitations/accept` `{"token","password","given_name","family_name"}`
/// (no bearer) → 200 the profile (with its new roles; they are in the tokens issued from now
/// on). 400 `token` `invalid_or_expired`, `password` (policy for a new account,
/// `wrong_password` for an existing one), names; 403 disabled account; 409 a department of
/// the invitation was deleted.
pub fn accept(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let form: Accept = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &ACCEPT)?;
    let given = form.given_name.trim();
    let family = form.family_name.trim();
    let mut errors = Vec::new();
    name_field(given, "given_name", &mut errors);
    name_field(family, "family_name", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let invitation = pending(ctx, &form.token)?;
    let cost = Cost::configured();
    // The Argon2 work below takes a hashing slot like any password check (docs/SECURITY.md, item 3).
    let throttle = Throttle::open(ctx.commune())?;
    let slot = throttle.admit(&invitation.email.key(), &[])?;
    let plan = match accounts::by_email(ctx.conn(), ctx.commune(), &invitation.email)? {
        Some(account) if account.status != "active" => {
            return Err(ApiError::Forbidden {
                message: "this account is disabled",
            });
        }
        Some(account) if account.verified => {
            let right = match account.password_hash.as_deref() {
                Some(stored) => password::verify(&form.password, stored)?,
                None => false,
            };
            if !right {
                return Err(ApiError::field(
                    "password",
                    "wrong_password",
                    "you have an account: give its current password",
                ));
            }
            Plan::Existing(account.id)
        }
        Some(account) => {
            password::check_policy(&form.password, &[&account.email, given, family], "password")
                .map_err(|e| ApiError::BadRequest { errors: vec![e] })?;
            Plan::Claim(account.id, password::hash(&form.password, cost)?)
        }
        None => {
            password::check_policy(
                &form.password,
                &[&invitation.email.key(), given, family],
                "password",
            )
            .map_err(|e| ApiError::BadRequest { errors: vec![e] })?;
            Plan::Create(password::hash(&form.password, cost)?)
        }
    };
    drop(slot);
    let language = first_language(ctx.conn(), ctx.commune())?;
    let account = atomic(ctx.conn(), |conn| {
        links::consume(conn, ctx.commune(), Purpose::Invitation, &form.token)?;
        let id = match plan {
            Plan::Existing(id) => id,
            Plan::Claim(id, hash) => {
                let rows = db::query(
                    conn,
                    &format!(
                        "UPDATE accounts SET password_hash = ?, email_verified_at = {now}, given_name = ?, family_name = ?, \
                         updated_at = {now} WHERE commune = ? AND id = ? AND email_verified_at IS NULL AND status = 'active' RETURNING id",
                        now = db::NOW_RFC3339
                    ),
                    &[db::text(hash), db::text(given), db::text(family), db::text(ctx.commune().as_str()), db::text(id.as_str())],
                )?;
                if rows.rows.is_empty() {
                    return Err(changed_meanwhile());
                }
                // Whoever set the old password loses every session it may have opened.
                issue::revoke_all(conn, ctx.commune(), &id, "invitation_claimed")?;
                id
            }
            Plan::Create(hash) => {
                if accounts::by_email(conn, ctx.commune(), &invitation.email)?.is_some() {
                    return Err(changed_meanwhile());
                }
                accounts::insert(
                    conn,
                    ctx.commune(),
                    &invitation.email,
                    Some(&hash),
                    (given, family),
                    &language,
                    true,
                )?
            }
        };
        let mut gone = Vec::new();
        departments::check_all(
            conn,
            ctx.commune(),
            &invitation.departments,
            "departments",
            &mut gone,
        )?;
        if !gone.is_empty() {
            return Err(ApiError::Conflict {
                errors: vec![FieldError::general(
                    "department_deleted",
                    "a department of this invitation no longer exists: ask for a new invitation",
                )],
            });
        }
        db::exec(
            conn,
            "INSERT OR IGNORE INTO roles (commune, account_id, role) VALUES (?, ?, ?)",
            &[
                db::text(ctx.commune().as_str()),
                db::text(id.as_str()),
                db::text(invitation.role.as_str()),
            ],
        )?;
        for department in &invitation.departments {
            db::exec(
                conn,
                "INSERT OR IGNORE INTO agent_departments (commune, account_id, department) VALUES (?, ?, ?)",
                &[db::text(ctx.commune().as_str()), db::text(id.as_str()), db::text(department.as_str())],
            )?;
        }
        Ok(id)
    })?;
    let profile =
        profile::view(ctx.conn(), ctx.commune(), &account)?.context("accepted account vanished")?;
    Ok(response::json(200, &profile))
}

fn changed_meanwhile() -> ApiError {
    ApiError::Conflict {
        errors: vec![FieldError::general(
            "account_changed",
            "the account changed while accepting: try again",
        )],
    }
}

/// The invitation of a link still usable, without using it up (the password is checked first).
fn pending(ctx: &Ctx<'_>, token: &str) -> Result<Invitation, ApiError> {
    if !is_well_formed(token) {
        return Err(links::unusable());
    }
    let rows = db::query(
        ctx.conn(),
        "SELECT payload FROM one_time_links WHERE hash = ? AND commune = ? AND purpose = ? \
         AND used_at IS NULL AND expires_at > ?",
        &[
            db::text(digest(token)),
            db::text(ctx.commune().as_str()),
            db::text(Purpose::Invitation.as_str()),
            Value::Integer(i64::try_from(unix_now()).unwrap_or(i64::MAX)),
        ],
    )?;
    let payload = db::first_text(&rows).ok_or_else(links::unusable)?;
    let payload: Json = serde_json::from_str(&payload).context("invitation payload")?;
    Ok(Invitation::of_payload(&payload)?)
}
