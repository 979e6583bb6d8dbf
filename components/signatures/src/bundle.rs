//! `GET documents/{id}/bundle[?version=n]` (staff): the signature bundle of a document
//! version (the latest by default), in the format of `guichet_verify::bundle`, which anyone
//! can check with `guichet-verify` and the commune's published keys.

use guichet_guest::db::{self, Connection};
use guichet_guest::query::Query;
use guichet_guest::{response, ApiError, Commune};
use guichet_verify::bundle::{
    Bundle, DocumentVersion, FlowSummary, HistoryEntry, SignatureEntry, SignerSummary,
    StatementEntry, FORMAT,
};
use spin_sdk::http::Response;

use crate::{documents, flows, Ctx};

/// `GET documents/{id}/bundle`.
pub fn respond(ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    ctx.caller()?.staff()?;
    let version = match Query::of(ctx.request()).non_empty("version") {
        None => None,
        Some(text) => Some(
            text.parse::<u32>()
                .map_err(|_| ApiError::field("version", "invalid", "must be a version number"))?,
        ),
    };
    let bundle = build(ctx.conn(), ctx.commune(), id, version)?.ok_or(ApiError::NotFound)?;
    Ok(response::json(200, &bundle))
}

/// The bundle of version `version` (the latest when `None`) of document `id`.
pub fn build(
    conn: &Connection,
    commune: &Commune,
    id: &str,
    version: Option<u32>,
) -> anyhow::Result<Option<Bundle>> {
    let Some(document) = documents::find(conn, commune, id)? else {
        return Ok(None);
    };
    let versions = documents::versions(conn, commune, id)?;
    let chosen = match version {
        None => versions.last(),
        Some(n) => versions.iter().find(|v| v.version == n),
    };
    let Some(chosen) = chosen.cloned() else {
        return Ok(None);
    };
    let rows = db::query(
        conn,
        "SELECT id FROM flows WHERE commune = ? AND document_id = ? AND version = ? \
         ORDER BY created_at, id",
        &[
            db::text(commune.as_str()),
            db::text(id),
            db::Value::Integer(i64::from(chosen.version)),
        ],
    )?;
    let mut summaries = Vec::new();
    let mut signatures = Vec::new();
    let mut statements: Vec<StatementEntry> = Vec::new();
    let mut passkey_signatures = Vec::new();
    for row in db::rows(&rows) {
        let flow_id: String = row.get("id")?;
        let Some(flow) = flows::load(conn, commune, &flow_id)? else {
            continue;
        };
        summaries.push(FlowSummary {
            id: flow.id.clone(),
            purpose: flow.purpose.clone(),
            mode: flow.mode.as_str().into(),
            quorum: u32::try_from(flow.quorum)?,
            state: flow.state.as_str().into(),
            signers: flow
                .signers
                .iter()
                .map(|s| SignerSummary {
                    account: s.account.clone(),
                    role: s.role.clone(),
                    state: s.state.as_str().into(),
                    decided_at: s.decided_at.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
        });
        passkey_signatures.extend(crate::passkeys::bundle_entries(conn, commune, &flow_id)?);
        for (account, kid, jws, _) in flows::signatures(conn, commune, &flow_id)? {
            if !statements.iter().any(|s| s.kid == kid) {
                statements.push(StatementEntry {
                    kid: kid.clone(),
                    signer: account.clone(),
                    jws: statement(conn, commune, &kid)?,
                });
            }
            signatures.push(SignatureEntry {
                flow: flow_id.clone(),
                signer: account,
                kid,
                jws,
            });
        }
    }
    let mut bundle = Bundle {
        format: FORMAT.into(),
        commune: commune.as_str().into(),
        document: DocumentVersion {
            id: document.id,
            title: document.title,
            version: chosen.version,
            name: chosen.name,
            content_type: chosen.content_type,
            size: chosen.size,
            sha256: chosen.sha256,
        },
        history: versions
            .iter()
            .filter(|v| v.version <= chosen.version)
            .map(|v| HistoryEntry {
                version: v.version,
                sha256: v.sha256.clone(),
                created_at: v.created_at.clone(),
            })
            .collect(),
        flows: summaries,
        signatures,
        statements,
        evidence: None,
        passkey_signatures,
    };
    bundle.evidence = Some(crate::evidence::signing::for_bundle(
        conn, commune, &bundle,
    )?);
    Ok(Some(bundle))
}

fn statement(conn: &Connection, commune: &Commune, kid: &str) -> anyhow::Result<String> {
    let rows = db::query(
        conn,
        "SELECT statement FROM signer_keys WHERE commune = ? AND kid = ?",
        &[db::text(commune.as_str()), db::text(kid)],
    )?;
    db::first_text(&rows).ok_or_else(|| anyhow::anyhow!("no statement for key {kid}"))
}
