//! The OpenID providers of a commune, as its administrator configures them.
//!
//! Routes (bearer access token with role `admin` of the commune, except the public list):
//!
//! - `POST /api/identity/oidc-providers` `{"id","name","issuer","client_id","client_secret",
//!   "scopes"?,"acr_values"?,"token_endpoint_auth_method"?}` → `201` with the provider (without
//!   its secret) and the `redirect_uri` to register at the provider. The discovery document is
//!   fetched first: a provider that cannot be reached, whose `issuer` differs, that lacks PKCE
//!   S256 or the requested `acr_values` is refused (`400`, field `issuer` or `acr_values`).
//!   `409` when the id or the issuer is already configured.
//! - `GET /api/identity/oidc-providers` → `{"providers":[..]}`, `GET .../{id}` → one; never the
//!   client secret.
//! - `DELETE /api/identity/oidc-providers/{id}` → `204` (accounts keep their links: they name
//!   the issuer, and a provider configured again with the same issuer finds them).
//! - `GET /api/identity/oidc-providers/public` (no token) → `{"providers":[{"id","name",
//!   "start_url"}]}` for the sign-in page.
//!
//! `acr_values` are the authentication levels accepted, in order of preference: they are sent
//! as the `acr_values` request parameter and the ID token's `acr` must be one of them (so
//! `["eidas2","eidas3"]` refuses a sign-in at `eidas1`). Empty: no level asked or checked.
//!
//! The client secret is stored as given (the token endpoint needs it in clear); it is never
//! returned nor logged.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};
use url::Url;

use super::{destination, discovery};
use crate::auth;
use crate::context::Ctx;

/// Path of the callback every provider redirects to, below the commune's origin.
pub const CALLBACK_PATH: &str = "/account/oidc/callback";
/// Scopes asked when the administrator names none.
const DEFAULT_SCOPES: &[&str] = &["openid", "email", "profile"];
const MAX_NAME: usize = 100;
const MAX_ISSUER: usize = 255;
const MAX_CLIENT_ID: usize = 255;
const MAX_CLIENT_SECRET: usize = 1024;
const MAX_TOKENS: usize = 20;
const MAX_TOKEN: usize = 100;

/// How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `client_id` and `client_secret` in the form body (FranceConnect's way).
    Post,
    /// HTTP Basic with the form-encoded id and secret.
    Basic,
}

impl AuthMethod {
    pub const NAMES: &'static [&'static str] = &["client_secret_post", "client_secret_basic"];

    fn parse(text: &str) -> Option<AuthMethod> {
        match text {
            "client_secret_post" => Some(AuthMethod::Post),
            "client_secret_basic" => Some(AuthMethod::Basic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Post => "client_secret_post",
            AuthMethod::Basic => "client_secret_basic",
        }
    }
}

/// A provider's identifier in the commune: 1-40 of `a-z 0-9 -`, starting with a letter or
/// digit (it appears in URLs: `/account/oidc/{id}/start`). `public` is reserved (a route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderId(String);

impl ProviderId {
    pub fn parse(text: &str) -> Result<ProviderId, &'static str> {
        let ok = !text.is_empty()
            && text.len() <= 40
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-');
        if !ok {
            return Err("1 to 40 lowercase letters, digits or '-', not starting with '-'");
        }
        if text == "public" {
            return Err("`public` is reserved");
        }
        Ok(ProviderId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A provider's issuer identifier, kept exactly as given (OpenID Connect compares issuers as
/// strings): an `https` URL without query or fragment, or `http` on a loopback address (a
/// provider on the same machine, for development and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(String, Url);

impl Issuer {
    pub fn parse(text: &str) -> Result<Issuer, &'static str> {
        if text.is_empty() || text.len() > MAX_ISSUER || text.trim() != text {
            return Err("an https URL of at most 255 characters");
        }
        let url = Url::parse(text).map_err(|_| "an https URL")?;
        if !secure_enough(&url) {
            return Err("an https URL (http only on 127.0.0.1, ::1 or localhost)");
        }
        if url.query().is_some() || url.fragment().is_some() || text.contains(['?', '#']) {
            return Err("an issuer has no query and no fragment");
        }
        Ok(Issuer(text.to_owned(), url))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn url(&self) -> &Url {
        &self.1
    }

    /// `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery §4).
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.0.trim_end_matches('/')
        )
    }
}

/// Whether `url` may carry secrets: https, or http to this very machine; never with
/// credentials in the URL. Where the URL may point is [`super::destination`]'s rule, checked
/// when the administrator gives the issuer and before every request.
pub fn secure_enough(url: &Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => return false,
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    scheme_ok && url.username().is_empty() && url.password().is_none()
}

/// A configured provider.
#[derive(Clone)]
pub struct Provider {
    pub id: ProviderId,
    pub name: String,
    pub issuer: Issuer,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// Accepted `acr` values, in order of preference; empty: any.
    pub acr_values: Vec<String>,
    pub auth_method: AuthMethod,
    pub created_at: String,
}

/// Without the secret, so that a stray `{:?}` cannot log it.
impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// What the administration API shows (never the secret).
    fn view(&self, origin: &str) -> Json {
        json!({
            "id": self.id.as_str(),
            "name": self.name,
            "issuer": self.issuer.as_str(),
            "client_id": self.client_id,
            "scopes": self.scopes,
            "acr_values": self.acr_values,
            "token_endpoint_auth_method": self.auth_method.name(),
            "redirect_uri": format!("{origin}{CALLBACK_PATH}"),
            "created_at": self.created_at,
        })
    }
}

const COLUMNS: &str =
    "id, name, issuer, client_id, client_secret, scopes, acr_values, token_auth_method, created_at";

fn provider_of(row: &db::RowResult) -> anyhow::Result<Provider> {
    let text = |i: usize| row.get::<&str>(i).unwrap_or_default().to_owned();
    let list = |i: usize| -> anyhow::Result<Vec<String>> {
        serde_json::from_str(row.get::<&str>(i).unwrap_or("[]")).context("stored list")
    };
    Ok(Provider {
        id: ProviderId::parse(&text(0))
            .map_err(anyhow::Error::msg)
            .context("stored provider id")?,
        name: text(1),
        issuer: Issuer::parse(&text(2))
            .map_err(anyhow::Error::msg)
            .context("stored issuer")?,
        client_id: text(3),
        client_secret: text(4),
        scopes: list(5)?,
        acr_values: list(6)?,
        auth_method: AuthMethod::parse(&text(7)).context("stored token_auth_method")?,
        created_at: text(8),
    })
}

/// The provider `id` of `commune`, if configured.
pub fn load(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Option<Provider>> {
    let rows = db::query(
        conn,
        &format!("SELECT {COLUMNS} FROM oidc_providers WHERE commune = ? AND id = ?"),
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    rows.rows.first().map(provider_of).transpose()
}

fn load_all(conn: &Connection, commune: &Commune) -> anyhow::Result<Vec<Provider>> {
    let rows = db::query(
        conn,
        &format!("SELECT {COLUMNS} FROM oidc_providers WHERE commune = ? ORDER BY name, id"),
        &[db::text(commune.as_str())],
    )?;
    rows.rows.iter().map(provider_of).collect()
}

// ------------------------------------------------------------------------------- routes

const NEW_PROVIDER: Shape = Shape::Object(&[
    Member::required("id", Shape::Text),
    Member::required("name", Shape::Text),
    Member::required("issuer", Shape::Text),
    Member::required("client_id", Shape::Text),
    Member::required("client_secret", Shape::Text),
    Member::optional("scopes", Shape::List(&Shape::Text)),
    Member::optional("acr_values", Shape::List(&Shape::Text)),
    Member::optional(
        "token_endpoint_auth_method",
        Shape::OneOf(AuthMethod::NAMES),
    ),
]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewProvider {
    id: String,
    name: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: Option<Vec<String>>,
    #[serde(default)]
    acr_values: Vec<String>,
    token_endpoint_auth_method: Option<String>,
}

/// `POST /api/identity/oidc-providers`.
pub async fn create(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    auth::caller(ctx)?.require(auth::Role::Admin)?;
    let form: NewProvider = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &NEW_PROVIDER)?;
    let provider = checked(form)?;
    if let Some(reason) = destination::refusal(provider.issuer.url()) {
        return Err(ApiError::field("issuer", "not_allowed", reason));
    }
    // What the provider answered (status, body, address) stays in the log: the answer must not
    // turn this route into a way to read internal services.
    let document = discovery::fetch(&provider.issuer).await.map_err(|error| {
        eprintln!("identity: discovery of a new oidc provider of {} failed: {error:#}", ctx.commune());
        ApiError::field(
            "issuer",
            "discovery_failed",
            "the provider's discovery document could not be fetched, or is not a valid one for this issuer",
        )
    })?;
    let mut errors = Vec::new();
    if !document.supports_s256() {
        errors.push(FieldError::new(
            "issuer",
            "pkce_unsupported",
            "the provider does not offer PKCE with S256",
        ));
    }
    for (i, value) in provider.acr_values.iter().enumerate() {
        if !document.supports_acr(value) {
            errors.push(FieldError::new(
                format!("acr_values[{i}]"),
                "unsupported",
                "the provider does not list this value in acr_values_supported",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let created = db::transaction(ctx.conn(), |conn| insert(conn, ctx.commune(), &provider))?;
    let provider = created.map_err(|field| {
        ApiError::conflict(
            field,
            "taken",
            format!("a provider with this {field} is already configured"),
        )
    })?;
    Ok(response::json(201, &provider.view(ctx.public_origin())))
}

/// Every field error of the request at once, or the provider it describes.
fn checked(form: NewProvider) -> Result<Provider, ApiError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, code: &str, message: &str| {
        errors.push(FieldError::new(field, code, message));
    };
    let id = ProviderId::parse(&form.id)
        .map_err(|m| fail("id", "invalid", m))
        .ok();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        fail(
            "name",
            "invalid",
            "1 to 100 characters, no control characters",
        );
    }
    let issuer = Issuer::parse(&form.issuer)
        .map_err(|m| fail("issuer", "invalid", m))
        .ok();
    if !vschar(&form.client_id, MAX_CLIENT_ID) {
        fail(
            "client_id",
            "invalid",
            "1 to 255 printable ASCII characters, no space at either end",
        );
    }
    if !vschar(&form.client_secret, MAX_CLIENT_SECRET) {
        fail(
            "client_secret",
            "invalid",
            "1 to 1024 printable ASCII characters, no space at either end",
        );
    }
    let scopes = form
        .scopes
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect());
    if !scopes.iter().any(|s| s == "openid") {
        fail(
            "scopes",
            "openid_missing",
            "the scopes must include `openid`",
        );
    }
    check_tokens(&scopes, "scopes", &mut errors);
    check_tokens(&form.acr_values, "acr_values", &mut errors);
    let auth_method = form
        .token_endpoint_auth_method
        .as_deref()
        .map_or(Some(AuthMethod::Post), AuthMethod::parse);
    match (id, issuer, auth_method, errors.is_empty()) {
        (Some(id), Some(issuer), Some(auth_method), true) => Ok(Provider {
            id,
            name,
            issuer,
            client_id: form.client_id,
            client_secret: form.client_secret,
            scopes: dedup(scopes),
            acr_values: dedup(form.acr_values),
            auth_method,
            created_at: String::new(),
        }),
        _ => Err(ApiError::BadRequest { errors }),
    }
}

/// 1 to `max` visible ASCII characters, no space.
fn printable(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_graphic())
}

/// A client id or secret: 1 to `max` of RFC 6749's VSCHAR (printable ASCII and space), but
/// no space at either end (that is always a copy-and-paste mistake).
fn vschar(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text.trim() == text
        && text.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Scope and acr values: space-separated tokens on the wire, so each is printable without
/// spaces or quotes (RFC 6749 §3.3).
fn check_tokens(values: &[String], field: &str, errors: &mut Vec<FieldError>) {
    if values.len() > MAX_TOKENS {
        errors.push(FieldError::new(
            field,
            "too_many",
            format!("at most {MAX_TOKENS} values"),
        ));
    }
    for (i, value) in values.iter().enumerate() {
        if value.len() > MAX_TOKEN || !printable(value, MAX_TOKEN) || value.contains(['"', '\\']) {
            errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "invalid",
                "1 to 100 printable ASCII characters, no space, quote or backslash",
            ));
        }
    }
}

fn dedup(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// Inserts `provider`, or names the field that conflicts (`id` or `issuer`).
fn insert(
    conn: &Connection,
    commune: &Commune,
    provider: &Provider,
) -> anyhow::Result<Result<Provider, &'static str>> {
    let taken = |column: &str, value: &str| -> anyhow::Result<bool> {
        let rows = db::query(
            conn,
            &format!("SELECT 1 FROM oidc_providers WHERE commune = ? AND {column} = ?"),
            &[db::text(commune.as_str()), db::text(value)],
        )?;
        Ok(!rows.rows.is_empty())
    };
    if taken("id", provider.id.as_str())? {
        return Ok(Err("id"));
    }
    if taken("issuer", provider.issuer.as_str())? {
        return Ok(Err("issuer"));
    }
    let (_, now) = db::new_id_and_now(conn)?;
    db::exec(
        conn,
        "INSERT INTO oidc_providers (commune, id, name, issuer, client_id, client_secret, scopes, \
         acr_values, token_auth_method, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::text(provider.id.as_str()),
            db::text(provider.name.as_str()),
            db::text(provider.issuer.as_str()),
            db::text(provider.client_id.as_str()),
            db::text(provider.client_secret.as_str()),
            db::text(serde_json::to_string(&provider.scopes)?),
            db::text(serde_json::to_string(&provider.acr_values)?),
            db::text(provider.auth_method.name()),
            db::text(now.as_str()),
        ],
    )?;
    Ok(Ok(Provider {
        created_at: now,
        ..provider.clone()
    }))
}

/// `GET /api/identity/oidc-providers`.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    auth::caller(ctx)?.require(auth::Role::Admin)?;
    let providers: Vec<Json> = load_all(ctx.conn(), ctx.commune())?
        .iter()
        .map(|p| p.view(ctx.public_origin()))
        .collect();
    Ok(response::json(200, &json!({ "providers": providers })))
}

/// `GET /api/identity/oidc-providers/{id}`.
pub fn show(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    auth::caller(ctx)?.require(auth::Role::Admin)?;
    let provider = load(ctx.conn(), ctx.commune(), id)?.ok_or(ApiError::NotFound)?;
    Ok(response::json(200, &provider.view(ctx.public_origin())))
}

/// `DELETE /api/identity/oidc-providers/{id}`: the provider and its sign-ins in progress.
pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    auth::caller(ctx)?.require(auth::Role::Admin)?;
    let found = db::transaction(ctx.conn(), |conn| {
        let params = [db::text(ctx.commune().as_str()), db::text(id)];
        let rows = db::query(
            conn,
            "SELECT 1 FROM oidc_providers WHERE commune = ? AND id = ?",
            &params,
        )?;
        if rows.rows.is_empty() {
            return Ok(false);
        }
        db::exec(
            conn,
            "DELETE FROM oidc_providers WHERE commune = ? AND id = ?",
            &params,
        )?;
        db::exec(
            conn,
            "DELETE FROM oidc_pending WHERE commune = ? AND provider = ?",
            &params,
        )?;
        Ok(true)
    })?;
    if !found {
        return Err(ApiError::NotFound);
    }
    let mut response = Response::builder();
    response.status(204).header("cache-control", "no-store");
    Ok(response.build())
}

/// A provider as the sign-in pages offer it: what anyone may see (no issuer, no client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub id: ProviderId,
    /// As the administrator wrote it: text, to escape wherever it is shown.
    pub name: String,
}

impl Offered {
    /// The path that starts a sign-in (or, with a session, a linking) with this provider.
    pub fn start_path(&self) -> String {
        format!("/account/oidc/{}/start", self.id.as_str())
    }
}

/// The providers `commune` offers, by name: the public list of the JSON API and of the
/// account pages alike.
pub fn offered(conn: &Connection, commune: &Commune) -> anyhow::Result<Vec<Offered>> {
    Ok(load_all(conn, commune)?
        .into_iter()
        .map(|p| Offered {
            id: p.id,
            name: p.name,
        })
        .collect())
}

/// `GET /api/identity/oidc-providers/public`: what the sign-in page offers.
pub fn public_list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let providers: Vec<Json> = offered(ctx.conn(), ctx.commune())?
        .iter()
        .map(|p| json!({ "id": p.id.as_str(), "name": p.name, "start_url": p.start_path() }))
        .collect();
    Ok(response::json(200, &json!({ "providers": providers })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_ids_are_url_safe_slugs_and_public_is_reserved() {
        assert!(ProviderId::parse("franceconnect").is_ok());
        assert!(ProviderId::parse("fc-2").is_ok());
        assert!(ProviderId::parse("").is_err());
        assert!(ProviderId::parse("-fc").is_err());
        assert!(ProviderId::parse("FC").is_err());
        assert!(ProviderId::parse("a/b").is_err());
        assert!(ProviderId::parse(&"a".repeat(41)).is_err());
        assert!(ProviderId::parse("public").is_err());
    }

    #[test]
    fn an_issuer_is_https_or_loopback_http_without_query_fragment_or_credentials() {
        assert!(Issuer::parse("https://fcp.integ01.dev-franceconnect.fr/api/v1").is_ok());
        assert!(Issuer::parse("http://127.0.0.1:4567").is_ok());
        assert!(Issuer::parse("http://localhost:4567").is_ok());
        assert!(Issuer::parse("http://[::1]:4567").is_ok());
        assert!(Issuer::parse("http://provider.example.org").is_err());
        assert!(Issuer::parse("https://provider.example.org?x=1").is_err());
        assert!(Issuer::parse("https://provider.example.org#x").is_err());
        assert!(Issuer::parse("https://user:pw@provider.example.org").is_err());
        assert!(Issuer::parse(" https://provider.example.org").is_err());
        assert!(Issuer::parse("ftp://provider.example.org").is_err());
        assert!(Issuer::parse("provider.example.org").is_err());
    }

    #[test]
    fn the_discovery_url_follows_the_issuer_path_without_doubling_the_slash() {
        let with_path = Issuer::parse("https://op.example.org/api/v1").expect("issuer");
        assert_eq!(
            with_path.discovery_url(),
            "https://op.example.org/api/v1/.well-known/openid-configuration"
        );
        let with_slash = Issuer::parse("https://op.example.org/").expect("issuer");
        assert_eq!(
            with_slash.discovery_url(),
            "https://op.example.org/.well-known/openid-configuration"
        );
    }

    fn form(value: Json) -> NewProvider {
        serde_json::from_value(value).expect("form")
    }

    fn fields(result: Result<Provider, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::BadRequest { errors }) => {
                errors.into_iter().filter_map(|e| e.field).collect()
            }
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn every_invalid_field_of_a_new_provider_is_named_at_once() {
        let found = fields(checked(form(json!({
            "id": "Bad Id", "name": "", "issuer": "http://op.example.org", "client_id": " leading space",
            "client_secret": "", "scopes": ["email"], "acr_values": ["eidas 1"],
        }))));
        assert_eq!(
            found,
            [
                "id",
                "name",
                "issuer",
                "client_id",
                "client_secret",
                "scopes",
                "acr_values[0]"
            ]
        );
    }

    #[test]
    fn a_new_provider_gets_default_scopes_and_post_authentication() {
        let provider = checked(form(json!({
            "id": "fc", "name": " FranceConnect ", "issuer": "https://op.example.org",
            "client_id": "guichet", "client_secret": "s3cret", "acr_values": ["eidas2", "eidas2"],
        })))
        .expect("valid");
        assert_eq!(provider.name, "FranceConnect");
        assert_eq!(provider.scopes, ["openid", "email", "profile"]);
        assert_eq!(provider.acr_values, ["eidas2"]);
        assert_eq!(provider.auth_method, AuthMethod::Post);
    }
}
