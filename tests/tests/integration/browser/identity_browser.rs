//! The portal's account pages and their browser sessions (security docs/SECURITY.md item 10): cookies
//! `__Host-` with `Secure; HttpOnly; SameSite=Lax`, a new session id at sign-in, revocation on
//! the server at logout, CSRF protection of every form; and escaping, languages, the e-mailed
//! links' pages.
//!
//! Two levels: HTTP requests made here as a browser would (no redirect followed, cookies
//! handled by hand, so every `Set-Cookie` and status is visible), and a real browser
//! (Chromium driven by `tests/node/identity-browser.mjs`) signing in, editing its profile,
//! logging out and resetting its password.

use std::io::Read as _;
use std::time::Duration;

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD, PLATFORM_TOKEN};
use guichet_tests::node;
use serde_json::json;

const COOKIE: &str = "__Host-guichet-session";
const FORM: &str = "application/x-www-form-urlencoded";
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// An answer, with every header (a response may repeat one).
#[derive(Debug)]
struct Answer {
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

    /// The value the one `Set-Cookie` of this answer gives the session cookie.
    fn session_cookie(&self) -> String {
        let cookies = self.set_cookies();
        assert_eq!(cookies.len(), 1, "expected one Set-Cookie: {:?}", self.headers);
        let pair = cookies[0].split(';').next().unwrap_or_default();
        let (name, value) = pair.split_once('=').expect("name=value");
        assert_eq!(name, COOKIE, "{}", cookies[0]);
        value.to_owned()
    }

    /// The value of the first form's hidden `csrf` field.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).unwrap_or_else(|| panic!("no csrf field in {}", self.body)) + marker.len();
        self.body[start..].chars().take_while(|c| *c != '"').collect()
    }

    fn location(&self) -> &str {
        self.header("location").unwrap_or_else(|| panic!("no Location: {} {}", self.status, self.body))
    }
}

/// A browser's side of the conversation, by hand: one cookie, redirects not followed.
struct Client<'g> {
    g: &'g Guichet,
    /// The `Host` header to send (another commune's host name), if not the default.
    host: Option<String>,
}

impl<'g> Client<'g> {
    fn new(g: &'g Guichet) -> Client<'g> {
        Client { g, host: None }
    }

    fn send(&self, method: &str, path: &str, cookie: Option<&str>, headers: &[(&str, &str)], body: Option<&[u8]>) -> Answer {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut builder = ureq::http::Request::builder().method(method).uri(self.g.host.url(path));
        if let Some(value) = cookie {
            builder = builder.header("cookie", format!("{COOKIE}={value}"));
        }
        if let Some(host) = &self.host {
            builder = builder.header("host", host.as_str());
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let response = match body {
            Some(body) => agent.run(builder.body(body.to_vec()).expect("request")),
            None => agent.run(builder.body(()).expect("request")),
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let mut text = String::new();
        response.into_body().into_reader().read_to_string(&mut text).expect("body");
        Answer { status, headers, body: text }
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.send("GET", path, cookie, &[], None)
    }

    /// A form POST, encoded as browsers do, with extra headers.
    fn post_with(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Answer {
        let body = encode(fields);
        let mut all = vec![("content-type", FORM)];
        all.extend_from_slice(headers);
        self.send("POST", path, cookie, &all, Some(body.as_bytes()))
    }

    fn post(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Answer {
        self.post_with(path, cookie, fields, &[])
    }

    /// Opens the sign-in page, signs in: (pre-session cookie, signed-in cookie).
    fn sign_in(&self, email: &str, password: &str) -> (String, String) {
        let page = self.get("/account/login", None);
        assert_eq!(page.status, 200, "{}", page.body);
        let pre = page.session_cookie();
        let csrf = page.csrf();
        let done = self.post("/account/login", Some(&pre), &[("csrf", &csrf), ("email", email), ("password", password)]);
        assert_eq!(done.status, 303, "sign-in: {}", done.body);
        assert_eq!(done.location(), "/account");
        (pre, done.session_cookie())
    }
}

/// `application/x-www-form-urlencoded`, as browsers write it.
fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", escape_form(k), escape_form(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn escape_form(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Guichet with a verified citizen `email`.
fn guichet_with(email: &str) -> Guichet {
    let g = Guichet::start();
    g.verified_citizen(email);
    g
}

/// The account page as `cookie` sees it.
fn account_page(client: &Client<'_>, cookie: &str) -> Answer {
    let page = client.get("/account", Some(cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// Whether `cookie` is signed in (the account page answers) or sent to sign-in.
fn signed_in(client: &Client<'_>, cookie: &str) -> bool {
    let page = client.get("/account", Some(cookie));
    match page.status {
        200 => true,
        303 => {
            assert_eq!(page.location(), "/account/login");
            false
        }
        other => panic!("GET /account answered {other}: {}", page.body),
    }
}

#[test]
fn the_session_cookie_has_the_host_prefix_every_protective_attribute_and_no_domain() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let page = client.get("/account/login", None);
    let signed = {
        let pre = page.session_cookie();
        client.post("/account/login", Some(&pre), &[("csrf", &page.csrf()), ("email", "ada@example.org"), ("password", PASSWORD)])
    };
    for answer in [&page, &signed] {
        let cookie = answer.set_cookies()[0];
        let mut parts = cookie.split(';').map(str::trim);
        let (name, value) = parts.next().and_then(|p| p.split_once('=')).expect("name=value");
        assert_eq!(name, "__Host-guichet-session");
        assert_eq!(value.len(), 43, "256-bit secret, base64url: {value}");
        let mut attributes: Vec<&str> = parts.collect();
        attributes.sort_unstable();
        assert_eq!(attributes, ["HttpOnly", "Path=/", "SameSite=Lax", "Secure"], "{cookie}");
    }
    assert_eq!(signed.status, 303);
}

#[test]
fn every_page_carries_a_strict_content_security_policy_and_is_not_cached() {
    let g = Guichet::start();
    let client = Client::new(&g);
    for path in ["/account/login", "/account/register", "/account/forgot-password", "/account/reset-password", "/account/verify-email", "/account", "/account/nowhere"] {
        let page = client.get(path, None);
        assert!([200, 303, 404].contains(&page.status), "{path}: {}", page.status);
        assert_eq!(page.header("content-security-policy"), Some(CSP), "{path}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(page.header("referrer-policy"), Some("same-origin"), "{path}");
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
    }
    let script = client.get("/account/assets/link.js", None);
    assert_eq!(script.status, 200);
    assert!(script.header("content-type").is_some_and(|t| t.starts_with("text/javascript")));
    assert!(script.body.contains("location.hash"));
    let page = client.get("/account/reset-password", None);
    assert!(page.body.contains("<script src=\"/account/assets/link.js\" defer></script>"), "{}", page.body);
    assert!(!page.body.contains("<script>"), "no inline script: {}", page.body);
}

#[test]
fn signing_in_issues_a_new_session_id_and_the_pre_login_one_stops_working() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let (pre, signed) = client.sign_in("ada@example.org", PASSWORD);
    assert_ne!(pre, signed);
    let page = account_page(&client, &signed);
    assert!(page.body.contains("ada@example.org"), "{}", page.body);
    assert!(!signed_in(&client, &pre), "the pre-login session id must not be signed in");
    // Its form token is dead too: the pre-session was revoked, not upgraded.
    let replay = client.post("/account/login", Some(&pre), &[("csrf", "whatever"), ("email", "ada@example.org"), ("password", PASSWORD)]);
    assert_eq!(replay.status, 403);
}

#[test]
fn a_planted_session_id_is_worthless_after_sign_in() {
    // Session fixation: the attacker opens a pre-session and gets it into the victim's
    // browser; the victim signs in with it; the attacker's copy must stay anonymous.
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let planted = client.get("/account/login", None);
    let fixed = planted.session_cookie();
    let signed = client.post("/account/login", Some(&fixed), &[("csrf", &planted.csrf()), ("email", "ada@example.org"), ("password", PASSWORD)]);
    assert_eq!(signed.status, 303);
    assert_ne!(signed.session_cookie(), fixed);
    assert!(!signed_in(&client, &fixed));
}

#[test]
fn logging_out_revokes_the_session_on_the_server_and_clears_the_cookie() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let (_, cookie) = client.sign_in("ada@example.org", PASSWORD);
    let csrf = account_page(&client, &cookie).csrf();
    let out = client.post("/account/logout", Some(&cookie), &[("csrf", &csrf)]);
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(out.location(), "/account/login");
    let cleared = out.set_cookies();
    assert_eq!(cleared.len(), 1);
    assert!(cleared[0].starts_with(&format!("{COOKIE}=;")) && cleared[0].contains("Max-Age=0"), "{}", cleared[0]);
    // A copy of the cookie kept by someone else is refused on the server.
    assert!(!signed_in(&client, &cookie));
    let again = client.post("/account/profile", Some(&cookie), &[("csrf", &csrf), ("given_name", "Zed"), ("family_name", ""), ("phone", ""), ("language", "fr")]);
    assert_eq!(again.status, 403);
}

#[test]
fn logging_out_everywhere_ends_every_browser_session_and_refresh_token() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let tokens = tokens_of(&g.sign_in("ada@example.org", PASSWORD));
    let (_, laptop) = client.sign_in("ada@example.org", PASSWORD);
    let (_, phone) = client.sign_in("ada@example.org", PASSWORD);
    let csrf = account_page(&client, &phone).csrf();
    let out = client.post("/account/logout-all", Some(&phone), &[("csrf", &csrf)]);
    assert_eq!(out.status, 303, "{}", out.body);
    assert!(!signed_in(&client, &phone));
    assert!(!signed_in(&client, &laptop));
    let refresh = g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": tokens.refresh}), None);
    assert_eq!(refresh.status, 401, "{}", refresh.body);
}

#[test]
fn a_form_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let (_, cookie) = client.sign_in("ada@example.org", PASSWORD);
    let other_browser = client.get("/account/login", None).csrf();
    let change = |csrf: Option<&str>| {
        let mut fields = vec![("given_name", "Mallory"), ("family_name", "Evil"), ("phone", ""), ("language", "fr")];
        if let Some(csrf) = csrf {
            fields.push(("csrf", csrf));
        }
        client.post("/account/profile", Some(&cookie), &fields)
    };
    for csrf in [None, Some(""), Some("wrong"), Some(other_browser.as_str()), Some(&"A".repeat(43))] {
        let refused = change(csrf);
        assert_eq!(refused.status, 403, "csrf {csrf:?}: {}", refused.body);
        assert!(refused.body.contains("Formulaire refusé"), "{}", refused.body);
    }
    let logout_all = client.post("/account/logout-all", Some(&cookie), &[("csrf", "wrong")]);
    assert_eq!(logout_all.status, 403);
    let page = account_page(&client, &cookie);
    assert!(!page.body.contains("Mallory"), "nothing changed: {}", page.body);
    // Without any session, even the sign-in form is refused (login CSRF).
    let no_session = client.post("/account/login", None, &[("csrf", "x"), ("email", "ada@example.org"), ("password", PASSWORD)]);
    assert_eq!(no_session.status, 403);
    assert!(no_session.set_cookies().is_empty());
    // The right token works.
    let csrf = page.csrf();
    assert_eq!(change(Some(&csrf)).status, 303);
    assert!(account_page(&client, &cookie).body.contains("Mallory"));
}

#[test]
fn a_form_sent_from_another_origin_is_refused() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let (_, cookie) = client.sign_in("ada@example.org", PASSWORD);
    let csrf = account_page(&client, &cookie).csrf();
    let fields = [("csrf", csrf.as_str()), ("given_name", "Mallory"), ("family_name", ""), ("phone", ""), ("language", "fr")];
    let sibling = g.host.base.replace("127.0.0.1", "localhost");
    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
        vec![("origin", sibling.as_str())],
        vec![("sec-fetch-site", "cross-site")],
    ] {
        let refused = client.post_with("/account/profile", Some(&cookie), &fields, &headers);
        assert_eq!(refused.status, 403, "{headers:?}");
    }
    assert!(!account_page(&client, &cookie).body.contains("Mallory"));
    let same = client.post_with("/account/profile", Some(&cookie), &fields, &[("origin", g.host.base.as_str()), ("sec-fetch-site", "same-origin")]);
    assert_eq!(same.status, 303, "{}", same.body);
}

#[test]
fn only_readable_url_encoded_forms_are_accepted() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let (_, cookie) = client.sign_in("ada@example.org", PASSWORD);
    let csrf = account_page(&client, &cookie).csrf();
    let body = encode(&[("csrf", &csrf), ("given_name", "Mallory"), ("family_name", ""), ("phone", ""), ("language", "fr")]);
    for content_type in ["application/json", "text/plain", "multipart/form-data; boundary=x"] {
        let refused = client.send("POST", "/account/profile", Some(&cookie), &[("content-type", content_type)], Some(body.as_bytes()));
        assert_eq!(refused.status, 415, "{content_type}");
    }
    let no_type = client.send("POST", "/account/profile", Some(&cookie), &[], Some(body.as_bytes()));
    assert_eq!(no_type.status, 415);
    for bad in [format!("{body}&family_name=%FF%FE"), format!("{body}&phone=1%002"), format!("{body}&x={}", "a".repeat(20_000))] {
        let refused = client.send("POST", "/account/profile", Some(&cookie), &[("content-type", FORM)], Some(bad.as_bytes()));
        assert_eq!(refused.status, 400, "{}", &bad[..bad.len().min(120)]);
    }
    let raw = [body.as_bytes(), b"&family_name=\xff"].concat();
    assert_eq!(client.send("POST", "/account/profile", Some(&cookie), &[("content-type", FORM)], Some(&raw)).status, 400);
    assert!(!account_page(&client, &cookie).body.contains("Mallory"));
    let charset = client.send("POST", "/account/profile", Some(&cookie), &[("content-type", "application/x-www-form-urlencoded; charset=UTF-8")], Some(body.as_bytes()));
    assert_eq!(charset.status, 303);
}

#[test]
fn a_name_with_markup_is_stored_as_text_and_shown_escaped() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let (_, cookie) = client.sign_in("ada@example.org", PASSWORD);
    let csrf = account_page(&client, &cookie).csrf();
    let script = "<script>alert(1)</script>";
    let attribute = "\"><img src=x onerror=alert(2)>";
    let saved = client.post("/account/profile", Some(&cookie), &[("csrf", &csrf), ("given_name", script), ("family_name", attribute), ("phone", ""), ("language", "fr")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location(), "/account?done=profile");
    let page = client.get(saved.location(), Some(&cookie));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), "{}", page.body);
    assert!(page.body.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), "{}", page.body);
    assert!(!page.body.contains(script) && !page.body.contains("<img"), "{}", page.body);
    assert!(page.body.contains("Votre profil est enregistré."));
}

#[test]
fn a_wrong_password_shows_the_form_again_with_the_address_and_without_the_password() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let page = client.get("/account/login", None);
    let pre = page.session_cookie();
    let wrong = "pas le bon mot de passe du tout";
    let failed = client.post("/account/login", Some(&pre), &[("csrf", &page.csrf()), ("email", "ada@example.org"), ("password", wrong)]);
    assert_eq!(failed.status, 401, "{}", failed.body);
    assert!(failed.set_cookies().is_empty(), "no new session on failure");
    assert!(failed.body.contains("value=\"ada@example.org\""), "{}", failed.body);
    assert!(!failed.body.contains(wrong));
    assert!(failed.body.contains("Adresse e-mail ou mot de passe incorrect."), "{}", failed.body);
    // The same answer for an address without an account (no enumeration).
    let unknown = client.post("/account/login", Some(&pre), &[("csrf", &page.csrf()), ("email", "nobody@example.org"), ("password", wrong)]);
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body.replace("nobody@example.org", "ada@example.org"), failed.body);
    let malformed = client.post("/account/login?lang=en", Some(&pre), &[("csrf", &page.csrf()), ("email", "not an address"), ("password", wrong)]);
    assert_eq!(malformed.status, 422);
    assert!(malformed.body.contains("aria-invalid=\"true\""), "{}", malformed.body);
}

#[test]
fn pages_speak_french_by_default_and_english_when_asked_or_chosen() {
    let g = guichet_with("ada@example.org");
    let client = Client::new(&g);
    let fr = client.get("/account/login", None);
    assert!(fr.body.contains("<html lang=\"fr\">") && fr.body.contains("<h1>Connexion</h1>"), "{}", fr.body);
    let en = client.get("/account/login?lang=en", None);
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("<h1>Sign in</h1>"), "{}", en.body);
    assert!(en.body.contains("action=\"/account/login?lang=en\""), "the language is kept: {}", en.body);
    let (_, cookie) = client.sign_in("ada@example.org", PASSWORD);
    let page = account_page(&client, &cookie);
    assert!(page.body.contains("<h1>Mon compte</h1>"));
    let saved = client.post("/account/profile", Some(&cookie), &[("csrf", &page.csrf()), ("given_name", "Ada"), ("family_name", ""), ("phone", ""), ("language", "en")]);
    assert_eq!(saved.status, 303);
    let page = account_page(&client, &cookie);
    assert!(page.body.contains("<h1>My account</h1>"), "the account's language: {}", page.body);
    let asked = client.get("/account?lang=fr", Some(&cookie));
    assert!(asked.body.contains("<h1>Mon compte</h1>"), "?lang wins: {}", asked.body);
}

#[test]
fn a_session_cookie_of_one_commune_means_nothing_at_another() {
    let g = guichet_with("ada@example.org");
    let created = g.post(
        "/api/identity/communes",
        &json!({"id": "autre", "name": "Autre", "hosts": ["autre.localhost"], "languages": ["fr"]}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let at_a = Client::new(&g);
    let (_, cookie) = at_a.sign_in("ada@example.org", PASSWORD);
    let port = g.host.base.rsplit(':').next().expect("port");
    let at_b = Client { g: &g, host: Some(format!("autre.localhost:{port}")) };
    assert!(!signed_in(&at_b, &cookie), "commune B ignores commune A's session");
    let page = at_b.get("/account/login", Some(&cookie));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Autre"), "{}", page.body);
    assert_ne!(page.session_cookie(), cookie, "B opens its own pre-session");
    assert!(signed_in(&at_a, &cookie), "and A's session is untouched");
}

#[test]
fn registering_verifying_and_resetting_a_password_work_through_the_pages() {
    let g = Guichet::start();
    let client = Client::new(&g);
    let email = "berthe@example.org";
    let form = client.get("/account/register", None);
    let cookie = form.session_cookie();
    let done = client.post(
        "/account/register",
        Some(&cookie),
        &[("csrf", &form.csrf()), ("email", email), ("password", PASSWORD), ("given_name", "Berthe"), ("family_name", "Morisot"), ("language", "fr"), ("consents", "newsletter")],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Consultez votre messagerie"), "{}", done.body);

    let token = g.link_token(email, "/account/verify-email");
    let page = client.get("/account/verify-email", Some(&cookie));
    assert!(page.body.contains("name=\"token\" value=\"\""), "the token comes from the fragment, not the server: {}", page.body);
    let verified = client.post("/account/verify-email", Some(&cookie), &[("csrf", &page.csrf()), ("token", &token)]);
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert!(verified.body.contains("Adresse confirmée"));
    let again = client.post("/account/verify-email", Some(&cookie), &[("csrf", &page.csrf()), ("token", &token)]);
    assert_eq!(again.status, 422, "a link works once");
    assert!(again.body.contains("n&#39;est plus valable"), "{}", again.body);

    let (_, signed) = client.sign_in(email, PASSWORD);
    let account = account_page(&client, &signed);
    assert!(account.body.contains("value=\"newsletter\" checked"), "{}", account.body);

    let forgot = client.get("/account/forgot-password", None);
    let pre = forgot.session_cookie();
    let asked = client.post("/account/forgot-password", Some(&pre), &[("csrf", &forgot.csrf()), ("email", email)]);
    assert_eq!(asked.status, 200);
    let token = g.link_token(email, "/account/reset-password");
    let reset_page = client.get("/account/reset-password", Some(&pre));
    let weak = client.post("/account/reset-password", Some(&pre), &[("csrf", &reset_page.csrf()), ("token", &token), ("password", "short")]);
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains(&format!("value=\"{token}\"")), "the token is kept for a second try");
    let new_password = "un autre velo bleu sous la neige d'hiver";
    let reset = client.post("/account/reset-password", Some(&pre), &[("csrf", &reset_page.csrf()), ("token", &token), ("password", new_password)]);
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert!(!signed_in(&client, &signed), "a reset ends the sessions");
    client.sign_in(email, new_password);
}

#[test]
fn a_staff_invitation_is_accepted_through_its_page() {
    let g = Guichet::start();
    let admin = g.keys.access_token("demo", "admin-demo", &["admin"]);
    let invited = g.post("/api/identity/invitations", &json!({"email": "denise@example.org", "role": "supervisor"}), Some(&admin));
    assert_eq!(invited.status, 202, "{}", invited.body);
    let token = g.link_token("denise@example.org", "/account/accept-invitation");
    let client = Client::new(&g);
    let page = client.get("/account/accept-invitation", None);
    assert_eq!(page.status, 200, "{}", page.body);
    let cookie = page.session_cookie();
    let fields = |token: &str, password: &str| {
        client.post(
            "/account/accept-invitation",
            Some(&cookie),
            &[("csrf", &page.csrf()), ("token", token), ("given_name", "Denise"), ("family_name", "Durand"), ("password", password)],
        )
    };
    let unusable = fields(&"x".repeat(43), PASSWORD);
    assert_eq!(unusable.status, 422, "{}", unusable.body);
    assert!(unusable.body.contains("n&#39;est plus valable") && unusable.body.contains("value=\"Denise\""), "{}", unusable.body);
    let accepted = fields(&token, PASSWORD);
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(accepted.body.contains("Invitation acceptée"), "{}", accepted.body);
    let (_, signed) = client.sign_in("denise@example.org", PASSWORD);
    assert!(account_page(&client, &signed).body.contains("value=\"Durand\""));
}

// ----------------------------------------------------------------------- real browser

#[test]
fn a_person_signs_in_edits_the_profile_logs_out_and_resets_the_password_in_a_real_browser() {
    node::require_browser();
    let email = "claude@example.org";
    let g = guichet_with(email);
    let mailbox = g.mailbox.origin();
    let env = [("BASE_URL", g.host.base.as_str()), ("EMAIL", email), ("PASSWORD", PASSWORD), ("MAILBOX_URL", mailbox.as_str())];
    node::run("identity-browser.mjs", &env, "identity-browser: all steps passed", Duration::from_secs(240), || g.host.log());
}
