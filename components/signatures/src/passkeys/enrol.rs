//! Enrolling a passkey (the WebAuthn registration ceremony), listing and revoking them.
//!
//! - `POST passkeys/options` (staff, signed in within 5 minutes): the options for
//!   `navigator.credentials.create`, with a new challenge (single use, 5 minutes).
//! - `POST passkeys` `{"credential","client_data_json","attestation_object","name"?}`
//!   (base64url): checks the client data (`webauthn.create`, the challenge issued to the
//!   caller, the commune's origin), the authenticator data (RP ID hash, user present and
//!   verified), the attestation (`none`) and the key (ES256 or EdDSA); the commune signs a
//!   statement binding the passkey to the caller → 201.
//! - `GET passkeys/mine`; `POST passkeys/{credential}/revoke` (its holder or an
//!   administrator): a revoked passkey never signs again.

use guichet_guest::codes::Role;
use guichet_guest::db;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, FieldError};
use guichet_verify::b64;
use guichet_verify::webauthn::{ClientData, PasskeyStatement, PASSKEY_STATEMENT_TYPE};
use serde::Deserialize;
use serde_json::json;
use spin_sdk::http::Response;

use super::{attestation, decode_all, new_challenge, of_account, RelyingParty};
use crate::{keys, now, Ctx};

/// How long a registration challenge may be answered.
const CHALLENGE_SECONDS: u64 = 300;
const NAME_MAX: usize = 60;

const FINISH: Shape = Shape::Object(&[
    Member::required("credential", Shape::Text),
    Member::required("client_data_json", Shape::Text),
    Member::required("attestation_object", Shape::Text),
    Member::nullable("name", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finish {
    credential: String,
    client_data_json: String,
    attestation_object: String,
    name: Option<String>,
}

/// `POST passkeys/options`.
pub fn options(ctx: &Ctx) -> Result<Response, ApiError> {
    let (unix, _) = now();
    let account = ctx.caller()?.freshly_signed_in(unix)?.to_owned();
    let commune = ctx.commune();
    let rp = RelyingParty::of(ctx);
    let challenge = new_challenge(ctx.conn())?;
    let existing = of_account(ctx.conn(), commune, &account)?;
    super::issue(
        ctx.conn(),
        commune,
        &challenge,
        &account,
        None,
        unix,
        CHALLENGE_SECONDS,
    )?;
    let exclude: Vec<_> = existing
        .iter()
        .filter(|p| p.revoked_at.is_none())
        .map(|p| json!({"type": "public-key", "id": p.credential}))
        .collect();
    Ok(response::json(
        200,
        &json!({
            "challenge": challenge,
            "rp": {"id": rp.id, "name": rp.name},
            "user": {"id": b64::encode(account.as_bytes()), "name": account, "displayName": account},
            "pubKeyCredParams": [{"type": "public-key", "alg": -8}, {"type": "public-key", "alg": -7}],
            "timeout": CHALLENGE_SECONDS * 1000,
            "attestation": "none",
            "authenticatorSelection": {"residentKey": "preferred", "userVerification": "required"},
            "excludeCredentials": exclude,
        }),
    ))
}

/// `POST passkeys`: the end of the registration ceremony.
pub fn finish(ctx: &Ctx) -> Result<Response, ApiError> {
    let (unix, at) = now();
    let account = ctx.caller()?.staff()?.to_owned();
    let input: Finish = shape::decode(body::json(ctx.request(), body::DEFAULT_MAX_JSON)?, &FINISH)?;
    let name = match input.name.as_deref().map(str::trim) {
        None | Some("") => "passkey".to_owned(),
        Some(name) if name.chars().count() <= NAME_MAX && !name.chars().any(char::is_control) => {
            name.to_owned()
        }
        Some(_) => {
            return Err(ApiError::field(
                "name",
                "invalid",
                format!("one line of at most {NAME_MAX} characters"),
            ))
        }
    };
    let [credential, client_data, attestation_bytes] = decode_all([
        ("credential", input.credential.as_str()),
        ("client_data_json", input.client_data_json.as_str()),
        ("attestation_object", input.attestation_object.as_str()),
    ])?;
    let commune = ctx.commune();
    let conn = ctx.conn();
    let rp = RelyingParty::of(ctx);
    let client = ClientData::parse(&client_data).map_err(webauthn_error)?;
    let issued = db::query(
        conn,
        "SELECT expires_at FROM passkey_challenges WHERE commune = ? AND challenge = ? \
         AND account = ? AND purpose = 'register'",
        &[
            db::text(commune.as_str()),
            db::text(client.challenge.as_str()),
            db::text(account.as_str()),
        ],
    )?;
    let expires: i64 = db::first_value(&issued, "expires_at")?.ok_or_else(unknown_challenge)?;
    if expires < i64::try_from(unix).unwrap_or(i64::MAX) {
        return Err(expired_challenge());
    }
    let challenge = b64::decode(&client.challenge).unwrap_or_default();
    client
        .check("webauthn.create", &challenge, &rp.origin)
        .map_err(webauthn_error)?;
    let registered = attestation::read(&attestation_bytes, &rp.id)
        .map_err(|(code, message)| ApiError::field("attestation_object", code, message))?;
    if registered.credential_id != credential {
        return Err(ApiError::field(
            "credential",
            "mismatch",
            "is not the credential the attestation object holds",
        ));
    }
    let credential = b64::encode(&credential);
    let commune_key = keys::commune_key(conn, commune)?;
    let statement = PasskeyStatement {
        commune: commune.as_str().to_owned(),
        signer: account.clone(),
        credential: credential.clone(),
        alg: registered.alg,
        public_key: b64::encode(&registered.public_key),
        rp_id: rp.id.clone(),
        origin: rp.origin.clone(),
        issued_at: at.clone(),
    };
    let statement_jws = guichet_verify::jws::sign(
        PASSKEY_STATEMENT_TYPE,
        &commune_key.kid,
        &serde_json::to_vec(&statement).map_err(anyhow::Error::from)?,
        &commune_key.pair,
    );
    let stored = db::transaction(conn, |conn| {
        let known = db::query(
            conn,
            "SELECT 1 FROM passkeys WHERE commune = ? AND credential = ?",
            &[db::text(commune.as_str()), db::text(credential.as_str())],
        )?;
        let live = db::query(
            conn,
            "SELECT 1 FROM passkey_challenges WHERE commune = ? AND challenge = ?",
            &[
                db::text(commune.as_str()),
                db::text(client.challenge.as_str()),
            ],
        )?;
        if !known.rows.is_empty() {
            return Ok(Err(ApiError::conflict(
                "credential",
                "already_enrolled",
                "this passkey is already enrolled",
            )));
        }
        if live.rows.is_empty() {
            return Ok(Err(unknown_challenge()));
        }
        db::exec(
            conn,
            "DELETE FROM passkey_challenges WHERE commune = ? AND challenge = ?",
            &[
                db::text(commune.as_str()),
                db::text(client.challenge.as_str()),
            ],
        )?;
        db::exec(
            conn,
            "INSERT INTO passkeys (commune, credential, account, name, alg, public_key, rp_id, \
             origin, sign_count, statement, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                db::text(commune.as_str()),
                db::text(credential.as_str()),
                db::text(account.as_str()),
                db::text(name.as_str()),
                db::Value::Integer(registered.alg),
                db::text(statement.public_key.as_str()),
                db::text(rp.id.as_str()),
                db::text(rp.origin.as_str()),
                db::Value::Integer(i64::from(registered.facts.sign_count)),
                db::text(statement_jws.as_str()),
                db::text(at.as_str()),
            ],
        )?;
        Ok(Ok(()))
    })?;
    stored?;
    Ok(response::json(
        201,
        &json!({"credential": credential, "name": name, "alg": registered.alg,
                "statement": statement_jws, "created_at": at}),
    ))
}

/// `GET passkeys/mine`.
pub fn mine(ctx: &Ctx) -> Result<Response, ApiError> {
    let account = ctx.caller()?.staff()?;
    let passkeys: Vec<_> = of_account(ctx.conn(), ctx.commune(), account)?
        .into_iter()
        .map(|p| {
            json!({"credential": p.credential, "name": p.name, "alg": p.alg,
                   "public_key": p.public_key, "rp_id": p.rp_id, "origin": p.origin,
                   "sign_count": p.sign_count, "statement": p.statement,
                   "created_at": p.created_at, "revoked_at": p.revoked_at})
        })
        .collect();
    Ok(response::json(200, &json!({ "passkeys": passkeys })))
}

/// `POST passkeys/{credential}/revoke`: by its holder or an administrator; 404 for a passkey
/// of nobody the caller may revoke, 409 when already revoked.
pub fn revoke(ctx: &Ctx, credential: &str) -> Result<Response, ApiError> {
    let agent = ctx.caller()?;
    let account = agent.staff()?;
    let admin = agent.caller.has_role(Role::Admin);
    let commune = ctx.commune();
    let passkey = super::find(ctx.conn(), commune, credential)?.ok_or(ApiError::NotFound)?;
    if passkey.account != account && !admin {
        return Err(ApiError::NotFound);
    }
    if passkey.revoked_at.is_some() {
        return Err(ApiError::conflict(
            "credential",
            "already_revoked",
            "this passkey is already revoked",
        ));
    }
    let at = now().1;
    db::exec(
        ctx.conn(),
        "UPDATE passkeys SET revoked_at = ?, revoked_by = ? \
         WHERE commune = ? AND credential = ? AND revoked_at IS NULL",
        &[
            db::text(at.as_str()),
            db::text(account),
            db::text(commune.as_str()),
            db::text(credential),
        ],
    )?;
    Ok(response::json(
        200,
        &json!({"credential": credential, "revoked_at": at}),
    ))
}

/// A WebAuthn check's refusal as a 400 naming the member at fault.
pub fn webauthn_error(error: guichet_verify::webauthn::WebAuthnError) -> ApiError {
    ApiError::BadRequest {
        errors: vec![FieldError::new(
            error.field(),
            error.code(),
            error.to_string(),
        )],
    }
}

pub fn unknown_challenge() -> ApiError {
    ApiError::field(
        "client_data_json.challenge",
        "unknown_or_used",
        "this challenge was not issued to you for this, or was already answered: ask for new options",
    )
}

pub fn expired_challenge() -> ApiError {
    ApiError::field(
        "client_data_json.challenge",
        "expired",
        "this challenge expired: ask for new options",
    )
}
