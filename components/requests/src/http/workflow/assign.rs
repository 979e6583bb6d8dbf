//! `POST /api/requests/{ref}/assignment` `{"department"?, "assignee"?}`: which department
//! handles a request, and which agent.
//!
//! Supervisors and administrators assign anything. An agent (of the request's department)
//! may take a request (assignee = themselves) or give it back (null, when it is theirs);
//! moving a request to another department is a supervisor's decision. A new department
//! without a new assignee clears the assignee (they belonged to the old department).

use anyhow::Context as _;
use guichet_guest::codes::DepartmentCode;
use guichet_guest::db;

use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use crate::calls::events;
use crate::http::workflow::access::{self, Acting, Who};
use crate::http::workflow::{input, view};
use crate::store::record::{self, Record};
use crate::store::timeline::{self, Entry};
use crate::store::workflow::assignment;
use crate::Ctx;

/// Longest account id accepted as an assignee.
const MAX_ASSIGNEE: usize = 128;

pub async fn assign(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    // A citizen is answered by `access::load`: 404 unless the request is theirs.
    let caller = ctx.caller()?.require_signed_in()?.clone();
    let body = input::object(req, &["department", "assignee"])?;
    let conn = ctx.conn();
    let (record, acting) = access::load(conn, commune, caller, reference, Who::Staff)?;
    let (department, assignee) = read(&body)?;
    check_agent(&acting, &record, department.as_deref(), assignee.as_ref())?;
    let new_department = department.unwrap_or_else(|| record.department.clone());
    let new_assignee = match assignee {
        Some(assignee) => assignee,
        None if new_department != record.department => None,
        None => record.assignee.clone(),
    };
    if new_department == record.department && new_assignee == record.assignee {
        return view::respond(conn, commune, &record.id, &acting, 200);
    }
    let actor = acting.actor();
    let event = db::transaction(conn, |conn| {
        let (_, now) = db::new_id_and_now(conn)?;
        let moved = assignment::reassign(
            conn,
            commune,
            &record,
            &new_department,
            new_assignee.as_deref(),
            &now,
        )?;
        if !moved {
            return Ok(None);
        }
        if new_department != record.department {
            let mut entry = Entry::new("assigned", false);
            entry.from = Some(record.department.as_str());
            entry.to = Some(new_department.as_str());
            entry.detail.insert("what".into(), json!("department"));
            timeline::append(conn, commune, &record.id, &now, &actor, &entry)?;
        }
        if new_assignee != record.assignee {
            let mut entry = Entry::new("assigned", false);
            entry.from = record.assignee.as_deref();
            entry.to = new_assignee.as_deref();
            entry.detail.insert("what".into(), json!("assignee"));
            timeline::append(conn, commune, &record.id, &now, &actor, &entry)?;
        }
        let updated =
            record::load_by_id(conn, commune, &record.id)?.context("the request just assigned")?;
        events::emit(conn, ctx.served(), &updated, |about| {
            events::about_request!(Assigned, about, {
                department: Some(new_department.clone()),
                assignee: new_assignee.clone(),
                from_department: Some(record.department.clone()),
                from_assignee: record.assignee.clone(),
            })
        })
        .map(Some)
    })?;
    let Some(event) = event else {
        return Err(ApiError::conflict(
            "assignee",
            "changed",
            "the request changed meanwhile: reload it and try again",
        ));
    };
    events::deliver(conn, commune, &[event]).await;
    view::respond(conn, commune, &record.id, &acting, 200)
}

/// The department (`None`: unchanged) and the assignee (`None`: unchanged, `Some(None)`:
/// nobody) asked for.
type Asked = (Option<String>, Option<Option<String>>);

/// What the body asks for: at least one of its two members.
fn read(body: &Map<String, Json>) -> Result<Asked, ApiError> {
    let mut errors = Vec::new();
    let department = match body.get("department") {
        None => None,
        Some(Json::String(code)) => match DepartmentCode::parse(code) {
            Ok(code) => Some(code.to_string()),
            Err(e) => {
                errors.push(e.at("department"));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                "department",
                "invalid",
                "department must be a department code (a-z, 0-9, -)",
            ));
            None
        }
    };
    let assignee = match body.get("assignee") {
        None => None,
        Some(Json::Null) => Some(None),
        Some(Json::String(id)) if is_account_id(id) => Some(Some(id.clone())),
        Some(_) => {
            errors.push(FieldError::new(
                "assignee",
                "invalid",
                "assignee must be an account id or null",
            ));
            None
        }
    };
    if body.get("department").is_none() && body.get("assignee").is_none() {
        errors.push(FieldError::general(
            "empty",
            "give a department, an assignee, or both",
        ));
    }
    input::finish(errors)?;
    Ok((department, assignee))
}

/// What an agent who is not a supervisor may do.
fn check_agent(
    acting: &Acting,
    record: &Record,
    department: Option<&str>,
    assignee: Option<&Option<String>>,
) -> Result<(), ApiError> {
    if acting.is_supervisor() {
        return Ok(());
    }
    if department.is_some_and(|d| d != record.department) {
        return Err(ApiError::Forbidden {
            message: "only supervisors move requests to another department",
        });
    }
    let me = acting.caller.account();
    let allowed = match assignee {
        None => true,
        Some(Some(who)) => Some(who.as_str()) == me,
        Some(None) => record.assignee.is_none() || record.assignee.as_deref() == me,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            message: "agents assign requests only to themselves",
        })
    }
}

/// An account id: 1 to 128 printable characters without spaces.
fn is_account_id(text: &str) -> bool {
    (1..=MAX_ASSIGNEE).contains(&text.len())
        && text.chars().all(|c| !c.is_control() && !c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Asked, Vec<String>> {
        let map: Map<String, Json> = serde_json::from_str(text).unwrap_or_default();
        read(&map).map_err(|e| e.errors().into_iter().map(|e| e.code).collect())
    }

    #[test]
    fn an_assignee_may_be_an_account_or_null_and_the_department_a_code() {
        assert_eq!(
            parse(r#"{"assignee": "agent-7"}"#),
            Ok((None, Some(Some("agent-7".into()))))
        );
        assert_eq!(
            parse(r#"{"assignee": null, "department": "roads"}"#),
            Ok((Some("roads".into()), Some(None)))
        );
    }

    #[test]
    fn an_empty_or_malformed_assignment_is_refused_field_by_field() {
        assert_eq!(parse("{}"), Err(vec!["empty".to_owned()]));
        assert_eq!(
            parse(r#"{"department": "Roads!", "assignee": 3}"#),
            Err(vec!["invalid".to_owned(), "invalid".to_owned()])
        );
    }
}
