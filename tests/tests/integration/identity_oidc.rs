//! External sign-in with OpenID Connect, against a real provider: the npm `oidc-provider`
//! library started by `tests/node/oidc-provider.mjs` on a free port, one per test, with a
//! fresh signing key. Guichet reaches it over HTTP (`oidc_allowed_hosts` set to
//! `http://127.0.0.1:*`), and the test plays the browser: every redirect followed by hand,
//! one cookie jar for the host 127.0.0.1 (browsers do not separate cookies by port, so the
//! provider's and Guichet's cookies share it as they would in a browser).
//!
//! What the provider cannot be made to do wrong (a wrong nonce, a foreign audience, an
//! expired token, `alg: none`, HS256 with the public key, an unknown `kid`) is covered by the
//! unit tests of `components/identity/src/oidc/id_token.rs`, with tokens made by jwt-simple.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use guichet_tests::guichet::{Guichet, PASSWORD};
use serde_json::{json, Value};

const CLIENT_ID: &str = "guichet";
const CLIENT_SECRET: &str = "test secret+with/odd=chars";
const SESSION_COOKIE: &str = "__Host-guichet-session";
const BINDING_COOKIE: &str = "__Host-guichet-oidc";
pub(crate) const MARIE: &str = "marie.curie@example.org";

// ------------------------------------------------------------------------------ provider

/// The test OpenID provider, a Node.js child process; it exits when its stdin closes (on
/// drop, even if the test panics).
pub(crate) struct Provider {
    child: Child,
    stdin: Option<ChildStdin>,
    issuer: String,
}

impl Provider {
    /// Starts `tests/node/oidc-provider.mjs` for `redirect_uri` with extra `args`.
    pub(crate) fn start(redirect_uri: &str, args: &[&str]) -> Provider {
        let script = guichet_tests::root().join("tests/node/oidc-provider.mjs");
        let modules = guichet_tests::root().join("tests/node/node_modules/oidc-provider");
        assert!(modules.exists(), "{} is missing: run `npm ci` in tests/node (infra/setup.sh does it)", modules.display());
        let mut child = Command::new("node")
            .arg(&script)
            .args(["--exit-with-stdin", "--redirect-uri", redirect_uri])
            .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node ({e}): Node.js 20+ is required"));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[provider] {line}");
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = BufReader::new(stdout).read_line(&mut first);
            let _ = tx.send(first);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("the provider printed its issuer within 30 s");
        let issuer = line
            .trim()
            .strip_prefix("OIDC_ISSUER=")
            .unwrap_or_else(|| panic!("unexpected first line from the provider: {line:?}"))
            .to_owned();
        Provider { child, stdin, issuer }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Guichet allowed to reach the local provider.
pub(crate) fn guichet() -> Guichet {
    Guichet::start_with(&[("SPIN_VARIABLE_OIDC_ALLOWED_HOSTS", "http://127.0.0.1:*")])
}

pub(crate) fn redirect_uri(g: &Guichet) -> String {
    g.host.url("/account/oidc/callback")
}

fn admin(g: &Guichet) -> String {
    g.keys.access_token("demo", "some-admin-id", &["admin"])
}

/// Configures `provider` in the demo commune as `id`, with `extra` members.
pub(crate) fn configure(g: &Guichet, provider: &Provider, id: &str, extra: Value) -> Value {
    let mut body = json!({
        "id": id, "name": format!("Test {id}"), "issuer": provider.issuer,
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    let reply = g.post("/api/identity/oidc-providers", &body, Some(&admin(g)));
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

// ------------------------------------------------------------------------------- browser

/// An HTTP answer with every header (`Set-Cookie` repeats).
#[derive(Debug)]
struct Answer {
    url: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn set_cookies(&self) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| v.as_str()).collect()
    }

    /// The absolute URL of the `Location` (relative ones resolved against this answer's URL).
    fn location(&self) -> String {
        let location = self.header("location").unwrap_or_else(|| panic!("no Location: {} {} {}", self.url, self.status, self.body));
        absolute(&self.url, location)
    }
}

/// `location` made absolute against `base` (the provider answers with relative paths).
fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let origin_end = base.find("://").map(|i| i + 3).and_then(|start| base[start..].find('/').map(|j| start + j)).unwrap_or(base.len());
    assert!(location.starts_with('/'), "unexpected relative Location {location}");
    format!("{}{location}", &base[..origin_end])
}

/// A browser: a cookie jar for 127.0.0.1, redirects not followed.
#[derive(Default)]
struct Browser {
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn send(&mut self, method: &str, url: &str, form: Option<&[(&str, &str)]>) -> Answer {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        if !self.cookies.is_empty() {
            let header: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            builder = builder.header("cookie", header.join("; "));
        }
        let response = match form {
            Some(fields) => {
                let body = fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                let builder = builder.header("content-type", "application/x-www-form-urlencoded");
                agent.run(builder.body(body.into_bytes()).expect("request"))
            }
            None => agent.run(builder.body(()).expect("request")),
        }
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let mut body = String::new();
        response.into_body().into_reader().read_to_string(&mut body).expect("body");
        let answer = Answer { url: url.to_owned(), status, headers, body };
        for cookie in answer.set_cookies() {
            self.store(cookie);
        }
        answer
    }

    fn get(&mut self, url: &str) -> Answer {
        self.send("GET", url, None)
    }

    fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Answer {
        self.send("POST", url, Some(form))
    }

    fn store(&mut self, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let (name, value) = parts.next().and_then(|p| p.trim().split_once('=')).expect("name=value");
        let expired = parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
        self.cookies.retain(|(k, _)| k != name);
        if !expired && !value.is_empty() {
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The decoded value of `name` in the query of `url`.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| decode(v))
    })
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("utf-8")
}

/// `url` with the query parameter `name` replaced by `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').expect("a query");
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k == name => format!("{k}={}", encode(value)),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// Starts the sign-in with `provider_id` at Guichet and goes through the provider's login
/// page with `login` (form fields: `login` = e-mail, optionally `acr`, `email_verified`...).
/// Returns the URL the provider sends the browser back to (Guichet's callback).
fn authorize(b: &mut Browser, g: &Guichet, provider_id: &str, login: &[(&str, &str)]) -> String {
    let start = b.get(&g.host.url(&format!("/account/oidc/{provider_id}/start")));
    assert_eq!(start.status, 303, "start: {}", start.body);
    let at_provider = b.get(&start.location());
    assert_eq!(at_provider.status, 303, "authorization endpoint: {}", at_provider.body);
    let interaction = at_provider.location();
    assert!(interaction.contains("/interaction/"), "expected the login page, got {interaction}");
    let page = b.get(&interaction);
    assert_eq!(page.status, 200, "login page: {}", page.body);
    let mut next = b.post(&format!("{interaction}/login"), login).location();
    // The provider resumes the authorization, then redirects to the callback.
    while !next.starts_with(&redirect_uri(g)) {
        let hop = b.get(&next);
        assert_eq!(hop.status, 303, "{next}: {}", hop.body);
        next = hop.location();
    }
    next
}

/// A whole sign-in: the callback's answer.
fn sign_in(b: &mut Browser, g: &Guichet, provider_id: &str, login: &[(&str, &str)]) -> Answer {
    let callback = authorize(b, g, provider_id, login);
    b.get(&callback)
}

fn assert_signed_in(b: &mut Browser, g: &Guichet, answer: &Answer, email: &str) {
    assert_eq!(answer.status, 303, "callback: {}", answer.body);
    assert_eq!(answer.header("location"), Some("/account"));
    let cookie = answer.set_cookies().into_iter().find(|c| c.starts_with(SESSION_COOKIE)).expect("a session cookie");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let account = b.get(&g.host.url("/account"));
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(account.body.contains(email), "the account page shows {email}: {}", account.body);
}

fn assert_refused(b: &mut Browser, g: &Guichet, answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "callback: {}", answer.body);
    assert!(answer.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{:?}", answer.headers);
    assert!(answer.set_cookies().iter().all(|c| !c.starts_with(SESSION_COOKIE)), "no session: {:?}", answer.headers);
    let account = b.get(&g.host.url("/account"));
    assert_ne!(account.status, 200, "not signed in: {}", account.body);
}

/// Signs in with a password through the account pages' form (CSRF token included).
fn password_sign_in(b: &mut Browser, g: &Guichet, email: &str) {
    let page = b.get(&g.host.url("/account/login"));
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "name=\"csrf\" value=\"";
    let start = page.body.find(marker).expect("a csrf field") + marker.len();
    let csrf: String = page.body[start..].chars().take_while(|c| *c != '"').collect();
    let answer = b.post(&g.host.url("/account/login"), &[("csrf", &csrf), ("email", email), ("password", PASSWORD)]);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(b.cookie(SESSION_COOKIE).is_some());
}

// --------------------------------------------------------------------------------- tests

#[test]
fn a_first_sign_in_creates_a_linked_verified_account_and_a_second_one_reuses_it() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));

    let mut first = Browser::default();
    let answer = sign_in(&mut first, &g, "test-op", &[("login", MARIE)]);
    assert_signed_in(&mut first, &g, &answer, MARIE);

    // Another browser, same person: the link is found (a new account would conflict with
    // the address now taken).
    let mut second = Browser::default();
    let answer = sign_in(&mut second, &g, "test-op", &[("login", MARIE)]);
    assert_signed_in(&mut second, &g, &answer, MARIE);
    assert_ne!(first.cookie(SESSION_COOKIE), second.cookie(SESSION_COOKIE), "a session per browser");

    // The account has no password: signing in with one fails as for any wrong password.
    assert_eq!(g.sign_in(MARIE, PASSWORD).status, 401);
}

#[test]
fn the_start_sends_pkce_s256_state_nonce_and_acr_and_binds_the_browser() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({"acr_values": ["eidas2", "eidas3"]}));
    let mut b = Browser::default();
    let start = b.get(&g.host.url("/account/oidc/test-op/start"));
    assert_eq!(start.status, 303, "{}", start.body);
    let to = start.location();
    assert!(to.starts_with(&format!("{}/auth?", provider.issuer)), "{to}");
    assert_eq!(query_param(&to, "response_type").as_deref(), Some("code"));
    assert_eq!(query_param(&to, "client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(query_param(&to, "redirect_uri"), Some(redirect_uri(&g)));
    assert_eq!(query_param(&to, "scope").as_deref(), Some("openid email profile"));
    assert_eq!(query_param(&to, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query_param(&to, "code_challenge").map(|c| c.len()), Some(43));
    assert_eq!(query_param(&to, "acr_values").as_deref(), Some("eidas2 eidas3"));
    let state = query_param(&to, "state").expect("state");
    let nonce = query_param(&to, "nonce").expect("nonce");
    assert!(state.len() >= 43 && nonce.len() >= 43 && state != nonce);
    let binding = start.set_cookies().into_iter().find(|c| c.starts_with(BINDING_COOKIE)).expect("binding cookie");
    for attribute in ["Path=/", "Max-Age=600", "Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(binding.contains(attribute), "{binding} has {attribute}");
    }
    assert!(!binding.to_ascii_lowercase().contains("domain="), "{binding}");
    assert!(!binding.contains(&state) && !binding.contains(&nonce), "the cookie holds neither the state nor the nonce");
}

#[test]
fn a_tampered_state_is_refused_and_a_callback_works_once() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));
    let mut b = Browser::default();
    let callback = authorize(&mut b, &g, "test-op", &[("login", MARIE)]);

    let forged = with_param(&callback, "state", &"A".repeat(43));
    let answer = b.get(&forged);
    assert_refused(&mut b, &g, &answer, 400);
    let answer = b.get(&with_param(&callback, "state", "not-even-well-formed"));
    assert_refused(&mut b, &g, &answer, 400);

    let answer = b.get(&callback);
    assert_signed_in(&mut b, &g, &answer, MARIE);

    // The same callback again (a replay), from a browser without a session.
    let mut replayer = Browser { cookies: b.cookies.iter().filter(|(k, _)| k != SESSION_COOKIE).cloned().collect() };
    let answer = replayer.get(&callback);
    assert_refused(&mut replayer, &g, &answer, 400);
}

#[test]
fn a_callback_naming_another_issuer_or_none_is_refused() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));
    // RFC 9207: the provider announces `iss` in its answers, so one without it is a mix-up.
    let mut b = Browser::default();
    let callback = authorize(&mut b, &g, "test-op", &[("login", MARIE)]);
    assert_eq!(query_param(&callback, "iss"), Some(provider.issuer.clone()));
    let answer = b.get(&with_param(&callback, "iss", "http://127.0.0.1:9"));
    assert_refused(&mut b, &g, &answer, 400);

    let mut b = Browser::default();
    let callback = authorize(&mut b, &g, "test-op", &[("login", MARIE)]);
    let without: String = with_param(&callback, "iss", "").replace("&iss=", "").replace("?iss=&", "?");
    assert!(query_param(&without, "iss").is_none(), "{without}");
    let answer = b.get(&without);
    assert_refused(&mut b, &g, &answer, 400);
}

#[test]
fn a_callback_opened_in_another_browser_is_refused() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));
    // The attacker signs in at the provider and sends the callback link to a victim.
    let mut attacker = Browser::default();
    let callback = authorize(&mut attacker, &g, "test-op", &[("login", "mallory@example.org")]);
    let mut victim = Browser::default();
    let answer = victim.get(&callback);
    assert_refused(&mut victim, &g, &answer, 400);
    // The victim's visit used the state up: the attacker cannot finish either.
    let answer = attacker.get(&callback);
    assert_refused(&mut attacker, &g, &answer, 400);
}

#[test]
fn a_lower_acr_than_required_is_refused_and_opens_no_session() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({"acr_values": ["eidas2", "eidas3"]}));

    let mut b = Browser::default();
    let answer = sign_in(&mut b, &g, "test-op", &[("login", MARIE), ("acr", "eidas1")]);
    assert_refused(&mut b, &g, &answer, 400);

    // Nothing was created or linked: a proper sign-in at eidas2 then creates the account.
    let mut b = Browser::default();
    let answer = sign_in(&mut b, &g, "test-op", &[("login", MARIE)]);
    assert_signed_in(&mut b, &g, &answer, MARIE);
}

#[test]
fn an_account_with_the_same_email_is_not_linked_until_its_owner_signs_in_and_links_it() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));
    g.verified_citizen(MARIE);

    let mut stranger = Browser::default();
    let answer = sign_in(&mut stranger, &g, "test-op", &[("login", MARIE)]);
    assert_refused(&mut stranger, &g, &answer, 409);
    assert!(answer.body.contains("/account/login"), "the page sends to the password sign-in: {}", answer.body);

    // The owner signs in with the password, then links from the account (a sign-in started
    // with a session links to it).
    let mut owner = Browser::default();
    password_sign_in(&mut owner, &g, MARIE);
    let answer = sign_in(&mut owner, &g, "test-op", &[("login", MARIE)]);
    assert_signed_in(&mut owner, &g, &answer, MARIE);

    // From now on the external identity alone signs in to that account.
    let mut later = Browser::default();
    let answer = sign_in(&mut later, &g, "test-op", &[("login", MARIE)]);
    assert_signed_in(&mut later, &g, &answer, MARIE);
}

#[test]
fn the_account_pages_offer_the_providers_and_list_the_linked_identities() {
    let g = guichet();
    let mut b = Browser::default();
    let login = b.get(&g.host.url("/account/login"));
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(!login.body.contains("/account/oidc/"), "no provider, no link: {}", login.body);

    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({"name": "Mairie <b>& co"}));
    let escaped = "Mairie &lt;b&gt;&amp; co";
    let login = b.get(&g.host.url("/account/login"));
    assert!(
        login.body.contains(&format!("<a href=\"/account/oidc/test-op/start\">Se connecter avec {escaped}</a>")),
        "{}",
        login.body
    );
    assert!(!login.body.contains("<b>&"), "the name is escaped: {}", login.body);
    let english = b.get(&g.host.url("/account/register?lang=en"));
    assert!(
        english.body.contains(&format!("<a href=\"/account/oidc/test-op/start?lang=en\">Sign in with {escaped}</a>")),
        "{}",
        english.body
    );

    // A first sign-in with the provider: the new account's page lists the identity, and
    // offers no link to the provider already linked.
    let answer = sign_in(&mut b, &g, "test-op", &[("login", MARIE)]);
    assert_signed_in(&mut b, &g, &answer, MARIE);
    let account = b.get(&g.host.url("/account"));
    assert!(account.body.contains(&format!("<li>{escaped} — lié le <time datetime=\"20")), "{}", account.body);
    assert!(!account.body.contains("/account/oidc/test-op/start"), "{}", account.body);

    // An account with a password sees the link to link it, in its page's language; linking
    // through it lists the identity.
    let owner_email = "ada@example.org";
    g.verified_citizen(owner_email);
    let mut owner = Browser::default();
    password_sign_in(&mut owner, &g, owner_email);
    let account = owner.get(&g.host.url("/account?lang=en"));
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(!account.body.contains("<ul class=\"external\">"), "nothing linked yet: {}", account.body);
    assert!(
        account.body.contains(&format!("<a href=\"/account/oidc/test-op/start?lang=en\">Link my {escaped} account</a>")),
        "{}",
        account.body
    );
    let answer = sign_in(&mut owner, &g, "test-op", &[("login", owner_email)]);
    assert_signed_in(&mut owner, &g, &answer, owner_email);
    let account = owner.get(&g.host.url("/account?lang=en"));
    assert!(account.body.contains(&format!("<li>{escaped} — linked on <time datetime=\"20")), "{}", account.body);
    assert!(!account.body.contains("Link my"), "{}", account.body);
}

#[test]
fn an_identity_without_a_verified_email_creates_no_account() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));
    let mut b = Browser::default();
    let answer = sign_in(&mut b, &g, "test-op", &[("login", "pierre@example.org"), ("email_verified", "false")]);
    assert_refused(&mut b, &g, &answer, 400);
}

#[test]
fn cancelling_at_the_provider_signs_nobody_in() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));
    let mut b = Browser::default();
    let start = b.get(&g.host.url("/account/oidc/test-op/start"));
    let interaction = b.get(&start.location()).location();
    let mut next = b.get(&format!("{interaction}/abort")).location();
    while !next.starts_with(&redirect_uri(&g)) {
        next = b.get(&next).location();
    }
    assert_eq!(query_param(&next, "error").as_deref(), Some("access_denied"));
    let answer = b.get(&next);
    assert_refused(&mut b, &g, &answer, 400);
}

#[test]
fn es256_eddsa_and_ps256_providers_with_either_client_authentication_work() {
    let g = guichet();
    let cases = [
        ("es256-basic", "ES256", "client_secret_basic", "ada@example.org"),
        ("eddsa-post", "EdDSA", "client_secret_post", "grace@example.org"),
        ("ps256-basic", "PS256", "client_secret_basic", "emmy@example.org"),
    ];
    let mut providers = Vec::new();
    for (id, alg, method, email) in cases {
        let provider = Provider::start(&redirect_uri(&g), &["--alg", alg, "--auth-method", method]);
        configure(&g, &provider, id, json!({"token_endpoint_auth_method": method}));
        providers.push(provider);
        let mut b = Browser::default();
        let answer = sign_in(&mut b, &g, id, &[("login", email)]);
        assert_signed_in(&mut b, &g, &answer, email);
    }
}

#[test]
fn a_provider_that_gives_the_email_only_at_userinfo_in_a_signed_jwt_works() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &["--claims-in-userinfo-only", "--userinfo-jwt"]);
    configure(&g, &provider, "fc-like", json!({"acr_values": ["eidas1"]}));
    let mut b = Browser::default();
    let answer = sign_in(&mut b, &g, "fc-like", &[("login", MARIE)]);
    assert_signed_in(&mut b, &g, &answer, MARIE);
}

#[test]
fn the_admin_api_checks_providers_and_never_shows_the_secret() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    let admin = admin(&g);
    let path = "/api/identity/oidc-providers";
    let good = json!({"id": "test-op", "name": "Test", "issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET});

    assert_eq!(g.post(path, &good, None).status, 401);
    let citizen = g.keys.access_token("demo", "someone", &[]);
    assert_eq!(g.post(path, &good, Some(&citizen)).status, 403);
    assert_eq!(g.get(path, Some(&citizen)).status, 403);

    let bad = json!({"id": "Bad Id", "name": "", "issuer": "http://op.example.org", "client_id": "x", "client_secret": "y",
        "scopes": ["email"], "color": "red"});
    let reply = g.post(path, &bad, Some(&admin));
    assert_eq!(reply.status, 400, "{}", reply.body);
    let reply = g.post(path, &json!({"id": "x", "name": "X", "issuer": "http://op.example.org", "client_id": "x", "client_secret": "y",
        "scopes": ["email"]}), Some(&admin));
    let fields: Vec<String> = reply.json()["errors"].as_array().expect("errors").iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(fields, ["issuer", "scopes"], "{}", reply.body);

    // The issuer must serve a discovery document naming itself, with the acr values asked.
    let unreachable = json!({"id": "gone", "name": "Gone", "issuer": "http://127.0.0.1:9", "client_id": "x", "client_secret": "y"});
    let reply = g.post(path, &unreachable, Some(&admin));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["errors"][0]["code"], "discovery_failed");
    let slash = json!({"id": "slash", "name": "S", "issuer": format!("{}/", provider.issuer), "client_id": "x", "client_secret": "y"});
    assert_eq!(g.post(path, &slash, Some(&admin)).json()["errors"][0]["code"], "discovery_failed");
    let mut unknown_acr = good.clone();
    unknown_acr["acr_values"] = json!(["eidas9"]);
    let reply = g.post(path, &unknown_acr, Some(&admin));
    assert_eq!(reply.json()["errors"][0]["field"], "acr_values[0]", "{}", reply.body);

    let created = g.post(path, &good, Some(&admin));
    assert_eq!(created.status, 201, "{}", created.body);
    let created = created.json();
    assert_eq!(created["redirect_uri"], redirect_uri(&g));
    assert_eq!(created["scopes"], json!(["openid", "email", "profile"]));
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_post");
    assert!(created.get("client_secret").is_none());
    let mut again = good.clone();
    again["id"] = json!("other");
    let reply = g.post(path, &again, Some(&admin));
    assert_eq!((reply.status, reply.json()["errors"][0]["field"].clone()), (409, json!("issuer")));
    assert_eq!(g.post(path, &good, Some(&admin)).status, 409);

    let list = g.get(path, Some(&admin));
    assert_eq!(list.status, 200);
    assert_eq!(list.header("cache-control"), Some("no-store"));
    assert!(!list.body.contains(CLIENT_SECRET) && !list.body.contains("\"client_secret\""), "{}", list.body);
    assert_eq!(list.json()["providers"][0]["id"], "test-op");
    let one = g.get(&format!("{path}/test-op"), Some(&admin));
    assert_eq!(one.json()["issuer"], json!(provider.issuer));

    let public = g.get(&format!("{path}/public"), None);
    assert_eq!(public.status, 200);
    assert_eq!(
        public.json(),
        json!({"providers": [{"id": "test-op", "name": "Test", "start_url": "/account/oidc/test-op/start"}]})
    );
    assert!(!public.body.contains(CLIENT_ID));

    assert_eq!(g.send_json("DELETE", &format!("{path}/test-op"), &json!({}), Some(&citizen)).status, 403);
    assert_eq!(g.send_json("DELETE", &format!("{path}/test-op"), &json!({}), Some(&admin)).status, 204);
    assert_eq!(g.send_json("DELETE", &format!("{path}/test-op"), &json!({}), Some(&admin)).status, 404);
    assert_eq!(g.get(&format!("{path}/public"), None).json(), json!({"providers": []}));
    let mut b = Browser::default();
    assert_eq!(b.get(&g.host.url("/account/oidc/test-op/start")).status, 404);
}

#[test]
fn the_client_secret_never_reaches_the_log() {
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &[]);
    configure(&g, &provider, "test-op", json!({}));
    let mut b = Browser::default();
    let answer = sign_in(&mut b, &g, "test-op", &[("login", MARIE)]);
    assert_signed_in(&mut b, &g, &answer, MARIE);
    let mut refused = Browser::default();
    let answer = sign_in(&mut refused, &g, "test-op", &[("login", MARIE), ("email_verified", "false"), ("sub", "other")]);
    assert_eq!(answer.status, 400);
    let log = g.host.log_with("oidc sign-in refused");
    assert!(log.contains("oidc sign-in refused"), "refusals are logged: {log}");
    assert!(!log.contains(CLIENT_SECRET) && !log.contains(MARIE), "{log}");
}
