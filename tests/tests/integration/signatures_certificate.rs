//! The completion certificate (issue 12, item 6): a closed flow's summary (document, digest,
//! signers, times, steps) as HTML and as a PDF that a real PDF reader (`pdftotext`, from
//! poppler-utils) reads back.

use std::process::Command;

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;
use guichet_verify::sha256_hex;

/// The bytes of `GET path` with a bearer token (a PDF is not text).
fn bytes(g: &Guichet, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let mut response = ureq::get(&g.host.url(path))
        .header("authorization", &format!("Bearer {token}"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .expect("GET");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        kind,
        response.body_mut().read_to_vec().expect("body"),
    )
}

#[test]
fn a_completed_flows_certificate_names_its_signers_and_digest_in_html_and_in_a_pdf_that_pdftotext_reads(
) {
    let g = Guichet::start();
    let signed = signed_document(&g, PDF);
    let flow = signed.flow["id"].as_str().expect("flow id");
    let digest = sha256_hex(PDF);
    let alice = agent(&g, "alice");

    let page = g.get(&format!("{API}/flows/{flow}/certificate"), Some(&alice));
    assert_eq!(page.status, 200, "{}", page.body);
    for needle in [
        "alice",
        "bob",
        "comptable",
        "maire",
        "completed",
        digest.as_str(),
        "Facture 2026-117",
    ] {
        assert!(
            page.body.contains(needle),
            "the HTML certificate lacks {needle}"
        );
    }

    let (status, kind, pdf) = bytes(&g, &format!("{API}/flows/{flow}/certificate.pdf"), &alice);
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils; infra/setup.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Certificat de signature",
        "alice",
        "bob",
        "comptable",
        "maire",
        "completed",
        digest.as_str(),
        "Facture 2026-117",
        "État",
    ] {
        assert!(
            text.contains(needle),
            "pdftotext did not find {needle:?} in:\n{text}"
        );
    }
}

#[test]
fn an_open_flow_has_no_certificate_yet_and_a_citizen_reads_none() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let doc = upload(&g, &alice, PDF);
    let flow = start_flow(
        &g,
        &alice,
        doc["id"].as_str().expect("id"),
        "ordered",
        None,
        &[("alice", "comptable")],
    );
    let id = flow["id"].as_str().expect("flow id");
    let open = g.get(&format!("{API}/flows/{id}/certificate.pdf"), Some(&alice));
    assert_eq!(open.status, 409, "{}", open.body);
    assert_eq!(error_of(&open), ("flow".into(), "open".into()));
    let citizen = g.keys.access_token(COMMUNE, "camille", &[]);
    assert_eq!(
        g.get(&format!("{API}/flows/{id}/certificate"), Some(&citizen))
            .status,
        403
    );
    assert_eq!(
        g.get(&format!("{API}/flows/unknown/certificate"), Some(&alice))
            .status,
        404
    );
}
