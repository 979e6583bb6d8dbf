//! The administrators' staff page (issue #14 item 4), through the built components: the team
//! listed, departments created and deleted, an invitation sent, a member's roles and
//! departments changed, an account disabled and enabled again; identity's refusals come
//! back above the form with what was typed.

use serde_json::Value;

use crate::admin_setup::{assert_moved, assert_page, post_from};
use crate::admin_support;


#[test]
fn an_administrator_manages_departments_invitations_roles_and_accounts() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let staff = "/admin/setup/staff";

    let page = admin.get(&g, staff);
    assert_page(&page, 200, &team.agent.email);
    assert!(page.body.contains(&format!("href=\"/admin/setup/staff/{}\"", team.agent.id)), "{}", page.body);
    assert!(page.body.contains("<code>roads</code>") && page.body.contains("<code>culture</code>"), "{}", page.body);

    // Departments: a wrong code is named and kept; a good one created, then deleted empty.
    let wrong = post_from(&mut admin, &g, staff, "/admin/setup/staff/departments", &[("id", "Espaces Verts!"), ("name", "Espaces verts")]);
    assert_page(&wrong, 422, "error-summary");
    assert!(wrong.body.contains("value=\"Espaces Verts!\""), "{}", wrong.body);
    let made = post_from(&mut admin, &g, staff, "/admin/setup/staff/departments", &[("id", "parks"), ("name", "Espaces verts")]);
    assert_moved(&made, "/admin/setup/staff?done=department#departments");
    let made = post_from(&mut admin, &g, staff, "/admin/setup/staff/departments", &[("id", "spare"), ("name", "Réserve")]);
    assert_moved(&made, "/admin/setup/staff?done=department#departments");
    let deleted = post_from(&mut admin, &g, staff, "/admin/setup/staff/departments/spare/delete", &[]);
    assert_moved(&deleted, "/admin/setup/staff?done=deleted#departments");
    assert!(!admin.get(&g, staff).body.contains("<code>spare</code>"));
    let in_use = post_from(&mut admin, &g, staff, "/admin/setup/staff/departments/roads/delete", &[]);
    assert_page(&in_use, 422, "move them to another one first");

    // Invitations: an agent without department is refused with the address kept.
    let refused = post_from(&mut admin, &g, staff, "/admin/setup/staff/invitations", &[("email", "jardinier@exemple.fr"), ("role", "agent")]);
    assert_page(&refused, 422, "departments");
    assert!(refused.body.contains("value=\"jardinier@exemple.fr\""), "{}", refused.body);
    let invited = post_from(&mut admin, &g, staff, "/admin/setup/staff/invitations", &[("email", "jardinier@exemple.fr"), ("role", "agent"), ("departments", "parks")]);
    assert_moved(&invited, "/admin/setup/staff?done=invited");
    assert!(!g.link_token("jardinier@exemple.fr", "/account/accept-invitation").is_empty());

    // A member's roles and departments.
    let member = format!("/admin/setup/staff/{}", team.agent.id);
    let page = admin.get(&g, &member);
    assert_page(&page, 200, "id=\"m-d-roads\" name=\"departments\" value=\"roads\" checked");
    let saved = post_from(&mut admin, &g, &member, &member, &[("roles", "supervisor"), ("departments", "roads"), ("departments", "parks")]);
    assert_moved(&saved, &format!("{member}?done=saved"));
    let record: Value = g.get(&format!("/api/identity/agents/{}", team.agent.id), Some(&team.admin.access)).json();
    assert_eq!(record["roles"], serde_json::json!(["supervisor"]), "{record}");
    assert!(record["departments"].as_array().is_some_and(|d| d.len() == 2), "{record}");
    let agentless = post_from(&mut admin, &g, &member, &member, &[("roles", "agent")]);
    assert_page(&agentless, 422, "an agent belongs to at least one department");
    assert!(agentless.body.contains("id=\"m-r-agent\" name=\"roles\" value=\"agent\" checked"), "{}", agentless.body);

    // Disabled, then enabled; nobody disables their own account.
    let disabled = post_from(&mut admin, &g, &member, &format!("{member}/disable"), &[]);
    assert_moved(&disabled, &format!("{member}?done=disabled"));
    assert_page(&admin.get(&g, &member), 200, "désactivé");
    assert_eq!(g.sign_in(&team.agent.email, guichet_tests::guichet::PASSWORD).status, 403, "a disabled account cannot sign in");
    let enabled = post_from(&mut admin, &g, &member, &format!("{member}/enable"), &[]);
    assert_moved(&enabled, &format!("{member}?done=enabled"));
    assert_eq!(g.sign_in(&team.agent.email, guichet_tests::guichet::PASSWORD).status, 200);
    let own = format!("/admin/setup/staff/{}", team.admin.id);
    let myself = post_from(&mut admin, &g, &own, &format!("{own}/disable"), &[]);
    assert_page(&myself, 422, "you cannot disable your own account");
}
