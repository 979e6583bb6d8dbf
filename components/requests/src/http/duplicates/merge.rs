//! `POST /api/requests/{ref}/merge` `{"into": "<reference>"}` (staff): `ref` is a duplicate
//! of `into`, the original.
//!
//! - Same commune only (references are per commune); any service (a citizen may have chosen
//!   the wrong one). Not into itself, not into a merged request, not twice (409).
//! - The duplicate is closed: its state becomes the workflow's closed `duplicate` state when
//!   there is one (whatever the current state: merging is a staff decision of its own, not a
//!   workflow transition), else it keeps its state; `is_open` = 0, `merged_into` = original.
//! - Its filer and its followers become followers of the original, so every later event of
//!   the original reaches them (events carry the followers' contacts); requests merged into
//!   the duplicate earlier now point to the original.
//! - Timeline: public `merged` on the duplicate (to = the original's reference), internal
//!   `merged_from` on the original; a `status-changed` event on the duplicate (with
//!   `merged_into`) tells its filer.
//! - Agents need both requests' departments; supervisors and administrators, none.

use anyhow::Context as _;
use guichet_guest::contracts::common::Localized;
use guichet_guest::db::{self, Connection};
use guichet_guest::tenant::CommuneInfo;

use guichet_guest::{ApiError, Commune, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::calls::events;
use crate::domain::workflow::rules;
use crate::http::workflow::access::{self, Who};
use crate::http::workflow::{input, service_of, view};
use crate::store::duplicates::merge;
use crate::store::record::{self, Record};
use crate::store::timeline::{self, Actor, Entry};
use crate::store::{contacts, followers};
use crate::Ctx;

/// The workflow state a merged duplicate goes to, when its workflow has it (closed).
const DUPLICATE_STATE: &str = "duplicate";

pub async fn merge(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    // A citizen is answered by `access::load`: 404 unless the request is theirs.
    let caller = ctx.caller()?.require_signed_in()?.clone();
    let body = input::object(req, &["into"])?;
    let conn = ctx.conn();
    let (duplicate, acting) = access::load(conn, commune, caller, reference, Who::Staff)?;
    let into = match body.get("into") {
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        Some(Json::String(_)) | None | Some(Json::Null) => {
            return Err(ApiError::field("into", "required", "into is required"))
        }
        Some(_) => {
            return Err(ApiError::field(
                "into",
                "not_a_string",
                "into must be a reference",
            ))
        }
    };
    if into == duplicate.reference {
        return Err(ApiError::conflict(
            "into",
            "same_request",
            "a request cannot be merged into itself",
        ));
    }
    let original = record::load(conn, commune, &into)?.ok_or_else(|| {
        ApiError::field("into", "unknown_reference", "no request has this reference")
    })?;
    if duplicate.merged_into.is_some() {
        return Err(ApiError::conflict(
            "reference",
            "already_merged",
            "this request was already merged",
        ));
    }
    if original.merged_into.is_some() {
        return Err(ApiError::conflict(
            "into",
            "merged",
            "this request was itself merged: merge into its original",
        ));
    }
    if !access::covers_department(&acting.caller, &original.department) {
        return Err(ApiError::Forbidden {
            message: "the original belongs to a department you are not in",
        });
    }
    let service = service_of(conn, commune, &duplicate).await?;
    let workflow = &service.definition.workflow;
    let state = match rules::state(workflow, DUPLICATE_STATE) {
        Some(s) if !s.open => s.code.clone(),
        _ => duplicate.state.clone(),
    };
    let label = events::state_label(workflow, &state);
    let actor = acting.actor();
    let written = db::transaction(conn, |conn| {
        write(
            conn,
            ctx.served(),
            &duplicate,
            &original,
            &state,
            label.clone(),
            &actor,
        )
    })?;
    let event = written.ok_or_else(|| ApiError::Conflict {
        errors: vec![FieldError::new(
            "reference",
            "changed",
            "one of the requests changed meanwhile: reload and try again",
        )],
    })?;
    events::deliver(conn, commune, &[event]).await;
    view::respond(conn, commune, &duplicate.id, &acting, 200)
}

/// The merge, inside its transaction; `None` (nothing written) when either request was
/// merged or the duplicate changed state since they were read.
fn write(
    conn: &Connection,
    served: &CommuneInfo,
    duplicate: &Record,
    original: &Record,
    state: &str,
    label: Option<Localized>,
    actor: &Actor,
) -> anyhow::Result<Option<String>> {
    let commune = &served.commune;
    if !merge::is_original(conn, &original.id)? {
        return Ok(None);
    }
    let (_, now) = db::new_id_and_now(conn)?;
    if !merge::close_into(
        conn,
        commune,
        &duplicate.id,
        &duplicate.state,
        &original.id,
        state,
        &now,
    )? {
        return Ok(None);
    }
    merge::repoint(conn, commune, &duplicate.id, &original.id)?;
    add_followers(conn, commune, duplicate, original, &now)?;
    let mut entry = Entry::new("merged", true);
    entry.to = Some(original.reference.as_str());
    entry
        .detail
        .insert("state_from".into(), json!(duplicate.state));
    entry.detail.insert("state_to".into(), json!(state));
    timeline::append(conn, commune, &duplicate.id, &now, actor, &entry)?;
    let mut entry = Entry::new("merged_from", false);
    entry.from = Some(duplicate.reference.as_str());
    timeline::append(conn, commune, &original.id, &now, actor, &entry)?;
    let updated =
        record::load_by_id(conn, commune, &duplicate.id)?.context("the duplicate just merged")?;
    events::emit(conn, served, &updated, |about| {
        events::about_request!(StatusChanged, about, {
            from: duplicate.state.clone(),
            to: state.to_owned(),
            message: None,
            state_label: label,
            merged_into: Some(original.reference.clone()),
            reopened: None,
        })
    })
    .map(Some)
}

/// The duplicate's filer (when reachable, and not the original's own filer) and its followers
/// follow the original.
fn add_followers(
    conn: &Connection,
    commune: &Commune,
    duplicate: &Record,
    original: &Record,
    now: &str,
) -> anyhow::Result<()> {
    if let Some((follower, contact)) = filer_as_follower(duplicate) {
        let same_account =
            duplicate.account_id.is_some() && duplicate.account_id == original.account_id;
        if !same_account && contact != original.contact {
            followers::add(conn, commune, &original.id, &follower, &contact, now)?;
            // The filer's confirmation link (if not used yet) now confirms them as a follower
            // of the original, where their updates come from.
            contacts::move_filer_token(conn, commune, &duplicate.id, &original.id, &follower)?;
        }
    }
    followers::copy(conn, commune, &duplicate.id, &original.id, now)?;
    // So do its followers' links.
    contacts::move_follower_tokens(conn, commune, &duplicate.id, &original.id)
}

/// The follower key and contact of a request's filer: their account, else their e-mail
/// address, else their phone; `None` when they left no way to be reached.
pub fn filer_as_follower(record: &Record) -> Option<(String, Json)> {
    let field = |name: &str| {
        record
            .contact
            .get(name)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    };
    let reachable = field("email").is_some() || field("phone").is_some();
    if let Some(account) = record.account_id.as_deref() {
        let mut contact = record.contact.clone();
        if !reachable {
            // No address in the request: notifications finds the account's own.
            contact = json!({"account_id": account, "notify": "email"});
        }
        return Some((format!("account:{account}"), contact));
    }
    match (field("email"), field("phone")) {
        (Some(email), _) => Some((
            format!("email:{}", email.to_lowercase()),
            record.contact.clone(),
        )),
        (None, Some(phone)) => Some((format!("phone:{phone}"), record.contact.clone())),
        (None, None) => None,
    }
}
