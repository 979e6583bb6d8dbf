//! A commune's own templates: an administrator's edit changes the next message, its HTML part
//! escapes what a citizen typed and the e-mail keeps its plain-text part; templates with an
//! unknown placeholder or broken syntax are refused naming the part, and nothing is written;
//! a preview renders sample data; deleting the commune's template brings the default back.

use serde_json::{json, Value};

use crate::notifications_support::{errors, start, to_email, App, API, WAIT};

const STATUS_FR_EMAIL: &str = "/api/notifications/templates/request_status/fr/email";

fn put(app: &App, path: &str, body: &Value) -> guichet_tests::Reply {
    app.call("PUT", path, &app.admin(), Some(body))
}

#[test]
fn a_template_edit_changes_the_next_message_and_its_html_part_escapes_a_citizens_text() {
    let app = start(&[]);
    let saved = put(
        &app,
        STATUS_FR_EMAIL,
        &json!({
            "subject": "Du nouveau pour {{ reference }}",
            "text": "{{ name }}, votre demande est : {{ state }}.\n{{ link }}",
            "html": "<p>{{ name }}, votre demande est : <b>{{ state }}</b>.</p><p><a href=\"{{ link }}\">Suivre</a></p>",
        }),
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    let citizen = json!([{"email": "anne@example.org", "name": "<script>alert(1)</script>", "notify": "email", "verified": true}]);
    app.event("ev-tpl-1", "status-changed", "2026-000501", citizen);
    let mail = app.mailbox.wait_for("anne@example.org", |m| m.subject.contains("2026-000501"), WAIT);
    assert_eq!(mail.subject, "Du nouveau pour 2026-000501");
    // The plain-text part is there, the name as typed (plain text runs no script).
    assert!(mail.text.starts_with("<script>alert(1)</script>, votre demande est : Pris en compte."), "{}", mail.text);
    let html = mail.html.expect("an HTML part");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("<b>Pris en compte</b>"), "{html}");

    // Another commune's citizens, and other kinds, keep the defaults: a filing's receipt has
    // its default text, and its HTML part is that text escaped.
    app.event("ev-tpl-2", "request-filed", "2026-000502", json!([{"email": "bob@example.org", "name": "Bob <b>", "notify": "email", "verified": true}]));
    let receipt = app.mailbox.wait_for("bob@example.org", |m| m.subject.contains("2026-000502"), WAIT);
    assert!(receipt.text.starts_with("Bonjour Bob <b>,"), "{}", receipt.text);
    let html = receipt.html.expect("an HTML part");
    assert!(html.contains("Bonjour Bob &lt;b&gt;,") && !html.contains("Bob <b>"), "{html}");

    // Deleting the commune's template brings the default back for the next message.
    let deleted = app.call("DELETE", STATUS_FR_EMAIL, &app.admin(), None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.json()["customised"], false);
    app.event("ev-tpl-3", "status-changed", "2026-000503", json!([to_email("anne@example.org")]));
    let mail = app.mailbox.wait_for("anne@example.org", |m| m.subject.contains("2026-000503"), WAIT);
    assert_eq!(mail.subject, "Demande 2026-000503 : Pris en compte");
    assert_eq!(app.call("DELETE", STATUS_FR_EMAIL, &app.admin(), None).status, 404);
}

#[test]
fn templates_with_unknown_placeholders_or_broken_syntax_are_refused_naming_the_part_and_nothing_is_written() {
    let app = start(&[]);
    let unknown = put(&app, STATUS_FR_EMAIL, &json!({"subject": "{{ reference }} {{ tracking_code }}", "text": "ok"}));
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert_eq!(errors(&unknown), [("subject".to_owned(), "unknown_placeholder".to_owned())]);
    assert!(unknown.body.contains("tracking_code"), "{}", unknown.body);
    let broken = put(&app, STATUS_FR_EMAIL, &json!({"subject": "ok", "text": "{% if state %}open", "html": "<p>{{ name </p>"}));
    assert_eq!(broken.status, 400, "{}", broken.body);
    assert_eq!(
        errors(&broken),
        [("text".to_owned(), "syntax".to_owned()), ("html".to_owned(), "syntax".to_owned())]
    );
    // No filters in this engine: a template that uses one fails its sample rendering.
    let filter = put(&app, STATUS_FR_EMAIL, &json!({"subject": "{{ reference|upper }}", "text": "ok"}));
    assert_eq!(filter.status, 400, "{}", filter.body);
    assert_eq!(errors(&filter)[0].0, "subject");
    let sms_subject = put(&app, "/api/notifications/templates/request_status/fr/sms", &json!({"subject": "x", "text": "{{ reference }}"}));
    assert_eq!(errors(&sms_subject), [("subject".to_owned(), "not_allowed".to_owned())]);
    let path = app.call("PUT", "/api/notifications/templates/nope/de/fax", &app.admin(), Some(&json!({"text": "x"})));
    assert_eq!(errors(&path), [("kind".to_owned(), "unknown".to_owned()), ("language".to_owned(), "unknown".to_owned())]);
    // An agent may not edit templates.
    let agent = app.call("PUT", STATUS_FR_EMAIL, &app.agent(), Some(&json!({"subject": "x", "text": "y"})));
    assert_eq!(agent.status, 403, "{}", agent.body);

    // Nothing was written: the template is still the default.
    let current = app.call("GET", STATUS_FR_EMAIL, &app.admin(), None).json();
    assert_eq!(current["customised"], false, "{current}");
    assert_eq!(current["subject"], "Demande {{ reference }} : {{ state }}");
    let all = app.call("GET", &format!("{API}/templates"), &app.admin(), None).json();
    let list = all["templates"].as_array().cloned().unwrap_or_default();
    assert!(list.iter().all(|t| t["customised"] == false), "{all}");
    // Every kind has its defaults in both languages.
    for kind in ["request_filed", "request_status", "request_message", "request_followed", "agent_assigned", "agent_overdue", "agent_reply", "signature_reminder", "agent_digest"] {
        for language in ["fr", "en"] {
            assert!(list.iter().any(|t| t["kind"] == kind && t["language"] == language && t["channel"] == "email"), "{kind} {language}");
        }
    }
}

#[test]
fn a_preview_renders_sample_data_in_every_part() {
    let app = start(&[]);
    let path = format!("{API}/templates/agent_assigned/en/email/preview");
    let current = app.call("POST", &path, &app.admin(), None);
    assert_eq!(current.status, 200, "{}", current.body);
    let preview = current.json();
    assert_eq!(preview["subject"], "Request 2026-000123 assigned to you");
    assert!(preview["text"].as_str().unwrap_or("").contains("Report a pothole"), "{preview}");
    assert!(preview["html"].as_str().unwrap_or("").contains("<p>"), "{preview}");
    let draft = app.call("POST", &path, &app.admin(), Some(&json!({"subject": "To do: {{ reference }}", "text": "{{ service }}", "html": "<i>{{ name }}</i>"})));
    assert_eq!(draft.status, 200, "{}", draft.body);
    assert_eq!(draft.json()["html"], "<i>Anne Martin</i>");
    // A preview saves nothing.
    assert_eq!(app.call("GET", &format!("{API}/templates/agent_assigned/en/email"), &app.admin(), None).json()["customised"], false);
}
