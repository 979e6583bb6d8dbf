//! `/admin/setup/staff...`: the commune's staff, their roles and departments, through
//! identity's staff API (`/api/identity/departments`, `/invitations`, `/agents`,
//! `/accounts/{id}/disable|enable`).
//!
//! - `GET /admin/setup/staff`: the staff (roles, departments, status), the invitation form
//!   (`POST .../invitations`: e-mail, role, departments), the departments with their number of
//!   members (`POST .../departments` creates one, `POST .../departments/{id}/delete` deletes
//!   an empty one).
//! - `GET /admin/setup/staff/{account}`: one member's roles and departments (`POST` replaces
//!   them), and disabling or enabling the account (`POST .../disable`, `.../enable`).
//!
//! Identity decides what is allowed (an agent needs a department, the last administrator
//! stays, nobody disables themselves): its refusals come back above the form.

use askama::Template;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{in_lang, done, only_post, posting, segment, text, Section, Staff};
use crate::admin::{outcome, see_other, AdminChrome};
use crate::i18n::Lang;

const ROLES: [&str; 3] = ["agent", "supervisor", "admin"];

pub struct TeamTexts {
    title: &'static str,
    staff: &'static str,
    person: &'static str,
    email: &'static str,
    roles: &'static str,
    departments: &'static str,
    status: &'static str,
    active: &'static str,
    disabled: &'static str,
    nobody: &'static str,
    invite: &'static str,
    invite_note: &'static str,
    role: &'static str,
    role_names: [&'static str; 3],
    invite_button: &'static str,
    department_id: &'static str,
    department_name: &'static str,
    members: &'static str,
    delete: &'static str,
    no_departments: &'static str,
    new_department: &'static str,
    create_department: &'static str,
    back: &'static str,
    member_title: &'static str,
    save: &'static str,
    disable: &'static str,
    enable: &'static str,
    disable_note: &'static str,
    done: [(&'static str, &'static str); 6],
}

const FR: TeamTexts = TeamTexts {
    title: "Personnel et services municipaux",
    staff: "Personnel",
    person: "Personne",
    email: "Adresse électronique",
    roles: "Rôles",
    departments: "Services municipaux",
    status: "Compte",
    active: "actif",
    disabled: "désactivé",
    nobody: "Personne d’autre que vous pour le moment.",
    invite: "Inviter quelqu’un",
    invite_note: "La personne reçoit un lien valable 48 heures ; son rôle s’applique quand elle l’accepte. Un agent appartient à au moins un service municipal.",
    role: "Rôle",
    role_names: ["Agent", "Superviseur", "Administrateur"],
    invite_button: "Envoyer l’invitation",
    department_id: "Code",
    department_name: "Nom",
    members: "Membres",
    delete: "Supprimer",
    no_departments: "Aucun service municipal.",
    new_department: "Nouveau service municipal",
    create_department: "Créer le service municipal",
    back: "Tout le personnel",
    member_title: "Rôles et services de",
    save: "Enregistrer",
    disable: "Désactiver le compte",
    enable: "Réactiver le compte",
    disable_note: "Désactiver ferme aussitôt les sessions de la personne ; elle ne peut plus se connecter.",
    done: [
        ("invited", "L’invitation est envoyée."),
        ("department", "Le service municipal est créé."),
        ("deleted", "Le service municipal est supprimé."),
        ("saved", "Les rôles et services sont enregistrés : ils s’appliquent à la prochaine connexion (5 minutes au plus)."),
        ("disabled", "Le compte est désactivé."),
        ("enabled", "Le compte est réactivé."),
    ],
};

const EN: TeamTexts = TeamTexts {
    title: "Staff and departments",
    staff: "Staff",
    person: "Person",
    email: "E-mail address",
    roles: "Roles",
    departments: "Departments",
    status: "Account",
    active: "active",
    disabled: "disabled",
    nobody: "Nobody but you yet.",
    invite: "Invite someone",
    invite_note: "They get a link valid for 48 hours; their role applies when they accept it. An agent belongs to at least one department.",
    role: "Role",
    role_names: ["Agent", "Supervisor", "Administrator"],
    invite_button: "Send the invitation",
    department_id: "Code",
    department_name: "Name",
    members: "Members",
    delete: "Delete",
    no_departments: "No department.",
    new_department: "New department",
    create_department: "Create the department",
    back: "All the staff",
    member_title: "Roles and departments of",
    save: "Save",
    disable: "Disable the account",
    enable: "Enable the account",
    disable_note: "Disabling ends the person's sessions at once; they can no longer sign in.",
    done: [
        ("invited", "The invitation is sent."),
        ("department", "The department is created."),
        ("deleted", "The department is deleted."),
        ("saved", "The roles and departments are saved: they apply from the next sign-in (5 minutes at most)."),
        ("disabled", "The account is disabled."),
        ("enabled", "The account is enabled."),
    ],
};

fn texts(lang: Lang) -> &'static TeamTexts {
    in_lang(lang, &FR, &EN)
}

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        [] => {
            guichet_guest::routing::only_get(staff.ctx.request())?;
            list(staff, Values::default(), Vec::new(), 200).await
        }
        ["invitations"] => {
            only_post(staff)?;
            invite(staff).await
        }
        ["departments"] => {
            only_post(staff)?;
            create_department(staff).await
        }
        ["departments", id, "delete"] => {
            only_post(staff)?;
            delete_department(staff, segment(id)?).await
        }
        [account] => {
            let account = segment(account)?;
            if posting(staff)? {
                save(staff, account).await
            } else {
                member(staff, account, None, Vec::new(), 200).await
            }
        }
        [account, action @ ("disable" | "enable")] => {
            only_post(staff)?;
            set_status(staff, segment(account)?, action).await
        }
        _ => Err(ApiError::NotFound),
    }
}

/// What the list page's forms hold.
#[derive(Default)]
struct Values {
    email: String,
    role: String,
    departments: Vec<String>,
    department_id: String,
    department_name: String,
}

impl Values {
    fn chose(&self, department: &str) -> bool {
        self.departments.iter().any(|d| d == department)
    }
}

struct Person {
    id: String,
    name: String,
    email: String,
    roles: String,
    departments: String,
    active: bool,
}

struct Department {
    id: String,
    name: String,
    members: i64,
}

#[derive(Template)]
#[template(path = "admin/setup/staff.html")]
struct ListPage {
    chrome: AdminChrome,
    x: &'static TeamTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    people: Vec<Person>,
    departments: Vec<Department>,
    roles: Vec<(&'static str, &'static str)>,
    v: Values,
}

fn role_names(x: &TeamTexts, roles: &Json) -> String {
    roles
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(|r| ROLES.iter().position(|c| *c == r).map_or(r, |i| x.role_names[i]))
        .collect::<Vec<_>>()
        .join(", ")
}

fn joined(list: &Json) -> String {
    list.as_array().into_iter().flatten().filter_map(Json::as_str).collect::<Vec<_>>().join(", ")
}

async fn departments(staff: &Staff<'_, '_>) -> Result<Vec<Department>, ApiError> {
    let body = staff.get_json("/api/identity/departments").await?;
    Ok(body
        .get("departments")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|d| Department {
            id: text(d, "/id"),
            name: text(d, "/name"),
            members: d.get("members").and_then(Json::as_i64).unwrap_or(0),
        })
        .collect())
}

async fn list(staff: &Staff<'_, '_>, v: Values, errors: Vec<FieldError>, status: u16) -> Result<Response, ApiError> {
    let x = texts(staff.lang);
    let body = staff.get_json("/api/identity/agents").await?;
    let people = body
        .get("agents")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|a| Person {
            id: text(a, "/id"),
            name: format!("{} {}", text(a, "/given_name"), text(a, "/family_name")).trim().to_owned(),
            email: text(a, "/email"),
            roles: role_names(x, &a["roles"]),
            departments: joined(&a["departments"]),
            active: text(a, "/status") == "active",
        })
        .collect();
    let page = ListPage {
        chrome: staff.chrome(x.title, Section::Setup),
        x,
        done: done(staff, &x.done),
        errors,
        people,
        departments: departments(staff).await?,
        roles: ROLES.iter().copied().zip(x.role_names.iter().copied()).collect(),
        v,
    };
    staff.answer(status, &page.chrome, &page)
}

/// `POST /admin/setup/staff/invitations`.
async fn invite(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let v = Values {
        email: posted.get("email").unwrap_or_default().trim().to_owned(),
        role: posted.get("role").unwrap_or_default().to_owned(),
        departments: posted.all("departments"),
        ..Values::default()
    };
    let body = json!({"email": v.email, "role": v.role, "departments": v.departments});
    match staff.send_json(Method::Post, "/api/identity/invitations", &body).await? {
        Ok(_) => Ok(see_other("/admin/setup/staff?done=invited")),
        Err(errors) => list(staff, v, errors, 422).await,
    }
}

/// `POST /admin/setup/staff/departments`.
async fn create_department(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let v = Values {
        department_id: posted.get("id").unwrap_or_default().trim().to_owned(),
        department_name: posted.get("name").unwrap_or_default().trim().to_owned(),
        ..Values::default()
    };
    let body = json!({"id": v.department_id, "name": v.department_name});
    match staff.send_json(Method::Post, "/api/identity/departments", &body).await? {
        Ok(_) => Ok(see_other("/admin/setup/staff?done=department#departments")),
        Err(errors) => list(staff, v, errors, 422).await,
    }
}

/// `POST /admin/setup/staff/departments/{id}/delete`.
async fn delete_department(staff: &Staff<'_, '_>, id: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let answer = staff.call(Method::Delete, &format!("/api/identity/departments/{id}"), None, &[]).await?;
    match outcome(&answer)? {
        Ok(_) => Ok(see_other("/admin/setup/staff?done=deleted#departments")),
        Err(errors) => list(staff, Values::default(), errors, 422).await,
    }
}

#[derive(Template)]
#[template(path = "admin/setup/member.html")]
struct MemberPage {
    chrome: AdminChrome,
    x: &'static TeamTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    id: String,
    name: String,
    email: String,
    active: bool,
    roles: Vec<(&'static str, &'static str, bool)>,
    departments: Vec<(Department, bool)>,
}

/// One member's page; `chosen` is what was posted (roles, departments) when it came back.
async fn member(
    staff: &Staff<'_, '_>,
    account: &str,
    chosen: Option<(Vec<String>, Vec<String>)>,
    errors: Vec<FieldError>,
    status: u16,
) -> Result<Response, ApiError> {
    let x = texts(staff.lang);
    let record = staff.get_json(&format!("/api/identity/agents/{account}")).await?;
    let list = |name: &str| -> Vec<String> {
        record[name].as_array().into_iter().flatten().filter_map(Json::as_str).map(str::to_owned).collect()
    };
    let (roles, member_of) = chosen.unwrap_or_else(|| (list("roles"), list("departments")));
    let name = format!("{} {}", text(&record, "/given_name"), text(&record, "/family_name")).trim().to_owned();
    let page = MemberPage {
        chrome: staff.chrome(format!("{} {name}", x.member_title), Section::Setup),
        x,
        done: done(staff, &x.done),
        errors,
        id: account.to_owned(),
        email: text(&record, "/email"),
        name,
        active: text(&record, "/status") == "active",
        roles: ROLES
            .iter()
            .zip(x.role_names.iter())
            .map(|(code, label)| (*code, *label, roles.iter().any(|r| r == code)))
            .collect(),
        departments: departments(staff)
            .await?
            .into_iter()
            .map(|d| {
                let chosen = member_of.iter().any(|m| *m == d.id);
                (d, chosen)
            })
            .collect(),
    };
    staff.answer(status, &page.chrome, &page)
}

/// `POST /admin/setup/staff/{account}`: roles and departments.
async fn save(staff: &Staff<'_, '_>, account: &str) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let roles = posted.all("roles");
    let departments = posted.all("departments");
    let body = json!({"roles": roles, "departments": departments});
    match staff.send_json(Method::Put, &format!("/api/identity/agents/{account}"), &body).await? {
        Ok(_) => Ok(see_other(&format!("/admin/setup/staff/{account}?done=saved"))),
        Err(errors) => member(staff, account, Some((roles, departments)), errors, 422).await,
    }
}

/// `POST /admin/setup/staff/{account}/disable` or `/enable`.
async fn set_status(staff: &Staff<'_, '_>, account: &str, action: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let answer = staff.call(Method::Post, &format!("/api/identity/accounts/{account}/{action}"), None, &[]).await?;
    match outcome(&answer)? {
        Ok(_) => Ok(see_other(&format!("/admin/setup/staff/{account}?done={action}d"))),
        Err(errors) => member(staff, account, None, errors, 422).await,
    }
}
