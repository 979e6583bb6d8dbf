//! Signing a flow's document with a passkey.
//!
//! - `POST flows/{id}/passkey/options` (a signer of the flow whose turn it is, holding a
//!   passkey): the context of the signature (the claims a server-key signature would carry,
//!   `method: "passkey"`, and a random nonce), kept as exact JSON bytes; the challenge is
//!   their SHA-256 (single use, 2 minutes, bound to the caller and the flow), with the
//!   caller's passkeys as `allowCredentials`.
//! - `POST flows/{id}/passkey/sign` `{"credential","client_data_json","authenticator_data",
//!   "signature","user_handle"?}` (base64url): the passkey must be the caller's and not
//!   revoked; the challenge one issued to the caller for this flow, not answered yet and not
//!   expired; the assertion must verify ([`guichet_verify::webauthn::verify_assertion`]:
//!   type, challenge, origin, RP ID, user present and verified, signature); its counter must
//!   have grown when not zero. Then, in one transaction: the challenge is spent, the counter
//!   kept, the assertion stored, the signer marked signed. Any refusal writes nothing.

use guichet_guest::db;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError};
use guichet_verify::b64;
use guichet_verify::bundle::passkey::METHOD;
use guichet_verify::claims::SignatureClaims;
use guichet_verify::webauthn::{self, ClientData, Expected, PasskeyContext, PublicKey};
use serde::Deserialize;
use serde_json::json;
use spin_sdk::http::Response;

use super::enrol::{expired_challenge, unknown_challenge, webauthn_error};
use super::{decode_all, new_challenge, of_account, RelyingParty};
use crate::rules::SignerState;
use crate::{documents, flows, now, Ctx};

/// How long a signing challenge may be answered.
const CHALLENGE_SECONDS: u64 = 120;

const FINISH: Shape = Shape::Object(&[
    Member::required("credential", Shape::Text),
    Member::required("client_data_json", Shape::Text),
    Member::required("authenticator_data", Shape::Text),
    Member::required("signature", Shape::Text),
    Member::nullable("user_handle", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finish {
    credential: String,
    client_data_json: String,
    authenticator_data: String,
    signature: String,
    #[allow(
        dead_code,
        reason = "accepted as browsers send it; the credential names the holder"
    )]
    user_handle: Option<String>,
}

/// `POST flows/{id}/passkey/options`.
pub fn options(ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let (unix, at) = now();
    let account = ctx.caller()?.staff()?.to_owned();
    let commune = ctx.commune();
    let conn = ctx.conn();
    let flow = flows::load(conn, commune, id)?.ok_or(ApiError::NotFound)?;
    let position = flows::turn(&flow, &account)?;
    let passkeys: Vec<_> = of_account(conn, commune, &account)?
        .into_iter()
        .filter(|p| p.revoked_at.is_none())
        .collect();
    if passkeys.is_empty() {
        return Err(ApiError::conflict(
            "credential",
            "no_passkey",
            "enrol a passkey (POST /api/signatures/passkeys) before signing with one; a revoked passkey cannot sign",
        ));
    }
    let version = documents::versions(conn, commune, &flow.document_id)?
        .into_iter()
        .find(|v| v.version == flow.version)
        .ok_or(ApiError::NotFound)?;
    let context = PasskeyContext {
        typ: webauthn::CONTEXT_TYPE.into(),
        claims: SignatureClaims {
            commune: commune.as_str().to_owned(),
            document: flow.document_id.clone(),
            version: flow.version,
            sha256: version.sha256,
            signer: account.clone(),
            role: flow.signers[position].role.clone(),
            purpose: flow.purpose.clone(),
            flow: flow.id.clone(),
            signed_at: at,
            iat: i64::try_from(unix).unwrap_or(i64::MAX),
            method: METHOD.into(),
        },
        nonce: new_challenge(conn)?,
    };
    let context_json = serde_json::to_string(&context).map_err(anyhow::Error::from)?;
    let challenge = b64::encode(&webauthn::challenge_of(context_json.as_bytes()));
    super::issue(
        conn,
        commune,
        &challenge,
        &account,
        Some((id, &context_json)),
        unix,
        CHALLENGE_SECONDS,
    )?;
    let rp = RelyingParty::of(ctx);
    let allow: Vec<_> = passkeys
        .iter()
        .map(|p| json!({"type": "public-key", "id": p.credential}))
        .collect();
    Ok(response::json(
        200,
        &json!({
            "challenge": challenge,
            "rpId": rp.id,
            "allowCredentials": allow,
            "userVerification": "required",
            "timeout": CHALLENGE_SECONDS * 1000,
            "context": context,
        }),
    ))
}

/// `POST flows/{id}/passkey/sign`.
pub async fn finish(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let (unix, at) = now();
    let account = ctx.caller()?.staff()?.to_owned();
    let input: Finish = shape::decode(body::json(ctx.request(), body::DEFAULT_MAX_JSON)?, &FINISH)?;
    let [_, client_data, authenticator_data, signature] = decode_all([
        ("credential", input.credential.as_str()),
        ("client_data_json", input.client_data_json.as_str()),
        ("authenticator_data", input.authenticator_data.as_str()),
        ("signature", input.signature.as_str()),
    ])?;
    let commune = ctx.commune();
    let conn = ctx.conn();
    let passkey = super::find(conn, commune, &input.credential)?.ok_or_else(|| {
        ApiError::field(
            "credential",
            "unknown",
            "no passkey of this commune has this id",
        )
    })?;
    if passkey.account != account {
        return Err(ApiError::field(
            "credential",
            "not_yours",
            "this passkey is another person's: nobody signs in another's name",
        ));
    }
    if passkey.revoked_at.is_some() {
        return Err(ApiError::conflict(
            "credential",
            "revoked",
            "this passkey was revoked and cannot sign",
        ));
    }
    let client = ClientData::parse(&client_data).map_err(webauthn_error)?;
    let issued = db::query(
        conn,
        "SELECT account, flow_id, context, expires_at FROM passkey_challenges \
         WHERE commune = ? AND challenge = ? AND purpose = 'sign'",
        &[
            db::text(commune.as_str()),
            db::text(client.challenge.as_str()),
        ],
    )?;
    let row = db::first_row(&issued).ok_or_else(unknown_challenge)?;
    let owner: String = row.get("account").map_err(anyhow::Error::from)?;
    let flow_id: Option<String> = row.get("flow_id").map_err(anyhow::Error::from)?;
    let context: String = row.get("context").map_err(anyhow::Error::from)?;
    let expires: i64 = row.get("expires_at").map_err(anyhow::Error::from)?;
    if owner != account || flow_id.as_deref() != Some(id) {
        return Err(ApiError::field(
            "client_data_json.challenge",
            "not_for_this_flow",
            "this challenge was issued for another signer or flow",
        ));
    }
    if expires < i64::try_from(unix).unwrap_or(i64::MAX) {
        return Err(expired_challenge());
    }
    let key_bytes = b64::decode(&passkey.public_key).unwrap_or_default();
    let key = PublicKey::from_bytes(passkey.alg, &key_bytes).map_err(webauthn_error)?;
    let challenge = webauthn::challenge_of(context.as_bytes());
    let expected = Expected {
        challenge: &challenge,
        origin: &passkey.origin,
        rp_id: &passkey.rp_id,
    };
    let rp = RelyingParty::of(ctx);
    if rp.origin != passkey.origin {
        return Err(ApiError::field(
            "credential",
            "other_origin",
            "this passkey was enrolled at another origin of the commune",
        ));
    }
    let facts = webauthn::verify_assertion(
        &key,
        &expected,
        &authenticator_data,
        &client_data,
        &signature,
    )
    .map_err(webauthn_error)?;
    if !webauthn::counter_follows(passkey.sign_count, facts.sign_count) {
        return Err(ApiError::field(
            "authenticator_data",
            "counter_not_increasing",
            "the signature counter did not grow: this may be a cloned authenticator",
        ));
    }
    let challenge_text = client.challenge.clone();
    flows::change(ctx, id, |conn, flow| {
        let position = match flows::turn(flow, &account) {
            Ok(position) => position,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let live = db::query(
            conn,
            "SELECT 1 FROM passkey_challenges WHERE commune = ? AND challenge = ?",
            &[
                db::text(commune.as_str()),
                db::text(challenge_text.as_str()),
            ],
        )?;
        if live.rows.is_empty() {
            return Ok(Err(unknown_challenge()));
        }
        db::exec(
            conn,
            "DELETE FROM passkey_challenges WHERE commune = ? AND challenge = ?",
            &[
                db::text(commune.as_str()),
                db::text(challenge_text.as_str()),
            ],
        )?;
        db::exec(
            conn,
            "UPDATE passkeys SET sign_count = ? WHERE commune = ? AND credential = ?",
            &[
                db::Value::Integer(i64::from(facts.sign_count)),
                db::text(commune.as_str()),
                db::text(passkey.credential.as_str()),
            ],
        )?;
        db::exec(
            conn,
            "INSERT INTO passkey_signatures (commune, flow_id, account, credential, context, \
             authenticator_data, client_data_json, signature, signed_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                db::text(commune.as_str()),
                db::text(id),
                db::text(account.as_str()),
                db::text(passkey.credential.as_str()),
                db::text(context.as_str()),
                db::text(input.authenticator_data.as_str()),
                db::text(input.client_data_json.as_str()),
                db::text(input.signature.as_str()),
                db::text(at.as_str()),
            ],
        )?;
        flows::decide(
            conn,
            commune,
            flow,
            position,
            SignerState::Signed,
            None,
            &at,
        )?;
        Ok(Ok(()))
    })
    .await
}
