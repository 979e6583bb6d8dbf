//! A commune's administrator chooses the URLs identity fetches when configuring an OpenID
//! provider: these tests try to turn that into a way to reach, or read, the platform's own
//! network (server-side request forgery), through the real host.
//!
//! The "internal service" is a plain TCP listener on 127.0.0.1 that counts the requests it
//! receives and answers what the test chose.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use guichet_tests::guichet::Guichet;
use serde_json::{json, Value};

const PATH: &str = "/api/identity/oidc-providers";

/// An HTTP service on 127.0.0.1 answering every request with `status` and `body`.
struct Internal {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Internal {
    fn start(status: u16, body: &'static str) -> Internal {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer);
                let answer = format!(
                    "HTTP/1.1 {status} Whatever\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Internal { port, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn admin(g: &Guichet) -> String {
    g.keys.access_token("demo", "some-admin-id", &["admin"])
}

fn provider_at(issuer: &str) -> Value {
    json!({"id": "probe", "name": "Probe", "issuer": issuer, "client_id": "x", "client_secret": "y"})
}

#[test]
fn issuers_on_internal_addresses_or_names_are_refused_naming_the_issuer_field() {
    let g = Guichet::start();
    let admin = admin(&g);
    for issuer in [
        "https://localhost",
        "https://api.localhost",
        "https://127.0.0.1",
        "https://127.0.0.1.nip.io",
        "https://2130706433",
        "https://10.0.0.1",
        "https://100.64.0.1",
        "https://169.254.169.254",
        "https://[::1]",
        "https://[fd00::1]",
        "https://metadata.google.internal",
        "https://notifications.spin.internal",
        "https://intranet",
    ] {
        let reply = g.post(PATH, &provider_at(issuer), Some(&admin));
        assert_eq!(reply.status, 400, "{issuer}: {}", reply.body);
        let error = &reply.json()["errors"][0];
        assert_eq!((error["field"].as_str(), error["code"].as_str()), (Some("issuer"), Some("not_allowed")), "{issuer}: {}", reply.body);
    }
}

#[test]
fn a_wildcard_allowance_does_not_let_an_administrator_reach_a_loopback_service() {
    // The operator allowed every host by wildcard: that is not naming this one.
    let service = Internal::start(200, "{}");
    let g = Guichet::start_with(&[("SPIN_VARIABLE_OIDC_ALLOWED_HOSTS", "http://*:*")]);
    let admin = admin(&g);
    for host in ["127.0.0.1", "localhost", "[::1]"] {
        let issuer = format!("http://{host}:{}", service.port);
        let reply = g.post(PATH, &provider_at(&issuer), Some(&admin));
        assert_eq!(reply.status, 400, "{issuer}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["code"], "not_allowed", "{issuer}: {}", reply.body);
    }
    assert_eq!(service.hits(), 0, "the loopback service was reached");
}

#[test]
fn an_upstream_error_is_answered_in_fixed_words_without_its_status_body_or_address() {
    const MARKER: &str = "internal-secret-7f3a";
    let failing = Internal::start(500, "{\"error\":\"internal-secret-7f3a\"}");
    // A 200 whose document names another issuer: its content must not be echoed either.
    let lying = Internal::start(200, "{\"issuer\":\"internal-secret-7f3a\",\"authorization_endpoint\":\"x\",\"token_endpoint\":\"x\",\"jwks_uri\":\"x\"}");
    // The operator named this host: the requests are made, only the answers are at stake.
    let g = Guichet::start_with(&[("SPIN_VARIABLE_OIDC_ALLOWED_HOSTS", "http://127.0.0.1:*")]);
    let admin = admin(&g);
    for service in [&failing, &lying] {
        let port = service.port.to_string();
        let reply = g.post(PATH, &provider_at(&format!("http://127.0.0.1:{port}")), Some(&admin));
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.json()["errors"][0]["code"], "discovery_failed", "{}", reply.body);
        let message = reply.json()["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
        for leak in [MARKER, "500", port.as_str(), "127.0.0.1", "well-known"] {
            assert!(!message.contains(leak), "the answer reveals {leak:?}: {message}");
        }
        assert_eq!(service.hits(), 1, "the operator-named host is reachable");
    }
}
