//! Tracking requests through the real host: the citizen's own requests and their timeline,
//! staff's view, and the public status anyone holding the reference and tracking code sees.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use requests_support::*;
use serde_json::{json, Value};

#[test]
fn another_citizen_gets_404_as_for_a_request_that_does_not_exist() {
    let g = Guichet::start();
    let filed = file_pothole(&g, Some(&citizen(&g, "alice")));
    let mallory = citizen(&g, "mallory");
    let theirs = show(&g, &filed.reference, &mallory);
    assert_eq!(theirs.status, 404, "{}", theirs.body);
    let unknown = show(&g, "2020-999999", &mallory);
    assert_eq!(unknown.status, 404);
    assert_eq!(
        theirs.body, unknown.body,
        "nothing tells an existing reference from an unknown one"
    );
    assert_eq!(show(&g, "not-a-reference", &mallory).status, 404);
    assert_eq!(
        g.get(&format!("{REQUESTS}/{}", filed.reference), None)
            .status,
        401
    );
}

#[test]
fn the_owner_sees_what_they_gave_and_the_public_timeline_with_its_filed_entry() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let filed = file_pothole(&g, Some(&token));
    let reply = show(&g, &filed.reference, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(view["reference"], json!(filed.reference));
    assert_eq!(view["state"], json!("submitted"));
    assert_eq!(view["state_label"]["fr"], json!("Signalement reçu"));
    assert_eq!(view["open"], json!(true));
    assert_eq!(view["overdue"], json!(false));
    assert_eq!(view["contact"]["email"], json!("camille@example.org"));
    assert_eq!(
        view["description"],
        json!("Nid-de-poule profond devant la boulangerie")
    );
    let filed_entry = &view["timeline"][0];
    assert_eq!(filed_entry["kind"], json!("filed"));
    assert_eq!(filed_entry["actor"], json!("citizen"));
    assert!(filed_entry.get("actor_id").is_none(), "{filed_entry}");
    assert!(view.get("call_logs").is_none(), "staff-only data: {view}");
    assert!(view.get("assignee").is_none(), "staff-only data: {view}");
}

#[test]
fn staff_see_the_internal_view_with_actor_ids_and_call_logs() {
    let g = Guichet::start();
    let filed = file_pothole(&g, Some(&citizen(&g, "alice")));
    let reply = show(&g, &filed.reference, &staff(&g, "sup-1", &["supervisor"]));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(view["account_id"], json!("alice"));
    assert_eq!(view["department"], json!("roads"));
    assert_eq!(view["call_logs"], json!([]));
    assert_eq!(view["assignee"], Value::Null);
    assert_eq!(view["timeline"][0]["actor_id"], json!("alice"));
    assert_eq!(view["timeline"][0]["detail"]["channel"], json!("web"));
}

#[test]
fn tracking_with_reference_and_code_shows_the_public_status_and_no_personal_data() {
    let g = Guichet::start();
    let filed = file_pothole(&g, Some(&citizen(&g, "alice")));
    let reply = track(&g, &filed.reference, &filed.tracking_code);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(view["reference"], json!(filed.reference));
    assert_eq!(
        view["service_name"]["en"],
        json!("Report a pothole"),
        "{view}"
    );
    assert_eq!(view["state"], json!("submitted"));
    assert_eq!(view["state_label"]["en"], json!("Report received"));
    assert_eq!(view["open"], json!(true));
    assert_eq!(view["overdue"], json!(false));
    assert!(view["expected_on"].is_string(), "{view}");
    assert_eq!(view["timeline"][0]["kind"], json!("filed"));
    for secret in [
        "camille",
        "Camille",
        "boulangerie",
        "République",
        "alice",
        "48.85",
        "tracking",
    ] {
        assert!(
            !reply.body.contains(secret),
            "{secret} is in {}",
            reply.body
        );
    }
    // A code typed by hand: lower case, spaces instead of dashes.
    let typed = filed.tracking_code.to_lowercase().replace('-', " ");
    assert_eq!(track(&g, &filed.reference, &typed).status, 200);
}

#[test]
fn a_wrong_code_or_an_unknown_reference_gives_the_same_404() {
    let g = Guichet::start();
    let first = file_pothole(&g, None);
    let second = file_pothole(&g, None);
    let wrong_code = track(&g, &first.reference, &second.tracking_code);
    assert_eq!(wrong_code.status, 404, "{}", wrong_code.body);
    let unknown = track(&g, "2020-123456", &first.tracking_code);
    let malformed = track(&g, "123", "nonsense");
    assert_eq!(unknown.status, 404);
    assert_eq!(malformed.status, 404);
    assert_eq!(wrong_code.body, unknown.body);
    assert_eq!(wrong_code.body, malformed.body);
    let missing = g.post(
        &format!("{REQUESTS}/track"),
        &json!({"reference": first.reference}),
        None,
    );
    assert_eq!(errors_of(&missing), vec![pair("code", "required")]);
}

#[test]
fn guessing_tracking_codes_is_slowed_down() {
    let g = Guichet::start();
    let filed = anonymous_report(&g, "camille@example.org");
    for _ in 0..20 {
        assert_eq!(
            track(&g, &filed.reference, "0000-0000-0000-0000").status,
            404
        );
    }
    let blocked = track(&g, &filed.reference, &filed.tracking_code);
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert!(blocked
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s > 0)));
}

#[test]
fn a_citizen_lists_their_own_requests_newest_first_page_by_page() {
    let g = Guichet::start();
    let alice = citizen(&g, "alice");
    let mut references = Vec::new();
    for _ in 0..3 {
        references.push(file_pothole(&g, Some(&alice)).reference);
    }
    file_pothole(&g, Some(&citizen(&g, "bob")));
    file_pothole(&g, None);

    let reply = g.get(&format!("{REQUESTS}/mine?per_page=2"), Some(&alice));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let page = reply.json();
    assert_eq!(page["total"], json!(3));
    let listed: Vec<&str> = page["requests"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["reference"].as_str())
        .collect();
    assert_eq!(listed, [references[2].as_str(), references[1].as_str()]);
    let first = &page["requests"][0];
    assert_eq!(first["state_label"]["en"], json!("Report received"));
    assert_eq!(first["open"], json!(true));
    assert_eq!(first["overdue"], json!(false));
    assert_eq!(first["last_event"]["kind"], json!("filed"));
    let next = g
        .get(&format!("{REQUESTS}/mine?per_page=2&page=2"), Some(&alice))
        .json();
    assert_eq!(next["requests"][0]["reference"], json!(references[0]));
    assert_eq!(next["requests"].as_array().map(Vec::len), Some(1));
    let bad = g.get(
        &format!("{REQUESTS}/mine?per_page=500&page=0"),
        Some(&alice),
    );
    assert_eq!(
        errors_of(&bad),
        vec![pair("page", "invalid"), pair("per_page", "invalid")]
    );
    assert_eq!(g.get(&format!("{REQUESTS}/mine"), None).status, 401);
}

#[test]
fn a_merged_request_names_the_original_to_follow() {
    let g = Guichet::start();
    let alice = citizen(&g, "alice");
    let original = file_pothole(&g, None);
    let duplicate = file_pothole(&g, Some(&alice));
    let supervisor = staff(&g, "sup-1", &["supervisor"]);
    let merged = g.post(
        &format!("{REQUESTS}/{}/merge", duplicate.reference),
        &json!({"into": original.reference}),
        Some(&supervisor),
    );
    assert!(merged.status < 300, "{}", merged.body);
    let public = track(&g, &duplicate.reference, &duplicate.tracking_code).json();
    assert_eq!(public["merged_into"], json!(original.reference), "{public}");
    assert_eq!(public["open"], json!(false));
    assert_eq!(public["original"]["reference"], json!(original.reference), "{public}");
    assert_eq!(public["original"]["state"], json!("submitted"));
    assert_eq!(public["original"]["state_label"]["en"], json!("Report received"));
    assert!(!public.to_string().contains("camille"), "no personal data of the original: {public}");
    let own = show(&g, &duplicate.reference, &alice).json();
    assert_eq!(own["original"]["reference"], json!(original.reference));
    assert_eq!(own["merged_into"], json!(original.reference));
    let mine = g.get(&format!("{REQUESTS}/mine"), Some(&alice)).json();
    assert_eq!(
        mine["requests"][0]["merged_into"],
        json!(original.reference)
    );
}
