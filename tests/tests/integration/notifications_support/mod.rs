//! What the notifications tests share: Guichet on a copy of spin.toml whose catch-all route
//! reaches notifications' private contract (`POST /internal/events`, the bodies requests
//! sends), e-mail and SMS to one local mailbox, tokens of the demo commune's staff, and the
//! public API (`/api/notifications/...`) as it is routed in production.

use std::time::Duration;

use guichet_tests::guichet::{claims_of, token_in, PASSWORD};
use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};
use serde_json::{json, Value};

pub const WAIT: Duration = Duration::from_secs(20);
pub const API: &str = "/api/notifications";

pub struct App {
    pub host: Host,
    pub mailbox: Mailbox,
    pub keys: TestKeys,
    pub _dir: tempfile::TempDir,
}

/// Notifications (and the rest of Guichet) with `env` as extra Spin variables.
pub fn start(env: &[(&str, &str)]) -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mailbox = Mailbox::start();
    let mut config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin())
        .env("SPIN_VARIABLE_SMS_API_ORIGIN", &mailbox.origin())
        .routing_everything_else_to(dir.path(), "notifications");
    for (name, value) in env {
        config = config.env(name, value);
    }
    let host = Host::start(config, &dir);
    App { host, mailbox, keys, _dir: dir }
}

impl App {
    /// `Bearer <access token>` of `subject` with `roles` in the demo commune.
    pub fn bearer(&self, subject: &str, roles: &[&str]) -> String {
        format!("Bearer {}", self.keys.access_token("demo", subject, roles))
    }

    pub fn admin(&self) -> String {
        self.bearer("admin-1", &["admin"])
    }

    pub fn agent(&self) -> String {
        self.bearer("agent-1", &["agent"])
    }

    /// `method path` with `bearer` and a JSON `body`.
    pub fn call(&self, method: &str, path: &str, bearer: &str, body: Option<&Value>) -> Reply {
        let body = body.map(Value::to_string);
        let mut headers = vec![("authorization", bearer)];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        self.host.send(method, path, &headers, body.as_deref().map(str::as_bytes))
    }

    /// Sends the event `id` of `kind` about request `reference` to `recipients` (the `events`
    /// contract: the kind's record under its case); notifications' answer.
    pub fn event(&self, id: &str, kind: &str, reference: &str, recipients: Value) -> Value {
        self.event_with(id, kind, reference, recipients, json!({}))
    }

    /// [`App::event`] with the members of `extra` added to the kind's record.
    pub fn event_with(&self, id: &str, kind: &str, reference: &str, recipients: Value, extra: Value) -> Value {
        let mut payload = json!({
            "request_id": "r1", "reference": reference, "service_code": "pothole",
            "service_name": {"fr": "Signaler un nid-de-poule", "en": "Report a pothole"},
            "state": "acknowledged", "state_label": {"fr": "Pris en compte", "en": "Acknowledged"},
            "open": true, "lang": "fr", "recipients": recipients,
        });
        let case = match kind {
            "status-changed" => {
                payload["from"] = json!("submitted");
                payload["to"] = json!("acknowledged");
                "StatusChanged"
            }
            "request-filed" => "RequestFiled",
            "assigned" => {
                // An assignment's record has no state label.
                payload.as_object_mut().map(|record| record.remove("state_label"));
                "Assigned"
            }
            other => panic!("no case for {other}"),
        };
        if let (Some(record), Some(extra)) = (payload.as_object_mut(), extra.as_object()) {
            record.extend(extra.clone());
        }
        let event = json!({
            "id": id, "commune": "demo", "source": "requests",
            "occurred_at": "2026-12-01T20:00:00Z", "payload": {case: payload},
        });
        let reply = self.host.send(
            "POST",
            "/internal/events",
            &[("content-type", "application/json")],
            Some(event.to_string().as_bytes()),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    /// The messages about request `reference`, as an agent sees them.
    pub fn messages_of(&self, reference: &str) -> Vec<Value> {
        let reply = self.call("GET", &format!("{API}/requests/{reference}/messages"), &self.agent(), None);
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Runs notifications' retry of every due message (`ignore_backoff`: also those not due).
    pub fn retry(&self, ignore_backoff: bool) -> Value {
        let body = json!({"ignore_backoff": ignore_backoff}).to_string();
        let reply = self.host.send(
            "POST",
            "/internal/messages/retry",
            &[("content-type", "application/json")],
            Some(body.as_bytes()),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }
}

/// The secret identity and notifications share for contact look-ups (see [`start`]'s `env`).
pub const LOOKUP_SECRET: &str = "lookup-secret-0123456789abcdef";

/// Registers and verifies `email` in identity; its account id.
pub fn account(app: &App, email: &str) -> String {
    let post = |path: &str, body: Value| {
        app.host.send("POST", path, &[("content-type", "application/json")], Some(body.to_string().as_bytes()))
    };
    let registered = post("/api/identity/register", json!({"email": email, "password": PASSWORD}));
    assert_eq!(registered.status, 202, "{}", registered.body);
    let mail = app.mailbox.wait_for(email, |m| m.text.contains("/account/verify-email"), WAIT);
    let verified = post("/api/identity/verify-email", json!({"token": token_in(&mail.text, "/account/verify-email")}));
    assert_eq!(verified.status, 200, "{}", verified.body);
    let signed = post("/api/identity/token", json!({"grant_type": "password", "email": email, "password": PASSWORD}));
    assert_eq!(signed.status, 200, "{}", signed.body);
    claims_of(signed.json()["access_token"].as_str().expect("token"))["sub"].as_str().expect("sub").to_owned()
}

/// A verified e-mail recipient.
pub fn to_email(address: &str) -> Value {
    json!({"email": address, "notify": "email", "verified": true})
}

/// The (field, code) pairs of an error answer.
pub fn errors(reply: &Reply) -> Vec<(String, String)> {
    reply.json()["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
        .collect()
}

/// Runs `script` with the tests' Python (third-party libraries of tests/python) and `args`;
/// its standard output, trimmed. Fails the test on a non-zero exit.
pub fn python(script: &str, args: &[&str]) -> String {
    let python = guichet_tests::root().join("target/pyenv/bin/python");
    let output = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e} (run infra/setup.sh)", python.display()));
    assert!(
        output.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
