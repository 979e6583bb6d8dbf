//! Saved views of the back-office's queue (issue #14 item 1), through the host: an agent names
//! the filters of the page, finds them as a link, opens them and deletes them; names are
//! checked and views counted; another agent sees none of them; a form without the browser's
//! token or from another site saves nothing.

use guichet_tests::Reply;

use crate::admin_support::{self, hidden};
use crate::portal_support::Browser;
use crate::requests_support::file_pothole;

/// Posts the save form of the page at `path` (its own hidden filters and token) with `name`.
fn save(g: &guichet_tests::guichet::Guichet, browser: &mut Browser, path: &str, name: &str) -> Reply {
    let page = browser.get(g, path);
    assert_eq!(page.status, 200, "{}", page.body);
    let form = page.body.split("name=\"action\" value=\"save\"").nth(1).expect("a save form");
    let form = form.split("</form>").next().unwrap_or_default();
    let mut pairs: Vec<(String, String)> = vec![
        ("csrf".into(), hidden(&page.body, "csrf")),
        ("action".into(), "save".into()),
        ("name".into(), name.into()),
    ];
    for input in form.split("<input type=\"hidden\" name=\"").skip(1) {
        let (field, rest) = input.split_once('"').expect("name");
        let value = rest.split("value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or_default();
        pairs.push((field.to_owned(), value.to_owned()));
    }
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_form(g, "/admin", &borrowed)
}

/// The id of the view named `name` on a page (its delete form's hidden `view`).
fn view_id(page: &str, name: &str) -> String {
    let start = page.find(&format!(">{name}</a>")).unwrap_or_else(|| panic!("no view {name} in {page}"));
    hidden(&page[start..], "view")
}

fn delete(g: &guichet_tests::guichet::Guichet, browser: &mut Browser, id: &str) -> Reply {
    let page = browser.get(g, "/admin");
    let csrf = hidden(&page.body, "csrf");
    browser.post_form(g, "/admin", &[("csrf", &csrf), ("action", "delete"), ("view", id)])
}

#[test]
fn an_agent_saves_the_filters_as_a_view_finds_it_as_a_link_opens_it_and_deletes_it() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let filed = file_pothole(&g, None);
    let mut agent = admin_support::browser(&g, &team.agent.email);

    let empty = agent.get(&g, "/admin");
    assert!(empty.body.contains("Aucune vue enregistrée"), "{}", empty.body);

    let saved = save(&g, &mut agent, "/admin?q=boulangerie&channel=web&open=true&sort=created", "Trous <à> voir");
    assert_eq!(saved.status, 303, "{}", saved.body);
    let location = saved.header("location").expect("location").to_owned();
    assert_eq!(location, "/admin?q=boulangerie&channel=web&open=true&sort=created&done=view_saved");

    let shown = agent.get(&g, &location);
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("Vue enregistrée."), "{}", shown.body);
    // Listed as a link to its filters, its name escaped, marked as the view shown.
    assert!(
        shown.body.contains("<a href=\"/admin?q=boulangerie&#38;channel=web&#38;open=true&#38;sort=created\" aria-current=\"true\">Trous &#60;à&#62; voir</a>"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains(&filed.reference), "{}", shown.body);

    // Elsewhere in the queue the view is a link, not the current one.
    let other = agent.get(&g, "/admin?q=zeppelin");
    assert!(other.body.contains("voir</a>") && !other.body.contains("aria-current=\"true\""), "{}", other.body);

    // The same name again takes the new filters: still one view.
    let again = save(&g, &mut agent, "/admin?q=zeppelin", "Trous <à> voir");
    assert_eq!(again.status, 303, "{}", again.body);
    let listed = agent.get(&g, "/admin");
    assert_eq!(listed.body.matches("name=\"action\" value=\"delete\"").count(), 1, "{}", listed.body);
    assert!(listed.body.contains("href=\"/admin?q=zeppelin\""), "{}", listed.body);

    let id = view_id(&listed.body, "Trous &#60;à&#62; voir");
    let deleted = delete(&g, &mut agent, &id);
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(deleted.header("location"), Some("/admin?done=view_deleted"));
    let after = agent.get(&g, "/admin?done=view_deleted&lang=en");
    assert!(after.body.contains("View deleted.") && after.body.contains("No saved view"), "{}", after.body);
    // Deleting it twice finds nothing.
    assert_eq!(delete(&g, &mut agent, &id).status, 404);
}

#[test]
fn a_name_is_required_and_short_and_an_agent_keeps_at_most_twenty_views() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut agent = admin_support::browser(&g, &team.agent.email);

    let blank = save(&g, &mut agent, "/admin?state=new", "   ");
    assert_eq!(blank.status, 422, "{}", blank.body);
    assert!(blank.body.contains("error-summary") && blank.body.contains("Donnez un nom à la vue."), "{}", blank.body);
    assert!(blank.body.contains("aria-invalid=\"true\""), "{}", blank.body);
    // The filters stay those of the page the form was sent from.
    assert!(blank.body.contains("id=\"f-state\" name=\"state\" value=\"new\""), "{}", blank.body);

    let long = "x".repeat(61);
    let refused = save(&g, &mut agent, "/admin", &long);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("au plus 60 caractères") && refused.body.contains(&long), "{}", refused.body);
    assert_eq!(save(&g, &mut agent, "/admin", &"é".repeat(60)).status, 303);

    for i in 1..20 {
        let saved = save(&g, &mut agent, &format!("/admin?q=mot{i}"), &format!("Vue {i}"));
        assert_eq!(saved.status, 303, "view {i}: {}", saved.body);
    }
    let full = save(&g, &mut agent, "/admin?q=encore", "Vue 21");
    assert_eq!(full.status, 422, "{}", full.body);
    assert!(full.body.contains("20 vues enregistrées"), "{}", full.body);
    // A name in use can still take new filters, and a deleted view frees a place.
    assert_eq!(save(&g, &mut agent, "/admin?q=autre", "Vue 3").status, 303);
    let page = agent.get(&g, "/admin");
    assert_eq!(page.body.matches("name=\"action\" value=\"delete\"").count(), 20, "{}", page.body);
    let id = view_id(&page.body, "Vue 7");
    assert_eq!(delete(&g, &mut agent, &id).status, 303);
    assert_eq!(save(&g, &mut agent, "/admin?q=encore", "Vue 21").status, 303);
}

#[test]
fn another_agent_neither_sees_nor_deletes_an_agents_views() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut agent = admin_support::browser(&g, &team.agent.email);
    let mut other = admin_support::browser(&g, &team.other_agent.email);

    assert_eq!(save(&g, &mut agent, "/admin?q=secret", "Ma vue").status, 303);
    let mine = agent.get(&g, "/admin");
    let id = view_id(&mine.body, "Ma vue");

    let theirs = other.get(&g, "/admin");
    assert!(!theirs.body.contains("Ma vue") && theirs.body.contains("Aucune vue enregistrée"), "{}", theirs.body);
    assert_eq!(delete(&g, &mut other, &id).status, 404);
    // The same name is theirs to use, and stays theirs.
    assert_eq!(save(&g, &mut other, "/admin?q=culture", "Ma vue").status, 303);
    let theirs = other.get(&g, "/admin");
    assert!(theirs.body.contains("href=\"/admin?q=culture\"") && !theirs.body.contains("q=secret"), "{}", theirs.body);
    let mine = agent.get(&g, "/admin");
    assert!(mine.body.contains("href=\"/admin?q=secret\"") && !mine.body.contains("q=culture"), "{}", mine.body);

    // A citizen has no views to save.
    let mut citizen = admin_support::browser(&g, &team.citizen);
    let refused = citizen.post_form(&g, "/admin", &[("csrf", &"0".repeat(64)), ("action", "save"), ("name", "x")]);
    assert_eq!(refused.status, 403, "{}", refused.body);
}

#[test]
fn a_view_form_without_the_browsers_token_or_from_another_site_is_refused() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut agent = admin_support::browser(&g, &team.agent.email);
    let page = agent.get(&g, "/admin");
    let csrf = hidden(&page.body, "csrf");

    let forged = agent.post_form(&g, "/admin", &[("csrf", "0".repeat(64).as_str()), ("action", "save"), ("name", "Volée")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let missing = agent.post_form(&g, "/admin", &[("action", "save"), ("name", "Volée")]);
    assert_eq!(missing.status, 403, "{}", missing.body);
    let elsewhere = agent.post_multipart(
        &g,
        "/admin",
        &[crate::portal_support::Part::Text("csrf", &csrf), crate::portal_support::Part::Text("action", "save"), crate::portal_support::Part::Text("name", "Volée")],
        Some("https://evil.example"),
    );
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    assert!(!agent.get(&g, "/admin").body.contains("Volée"));
    // The same form with the token is saved (the refusals were the token's and the origin's).
    let saved = agent.post_form(&g, "/admin", &[("csrf", &csrf), ("action", "save"), ("name", "Volée")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(agent.get(&g, "/admin").body.contains("Volée"));
}
