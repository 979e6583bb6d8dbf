//! `POST /api/requests/{ref}/notes` (staff: internal, never shown to the citizen nor on the
//! tracking page) and `POST /api/requests/{ref}/messages` (the citizen who filed it, or staff:
//! public, and a `message` event so that notifications tells the other side).

use anyhow::Context as _;
use guichet_guest::db::{self, Connection};

use guichet_guest::{ApiError, Commune};
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::calls::events;
use crate::http::workflow::access::{self, Who};
use crate::http::workflow::{input, view};
use crate::store::record::{self, Record};
use crate::store::timeline::{self, Actor, Entry};
use crate::Ctx;

pub async fn note(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    // A citizen is answered by `access::load`: 404 unless the request is theirs.
    let caller = ctx.caller()?.require_signed_in()?.clone();
    let text = read_text(req)?;
    let conn = ctx.conn();
    let (record, acting) = access::load(conn, commune, caller, reference, Who::Staff)?;
    let actor = acting.actor();
    db::transaction(conn, |conn| {
        let mut entry = Entry::new("note", false);
        entry.body = Some(&text);
        touch_and_append(conn, commune, &record, &actor, &entry)
    })?;
    view::respond(conn, commune, &record.id, &acting, 201)
}

pub async fn message(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?.clone();
    let text = read_text(req)?;
    let conn = ctx.conn();
    let (record, acting) = access::load(conn, commune, caller, reference, Who::OwnerOrStaff)?;
    let actor = acting.actor();
    let event = db::transaction(conn, |conn| {
        let mut entry = Entry::new("message", true);
        entry.body = Some(&text);
        entry.detail.insert("author".into(), json!(actor.kind));
        touch_and_append(conn, commune, &record, &actor, &entry)?;
        let updated =
            record::load_by_id(conn, commune, &record.id)?.context("the request just written")?;
        events::emit(conn, ctx.served(), &updated, |about| {
            events::about_request!(Message, about, {
                text: text.clone(),
                author: Some(actor.kind.to_owned()),
                public: true,
                channel: None,
                assignee: updated.assignee.clone(),
            })
        })
    })?;
    events::deliver(conn, commune, &[event]).await;
    view::respond(conn, commune, &record.id, &acting, 201)
}

/// The `text` member (the only one) of the body.
fn read_text(req: &Request) -> Result<String, ApiError> {
    let body = input::object(req, &["text"])?;
    let mut errors = Vec::new();
    let text = input::text(&body, "text", true, &mut errors);
    input::finish(errors)?;
    text.ok_or_else(|| ApiError::field("text", "required", "text is required"))
}

/// Appends `entry` and marks the request as updated.
fn touch_and_append(
    conn: &Connection,
    commune: &Commune,
    record: &Record,
    actor: &Actor,
    entry: &Entry<'_>,
) -> anyhow::Result<()> {
    let (_, now) = db::new_id_and_now(conn)?;
    record::touch(conn, &record.id, &now)?;
    timeline::append(conn, commune, &record.id, &now, actor, entry)
}
