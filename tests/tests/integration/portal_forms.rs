//! The portal's forms through the host (issue #13): a service's form is generated from its
//! definition with one proper control per datatype; requests judges the answers, and its
//! errors come back next to their question and in a summary at the top, every answer kept;
//! a guest files where the service allows it and gets the receipt with its QR code; the
//! same Idempotency-Key files once; forms from another site or without their token file
//! nothing.

use guichet_tests::guichet::Guichet;

use crate::portal_support::{self, decode_qr, hidden, text_of, Browser, Part, PDF};

/// The lost-animal report (open to guests) with a mistake in the e-mail and no consent.
fn lost_animal<'a>(csrf: &'a str, key: &'a str, email: &'a str, consent: bool) -> Vec<Part<'a>> {
    let mut parts = vec![
        Part::Text("csrf", csrf),
        Part::Text("idempotency_key", key),
        Part::Text("answers.situation", "lost"),
        Part::Text("answers.species", "dog"),
        Part::Text("answers.seen-at", "2026-12-01T18:30"),
        Part::Text("answers.location.address", "12 rue des Lilas"),
        Part::Text("answers.location.lat", ""),
        Part::Text("answers.location.long", ""),
        Part::Text("answers.description", "Petit chien <b>roux</b>, collier bleu"),
        Part::File("answers.photo", "rex.pdf", "application/pdf", PDF),
        Part::Text("answers.phone", "06 12 34 56 78"),
        Part::Text("answers.email", email),
    ];
    if consent {
        parts.push(Part::Text("answers.consent", "true"));
    }
    parts
}

fn form(g: &Guichet, browser: &mut Browser, code: &str) -> (String, String, String) {
    let page = browser.get(g, &format!("/services/{code}/form"));
    assert_eq!(page.status, 200, "{}", page.body);
    (page.body.clone(), hidden(&page.body, "csrf"), hidden(&page.body, "idempotency_key"))
}

#[test]
fn the_form_has_one_proper_control_per_datatype_and_no_browser_side_rule() {
    let g = portal_support::start();
    let mut browser = Browser::default();
    let (page, csrf, key) = form(&g, &mut browser, "lost-animal");
    for expected in [
        "<form class=\"filing\" method=\"post\" action=\"/services/lost-animal/form?lang=fr\" novalidate enctype=\"multipart/form-data\">",
        "<select id=\"f-situation\" name=\"answers.situation\"",
        "type=\"datetime-local\"",
        "<fieldset id=\"f-location\"",
        "name=\"answers.location.address\"",
        "<textarea id=\"f-description\"",
        "<input type=\"file\" id=\"f-photo\" name=\"answers.photo\"",
        "type=\"tel\"",
        "type=\"email\"",
        "<input type=\"checkbox\" id=\"f-consent\" name=\"answers.consent\" value=\"true\"",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert!(!page.contains(" required") && !page.contains("pattern="), "no browser-side rule: {page}");
    assert_eq!(csrf.len(), 64);
    assert_eq!(key.len(), 64);
    let cookie = browser.cookie_header();
    assert!(cookie.contains(&format!("__Host-guichet-form={csrf}")), "{cookie}");

    let (other, _, other_key) = form(&g, &mut browser, "prior-declaration");
    assert_ne!(key, other_key, "a fresh Idempotency-Key per page");
    assert!(other.contains("<fieldset id=\"f-works\""), "{other}");
    assert!(other.contains("type=\"checkbox\" id=\"f-works-"), "{other}");
    assert!(other.contains("type=\"date\""), "{other}");
    let (numbers, _, _) = form(&g, &mut browser, "building-permit");
    assert!(numbers.contains("id=\"f-floor-area\" name=\"answers.floor-area\" value=\"\" type=\"text\" inputmode=\"decimal\""), "{numbers}");
}

#[test]
fn a_mistake_is_shown_next_to_its_question_and_at_the_top_with_every_answer_kept() {
    let g = portal_support::start();
    let mut browser = Browser::default();
    let (_, csrf, key) = form(&g, &mut browser, "lost-animal");
    let reply = browser.post_multipart(&g, "/services/lost-animal/form", &lost_animal(&csrf, &key, "pas-une-adresse", false), None);
    assert_eq!(reply.status, 422, "{}\n{}", reply.body, g.host.log());
    let page = &reply.body;
    assert!(page.contains("<title>Erreur :"), "{page}");
    assert!(page.contains("class=\"error-summary\" role=\"alert\""), "{page}");
    assert!(page.contains("<a href=\"#f-email\">Votre adresse e-mail"), "{page}");
    assert!(page.contains("<a href=\"#f-consent\">"), "{page}");
    assert!(page.contains("Cette adresse e-mail n’est pas valable."), "{page}");
    assert!(page.contains("aria-describedby=\"f-email-help f-email-error\" aria-invalid=\"true\""), "{page}");
    assert!(page.contains("id=\"f-email-error\""), "{page}");
    // Every answer kept, escaped.
    assert!(page.contains("value=\"pas-une-adresse\""), "{page}");
    assert!(page.contains("value=\"12 rue des Lilas\""), "{page}");
    assert!(page.contains("Petit chien &#60;b&#62;roux&#60;/b&#62;, collier bleu</textarea>"), "{page}");
    assert!(page.contains("<option value=\"dog\" selected>"), "{page}");
    assert_eq!(hidden(page, "idempotency_key"), key, "the next try is the same filing");
    // Nothing filed.
    assert!(!page.contains("id=\"tracking-code\""), "{page}");
}

#[test]
fn a_guest_files_once_per_idempotency_key_and_gets_the_receipt_with_its_qr_code() {
    let g = portal_support::start();
    let mut browser = Browser::default();
    let (_, csrf, key) = form(&g, &mut browser, "lost-animal");
    let filed = browser.post_multipart(&g, "/services/lost-animal/form", &lost_animal(&csrf, &key, "marie@example.org", true), None);
    assert_eq!(filed.status, 201, "{}\n{}", filed.body, g.host.log());
    assert_eq!(filed.header("cache-control"), Some("no-store"));
    let reference = text_of(&filed.body, "reference");
    let code = text_of(&filed.body, "tracking-code");
    assert!(reference.len() == 11 && reference.starts_with("20"), "{reference}");
    assert!(!code.is_empty());
    let start = filed.body.find("<svg").expect("a QR code");
    let end = filed.body[start..].find("</svg>").expect("svg end") + start + 6;
    let url = decode_qr(&filed.body[start..end]);
    assert!(url.ends_with(&format!("/track?reference={reference}")), "{url}");
    assert!(!url.contains(&code), "no tracking code in the QR code");

    // A double submit (the same key): the same receipt, one request.
    let again = browser.post_multipart(&g, "/services/lost-animal/form", &lost_animal(&csrf, &key, "marie@example.org", true), None);
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(text_of(&again.body, "reference"), reference);
    // The request exists, with the photo, and the tracking code opens it.
    let tracked = g.post("/api/requests/track", &serde_json::json!({"reference": reference, "code": code}), None);
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    // A new page is a new filing.
    let (_, csrf, key) = form(&g, &mut browser, "lost-animal");
    let second = browser.post_multipart(&g, "/services/lost-animal/form", &lost_animal(&csrf, &key, "marie@example.org", true), None);
    assert_eq!(second.status, 201, "{}", second.body);
    assert_ne!(text_of(&second.body, "reference"), reference);
}

#[test]
fn a_form_from_another_site_or_without_its_token_files_nothing() {
    let g = portal_support::start();
    let mut browser = Browser::default();
    let (_, csrf, key) = form(&g, &mut browser, "lost-animal");
    let parts = lost_animal(&csrf, &key, "marie@example.org", true);
    let cross = browser.post_multipart(&g, "/services/lost-animal/form", &parts, Some("http://evil.example"));
    assert_eq!(cross.status, 403, "{}", cross.body);
    let mut stranger = Browser::default();
    let tokenless = stranger.post_multipart(&g, "/services/lost-animal/form", &parts, None);
    assert_eq!(tokenless.status, 403, "{}", tokenless.body);
    let zeros = "0".repeat(64);
    let forged = lost_animal(&zeros, &key, "marie@example.org", true);
    let wrong = browser.post_multipart(&g, "/services/lost-animal/form", &forged, None);
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    // The private routes of the portal's exchanges are not public.
    assert_eq!(g.host.send("POST", "/internal/filings", &[], Some(b"{}")).status, 404);
    assert_eq!(g.host.send("POST", "/internal/session-tokens", &[], Some(b"{}")).status, 404);
}

#[test]
fn a_signed_in_citizen_files_a_service_that_needs_an_account_in_their_name_and_finds_it_in_their_space() {
    let g = portal_support::start();
    g.verified_citizen("jeanne@example.org");
    let mut browser = Browser::default();
    let (page, _, _) = form(&g, &mut browser, "dog-licence");
    assert!(page.contains("href=\"/account/login?lang=fr\""), "a guest is asked to sign in: {page}");

    browser.sign_in(&g, "jeanne@example.org");
    let (page, csrf, key) = form(&g, &mut browser, "dog-licence");
    assert!(page.contains("<form class=\"filing\""), "{page}");
    let parts = vec![
        Part::Text("csrf", &csrf),
        Part::Text("idempotency_key", &key),
        Part::Text("answers.dog-name", "Rex"),
        Part::Text("answers.breed", "Beagle"),
        Part::Text("answers.category", "none"),
        Part::Text("answers.birth-date", "2024-03-01"),
        Part::Text("answers.chip", "250269812345678"),
        Part::File("answers.id-card", "icad.pdf", "application/pdf", PDF),
        Part::Text("answers.phone", ""),
        Part::Text("answers.email", "jeanne@example.org"),
        Part::Text("answers.consent", "true"),
    ];
    let filed = browser.post_multipart(&g, "/services/dog-licence/form", &parts, None);
    assert_eq!(filed.status, 201, "{}\n{}", filed.body, g.host.log());
    let reference = text_of(&filed.body, "reference");
    let tokens = g.sign_in("jeanne@example.org", guichet_tests::guichet::PASSWORD);
    let access = guichet_tests::guichet::tokens_of(&tokens).access;
    let mine = g.host.send("GET", "/api/requests/mine", &[("authorization", &format!("Bearer {access}"))], None);
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(mine.body.contains(&reference), "the request is the citizen's: {}", mine.body);

    // Their space lists it; a guest's is a sign-in notice.
    let space = browser.get(&g, "/mine");
    assert_eq!(space.status, 200, "{}", space.body);
    assert!(space.body.contains(&format!("<dd class=\"reference\">{reference}</dd>")), "{}", space.body);
    assert!(space.body.contains("Déclaration de chien et médaille"), "{}", space.body);
    let guest = Browser::default().get(&g, "/mine");
    assert!(guest.body.contains("href=\"/account/login?lang=fr\""), "{}", guest.body);
    assert!(!guest.body.contains(&reference));
}

#[test]
fn only_the_portal_and_its_callee_are_given_the_portals_secrets() {
    let manifest = std::fs::read_to_string(guichet_tests::root().join("spin.toml")).expect("spin.toml");
    let holders = |variable: &str| -> Vec<String> {
        manifest
            .split("[component.")
            .skip(1)
            .filter(|section| section.contains(&format!("{variable} = \"{{{{ {variable} }}}}\"")))
            .map(|section| section.split(']').next().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(holders("portal_filing_secret"), ["requests.variables", "portal.variables"]);
    assert_eq!(holders("portal_session_secret"), ["identity.variables", "portal.variables"]);
}
