//! The completion certificate of a signing flow (staff): a readable summary of the flow, its
//! document (title, version, file, SHA-256), each signer (role, decision, time, how they
//! signed: the key id or the passkey) and every step, for a closed flow (completed, declined
//! or cancelled; 409 while it is open).
//!
//! - `GET flows/{id}/certificate`: as HTML (askama, `templates/certificate.html`).
//! - `GET flows/{id}/certificate.pdf`: as PDF, written here with `pdf-writer` ([`pdf`]).
//!
//! The certificate is a summary for people; what proves the signatures is the bundle, checked
//! by `guichet-verify` or the public verification page it links to.

pub mod pdf;

use askama::Template;
use guichet_guest::db::Connection;
use guichet_guest::{response, ApiError, Commune};
use spin_sdk::http::Response;

use crate::rules::FlowState;
use crate::{documents, flows, now, passkeys, steps, Ctx};

/// Everything a certificate shows, in the order it shows it.
pub struct Summary {
    pub commune: String,
    pub commune_id: String,
    pub title: String,
    pub version: u32,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub flow: String,
    pub purpose: String,
    pub mode: String,
    pub quorum: usize,
    pub state: String,
    pub created_by: String,
    pub created_at: String,
    pub closed_at: String,
    pub signers: Vec<SignerLine>,
    pub steps: Vec<String>,
    pub verify_url: String,
    pub generated_at: String,
}

/// One signer as the certificate shows them.
pub struct SignerLine {
    pub position: i64,
    pub account: String,
    pub role: String,
    pub state: String,
    pub decided_at: String,
    /// How they signed (`server-key <kid>`, `passkey <credential>`), or empty.
    pub method: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct Page<'a> {
    s: &'a Summary,
}

/// `GET flows/{id}/certificate`.
pub fn html(ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let summary = summary(ctx, id)?;
    let page = Page { s: &summary }.render().map_err(anyhow::Error::from)?;
    let mut response = response::html(200, page);
    response.set_header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    );
    Ok(response)
}

/// `GET flows/{id}/certificate.pdf`.
pub fn pdf(ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let summary = summary(ctx, id)?;
    let mut response = response::with_type(200, "application/pdf", pdf::write(&summary), true);
    response.set_header(
        "content-disposition",
        &format!("inline; filename=\"certificate-{}.pdf\"", summary.flow),
    );
    Ok(response)
}

/// The summary of flow `id` (staff; 404 unknown, 409 open).
fn summary(ctx: &Ctx, id: &str) -> Result<Summary, ApiError> {
    ctx.caller()?.staff()?;
    let commune = ctx.commune();
    let conn = ctx.conn();
    let flow = flows::load(conn, commune, id)?.ok_or(ApiError::NotFound)?;
    if flow.state == FlowState::Open {
        return Err(ApiError::conflict(
            "flow",
            "open",
            "the flow is still open: its certificate exists once it is completed, declined or cancelled",
        ));
    }
    let document = documents::find(conn, commune, &flow.document_id)?.ok_or(ApiError::NotFound)?;
    let version = documents::versions(conn, commune, &flow.document_id)?
        .into_iter()
        .find(|v| v.version == flow.version)
        .ok_or(ApiError::NotFound)?;
    let methods = methods(conn, commune, id)?;
    let signers = flow
        .signers
        .iter()
        .map(|s| SignerLine {
            position: s.position,
            account: s.account.clone(),
            role: s.role.clone(),
            state: s.state.as_str().to_owned(),
            decided_at: s.decided_at.clone().unwrap_or_default(),
            method: methods
                .iter()
                .find(|(account, _)| *account == s.account)
                .map(|(_, m)| m.clone())
                .unwrap_or_default(),
            reason: s.reason.clone().unwrap_or_default(),
        })
        .collect();
    let steps = steps::list(conn, commune, id)?
        .iter()
        .map(|step| {
            let text = |name: &str| step[name].as_str().unwrap_or("").to_owned();
            let mut line = format!("{}  {}", text("at"), text("kind"));
            for part in [text("account"), text("detail")] {
                if !part.is_empty() {
                    line.push_str(" — ");
                    line.push_str(&part);
                }
            }
            line
        })
        .collect();
    let served = ctx.served();
    Ok(Summary {
        commune: served.name.clone(),
        commune_id: commune.as_str().to_owned(),
        title: document.title,
        version: version.version,
        file_name: version.name,
        content_type: version.content_type,
        size: version.size,
        verify_url: format!(
            "{}/api/signatures/verify?sha256={}",
            served.public_origin.trim_end_matches('/'),
            version.sha256
        ),
        sha256: version.sha256,
        flow: flow.id,
        purpose: flow.purpose,
        mode: flow.mode.as_str().to_owned(),
        quorum: flow.quorum,
        state: flow.state.as_str().to_owned(),
        created_by: flow.created_by,
        created_at: flow.created_at,
        closed_at: flow.closed_at.unwrap_or_default(),
        signers,
        steps,
        generated_at: now().1,
    })
}

/// How each signer of flow `id` signed: (account, method).
fn methods(
    conn: &Connection,
    commune: &Commune,
    id: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut all: Vec<(String, String)> = flows::signatures(conn, commune, id)?
        .into_iter()
        .map(|(account, kid, _, _)| (account, format!("server-key {kid}")))
        .collect();
    for entry in passkeys::bundle_entries(conn, commune, id)? {
        all.push((entry.signer, format!("passkey {}", entry.credential)));
    }
    Ok(all)
}
