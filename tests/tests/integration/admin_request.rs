//! One request's page in the back-office (issue #14 item 2), through the built components: an
//! agent of the request's department assigns it to themselves, moves it on, writes an internal
//! note (the citizen never sees it) and a reply (the citizen sees it, through the API and on
//! her space `/mine`), merges a duplicate found
//! beside it and closes it, first forgetting the message the closing transition requires; the
//! page offers each role only its transitions; files, scans, calls and the receipt go through
//! the back-office; an agent of another department and a forged form change nothing.

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD};
use guichet_tests::Reply;
use serde_json::Value;

use crate::admin_support::{self, hidden, Team};
use crate::portal_support::{Browser, Part};
use crate::requests_support::{file_pothole, Filed};

fn assert_page(reply: &Reply, status: u16, needle: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.body.contains(needle), "no {needle:?} in {}", reply.body);
}

/// A form of the page, posted with the page's CSRF token: the 303 back to the page.
fn post(g: &Guichet, browser: &mut Browser, reference: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
    let page = browser.get(g, &format!("/admin/requests/{reference}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let mut pairs = vec![("csrf", csrf.as_str())];
    pairs.extend_from_slice(fields);
    browser.post_form(g, &format!("/admin/requests/{reference}/{action}"), &pairs)
}

fn assert_done(reply: &Reply, reference: &str, action: &str) {
    assert_eq!(reply.status, 303, "{action}: {}", reply.body);
    assert_eq!(reply.header("location"), Some(format!("/admin/requests/{reference}?done={action}").as_str()));
}

/// The request as the API shows it to `bearer`.
fn api_view(g: &Guichet, reference: &str, bearer: &str) -> Value {
    let reply = g.get(&format!("/api/requests/{reference}"), Some(bearer));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn bodies(view: &Value) -> Vec<String> {
    view["timeline"].as_array().into_iter().flatten().filter_map(|e| e["body"].as_str().map(str::to_owned)).collect()
}

/// The team, a pothole report filed by the team's citizen with her account, and the agent of
/// roads signed in.
fn setting(g: &Guichet) -> (Team, String, Filed, Browser) {
    let team = admin_support::team(g);
    let citizen = tokens_of(&g.sign_in(&team.citizen, PASSWORD)).access;
    let filed = file_pothole(g, Some(&citizen));
    let agent = admin_support::browser(g, &team.agent.email);
    (team, citizen, filed, agent)
}

#[test]
fn an_agent_assigns_moves_notes_replies_merges_and_closes_a_report_from_its_page() {
    let g = admin_support::start();
    let (team, citizen, original, mut agent) = setting(&g);
    let duplicate = file_pothole(&g, None);
    let reference = original.reference.as_str();

    let page = agent.get(&g, &format!("/admin/requests/{reference}"));
    assert_page(&page, 200, "Signalement reçu");
    assert_eq!(page.header("cache-control"), Some("no-store"));
    // The duplicate filed at the same place is beside it, with a merge form.
    assert!(page.body.contains(&format!("name=\"duplicate\" value=\"{}\"", duplicate.reference)), "{}", page.body);
    // From "submitted" an agent may acknowledge it, call it a duplicate or not municipal.
    for to in ["acknowledged", "duplicate", "not-municipal"] {
        assert!(page.body.contains(&format!("name=\"to\" value=\"{to}\"")), "no {to} in {}", page.body);
    }
    assert!(!page.body.contains("name=\"to\" value=\"resolved\""), "{}", page.body);

    assert_done(&post(&g, &mut agent, reference, "assign", &[("assignee", "me")]), reference, "assign");
    assert_eq!(api_view(&g, reference, &team.agent.access)["assignee"], team.agent.id.as_str());
    let confirmed = agent.get(&g, &format!("/admin/requests/{reference}?done=assign"));
    assert_page(&confirmed, 200, "L’attribution est enregistrée.");

    for to in ["acknowledged", "in-progress"] {
        assert_done(&post(&g, &mut agent, reference, "transition", &[("to", to)]), reference, "transition");
    }
    assert_eq!(api_view(&g, reference, &team.agent.access)["state"], "in-progress");

    let note = "Équipe voirie prévenue : passage jeudi matin.";
    let reply = "Bonjour, une équipe passera jeudi pour reboucher le trou.";
    assert_done(&post(&g, &mut agent, reference, "note", &[("text", note)]), reference, "note");
    assert_done(&post(&g, &mut agent, reference, "reply", &[("text", reply)]), reference, "reply");
    let seen = bodies(&api_view(&g, reference, &citizen));
    assert!(seen.iter().any(|b| b == reply), "the citizen does not see the reply: {seen:?}");
    assert!(!seen.iter().any(|b| b == note), "the citizen sees the internal note: {seen:?}");
    // And in her space on the portal.
    let mine = admin_support::browser(&g, &team.citizen).get(&g, "/mine");
    assert_page(&mine, 200, reply);
    assert!(!mine.body.contains(note), "{}", mine.body);
    let page = agent.get(&g, &format!("/admin/requests/{reference}"));
    assert!(page.body.contains(note) && page.body.contains(reply), "{}", page.body);

    let merged = post(&g, &mut agent, reference, "merge", &[("duplicate", &duplicate.reference), ("into", reference)]);
    assert_done(&merged, reference, "merge");
    assert_eq!(api_view(&g, &duplicate.reference, &team.agent.access)["merged_into"], reference);

    // Closing as resolved requires a message to the citizen: the page says so, keeps the note.
    let forgot = post(&g, &mut agent, reference, "transition", &[("to", "resolved"), ("note", "Rebouché à froid")]);
    assert_page(&forgot, 400, "error-summary");
    assert!(forgot.body.contains("<strong>Message à l’usager</strong> : à remplir"), "{}", forgot.body);
    assert!(forgot.body.contains("id=\"t-resolved-message\" name=\"message\""), "{}", forgot.body);
    assert!(forgot.body.contains("aria-invalid=\"true\">"), "{}", forgot.body);
    assert!(forgot.body.contains(">Rebouché à froid</textarea>"), "{}", forgot.body);
    assert_eq!(api_view(&g, reference, &team.agent.access)["state"], "in-progress");
    let closed = post(
        &g,
        &mut agent,
        reference,
        "transition",
        &[("to", "resolved"), ("note", "Rebouché à froid"), ("message", "Le trou a été rebouché. Merci !")],
    );
    assert_done(&closed, reference, "transition");
    let view = api_view(&g, reference, &team.agent.access);
    assert_eq!((view["state"].as_str(), view["open"].as_bool()), (Some("resolved"), Some(false)));

    // Once resolved, only a supervisor may take it back to work (the demo workflow).
    let page = agent.get(&g, &format!("/admin/requests/{reference}"));
    assert!(!page.body.contains("name=\"to\" value=\"in-progress\""), "{}", page.body);
    assert!(!page.body.contains("/reopen\""), "{}", page.body);
    let mut supervisor = admin_support::browser(&g, &team.supervisor.email);
    let page = supervisor.get(&g, &format!("/admin/requests/{reference}?lang=en"));
    assert_page(&page, 200, "name=\"to\" value=\"in-progress\"");
    assert!(page.body.contains(&format!("action=\"/admin/requests/{reference}/reopen\"")), "{}", page.body);
    assert!(page.body.contains("History"), "{}", page.body);
}

#[test]
fn an_agent_of_another_department_is_refused_the_page_and_its_forms() {
    let g = admin_support::start();
    let (team, _, filed, mut agent) = setting(&g);
    let reference = filed.reference.as_str();

    let mut culture = admin_support::browser(&g, &team.other_agent.email);
    let refused = culture.get(&g, &format!("/admin/requests/{reference}"));
    assert_page(&refused, 403, "Accès refusé");
    assert!(!refused.body.contains("boulangerie"), "{}", refused.body);
    // Nor its receipt (the API would give any staff member one: the back-office does not).
    let receipt = culture.get(&g, &format!("/admin/requests/{reference}/receipt"));
    assert_page(&receipt, 403, "Accès refusé");
    // Their own form token (the queue page gives it to their browser) does not help.
    assert_eq!(culture.get(&g, "/admin").status, 200);
    let cookies = culture.cookie_header();
    let own_csrf = cookies
        .split("; ")
        .find_map(|c| c.strip_prefix("__Host-guichet-form="))
        .unwrap_or_else(|| panic!("no form cookie in {cookies}"))
        .to_owned();
    let note = culture.post_form(&g, &format!("/admin/requests/{reference}/note"), &[("csrf", &own_csrf), ("text", "pas mon service")]);
    assert_eq!(note.status, 403, "{}", note.body);
    assert!(!bodies(&api_view(&g, reference, &team.admin.access)).iter().any(|b| b == "pas mon service"));

    // An unknown request is the 404 page.
    assert_page(&agent.get(&g, "/admin/requests/2026-999999"), 404, "Page introuvable");
    assert_eq!(agent.get(&g, "/admin/requests/..%2F..%2Fapi").status, 404);
}

#[test]
fn a_forged_form_without_the_csrf_token_or_from_another_site_changes_nothing() {
    let g = admin_support::start();
    let (team, _, filed, mut agent) = setting(&g);
    let reference = filed.reference.as_str();
    let path = format!("/admin/requests/{reference}/note");
    let csrf = hidden(&agent.get(&g, &format!("/admin/requests/{reference}")).body, "csrf");

    let without = agent.post_form(&g, &path, &[("text", "sans jeton")]);
    assert_page(&without, 403, "Ce formulaire a expiré");
    let wrong = agent.post_form(&g, &path, &[("csrf", "0000"), ("text", "mauvais jeton")]);
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    let body = format!("csrf={csrf}&text=autre+site");
    let cookie = agent.cookie_header();
    let elsewhere = g.host.send(
        "POST",
        &path,
        &[("cookie", &cookie), ("origin", "https://evil.example"), ("content-type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    );
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    let written = bodies(&api_view(&g, reference, &team.agent.access));
    assert!(written.iter().all(|b| !["sans jeton", "mauvais jeton", "autre site"].contains(&b.as_str())), "{written:?}");
}

#[test]
fn scans_files_calls_messages_and_the_receipt_go_through_the_back_office() {
    let g = admin_support::start();
    let (_, _, filed, mut agent) = setting(&g);
    let reference = filed.reference.as_str();
    let page = agent.get(&g, &format!("/admin/requests/{reference}"));
    let csrf = hidden(&page.body, "csrf");

    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let scanned = agent.post_multipart(
        &g,
        &format!("/admin/requests/{reference}/scan"),
        &[Part::Text("csrf", &csrf), Part::File("file", "lettre.pdf", "application/pdf", pdf)],
        None,
    );
    assert_done(&scanned, reference, "scan");
    let page = agent.get(&g, &format!("/admin/requests/{reference}"));
    let href = page
        .body
        .split("href=\"")
        .find(|s| s.starts_with(&format!("/admin/requests/{reference}/files/")))
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no file link in {}", page.body))
        .to_owned();
    assert!(page.body.contains(">lettre.pdf</a>"), "{}", page.body);
    let file = agent.get(&g, &href);
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(file.body.as_bytes(), pdf);
    assert_eq!(file.header("content-disposition"), Some("attachment; filename=\"lettre.pdf\"; filename*=UTF-8''lettre.pdf"));
    // A file of another request, or none, is not found through this one.
    assert_eq!(agent.get(&g, &format!("/admin/requests/{reference}/files/0")).status, 404);
    assert_eq!(file.header("content-type"), Some("application/pdf"));

    let muddled = post(&g, &mut agent, reference, "call", &[("called_at", "2026-12-01T09:30"), ("minutes", "beaucoup"), ("caller", "Camille Martin"), ("summary", "Demande où en est le dossier")]);
    assert_page(&muddled, 400, "<strong>Durée (minutes)</strong>");
    assert!(muddled.body.contains("value=\"Camille Martin\""), "{}", muddled.body);
    let logged = post(&g, &mut agent, reference, "call", &[("called_at", "2026-12-01T09:30"), ("minutes", "4"), ("caller", "Camille Martin"), ("summary", "Demande où en est le dossier")]);
    assert_done(&logged, reference, "call");
    let page = agent.get(&g, &format!("/admin/requests/{reference}"));
    assert!(page.body.contains("2026-12-01 09:30 UTC") && page.body.contains("Demande où en est le dossier"), "{}", page.body);
    // The receipt e-mailed at filing is among the messages sent, with its delivery state.
    assert!(page.body.contains("camille@example.org"), "{}", page.body);
    assert!(page.body.contains("class=\"delivery\""), "{}", page.body);

    let receipt = agent.get(&g, &format!("/admin/requests/{reference}/receipt"));
    assert_page(&receipt, 200, reference);
    assert!(receipt.header("content-security-policy").is_some_and(|c| c.starts_with("default-src 'none'")));
}
