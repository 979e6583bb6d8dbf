//! The commune's OpenID providers on the account pages (`crate::oidc`):
//!
//! - on the sign-in and registration pages, one "Sign in with {name}" link per provider the
//!   commune offers (the same list as `GET /api/identity/oidc-providers/public`);
//! - on the account page, the external identities linked to the account (provider name, or
//!   the issuer once the provider is no longer configured, and the date), and one
//!   "Link my {name} account" link per provider not linked yet: the same start route, which
//!   links to the account when the browser has a signed-in session.
//!
//! Provider names are the administrator's text, escaped like any other. A list that cannot
//! be read is logged and left out: the rest of the page (the password sign-in above all)
//! still works.

use guichet_guest::markup::escape;

use super::html::{self, Site};
use super::i18n::Lang;
use super::Page;
use crate::oidc::{self, Linked, Offered};

/// The links to sign in with the commune's providers, or nothing when it has none.
pub fn sign_in_links(p: &Page<'_>, site: Site) -> String {
    let texts = site.lang.texts();
    let offered = readable(oidc::offered(p.ctx.conn(), p.ctx.commune()), "providers");
    if offered.is_empty() {
        return String::new();
    }
    format!(
        "<h2>{}</h2>\n{}",
        escape(texts.providers_title),
        provider_links(site, texts.sign_in_with, &offered)
    )
}

/// The account page's section on external identities of `account`, or nothing when none is
/// linked and the commune offers no provider.
pub fn account_section(p: &Page<'_>, site: Site, account: &str) -> String {
    let linked = readable(
        oidc::linked(p.ctx.conn(), p.ctx.commune(), account),
        "linked identities",
    );
    let offered = readable(oidc::offered(p.ctx.conn(), p.ctx.commune()), "providers");
    let not_linked: Vec<Offered> = offered
        .into_iter()
        .filter(|o| {
            !linked
                .iter()
                .any(|l| l.provider.as_ref().is_some_and(|p| p.id == o.id))
        })
        .collect();
    section(site, &linked, &not_linked)
}

fn section(site: Site, linked: &[Linked], not_linked: &[Offered]) -> String {
    if linked.is_empty() && not_linked.is_empty() {
        return String::new();
    }
    let texts = site.lang.texts();
    let mut out = format!("<h2>{}</h2>\n", escape(texts.external_title));
    if !linked.is_empty() {
        let items: String = linked
            .iter()
            .map(|l| {
                let name = l
                    .provider
                    .as_ref()
                    .map_or(l.issuer.as_str(), |p| p.name.as_str());
                format!(
                    "<li>{} — {} <time datetime=\"{}\">{}</time></li>\n",
                    escape(name),
                    escape(texts.linked_on),
                    escape(&l.linked_at),
                    escape(&day(site.lang, &l.linked_at)),
                )
            })
            .collect();
        out.push_str(&format!("<ul class=\"external\">\n{items}</ul>\n"));
    }
    out.push_str(&provider_links(site, texts.link_provider, not_linked));
    out
}

/// One link per provider to its start route, `template` with `{name}` as its text.
fn provider_links(site: Site, template: &str, providers: &[Offered]) -> String {
    providers
        .iter()
        .map(|o| {
            html::link(
                &start_href(site, o),
                &template.replacen("{name}", &o.name, 1),
            )
        })
        .collect()
}

/// The start route in the page's language: `?lang=en` whenever the page is in English (the
/// account page may be so by the account's language, without `?lang=` in its address), so
/// that the provider and any page after it speak it too.
fn start_href(site: Site, offered: &Offered) -> String {
    let site = Site {
        asked: site.asked || site.lang != Lang::Fr,
        ..site
    };
    site.href(&offered.start_path())
}

/// The day of an RFC 3339 UTC time as people of `lang` write it (`02/01/2025`,
/// `2025-01-02`); anything unexpected is shown as it is.
fn day(lang: Lang, stamp: &str) -> String {
    let date = stamp.get(..10).unwrap_or(stamp);
    let parts: Vec<&str> = date.split('-').collect();
    match (lang, parts.as_slice()) {
        (Lang::Fr, [year, month, day])
            if parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{day}/{month}/{year}")
        }
        (Lang::En, [_, _, _]) => date.to_owned(),
        _ => stamp.to_owned(),
    }
}

/// The list, or nothing (logged) when it cannot be read.
fn readable<T>(list: anyhow::Result<Vec<T>>, what: &str) -> Vec<T> {
    list.unwrap_or_else(|error| {
        eprintln!("identity: account pages cannot read the {what}: {error:#}");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::Offered;

    fn offered(id: &str, name: &str) -> Offered {
        Offered {
            id: crate::oidc::ProviderId::parse(id).expect("id"),
            name: name.to_owned(),
        }
    }

    #[test]
    fn provider_names_are_escaped_in_the_sign_in_links() {
        let site = Site {
            lang: Lang::Fr,
            asked: false,
        };
        let html = provider_links(
            site,
            Lang::Fr.texts().sign_in_with,
            &[offered("op", "<b>&")],
        );
        assert_eq!(
            html,
            "<p><a href=\"/account/oidc/op/start\">Se connecter avec &lt;b&gt;&amp;</a></p>\n"
        );
    }

    #[test]
    fn english_pages_keep_the_language_in_the_start_link_even_when_it_was_not_asked() {
        let o = offered("op", "Op");
        assert_eq!(
            start_href(
                Site {
                    lang: Lang::En,
                    asked: false
                },
                &o
            ),
            "/account/oidc/op/start?lang=en"
        );
        assert_eq!(
            start_href(
                Site {
                    lang: Lang::En,
                    asked: true
                },
                &o
            ),
            "/account/oidc/op/start?lang=en"
        );
        assert_eq!(
            start_href(
                Site {
                    lang: Lang::Fr,
                    asked: false
                },
                &o
            ),
            "/account/oidc/op/start"
        );
    }

    #[test]
    fn the_section_lists_linked_identities_and_offers_only_the_providers_not_linked() {
        let site = Site {
            lang: Lang::En,
            asked: false,
        };
        let linked = [
            Linked {
                issuer: "https://a.example".into(),
                provider: Some(offered("a", "A & co")),
                linked_at: "2025-01-02T03:04:05Z".into(),
            },
            Linked {
                issuer: "https://gone.example".into(),
                provider: None,
                linked_at: "2024-12-31T00:00:00Z".into(),
            },
        ];
        let html = section(site, &linked, &[offered("b", "B")]);
        assert!(html.contains("<li>A &amp; co — linked on <time datetime=\"2025-01-02T03:04:05Z\">2025-01-02</time></li>"), "{html}");
        assert!(
            html.contains("<li>https://gone.example — linked on"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/account/oidc/b/start?lang=en\">Link my B account</a>"),
            "{html}"
        );
        assert_eq!(section(site, &[], &[]), "");
    }

    #[test]
    fn dates_are_written_the_french_way_in_french() {
        assert_eq!(day(Lang::Fr, "2025-01-02T03:04:05Z"), "02/01/2025");
        assert_eq!(day(Lang::En, "2025-01-02T03:04:05Z"), "2025-01-02");
        assert_eq!(day(Lang::Fr, "soon"), "soon");
    }
}
