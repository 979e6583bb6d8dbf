//! Erasure of a citizen's personal data (GDPR article 17; docs/SECURITY.md item 24).
//!
//! The citizen re-authenticates with their password (an account without password, signed in
//! through an external provider only, re-authenticates by its access token alone: such a token
//! is at most 5 minutes old, so it proves a recent sign-in). Then:
//!
//! 1. every other component is asked to erase (`guichet_guest::privacy`); if one does not
//!    answer, the request fails (502) and identity erases nothing, so the citizen keeps an
//!    account to try again with (every step is idempotent: what was erased stays erased);
//! 2. identity erases its part, in one transaction:
//!    - the account is anonymised: status `erased`, its address replaced by `erased:<id>` (not
//!      an address, so no sign-in, registration or lookup ever finds it, and the address is
//!      free for a new account), names, phone, postal address, preferences and password cleared;
//!    - deleted: refresh-token families and tokens, browser sessions (so every sign-in ends at
//!      once), one-time links (the account's, and invitations sent to its address), external
//!      identities, staff roles and departments;
//!    - kept, with their legal basis: consents, withdrawn if still given, with their dates
//!      (proof of consent, GDPR art. 7(1)), now tied to an anonymous account; the log of staff
//!      reads of the profile and, for staff, of their own reads (security of processing, GDPR
//!      art. 32, CNIL logging recommendation; purged after `READS_RETENTION_MONTHS` months).
//!
//! The answer lists, per component, what was erased and what was kept and why. No e-mail
//! confirms it: sending one would create a new record about the address just erased.

use guichet_guest::db::{self, Connection};
use guichet_guest::privacy::{Erasure, Kept};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use super::{components, subject, unavailable, READS_RETENTION_MONTHS};
use crate::accounts::{self, Account};
use crate::context::Ctx;
use crate::password;
use crate::throttle::{self, Throttle};

const COMPONENT: &str = "identity";

const REQUEST: Shape = Shape::Object(&[Member::optional("password", Shape::Text)]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureRequest {
    password: Option<String>,
}

/// `POST /api/identity/me/erasure` `{"password"}` → 200
/// `{"status":"erased","components":[{"component","erased":{kind:n},"kept":[{"record","count","legal_basis"}]}]}`
/// (identity first). 400 `password` `required`/`wrong_password`; 404 already erased; 429 too
/// many wrong passwords; 502 a component did not answer (nothing marked erased).
pub async fn respond(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account_id = crate::auth::account(ctx)?;
    let account = accounts::by_id(ctx.conn(), ctx.commune(), &account_id)?
        .filter(|a| a.status != "erased")
        .ok_or(ApiError::NotFound)?;
    let form: ErasureRequest = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &REQUEST)?;
    reauthenticate(ctx, &account, form.password.as_deref())?;
    let (parts, failed) =
        components::erase_all(&subject(ctx.commune(), &account.id, Some(&account.email))).await;
    let others: Vec<Json> = parts
        .iter()
        .map(|p| p.erasure.public(&p.component))
        .collect();
    if !failed.is_empty() {
        return Ok(unavailable(&failed, "erase", others));
    }
    let identity = erase_identity(ctx.conn(), ctx.commune(), &account)?;
    guichet_guest::evidence::flush(ctx.conn(), ctx.commune()).await;
    eprintln!(
        "identity: account {} of {} erased at its owner's request",
        account.id,
        ctx.commune()
    );
    let mut all = vec![identity.public(COMPONENT)];
    all.extend(others);
    Ok(response::json(
        200,
        &json!({"status": "erased", "components": all}),
    ))
}

/// Checks the password of an account that has one, under the sign-in rate limit of this
/// account and client.
fn reauthenticate(ctx: &Ctx<'_>, account: &Account, given: Option<&str>) -> Result<(), ApiError> {
    let Some(stored) = account.password_hash.as_deref() else {
        return Ok(());
    };
    let Some(given) = given else {
        return Err(ApiError::field(
            "password",
            "required",
            "confirm with your password",
        ));
    };
    let throttle = Throttle::open(ctx.commune())?;
    let pair = format!("{}\n{}", account.email, ctx.client_key());
    // Counted before the hash, given back when the password is right.
    let _attempt = throttle.admit(
        &account.email,
        &[(
            throttle::LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT,
            pair.as_str(),
        )],
    )?;
    if given.chars().count() > password::MAX_CHARS || !password::verify(given, stored)? {
        return Err(ApiError::field(
            "password",
            "wrong_password",
            "this is not your current password",
        ));
    }
    throttle.give_back(throttle::LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT, &pair)?;
    Ok(())
}

/// Identity's part of the erasure (see the module overview), in one transaction.
fn erase_identity(
    conn: &Connection,
    commune: &Commune,
    account: &Account,
) -> Result<Erasure, ApiError> {
    let outcome = db::transaction(conn, |conn| {
        let params = [db::text(commune.as_str()), db::text(account.id.as_str())];
        let count = |sql: &str| -> anyhow::Result<i64> {
            let rows = db::query(conn, sql, &params)?;
            Ok(i64::try_from(rows.rows.len()).unwrap_or(i64::MAX))
        };
        let scalar = |sql: &str| -> anyhow::Result<i64> {
            let rows = db::query(conn, sql, &params)?;
            Ok(rows.rows.first().and_then(|r| r.get::<i64>(0)).unwrap_or(0))
        };
        let mut erasure = Erasure::default();
        let anonymised = db::query(
            conn,
            &format!(
                "UPDATE accounts SET email = 'erased:' || id, email_verified_at = NULL, password_hash = NULL, \
                 status = 'erased', given_name = '', family_name = '', phone = '', postal_address = '{{}}', \
                 language = 'fr', notification_preferences = '{{}}', updated_at = {} \
                 WHERE commune = ? AND id = ? AND status != 'erased' RETURNING id",
                db::NOW_RFC3339
            ),
            &params,
        )?;
        if anonymised.rows.is_empty() {
            return Ok(None); // erased meanwhile by another request
        }
        let event = guichet_guest::evidence::event(
            conn,
            commune,
            crate::evidence_log::SOURCE,
            "account-erased",
            Some(account.id.as_str()),
            account.id.as_str(),
            &[],
        )?;
        guichet_guest::evidence::enqueue(conn, &event)?;
        erasure.erased.insert("account".into(), 1);
        let families =
            count("DELETE FROM token_families WHERE commune = ? AND account_id = ? RETURNING 1")?;
        db::exec(
            conn,
            "DELETE FROM refresh_tokens WHERE commune = ? AND account_id = ?",
            &params,
        )?;
        erasure.erased.insert("sign_ins".into(), families);
        erasure.erased.insert(
            "browser_sessions".into(),
            count("DELETE FROM sessions WHERE commune = ? AND account_id = ? RETURNING 1")?,
        );
        let links =
            count("DELETE FROM one_time_links WHERE commune = ? AND account_id = ? RETURNING 1")?;
        let invitations = db::query(
            conn,
            "DELETE FROM one_time_links WHERE commune = ? AND purpose = 'invitation' \
             AND CASE WHEN json_valid(payload) THEN json_extract(payload, '$.email') END = ? RETURNING 1",
            &[db::text(commune.as_str()), db::text(account.email.as_str())],
        )?;
        erasure.erased.insert(
            "one_time_links".into(),
            links + i64::try_from(invitations.rows.len()).unwrap_or(0),
        );
        // Messages still waiting for notifications (mail.rs) name the person and carry links.
        let mails = db::query(
            conn,
            "DELETE FROM mail_outbox WHERE commune = ? \
             AND (json_extract(body, '$.account_id') = ? OR json_extract(body, '$.to') = ?) RETURNING 1",
            &[db::text(commune.as_str()), db::text(account.id.as_str()), db::text(account.email.as_str())],
        )?;
        erasure.erased.insert(
            "pending_mails".into(),
            i64::try_from(mails.rows.len()).unwrap_or(0),
        );
        erasure.erased.insert(
            "external_identities".into(),
            count(
                "DELETE FROM external_identities WHERE commune = ? AND account_id = ? RETURNING 1",
            )?,
        );
        let roles = count("DELETE FROM roles WHERE commune = ? AND account_id = ? RETURNING 1")?;
        let departments = count(
            "DELETE FROM agent_departments WHERE commune = ? AND account_id = ? RETURNING 1",
        )?;
        erasure
            .erased
            .insert("staff_roles".into(), roles + departments);
        db::exec(
            conn,
            &format!(
                "UPDATE consents SET withdrawn_at = {} WHERE commune = ? AND account_id = ? \
                 AND given_at IS NOT NULL AND withdrawn_at IS NULL",
                db::NOW_RFC3339
            ),
            &params,
        )?;
        erasure.kept.push(Kept {
            record: "consents".into(),
            count: scalar("SELECT COUNT(*) FROM consents WHERE commune = ? AND account_id = ?")?,
            legal_basis: "GDPR art. 7(1) and 17(3)(e): proof of when consent was given and withdrawn (every consent \
                          is now withdrawn), tied to the anonymised account only"
                .into(),
        });
        erasure.kept.push(Kept {
            record: "personal_data_reads".into(),
            count: scalar("SELECT COUNT(*) FROM personal_data_reads WHERE commune = ? AND account_id = ?")?,
            legal_basis: format!(
                "GDPR art. 32 (security of processing) and the CNIL's recommendation on access logging: who of the \
                 staff read the profile, kept {READS_RETENTION_MONTHS} months, tied to the anonymised account only"
            ),
        });
        let made =
            scalar("SELECT COUNT(*) FROM personal_data_reads WHERE commune = ? AND reader_id = ?")?;
        if made > 0 {
            erasure.kept.push(Kept {
                record: "personal_data_reads_made".into(),
                count: made,
                legal_basis: format!(
                    "GDPR art. 32 (security of processing) and the CNIL's recommendation on access logging: profiles \
                     this account read as staff, kept {READS_RETENTION_MONTHS} months"
                ),
            });
        }
        Ok(Some(erasure))
    })?;
    outcome.ok_or(ApiError::NotFound)
}
