//! Departments of a commune (civil status, roads, urban planning...), which agents belong to.
//!
//! A department is deleted only when nobody belongs to it any more (409 `in_use` otherwise):
//! silently taking agents out of their department would change what they may do without
//! anyone deciding it. Move them first (`PUT /api/identity/agents/{id}`).

use guichet_guest::codes::DepartmentCode;
use guichet_guest::db::{self, Connection};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use super::{admin, atomic, staff};
use crate::accounts::name_field;
use crate::context::Ctx;

/// Most departments one account can be given at once.
pub const MAX_PER_ACCOUNT: usize = 50;

/// Checks that every id of `ids` (the list member `field`) names a department of `commune`;
/// returns them without repeats, in the order given. Problems go to `errors`.
pub fn check_all(
    conn: &Connection,
    commune: &Commune,
    ids: &[String],
    field: &str,
    errors: &mut Vec<FieldError>,
) -> anyhow::Result<Vec<String>> {
    if ids.len() > MAX_PER_ACCOUNT {
        errors.push(FieldError::new(
            field,
            "too_many",
            format!("at most {MAX_PER_ACCOUNT} departments"),
        ));
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if found.contains(id) {
            continue;
        }
        if !exists(conn, commune, id)? {
            errors.push(FieldError::new(
                shape::index(field, i),
                "unknown_department",
                "no department has this id",
            ));
            continue;
        }
        found.push(id.clone());
    }
    Ok(found)
}

/// Whether `commune` has the department `id`.
pub fn exists(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<bool> {
    let rows = db::query(
        conn,
        "SELECT 1 FROM departments WHERE commune = ? AND id = ?",
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    Ok(!rows.rows.is_empty())
}

/// `GET /api/identity/departments` (staff): `{"departments":[{"id","name","created_at","members"}]}`.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    staff(ctx)?;
    let rows = db::query(
        ctx.conn(),
        "SELECT d.id, d.name, d.created_at, \
         (SELECT COUNT(*) FROM agent_departments m WHERE m.commune = d.commune AND m.department = d.id) \
         FROM departments d WHERE d.commune = ? ORDER BY lower(d.name), d.id",
        &[db::text(ctx.commune().as_str())],
    )?;
    let departments: Vec<Json> = rows
        .rows
        .iter()
        .map(|r| {
            json!({
                "id": r.get::<&str>(0),
                "name": r.get::<&str>(1),
                "created_at": r.get::<&str>(2),
                "members": r.get::<i64>(3).unwrap_or(0),
            })
        })
        .collect();
    Ok(response::json(200, &json!({ "departments": departments })))
}

const NEW_DEPARTMENT: Shape = Shape::Object(&[
    Member::required("id", Shape::Text),
    Member::required("name", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDepartment {
    id: String,
    name: String,
}

/// `POST /api/identity/departments` (admin) `{"id","name"}` → 201 the department; 409 `exists`.
pub fn create(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    admin(ctx)?;
    let form: NewDepartment =
        shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &NEW_DEPARTMENT)?;
    let mut errors = Vec::new();
    let id = DepartmentCode::parse(&form.id)
        .map_err(|e| errors.push(e.at("id")))
        .ok();
    let name = form.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            "required",
            "give the department a name",
        ));
    }
    name_field(name, "name", &mut errors);
    let Some(id) = id.filter(|_| errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    let created_at = atomic(ctx.conn(), |conn| {
        if exists(conn, ctx.commune(), id.as_str())? {
            return Err(ApiError::conflict(
                "id",
                "exists",
                "a department with this id exists",
            ));
        }
        let rows = db::query(
            conn,
            &format!(
                "INSERT INTO departments (commune, id, name, created_at) VALUES (?, ?, ?, {}) RETURNING created_at",
                db::NOW_RFC3339
            ),
            &[db::text(ctx.commune().as_str()), db::text(id.as_str()), db::text(name)],
        )?;
        Ok(db::first_text(&rows))
    })?;
    Ok(response::json(
        201,
        &json!({"id": id.as_str(), "name": name, "created_at": created_at, "members": 0}),
    ))
}

/// `DELETE /api/identity/departments/{id}` (admin) → 204; 404 unknown; 409 `in_use` while
/// accounts belong to it.
pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    admin(ctx)?;
    atomic(ctx.conn(), |conn| {
        if !exists(conn, ctx.commune(), id)? {
            return Err(ApiError::NotFound);
        }
        let members = db::query(
            conn,
            "SELECT COUNT(*) FROM agent_departments WHERE commune = ? AND department = ?",
            &[db::text(ctx.commune().as_str()), db::text(id)],
        )?;
        let members = members
            .rows
            .first()
            .and_then(|r| r.get::<i64>(0))
            .unwrap_or(0);
        if members > 0 {
            return Err(ApiError::Conflict {
                errors: vec![FieldError::general(
                    "in_use",
                    format!("{members} account(s) belong to this department: move them to another one first"),
                )],
            });
        }
        db::exec(
            conn,
            "DELETE FROM departments WHERE commune = ? AND id = ?",
            &[db::text(ctx.commune().as_str()), db::text(id)],
        )?;
        Ok(())
    })?;
    Ok(Response::builder()
        .status(204)
        .header("cache-control", "no-store")
        .build())
}
