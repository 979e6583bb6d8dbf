//! Which Guichet account a verified external identity signs in to (table
//! `external_identities`, one row per commune, issuer and subject), in this order:
//!
//! 1. the account already linked to `(commune, issuer, sub)`;
//! 2. else the account that was signed in when the sign-in started (linking from the
//!    account page);
//! 3. else, when the provider vouches for the e-mail address (`email_verified`) and no
//!    account of the commune has it, a new verified account without password;
//! 4. else nothing: an account with that address exists, and linking it because a provider
//!    says the same address would let whoever controls that provider account (or an address
//!    recycled by its mail host) take it over. Its owner signs in with the password first and
//!    links from the account page.
//!
//! Everything happens in one transaction: two callbacks racing for a new identity create one
//! account, not two.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection};
use guichet_guest::Commune;

use super::config::{Offered, ProviderId};
use super::id_token::Identity;
use crate::accounts::{self, MAX_NAME};
use guichet_guest::email::EmailAddress;

/// Why an identity signs in to no account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotLinked {
    /// Its account is disabled or erased.
    AccountInactive,
    /// The person is signed in to one account and the identity is linked to another.
    LinkedToAnother,
    /// An account has the identity's e-mail address: sign in with it first, then link.
    EmailTaken,
    /// The provider gave no e-mail address it verified: nothing to create an account with.
    NoVerifiedEmail,
}

/// The account `identity` (from `issuer`) signs in to; `signed_in` is the account of the
/// browser's session when the sign-in started; `language` is a new account's.
pub fn resolve(
    conn: &Connection,
    commune: &Commune,
    issuer: &str,
    identity: &Identity,
    signed_in: Option<&str>,
    language: &str,
) -> anyhow::Result<Result<String, NotLinked>> {
    db::transaction(conn, |conn| {
        let key = [
            db::text(commune.as_str()),
            db::text(issuer),
            db::text(identity.subject.as_str()),
        ];
        let rows = db::query(
            conn,
            "SELECT e.account_id, a.status FROM external_identities e \
             LEFT JOIN accounts a ON a.id = e.account_id AND a.commune = e.commune \
             WHERE e.commune = ? AND e.issuer = ? AND e.subject = ?",
            &key,
        )?;
        if let Some(row) = rows.rows.first() {
            let account = row.get::<&str>(0).unwrap_or_default().to_owned();
            return Ok(match (row.get::<&str>(1), signed_in) {
                (_, Some(current)) if current != account => Err(NotLinked::LinkedToAnother),
                (Some("active"), _) => Ok(account),
                _ => Err(NotLinked::AccountInactive),
            });
        }
        if let Some(account) = signed_in {
            let active =
                accounts::by_id(conn, commune, account)?.is_some_and(|a| a.status == "active");
            if !active {
                return Ok(Err(NotLinked::AccountInactive));
            }
            insert_link(conn, commune, issuer, &identity.subject, account)?;
            return Ok(Ok(account.to_owned()));
        }
        // Verified first: whether an address has an account is only said to its owner.
        let email = identity
            .email
            .as_deref()
            .and_then(|e| EmailAddress::parse(e).ok());
        let (Some(email), true) = (email, identity.email_verified) else {
            return Ok(Err(NotLinked::NoVerifiedEmail));
        };
        if accounts::by_email(conn, commune, &email)?.is_some() {
            return Ok(Err(NotLinked::EmailTaken));
        }
        let given = clean_name(identity.given_name.as_deref());
        let family = clean_name(identity.family_name.as_deref());
        let account = accounts::insert(
            conn,
            commune,
            &email,
            None,
            (&given, &family),
            language,
            true,
        )
        .context("creating an account for an external identity")?;
        insert_link(conn, commune, issuer, &identity.subject, &account)?;
        Ok(Ok(account))
    })
}

/// An external identity linked to an account, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub issuer: String,
    /// The configured provider with that issuer (none once the administrator removed it:
    /// the link stays, see `config`).
    pub provider: Option<Offered>,
    /// RFC 3339, UTC.
    pub linked_at: String,
}

/// The external identities linked to `account`, oldest first.
pub fn linked(conn: &Connection, commune: &Commune, account: &str) -> anyhow::Result<Vec<Linked>> {
    let rows = db::query(
        conn,
        "SELECT e.issuer, e.linked_at, p.id, p.name FROM external_identities e \
         LEFT JOIN oidc_providers p ON p.commune = e.commune AND p.issuer = e.issuer \
         WHERE e.commune = ? AND e.account_id = ? ORDER BY e.linked_at, e.issuer",
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let text = |i: usize| row.get::<&str>(i).map(str::to_owned);
            let provider = match (text(2), text(3)) {
                (Some(id), Some(name)) => Some(Offered {
                    id: ProviderId::parse(&id)
                        .map_err(anyhow::Error::msg)
                        .context("stored provider id")?,
                    name,
                }),
                _ => None,
            };
            Ok(Linked {
                issuer: text(0).unwrap_or_default(),
                provider,
                linked_at: text(1).unwrap_or_default(),
            })
        })
        .collect()
}

fn insert_link(
    conn: &Connection,
    commune: &Commune,
    issuer: &str,
    subject: &str,
    account: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "INSERT INTO external_identities (commune, issuer, subject, account_id, linked_at) \
             VALUES (?, ?, ?, ?, {})",
            db::NOW_RFC3339
        ),
        &[
            db::text(commune.as_str()),
            db::text(issuer),
            db::text(subject),
            db::text(account),
        ],
    )
}

/// A provider's name claim as Guichet keeps names: trimmed, without control characters, at
/// most [`MAX_NAME`] characters.
fn clean_name(name: Option<&str>) -> String {
    name.unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn names_from_a_provider_lose_control_characters_and_excess_length() {
        assert_eq!(clean_name(Some("  Marie\u{0}\n ")), "Marie");
        assert_eq!(clean_name(Some(&"é".repeat(150))).chars().count(), 100);
        assert_eq!(clean_name(None), "");
    }
}
