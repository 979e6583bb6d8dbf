//! A webhook URL is checked again when it is delivered, after DNS: even a host the operator
//! allowed by name (`webhook_allowed_hosts`) is not connected to when the name resolves into a
//! network the runtime config blocks (`block_networks`, as in production). The attempt fails
//! with a reason naming no URL, the receiver never sees a connection, and the message stays
//! accounted for.

use std::net::TcpListener;

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig};
use serde_json::json;

use crate::notifications_support::{App, API};

#[test]
fn a_webhook_whose_name_resolves_into_a_blocked_network_is_stopped_when_connecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mailbox = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin())
        .env("SPIN_VARIABLE_WEBHOOK_ALLOWED_HOSTS", "http://localhost:*")
        .routing_everything_else_to(dir.path(), "notifications");
    let runtime_config = config.runtime_config.clone().expect("a runtime config");
    let mut text = std::fs::read_to_string(&runtime_config).expect("runtime config");
    text.push_str("\n[outbound_networking]\nblock_networks = [\"private\"]\n");
    std::fs::write(&runtime_config, text).expect("writing the runtime config");
    let host = Host::start(config, &dir);
    let app = App { host, mailbox, keys, _dir: dir };

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // `localhost` is a name: the component cannot know where it leads; the operator listed it.
    let created = app.call("POST", &format!("{API}/webhooks"), &app.admin(), Some(&json!({"url": format!("http://localhost:{port}/hook")})));
    assert_eq!(created.status, 201, "{}", created.body);
    app.event("ev-net-1", "status-changed", "2026-000801", json!([]));

    let hook = app.messages_of("2026-000801");
    assert_eq!(hook.len(), 1, "{hook:?}");
    assert_eq!(hook[0]["channel"], "webhook");
    assert_eq!(hook[0]["state"], "temporary_failure", "{hook:?}");
    let error = hook[0]["last_error"].as_str().unwrap_or("");
    assert!(error.contains("could not be reached") && !error.contains("localhost"), "{error}");
    listener.set_nonblocking(true).expect("nonblocking");
    assert!(listener.accept().is_err(), "the host connected to a blocked address");
}
