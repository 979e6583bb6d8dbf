//! The host's default limits (body size, instance memory) leave room for the largest filing
//! the requests component accepts: five attachments of 5 MiB, about 33.4 MiB of JSON with base64.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use requests_support::*;
use serde_json::{json, Value};

#[test]
fn the_largest_filing_requests_accepts_passes_the_host_default_limits() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let mut body = pothole_body("alice@example.org");
    body["answers"]["photo"] = json!("0.pdf");
    // Five files of the largest size requests accepts (a guest needs more than 128 MiB of
    // memory for them: parsed JSON, decoded files, copies).
    let mut file = PDF.to_vec();
    file.resize(5 * 1024 * 1024, b' ');
    let five: Vec<Value> = (0..5).map(|i| attachment(&format!("{i}.pdf"), "application/pdf", &file)).collect();
    body["attachments"] = json!(five);
    assert!(body.to_string().len() > 33 << 20, "five full-size files in base64");
    let reply = g.post(REQUESTS, &body, Some(&token));
    assert_eq!(reply.status, 201, "{}", &reply.body[..reply.body.len().min(300)]);
}
