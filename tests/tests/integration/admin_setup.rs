//! The administrators' catalogue editor (issue #14 item 4), through the built components: an
//! administrator adds a question to a service's form, previews it, publishes it, and the
//! residents' form shows it; a question or a service the catalogue refuses comes back with
//! its errors and what was typed; a new service's workflow is edited, published and archived;
//! agents and supervisors are refused, and so is a form without its token.

use guichet_tests::Reply;

use crate::admin_support::{self, hidden};
use crate::portal_support::Browser;

/// `reply` has `status` and `needle` in its body.
pub fn assert_page(reply: &Reply, status: u16, needle: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.body.contains(needle), "no {needle:?} in {}", reply.body);
}

/// `reply` is a 303 to `location`.
pub fn assert_moved(reply: &Reply, location: &str) {
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location"), Some(location), "{}", reply.body);
}

/// Posts `pairs` with the CSRF token of the page at `page`.
pub fn post_from(browser: &mut Browser, g: &guichet_tests::guichet::Guichet, page: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
    let shown = browser.get(g, page);
    assert_eq!(shown.status, 200, "{page}: {}", shown.body);
    let csrf = hidden(&shown.body, "csrf");
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(pairs);
    browser.post_form(g, path, &all)
}

const COLLAR: [(&str, &str); 7] = [
    ("code", "collar-colour"),
    ("label_fr", "Couleur du collier"),
    ("label_en", "Collar colour"),
    ("datatype", "singlevaluelist"),
    ("required", "true"),
    ("help_fr", ""),
    ("choices", "red | Rouge | Red\nblue | Bleu | Blue"),
];

#[test]
fn an_administrator_adds_a_question_previews_it_publishes_it_and_the_residents_form_shows_it() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let editor = "/admin/setup/services/dog-licence";

    assert_page(&admin.get(&g, "/admin/setup"), 200, "href=\"/admin/setup/services\"");
    let list = admin.get(&g, "/admin/setup/services");
    assert_page(&list, 200, "href=\"/admin/setup/services/dog-licence\"");
    assert!(list.body.contains("lost-animal"), "{}", list.body);
    let page = admin.get(&g, editor);
    assert_page(&page, 200, "id=\"f-breed\"");
    assert_eq!(page.header("cache-control"), Some("no-store"));

    // The preview button draws the residents' form with the question, and saves nothing.
    let mut pairs = COLLAR.to_vec();
    pairs.push(("preview", "true"));
    let preview = post_from(&mut admin, &g, editor, &format!("{editor}/fields"), &pairs);
    assert_page(&preview, 200, "id=\"f-collar-colour\"");
    assert!(preview.body.contains("Rouge"), "{}", preview.body);
    assert!(!Browser::default().get(&g, "/services/dog-licence/form").body.contains("f-collar-colour"));
    assert!(!admin.get(&g, editor).body.contains("f-collar-colour"), "the preview saved the question");

    // Added to the draft: in the editor's preview, not yet on the public form.
    let added = post_from(&mut admin, &g, editor, &format!("{editor}/fields"), &COLLAR);
    assert_moved(&added, &format!("{editor}?done=field-added#questions"));
    let page = admin.get(&g, "/admin/setup/services/dog-licence?done=field-added");
    assert_page(&page, 200, "id=\"f-collar-colour\"");
    assert!(page.body.contains("modifications à publier"), "{}", page.body);
    assert!(!Browser::default().get(&g, "/services/dog-licence/form").body.contains("f-collar-colour"));

    // Published: residents see the question and its choices.
    let published = post_from(&mut admin, &g, editor, &format!("{editor}/publish"), &[]);
    assert_moved(&published, &format!("{editor}?done=published#publishing"));
    let form = Browser::default().get(&g, "/services/dog-licence/form?lang=en");
    assert_page(&form, 200, "id=\"f-collar-colour\"");
    assert!(form.body.contains("Collar colour") && form.body.contains(">Blue<"), "{}", form.body);
    let page = admin.get(&g, editor);
    assert!(page.body.contains("<th scope=\"row\">2</th>"), "version 2 is listed: {}", page.body);

    // Editing the question changes its label; removing it takes it out of the draft.
    let edit = format!("{editor}/fields/collar-colour");
    let shown = admin.get(&g, &edit);
    assert_page(&shown, 200, "value=\"Couleur du collier\"");
    let mut renamed = COLLAR.to_vec();
    renamed[1] = ("label_fr", "Couleur du harnais");
    assert_moved(&post_from(&mut admin, &g, &edit, &edit, &renamed), &format!("{editor}?done=field-saved#questions"));
    assert!(admin.get(&g, editor).body.contains("Couleur du harnais"));
    // Its position: taken by another question, or not a number, refused; a free one kept.
    let taken = post_from(&mut admin, &g, &edit, &edit, &[renamed.as_slice(), &[("order", "1")]].concat());
    assert_page(&taken, 422, "form.fields[9].order");
    let words = post_from(&mut admin, &g, &edit, &edit, &[renamed.as_slice(), &[("order", "premier")]].concat());
    assert_page(&words, 422, "value=\"premier\"");
    let moved = post_from(&mut admin, &g, &edit, &edit, &[renamed.as_slice(), &[("order", "20")]].concat());
    assert_moved(&moved, &format!("{editor}?done=field-saved#questions"));
    assert_page(&admin.get(&g, &edit), 200, "id=\"e-order\" name=\"order\" inputmode=\"numeric\" value=\"20\"");
    let removed = post_from(&mut admin, &g, editor, &format!("{edit}/remove"), &[]);
    assert_moved(&removed, &format!("{editor}?done=field-removed#questions"));
    assert!(!admin.get(&g, editor).body.contains("f-collar-colour"));
}

#[test]
fn a_question_or_a_service_the_catalogue_refuses_comes_back_with_its_errors_and_what_was_typed() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let editor = "/admin/setup/services/dog-licence";

    // A list without choices, and a code with capitals: both named, every value kept.
    let refused = post_from(
        &mut admin,
        &g,
        editor,
        &format!("{editor}/fields"),
        &[("code", "Collier"), ("label_fr", "Couleur <b>du</b> collier"), ("label_en", "Collar"), ("datatype", "singlevaluelist"), ("choices", "")],
    );
    assert_page(&refused, 422, "error-summary");
    assert!(refused.body.contains("form.fields[9].code"), "{}", refused.body);
    assert!(refused.body.contains("form.fields[9].rules"), "{}", refused.body);
    assert!(refused.body.contains("value=\"Collier\""), "{}", refused.body);
    assert!(refused.body.contains("value=\"Couleur &#60;b&#62;du&#60;/b&#62; collier\"") || refused.body.contains("value=\"Couleur &lt;b&gt;du&lt;/b&gt; collier\""), "escaped and kept: {}", refused.body);
    assert!(refused.body.contains("<option value=\"singlevaluelist\" selected>"), "{}", refused.body);
    assert!(!admin.get(&g, editor).body.contains("Collier"), "nothing saved");

    // A choice line that does not read is named by the page itself.
    let unreadable = post_from(
        &mut admin,
        &g,
        editor,
        &format!("{editor}/fields"),
        &[("code", "collar"), ("label_fr", "Collier"), ("label_en", "Collar"), ("datatype", "singlevaluelist"), ("choices", "| |")],
    );
    assert_page(&unreadable, 422, "error-summary");
    assert!(unreadable.body.contains("choices"), "{}", unreadable.body);

    // A presentation with a processing time that is no number.
    let texts = post_from(
        &mut admin,
        &g,
        editor,
        &format!("{editor}/texts"),
        &[("name_fr", "Permis chien"), ("name_en", "Dog licence"), ("description_fr", "D"), ("description_en", "D"), ("group", "animals"), ("department", "population"), ("channel", "online"), ("processing_days", "dix"), ("retention_days", "3650")],
    );
    assert_page(&texts, 422, "processing_days");
    assert!(texts.body.contains("value=\"dix\"") && texts.body.contains("value=\"Permis chien\""), "{}", texts.body);

    // A new service whose code is taken: named, the form keeps what was typed.
    let taken = post_from(
        &mut admin,
        &g,
        "/admin/setup/services",
        "/admin/setup/services",
        &[("code", "dog-licence"), ("name_fr", "Chiens"), ("name_en", "Dogs"), ("description_fr", "Chiens"), ("description_en", "Dogs"), ("group", "animals"), ("department", "population")],
    );
    assert_page(&taken, 422, "error-summary");
    assert!(taken.body.contains("value=\"Chiens\""), "{}", taken.body);
}

#[test]
fn an_administrator_creates_a_service_edits_its_workflow_publishes_and_archives_it() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let created = post_from(
        &mut admin,
        &g,
        "/admin/setup/services",
        "/admin/setup/services",
        &[("code", "wild-posters"), ("name_fr", "Affichage sauvage"), ("name_en", "Fly-posting"), ("description_fr", "Signaler une affiche."), ("description_en", "Report fly-posting."), ("group", "public-space"), ("department", "roads")],
    );
    assert_moved(&created, "/admin/setup/services/wild-posters?done=created");
    let editor = "/admin/setup/services/wild-posters";
    let page = admin.get(&g, "/admin/setup/services/wild-posters?done=created");
    assert_page(&page, 200, "Le brouillon est créé.");
    assert!(page.body.contains("value=\"in-progress\""), "{}", page.body);

    // A new open state with no way out is refused, the rows kept; with one, saved.
    let mut rows: Vec<(&str, &str)> = vec![
        ("states", "4"),
        ("state.0.code", "submitted"), ("state.0.label_fr", "Déposée"), ("state.0.label_en", "Submitted"), ("state.0.open", "true"),
        ("state.1.code", "in-progress"), ("state.1.label_fr", "En cours"), ("state.1.label_en", "In progress"), ("state.1.open", "true"),
        ("state.2.code", "closed"), ("state.2.label_fr", "Terminée"), ("state.2.label_en", "Closed"),
        ("state.3.code", "cleaning"), ("state.3.label_fr", "Nettoyage prévu"), ("state.3.label_en", "Cleaning planned"), ("state.3.open", "true"), ("state.3.new", "true"),
        ("initial", "submitted"),
        ("transitions", "4"),
        ("transition.0.from", "submitted"), ("transition.0.to", "in-progress"), ("transition.0.roles", "agent"),
        ("transition.1.from", "in-progress"), ("transition.1.to", "closed"), ("transition.1.roles", "agent"),
        ("transition.2.from", "submitted"), ("transition.2.to", "closed"), ("transition.2.roles", "supervisor"),
        ("transition.3.from", "in-progress"), ("transition.3.to", "cleaning"), ("transition.3.roles", "agent"), ("transition.3.new", "true"),
    ];
    let refused = post_from(&mut admin, &g, editor, &format!("{editor}/workflow"), &rows);
    assert_page(&refused, 422, "workflow.states");
    assert!(refused.body.contains("value=\"Nettoyage prévu\""), "{}", refused.body);
    if let Some(count) = rows.iter_mut().find(|(name, _)| *name == "transitions") {
        count.1 = "5";
    }
    rows.extend_from_slice(&[("transition.4.from", "cleaning"), ("transition.4.to", "closed"), ("transition.4.roles", "agent"), ("transition.4.roles", "admin")]);
    let saved = post_from(&mut admin, &g, editor, &format!("{editor}/workflow"), &rows);
    assert_moved(&saved, &format!("{editor}?done=workflow#workflow"));
    let page = admin.get(&g, editor);
    assert!(page.body.contains("value=\"cleaning\"") && page.body.contains("value=\"Nettoyage prévu\""), "{}", page.body);

    assert_moved(&post_from(&mut admin, &g, editor, &format!("{editor}/publish"), &[]), &format!("{editor}?done=published#publishing"));
    assert_page(&Browser::default().get(&g, "/services/wild-posters"), 200, "Affichage sauvage");
    assert_moved(&post_from(&mut admin, &g, editor, &format!("{editor}/archive"), &[]), &format!("{editor}?done=archived#publishing"));
    assert_eq!(Browser::default().get(&g, "/services/wild-posters").status, 404);
    assert_page(&admin.get(&g, "/admin/setup/services"), 200, "archivé");
}

#[test]
fn agents_and_supervisors_are_refused_the_set_up_and_a_form_without_its_token_changes_nothing() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let pages = [
        "/admin/setup",
        "/admin/setup/services",
        "/admin/setup/services/dog-licence",
        "/admin/setup/services/dog-licence/fields/breed",
        "/admin/setup/staff",
        "/admin/setup/api-keys",
        "/admin/setup/branding",
        "/admin/setup/templates",
        "/admin/setup/webhooks",
    ];
    for email in [&team.agent.email, &team.supervisor.email] {
        let mut browser = admin_support::browser(&g, email);
        for path in pages {
            let refused = browser.get(&g, path);
            assert_eq!(refused.status, 403, "{email} {path}: {}", refused.body);
        }
        // With a genuine form token of their own (from a residents' form), an action is
        // refused all the same.
        let form = browser.get(&g, "/services/dog-licence/form");
        let csrf = hidden(&form.body, "csrf");
        let publish = browser.post_form(&g, "/admin/setup/services/dog-licence/publish", &[("csrf", &csrf)]);
        assert_eq!(publish.status, 403, "{}", publish.body);
        assert!(!browser.get(&g, "/admin").body.contains("href=\"/admin/setup\""), "no set-up link for {email}");
    }

    let mut admin = admin_support::browser(&g, &team.admin.email);
    assert!(admin.get(&g, "/admin").body.contains("href=\"/admin/setup\""));
    let editor = "/admin/setup/services/dog-licence";
    admin.get(&g, editor);
    let forged = admin.post_form(&g, &format!("{editor}/fields"), &COLLAR);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let wrong = admin.post_form(&g, &format!("{editor}/fields"), &[("csrf", "not-the-token"), ("code", "x"), ("label_fr", "X"), ("label_en", "X"), ("datatype", "string")]);
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    assert!(!admin.get(&g, editor).body.contains("f-collar-colour"), "nothing saved");
    // The language switch of a page that came back with errors opens the form's action: it
    // leads back to the page.
    let opened = admin.get(&g, &format!("{editor}/fields?lang=en"));
    assert_eq!(opened.status, 303, "{}", opened.body);
    assert_eq!(opened.header("location"), Some("/admin/setup/services/dog-licence?lang=en"));
    assert_eq!(admin.get(&g, "/admin/setup/services/nope-nope").status, 404);
    assert_eq!(admin.get(&g, "/admin/setup/services/..%2Fexport").status, 404);
}
