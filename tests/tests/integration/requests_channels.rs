//! Every channel besides the web form, through the real host: an agent filing at the counter
//! and on the phone (with its call log), the inbound e-mail webhook (raw MIME, attached by the
//! reference in its subject or queued for triage, stored once), a clerk's scanned letter, and
//! the printable receipt whose QR code is rendered to pixels and decoded for real (resvg +
//! rqrr).

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use serde_json::{json, Value};

const COMMUNE: &str = "demo";
const SECRET: &str = "inbound-webhook-secret-0123456789";
const AGENT: &str = "agent-0001";
/// A one-page PDF's first bytes: what the attachment rules check.
const PDF: &[u8] = b"%PDF-1.4\n% scanned letter\n";

/// The authserv-id of the commune's receiving mail server (see requests_inbound_forgery.rs).
const MX: &str = "mx.demo.example";

fn start() -> Guichet {
    Guichet::start_with(&[
        ("SPIN_VARIABLE_INBOUND_MAIL_SECRET", SECRET),
        ("SPIN_VARIABLE_INBOUND_MAIL_AUTHSERV_ID", MX),
    ])
}

fn agent(g: &Guichet) -> String {
    g.keys.access_token(COMMUNE, AGENT, &["agent"])
}

fn b64(bytes: &[u8]) -> String {
    use jwt_simple::prelude::*;
    Base64::encode_to_string(bytes).expect("base64")
}

/// A pothole report as the web form would send it, without the channel's own members.
fn pothole(contact: Value) -> Value {
    json!({
        "service_code": "pothole",
        "description": "Trou profond devant l'école",
        "location": {"lat": 48.8566, "long": 2.3522, "address": "1 rue de l'École"},
        "answers": {"size": "medium", "consent": true},
        "contact": contact,
    })
}

fn with(mut body: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    body
}

fn call() -> Value {
    json!({"called_at": "2026-11-30T09:15:00+01:00", "duration_seconds": 185,
           "caller": "Mme Durand, 06 12 34 56 78", "summary": "Trou dangereux signalé par téléphone"})
}

/// The requests database, to check what was (or was not) written.
fn db(g: &Guichet) -> rusqlite::Connection {
    rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db")
}

/// The number `sql` counts; 0 while requests has not even created its tables (a refused
/// request may be refused before the component opens its database: nothing written either).
fn count(g: &Guichet, sql: &str) -> i64 {
    let conn = db(g);
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |row| row.get(0),
        )
        .expect("sqlite_master");
    if tables == 0 {
        return 0;
    }
    conn.query_row(sql, [], |row| row.get(0)).expect(sql)
}

fn error_fields(reply: &Reply) -> Vec<String> {
    reply.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect()
}

/// The timeline of `reference`: (kind, public, actor_kind, body, detail).
fn timeline(g: &Guichet, reference: &str) -> Vec<(String, bool, String, Option<String>, Value)> {
    let conn = db(g);
    let mut statement = conn
        .prepare(
            "SELECT t.kind, t.public, t.actor_kind, t.body, t.detail FROM timeline t \
             JOIN requests r ON r.id = t.request_id WHERE r.reference = ? ORDER BY t.seq",
        )
        .expect("prepare");
    statement
        .query_map([reference], |row| {
            let detail: String = row.get(4)?;
            Ok((
                row.get(0)?,
                row.get::<_, i64>(1)? == 1,
                row.get(2)?,
                row.get(3)?,
                serde_json::from_str(&detail).unwrap_or(Value::Null),
            ))
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

fn counter(g: &Guichet, body: &Value) -> Reply {
    g.post("/api/requests/counter", body, Some(&agent(g)))
}

/// Files a pothole report on the phone and returns its reference.
fn phone_filing(g: &Guichet) -> String {
    let reply = counter(
        g,
        &with(
            pothole(json!({"email": "durand@example.org"})),
            json!({"channel": "phone", "call": call()}),
        ),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}

fn mail(g: &Guichet, raw: &str, secret: Option<&str>) -> Reply {
    let auth = secret.map(|s| format!("Bearer {s}"));
    let mut headers = vec![("content-type", "message/rfc822")];
    if let Some(auth) = auth.as_deref() {
        headers.push(("authorization", auth));
    }
    g.host.send(
        "POST",
        "/api/requests/inbound-mail",
        &headers,
        Some(raw.as_bytes()),
    )
}

/// A MIME message from `from` with a PDF and an executable attached, its sender
/// authenticated by the commune's receiving server.
fn message(from: &str, subject: &str, message_id: &str, text: &str) -> String {
    let domain = from.rsplit('@').next().unwrap_or_default();
    format!(
        "Authentication-Results: {MX}; dmarc=pass header.from={domain}\r\n\
From: Citizen <{from}>\r\nTo: mairie@demo.example\r\nSubject: {subject}\r\n\
Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n\
--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
--XYZ\r\nContent-Type: application/pdf; name=\"photo-trou.pdf\"\r\nContent-Disposition: attachment; filename=\"photo-trou.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n\
--XYZ\r\nContent-Type: application/x-msdownload; name=\"virus.exe\"\r\nContent-Disposition: attachment; filename=\"virus.exe\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--XYZ--\r\n",
        pdf = b64(PDF),
    )
}

#[test]
fn an_agent_files_for_a_caller_on_the_phone_and_the_call_log_is_written_with_the_request() {
    let g = start();
    let reply = counter(
        &g,
        &with(
            pothole(json!({"email": "durand@example.org"})),
            json!({"channel": "phone", "call": call()}),
        ),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = reply.json();
    let reference = body["reference"].as_str().expect("reference");
    assert!(
        body["tracking_code"]
            .as_str()
            .is_some_and(|c| c.len() == 19),
        "{body}"
    );
    assert!(body["call_id"].is_string(), "{body}");
    let (channel, filed_by, account): (String, String, Option<String>) = db(&g)
        .query_row(
            "SELECT channel, filed_by, account_id FROM requests WHERE reference = ?",
            [reference],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("request row");
    assert_eq!(
        (channel.as_str(), filed_by.as_str(), account),
        ("phone", AGENT, None)
    );
    let (called_at, duration, caller, agent_id): (String, i64, String, String) = db(&g)
        .query_row(
            "SELECT c.called_at, c.duration_seconds, c.caller, c.agent_id FROM call_logs c \
             JOIN requests r ON r.id = c.request_id WHERE r.reference = ?",
            [reference],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("call log row");
    // Stored in UTC: 09:15 in Paris (+01:00) is 08:15 UTC.
    assert_eq!(called_at, "2026-11-30T08:15:00Z");
    assert_eq!(
        (duration, caller.as_str(), agent_id.as_str()),
        (185, "Mme Durand, 06 12 34 56 78", AGENT)
    );
    let kinds: Vec<(String, bool)> = timeline(&g, reference)
        .into_iter()
        .map(|e| (e.0, e.1))
        .collect();
    assert_eq!(
        kinds,
        vec![("filed".to_owned(), true), ("call".to_owned(), false)]
    );
}

#[test]
fn an_agent_at_the_counter_files_for_a_citizen_s_account_without_a_call_log() {
    let g = start();
    // The form of the service asks for an e-mail address: the contact's fills it.
    let body = with(
        pothole(json!({"email": "c42@example.org"})),
        json!({"channel": "counter", "citizen": {"account_id": "citizen-42"}}),
    );
    let reply = counter(&g, &body);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reference = reply.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    let (channel, account): (String, Option<String>) = db(&g)
        .query_row(
            "SELECT channel, account_id FROM requests WHERE reference = ?",
            [&reference],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(
        (channel.as_str(), account.as_deref()),
        ("counter", Some("citizen-42"))
    );
    assert_eq!(count(&g, "SELECT COUNT(*) FROM call_logs"), 0);
    // The citizen's own token then sees the request as theirs: the receipt opens for them.
    let citizen = g.keys.access_token(COMMUNE, "citizen-42", &[]);
    let receipt = g.get(
        &format!("/api/requests/{reference}/receipt"),
        Some(&citizen),
    );
    assert_eq!(receipt.status, 200, "{}", receipt.body);
}

#[test]
fn a_phone_filing_without_a_call_log_is_refused_and_nothing_is_written() {
    let g = start();
    let reply = counter(
        &g,
        &with(
            pothole(json!({"email": "durand@example.org"})),
            json!({"channel": "phone"}),
        ),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(error_fields(&reply), vec!["call"]);
    // Every error at once, ours and the filing's, each by its path.
    let bad = with(
        json!({"service_code": "pothole", "answers": {"size": "huge", "consent": true}, "location": {"lat": 48.8, "long": 2.3}}),
        json!({"channel": "phone", "call": {"called_at": "hier", "duration_seconds": 90_000, "caller": "x", "summary": "y"}}),
    );
    let reply = counter(&g, &bad);
    assert_eq!(reply.status, 400, "{}", reply.body);
    let fields = error_fields(&reply);
    for expected in [
        "call.called_at",
        "call.duration_seconds",
        "contact",
        "answers.size",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} in {fields:?}"
        );
    }
    assert_eq!(count(&g, "SELECT COUNT(*) FROM requests"), 0);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM call_logs"), 0);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM timeline"), 0);
}

#[test]
fn only_staff_file_at_the_counter_and_log_calls() {
    let g = start();
    let body = with(
        pothole(json!({"email": "a@example.org"})),
        json!({"channel": "counter"}),
    );
    assert_eq!(g.post("/api/requests/counter", &body, None).status, 401);
    let citizen = g.keys.access_token(COMMUNE, "citizen-1", &[]);
    assert_eq!(
        g.post("/api/requests/counter", &body, Some(&citizen))
            .status,
        403
    );
    let reference = phone_filing(&g);
    let path = format!("/api/requests/{reference}/calls");
    // Not their request: as if it did not exist.
    assert_eq!(g.post(&path, &call(), Some(&citizen)).status, 404);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM call_logs"), 1);
}

#[test]
fn an_agent_logs_a_later_call_on_an_existing_request() {
    let g = start();
    let reference = phone_filing(&g);
    let path = format!("/api/requests/{reference}/calls");
    let reply = g.post(&path, &json!({"called_at": "2026-12-01T14:00:00Z", "duration_seconds": 0, "caller": "Mme Durand", "summary": "Demande où en est le dossier"}), Some(&agent(&g)));
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["reference"], json!(reference));
    assert_eq!(count(&g, "SELECT COUNT(*) FROM call_logs"), 2);
    let calls: Vec<_> = timeline(&g, &reference)
        .into_iter()
        .filter(|e| e.0 == "call")
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].3.as_deref(), Some("Demande où en est le dossier"));
    // Wrong input: per field, nothing written.
    let reply = g.post(&path, &json!({"called_at": "2026-12-01T14:00:00Z", "duration_seconds": "long", "caller": "", "summary": "x"}), Some(&agent(&g)));
    assert_eq!(reply.status, 400);
    assert_eq!(error_fields(&reply), vec!["duration_seconds", "caller"]);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM call_logs"), 2);
    assert_eq!(
        g.post("/api/requests/2026-999999/calls", &call(), Some(&agent(&g)))
            .status,
        404
    );
}

#[test]
fn an_email_whose_subject_quotes_a_reference_lands_on_that_request_s_timeline_with_its_attachment()
{
    let g = start();
    let reference = phone_filing(&g);
    let raw = message(
        "durand@example.org",
        &format!("Re: votre demande {reference}"),
        "m1@example.org",
        "Voici une photo du trou.",
    );
    let reply = mail(&g, &raw, Some(SECRET));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["status"], json!("attached"));
    assert_eq!(body["reference"], json!(reference));
    let email = timeline(&g, &reference)
        .into_iter()
        .find(|e| e.0 == "email")
        .expect("email entry");
    assert_eq!(email.3.as_deref(), Some("Voici une photo du trou."));
    // From the request's own contact address: the citizen's message, public.
    assert!(email.1, "public");
    assert_eq!(email.2, "email");
    assert_eq!(email.4["sender"], json!("durand@example.org"));
    assert_eq!(email.4["attachments"][0]["name"], json!("photo-trou.pdf"));
    assert_eq!(email.4["skipped"][0]["name"], json!("virus.exe"));
    let (name, source, data): (String, String, Vec<u8>) = db(&g)
        .query_row("SELECT name, source, data FROM attachments", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("one attachment");
    assert_eq!(
        (name.as_str(), source.as_str(), data.as_slice()),
        ("photo-trou.pdf", "email", PDF)
    );
    assert_eq!(
        count(&g, "SELECT COUNT(*) FROM attachments"),
        1,
        "the executable is skipped"
    );
    assert_eq!(
        count(&g, "SELECT COUNT(*) FROM outbox WHERE kind = 'message'"),
        1
    );
}

#[test]
fn an_email_from_a_stranger_quoting_a_reference_waits_for_triage() {
    let g = start();
    let reference = phone_filing(&g);
    let raw = message(
        "stranger@example.net",
        &format!("[{reference}] spam"),
        "m-stranger@example.net",
        "Achetez !",
    );
    let reply = mail(&g, &raw, Some(SECRET));
    assert_eq!(reply.status, 202);
    assert_eq!(reply.json()["status"], json!("triage"));
    assert!(
        timeline(&g, &reference).iter().all(|e| e.0 != "email"),
        "nothing on the request until an agent decides"
    );
}

#[test]
fn an_email_without_a_reference_waits_for_triage_and_an_agent_attaches_it() {
    let g = start();
    let reference = phone_filing(&g);
    let raw = message(
        "durand@example.org",
        "Mon signalement de la semaine dernière",
        "m2@example.org",
        "Le trou s'agrandit.",
    );
    let reply = mail(&g, &raw, Some(SECRET));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["status"], json!("triage"));
    assert!(body.get("reference").is_none(), "{body}");
    let id = body["id"].as_str().expect("id").to_owned();

    let list = g.get("/api/requests/triage", Some(&agent(&g)));
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    assert_eq!(list["total"], json!(1));
    assert_eq!(list["items"][0]["id"], json!(id));
    assert_eq!(list["items"][0]["sender"], json!("durand@example.org"));
    assert_eq!(
        list["items"][0]["subject"],
        json!("Mon signalement de la semaine dernière")
    );
    assert_eq!(list["items"][0]["excerpt"], json!("Le trou s'agrandit."));
    let citizen = g.keys.access_token(COMMUNE, "citizen-1", &[]);
    assert_eq!(g.get("/api/requests/triage", Some(&citizen)).status, 403);

    let path = format!("/api/requests/triage/{id}");
    let unknown = g.post(
        &path,
        &json!({"reference": "2026-999999"}),
        Some(&agent(&g)),
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert_eq!(error_fields(&unknown), vec!["reference"]);
    let reply = g.post(&path, &json!({"reference": reference}), Some(&agent(&g)));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["status"], json!("attached"));
    let email = timeline(&g, &reference)
        .into_iter()
        .find(|e| e.0 == "email")
        .expect("email entry");
    assert_eq!(email.3.as_deref(), Some("Le trou s'agrandit."));
    assert_eq!(email.4["attached_by"], json!(AGENT));
    assert_eq!(
        count(
            &g,
            "SELECT COUNT(*) FROM attachments WHERE source = 'email'"
        ),
        1
    );
    assert_eq!(
        g.get("/api/requests/triage", Some(&agent(&g))).json()["total"],
        json!(0)
    );
    // A second agent, too late.
    assert_eq!(
        g.post(&path, &json!({"reference": reference}), Some(&agent(&g)))
            .status,
        409
    );
}

#[test]
fn an_agent_files_a_new_request_from_an_email_in_triage() {
    let g = start();
    let raw = message(
        "martin@example.org",
        "Nid de poule",
        "m3@example.org",
        "Un trou rue Haute.",
    );
    let id = mail(&g, &raw, Some(SECRET)).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let file = json!({"service_code": "pothole", "location": {"lat": 48.85, "long": 2.35},
                      "answers": {"size": "small", "consent": true}});
    let reply = g.post(
        &format!("/api/requests/triage/{id}"),
        &json!({"file": file}),
        Some(&agent(&g)),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reference = reply.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    let (channel, account, contact, description): (String, Option<String>, String, String) = db(&g)
        .query_row(
            "SELECT channel, account_id, contact, description FROM requests WHERE reference = ?",
            [&reference],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("row");
    assert_eq!((channel.as_str(), account), ("email", None));
    let contact: Value = serde_json::from_str(&contact).expect("contact");
    assert_eq!(contact["email"], json!("martin@example.org"));
    assert_eq!(description, "Un trou rue Haute.");
    let kinds: Vec<String> = timeline(&g, &reference).into_iter().map(|e| e.0).collect();
    assert_eq!(kinds, vec!["filed", "email"]);
    assert_eq!(
        count(
            &g,
            "SELECT COUNT(*) FROM inbound_mail WHERE status = 'attached'"
        ),
        1
    );
}

#[test]
fn the_same_email_delivered_twice_is_stored_once() {
    let g = start();
    let reference = phone_filing(&g);
    let raw = message(
        "durand@example.org",
        &format!("Re: {reference}"),
        "twice@example.org",
        "Doublon ?",
    );
    let first = mail(&g, &raw, Some(SECRET));
    let second = mail(&g, &raw, Some(SECRET));
    assert_eq!((first.status, second.status), (202, 202));
    assert_eq!(first.json(), second.json());
    assert_eq!(count(&g, "SELECT COUNT(*) FROM inbound_mail"), 1);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM attachments"), 1);
    assert_eq!(
        timeline(&g, &reference)
            .iter()
            .filter(|e| e.0 == "email")
            .count(),
        1
    );
    // In triage too.
    let raw = message(
        "x@example.org",
        "sans référence",
        "twice-triage@example.org",
        "?",
    );
    assert_eq!(
        mail(&g, &raw, Some(SECRET)).json(),
        mail(&g, &raw, Some(SECRET)).json()
    );
    assert_eq!(
        count(
            &g,
            "SELECT COUNT(*) FROM inbound_mail WHERE status = 'triage'"
        ),
        1
    );
}

#[test]
fn a_wrong_webhook_secret_is_refused() {
    let g = start();
    let raw = message("a@example.org", "hello", "secret@example.org", "x");
    assert_eq!(mail(&g, &raw, Some("not-the-secret")).status, 401);
    assert_eq!(mail(&g, &raw, None).status, 401);
    let reply = g.host.send(
        "POST",
        "/api/requests/inbound-mail",
        &[
            ("content-type", "message/rfc822"),
            ("authorization", &format!("Basic {SECRET}")),
        ],
        Some(raw.as_bytes()),
    );
    assert_eq!(reply.status, 401);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM inbound_mail"), 0);
    // Not a message, or the wrong type: refused, nothing stored.
    assert_eq!(mail(&g, "no headers at all", Some(SECRET)).status, 400);
    let reply = g.host.send(
        "POST",
        "/api/requests/inbound-mail",
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {SECRET}")),
        ],
        Some(b"{}"),
    );
    assert_eq!(reply.status, 415);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM inbound_mail"), 0);
}

#[test]
fn the_inbound_mail_endpoint_does_not_exist_without_a_secret() {
    let g = Guichet::start();
    let raw = message("a@example.org", "hello", "disabled@example.org", "x");
    let reply = mail(&g, &raw, Some(""));
    assert_eq!(reply.status, 404, "{}", reply.body);
}

#[test]
fn a_clerk_attaches_a_scanned_letter() {
    let g = start();
    let reference = phone_filing(&g);
    let path = format!("/api/requests/{reference}/scans");
    let scan = json!({"name": "lettre.pdf", "content_type": "application/pdf", "data_base64": b64(PDF), "received_on": "2026-11-28"});
    let reply = g.post(&path, &scan, Some(&agent(&g)));
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["received_on"], json!("2026-11-28"));
    let (source, added_by, data): (String, String, Vec<u8>) = db(&g)
        .query_row("SELECT source, added_by, data FROM attachments", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("scan row");
    assert_eq!(
        (source.as_str(), added_by.as_str(), data.as_slice()),
        ("mail", AGENT, PDF)
    );
    let entry = timeline(&g, &reference)
        .into_iter()
        .find(|e| e.0 == "scan")
        .expect("scan entry");
    assert!(entry.1, "the citizen sees that their letter arrived");
    assert_eq!(entry.4["received_on"], json!("2026-11-28"));
    // Bad input, per field; a citizen may not; nothing more written.
    let bad = json!({"name": "x.exe", "content_type": "application/x-msdownload", "data_base64": "***", "received_on": "2999-01-01"});
    let reply = g.post(&path, &bad, Some(&agent(&g)));
    assert_eq!(reply.status, 400, "{}", reply.body);
    let fields = error_fields(&reply);
    assert_eq!(fields, vec!["received_on", "data_base64"]);
    let future = json!({"name": "y.pdf", "content_type": "application/pdf", "data_base64": b64(PDF), "received_on": "2999-01-01"});
    assert_eq!(
        error_fields(&g.post(&path, &future, Some(&agent(&g)))),
        vec!["received_on"]
    );
    let citizen = g.keys.access_token(COMMUNE, "citizen-1", &[]);
    // Not their request: as if it did not exist.
    assert_eq!(g.post(&path, &scan, Some(&citizen)).status, 404);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM attachments"), 1);
}

/// The `<svg>…</svg>` of an HTML page.
fn svg_in(page: &str) -> &str {
    let start = page.find("<svg").expect("an inline SVG");
    let end = page[start..].find("</svg>").expect("</svg>") + start + "</svg>".len();
    &page[start..end]
}

/// Renders `svg` to pixels and decodes the QR code in it.
fn decode_qr(svg: &str) -> String {
    let tree =
        resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("valid SVG");
    let scale = 3.0;
    let size = tree.size();
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).expect("pixmap");
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let pixels = pixmap.data().to_vec();
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
        let i = (y * w as usize + x) * 4;
        ((u32::from(pixels[i]) + u32::from(pixels[i + 1]) + u32::from(pixels[i + 2])) / 3) as u8
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the receipt");
    grids[0].decode().expect("a readable QR code").1
}

/// The receipt as the holder of the tracking code gets it: the form `code=` posted.
fn receipt_with_code(g: &Guichet, reference: &str, code: &str, query: &str) -> Reply {
    g.host.send(
        "POST",
        &format!("/api/requests/{reference}/receipt{query}"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(format!("code={code}").as_bytes()),
    )
}

#[test]
fn the_receipt_s_qr_code_decodes_to_the_tracking_url() {
    let g = start();
    let reply = counter(
        &g,
        &with(
            pothole(json!({"email": "durand@example.org"})),
            json!({"channel": "phone", "call": call()}),
        ),
    );
    let body = reply.json();
    let reference = body["reference"].as_str().expect("reference");
    let code = body["tracking_code"].as_str().expect("tracking code");
    let page = receipt_with_code(&g, reference, code, "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.header("content-security-policy"),
        Some("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    );
    assert!(page
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(page.body.contains(reference));
    assert!(page.body.contains("Signaler un nid-de-poule"));
    assert!(page.body.contains("@media print"));
    let url = decode_qr(svg_in(&page.body));
    assert_eq!(
        url,
        format!("{}/track?reference={reference}", g.host.base)
    );
    assert!(
        !url.contains(code) && !page.body.contains(code),
        "no secret on the receipt"
    );
    // Staff see it; a wrong code, a stranger or nobody get 404, as for no request.
    assert_eq!(
        g.get(
            &format!("/api/requests/{reference}/receipt"),
            Some(&agent(&g))
        )
        .status,
        200
    );
    assert_eq!(
        g.get(&format!("/api/requests/{reference}/receipt"), None)
            .status,
        404
    );
    let stranger = g.keys.access_token(COMMUNE, "citizen-9", &[]);
    assert_eq!(
        g.get(
            &format!("/api/requests/{reference}/receipt"),
            Some(&stranger)
        )
        .status,
        404
    );
    assert_eq!(
        receipt_with_code(&g, reference, "AAAA-AAAA-AAAA-AAAA", "").status,
        404
    );
    // The code is a secret: it is posted, never accepted in the URL.
    assert_eq!(
        g.get(&format!("/api/requests/{reference}/receipt?code={code}"), None)
            .status,
        404
    );
    let english = receipt_with_code(&g, reference, code, "?lang=en");
    assert!(
        english.body.contains("Report a pothole"),
        "{}",
        english.body
    );
}

#[test]
fn an_email_over_ten_mebibytes_is_refused_as_too_large() {
    let g = start();
    let mut raw = message("a@example.org", "gros", "big@example.org", "x").into_bytes();
    raw.resize(10 * 1024 * 1024 + 1, b'a');
    let reply = g.host.send(
        "POST",
        "/api/requests/inbound-mail",
        &[
            ("content-type", "message/rfc822"),
            ("authorization", &format!("Bearer {SECRET}")),
        ],
        Some(&raw),
    );
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM inbound_mail"), 0);
}

#[test]
fn a_triage_decision_names_exactly_one_action() {
    let g = start();
    let raw = message(
        "a@example.org",
        "sans référence",
        "one-action@example.org",
        "x",
    );
    let id = mail(&g, &raw, Some(SECRET)).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/requests/triage/{id}");
    for body in [
        json!({}),
        json!({"reference": "2026-000001", "discard": true}),
        json!({"other": 1}),
    ] {
        let reply = g.post(&path, &body, Some(&agent(&g)));
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
    }
    assert_eq!(
        g.post(
            "/api/requests/triage/no-such-id",
            &json!({"discard": true}),
            Some(&agent(&g))
        )
        .status,
        404
    );
    let reply = g.post(&path, &json!({"discard": true}), Some(&agent(&g)));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        count(
            &g,
            "SELECT COUNT(*) FROM inbound_mail WHERE status = 'discarded'"
        ),
        1
    );
    assert_eq!(
        g.get("/api/requests/triage", Some(&agent(&g))).json()["total"],
        json!(0)
    );
}
