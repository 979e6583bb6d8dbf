//! Documents to sign (issue 12, item 1): an upload is stored with its SHA-256, a revision
//! adds a version and keeps the history, a request's decision is a document too; only staff
//! reach them, and bad input (oversized, not base64, no content) is a 400 naming the field
//! that writes nothing.

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;
use serde_json::json;

fn sha256(bytes: &[u8]) -> String {
    guichet_verify::sha256_hex(bytes)
}

#[test]
fn an_upload_is_stored_with_its_sha256_and_revisions_keep_the_history() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let doc = upload(&g, &alice, PDF);
    let id = doc["id"].as_str().expect("id");
    assert_eq!(doc["versions"][0]["sha256"], sha256(PDF));
    assert_eq!(doc["versions"][0]["size"], PDF.len());

    let revised = b"%PDF-1.7 revised plan";
    let reply = g.post(
        &format!("{API}/documents/{id}/versions"),
        &json!({"file": {"name": "plan-v2.pdf", "content_type": "application/pdf", "data_base64": base64(revised)}}),
        Some(&alice),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let versions = reply.json()["versions"].clone();
    assert_eq!(versions.as_array().map(Vec::len), Some(2));
    assert_eq!(versions[0]["sha256"], sha256(PDF));
    assert_eq!(versions[1]["sha256"], sha256(revised));

    let first = g.get(
        &format!("{API}/documents/{id}/versions/1/content"),
        Some(&alice),
    );
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("application/pdf"));
    // Downloaded, never rendered in Guichet's origin.
    assert_eq!(first.header("content-disposition"), Some("attachment"));
    assert_eq!(first.body.as_bytes(), PDF);
}

#[test]
fn a_requests_decision_is_a_document_linked_to_the_request() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let reply = g.post(
        &format!("{API}/documents"),
        &json!({"title": "Arrêté de voirie", "request": "2026-000042",
                "decision": "Le maire autorise l'occupation du domaine public."}),
        Some(&alice),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let doc = reply.json();
    assert_eq!(doc["kind"], "decision");
    assert_eq!(doc["request"], "2026-000042");
    assert_eq!(
        doc["versions"][0]["sha256"],
        sha256("Le maire autorise l'occupation du domaine public.".as_bytes())
    );
}

#[test]
fn bad_uploads_are_400s_naming_the_field_and_write_nothing() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let too_big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let cases = [
        (
            json!({"title": "x", "file": {"name": "a.pdf", "content_type": "application/pdf", "data_base64": base64(&too_big)}}),
            "file.data_base64",
            "too_large",
        ),
        (
            json!({"title": "x", "file": {"name": "a.pdf", "content_type": "application/pdf", "data_base64": "***"}}),
            "file.data_base64",
            "invalid_base64",
        ),
        (
            json!({"title": "x", "file": {"name": "a.pdf", "content_type": "pdf", "data_base64": "QQ=="}}),
            "file.content_type",
            "invalid",
        ),
        (json!({"title": ""}), "title", "invalid_length"),
        (json!({"title": "x"}), "file", "required"),
        (
            json!({"title": "x", "decision": "oui"}),
            "request",
            "required",
        ),
        (
            json!({"title": "x", "file": {"name": "a", "content_type": "a/b", "data_base64": "QQ=="}, "signer": "bob"}),
            "signer",
            "unknown_field",
        ),
    ];
    for (body, field, code) in cases {
        let reply = g.post(&format!("{API}/documents"), &body, Some(&alice));
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        let errors = reply.json()["errors"].clone();
        assert!(
            errors
                .as_array()
                .expect("errors")
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "expected {field}/{code} in {errors}"
        );
    }
    assert_eq!(count(&g, "documents"), 0);
    assert_eq!(count(&g, "document_versions"), 0);
}

#[test]
fn documents_are_for_staff_only_and_unknown_ones_are_404() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let doc = upload(&g, &alice, PDF);
    let id = doc["id"].as_str().expect("id");
    let citizen = g.keys.access_token(COMMUNE, "carol", &[]);
    assert_eq!(g.get(&format!("{API}/documents/{id}"), None).status, 401);
    assert_eq!(
        g.get(&format!("{API}/documents/{id}"), Some(&citizen))
            .status,
        403
    );
    assert_eq!(
        g.get(&format!("{API}/documents/nope"), Some(&alice)).status,
        404
    );
    assert_eq!(
        g.get(&format!("{API}/documents/{id}"), Some(&alice)).status,
        200
    );
}
