//! Client of `guichet:platform/contacts`: the contact of accounts, asked of identity by
//! notifications only (with the secret `contact_lookup_secret` both are given).

use anyhow::bail;
use guichet_contracts::contacts::{Contact, ContactList, Lookup};
use spin_sdk::http::{Method, Request};

/// `POST http://identity.spin.internal/internal/contacts` with `lookup`, authenticated by
/// `secret`: the reachable accounts among those asked (an empty list asks nothing).
pub async fn lookup(lookup: &Lookup, secret: &str) -> anyhow::Result<Vec<Contact>> {
    if lookup.account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let url = "http://identity.spin.internal/internal/contacts";
    let request = Request::builder()
        .method(Method::Post)
        .uri(url)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {secret}"))
        .body(serde_json::to_vec(lookup)?)
        .build();
    let answer = super::send(request, url).await?;
    match answer.status {
        200 => Ok(answer
            .decode::<ContactList>("identity's contacts")?
            .contacts),
        status => bail!("identity answered {status} to a contact lookup"),
    }
}
