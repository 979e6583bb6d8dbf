//! Identity's retention (docs/SECURITY.md item 25): expired records leave active views at once, and
//! the purge deletes what outlived its retention period, and nothing else.

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD, PLATFORM_TOKEN};
use serde_json::json;

fn db(g: &Guichet) -> rusqlite::Connection {
    rusqlite::Connection::open(g.host.state_dir.join("identity.db")).expect("identity.db")
}

fn count(g: &Guichet, sql: &str) -> i64 {
    db(g).query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn purge(g: &Guichet) -> serde_json::Value {
    let reply = g.post("/api/identity/retention/purge", &json!({}), Some(PLATFORM_TOKEN));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["purged"].clone()
}

#[test]
fn the_purge_deletes_what_outlived_its_retention_and_keeps_the_rest() {
    let g = Guichet::start();
    let kept = g.citizen("kept@exemple.fr");
    // Registered, never verified, eight days ago.
    assert_eq!(g.post("/api/identity/register", &json!({"email": "ghost@exemple.fr", "password": PASSWORD, "consents": ["newsletter"]}), None).status, 202);
    // Registered yesterday, not verified yet: still has six days.
    assert_eq!(g.post("/api/identity/register", &json!({"email": "late@exemple.fr", "password": PASSWORD}), None).status, 202);
    let conn = db(&g);
    conn.execute("UPDATE accounts SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ','now','-8 days') WHERE email = 'ghost@exemple.fr'", []).expect("age");
    conn.execute("UPDATE accounts SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ','now','-1 days') WHERE email = 'late@exemple.fr'", []).expect("age");
    // A link used eight days ago, and reads of thirteen and five months ago.
    conn.execute("UPDATE one_time_links SET used_at = strftime('%s','now') - 8*86400 WHERE used_at IS NOT NULL", []).expect("age");
    for months in ["-13 months", "-5 months"] {
        conn.execute(
            "INSERT INTO personal_data_reads (commune, reader_id, account_id, purpose, read_at) \
             VALUES ('demo', 'agent', 'someone', 'support', strftime('%Y-%m-%dT%H:%M:%SZ','now',?1))",
            [months],
        )
        .expect("read");
    }
    // An expired refresh token of a finished sign-in.
    let old = tokens_of(&g.sign_in("kept@exemple.fr", PASSWORD));
    conn.execute("UPDATE refresh_tokens SET expires_at = strftime('%s','now') - 1 WHERE family = (SELECT family FROM refresh_tokens ORDER BY rowid DESC LIMIT 1)", []).expect("expire");
    // Expired: out of the active view before any purge.
    let refused = g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": old.refresh}), None);
    assert_eq!(refused.status, 401);

    let purged = purge(&g);
    assert_eq!(purged["unverified_accounts"], 1, "{purged}");
    assert_eq!(purged["personal_data_reads"], 1, "{purged}");
    assert!(purged["one_time_links"].as_i64().unwrap_or(0) >= 1, "{purged}");
    assert!(purged["refresh_tokens"].as_i64().unwrap_or(0) >= 1, "{purged}");
    assert_eq!(count(&g, "SELECT COUNT(*) FROM accounts WHERE email = 'ghost@exemple.fr'"), 0);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM consents c WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = c.account_id)"), 0);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM accounts WHERE email = 'late@exemple.fr'"), 1);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM personal_data_reads"), 1);
    // The live sign-in is untouched.
    let live = g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": kept.refresh}), None);
    assert_eq!(live.status, 200, "{}", live.body);
    // A second purge finds nothing more.
    let again = purge(&g);
    assert_eq!(again["unverified_accounts"], 0);
    assert_eq!(again["personal_data_reads"], 0);
}

#[test]
fn only_the_platform_administrator_may_purge() {
    let g = Guichet::start();
    assert_eq!(g.post("/api/identity/retention/purge", &json!({}), None).status, 401);
    assert_eq!(g.post("/api/identity/retention/purge", &json!({}), Some("not-the-platform-token-at-all")).status, 401);
    let admin = g.keys.access_token("demo", "someone", &["admin"]);
    assert_eq!(g.post("/api/identity/retention/purge", &json!({}), Some(&admin)).status, 401);
}
