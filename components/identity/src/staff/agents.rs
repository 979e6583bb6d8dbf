//! The commune's staff as its administrators manage it: who has which roles and departments,
//! and disabling or re-enabling an account.
//!
//! - Roles are only changed for accounts that are already staff (they accepted an invitation):
//!   making a citizen staff takes an invitation they accept, never an administrator's say-so
//!   alone. `PUT` with no roles takes the account out of the staff.
//! - A change never leaves the commune without an active administrator (409 `last_admin`).
//! - Disabling revokes every refresh token family and browser session of the account in the
//!   same transaction; its access tokens still in circulation expire within 5 minutes (the
//!   documented contract, docs/SECURITY.md item 11). Nobody disables their own account.

use guichet_guest::codes::Role;
use guichet_guest::db::{self, Connection};
use guichet_guest::evidence;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use super::{active_admins, admin, atomic, departments, last_admin};
use crate::context::Ctx;
use crate::evidence_log;
use crate::issue;
use crate::roles::{self, STAFF_ROLES};

/// An account's status as administrators set it (erasure is the citizen's own act).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Disabled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
        }
    }
}

/// Accounts that hold a staff role or a department (staff, in short).
const IS_STAFF: &str = "(EXISTS (SELECT 1 FROM roles r WHERE r.commune = a.commune AND r.account_id = a.id) \
     OR EXISTS (SELECT 1 FROM agent_departments m WHERE m.commune = a.commune AND m.account_id = a.id))";

/// The staff record of `account`: `{"id","email","given_name","family_name","status","roles","departments"}`
/// (roles without the implicit `citizen`). `None` for an unknown or erased account.
fn record(conn: &Connection, commune: &Commune, account: &str) -> anyhow::Result<Option<Json>> {
    let rows = db::query(
        conn,
        "SELECT id, email, given_name, family_name, status FROM accounts \
         WHERE commune = ? AND id = ? AND status != 'erased'",
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    let Some(row) = rows.rows.first() else {
        return Ok(None);
    };
    let (roles, departments) = roles::of(conn, commune, account)?;
    let roles: Vec<String> = roles
        .into_iter()
        .filter(|r| STAFF_ROLES.contains(&r.as_str()))
        .collect();
    Ok(Some(json!({
        "id": row.get::<&str>(0),
        "email": row.get::<&str>(1),
        "given_name": row.get::<&str>(2),
        "family_name": row.get::<&str>(3),
        "status": row.get::<&str>(4),
        "roles": roles,
        "departments": departments,
    })))
}

fn is_staff(conn: &Connection, commune: &Commune, account: &str) -> anyhow::Result<bool> {
    let rows = db::query(
        conn,
        &format!("SELECT 1 FROM accounts a WHERE a.commune = ? AND a.id = ? AND a.status != 'erased' AND {IS_STAFF}"),
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    Ok(!rows.rows.is_empty())
}

/// `GET /api/identity/agents` (admin): `{"agents":[record]}`, disabled accounts included.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    admin(ctx)?;
    let rows = db::query(
        ctx.conn(),
        &format!(
            "SELECT a.id FROM accounts a WHERE a.commune = ? AND a.status != 'erased' AND {IS_STAFF} \
             ORDER BY lower(a.family_name), lower(a.given_name), a.email"
        ),
        &[db::text(ctx.commune().as_str())],
    )?;
    let mut agents = Vec::new();
    for id in rows.rows.iter().filter_map(|r| r.get::<&str>(0)) {
        if let Some(agent) = record(ctx.conn(), ctx.commune(), id)? {
            agents.push(agent);
        }
    }
    Ok(response::json(200, &json!({ "agents": agents })))
}

/// `GET /api/identity/agents/{account}` (admin): the staff record; 404 unless staff.
pub fn show(ctx: &Ctx<'_>, account: &str) -> Result<Response, ApiError> {
    admin(ctx)?;
    if !is_staff(ctx.conn(), ctx.commune(), account)? {
        return Err(ApiError::NotFound);
    }
    let agent = record(ctx.conn(), ctx.commune(), account)?.ok_or(ApiError::NotFound)?;
    Ok(response::json(200, &agent))
}

const ASSIGNMENT: Shape = Shape::Object(&[
    Member::required("roles", Shape::List(&Shape::OneOf(STAFF_ROLES))),
    Member::required("departments", Shape::List(&Shape::Text)),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assignment {
    roles: Vec<String>,
    departments: Vec<String>,
}

/// `PUT /api/identity/agents/{account}` (admin) `{"roles":[..],"departments":[..]}`: replaces
/// the account's staff roles and departments → 200 the new record (effective from the
/// account's next token). 400: an agent without department, departments without a role,
/// unknown departments; 404: not staff of this commune; 409 `last_admin`.
pub async fn update(req: &Request, ctx: &Ctx<'_>, account: &str) -> Result<Response, ApiError> {
    let caller = admin(ctx)?;
    let form: Assignment = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &ASSIGNMENT)?;
    let roles: Vec<Role> = Role::STAFF
        .iter()
        .copied()
        .filter(|role| form.roles.iter().any(|r| r == role.as_str()))
        .collect();
    let mut errors = Vec::new();
    let departments = departments::check_all(
        ctx.conn(),
        ctx.commune(),
        &form.departments,
        "departments",
        &mut errors,
    )?;
    if roles.contains(&Role::Agent) && form.departments.is_empty() {
        errors.push(FieldError::new(
            "departments",
            "required_for_agent",
            "an agent belongs to at least one department",
        ));
    }
    if roles.is_empty() && !form.departments.is_empty() {
        errors.push(FieldError::new(
            "departments",
            "role_required",
            "departments only mean something with a staff role",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    atomic(ctx.conn(), |conn| {
        if !is_staff(conn, ctx.commune(), account)? {
            return Err(ApiError::NotFound);
        }
        let before = record(conn, ctx.commune(), account)?.ok_or(ApiError::NotFound)?;
        let was_admin = before["status"] == "active"
            && before["roles"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r == "admin"));
        let params = [db::text(ctx.commune().as_str()), db::text(account)];
        db::exec(
            conn,
            "DELETE FROM roles WHERE commune = ? AND account_id = ?",
            &params,
        )?;
        db::exec(
            conn,
            "DELETE FROM agent_departments WHERE commune = ? AND account_id = ?",
            &params,
        )?;
        for role in &roles {
            db::exec(
                conn,
                "INSERT INTO roles (commune, account_id, role) VALUES (?, ?, ?)",
                &[
                    db::text(ctx.commune().as_str()),
                    db::text(account),
                    db::text(role.as_str()),
                ],
            )?;
        }
        for department in &departments {
            db::exec(
                conn,
                "INSERT INTO agent_departments (commune, account_id, department) VALUES (?, ?, ?)",
                &[
                    db::text(ctx.commune().as_str()),
                    db::text(account),
                    db::text(department.as_str()),
                ],
            )?;
        }
        if was_admin && !roles.contains(&Role::Admin) && active_admins(conn, ctx.commune())? == 0 {
            return Err(last_admin());
        }
        let joined = |list: &Json| {
            list.as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(",")
        };
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let event = evidence::event(
            conn,
            ctx.commune(),
            evidence_log::SOURCE,
            "role-changed",
            caller.account(),
            account,
            &[
                ("roles_before", &joined(&before["roles"])),
                ("roles", &names.join(",")),
                ("departments_before", &joined(&before["departments"])),
                ("departments", &departments.join(",")),
            ],
        )?;
        evidence::enqueue(conn, &event)?;
        Ok(())
    })?;
    evidence::flush(ctx.conn(), ctx.commune()).await;
    let agent = record(ctx.conn(), ctx.commune(), account)?.ok_or(ApiError::NotFound)?;
    Ok(response::json(200, &agent))
}

/// `POST /api/identity/accounts/{account}/disable` and `/enable` (admin), any account of the
/// commune → 200 `{"id","status"}` (idempotent). 404 unknown or erased; 409 `own_account`
/// (disabling oneself) or `last_admin`.
pub async fn set_status(
    ctx: &Ctx<'_>,
    account: &str,
    status: Status,
) -> Result<Response, ApiError> {
    let caller = admin(ctx)?;
    if status == Status::Disabled && caller.account() == Some(account) {
        return Err(ApiError::Conflict {
            errors: vec![FieldError::general(
                "own_account",
                "you cannot disable your own account",
            )],
        });
    }
    atomic(ctx.conn(), |conn| {
        let admins_before = active_admins(conn, ctx.commune())?;
        let rows = db::query(
            conn,
            &format!(
                "UPDATE accounts SET status = ?, updated_at = {} WHERE commune = ? AND id = ? AND status != 'erased' RETURNING id",
                db::NOW_RFC3339
            ),
            &[db::text(status.as_str()), db::text(ctx.commune().as_str()), db::text(account)],
        )?;
        if rows.rows.is_empty() {
            return Err(ApiError::NotFound);
        }
        if status == Status::Disabled {
            issue::revoke_all(conn, ctx.commune(), account, "disabled")?;
            if admins_before > 0 && active_admins(conn, ctx.commune())? == 0 {
                return Err(last_admin());
            }
        }
        let action = match status {
            Status::Disabled => "account-disabled",
            Status::Active => "account-enabled",
        };
        let event = evidence::event(
            conn,
            ctx.commune(),
            evidence_log::SOURCE,
            action,
            caller.account(),
            account,
            &[],
        )?;
        evidence::enqueue(conn, &event)?;
        Ok(())
    })?;
    evidence::flush(ctx.conn(), ctx.commune()).await;
    Ok(response::json(
        200,
        &json!({"id": account, "status": status.as_str()}),
    ))
}
