//! Public verification (issue 12, item 4): anyone with a document, or its digest, learns who
//! signed it, in which role, for what and when, and whether it holds; the same on a page
//! without script; a malformed digest is a 400 naming `sha256`.

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;

#[test]
fn anyone_checks_a_signed_file_by_its_bytes_or_its_digest() {
    let g = Guichet::start();
    signed_document(&g, PDF);
    let by_file = g.host.send(
        "POST",
        &format!("{API}/check"),
        &[("content-type", "application/pdf")],
        Some(PDF),
    );
    assert_eq!(by_file.status, 200, "{}", by_file.body);
    let answer = by_file.json();
    assert_eq!(answer["valid"], true);
    let signers: Vec<&str> = answer["documents"][0]["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["signer"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(signers, ["alice", "bob"]);
    assert_eq!(answer["documents"][0]["signatures"][1]["role"], "maire");

    let digest = guichet_verify::sha256_hex(PDF);
    let by_digest = g.get(&format!("{API}/check?sha256={digest}"), None).json();
    assert_eq!(by_digest, answer);

    let mut other = PDF.to_vec();
    other[0] ^= 1;
    let unknown = g
        .host
        .send("POST", &format!("{API}/check"), &[], Some(other.as_slice()))
        .json();
    assert_eq!(unknown["found"], false);
    assert_eq!(unknown["valid"], false);

    let bad = g.get(&format!("{API}/check?sha256=abc"), None);
    assert_eq!(bad.status, 400);
    assert_eq!(error_of(&bad), ("sha256".into(), "invalid".into()));
}

#[test]
fn the_verification_page_shows_the_signers_escaped_in_both_languages() {
    let g = Guichet::start();
    signed_document(&g, PDF);
    let digest = guichet_verify::sha256_hex(PDF);
    let page = g.get(&format!("{API}/verify?sha256={digest}"), None);
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(
        page.body
            .contains("Valide <span lang=\"en\">/ Valid</span>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("bob — maire"), "{}", page.body);
    assert!(page.body.contains("<html lang=\"fr\">"));
    let bad = g.get(&format!("{API}/verify?sha256=%3Cscript%3E"), None);
    assert_eq!(bad.status, 200);
    assert!(!bad.body.contains("<script>"));
    assert!(bad.body.contains("role=\"alert\""));
}
