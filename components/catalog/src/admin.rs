//! The administration of the catalogue: bearer access token with the `admin` role for the
//! commune the request is addressed to (401 without a valid token, a token of another
//! commune included; 403 without the role). Bodies are JSON service
//! definitions (64 KiB at most; an import 2 MiB); a refused body lists every error at once
//! and nothing is written.
//!
//! - `GET /api/catalog/admin/services`: every service, whatever its status.
//! - `POST /api/catalog/admin/services`: creates a draft (201; 409 if the code exists).
//! - `GET /api/catalog/admin/services/{code}`: draft, status, versions.
//! - `PUT /api/catalog/admin/services/{code}`: replaces the draft (the body's code must match).
//! - `POST /api/catalog/admin/services/{code}/publish`: the draft becomes version N+1.
//! - `POST /api/catalog/admin/services/{code}/archive`: hidden from the public, versions kept.
//! - `GET /api/catalog/admin/export`, `POST /api/catalog/admin/import`: the catalogue as
//!   `{"services":[{"status","definition","published_version","draft"?}]}`.

use guichet_guest::codes::{Role, ServiceCode};
use guichet_guest::tokens;
use guichet_guest::{body, response, ApiError, FieldError};
use serde_json::{json, Value};
use spin_sdk::http::Response;

use guichet_guest::context::Ctx;

use crate::store::{PublishOutcome, Service, Store};
use crate::validate;

const ADMIN: Role = Role::Admin;
/// Largest import body: a whole catalogue of a few hundred services.
pub const IMPORT_MAX_BYTES: usize = 2 * 1024 * 1024;

/// The store of `commune` (the one `req` is addressed to) and the administrator's id, or
/// 401/403.
fn authorized<'c>(ctx: &'c Ctx<'_>) -> Result<(Store<'c>, String), ApiError> {
    let claims = tokens::authorize_in(ctx.request(), ctx.commune(), ADMIN)?;
    Ok((Store::new(ctx.conn(), ctx.commune().clone())?, claims.subject))
}

fn invalid(errors: Vec<FieldError>) -> ApiError {
    ApiError::BadRequest { errors }
}

/// A service as the administration sees it.
fn view(store: &Store<'_>, service: &Service) -> Result<Value, ApiError> {
    let versions: Vec<Value> = store
        .versions(&service.code)?
        .into_iter()
        .map(
            |(version, at, by)| json!({"version": version, "published_at": at, "published_by": by}),
        )
        .collect();
    Ok(json!({
        "code": service.code,
        "status": service.status,
        "published_version": service.published_version,
        "unpublished_changes": service.unpublished_changes,
        "updated_at": service.updated_at,
        "updated_by": service.updated_by,
        "draft": service.draft,
        "versions": versions,
    }))
}

fn existing(store: &Store<'_>, code: &str) -> Result<Service, ApiError> {
    if ServiceCode::parse(code).is_err() {
        return Err(ApiError::NotFound);
    }
    store.service(code)?.ok_or(ApiError::NotFound)
}

/// `GET /api/catalog/admin/services`.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (_req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, _) = authorized(ctx)?;
    let services: Vec<Value> = store
        .services()?
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "status": s.status,
                "published_version": s.published_version,
                "unpublished_changes": s.unpublished_changes,
                "updated_at": s.updated_at,
                "group": s.draft.group,
                "name": s.draft.name,
            })
        })
        .collect();
    Ok(response::json(200, &json!({"services": services})))
}

/// `POST /api/catalog/admin/services`.
pub fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, subject) = authorized(ctx)?;
    let value = body::json(req, body::DEFAULT_MAX_JSON)?;
    let definition = validate::definition(&value).map_err(invalid)?;
    if !store.create(&definition, &subject)? {
        return Err(ApiError::conflict(
            "code",
            "exists",
            format!(
                "a service with the code {:?} already exists",
                definition.code
            ),
        ));
    }
    let service = existing(&store, &definition.code)?;
    let mut response = response::json(201, &view(&store, &service)?);
    response.set_header(
        "location",
        format!("/api/catalog/admin/services/{}", service.code),
    );
    Ok(response)
}

/// `GET /api/catalog/admin/services/{code}`.
pub fn show(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let (_req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, _) = authorized(ctx)?;
    let service = existing(&store, code)?;
    Ok(response::json(200, &view(&store, &service)?))
}

/// `PUT /api/catalog/admin/services/{code}`.
pub fn replace(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let (req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, subject) = authorized(ctx)?;
    existing(&store, code)?;
    let value = body::json(req, body::DEFAULT_MAX_JSON)?;
    let mismatch = value
        .get("code")
        .and_then(Value::as_str)
        .filter(|body_code| *body_code != code)
        .map(|_| {
            FieldError::new(
                "code",
                "mismatch",
                format!("must be {code:?}, the code in the path"),
            )
        });
    let definition = match (validate::definition(&value), mismatch) {
        (Ok(definition), None) => definition,
        (Ok(_), Some(mismatch)) => return Err(invalid(vec![mismatch])),
        (Err(mut errors), mismatch) => {
            let code_reported = errors.iter().any(|e| e.field.as_deref() == Some("code"));
            if let (Some(mismatch), false) = (mismatch, code_reported) {
                errors.insert(0, mismatch);
            }
            return Err(invalid(errors));
        }
    };
    if !store.replace_draft(&definition, &subject)? {
        return Err(ApiError::NotFound);
    }
    let service = existing(&store, code)?;
    Ok(response::json(200, &view(&store, &service)?))
}

/// `POST /api/catalog/admin/services/{code}/publish`: `{"code","version"}`.
pub async fn publish(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let (_req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, subject) = authorized(ctx)?;
    existing(&store, code)?;
    let outcome = store.publish(code, &subject)?;
    guichet_guest::evidence::flush(store.conn, &store.commune).await;
    match outcome {
        PublishOutcome::NotFound => Err(ApiError::NotFound),
        PublishOutcome::Invalid(errors) => Err(invalid(errors)),
        PublishOutcome::Published(version) => Ok(response::json(
            200,
            &json!({"code": code, "version": version}),
        )),
    }
}

/// `POST /api/catalog/admin/services/{code}/archive`: the service as `GET` shows it.
pub async fn archive(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let (_req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, subject) = authorized(ctx)?;
    existing(&store, code)?;
    if !store.archive(code, &subject)? {
        return Err(ApiError::NotFound);
    }
    guichet_guest::evidence::flush(store.conn, &store.commune).await;
    let service = existing(&store, code)?;
    Ok(response::json(200, &view(&store, &service)?))
}

/// `GET /api/catalog/admin/export`.
pub fn export(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (_req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, _) = authorized(ctx)?;
    Ok(response::json(200, &store.export()?))
}

/// `POST /api/catalog/admin/import`: all or nothing; `{"services":[{"code","status",
/// "published_version"}]}` once done.
pub async fn import(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, _commune) = (ctx.request(), ctx.commune().clone());
    let (store, subject) = authorized(ctx)?;
    let value = body::json(req, IMPORT_MAX_BYTES)?;
    let catalogue = validate::catalogue(&value).map_err(invalid)?;
    let report = store.import(&catalogue, &subject)?;
    guichet_guest::evidence::flush(store.conn, &store.commune).await;
    Ok(response::json(200, &json!({"services": report})))
}
