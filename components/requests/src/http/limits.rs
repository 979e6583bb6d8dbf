//! Requests' abuse limits: how often one client address and one contact may file and follow
//! (each filing and each new follower sends a message in the commune's name), and how many
//! followers a request and a contact may have. Counted with [`guichet_guest::limits`] in the
//! requests database; set by the Spin variable `request_limits` (`name=count,...`; names and
//! defaults in [`DEFAULTS`], README "Requests").

use guichet_guest::limits::{self, Limit, HOUR};
use guichet_guest::{ApiError, Commune, FieldError};
use serde_json::{Map, Value as Json};
use spin_sdk::http::Request;

/// The variable holding the limits.
const VARIABLE: &str = "request_limits";

/// Every limit's name and default. Per hour: filings per client address and per contact
/// (account, e-mail or phone), follows per client address and per contact; at any time:
/// followers of one request, requests one contact follows.
pub const DEFAULTS: [(&str, i64); 6] = [
    ("filing_client", 60),
    ("filing_contact", 20),
    ("follow_client", 30),
    ("follow_contact", 20),
    ("followers_request", 100),
    ("followers_contact", 50),
];

/// The configured value of the limit `name` (one of [`DEFAULTS`]).
pub fn value(name: &str) -> i64 {
    let default = DEFAULTS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(0, |(_, d)| *d);
    limits::count_in(&limits::setting(VARIABLE), name, default)
}

/// Counts one filing by the caller of `req` for `account` or `contact`: 429 when its client
/// address or its contact filed too often this hour.
pub fn filing(
    conn: &guichet_guest::db::Connection,
    commune: &Commune,
    req: &Request,
    account: Option<&str>,
    contact: &Json,
) -> Result<(), ApiError> {
    per_hour(conn, commune, "filing_client", &client_address(req))?;
    contact_filing(conn, commune, account, contact)
}

/// Counts one filing for `account` or `contact` only: 429 when that contact filed too often
/// this hour. For Open311 apps, whose server is one client address for all their users.
pub fn contact_filing(
    conn: &guichet_guest::db::Connection,
    commune: &Commune,
    account: Option<&str>,
    contact: &Json,
) -> Result<(), ApiError> {
    let who = match account {
        Some(account) => Some(format!("account:{account}")),
        None => contact.as_object().and_then(contact_key),
    };
    match who {
        Some(who) => per_hour(conn, commune, "filing_contact", &who),
        None => Ok(()),
    }
}

/// Counts one follow by the caller of `req` as `follower` (its follower key): 429 when its
/// client address or that follower followed too often this hour.
pub fn follow(
    conn: &guichet_guest::db::Connection,
    commune: &Commune,
    req: &Request,
    follower: &str,
) -> Result<(), ApiError> {
    per_hour(conn, commune, "follow_client", &client_address(req))?;
    per_hour(conn, commune, "follow_contact", follower)
}

fn per_hour(
    conn: &guichet_guest::db::Connection,
    commune: &Commune,
    name: &str,
    key: &str,
) -> Result<(), ApiError> {
    let limit = Limit {
        max: value(name),
        window: HOUR,
    };
    limits::hit(conn, &format!("{commune}:{name}"), key, limit)
}

/// 409 `code` (no field: the request, not the input, is at its limit) when `count` reached the
/// limit `name`.
pub fn cap(count: i64, name: &str, code: &str, message: &str) -> Result<(), ApiError> {
    if count >= value(name) {
        return Err(ApiError::Conflict {
            errors: vec![FieldError::general(code, message)],
        });
    }
    Ok(())
}

/// How a contact is counted: its e-mail address (lower case), else its phone number.
pub fn contact_key(contact: &Map<String, Json>) -> Option<String> {
    let member = |name: &str| {
        contact
            .get(name)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    };
    match (member("email"), member("phone")) {
        (Some(email), _) => Some(format!("email:{}", email.to_lowercase())),
        (None, Some(phone)) => Some(format!("phone:{phone}")),
        (None, None) => None,
    }
}

/// The client's rate-limit key, by the one rule of every component (`guichet_guest::client`:
/// `trusted_proxies`, IPv6 by /64); the tracking limit uses it too.
pub fn client_address(req: &Request) -> String {
    guichet_guest::client::address(req).rate_key()
}
