//! Public verification (issue 12, item 4): anyone with a document, or its digest, learns who
//! signed it, in which role, for what and when, and whether it holds; the same on a page
//! without script, by digest or by uploading the file (a form other sites may not post); a
//! malformed digest is a 400 naming `sha256`.

use crate::signatures_support::*;

use crate::portal_support::{Browser, Part};
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

#[test]
fn the_verification_page_checks_an_uploaded_file_and_refuses_other_sites_forms() {
    let g = Guichet::start();
    signed_document(&g, PDF);
    let page = g.get(&format!("{API}/verify"), None);
    assert!(
        page.body.contains(
            "<form method=\"post\" action=\"/api/signatures/verify\" enctype=\"multipart/form-data\">"
        ) && page.body.contains("<label for=\"file\">")
            && page.body.contains("<input id=\"file\" name=\"file\" type=\"file\" required>"),
        "{}",
        page.body
    );
    let mut browser = Browser::default();
    let post = |browser: &mut Browser, name: &str, data: &[u8], origin: Option<&str>| {
        browser.post_multipart(
            &g,
            &format!("{API}/verify"),
            &[Part::File("file", name, "application/pdf", data)],
            origin,
        )
    };
    let checked = post(&mut browser, "décision <b>.pdf", PDF, None);
    assert_eq!(checked.status, 200, "{}", checked.body);
    assert!(
        checked
            .body
            .contains("Valide <span lang=\"en\">/ Valid</span>")
            && checked.body.contains("bob — maire")
            && checked.body.contains(&guichet_verify::sha256_hex(PDF)),
        "{}",
        checked.body
    );
    // The file's name is not shown (nor kept): nothing of it reaches the page unescaped.
    assert!(!checked.body.contains("<b>"), "{}", checked.body);

    let mut other = PDF.to_vec();
    other[5] ^= 1;
    let unknown = post(&mut browser, "other.pdf", &other, None);
    assert_eq!(unknown.status, 200);
    assert!(
        unknown.body.contains("Aucun document signé"),
        "{}",
        unknown.body
    );

    let empty = post(&mut browser, "", b"", None);
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(empty.body.contains("role=\"alert\"") && empty.body.contains("Choose a file"));

    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let too_large = post(&mut browser, "big.pdf", &big, None);
    assert_eq!(too_large.status, 413, "{}", too_large.body);
    assert!(
        too_large.body.contains("larger than 10 MB"),
        "{}",
        too_large.body
    );

    let cross = post(&mut browser, "x.pdf", PDF, Some("https://evil.example"));
    assert_eq!(cross.status, 403, "{}", cross.body);
    assert!(!cross.body.contains("Valide"));
    let fetched = g.host.send(
        "POST",
        &format!("{API}/verify"),
        &[
            ("sec-fetch-site", "cross-site"),
            ("content-type", "multipart/form-data; boundary=b"),
        ],
        Some(b"--b--\r\n".as_slice()),
    );
    assert_eq!(fetched.status, 403, "{}", fetched.body);
    let not_a_form = g.host.send(
        "POST",
        &format!("{API}/verify"),
        &[("content-type", "application/pdf")],
        Some(PDF),
    );
    assert_eq!(not_a_form.status, 400, "{}", not_a_form.body);
    assert_eq!(
        error_of(&not_a_form),
        ("content-type".into(), "unsupported".into())
    );
}
