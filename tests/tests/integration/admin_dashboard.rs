//! The back-office's dashboard (issue #14 item 5) through the built components: a supervisor
//! reads the figures of requests filed and closed during the test, now and in the weeks'
//! charts, tables and CSV; an agent is refused the page and its export.


use crate::admin_support;
use crate::requests_support::{citizen, close_pothole, file_pothole};

/// The text of the element `id` (a `<dd id=…>`).
fn text_of(html: &str, id: &str) -> String {
    crate::portal_support::text_of(html, id)
}

#[test]
fn the_dashboard_counts_the_requests_filed_and_closed_in_the_test() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let alice = citizen(&g, "alice");
    let filed: Vec<String> = (0..3).map(|_| file_pothole(&g, Some(&alice)).reference).collect();
    close_pothole(&g, &filed[0], &team.agent.access);
    let mut supervisor = admin_support::browser(&g, &team.supervisor.email);

    let page = supervisor.get(&g, "/admin/dashboard");
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(text_of(&page.body, "open"), "2");
    assert_eq!(text_of(&page.body, "closed-this-week"), "1");
    // Charts are images with a title and a description, and their numbers are in a table.
    assert!(page.body.contains("role=\"img\" aria-labelledby=\"commune-backlog-t commune-backlog-d\""), "{}", page.body);
    assert!(page.body.contains("<title id=\"commune-flow-t\">"), "{}", page.body);
    assert!(page.body.contains("<rect class=\"series-0\""), "bars drawn");
    let table = &page.body[page.body.find("id=\"commune-table\"").expect("the commune's table")..];
    let last_row = table[..table.find("</tbody>").expect("tbody")].rsplit("<tr>").next().unwrap_or_default();
    let cells: Vec<&str> = last_row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap_or_default()).collect();
    assert_eq!(&cells[..3], ["3", "1", "2"], "filed, closed, backlog this week: {last_row}");
    // By department: roads, the potholes' department.
    assert!(page.body.contains("<h2 id=\"g0-heading\">roads</h2>"), "{}", page.body);
    let by_service = supervisor.get(&g, "/admin/dashboard?by=service&lang=en");
    assert!(by_service.body.contains("(pothole)</h2>"), "{}", by_service.body);

    let csv = supervisor.get(&g, "/admin/dashboard/export.csv?by=department");
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "scope,group,week,filed,closed,backlog,overdue,median_hours_to_close");
    assert_eq!(lines.len(), 1 + 12 + 12, "{}", csv.body);
    let this_week = lines[12];
    assert!(this_week.starts_with("commune,,") && this_week.contains(",3,1,2,"), "{this_week}");
    assert!(lines[24].starts_with("department,roads,") && lines[24].contains(",3,1,2,"), "{}", lines[24]);
}

#[test]
fn an_agent_is_refused_the_dashboard_and_its_export() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut agent = admin_support::browser(&g, &team.agent.email);
    for path in ["/admin/dashboard", "/admin/dashboard/export.csv"] {
        let refused = agent.get(&g, path);
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
    }
    assert!(!agent.get(&g, "/admin").body.contains("href=\"/admin/dashboard\""), "no link to it");
    let mut admin = admin_support::browser(&g, &team.admin.email);
    assert_eq!(admin.get(&g, "/admin/dashboard").status, 200);
}
