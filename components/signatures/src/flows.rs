//! Signing flows, for the commune's staff: who signs a document version, in which order, how
//! many must sign, by when; each signer signs or declines, the creator (or an administrator)
//! may cancel. Every step is recorded in `flow_steps`, in order, and told to the related
//! request's timeline ([`crate::steps`]).
//!
//! - `POST flows`: `{"document","version"?,"purpose","mode","quorum"?,"due_on"?,"request"?,
//!   "signers":[{"account","role","email"?}]}` → 201.
//! - `GET flows/{id}`: the flow, its signers, signatures and steps.
//! - `POST flows/{id}/sign` (`{}`): the caller signs with their own key, right after signing
//!   in again; the signer is always the token's holder, never a member of the body.
//! - `POST flows/{id}/decline`: `{"reason"}`. `POST flows/{id}/cancel`: `{"reason"}`.

use anyhow::Context as _;
use guichet_guest::codes::Role;
use guichet_guest::db::{self, Connection};
use guichet_guest::email::EmailAddress;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::text::{self, Lines};
use guichet_guest::{body, dates, response, ApiError, Commune, FieldError};
use guichet_verify::claims::{SignatureClaims, SIGNATURE_TYPE};
use serde::Deserialize;
use serde_json::{json, Value};
use spin_sdk::http::Response;

use crate::rules::{self, FlowState, Mode, Refusal, SignerState};
use crate::{documents, keys, now, steps, Ctx};

const MAX_SIGNERS: usize = 20;
const PURPOSE_MAX: usize = 200;
const ROLE_MAX: usize = 60;
const REASON_MAX: usize = 1000;

const SIGNER: Shape = Shape::Object(&[
    Member::required("account", Shape::Text),
    Member::required("role", Shape::Text),
    Member::nullable("email", Shape::Text),
]);
const NEW_FLOW: Shape = Shape::Object(&[
    Member::required("document", Shape::Text),
    Member::nullable("version", Shape::Integer),
    Member::required("purpose", Shape::Text),
    Member::required("mode", Shape::OneOf(&["ordered", "parallel"])),
    Member::nullable("quorum", Shape::Integer),
    Member::nullable("due_on", Shape::Text),
    Member::nullable("request", Shape::Text),
    Member::required("signers", Shape::List(&SIGNER)),
]);
const REASON: Shape = Shape::Object(&[Member::required("reason", Shape::Text)]);
const NOTHING: Shape = Shape::Object(&[]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignerBody {
    account: String,
    role: String,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFlow {
    document: String,
    version: Option<i64>,
    purpose: String,
    mode: String,
    quorum: Option<i64>,
    due_on: Option<String>,
    request: Option<String>,
    signers: Vec<SignerBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    reason: String,
}

/// A flow as stored.
pub struct Flow {
    pub id: String,
    pub document_id: String,
    pub version: u32,
    pub purpose: String,
    pub mode: Mode,
    pub quorum: usize,
    pub due_on: Option<String>,
    pub request_ref: Option<String>,
    pub state: FlowState,
    pub created_by: String,
    pub created_at: String,
    pub closed_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub signers: Vec<Signer>,
}

/// One signer of a flow as stored.
pub struct Signer {
    pub position: i64,
    pub account: String,
    pub role: String,
    pub email: Option<String>,
    pub state: SignerState,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    /// The day (`YYYY-MM-DD`) they were last reminded.
    pub reminded_on: Option<String>,
}

/// `POST flows`.
pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account = ctx.caller()?.staff()?.to_owned();
    let input: NewFlow = shape::decode(
        body::json(ctx.request(), body::DEFAULT_MAX_JSON)?,
        &NEW_FLOW,
    )?;
    let commune = ctx.commune();
    let conn = ctx.conn();
    let mut errors = Vec::new();
    let document = documents::find(conn, commune, &input.document)?;
    let versions = match &document {
        Some(d) => documents::versions(conn, commune, &d.id)?,
        None => {
            errors.push(FieldError::new("document", "unknown", "no such document"));
            Vec::new()
        }
    };
    let version = match input.version {
        None => versions.last().map(|v| v.version),
        Some(n) => versions
            .iter()
            .find(|v| i64::from(v.version) == n)
            .map(|v| v.version),
    };
    if document.is_some() && version.is_none() {
        errors.push(FieldError::new(
            "version",
            "unknown",
            "no such version of the document",
        ));
    }
    let purpose = documents::one_line("purpose", &input.purpose, PURPOSE_MAX, &mut errors);
    let mode = Mode::parse(&input.mode).unwrap_or(Mode::Ordered);
    let signers = signers(&input.signers, &mut errors);
    let count = i64::try_from(signers.len()).unwrap_or(i64::MAX);
    let quorum = input.quorum.unwrap_or(count);
    if !signers.is_empty() && !(1..=count).contains(&quorum) {
        errors.push(FieldError::new(
            "quorum",
            "out_of_range",
            format!("must be between 1 and the number of signers ({count})"),
        ));
    }
    if let Some(due) = &input.due_on {
        if !dates::is_date(due) {
            errors.push(FieldError::new(
                "due_on",
                "invalid_date",
                "must be a date (YYYY-MM-DD)",
            ));
        }
    }
    let request_ref = input
        .request
        .clone()
        .or_else(|| document.as_ref().and_then(|d| d.request_ref.clone()));
    if let Some(reference) = &input.request {
        if !documents::is_reference(reference) {
            errors.push(FieldError::new(
                "request",
                "invalid",
                "must be a request reference (YYYY-NNNNNN)",
            ));
        }
    }
    let (Some(version), Some(purpose), true) = (version, purpose, errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let (id, at) = db::new_id_and_now(conn)?;
    db::transaction(conn, |conn| {
        db::exec(
            conn,
            "INSERT INTO flows (commune, id, document_id, version, purpose, mode, quorum, due_on, \
             request_ref, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            &[
                db::text(commune.as_str()),
                db::text(id.as_str()),
                db::text(input.document.as_str()),
                db::Value::Integer(i64::from(version)),
                db::text(purpose.as_str()),
                db::text(mode.as_str()),
                db::Value::Integer(quorum),
                optional(input.due_on.clone()),
                optional(request_ref.clone()),
                db::text(account.as_str()),
                db::text(at.as_str()),
            ],
        )?;
        for (position, signer) in (1..).zip(&signers) {
            db::exec(
                conn,
                "INSERT INTO flow_signers (commune, flow_id, position, account, role, email, state) \
                 VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                &[
                    db::text(commune.as_str()),
                    db::text(id.as_str()),
                    db::Value::Integer(position),
                    db::text(signer.0.as_str()),
                    db::text(signer.1.as_str()),
                    optional(signer.2.clone()),
                ],
            )?;
        }
        steps::record(
            conn,
            commune,
            &id,
            "created",
            Some(&account),
            &at,
            Some(&purpose),
        )
    })?;
    delivered(steps::deliver(ctx, Some(&id)).await);
    Ok(response::json(201, &describe(conn, commune, &id)?))
}

/// `GET flows/{id}`.
pub fn show(ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    ctx.caller()?.staff()?;
    Ok(response::json(
        200,
        &describe(ctx.conn(), ctx.commune(), id)?,
    ))
}

/// `POST flows/{id}/sign`.
pub async fn sign(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let (unix, at) = now();
    let account = ctx.caller()?.freshly_signed_in(unix)?.to_owned();
    no_members(ctx)?;
    let commune = ctx.commune();
    change(ctx, id, |conn, flow| {
        let position = match turn(flow, &account) {
            Ok(position) => position,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let Some((kid, _)) = keys::active(conn, commune, &account)? else {
            return Ok(Err(ApiError::conflict(
                "key",
                "no_active_key",
                "enrol a key (POST /api/signatures/keys) before signing; a revoked key cannot sign",
            )));
        };
        let version = documents::versions(conn, commune, &flow.document_id)?
            .into_iter()
            .find(|v| v.version == flow.version)
            .context("the flow's document version")?;
        let signer = &flow.signers[position];
        let claims = SignatureClaims {
            commune: commune.as_str().to_owned(),
            document: flow.document_id.clone(),
            version: flow.version,
            sha256: version.sha256,
            signer: account.clone(),
            role: signer.role.clone(),
            purpose: flow.purpose.clone(),
            flow: flow.id.clone(),
            signed_at: at.clone(),
            iat: i64::try_from(unix)?,
            method: "server-key".into(),
        };
        let key = keys::personal_key(commune, &account, &kid)?;
        let payload = serde_json::to_vec(&claims)?;
        let jws = guichet_verify::jws::sign(SIGNATURE_TYPE, &kid, &payload, &key.pair);
        db::exec(
            conn,
            "INSERT INTO signatures (commune, flow_id, account, kid, jws, signed_at) VALUES (?, ?, ?, ?, ?, ?)",
            &[
                db::text(commune.as_str()),
                db::text(id),
                db::text(account.as_str()),
                db::text(kid.as_str()),
                db::text(jws.as_str()),
                db::text(at.as_str()),
            ],
        )?;
        decide(conn, commune, flow, position, SignerState::Signed, None, &at)?;
        Ok(Ok(()))
    })
    .await
}

/// `POST flows/{id}/decline`.
pub async fn decline(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let account = ctx.caller()?.staff()?.to_owned();
    let reason = reason(ctx)?;
    let commune = ctx.commune();
    let at = now().1;
    change(ctx, id, |conn, flow| {
        let position = match turn(flow, &account) {
            Ok(position) => position,
            Err(refusal) => return Ok(Err(refusal)),
        };
        decide(
            conn,
            commune,
            flow,
            position,
            SignerState::Declined,
            Some(&reason),
            &at,
        )?;
        Ok(Ok(()))
    })
    .await
}

/// `POST flows/{id}/cancel`: by its creator or an administrator, while it is open.
pub async fn cancel(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let agent = ctx.caller()?;
    let account = agent.staff()?.to_owned();
    let admin = agent.caller.has_role(Role::Admin);
    let reason = reason(ctx)?;
    let commune = ctx.commune();
    let at = now().1;
    change(ctx, id, |conn, flow| {
        if flow.created_by != account && !admin {
            return Ok(Err(ApiError::Forbidden {
                message: "only the flow's creator or an administrator may cancel it",
            }));
        }
        if flow.state != FlowState::Open {
            return Ok(Err(closed()));
        }
        close(conn, commune, id, FlowState::Cancelled, Some(&reason), &at)?;
        steps::record(
            conn,
            commune,
            id,
            "cancelled",
            Some(&account),
            &at,
            Some(&reason),
        )?;
        Ok(Ok(()))
    })
    .await
}

/// Runs `work` on flow `id` in one transaction (404 when there is no such flow; `work`
/// refuses before it writes anything), then hands the new steps to the request's timeline
/// and answers the flow as it now stands.
pub(crate) async fn change(
    ctx: &Ctx<'_>,
    id: &str,
    work: impl FnOnce(&Connection, &Flow) -> anyhow::Result<Result<(), ApiError>>,
) -> Result<Response, ApiError> {
    let commune = ctx.commune();
    let outcome = db::transaction(ctx.conn(), |conn| match load(conn, commune, id)? {
        None => Ok(Err(ApiError::NotFound)),
        Some(flow) => work(conn, &flow),
    })?;
    outcome?;
    delivered(steps::deliver(ctx, Some(id)).await);
    Ok(response::json(200, &describe(ctx.conn(), commune, id)?))
}

/// Records a signer's decision, then closes the flow when that decided it.
pub(crate) fn decide(
    conn: &Connection,
    commune: &Commune,
    flow: &Flow,
    position: usize,
    state: SignerState,
    reason: Option<&str>,
    at: &str,
) -> anyhow::Result<()> {
    let signer = &flow.signers[position];
    db::exec(
        conn,
        "UPDATE flow_signers SET state = ?, decided_at = ?, reason = ? \
         WHERE commune = ? AND flow_id = ? AND position = ? AND state = 'pending'",
        &[
            db::text(state.as_str()),
            db::text(at),
            optional(reason.map(str::to_owned)),
            db::text(commune.as_str()),
            db::text(flow.id.as_str()),
            db::Value::Integer(signer.position),
        ],
    )?;
    steps::record(
        conn,
        commune,
        &flow.id,
        state.as_str(),
        Some(&signer.account),
        at,
        reason,
    )?;
    let mut states: Vec<SignerState> = flow.signers.iter().map(|s| s.state).collect();
    states[position] = state;
    let next = rules::outcome(flow.quorum, &states);
    if next != FlowState::Open {
        close(conn, commune, &flow.id, next, None, at)?;
        steps::record(conn, commune, &flow.id, next.as_str(), None, at, None)?;
    }
    Ok(())
}

fn close(
    conn: &Connection,
    commune: &Commune,
    id: &str,
    state: FlowState,
    reason: Option<&str>,
    at: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE flows SET state = ?, closed_at = ?, cancel_reason = ? \
         WHERE commune = ? AND id = ? AND state = 'open'",
        &[
            db::text(state.as_str()),
            db::text(at),
            optional(reason.map(str::to_owned)),
            db::text(commune.as_str()),
            db::text(id),
        ],
    )?;
    db::exec(
        conn,
        "UPDATE flow_signers SET state = 'skipped' WHERE commune = ? AND flow_id = ? AND state = 'pending'",
        &[db::text(commune.as_str()), db::text(id)],
    )
}

/// The position of `account` in `flow` when it is their turn, else the refusal as an answer.
pub(crate) fn turn(flow: &Flow, account: &str) -> Result<usize, ApiError> {
    let signers: Vec<(String, SignerState)> = flow
        .signers
        .iter()
        .map(|s| (s.account.clone(), s.state))
        .collect();
    rules::may_act(flow.state, flow.mode, &signers, account).map_err(|refusal| match refusal {
        Refusal::Closed => closed(),
        Refusal::NotASigner => ApiError::Forbidden {
            message: "you are not a signer of this flow",
        },
        Refusal::AlreadyDecided => ApiError::conflict(
            "signer",
            "already_decided",
            "you already signed or declined",
        ),
        Refusal::NotYourTurn => ApiError::conflict(
            "signer",
            "not_your_turn",
            "this flow is ordered: the signers before you have not all acted yet",
        ),
    })
}

fn closed() -> ApiError {
    ApiError::conflict(
        "flow",
        "closed",
        "this flow is closed (completed, declined or cancelled)",
    )
}

/// The flow `id` of `commune` with its signers.
pub fn load(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Option<Flow>> {
    let rows = db::query(
        conn,
        "SELECT id, document_id, version, purpose, mode, quorum, due_on, request_ref, state, \
         created_by, created_at, closed_at, cancel_reason FROM flows WHERE commune = ? AND id = ?",
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    let Some(row) = db::first_row(&rows) else {
        return Ok(None);
    };
    let mode: String = row.get("mode")?;
    let state: String = row.get("state")?;
    let mut flow = Flow {
        id: row.get("id")?,
        document_id: row.get("document_id")?,
        version: u32::try_from(row.get::<i64>("version")?)?,
        purpose: row.get("purpose")?,
        mode: Mode::parse(&mode).context("a stored mode")?,
        quorum: usize::try_from(row.get::<i64>("quorum")?)?,
        due_on: row.get("due_on")?,
        request_ref: row.get("request_ref")?,
        state: FlowState::parse(&state).context("a stored flow state")?,
        created_by: row.get("created_by")?,
        created_at: row.get("created_at")?,
        closed_at: row.get("closed_at")?,
        cancel_reason: row.get("cancel_reason")?,
        signers: Vec::new(),
    };
    let rows = db::query(
        conn,
        "SELECT position, account, role, email, state, decided_at, reason, reminded_on FROM flow_signers \
         WHERE commune = ? AND flow_id = ? ORDER BY position",
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    for row in db::rows(&rows) {
        let state: String = row.get("state")?;
        flow.signers.push(Signer {
            position: row.get("position")?,
            account: row.get("account")?,
            role: row.get("role")?,
            email: row.get("email")?,
            state: SignerState::parse(&state).context("a stored signer state")?,
            decided_at: row.get("decided_at")?,
            reason: row.get("reason")?,
            reminded_on: row.get("reminded_on")?,
        });
    }
    Ok(Some(flow))
}

/// The signatures of flow `id`: (account, kid, jws, signed_at).
pub fn signatures(
    conn: &Connection,
    commune: &Commune,
    id: &str,
) -> anyhow::Result<Vec<(String, String, String, String)>> {
    let rows = db::query(
        conn,
        "SELECT account, kid, jws, signed_at FROM signatures WHERE commune = ? AND flow_id = ? \
         ORDER BY signed_at, account",
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    let mut all = Vec::new();
    for row in db::rows(&rows) {
        all.push((
            row.get("account")?,
            row.get("kid")?,
            row.get("jws")?,
            row.get("signed_at")?,
        ));
    }
    Ok(all)
}

/// The flow `id` as the API shows it (404 when unknown).
fn describe(conn: &Connection, commune: &Commune, id: &str) -> Result<Value, ApiError> {
    let flow = load(conn, commune, id)?.ok_or(ApiError::NotFound)?;
    let signers: Vec<Value> = flow
        .signers
        .iter()
        .map(|s| {
            json!({"position": s.position, "account": s.account, "role": s.role,
                   "state": s.state.as_str(), "decided_at": s.decided_at, "reason": s.reason})
        })
        .collect();
    let signatures: Vec<Value> = signatures(conn, commune, id)?
        .into_iter()
        .map(|(account, kid, jws, signed_at)| {
            json!({"account": account, "kid": kid, "jws": jws, "signed_at": signed_at})
        })
        .collect();
    Ok(json!({
        "id": flow.id, "document": flow.document_id, "version": flow.version,
        "purpose": flow.purpose, "mode": flow.mode.as_str(), "quorum": flow.quorum,
        "due_on": flow.due_on, "request": flow.request_ref, "state": flow.state.as_str(),
        "created_by": flow.created_by, "created_at": flow.created_at,
        "closed_at": flow.closed_at, "cancel_reason": flow.cancel_reason,
        "signers": signers, "signatures": signatures,
        "passkey_signatures": crate::passkeys::listed(conn, commune, id)?,
        "steps": steps::list(conn, commune, id)?,
    }))
}

/// The signers of a new flow: (account, role, e-mail), every problem in `errors`.
fn signers(
    input: &[SignerBody],
    errors: &mut Vec<FieldError>,
) -> Vec<(String, String, Option<String>)> {
    if input.is_empty() || input.len() > MAX_SIGNERS {
        errors.push(FieldError::new(
            "signers",
            "invalid_length",
            format!("a flow has 1 to {MAX_SIGNERS} signers"),
        ));
        return Vec::new();
    }
    let mut all: Vec<(String, String, Option<String>)> = Vec::new();
    for (i, signer) in input.iter().enumerate() {
        let path = |member: &str| format!("signers[{i}].{member}");
        let account = signer.account.trim();
        if !is_account(account) {
            errors.push(FieldError::new(
                path("account"),
                "invalid",
                "must be an account id",
            ));
        } else if all.iter().any(|(a, _, _)| a == account) {
            errors.push(FieldError::new(
                path("account"),
                "duplicate",
                "each signer appears once",
            ));
        }
        let role = documents::one_line(&path("role"), &signer.role, ROLE_MAX, errors);
        let email = match signer.email.as_deref().map(EmailAddress::parse) {
            None => None,
            Some(Ok(email)) => Some(email.as_str().to_owned()),
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    path("email"),
                    "invalid_email",
                    "must be an e-mail address",
                ));
                None
            }
        };
        all.push((account.to_owned(), role.unwrap_or_default(), email));
    }
    all
}

/// Account ids as identity makes them (and tests name them): 1 to 64 of `A-Z a-z 0-9 . _ -`.
fn is_account(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A `{"reason"}` body's reason, checked.
fn reason(ctx: &Ctx) -> Result<String, ApiError> {
    let input: ReasonBody =
        shape::decode(body::json(ctx.request(), body::DEFAULT_MAX_JSON)?, &REASON)?;
    let mut errors = Vec::new();
    let trimmed = input.reason.trim();
    if trimmed.is_empty() || trimmed.chars().count() > REASON_MAX {
        errors.push(FieldError::new(
            "reason",
            "invalid_length",
            format!("must be 1 to {REASON_MAX} characters"),
        ));
    }
    let reason = text::check("reason", trimmed, Lines::Many, &mut errors);
    match reason {
        Some(reason) if errors.is_empty() => Ok(reason),
        _ => Err(ApiError::BadRequest { errors }),
    }
}

/// A signing request carries nothing: an empty body or `{}` (any member, such as a signer's
/// name, is refused: the signer is the token's holder).
fn no_members(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.request().body().iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let _: serde_json::Map<String, Value> =
        shape::decode(body::json(ctx.request(), body::DEFAULT_MAX_JSON)?, &NOTHING)?;
    Ok(())
}

/// A delivery that failed after the change was committed is logged, not the caller's error:
/// the steps stay in the outbox for the next change or `POST steps/retry`.
fn delivered(outcome: anyhow::Result<usize>) {
    if let Err(error) = outcome {
        eprintln!("signatures: steps not delivered: {error:#}");
    }
}

fn optional(value: Option<String>) -> db::Value {
    value.map_or(db::Value::Null, db::text)
}
