//! The browser's side of an external sign-in (authorization code flow, OpenID Connect Core
//! §3.1, with PKCE S256 as RFC 9700 asks of every client).
//!
//! - `GET /account/oidc/{provider}/start[?lang=en]`: fetches the provider's discovery
//!   document, records the sign-in ([`pending`]), sets the binding cookie and answers `303` to
//!   the provider's authorization endpoint with `response_type=code`, `client_id`,
//!   `redirect_uri` (`{origin}/account/oidc/callback`), `scope`, `state`, `nonce`,
//!   `code_challenge` (S256) and `acr_values` when the provider requires a level. A person
//!   signed in at that moment links the external identity to their account.
//! - `GET /account/oidc/callback?code&state[&iss]` (or `?error&state`): takes the sign-in back
//!   (once, 10 minutes, same browser), checks `iss` (RFC 9207), exchanges the code with the
//!   PKCE verifier, validates the ID token ([`id_token`]), completes it from userinfo when it
//!   has no e-mail, finds or creates the account ([`link`]), opens a browser session
//!   (`crate::web::sessions::start`, a new session id) and answers `303 /account`.
//!
//! Any refusal is an HTML page ([`pages`]) and leaves nothing linked or signed in.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use guichet_guest::query::Query;
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

use super::config::{self, AuthMethod, Provider, CALLBACK_PATH};
use super::discovery::{self, Document};
use super::id_token::{self, Expected};
use super::link;
use super::pages::{self, Problem};
use super::pending::{self, Pending};
use super::userinfo;
use crate::context::Ctx;
use crate::throttle::{unix_now, Limit, Throttle};
use crate::web::i18n::Lang;
use crate::web::sessions;

/// Sign-ins started from one client address: each costs a request to the provider.
const STARTS_PER_CLIENT: Limit = Limit {
    scope: "oidc-start",
    max: 30,
    window: 600,
};
/// Longest authorization code accepted.
const MAX_CODE: usize = 2048;

/// `GET /account/oidc/{provider}/start`.
pub async fn start(req: &Request, ctx: &Ctx<'_>, provider: &str) -> Response {
    let lang = Lang::asked(req).unwrap_or(Lang::Fr);
    match begin(req, ctx, provider, lang).await {
        Ok(response) => response,
        Err(problem) => {
            log(ctx, provider, &problem, None);
            pages::problem(
                ctx,
                lang,
                &format!("/account/oidc/{provider}/start"),
                problem,
            )
        }
    }
}

async fn begin(req: &Request, ctx: &Ctx<'_>, id: &str, lang: Lang) -> Result<Response, Problem> {
    let throttle = Throttle::open(ctx.commune())?;
    throttle.check(STARTS_PER_CLIENT, ctx.client_key())?;
    let provider = config::load(ctx.conn(), ctx.commune(), id)?.ok_or(Problem::UnknownProvider)?;
    throttle.hit(STARTS_PER_CLIENT, ctx.client_key())?;
    let document = discovered(ctx, &provider).await?;
    if !document.supports_s256() {
        eprintln!(
            "identity: oidc provider {id} of {} no longer offers PKCE S256",
            ctx.commune()
        );
        return Err(Problem::Unavailable);
    }
    let signed_in = sessions::current(req, ctx)?.and_then(|s| s.account_id);
    let redirect_uri = format!("{}{CALLBACK_PATH}", ctx.public_origin());
    let started = pending::start(
        ctx.conn(),
        ctx.commune(),
        id,
        signed_in.as_deref(),
        &redirect_uri,
        lang.code(),
    )?;
    let mut url = document.authorization_endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &provider.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", &provider.scopes.join(" "))
            .append_pair("state", &started.state)
            .append_pair("nonce", &started.nonce)
            .append_pair("code_challenge", &started.code_challenge)
            .append_pair("code_challenge_method", "S256");
        if !provider.acr_values.is_empty() {
            query.append_pair("acr_values", &provider.acr_values.join(" "));
        }
        if lang == Lang::En {
            query.append_pair("ui_locales", "en");
        }
    }
    Ok(see_other(url.as_str(), &started.cookie))
}

/// `GET /account/oidc/callback`.
pub async fn callback(req: &Request, ctx: &Ctx<'_>) -> Response {
    let query = Query::of(req);
    let state = query.get("state").unwrap_or_default();
    let pending = match pending::take(ctx.conn(), ctx.commune(), req, state) {
        Ok(Ok(pending)) => pending,
        Ok(Err(stale)) => {
            log(ctx, "?", &Problem::Failed, Some(&stale.to_string()));
            return pages::problem(ctx, Lang::Fr, CALLBACK_PATH, Problem::Failed);
        }
        Err(error) => {
            return pages::problem(ctx, Lang::Fr, CALLBACK_PATH, Problem::Internal(error))
        }
    };
    let lang = Lang::parse(&pending.language).unwrap_or(Lang::Fr);
    let provider = pending.provider.clone();
    match finish(req, ctx, &query, pending).await {
        Ok(response) => response,
        Err((problem, reason)) => {
            log(ctx, &provider, &problem, reason.as_deref());
            pages::problem(ctx, lang, CALLBACK_PATH, problem)
        }
    }
}

/// A refusal and its reason for the log.
type Refusal = (Problem, Option<String>);

fn refused(reason: impl ToString) -> Refusal {
    (Problem::Failed, Some(reason.to_string()))
}

fn plain(problem: impl Into<Problem>) -> Refusal {
    (problem.into(), None)
}

async fn finish(
    req: &Request,
    ctx: &Ctx<'_>,
    query: &Query,
    pending: Pending,
) -> Result<Response, Refusal> {
    if let Some(error) = query.get("error") {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        let problem = if error == "access_denied" {
            Problem::Cancelled
        } else {
            Problem::Failed
        };
        return Err((problem, Some(format!("provider_error {error}"))));
    }
    let provider = config::load(ctx.conn(), ctx.commune(), &pending.provider)
        .map_err(plain)?
        .ok_or_else(|| refused("provider_removed"))?;
    let document = discovered(ctx, &provider).await.map_err(plain)?;
    match query.get("iss") {
        Some(iss) if iss != provider.issuer.as_str() => return Err(refused("iss_mismatch")),
        None if document.iss_parameter_supported => return Err(refused("iss_missing")),
        _ => {}
    }
    let code = query
        .non_empty("code")
        .filter(|code| code.len() <= MAX_CODE)
        .ok_or_else(|| refused("code_missing"))?;
    let tokens = exchange(&provider, &document, code, &pending).await?;
    let keys = discovery::keys(&document)
        .await
        .map_err(|e| (Problem::Unavailable, Some(format!("{e:#}"))))?;
    let now = unix_now();
    let expected = Expected {
        issuer: provider.issuer.as_str(),
        client_id: &provider.client_id,
        nonce_digest: &pending.nonce_digest,
        acr_values: &provider.acr_values,
        now,
    };
    let identity = id_token::validate(&tokens.id_token, &keys, &expected)
        .map_err(|reason| refused(format!("id_token {reason}")))?;
    let identity = userinfo::complete(
        identity,
        &document,
        tokens.access_token.as_deref(),
        &keys,
        provider.issuer.as_str(),
        &provider.client_id,
        now,
    )
    .await
    .map_err(refused)?;

    // Linking to the account signed in at the start needs that very session still.
    let session = sessions::current(req, ctx).map_err(plain)?;
    let signed_in = match &pending.link_to_account {
        Some(account) if session.as_ref().and_then(|s| s.account()) != Some(account.as_str()) => {
            return Err(refused("session_changed"));
        }
        other => other.as_deref(),
    };
    let account = link::resolve(
        ctx.conn(),
        ctx.commune(),
        provider.issuer.as_str(),
        &identity,
        signed_in,
        &pending.language,
    )
    .map_err(plain)?
    .map_err(|not| (Problem::NotLinked(not), None))?;
    let cookie = sessions::start(req, ctx, &account).map_err(plain)?;
    Ok(see_other("/account", &cookie))
}

/// What the token endpoint answered that Guichet uses.
#[derive(Deserialize)]
struct Tokens {
    id_token: String,
    #[serde(default)]
    access_token: Option<String>,
}

/// The error code of a token endpoint's refusal (RFC 6749 §5.2), for the log.
#[derive(Deserialize)]
struct TokenError {
    #[serde(default)]
    error: String,
}

/// Exchanges `code` at the token endpoint, authenticated as the provider's client.
async fn exchange(
    provider: &Provider,
    document: &Document,
    code: &str,
    pending: &Pending,
) -> Result<Tokens, Refusal> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &pending.redirect_uri)
        .append_pair("code_verifier", &pending.code_verifier);
    let mut authorization = None;
    match provider.auth_method {
        AuthMethod::Post => {
            form.append_pair("client_id", &provider.client_id)
                .append_pair("client_secret", &provider.client_secret);
        }
        AuthMethod::Basic => {
            // RFC 6749 §2.3.1: each part form-encoded before the Basic encoding.
            let id: String =
                form_urlencoded::byte_serialize(provider.client_id.as_bytes()).collect();
            let secret: String =
                form_urlencoded::byte_serialize(provider.client_secret.as_bytes()).collect();
            authorization = Some(format!(
                "Basic {}",
                STANDARD.encode(format!("{id}:{secret}"))
            ));
        }
    }
    let headers: Vec<(&str, &str)> = authorization
        .iter()
        .map(|a| ("authorization", a.as_str()))
        .collect();
    let answer = super::fetch::post_form(document.token_endpoint.as_str(), &headers, form.finish())
        .await
        .map_err(|e| (Problem::Unavailable, Some(format!("token endpoint: {e:#}"))))?;
    if answer.status != 200 {
        let error = serde_json::from_slice::<TokenError>(&answer.body)
            .map(|e| e.error)
            .unwrap_or_default();
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        return Err(refused(format!(
            "token endpoint answered {} {error}",
            answer.status
        )));
    }
    serde_json::from_slice(&answer.body).map_err(|_| refused("token answer without id_token"))
}

/// The provider's discovery document, or 502 (logged).
async fn discovered(ctx: &Ctx<'_>, provider: &Provider) -> Result<Document, Problem> {
    discovery::fetch(&provider.issuer).await.map_err(|error| {
        eprintln!(
            "identity: oidc provider {} of {}: {error:#}",
            provider.id.as_str(),
            ctx.commune()
        );
        Problem::Unavailable
    })
}

/// `303 See Other` to `location`, setting `cookie`.
fn see_other(location: &str, cookie: &str) -> Response {
    let mut builder = Response::builder();
    builder
        .status(303)
        .header("location", location)
        .header("set-cookie", cookie)
        .header("cache-control", "no-store");
    builder.build()
}

/// One line per refused sign-in: commune, provider and reason codes; never a token, a code
/// or personal data.
fn log(ctx: &Ctx<'_>, provider: &str, problem: &Problem, reason: Option<&str>) {
    if matches!(problem, Problem::Internal(_)) {
        return; // logged in full by the page
    }
    let provider: String = provider
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    eprintln!(
        "identity: oidc sign-in refused (commune {}, provider {provider}): {problem:?}{}",
        ctx.commune(),
        reason.map(|r| format!(" ({r})")).unwrap_or_default()
    );
}
