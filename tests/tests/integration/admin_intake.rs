//! The back-office's intake desk (issue #14 item 3) through the built components: a counter
//! clerk files for a caller with the service's own form and finds the request in the queue
//! with channel counter; on the phone the call is logged; the e-mails waiting for triage are
//! attached, filed and dismissed from the desk; a scanned letter goes to a request, and a
//! letter about something new is filed with its scan.

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD};
use guichet_tests::Reply;

use crate::admin_support::{self, hidden, RELAY_SECRET};
use crate::portal_support::{self, Browser, Part};
use crate::requests_support::{citizen, db, file_pothole};

const INBOUND_SECRET: &str = "inbound-webhook-secret-0123456789";
const PDF: &[u8] = b"%PDF-1.4\n% scanned letter\n";

/// Guichet as the back-office tests run it, with the inbound e-mail webhook enabled.
fn start() -> Guichet {
    Guichet::start_with(&[
        ("SPIN_VARIABLE_PORTAL_FILING_SECRET", portal_support::FILING_SECRET),
        ("SPIN_VARIABLE_PORTAL_SESSION_SECRET", portal_support::SESSION_SECRET),
        ("SPIN_VARIABLE_STAFF_RELAY_SECRET", RELAY_SECRET),
        ("SPIN_VARIABLE_INBOUND_MAIL_SECRET", INBOUND_SECRET),
    ])
}

/// The pothole form's answers and the caller's details, as the page posts them.
fn pothole_parts<'a>(csrf: &'a str, key: &'a str, size: &'a str, extra: Vec<Part<'a>>) -> Vec<Part<'a>> {
    let mut parts = vec![
        Part::Text("csrf", csrf),
        Part::Text("idempotency_key", key),
        Part::Text("caller_name", "Mme Durand"),
        Part::Text("caller_email", "durand@example.org"),
        Part::Text("caller_phone", ""),
        Part::Text("caller_lang", "fr"),
        Part::Text("answers.location.address", "3 place de la Mairie"),
        Part::Text("answers.size", size),
        Part::Text("answers.details", "Signalé au guichet"),
        Part::Text("answers.email", "durand@example.org"),
        Part::Text("answers.consent", "true"),
    ];
    parts.extend(extra);
    parts
}

/// The reference of a 303 to the desk after filing.
fn filed_reference(reply: &Reply, done: &str) -> String {
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.header("location").expect("location");
    let prefix = format!("/admin/intake?done={done}&ref=");
    assert!(location.starts_with(&prefix), "{location}");
    location[prefix.len()..].to_owned()
}

fn one(g: &Guichet, sql: &str, reference: &str) -> String {
    db(g).query_row(sql, [reference], |row| row.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn a_counter_clerk_files_for_a_caller_and_the_request_is_in_the_queue_with_channel_counter() {
    let g = start();
    let team = admin_support::team(&g);
    let mut clerk = admin_support::browser(&g, &team.agent.email);

    let desk = clerk.get(&g, "/admin/intake");
    assert_eq!(desk.status, 200, "{}", desk.body);
    assert!(desk.body.contains("<option value=\"pothole\">"), "{}", desk.body);
    assert!(desk.body.contains("name=\"channel\" value=\"phone\""), "{}", desk.body);

    let form = clerk.get(&g, "/admin/intake/file?service=pothole&channel=counter");
    assert_eq!(form.status, 200, "{}", form.body);
    // The questions are the service's published form's.
    for control in ["id=\"f-size\"", "id=\"f-location-address\"", "id=\"f-consent\"", "id=\"caller-name\""] {
        assert!(form.body.contains(control), "{control} in {}", form.body);
    }
    assert!(!form.body.contains("id=\"call-summary\""), "no call at the counter");
    let (csrf, key) = (hidden(&form.body, "csrf"), hidden(&form.body, "idempotency_key"));
    let path = "/admin/intake/file?service=pothole&channel=counter";

    // A mistake comes back next to its question, with what was typed kept.
    let wrong = clerk.post_multipart(&g, path, &pothole_parts(&csrf, &key, "", Vec::new()), None);
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("<a href=\"#f-size\">"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"Mme Durand\""), "{}", wrong.body);

    let filed = clerk.post_multipart(&g, path, &pothole_parts(&csrf, &key, "medium", Vec::new()), None);
    let reference = filed_reference(&filed, "filed");
    // Sent twice (the same page): filed once.
    let again = clerk.post_multipart(&g, path, &pothole_parts(&csrf, &key, "medium", Vec::new()), None);
    assert_eq!(filed_reference(&again, "filed"), reference);
    assert_eq!(one(&g, "SELECT CAST(count(*) AS TEXT) FROM requests WHERE filed_by = ?", &team.agent.id), "1");

    let done = clerk.get(&g, &format!("/admin/intake?done=filed&ref={reference}"));
    assert!(done.body.contains(&format!("href=\"/admin/requests/{reference}\"")), "{}", done.body);

    let queue = clerk.get(&g, "/admin?channel=counter");
    assert!(queue.body.contains(&format!("href=\"/admin/requests/{reference}\"")), "{}", queue.body);
    let web = clerk.get(&g, "/admin?channel=web");
    assert!(!web.body.contains(&reference), "{}", web.body);
    assert_eq!(one(&g, "SELECT channel FROM requests WHERE reference = ?", &reference), "counter");
    assert_eq!(one(&g, "SELECT filed_by FROM requests WHERE reference = ?", &reference), team.agent.id);
    assert!(one(&g, "SELECT contact FROM requests WHERE reference = ?", &reference).contains("Mme Durand"));
}

#[test]
fn a_caller_with_an_account_gets_the_request_filed_in_their_name() {
    let g = start();
    let team = admin_support::team(&g);
    let mut clerk = admin_support::browser(&g, &team.agent.email);
    let path = "/admin/intake/file?service=pothole&channel=counter";
    let form = clerk.get(&g, path);
    assert!(form.body.contains("id=\"caller-account\""), "{}", form.body);
    let (csrf, key) = (hidden(&form.body, "csrf"), hidden(&form.body, "idempotency_key"));
    let account = |email: &'static str| {
        let mut parts = pothole_parts(&csrf, &key, "small", vec![Part::Text("caller_account", "true")]);
        parts.retain(|p| !matches!(p, Part::Text("caller_email", _)));
        parts.push(Part::Text("caller_email", email));
        parts
    };

    let nobody = clerk.post_multipart(&g, path, &account("personne@example.org"), None);
    assert_eq!(nobody.status, 422, "{}", nobody.body);
    assert!(nobody.body.contains("<a href=\"#caller-email\">"), "{}", nobody.body);

    let filed = clerk.post_multipart(&g, path, &account("citoyenne@exemple.org"), None);
    let reference = filed_reference(&filed, "filed");
    let signed = g.sign_in(&team.citizen, PASSWORD);
    let mine = g.get("/api/requests/mine", Some(&tokens_of(&signed).access));
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(mine.body.contains(&reference), "in the citizen's space: {}", mine.body);
}

#[test]
fn on_the_phone_the_call_is_logged_with_the_filing() {
    let g = start();
    let team = admin_support::team(&g);
    let mut clerk = admin_support::browser(&g, &team.agent.email);
    let path = "/admin/intake/file?service=pothole&channel=phone";
    let form = clerk.get(&g, path);
    assert!(form.body.contains("id=\"call-summary\""), "{}", form.body);
    let (csrf, key) = (hidden(&form.body, "csrf"), hidden(&form.body, "idempotency_key"));

    let no_summary = vec![Part::Text("call_minutes", "4"), Part::Text("call_summary", "")];
    let refused = clerk.post_multipart(&g, path, &pothole_parts(&csrf, &key, "large", no_summary), None);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("<a href=\"#call-summary\">"), "{}", refused.body);

    let call = vec![Part::Text("call_minutes", "4"), Part::Text("call_summary", "Trou dangereux devant l'école")];
    let filed = clerk.post_multipart(&g, path, &pothole_parts(&csrf, &key, "large", call), None);
    let reference = filed_reference(&filed, "filed");
    assert_eq!(one(&g, "SELECT channel FROM requests WHERE reference = ?", &reference), "phone");
    let sql = "SELECT c.summary || '|' || c.duration_seconds || '|' || c.caller || '|' || c.agent_id \
               FROM call_logs c JOIN requests r ON r.id = c.request_id WHERE r.reference = ?";
    assert_eq!(one(&g, sql, &reference), format!("Trou dangereux devant l'école|240|Mme Durand|{}", team.agent.id));
}

fn mail(g: &Guichet, from: &str, subject: &str, id: &str) {
    let raw = format!(
        "From: <{from}>\r\nTo: mairie@demo.example\r\nSubject: {subject}\r\nMessage-ID: <{id}@example.org>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nUn lampadaire est éteint rue des Lilas.\r\n"
    );
    let auth = format!("Bearer {INBOUND_SECRET}");
    let reply = g.host.send(
        "POST",
        "/api/requests/inbound-mail",
        &[("content-type", "message/rfc822"), ("authorization", &auth)],
        Some(raw.as_bytes()),
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.json()["status"], "triage", "{}", reply.body);
}

fn mail_id(g: &Guichet, subject: &str) -> String {
    one(g, "SELECT id FROM inbound_mail WHERE subject = ?", subject)
}

#[test]
fn an_agent_attaches_files_and_dismisses_the_emails_waiting_for_triage() {
    let g = start();
    let team = admin_support::team(&g);
    let existing = file_pothole(&g, Some(&citizen(&g, "alice")));
    mail(&g, "paul@example.org", "Encore ce trou", "m1");
    mail(&g, "lea@example.org", "Lampadaire éteint", "m2");
    mail(&g, "spam@example.net", "Gagnez un million", "m3");
    let mut agent = admin_support::browser(&g, &team.agent.email);

    let desk = agent.get(&g, "/admin/intake");
    assert_eq!(desk.status, 200, "{}", desk.body);
    for subject in ["Encore ce trou", "Lampadaire éteint", "Gagnez un million"] {
        assert!(desk.body.contains(subject), "{subject} in {}", desk.body);
    }
    let csrf = hidden(&desk.body, "csrf");

    // A wrong reference is said on the desk, the e-mail still waiting.
    let first = mail_id(&g, "Encore ce trou");
    let wrong = agent.post_form(&g, &format!("/admin/intake/triage/{first}"), &[("csrf", &csrf), ("action", "attach"), ("reference", "2026-999999")]);
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("error-summary"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"2026-999999\""), "{}", wrong.body);

    let attached = agent.post_form(&g, &format!("/admin/intake/triage/{first}"), &[("csrf", &csrf), ("action", "attach"), ("reference", &existing.reference)]);
    assert_eq!(filed_reference(&attached, "attached"), existing.reference);
    assert_eq!(one(&g, "SELECT status FROM inbound_mail WHERE id = ?", &first), "attached");

    let spam = mail_id(&g, "Gagnez un million");
    let dismissed = agent.post_form(&g, &format!("/admin/intake/triage/{spam}"), &[("csrf", &csrf), ("action", "discard")]);
    assert_eq!(dismissed.status, 303, "{}", dismissed.body);
    assert_eq!(dismissed.header("location"), Some("/admin/intake?done=discarded&ref="));
    assert_eq!(one(&g, "SELECT status FROM inbound_mail WHERE id = ?", &spam), "discarded");

    // A request filed from the third e-mail, with the service's form.
    let light = mail_id(&g, "Lampadaire éteint");
    let path = format!("/admin/intake/file?service=pothole&mail={light}");
    let form = agent.get(&g, &path);
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("lea@example.org") && form.body.contains("Un lampadaire est éteint"), "{}", form.body);
    let (csrf, key) = (hidden(&form.body, "csrf"), hidden(&form.body, "idempotency_key"));
    let parts = [
        Part::Text("csrf", &csrf),
        Part::Text("idempotency_key", &key),
        Part::Text("answers.location.address", "rue des Lilas"),
        Part::Text("answers.size", "small"),
        Part::Text("answers.email", "lea@example.org"),
        Part::Text("answers.consent", "true"),
    ];
    let filed = agent.post_multipart(&g, &path, &parts, None);
    let reference = filed_reference(&filed, "filed");
    assert_eq!(one(&g, "SELECT channel FROM requests WHERE reference = ?", &reference), "email");
    assert!(one(&g, "SELECT contact FROM requests WHERE reference = ?", &reference).contains("lea@example.org"));
    assert_eq!(one(&g, "SELECT status FROM inbound_mail WHERE id = ?", &light), "attached");

    let after = agent.get(&g, "/admin/intake");
    for subject in ["Encore ce trou", "Lampadaire éteint", "Gagnez un million"] {
        assert!(!after.body.contains(subject), "{subject} still waiting: {}", after.body);
    }
}

#[test]
fn a_clerk_adds_a_scanned_letter_to_a_request_and_files_a_new_one_from_paper_mail() {
    let g = start();
    let team = admin_support::team(&g);
    let existing = file_pothole(&g, Some(&citizen(&g, "alice")));
    let mut clerk = admin_support::browser(&g, &team.agent.email);
    let desk = clerk.get(&g, "/admin/intake");
    let csrf = hidden(&desk.body, "csrf");

    let unknown = clerk.post_multipart(
        &g,
        "/admin/intake/scan",
        &[Part::Text("csrf", &csrf), Part::Text("reference", "2026-999999"), Part::File("scan", "lettre.pdf", "application/pdf", PDF), Part::Text("received_on", "")],
        None,
    );
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains("aucune demande n’a cette référence"), "{}", unknown.body);

    let scanned = clerk.post_multipart(
        &g,
        "/admin/intake/scan",
        &[Part::Text("csrf", &csrf), Part::Text("reference", &existing.reference), Part::File("scan", "lettre.pdf", "application/pdf", PDF), Part::Text("received_on", "")],
        None,
    );
    assert_eq!(filed_reference(&scanned, "scan"), existing.reference);
    let sql = "SELECT a.name || '|' || a.source FROM attachments a JOIN requests r ON r.id = a.request_id \
               WHERE r.reference = ? AND a.source = 'mail'";
    assert_eq!(one(&g, sql, &existing.reference), "lettre.pdf|mail");

    // A letter asking for something new: filed with channel mail, its scan attached.
    let path = "/admin/intake/file?service=pothole&channel=mail";
    let form = clerk.get(&g, path);
    assert!(form.body.contains("id=\"scan\""), "{}", form.body);
    let (csrf, key) = (hidden(&form.body, "csrf"), hidden(&form.body, "idempotency_key"));
    let without = clerk.post_multipart(&g, path, &pothole_parts(&csrf, &key, "small", Vec::new()), None);
    assert_eq!(without.status, 422, "{}", without.body);
    assert!(without.body.contains("<a href=\"#scan\">"), "{}", without.body);
    let letter = vec![Part::File("scan", "courrier.pdf", "application/pdf", PDF), Part::Text("received_on", "")];
    let filed = clerk.post_multipart(&g, path, &pothole_parts(&csrf, &key, "small", letter), None);
    let reference = filed_reference(&filed, "filed");
    assert_eq!(one(&g, "SELECT channel FROM requests WHERE reference = ?", &reference), "mail");
    assert_eq!(one(&g, sql, &reference), "courrier.pdf|mail");
}

#[test]
fn a_citizen_is_refused_the_intake_desk_and_its_actions() {
    let g = start();
    let team = admin_support::team(&g);
    let mut citizen = admin_support::browser(&g, &team.citizen);
    for path in ["/admin/intake", "/admin/intake/file?service=pothole&channel=counter"] {
        let refused = citizen.get(&g, path);
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
    }
    let guest = Browser::default().get(&g, "/admin/intake");
    assert_eq!(guest.status, 303);
}
