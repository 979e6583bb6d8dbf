//! Staff: the people who work for a commune, and what they may do (docs/SECURITY.md items 14, 15, 22).
//!
//! Every account is a citizen; staff roles (`agent`, `supervisor`, `admin`) are granted per
//! commune, by invitation only ([`invitations`]): nobody has staff power unless an
//! administrator of that commune (or, for a commune's first administrator, the platform
//! administrator) invited them and they accepted. Agents belong to one or more departments
//! ([`departments`]). Administrators change roles, disable and re-enable accounts
//! ([`agents`]). Staff read citizens' profiles with a stated purpose, and every read is logged
//! for the citizen to see ([`citizens`]).
//!
//! Roles and departments are read when an access token is issued (`roles::of`): a change
//! applies from the holder's next token (at the latest, their next refresh, within 5 minutes).
//! Disabling an account revokes its refresh tokens and browser sessions at once.
//!
//! Every statement filters on the commune served: an id of another commune is a 404, and a
//! token of another commune a 401 (its audience is checked by the verifier).
//!
//! Routes below `/api/identity/`:
//!
//! | route | who |
//! |---|---|
//! | `GET /departments` | agent, supervisor, admin |
//! | `POST /departments`, `DELETE /departments/{id}` | admin |
//! | `POST /invitations` | admin |
//! | `POST /invitations/accept` | the invitee (the link's secret, no bearer) |
//! | `POST /communes/{id}/invitations` | platform administrator |
//! | `GET /agents`, `GET`/`PUT /agents/{account}` | admin |
//! | `POST /accounts/{account}/disable`, `/enable` | admin |
//! | `GET /citizens/{account}?purpose=`, `POST /citizens/search` | agent, supervisor, admin |

mod agents;
mod citizens;
mod departments;
mod invitations;

use guichet_guest::db::{self, Connection};
use guichet_guest::{routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

use crate::auth::{self, Caller, Role};
use crate::context::Ctx;

pub use invitations::invite_first_admin;

/// Routes `/api/identity/{rest}` (whatever the other modules did not take).
pub async fn route(req: &Request, ctx: &Ctx<'_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        ["departments"] => match req.method() {
            Method::Get => departments::list(ctx),
            Method::Post => departments::create(req, ctx),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["departments", id] => match req.method() {
            Method::Delete => departments::delete(ctx, id),
            _ => Err(ApiError::MethodNotAllowed { allow: "DELETE" }),
        },
        ["invitations"] => {
            routing::only_post(req)?;
            invitations::invite(req, ctx).await
        }
        ["invitations", "accept"] => {
            routing::only_post(req)?;
            invitations::accept(req, ctx)
        }
        ["agents"] => {
            routing::only_get(req)?;
            agents::list(ctx)
        }
        ["agents", id] => match req.method() {
            Method::Get => agents::show(ctx, id),
            Method::Put => agents::update(req, ctx, id).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
        },
        ["accounts", id, "disable"] => {
            routing::only_post(req)?;
            agents::set_status(ctx, id, agents::Status::Disabled).await
        }
        ["accounts", id, "enable"] => {
            routing::only_post(req)?;
            agents::set_status(ctx, id, agents::Status::Active).await
        }
        ["citizens", "search"] => {
            routing::only_post(req)?;
            citizens::search(req, ctx).await
        }
        ["citizens", id] => {
            routing::only_get(req)?;
            citizens::show(req, ctx, id).await
        }
        _ => Err(ApiError::NotFound),
    }
}

/// The caller, when they are an administrator of the commune served (401 without a valid
/// token, 403 without the role).
fn admin(ctx: &Ctx<'_>) -> Result<Caller, ApiError> {
    let caller = auth::caller(ctx)?;
    caller.require(Role::Admin)?;
    Ok(caller)
}

/// The caller, when they have any staff role in the commune served.
fn staff(ctx: &Ctx<'_>) -> Result<Caller, ApiError> {
    let caller = auth::caller(ctx)?;
    caller.require_any(Role::STAFF)?;
    Ok(caller)
}

/// Runs `work` in one transaction that is rolled back whatever fails, a refusal
/// ([`ApiError`]) included: a request either does all it says or writes nothing.
fn atomic<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    db::transaction(conn, |conn| work(conn).map_err(anyhow::Error::from)).map_err(|error| {
        match error.downcast::<ApiError>() {
            Ok(refusal) => refusal,
            Err(other) => ApiError::Internal(other),
        }
    })
}

/// How many active accounts of `commune` are administrators.
fn active_admins(conn: &Connection, commune: &guichet_guest::Commune) -> anyhow::Result<i64> {
    let rows = db::query(
        conn,
        "SELECT COUNT(*) FROM roles r JOIN accounts a ON a.id = r.account_id AND a.commune = r.commune \
         WHERE r.commune = ? AND r.role = 'admin' AND a.status = 'active'",
        &[db::text(commune.as_str())],
    )?;
    Ok(rows.rows.first().and_then(|r| r.get::<i64>(0)).unwrap_or(0))
}

/// The 409 of a change that would leave the commune without an active administrator.
fn last_admin() -> ApiError {
    ApiError::conflict(
        "roles",
        "last_admin",
        "this is the commune's last active administrator: make someone else administrator first",
    )
}
