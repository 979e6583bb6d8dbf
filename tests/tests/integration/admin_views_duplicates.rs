//! Possible duplicates flagged in the queue (issue #14 item 1), through the host: requests
//! counts, for each open located request of a page, the other open requests of its service
//! within 200 m filed within 30 days of it (`possible_duplicates` of `GET /api/requests`), and
//! the back-office's queue shows the flag on the line.

use serde_json::Value;

use crate::admin_support;
use crate::requests_support::{file, pothole_body};

/// A pothole report at `lat`, `long`.
fn pothole_at(g: &guichet_tests::guichet::Guichet, lat: f64, long: f64) -> String {
    let mut body = pothole_body("camille@example.org");
    body["location"] = serde_json::json!({"lat": lat, "long": long, "address": "place du Marché"});
    file(g, &body, None).reference
}

#[test]
fn open_reports_of_a_service_within_200_metres_are_flagged_as_possible_duplicates() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let (lat, long) = (48.8566, 2.3522);
    let a = pothole_at(&g, lat, long);
    // 111 m south of A.
    let b = pothole_at(&g, lat - 0.001, long);
    // 1.1 km north: another problem.
    let c = pothole_at(&g, lat + 0.01, long);
    // 219 m north-west of A: inside the box around A, outside its 200 m circle (and 267 m from B).
    let d = pothole_at(&g, lat + 0.0014, long - 0.0021);

    let reply = g.get("/api/requests?service=pothole", Some(&team.agent.access));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let count = |reference: &str| -> Value {
        body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["reference"] == reference))
            .map(|i| i["possible_duplicates"].clone())
            .unwrap_or_else(|| panic!("no {reference} in {body}"))
    };
    assert_eq!(
        [count(&a), count(&b), count(&c), count(&d)],
        [Value::from(1), Value::from(1), Value::from(0), Value::from(0)],
        "{body}"
    );

    let mut agent = admin_support::browser(&g, &team.agent.email);
    let page = agent.get(&g, "/admin?service=pothole&lang=en");
    assert_eq!(page.status, 200, "{}", page.body);
    let line = |reference: &str| -> String {
        let start = page.body.find(&format!("href=\"/admin/requests/{reference}\"")).expect("line");
        page.body[start..].split("</th>").next().unwrap_or_default().to_owned()
    };
    assert!(line(&a).contains("Possible duplicates: 1"), "{}", line(&a));
    assert!(line(&b).contains("Possible duplicates: 1"), "{}", line(&b));
    assert!(!line(&c).contains("Possible duplicates"), "{}", line(&c));
}
