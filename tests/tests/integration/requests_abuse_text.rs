//! Text that would let anyone write the commune's messages is refused (issue #17, finding 1,
//! and docs/SECURITY.md item 16): a contact name goes into the greeting of every e-mail and SMS sent in
//! the commune's name, so a name with a line break could add a header (`\r\nBcc:`) or a
//! paragraph with a link. Names refuse every control character and bidirectional override;
//! free text (descriptions, answers, messages) keeps its line breaks and refuses the rest.
//! Refused input is a 400 at its field with `control_characters`, and nothing is written.

use crate::requests_support;

use std::time::Duration;

use guichet_tests::guichet::Guichet;
use requests_support::*;
use serde_json::json;

/// How many requests the commune has, as its staff see them.
fn requests_filed(g: &Guichet) -> u64 {
    let supervisor = staff(g, "acct-supervisor", &["supervisor"]);
    let reply = g.get(REQUESTS, Some(&supervisor));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["total"].as_u64().expect("total")
}

#[test]
fn a_name_that_would_add_a_header_or_a_paragraph_to_the_greeting_is_refused_and_nothing_is_written() {
    let g = Guichet::start();
    for name in [
        "Camille\r\nBcc: victim@example.org",
        "Camille\n\nCliquez sur http://evil.example pour payer l'amende",
        "Camille\tMartin",
        "\u{202E}ellimaC",
    ] {
        let mut body = pothole_body("camille@example.org");
        body["contact"]["name"] = json!(name);
        let reply = g.post(REQUESTS, &body, None);
        assert_eq!(reply.status, 400, "{name:?}: {}", reply.body);
        assert_eq!(errors_of(&reply), [pair("contact.name", "control_characters")], "{name:?}");
    }
    assert_eq!(requests_filed(&g), 0);
    std::thread::sleep(Duration::from_millis(300));
    assert!(g.mailbox.messages().is_empty(), "a message was sent");
}

#[test]
fn free_text_keeps_its_line_breaks_but_refuses_other_control_characters_and_bidi_overrides() {
    let g = Guichet::start();
    for (member, text) in [
        ("description", "Trou\u{0} profond"),
        ("description", "Trou \u{202E}fednorp"),
        ("details", "Voir \u{1b}[31mici"),
        ("details", "Voir \u{2066}ici\u{2069}"),
    ] {
        let mut body = pothole_body("camille@example.org");
        let field = if member == "details" {
            body["answers"]["details"] = json!(text);
            "answers.details"
        } else {
            body[member] = json!(text);
            member
        };
        let reply = g.post(REQUESTS, &body, None);
        assert_eq!(reply.status, 400, "{text:?}: {}", reply.body);
        assert_eq!(errors_of(&reply), [pair(field, "control_characters")], "{text:?}");
    }
    assert_eq!(requests_filed(&g), 0);

    let mut body = pothole_body("camille@example.org");
    body["description"] = json!("Trou profond\r\ndevant la boulangerie,\ta gauche");
    let filed = file(&g, &body, None);
    let supervisor = staff(&g, "acct-supervisor", &["supervisor"]);
    let view = show(&g, &filed.reference, &supervisor).json();
    assert_eq!(view["description"], "Trou profond\ndevant la boulangerie,\ta gauche");
}

#[test]
fn the_communes_messages_and_notes_refuse_control_characters_too() {
    let g = Guichet::start();
    let filed = file_pothole(&g, None);
    let agent = agent(&g, "acct-agent");
    let path = |what: &str| format!("{REQUESTS}/{}/{what}", filed.reference);
    let reply = g.post(&path("messages"), &json!({"text": "Bonjour \u{202E}lien"}), Some(&agent));
    assert_eq!((reply.status, errors_of(&reply)), (400, vec![pair("text", "control_characters")]), "{}", reply.body);
    let reply = g.post(&path("notes"), &json!({"text": "note\u{0}"}), Some(&agent));
    assert_eq!((reply.status, errors_of(&reply)), (400, vec![pair("text", "control_characters")]), "{}", reply.body);
    let reply = g.post(
        &path("transitions"),
        &json!({"to": "acknowledged", "message": "Vu\u{7}"}),
        Some(&agent),
    );
    assert_eq!((reply.status, errors_of(&reply)), (400, vec![pair("message", "control_characters")]), "{}", reply.body);
    let reply = g.post(&path("messages"), &json!({"text": "Bonjour,\r\nnous passons lundi."}), Some(&agent));
    assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
}

#[test]
fn an_attachment_name_that_reads_reversed_is_refused() {
    let g = Guichet::start();
    let mut body = pothole_body("camille@example.org");
    body["attachments"] = json!([{
        "name": "photo\u{202E}gnp.exe", "content_type": "image/png", "data_base64": base64(PNG),
    }]);
    let reply = g.post(REQUESTS, &body, None);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(errors_of(&reply), [pair("attachments[0].name", "control_characters")]);
    assert_eq!(requests_filed(&g), 0);
}
