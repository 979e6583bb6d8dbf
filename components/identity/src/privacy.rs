//! A citizen's personal data (GDPR; docs/SECURITY.md items 22-24): download it all, erase it, see who
//! read it. Routes below `/api/identity/me/` (bearer access token):
//!
//! - `GET export` ([`export`]): every record about the account, identity's own and every other
//!   component's, as one JSON file.
//! - `GET reads` ([`reads`]): which member of staff read the profile, when and why.
//! - `POST erasure` ([`erasure`]): deletes or anonymises the account's data in every component,
//!   except what the commune must keep by law, which is listed with its legal basis.
//!
//! The other components answer for their own records by service chaining
//! ([`components`], the contract of `guichet_guest::privacy`). Consents have their own routes
//! (`/me/consents`, module `consents`).

mod components;
mod erasure;
mod export;
mod reads;

use guichet_guest::contracts::privacy::Subject;
use guichet_guest::{response, routing, ApiError, Commune};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::context::Ctx;

/// Routes `/api/identity/me/{rest}` not taken by the profile, e-mail and consent routes.
pub async fn route(req: &Request, ctx: &Ctx<'_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        ["export"] => {
            routing::only_get(req)?;
            export::respond(ctx).await
        }
        ["reads"] => {
            routing::only_get(req)?;
            reads::respond(ctx)
        }
        ["erasure"] => {
            routing::only_post(req)?;
            erasure::respond(req, ctx).await
        }
        _ => Err(ApiError::NotFound),
    }
}

/// How long the log of staff reads is kept (the CNIL recommends 6 to 12 months); older rows
/// are purged as new reads are logged (`staff::citizens`).
pub const READS_RETENTION_MONTHS: u32 = 12;

/// The body identity sends to every component: whose data (`guichet_guest::privacy::Subject`).
fn subject(commune: &Commune, account: &str, email: Option<&str>) -> Subject {
    guichet_guest::privacy::Subject::to_contract(commune, account, email)
}

/// 502 when components did not answer: `{"errors":[..one per component..],"components":[answers received]}`.
fn unavailable(failed: &[String], action: &str, received: Vec<Json>) -> Response {
    let errors: Vec<Json> = failed
        .iter()
        .map(|component| {
            json!({
                "field": null,
                "code": "component_unavailable",
                "message": format!("{component} could not {action} your data: nothing was lost, try again later"),
            })
        })
        .collect();
    response::json(502, &json!({"errors": errors, "components": received}))
}
