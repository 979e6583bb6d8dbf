//! Communes (tenants): who they are, which host names reach them, and the platform API that
//! creates them.
//!
//! Resolution of a request's commune, in order: the commune that registered the request's host
//! name; else, when the deployment has exactly one commune, that one (a single-commune
//! deployment answers on any host); else none (404 `unknown_commune`). The commune named by the
//! Spin variable `default_commune` is created on first use, with the host names of
//! `default_commune_hosts`.

use anyhow::Context as _;
use guichet_guest::caller::Caller;
use guichet_guest::contracts::communes::Resolved;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, query::Query, response, ApiError, Commune, FieldError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::context;
use crate::evidence_log;
use guichet_guest::evidence;

const LANGUAGES: &[&str] = &["fr", "en"];

/// 404 for a host name no commune registered.
pub fn unknown() -> ApiError {
    guichet_guest::tenant::unknown_commune()
}

/// The commune of `host` (see the module overview).
pub fn resolve(conn: &Connection, host: Option<&str>) -> anyhow::Result<Option<Commune>> {
    if let Some(host) = host {
        let found = db::query(
            conn,
            "SELECT commune FROM commune_hosts WHERE host = ?",
            &[db::text(host)],
        )?;
        if let Some(id) = db::first_text(&found) {
            return Ok(Some(Commune::parse(&id).context("stored commune id")?));
        }
    }
    let all = db::query(conn, "SELECT id FROM communes ORDER BY id LIMIT 2", &[])?;
    match all.rows.len() {
        0 => seed_default(conn).map(Some),
        1 => Ok(Some(
            Commune::parse(&db::first_text(&all).unwrap_or_default())
                .context("stored commune id")?,
        )),
        _ => Ok(None),
    }
}

/// Creates the deployment's default commune (first request of a new deployment).
fn seed_default(conn: &Connection) -> anyhow::Result<Commune> {
    let commune = Commune::current()?;
    let name = variable("default_commune_name").unwrap_or_else(|| commune.to_string());
    let hosts: Vec<String> = variable("default_commune_hosts")
        .unwrap_or_default()
        .split(',')
        .map(|h| h.trim().to_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    db::transaction(conn, |conn| {
        let exists = db::query(
            conn,
            "SELECT 1 FROM communes WHERE id = ?",
            &[db::text(commune.as_str())],
        )?;
        if exists.rows.is_empty() {
            insert(
                conn,
                commune.as_str(),
                &name,
                &hosts,
                &["fr".into(), "en".into()],
                &json!({}),
            )?;
        }
        Ok(())
    })?;
    Ok(commune)
}

fn variable(name: &str) -> Option<String> {
    spin_sdk::variables::get(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

fn insert(
    conn: &Connection,
    id: &str,
    name: &str,
    hosts: &[String],
    languages: &[String],
    branding: &Json,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "INSERT INTO communes (id, name, languages, branding, created_at) VALUES (?, ?, ?, ?, {})",
            db::NOW_RFC3339
        ),
        &[
            db::text(id),
            db::text(name),
            db::text(serde_json::to_string(languages)?),
            db::text(branding.to_string()),
        ],
    )?;
    for host in hosts {
        db::exec(
            conn,
            "INSERT INTO commune_hosts (host, commune) VALUES (?, ?)",
            &[db::text(host.as_str()), db::text(id)],
        )?;
    }
    Ok(())
}

/// Where citizens reach `commune` (`scheme://host[:port]`), the only origin put in the links
/// Guichet sends: the one the platform administrator gave when creating it; for the
/// deployment's default commune, the Spin variable `public_origin`; else `https://` and its
/// first host name. Never the request's `Host`, scheme or port: behind a proxy, or on a
/// single-commune deployment that answers on any host, those are the client's word.
pub fn origin(conn: &Connection, commune: &Commune) -> anyhow::Result<String> {
    let rows = db::query(
        conn,
        "SELECT public_origin FROM communes WHERE id = ?",
        &[db::text(commune.as_str())],
    )?;
    if let Some(stored) = db::first_text(&rows).filter(|o| !o.is_empty()) {
        return Ok(stored);
    }
    if Commune::current().is_ok_and(|default| default == *commune) {
        if let Some(configured) =
            variable("public_origin").and_then(|o| PublicOrigin::parse(o.trim()).ok())
        {
            return Ok(configured.0);
        }
    }
    let hosts = hosts_of(conn, commune)?;
    Ok(format!(
        "https://{}",
        hosts.first().map(String::as_str).unwrap_or("localhost")
    ))
}

/// A commune's public origin: `https://host[:port]`, or `http://` on a loopback host (a demo
/// or a test on one machine); no path, query or credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin(String);

impl PublicOrigin {
    pub fn parse(text: &str) -> Result<PublicOrigin, &'static str> {
        const RULE: &str = "https://host[:port] (http:// only for localhost, *.localhost, 127.0.0.1 or [::1]), without path";
        let text = text.strip_suffix('/').unwrap_or(text);
        let (scheme, authority) = text.split_once("://").ok_or(RULE)?;
        let url = url::Url::parse(text).map_err(|_| RULE)?;
        let loopback = match url.host() {
            Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(RULE),
        };
        let scheme_ok = scheme == "https" || (scheme == "http" && loopback);
        let bare = authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
        if !scheme_ok || !bare || url.path() != "/" || text.len() > 255 {
            return Err(RULE);
        }
        Ok(PublicOrigin(format!(
            "{scheme}://{}",
            authority.to_ascii_lowercase()
        )))
    }
}

fn hosts_of(conn: &Connection, commune: &Commune) -> anyhow::Result<Vec<String>> {
    let rows = db::query(
        conn,
        "SELECT host FROM commune_hosts WHERE commune = ? ORDER BY rowid",
        &[db::text(commune.as_str())],
    )?;
    Ok(rows
        .rows
        .iter()
        .filter_map(|r| r.get::<&str>(0).map(str::to_owned))
        .collect())
}

/// `GET /internal/communes/resolve?host=H` (service chaining from the other components).
pub fn resolve_route(req: &Request) -> Result<Response, ApiError> {
    let query = Query::of(req);
    let host = query.non_empty("host").map(str::to_lowercase);
    let conn = context::open()?;
    let commune = resolve(&conn, host.as_deref())?.ok_or_else(unknown)?;
    Ok(response::json(200, &resolved(&conn, commune)?))
}

/// The `communes` contract's answer for `commune`.
fn resolved(conn: &Connection, commune: Commune) -> anyhow::Result<Resolved> {
    let rows = db::query(
        conn,
        "SELECT name, languages, branding FROM communes WHERE id = ?",
        &[db::text(commune.as_str())],
    )?;
    let row = rows.rows.first().context("resolved commune has no row")?;
    let languages: Vec<String> = row
        .get::<&str>(1)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let look = branding_of(row.get::<&str>(2));
    Ok(Resolved {
        public_origin: origin(conn, &commune)?,
        commune: commune.as_str().to_owned(),
        name: row.get::<&str>(0).unwrap_or_default().to_owned(),
        languages,
        branding: Some(guichet_guest::contracts::communes::Branding {
            primary_color: look.primary_color().map(str::to_owned),
            logo_text: look.logo_text().map(str::to_owned),
        }),
    })
}

/// The stored branding (`{"primary_color","logo_text"}`) as the shared type.
fn branding_of(stored: Option<&str>) -> guichet_guest::tenant::Branding {
    let stored: Json = stored
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Json::Null);
    let text = |key: &str| stored.get(key).and_then(Json::as_str).map(str::to_owned);
    guichet_guest::tenant::Branding::new(text("primary_color"), text("logo_text"))
}

/// `GET /api/identity/commune`: the commune served here, public.
pub fn current(ctx: &context::Ctx<'_>) -> Result<Response, ApiError> {
    Ok(response::json(200, &describe(ctx.conn(), ctx.commune())?))
}

/// What the other components are told of `commune` ([`guichet_guest::tenant::CommuneInfo`]),
/// for identity's own request context.
pub fn info(
    conn: &Connection,
    commune: &Commune,
) -> anyhow::Result<guichet_guest::tenant::CommuneInfo> {
    let described = describe(conn, commune)?;
    Ok(guichet_guest::tenant::CommuneInfo {
        commune: commune.clone(),
        name: described["name"].as_str().unwrap_or_default().to_owned(),
        languages: serde_json::from_value(described["languages"].clone()).unwrap_or_default(),
        public_origin: described["public_origin"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        branding: branding_of(Some(&described["branding"].to_string())),
    })
}

fn describe(conn: &Connection, commune: &Commune) -> anyhow::Result<Json> {
    let rows = db::query(
        conn,
        "SELECT name, languages, branding FROM communes WHERE id = ?",
        &[db::text(commune.as_str())],
    )?;
    let row = rows.rows.first().context("resolved commune has no row")?;
    let parse = |i: usize| -> Json {
        row.get::<&str>(i)
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Json::Null)
    };
    Ok(json!({
        "commune": commune.as_str(),
        "name": row.get::<&str>(0).unwrap_or_default(),
        "languages": parse(1),
        "branding": parse(2),
        "hosts": hosts_of(conn, commune)?,
        "public_origin": origin(conn, commune)?,
    }))
}

// ------------------------------------------------------------------------- platform API

const BRANDING: Shape = Shape::Object(&[
    Member::optional("primary_color", Shape::Text),
    Member::optional("logo_text", Shape::Text),
]);
const NEW_COMMUNE: Shape = Shape::Object(&[
    Member::required("id", Shape::Text),
    Member::required("name", Shape::Text),
    Member::required("hosts", Shape::List(&Shape::Text)),
    Member::optional("languages", Shape::List(&Shape::OneOf(LANGUAGES))),
    Member::optional("branding", BRANDING),
    Member::optional("public_origin", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCommune {
    id: String,
    name: String,
    hosts: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    branding: Option<Json>,
    #[serde(default)]
    public_origin: Option<String>,
}

/// The platform administrator, by the bearer secret of the Spin variable
/// `platform_admin_token` (secret; shorter than 16 characters, or empty, disables the platform
/// API): the shared caller's rule ([`Caller::platform`]).
pub(crate) fn authorize_platform(req: &Request) -> Result<Caller, ApiError> {
    let expected = spin_sdk::variables::get("platform_admin_token").unwrap_or_default();
    Caller::platform(req, &expected)
}

/// `POST /api/identity/communes` (platform administrator): creates a commune.
pub fn create(req: &Request) -> Result<Response, ApiError> {
    authorize_platform(req)?;
    let value = body::json(req, body::DEFAULT_MAX_JSON)?;
    let mut errors = Vec::new();
    shape::check(&value, &NEW_COMMUNE, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let new: NewCommune = serde_json::from_value(value)
        .map_err(|e| ApiError::field("body", "invalid", e.to_string()))?;
    if let Err(error) = Commune::parse(&new.id) {
        errors.push(FieldError::new("id", "invalid", error.to_string()));
    }
    let name = check_name(&new.name, &mut errors);
    let hosts = check_hosts(&new.hosts, &mut errors);
    let public_origin = match new.public_origin.as_deref() {
        Some(given) => check_origin(given, &mut errors),
        None => hosts
            .first()
            .and_then(|h| PublicOrigin::parse(&format!("https://{h}")).ok()),
    };
    let languages = if new.languages.is_empty() {
        vec!["fr".to_owned()]
    } else {
        new.languages
    };
    let branding = new.branding.unwrap_or_else(|| json!({}));
    check_branding(&branding, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let conn = context::open()?;
    // A fresh deployment's default commune exists before any other: it keeps its host names
    // and is not mistaken for "the only commune" of a new one.
    let existing = db::query(&conn, "SELECT 1 FROM communes LIMIT 1", &[])?;
    if existing.rows.is_empty() {
        seed_default(&conn)?;
    }
    db::transaction(&conn, |conn| {
        let taken = db::query(
            conn,
            "SELECT 1 FROM communes WHERE id = ?",
            &[db::text(new.id.as_str())],
        )?;
        if !taken.rows.is_empty() {
            return Ok(Err(ApiError::conflict(
                "id",
                "exists",
                "a commune with this id exists",
            )));
        }
        if let Some(host) = taken_host(conn, &hosts, &new.id)? {
            return Ok(Err(ApiError::conflict(
                "hosts",
                "taken",
                format!("{host} already serves a commune"),
            )));
        }
        insert(conn, &new.id, name, &hosts, &languages, &branding)?;
        if let Some(origin) = &public_origin {
            db::exec(
                conn,
                "UPDATE communes SET public_origin = ? WHERE id = ?",
                &[db::text(origin.0.as_str()), db::text(new.id.as_str())],
            )?;
        }
        Ok(Ok(()))
    })??;
    let commune =
        Commune::parse(&new.id).map_err(|e| ApiError::field("id", "invalid", e.to_string()))?;
    Ok(response::json(201, &describe(&conn, &commune)?))
}

/// The display name, trimmed: 1 to 100 characters.
fn check_name<'a>(given: &'a str, errors: &mut Vec<FieldError>) -> &'a str {
    let name = given.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "name",
            "invalid_length",
            "the name must have 1 to 100 characters",
        ));
    }
    name
}

/// The host names, lower-cased: 1 to 10, each a host name and nothing else.
fn check_hosts(given: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if given.is_empty() || given.len() > 10 {
        errors.push(FieldError::new(
            "hosts",
            "invalid_length",
            "give 1 to 10 host names",
        ));
    }
    let hosts: Vec<String> = given.iter().map(|h| h.trim().to_lowercase()).collect();
    for (i, host) in hosts.iter().enumerate() {
        let valid = guichet_guest::tenant::host_of(&format!("http://{host}/"))
            .is_some_and(|h| h.as_str() == host);
        if !valid {
            errors.push(FieldError::new(
                shape::index("hosts", i),
                "invalid",
                "not a host name",
            ));
        }
    }
    hosts
}

fn check_origin(given: &str, errors: &mut Vec<FieldError>) -> Option<PublicOrigin> {
    PublicOrigin::parse(given.trim())
        .map_err(|rule| errors.push(FieldError::new("public_origin", "invalid", rule)))
        .ok()
}

/// A primary colour `#RRGGBB` and a logo text of at most 60 characters (the portal picks the
/// text colour that contrasts with the primary colour: any colour is accepted).
fn check_branding(branding: &Json, errors: &mut Vec<FieldError>) {
    if let Some(color) = branding.get("primary_color").and_then(Json::as_str) {
        let ok = color.len() == 7
            && color.starts_with('#')
            && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            errors.push(FieldError::new(
                "branding.primary_color",
                "invalid",
                "use #RRGGBB",
            ));
        }
    }
    if branding
        .get("logo_text")
        .and_then(Json::as_str)
        .is_some_and(|t| t.chars().count() > 60)
    {
        errors.push(FieldError::new(
            "branding.logo_text",
            "too_long",
            "at most 60 characters",
        ));
    }
}

/// Host names already serving a commune other than `except`.
fn taken_host(conn: &Connection, hosts: &[String], except: &str) -> anyhow::Result<Option<String>> {
    let mut params: Vec<Value> = vec![db::text(except)];
    for host in hosts {
        params.push(db::text(host.as_str()));
    }
    let placeholders = vec!["?"; hosts.len()].join(",");
    let used = db::query(
        conn,
        &format!("SELECT host FROM commune_hosts WHERE commune <> ? AND host IN ({placeholders})"),
        &params,
    )?;
    Ok(db::first_text(&used))
}

const COMMUNE_CHANGE: Shape = Shape::Object(&[
    Member::optional("name", Shape::Text),
    Member::optional("hosts", Shape::List(&Shape::Text)),
    Member::optional("languages", Shape::List(&Shape::OneOf(LANGUAGES))),
    Member::optional("branding", BRANDING),
    Member::optional("public_origin", Shape::Text),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommuneChange {
    name: Option<String>,
    hosts: Option<Vec<String>>,
    languages: Option<Vec<String>>,
    branding: Option<Json>,
    public_origin: Option<String>,
}

/// `PATCH /api/identity/communes/{id}` (platform administrator): changes a commune's name,
/// host names (the list given replaces the old one), languages, public origin or branding;
/// what is not given stays. Other components keep their cached answer for a host name for up
/// to a minute (`guichet_guest::context::TTL_SECONDS`).
pub fn update(req: &Request, id: &str) -> Result<Response, ApiError> {
    authorize_platform(req)?;
    let commune = Commune::parse(id).map_err(|_| unknown())?;
    let value = body::json(req, body::DEFAULT_MAX_JSON)?;
    let mut errors = Vec::new();
    shape::check(&value, &COMMUNE_CHANGE, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let change: CommuneChange = serde_json::from_value(value)
        .map_err(|e| ApiError::field("body", "invalid", e.to_string()))?;
    let name = change.name.as_deref().map(|n| check_name(n, &mut errors).to_owned());
    let hosts = change.hosts.as_deref().map(|h| check_hosts(h, &mut errors));
    let origin = change.public_origin.as_deref().map(|o| check_origin(o, &mut errors));
    if change.languages.as_ref().is_some_and(Vec::is_empty) {
        errors.push(FieldError::new("languages", "invalid_length", "give at least one language"));
    }
    if let Some(branding) = &change.branding {
        check_branding(branding, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let conn = context::open()?;
    db::transaction(&conn, |conn| {
        let found = db::query(conn, "SELECT 1 FROM communes WHERE id = ?", &[db::text(commune.as_str())])?;
        if found.rows.is_empty() {
            return Ok(Err(unknown()));
        }
        if let Some(hosts) = &hosts {
            if let Some(host) = taken_host(conn, hosts, commune.as_str())? {
                return Ok(Err(ApiError::conflict(
                    "hosts",
                    "taken",
                    format!("{host} already serves another commune"),
                )));
            }
            db::exec(conn, "DELETE FROM commune_hosts WHERE commune = ?", &[db::text(commune.as_str())])?;
            for host in hosts {
                db::exec(
                    conn,
                    "INSERT INTO commune_hosts (host, commune) VALUES (?, ?)",
                    &[db::text(host.as_str()), db::text(commune.as_str())],
                )?;
            }
        }
        if let Some(name) = &name {
            db::exec(conn, "UPDATE communes SET name = ? WHERE id = ?", &[db::text(name.as_str()), db::text(commune.as_str())])?;
        }
        if let Some(languages) = &change.languages {
            db::exec(
                conn,
                "UPDATE communes SET languages = ? WHERE id = ?",
                &[db::text(serde_json::to_string(languages)?), db::text(commune.as_str())],
            )?;
        }
        if let Some(branding) = &change.branding {
            db::exec(
                conn,
                "UPDATE communes SET branding = ? WHERE id = ?",
                &[db::text(branding.to_string()), db::text(commune.as_str())],
            )?;
        }
        if let Some(Some(origin)) = &origin {
            db::exec(
                conn,
                "UPDATE communes SET public_origin = ? WHERE id = ?",
                &[db::text(origin.0.as_str()), db::text(commune.as_str())],
            )?;
        }
        Ok(Ok(()))
    })??;
    Ok(response::json(200, &describe(&conn, &commune)?))
}

// ------------------------------------------------------------------------- the commune's own

const OWN_BRANDING: Shape = Shape::Object(&[
    Member::nullable("primary_color", Shape::Text),
    Member::nullable("logo_text", Shape::Text),
]);

/// `PUT /api/identity/branding` (an administrator of the commune served)
/// `{"primary_color": "#RRGGBB"|null, "logo_text": text|null}`: replaces the commune's
/// branding and nothing else of it (a member absent, null or blank is removed) → 200 the
/// commune as `GET /api/identity/commune` shows it. The least a commune's administrator needs
/// to change its look: host names, origin and languages stay the platform administrator's
/// (`PATCH /api/identity/communes/{id}`). Recorded in the evidence log (`branding-changed`).
pub async fn put_branding(req: &Request, ctx: &context::Ctx<'_>) -> Result<Response, ApiError> {
    let caller = crate::auth::caller(ctx)?;
    caller.require(crate::auth::Role::Admin)?;
    let value = body::json(req, body::DEFAULT_MAX_JSON)?;
    let mut errors = Vec::new();
    shape::check(&value, &OWN_BRANDING, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let mut branding = serde_json::Map::new();
    for key in ["primary_color", "logo_text"] {
        if let Some(text) = value.get(key).and_then(Json::as_str).map(str::trim).filter(|t| !t.is_empty()) {
            branding.insert(key.to_owned(), json!(text));
        }
    }
    let branding = Json::Object(branding);
    check_branding(&branding, &mut errors);
    if !errors.is_empty() {
        // This route's members are the branding's own: no `branding.` prefix.
        for error in &mut errors {
            error.field = error.field.take().map(|f| f.trim_start_matches("branding.").to_owned());
        }
        return Err(ApiError::BadRequest { errors });
    }
    let commune = ctx.commune();
    let detail = |key: &str| branding.get(key).and_then(Json::as_str).unwrap_or_default().to_owned();
    db::transaction(ctx.conn(), |conn| {
        db::exec(
            conn,
            "UPDATE communes SET branding = ? WHERE id = ?",
            &[db::text(branding.to_string()), db::text(commune.as_str())],
        )?;
        let event = evidence::event(
            conn,
            commune,
            evidence_log::SOURCE,
            "branding-changed",
            caller.account(),
            commune.as_str(),
            &[("primary_color", &detail("primary_color")), ("logo_text", &detail("logo_text"))],
        )?;
        evidence::enqueue(conn, &event)
    })?;
    evidence::flush(ctx.conn(), commune).await;
    Ok(response::json(200, &describe(ctx.conn(), commune)?))
}

/// `GET /api/identity/communes` (platform administrator).
pub fn list(req: &Request) -> Result<Response, ApiError> {
    authorize_platform(req)?;
    let conn = context::open()?;
    let rows = db::query(&conn, "SELECT id FROM communes ORDER BY id", &[])?;
    let mut communes = Vec::new();
    for row in &rows.rows {
        let id =
            Commune::parse(row.get::<&str>(0).unwrap_or_default()).context("stored commune id")?;
        communes.push(describe(&conn, &id)?);
    }
    Ok(response::json(200, &json!({ "communes": communes })))
}

#[cfg(test)]
mod tests {
    use super::PublicOrigin;

    #[test]
    fn a_public_origin_is_https_or_loopback_http_without_path_or_credentials() {
        let ok = |text: &str| PublicOrigin::parse(text).map(|o| o.0);
        assert_eq!(
            ok("https://Mairie.Example.fr/"),
            Ok("https://mairie.example.fr".to_owned())
        );
        assert_eq!(
            ok("https://mairie.example.fr:8443"),
            Ok("https://mairie.example.fr:8443".to_owned())
        );
        assert_eq!(
            ok("http://127.0.0.1:3000"),
            Ok("http://127.0.0.1:3000".to_owned())
        );
        assert_eq!(
            ok("http://autre.localhost:3000"),
            Ok("http://autre.localhost:3000".to_owned())
        );
        assert_eq!(ok("http://[::1]:3000"), Ok("http://[::1]:3000".to_owned()));
        for bad in [
            "http://mairie.example.fr",
            "https://mairie.example.fr/guichet",
            "https://u@mairie.example.fr",
            "https://mairie.example.fr?x",
            "https://mairie.example.fr#x",
            "mairie.example.fr",
            "ftp://mairie.example.fr",
            "",
        ] {
            assert!(PublicOrigin::parse(bad).is_err(), "{bad}");
        }
    }
}
