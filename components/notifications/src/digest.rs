//! Agents' daily digests: an agent who chose `agent_mode: digest` (see
//! [`crate::preferences`]) gets their assignments, overdue requests and citizens' replies in
//! one e-mail a day instead of one each (their inbox still has each at once). Each alert is
//! kept as a line (`digest_items`) until the sweep (`POST /api/notifications/sweep`) finds the
//! agent's digest due: from their `digest_hour` (UTC), once a day. The digest is then an
//! ordinary message (`agent_digest`), delivered and accounted for like any other.

use guichet_guest::db::{self, Connection, Value};
use minijinja::Value as Item;

use crate::citizen::{self, Channel, Draft};
use crate::delivery::{self, Providers};
use crate::store;
use crate::templates::{self, Templates, Vars};

/// Keeps `draft` (an agent's e-mail alert) as a line of their next digest.
pub fn add(conn: &Connection, commune: &str, draft: &Draft) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "INSERT INTO digest_items (commune, account_id, kind, reference, service, language, email, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, {})",
            db::NOW_RFC3339
        ),
        &[
            db::text(commune),
            db::text(draft.account_id.as_deref().unwrap_or_default()),
            db::text(draft.purpose),
            db::text(draft.reference.as_deref().unwrap_or_default()),
            db::text(draft.service.as_deref().unwrap_or_default()),
            db::text(draft.language),
            db::text(draft.to.as_str()),
        ],
    )
}

/// Sends the digests due now (of `commune`, or every commune), at most `limit`; how many
/// were sent. Due: lines waiting, the agent's digest hour passed today (UTC), and no digest
/// sent today yet. An agent back to immediate messages gets the lines left in one last digest.
pub async fn send_due(conn: &Connection, commune: Option<&str>, limit: i64) -> anyhow::Result<i64> {
    let result = db::query(
        conn,
        "SELECT DISTINCT d.commune, d.account_id FROM digest_items d \
         LEFT JOIN preferences p ON p.commune = d.commune AND p.account_id = d.account_id \
         WHERE d.message_id IS NULL AND (?1 IS NULL OR d.commune = ?1) \
         AND CAST(strftime('%H', 'now') AS INTEGER) >= coalesce(p.digest_hour, 0) \
         AND (p.last_digest_on IS NULL OR p.last_digest_on < date('now')) LIMIT ?2",
        &[commune.map_or(Value::Null, db::text), Value::Integer(limit)],
    )?;
    let due: Vec<(String, String)> = db::rows(&result)
        .map(|row| {
            Ok((
                row.get::<String>("commune")?,
                row.get::<String>("account_id")?,
            ))
        })
        .collect::<Result<_, db::RowError>>()?;
    let providers = Providers::from_variables();
    let mut sent = 0;
    for (commune, account) in due {
        let Some(claim) = db::transaction(conn, |conn| compose(conn, &commune, &account))? else {
            continue;
        };
        let id = claim.outgoing.id.clone();
        if let Err(error) = delivery::send_claimed(conn, &providers, &id, claim).await {
            eprintln!("digest {id}: attempt failed: {error:#}");
        }
        sent += 1;
    }
    Ok(sent)
}

/// Writes the digest of `account` from its waiting lines, claimed for its first attempt, and
/// marks the lines and the day.
fn compose(
    conn: &Connection,
    commune: &str,
    account: &str,
) -> anyhow::Result<Option<store::Claimed>> {
    let result = db::query(
        conn,
        "SELECT kind, reference, service, language, email FROM digest_items \
         WHERE commune = ? AND account_id = ? AND message_id IS NULL ORDER BY created_at, rowid LIMIT 200",
        &[db::text(commune), db::text(account)],
    )?;
    let rows: Vec<(String, String, String, String, String)> = db::rows(&result)
        .map(|row| {
            Ok((
                row.get::<String>("kind")?,
                row.get::<String>("reference")?,
                row.get::<String>("service")?,
                row.get::<String>("language")?,
                row.get::<String>("email")?,
            ))
        })
        .collect::<Result<_, db::RowError>>()?;
    let Some((_, _, _, language, email)) = rows.last().cloned() else {
        return Ok(None);
    };
    let language = citizen::language(&language);
    let items: Vec<Item> = rows
        .iter()
        .map(|(kind, reference, service, _, _)| {
            templates::digest_item(kind, reference, service, language)
        })
        .collect();
    let day = db::query(conn, "SELECT date('now') AS d", &[])?;
    let day = db::first_text(&day).unwrap_or_default();
    let vars = Vars::new()
        .value("count", Item::from(items.len()))
        .value("items", Item::from(items));
    let rendered = Templates::load(conn, commune)?.render("agent_digest", language, "email", &vars);
    let draft = Draft {
        id: format!(
            "{}-d",
            citizen::id_base(&format!("digest:{commune}:{account}:{day}"))
        ),
        channel: Channel::Email,
        to: email,
        account_id: Some(account.to_owned()),
        purpose: "agent_digest",
        language,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        reference: None,
        service: None,
        digest: false,
    };
    let claim = store::insert_draft_claimed(
        conn,
        commune,
        &draft,
        delivery::jittered_delay(&draft.id, 1),
    )?;
    db::exec(
        conn,
        "UPDATE digest_items SET message_id = ? WHERE commune = ? AND account_id = ? AND message_id IS NULL",
        &[db::text(draft.id.as_str()), db::text(commune), db::text(account)],
    )?;
    db::exec(
        conn,
        "INSERT INTO preferences (commune, account_id, channels, opt_out, agent_mode, digest_hour, updated_at, last_digest_on) \
         VALUES (?1, ?2, '[\"email\",\"inbox\"]', '[]', 'immediate', 7, ?3, ?3) \
         ON CONFLICT (commune, account_id) DO UPDATE SET last_digest_on = ?3",
        &[db::text(commune), db::text(account), db::text(day.as_str())],
    )?;
    Ok(claim)
}
