//! Issue #17, finding 8: anyone can write `From: <the citizen>` and a request's reference in
//! a subject. Inbound e-mail is attached to a request (its files stored, its entry shown to
//! the citizen) only when the commune's receiving mail server authenticated the sender (its
//! `Authentication-Results` with the configured authserv-id, RFC 8601: `dmarc=pass`, or
//! `spf=pass` and `dkim=pass` aligned with the From domain) and the sender is the request's
//! contact; everything else waits for triage, and e-mail adds a bounded number of files.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use requests_support::*;
use serde_json::{json, Value};

const SECRET: &str = "inbound-webhook-secret-0123456789";
/// The authserv-id of the commune's receiving mail server.
const MX: &str = "mx.demo.example";
const CONTACT: &str = "durand@example.org";

fn start() -> Guichet {
    Guichet::start_with(&[
        ("SPIN_VARIABLE_INBOUND_MAIL_SECRET", SECRET),
        ("SPIN_VARIABLE_INBOUND_MAIL_AUTHSERV_ID", MX),
    ])
}

/// A pothole report filed by an agent for a caller reachable at [`CONTACT`]: its reference.
fn filed_for_contact(g: &Guichet) -> String {
    let mut body = pothole_body(CONTACT);
    body["channel"] = json!("counter");
    let reply = g.post(
        &format!("{REQUESTS}/counter"),
        &body,
        Some(&staff(g, "agent-1", &["agent"])),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}

/// A message from `from` quoting `reference`, with `pdfs` PDF files and the trace headers
/// `auth` (`Authentication-Results` values, topmost first).
fn message(from: &str, reference: &str, id: &str, auth: &[&str], pdfs: usize) -> String {
    let mut raw: String = auth
        .iter()
        .map(|a| format!("Authentication-Results: {a}\r\n"))
        .collect();
    raw.push_str(&format!(
        "From: <{from}>\r\nTo: mairie@demo.example\r\nSubject: Re: {reference}\r\n\
         Message-ID: <{id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n\
         --XYZ\r\nContent-Type: text/plain\r\n\r\nVoici les documents.\r\n"
    ));
    for n in 0..pdfs {
        raw.push_str(&format!(
            "--XYZ\r\nContent-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename=\"doc-{n}.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64(PDF)
        ));
    }
    raw.push_str("--XYZ--\r\n");
    raw
}

fn post_mail(g: &Guichet, raw: &str) -> Reply {
    let auth = format!("Bearer {SECRET}");
    let reply = g.host.send(
        "POST",
        "/api/requests/inbound-mail",
        &[("content-type", "message/rfc822"), ("authorization", &auth)],
        Some(raw.as_bytes()),
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    reply
}

fn count(g: &Guichet, sql: &str) -> i64 {
    db(g)
        .query_row(sql, [], |row| row.get(0))
        .expect(sql)
}

/// What the citizen and the files table show of the request.
fn seen(g: &Guichet, reference: &str) -> Value {
    let view = g
        .get(
            &format!("{REQUESTS}/{reference}"),
            Some(&staff(g, "admin-1", &["admin"])),
        )
        .json();
    json!({
        "attachments": view["attachments"],
        "emails": view["timeline"].as_array().expect("timeline").iter()
            .filter(|e| e["kind"] == "email").count(),
        "files": count(g, "SELECT COUNT(*) FROM attachments"),
    })
}

#[test]
fn a_forged_mail_from_the_contact_waits_for_triage_and_attaches_nothing() {
    let g = start();
    let reference = filed_for_contact(&g);
    let before = seen(&g, &reference);
    let forged = [
        vec![],
        vec!["mx.demo.example; dmarc=fail header.from=example.org"],
        vec![
            "mx.demo.example; spf=pass smtp.mailfrom=x@example.org; dkim=fail header.d=example.org",
        ],
        // A verdict from a server that is not the commune's, as a forger writes it.
        vec!["attacker.example; dmarc=pass header.from=example.org"],
        // A forged pass below the commune's server's own verdict.
        vec![
            "mx.demo.example; dmarc=none header.from=example.org",
            "mx.demo.example; dmarc=pass header.from=example.org",
        ],
    ];
    for (n, auth) in forged.iter().enumerate() {
        let raw = message(CONTACT, &reference, &format!("forged-{n}@x"), auth, 2);
        let reply = post_mail(&g, &raw);
        assert_eq!(reply.json()["status"], "triage", "{auth:?}: {}", reply.body);
        assert!(reply.json().get("reference").is_none(), "{}", reply.body);
    }
    // A verdict about one of several From addresses says nothing about the others.
    let pass = ["mx.demo.example; dmarc=pass header.from=example.org"];
    let two = message(CONTACT, &reference, "two-from@x", &pass, 1).replace(
        &format!("From: <{CONTACT}>"),
        &format!("From: <{CONTACT}>, <someone@example.org>"),
    );
    assert_eq!(post_mail(&g, &two).json()["status"], "triage");
    assert_eq!(seen(&g, &reference), before, "the request is unchanged");
    let triage = g
        .get(
            &format!("{REQUESTS}/triage"),
            Some(&staff(&g, "agent-1", &["agent"])),
        )
        .json();
    assert_eq!(triage["total"], 6);
    assert!(triage["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|m| m["sender_verified"] == false));
}

#[test]
fn an_authenticated_mail_from_the_contact_is_attached() {
    let g = start();
    let reference = filed_for_contact(&g);
    for (n, auth) in [
        "mx.demo.example; dmarc=pass header.from=example.org",
        "MX.demo.example 1; spf=pass smtp.mailfrom=bounce@mail.example.org (ok); \
         dkim=pass header.d=example.org header.s=s1",
    ]
    .iter()
    .enumerate()
    {
        let raw = message(CONTACT, &reference, &format!("ok-{n}@x"), &[auth], 1);
        let reply = post_mail(&g, &raw);
        assert_eq!(reply.json()["status"], "attached", "{auth}: {}", reply.body);
        assert_eq!(reply.json()["reference"], json!(reference));
    }
    let view = seen(&g, &reference);
    assert_eq!(view["files"], 2);
    assert_eq!(view["emails"], 2);
    assert_eq!(
        count(
            &g,
            "SELECT COUNT(*) FROM timeline WHERE kind = 'email' AND public = 1"
        ),
        2,
        "the citizen's own messages are on their timeline"
    );
}

#[test]
fn an_authenticated_stranger_quoting_a_reference_waits_for_triage() {
    let g = start();
    let reference = filed_for_contact(&g);
    let before = seen(&g, &reference);
    let raw = message(
        "someone@evil.example",
        &reference,
        "stranger@x",
        &["mx.demo.example; dmarc=pass header.from=evil.example"],
        3,
    );
    assert_eq!(post_mail(&g, &raw).json()["status"], "triage");
    assert_eq!(seen(&g, &reference), before);
}

#[test]
fn inbound_mail_adds_at_most_five_files_a_message_and_ten_a_request() {
    let g = start();
    let reference = filed_for_contact(&g);
    let pass = ["mx.demo.example; dmarc=pass header.from=example.org"];
    for n in 0..3 {
        let raw = message(CONTACT, &reference, &format!("many-{n}@x"), &pass, 8);
        assert_eq!(post_mail(&g, &raw).json()["status"], "attached");
    }
    assert_eq!(
        count(
            &g,
            "SELECT COUNT(*) FROM attachments WHERE source = 'email'"
        ),
        10
    );
    // The rest are listed as skipped, for the agents to see.
    let skipped = count(
        &g,
        "SELECT SUM(json_array_length(detail, '$.skipped')) FROM timeline WHERE kind = 'email'",
    );
    assert_eq!(skipped, 14);
    // Room is left for the citizen's own files.
    let upload = g.post(
        &format!("{REQUESTS}/{reference}/attachments"),
        &json!({"name": "mine.pdf", "content_type": "application/pdf", "data_base64": base64(PDF)}),
        Some(&staff(&g, "agent-1", &["agent"])),
    );
    assert_eq!(upload.status, 201, "{}", upload.body);
}
