//! Duplicates through the real host: similar open reports nearby offered before filing,
//! following a report instead of filing it again, and merging a duplicate into its original so
//! that the duplicate's filer gets the original's updates.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use requests_support::{confirm_contact, errors_of, events};
use serde_json::{json, Value};

const COMMUNE: &str = "demo";
/// A street corner of the demo commune, and points around it.
const LAT: f64 = 48.8566;
const LONG: f64 = 2.3522;
/// About 111 m per thousandth of a degree of latitude.
const METRES_PER_MILLIDEGREE: f64 = 111.2;

fn roads_agent(g: &Guichet) -> String {
    g.keys
        .access_token_with_departments(COMMUNE, "acct-agent-roads", &["agent"], &["roads"])
}

/// Files a report of `service` at (`lat`, `long`) without an account, as `email`.
fn report(
    g: &Guichet,
    service: &str,
    lat: f64,
    long: f64,
    email: &str,
    description: &str,
) -> String {
    let mut answers = json!({"consent": true});
    match service {
        "pothole" => answers["size"] = json!("large"),
        "graffiti" => answers["surface"] = json!("public"),
        "streetlight-out" => answers["problem"] = json!("out"),
        _ => {}
    }
    let body = json!({
        "service_code": service,
        "description": description,
        "answers": answers,
        "location": {"lat": lat, "long": long},
        "contact": {"email": email},
    });
    let reply = g.post("/api/requests", &body, None);
    assert_eq!(reply.status, 201, "filing: {}", reply.body);
    reply.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}

fn similar(g: &Guichet, query: &str) -> Reply {
    g.get(&format!("/api/requests/similar?{query}"), None)
}

fn references(reply: &Reply) -> Vec<String> {
    reply.json()["similar"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["reference"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The e-mail addresses among an event's recipients.
fn recipients(payload: &Value) -> Vec<String> {
    payload["recipients"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["email"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn similar_reports_nearby_are_offered_and_far_ones_are_not() {
    let g = Guichet::start();
    let near = report(
        &g,
        "pothole",
        LAT + 0.0005,
        LONG,
        "near@example.org",
        "Nid de poule profond devant la boulangerie",
    );
    let closer = report(
        &g,
        "pothole",
        LAT + 0.0002,
        LONG,
        "closer@example.org",
        "Trou dans la chaussée",
    );
    let far = report(
        &g,
        "pothole",
        LAT + 0.01,
        LONG,
        "far@example.org",
        "Nid de poule profond devant la boulangerie",
    );
    let other_service = report(
        &g,
        "graffiti",
        LAT,
        LONG,
        "tag@example.org",
        "Tag sur le mur",
    );

    let reply = similar(&g, &format!("service=pothole&lat={LAT}&long={LONG}"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        references(&reply),
        [closer.clone(), near.clone()],
        "nearest first, 1 km away and other services left out"
    );
    let first = &reply.json()["similar"][0];
    // About 22 m away, shown as "within 25 m": exact distances would locate reports.
    assert!(0.2 * METRES_PER_MILLIDEGREE < 25.0);
    assert_eq!(first["distance_m"].as_f64(), Some(25.0), "{first}");
    assert_eq!(reply.json()["similar"][1]["distance_m"].as_f64(), Some(75.0), "about 56 m away");
    assert_eq!(first["state"], "submitted");
    assert!(
        first["state_label"].is_string() && first["service_name"].is_string(),
        "{first}"
    );
    for private in [
        "boulangerie",
        "chaussée",
        "example.org",
        "description",
        "contact",
    ] {
        assert!(
            !reply.body.contains(private),
            "{private} is not public: {}",
            reply.body
        );
    }

    // What the citizen types reorders the list: the same words beat a few metres.
    let reply = similar(
        &g,
        &format!("service=pothole&lat={LAT}&long={LONG}&text=nid+de+poule+devant+la+boulangerie"),
    );
    assert_eq!(references(&reply), [near.clone(), closer.clone()]);

    // Closed and merged requests are not offered.
    let agent = roads_agent(&g);
    let reply = g.post(
        &format!("/api/requests/{closer}/transitions"),
        &json!({"to": "not-municipal"}),
        Some(&agent),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        references(&similar(
            &g,
            &format!("service=pothole&lat={LAT}&long={LONG}")
        )),
        [near]
    );
    assert!(!references(&similar(
        &g,
        &format!("service=graffiti&lat={LAT}&long={LONG}")
    ))
    .is_empty());
    let _ = (far, other_service);
}

#[test]
fn bad_coordinates_and_unknown_services_are_refused_field_by_field_and_personal_procedures_are_never_offered(
) {
    let g = Guichet::start();
    let reply = similar(&g, "lat=91&long=east");
    assert_eq!(reply.status, 400, "{}", reply.body);
    let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
    assert_eq!(
        errors_of(&reply),
        [
            pair("service", "required"),
            pair("lat", "out_of_range"),
            pair("long", "not_a_number")
        ]
    );
    let reply = similar(
        &g,
        &format!("service=no-such-service&lat={LAT}&long={LONG}"),
    );
    assert_eq!(errors_of(&reply), [pair("service", "unknown_service")]);

    let token = g.keys.access_token(COMMUNE, "acct-alice", &["citizen"]);
    let body = json!({
        "service_code": "event-permit",
        "description": "Fête des voisins",
        "answers": {
            "organiser": "Alice Dupont", "title": "Fête des voisins", "start": "2030-06-20T18:00:00Z",
            "end": "2030-06-20T23:00:00Z", "attendance": 40, "phone": "+33612345678", "consent": true,
        },
        "location": {"lat": LAT, "long": LONG},
        "contact": {"email": "alice@example.org"},
    });
    let filed = g.post("/api/requests", &body, Some(&token));
    assert_eq!(filed.status, 201, "{}", filed.body);
    let reply = similar(&g, &format!("service=event-permit&lat={LAT}&long={LONG}"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        references(&reply).is_empty(),
        "a personal procedure is never offered: {}",
        reply.body
    );
    // Nor can a stranger follow it: it does not exist for them.
    let reference = filed.json()["reference"].as_str().unwrap_or_default().to_owned();
    let path = format!("/api/requests/{reference}/follow");
    let reply = g.post(&path, &json!({"contact": {"email": "nosy@example.org"}}), None);
    assert_eq!(reply.status, 404, "{}", reply.body);
    let bob = g.keys.access_token(COMMUNE, "acct-bob", &["citizen"]);
    assert_eq!(g.post(&path, &json!({}), Some(&bob)).status, 404);
}

#[test]
fn a_visitor_follows_a_report_instead_of_filing_it_again_and_gets_its_updates() {
    let g = Guichet::start();
    let reference = report(
        &g,
        "streetlight-out",
        LAT,
        LONG,
        "first@example.org",
        "Lampadaire éteint",
    );
    let path = format!("/api/requests/{reference}/follow");

    let reply = g.post(&path, &json!({}), None);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        errors_of(&reply),
        [("contact".to_owned(), "required".to_owned())]
    );
    let reply = g.post(
        &path,
        &json!({"contact": {"email": "not-an-address"}}),
        None,
    );
    assert_eq!(
        errors_of(&reply),
        [("contact.email".to_owned(), "invalid_email".to_owned())]
    );

    let reply = g.post(
        &path,
        &json!({"contact": {"email": "Neighbour@Example.org"}}),
        None,
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["reference"], reference.as_str());
    let reply = g.post(
        &path,
        &json!({"contact": {"email": "neighbour@example.org"}}),
        None,
    );
    assert_eq!(
        reply.status, 200,
        "following twice changes nothing: {}",
        reply.body
    );
    let citizen = g.keys.access_token(COMMUNE, "acct-carol", &["citizen"]);
    let reply = g.post(&path, &json!({}), Some(&citizen));
    assert_eq!(reply.status, 201, "{}", reply.body);

    let reply = g.post(
        &format!("/api/requests/{reference}/transitions"),
        &json!({"to": "acknowledged"}),
        Some(&roads_agent(&g)),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let event = events(&g, "status-changed", &reference)
        .pop()
        .expect("a status event");
    assert_eq!(
        recipients(&event),
        ["first@example.org", "Neighbour@example.org"],
        "the address as the one e-mail rule keeps it: its domain lowercased"
    );
    let accounts: Vec<&str> = event["recipients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["account_id"].as_str())
        .collect();
    assert_eq!(accounts, ["acct-carol"]);

    let reply = g.post(
        "/api/requests/2099-999999/follow",
        &json!({"contact": {"email": "x@example.org"}}),
        None,
    );
    assert_eq!(reply.status, 404, "{}", reply.body);
}

#[test]
fn merging_makes_the_duplicates_filer_a_follower_of_the_original_who_gets_its_next_update() {
    let g = Guichet::start();
    let original = report(
        &g,
        "pothole",
        LAT,
        LONG,
        "original@example.org",
        "Nid de poule rue Haute",
    );
    let duplicate = report(
        &g,
        "pothole",
        LAT + 0.0003,
        LONG,
        "duplicate@example.org",
        "Gros trou rue Haute",
    );
    // The duplicate's filer confirmed their address: as a follower of the original, they
    // are told of its updates (an unconfirmed one would get nothing more than a receipt).
    confirm_contact(&g, "duplicate@example.org");
    let agent = roads_agent(&g);
    let merge = |reference: &str, into: &str, token: &str| {
        g.post(
            &format!("/api/requests/{reference}/merge"),
            &json!({"into": into}),
            Some(token),
        )
    };

    let citizen = g.keys.access_token(COMMUNE, "acct-alice", &["citizen"]);
    // Not their request: as if it did not exist (docs/SECURITY.md item 12).
    assert_eq!(merge(&duplicate, &original, &citizen).status, 404);
    let reply = merge(&duplicate, &original, &agent);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(
        (view["state"].as_str(), view["open"].as_bool()),
        (Some("duplicate"), Some(false))
    );
    assert_eq!(view["merged_into"], original.as_str());
    let merged: Vec<&Value> = view["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "merged")
        .collect();
    assert_eq!(merged.len(), 1);
    assert_eq!(
        (merged[0]["to"].as_str(), merged[0]["public"].as_bool()),
        (Some(original.as_str()), Some(true))
    );

    // The duplicate's filer is told, and follows the original from now on.
    let told = events(&g, "status-changed", &duplicate)
        .pop()
        .expect("the duplicate's event");
    assert_eq!(told["merged_into"], original.as_str());
    assert_eq!(recipients(&told), ["duplicate@example.org"]);
    let staff = g
        .get(&format!("/api/requests/{original}"), Some(&agent))
        .json();
    let from: Vec<&Value> = staff["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "merged_from")
        .collect();
    assert_eq!(
        (
            from.len(),
            from[0]["from"].as_str(),
            from[0]["public"].as_bool()
        ),
        (1, Some(duplicate.as_str()), Some(false))
    );

    let reply = g.post(
        &format!("/api/requests/{original}/transitions"),
        &json!({"to": "acknowledged", "message": "Équipe prévenue"}),
        Some(&agent),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let update = events(&g, "status-changed", &original)
        .pop()
        .expect("the original's event");
    assert_eq!(
        recipients(&update),
        ["original@example.org", "duplicate@example.org"]
    );
    assert_eq!(update["message"], "Équipe prévenue");
    // Through notifications, the duplicate's filer receives the original's update by e-mail.
    let mail = g.mailbox.wait_for(
        "duplicate@example.org",
        |m| m.text.contains(&original) && m.text.contains("Équipe prévenue"),
        std::time::Duration::from_secs(20),
    );
    assert!(
        !mail.text.contains(&duplicate),
        "the mail is about the original: {}",
        mail.text
    );

    // Following the merged request follows the original.
    let reply = g.post(
        &format!("/api/requests/{duplicate}/follow"),
        &json!({"contact": {"email": "late@example.org"}}),
        None,
    );
    assert_eq!(
        (reply.status, reply.json()["reference"].as_str()),
        (201, Some(original.as_str()))
    );
}

#[test]
fn a_request_is_merged_once_never_into_itself_nor_into_a_merged_one() {
    let g = Guichet::start();
    let a = report(&g, "pothole", LAT, LONG, "a@example.org", "Trou");
    let b = report(&g, "pothole", LAT, LONG, "b@example.org", "Trou");
    let c = report(
        &g,
        "damaged-sidewalk",
        LAT,
        LONG,
        "c@example.org",
        "Trottoir",
    );
    let agent = roads_agent(&g);
    let merge = |reference: &str, into: &str| {
        g.post(
            &format!("/api/requests/{reference}/merge"),
            &json!({"into": into}),
            Some(&agent),
        )
    };
    let pair = |f: &str, c: &str| vec![(f.to_owned(), c.to_owned())];

    assert_eq!(errors_of(&merge(&a, &a)), pair("into", "same_request"));
    assert_eq!(
        errors_of(&merge(&a, "2099-999999")),
        pair("into", "unknown_reference")
    );
    let reply = merge(&b, &a);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = merge(&b, &a);
    assert_eq!(
        (reply.status, errors_of(&reply)),
        (409, pair("reference", "already_merged"))
    );
    let reply = merge(&c, &b);
    assert_eq!((reply.status, errors_of(&reply)), (409, pair("into", "merged")));
    // Across services of the same commune: allowed (the citizen may have picked the wrong one).
    let reply = merge(&c, &a);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = g.post(
        &format!("/api/requests/{b}/transitions"),
        &json!({"to": "acknowledged"}),
        Some(&agent),
    );
    assert_eq!(
        reply.status, 409,
        "a merged request's own workflow stops: {}",
        reply.body
    );
}
