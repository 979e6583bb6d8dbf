//! Where identity may send requests for a commune's administrator: the URLs of an OpenID
//! provider (issuer, token, key-set and userinfo endpoints) are chosen by that administrator.
//! The rule is the shared one ([`guichet_guest::destination`]), with the operator's
//! exceptions in `oidc_allowed_hosts`.

use url::Url;

/// Why `url` must not be requested, or `None` when it may.
pub fn refusal(url: &Url) -> Option<&'static str> {
    guichet_guest::destination::refusal_given(
        url,
        &spin_sdk::variables::get("oidc_allowed_hosts").unwrap_or_default(),
    )
}
