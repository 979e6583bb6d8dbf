//! Saved views of the queue: an agent names the filters of the page they are on, finds the name
//! again as a link above the queue, and deletes it when it is no longer useful (issue #14,
//! item 1). Stored in the portal's own database (`admin_views`), keyed by commune *and*
//! account: every statement names both, so no agent reads, replaces or deletes another's
//! view, nor one of another commune.
//!
//! A view is the canonical query string of the queue's filters ([`canonical`]), not a copy of
//! the results: opening it asks the API again, which checks each filter as for a typed one.
//! The forms post to `/admin` itself (`action=save` or `action=delete`), after the CSRF check.

use guichet_guest::db::{self, FromRow, Row, RowError, Value};
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use spin_sdk::http::Response;

use super::queue::{self, FILTERS};
use super::{encode, see_other, Role, Staff};
use crate::i18n::Lang;

/// The table (one migration of the portal's database, `crate::MIGRATIONS`).
pub const TABLE: &str = "CREATE TABLE IF NOT EXISTS admin_views (
        commune TEXT NOT NULL,
        account_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (commune, account_id, id),
        UNIQUE (commune, account_id, name)
    ) WITHOUT ROWID";

/// Most views an agent keeps (a list above the queue, not an archive).
pub const MAX_VIEWS: i64 = 20;
/// Longest name, in characters.
pub const MAX_NAME: usize = 60;
/// Longest stored query: the filters of a form, far below what a browser sends.
const MAX_QUERY: usize = 2000;

/// A saved view.
pub struct View {
    pub id: String,
    pub name: String,
    /// The canonical filters ([`canonical`]).
    pub query: String,
}

impl FromRow for View {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(View {
            id: row.get("id")?,
            name: row.get("name")?,
            query: row.get("query")?,
        })
    }
}

/// The words of the views' errors.
struct Texts {
    name_required: &'static str,
    name_too_long: &'static str,
    name_control: &'static str,
    too_many: &'static str,
    too_long: &'static str,
}

const FR: Texts = Texts {
    name_required: "Donnez un nom à la vue.",
    name_too_long: "Le nom doit faire au plus 60 caractères.",
    name_control: "Le nom ne peut pas contenir de caractères de contrôle.",
    too_many: "Vous avez déjà 20 vues enregistrées : supprimez-en une d’abord.",
    too_long: "Ces filtres sont trop longs pour être enregistrés.",
};

const EN: Texts = Texts {
    name_required: "Give the view a name.",
    name_too_long: "The name must be at most 60 characters.",
    name_control: "The name cannot contain control characters.",
    too_many: "You already have 20 saved views: delete one first.",
    too_long: "These filters are too long to be saved.",
};

fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// The queue's filters of `query` as the one string a view keeps and its links carry: the
/// known filters and the sort, in the form's order, trimmed, empty ones left out (so that the
/// same filters typed twice give the same view, and the page can tell which view it shows).
pub fn canonical(query: &Query) -> String {
    FILTERS
        .iter()
        .chain(["sort"].iter())
        .filter_map(|name| {
            let value = query.get(name)?.trim();
            (!value.is_empty()).then(|| format!("{name}={}", encode(value)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The agent's views, by name.
pub fn list(staff: &Staff<'_, '_>) -> Result<Vec<View>, ApiError> {
    let result = db::query(
        staff.ctx.conn(),
        "SELECT id, name, query FROM admin_views WHERE commune = ? AND account_id = ? \
         ORDER BY name COLLATE NOCASE, id",
        &owner(staff),
    )?;
    Ok(db::decode_all(&result)?)
}

/// The commune and account every statement is keyed by.
fn owner(staff: &Staff<'_, '_>) -> Vec<Value> {
    vec![
        db::text(staff.ctx.commune().as_str()),
        db::text(staff.account()),
    ]
}

/// What a posted form on `/admin` asked for.
pub enum Posted {
    /// Saved (or renamed filters replaced): the 303 to the view.
    Done(Response),
    /// Refused: the page again with the filters `query`, the name typed and the errors.
    Invalid {
        query: Query,
        name: String,
        errors: Vec<FieldError>,
    },
}

/// `POST /admin`: `action=save` (`name` and the filters) or `action=delete` (`view`).
pub async fn post(staff: &Staff<'_, '_>) -> Result<Posted, ApiError> {
    staff.require(&[Role::Agent, Role::Supervisor, Role::Admin])?;
    let posted = staff.posted().await?;
    if staff.account().is_empty() {
        return Err(ApiError::Forbidden {
            message: "your role does not give access to this page",
        });
    }
    match posted.get("action") {
        Some("save") => {
            let pairs: Vec<String> = FILTERS
                .iter()
                .chain(["sort"].iter())
                .filter_map(|name| posted.get(name).map(|v| format!("{name}={}", encode(v))))
                .collect();
            let query = Query::parse(&pairs.join("&"));
            let name = posted.get("name").unwrap_or_default().trim().to_owned();
            save(staff, query, name)
        }
        Some("delete") => delete(staff, posted.get("view").unwrap_or_default()),
        _ => Err(ApiError::field(
            "action",
            "invalid",
            "action must be save or delete",
        )),
    }
}

/// Checks and stores a view; a name the agent already uses gets the new filters.
fn save(staff: &Staff<'_, '_>, query: Query, name: String) -> Result<Posted, ApiError> {
    let t = texts(staff.lang);
    let filters = canonical(&query);
    let mut errors = Vec::new();
    if let Some(message) = name_problem(&name, t) {
        errors.push(FieldError::new("name", message.0, message.1));
    }
    if filters.len() > MAX_QUERY {
        errors.push(FieldError::general("too_long", t.too_long));
    }
    if errors.is_empty() {
        let mut params = owner(staff);
        params.push(db::text(name.as_str()));
        let stored = db::transaction(staff.ctx.conn(), |conn| {
            // Counted under the write lock: two tabs saving at once cannot pass 20 together.
            let counted = db::query(
                conn,
                "SELECT count(*) AS n, coalesce(sum(name = ?3), 0) AS same FROM admin_views \
                 WHERE commune = ?1 AND account_id = ?2",
                &params,
            )?;
            let n: i64 = db::first_value(&counted, "n")?.unwrap_or(0);
            let same: i64 = db::first_value(&counted, "same")?.unwrap_or(0);
            if same == 0 && n >= MAX_VIEWS {
                return Ok(false);
            }
            let (id, now) = db::new_id_and_now(conn)?;
            let mut values = params.clone();
            values.extend([db::text(id), db::text(filters.as_str()), db::text(now)]);
            db::exec(
                conn,
                "INSERT INTO admin_views (commune, account_id, name, id, query, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (commune, account_id, name) DO UPDATE SET query = excluded.query",
                &values,
            )?;
            Ok(true)
        })?;
        if stored {
            return Ok(Posted::Done(see_other(&queue::href(&filters, "done=view_saved"))));
        }
        errors.push(FieldError::new("name", "too_many", t.too_many));
    }
    Ok(Posted::Invalid {
        query,
        name,
        errors,
    })
}

/// What is wrong with a view's name (code, message), if anything.
fn name_problem(name: &str, t: &Texts) -> Option<(&'static str, &'static str)> {
    let length = name.chars().count();
    if length == 0 {
        Some(("required", t.name_required))
    } else if length > MAX_NAME {
        Some(("too_long", t.name_too_long))
    } else if name.chars().any(char::is_control) {
        Some(("invalid", t.name_control))
    } else {
        None
    }
}

/// Deletes one of the agent's views: 404 for any other id (another's view included, which
/// the statement cannot reach).
fn delete(staff: &Staff<'_, '_>, id: &str) -> Result<Posted, ApiError> {
    let mut params = owner(staff);
    params.push(db::text(id));
    let deleted = db::query(
        staff.ctx.conn(),
        "DELETE FROM admin_views WHERE commune = ? AND account_id = ? AND id = ? RETURNING id",
        &params,
    )?;
    if deleted.rows.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(Posted::Done(see_other("/admin?done=view_deleted")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_filters_typed_differently_give_one_view() {
        let typed = Query::parse("q=+trou+&service=&lang=en&sort=-created&cursor=abc&state=new");
        assert_eq!(canonical(&typed), "q=trou&state=new&sort=%2Dcreated");
        assert_eq!(canonical(&Query::parse("lang=fr&done=view_saved")), "");
    }

    #[test]
    fn a_name_is_one_to_sixty_characters_without_control_characters() {
        assert_eq!(name_problem("", &FR).map(|p| p.0), Some("required"));
        assert_eq!(name_problem(&"é".repeat(60), &FR), None);
        assert_eq!(name_problem(&"é".repeat(61), &FR).map(|p| p.0), Some("too_long"));
        assert_eq!(name_problem("a\u{7}b", &EN).map(|p| p.0), Some("invalid"));
    }
}
