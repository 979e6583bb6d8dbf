//! `POST /internal/contacts` (the `contacts` contract, `wit/contacts.wit`): how notifications
//! reaches accounts an event names (a signed-in filer who typed no contact, the agent a
//! request was assigned to).
//!
//! Every component may chain to identity, so this route is closed by the secret variable
//! `contact_lookup_secret`, given to identity and notifications only (bearer token, compared in
//! constant time); empty, the route is a 404. It answers, for the accounts of the commune
//! that are active and whose address is verified, that address, the account's language and
//! display name: nothing else of the profile.

use guichet_guest::clients;
use guichet_guest::contracts::contacts::{Contact, ContactList, Lookup};
use guichet_guest::db;
use guichet_guest::{body, response, secret, ApiError, Commune};
use spin_sdk::http::{Request, Response};

use crate::context;

/// Accounts one lookup may name.
const MAX_ACCOUNTS: usize = 50;

/// Answers the lookup in the body, for notifications only.
pub fn lookup(req: &Request) -> Result<Response, ApiError> {
    secret::require_bearer(
        req,
        "contact_lookup_secret",
        "this route is for notifications",
    )?;
    body::json(req, body::DEFAULT_MAX_JSON)?;
    let Lookup {
        commune,
        account_ids,
    } = clients::receive("POST /internal/contacts", req.body())?;
    let commune = Commune::parse(&commune)
        .map_err(|e| ApiError::field("commune", "invalid", e.to_string()))?;
    if account_ids.len() > MAX_ACCOUNTS {
        return Err(ApiError::field(
            "account_ids",
            "too_many",
            "at most 50 accounts per lookup",
        ));
    }
    let conn = context::open()?;
    let mut contacts = Vec::new();
    for id in &account_ids {
        let result = db::query(
            &conn,
            "SELECT id, email, language, trim(given_name || ' ' || family_name) AS name FROM accounts \
             WHERE id = ? AND commune = ? AND status = 'active' AND email_verified_at IS NOT NULL",
            &[db::text(id.as_str()), db::text(commune.as_str())],
        )?;
        if let Some(row) = db::first_row(&result) {
            let name: String = row.get("name")?;
            let language: String = row.get("language")?;
            contacts.push(Contact {
                account_id: row.get("id")?,
                email: row.get("email")?,
                language: if language == "en" {
                    language
                } else {
                    "fr".to_owned()
                },
                name: (!name.is_empty()).then_some(name),
            });
        }
    }
    Ok(response::json(200, &ContactList { contacts }))
}
