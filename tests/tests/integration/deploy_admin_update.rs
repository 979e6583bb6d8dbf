//! `guichet-admin commune update` (deploy/bin) and `PATCH /api/identity/communes/{id}`: a
//! commune's branding and host names change after its creation; what is not given stays, a
//! refused change names its field and changes nothing, and only the platform may change it.

use guichet_tests::guichet::{Guichet, PLATFORM_TOKEN};
use serde_json::json;

/// `guichet-admin` with the platform token; (success, everything it printed).
fn admin(g: &Guichet, args: &[&str]) -> (bool, String) {
    let (ok, out, err) = crate::deploy_admin::admin(g, PLATFORM_TOKEN, args);
    (ok, format!("{out}{err}"))
}

fn create(g: &Guichet) {
    let (ok, out) = admin(
        g,
        &["commune", "create", "--id", "vieux-port", "--name", "Vieux-Port", "--host", "vieux-port.localhost",
          "--primary-color", "#0055aa", "--logo-text", "Mairie du Vieux-Port"],
    );
    assert!(ok, "{out}");
}

#[test]
fn a_communes_branding_and_host_names_change_and_what_is_not_given_stays() {
    let g = Guichet::start();
    create(&g);
    let (ok, out) = admin(
        &g,
        &["commune", "update", "--id", "vieux-port", "--primary-color", "#fde047", "--host", "mairie-vieux-port.localhost"],
    );
    assert!(ok, "{out}");

    let commune = g.at("mairie-vieux-port.localhost", "GET", "/api/identity/commune", None, None);
    assert_eq!(commune.status, 200, "{}", commune.body);
    let commune = commune.json();
    assert_eq!(commune["commune"], "vieux-port");
    assert_eq!(commune["name"], "Vieux-Port", "the name was not given: it stays");
    assert_eq!(commune["branding"]["primary_color"], "#fde047");
    assert_eq!(commune["hosts"], json!(["mairie-vieux-port.localhost"]));
    // Several communes are served here, so the host name given up no longer reaches it.
    let old = g.at("vieux-port.localhost", "GET", "/api/identity/commune", None, None);
    assert_eq!(old.status, 404, "{}", old.body);
}

#[test]
fn a_refused_change_names_its_field_and_changes_nothing() {
    let g = Guichet::start();
    create(&g);
    let path = "/api/identity/communes/vieux-port";
    let refused = g.send_json("PATCH", path, &json!({"name": "Nouveau nom", "branding": {"primary_color": "bleu"}}), Some(PLATFORM_TOKEN));
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("branding.primary_color"), "{}", refused.body);
    // A host name of another commune (the demo commune's) is refused too.
    let taken = g.send_json("PATCH", path, &json!({"hosts": ["localhost"]}), Some(PLATFORM_TOKEN));
    assert_eq!(taken.status, 409, "{}", taken.body);
    let unknown = g.send_json("PATCH", "/api/identity/communes/nulle-part", &json!({"name": "X"}), Some(PLATFORM_TOKEN));
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    let commune = g.at("vieux-port.localhost", "GET", "/api/identity/commune", None, None).json();
    assert_eq!(commune["name"], "Vieux-Port");
    assert_eq!(commune["branding"]["primary_color"], "#0055aa");
}

#[test]
fn only_the_platform_changes_a_commune() {
    let g = Guichet::start();
    create(&g);
    let admin_of_demo = g.keys.access_token("demo", "admin-1", &["admin"]);
    for bearer in [None, Some(admin_of_demo.as_str()), Some("platform-admin-test-token-WRONG-0123")] {
        let reply = g.send_json("PATCH", "/api/identity/communes/vieux-port", &json!({"name": "Pris"}), bearer);
        assert!(reply.status == 401 || reply.status == 403, "{bearer:?}: {} {}", reply.status, reply.body);
    }
    let commune = g.at("vieux-port.localhost", "GET", "/api/identity/commune", None, None).json();
    assert_eq!(commune["name"], "Vieux-Port");
}
