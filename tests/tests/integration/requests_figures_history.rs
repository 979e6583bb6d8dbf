//! `GET /api/requests/figures/history` through the host: the commune's figures week by week
//! (filed, closed, backlog and overdue at each week's end, median time to close) for the
//! back-office's dashboard, by department and by service; supervisors and administrators
//! only; parameters checked by name.

use guichet_tests::guichet::Guichet;
use serde_json::Value;

use crate::requests_support::{agent, citizen, close_pothole, db, file_pothole, staff};

fn history(g: &Guichet, query: &str, token: &str) -> Value {
    let reply = g.get(&format!("/api/requests/figures/history{query}"), Some(token));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// Moves `reference`'s `column` to `days` days ago (same time of day: the same weekday).
fn backdate(g: &Guichet, reference: &str, column: &str, days: i64) {
    let sql = format!("UPDATE requests SET {column} = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-{days} days') WHERE reference = ?");
    assert_eq!(db(g).execute(&sql, [reference]).expect("update"), 1);
}

/// (filed, closed, backlog, overdue, median) of one week.
fn week(w: &Value) -> (i64, i64, i64, i64, Option<f64>) {
    (
        w["filed"].as_i64().expect("filed"),
        w["closed"].as_i64().expect("closed"),
        w["backlog"].as_i64().expect("backlog"),
        w["overdue"].as_i64().expect("overdue"),
        w["median_hours_to_close"].as_f64(),
    )
}

#[test]
fn the_weeks_count_what_was_filed_closed_and_left_open_at_each_weeks_end() {
    let g = Guichet::start();
    let alice = citizen(&g, "alice");
    let roads = agent(&g, "agent-roads");
    let supervisor = staff(&g, "chief", &["supervisor"]);
    let (a, b, c) = (file_pothole(&g, Some(&alice)), file_pothole(&g, Some(&alice)), file_pothole(&g, Some(&alice)));
    let d = file_pothole(&g, Some(&alice));
    // A: filed two weeks ago, closed a week later; B: filed two weeks ago, still open and
    // late since yesterday; C: filed now; D: filed three weeks ago, due that day, still open.
    close_pothole(&g, &a.reference, &roads);
    backdate(&g, &a.reference, "created_at", 14);
    backdate(&g, &a.reference, "closed_at", 7);
    backdate(&g, &b.reference, "created_at", 14);
    let late = "UPDATE requests SET expected_on = date('now', '-1 day') WHERE reference = ?";
    assert_eq!(db(&g).execute(late, [&b.reference]).expect("update"), 1);
    backdate(&g, &d.reference, "created_at", 21);
    let due = "UPDATE requests SET expected_on = date('now', '-21 days') WHERE reference = ?";
    assert_eq!(db(&g).execute(due, [&d.reference]).expect("update"), 1);

    let body = history(&g, "", &supervisor);
    assert_eq!(body["by"], "department");
    let weeks = body["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 12);
    let total = body["total"].as_array().expect("total");
    assert_eq!(total.len(), 12);
    assert_eq!(week(&total[7]), (0, 0, 0, 0, None));
    assert_eq!(week(&total[8]), (1, 0, 1, 1, None));
    assert_eq!(week(&total[9]), (2, 0, 3, 1, None));
    let (filed, closed, backlog, overdue, median) = week(&total[10]);
    assert_eq!((filed, closed, backlog, median), (0, 1, 2, Some(168.0)));
    // D, and B too when today is Monday (due yesterday, a Sunday of that week).
    assert!((1..=2).contains(&overdue), "{overdue}");
    assert_eq!(week(&total[11]), (1, 0, 3, 2, None));
    assert_eq!(total[11]["week"], weeks[11]);
    let _ = c;

    // The current week's end is now: the same as the figures of today.
    let now = g.get("/api/requests/figures", Some(&supervisor)).json();
    assert_eq!(now["open"], total[11]["backlog"]);
    assert_eq!(now["overdue"], total[11]["overdue"]);
    assert_eq!(now["week_start"].as_str().map(|s| &s[..10]), weeks[11].as_str());

    let groups = body["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["department"], "roads");
    assert_eq!(groups[0]["weeks"], body["total"]);

    let by_service = history(&g, "?by=service&weeks=3", &supervisor);
    assert_eq!(by_service["weeks"].as_array().map(Vec::len), Some(3));
    assert_eq!(by_service["groups"][0]["service"], "pothole");
    let (filed, closed, backlog, _, median) = week(&by_service["groups"][0]["weeks"][1]);
    assert_eq!((filed, closed, backlog, median), (0, 1, 2, Some(168.0)));
}

#[test]
fn only_supervisors_and_administrators_read_the_weeks_and_parameters_are_checked() {
    let g = Guichet::start();
    let roads = agent(&g, "agent-roads");
    assert_eq!(g.get("/api/requests/figures/history", Some(&roads)).status, 403);
    assert_eq!(g.get("/api/requests/figures/history", Some(&citizen(&g, "alice"))).status, 403);
    assert_eq!(g.get("/api/requests/figures/history", None).status, 401);
    let admin = staff(&g, "mayor", &["admin"]);
    assert_eq!(g.get("/api/requests/figures/history", Some(&admin)).status, 200);
    let refused = g.get("/api/requests/figures/history?by=color&weeks=99&sort=x", Some(&admin));
    assert_eq!(refused.status, 400, "{}", refused.body);
    let body = refused.json();
    let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["by", "weeks", "sort"]);
}
