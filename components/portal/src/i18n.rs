//! The portal pages' words, in French (the default) and English, and the page's language.
//!
//! The language of a page: `?lang=fr|en` when given (then remembered in the `guichet_lang`
//! cookie), else that cookie, else the commune's first language, else French. Texts are fields
//! of a struct, not keys looked up at run time, so a missing translation does not compile.

use guichet_guest::contracts::common::Localized;
use guichet_guest::query::Query;
pub use guichet_guest::service::Lang;
use spin_sdk::http::Request;

/// The cookie that remembers the language chosen with the switch.
pub const COOKIE: &str = "guichet_lang";

/// The language `?lang=` asks for, if it is one of ours.
pub fn asked(req: &Request) -> Option<Lang> {
    Query::of(req).get("lang").and_then(Lang::parse)
}

/// The page's language (see the module documentation).
pub fn of(req: &Request, commune_languages: &[String]) -> Lang {
    asked(req)
        .or_else(|| cookie(req).and_then(Lang::parse))
        .or_else(|| commune_languages.first().and_then(|l| Lang::parse(l)))
        .unwrap_or(Lang::Fr)
}

/// The other language of the switch.
pub fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    }
}

/// The catalogue's text in `lang`.
pub fn pick(lang: Lang, text: &Localized) -> &str {
    match lang {
        Lang::Fr => &text.fr,
        Lang::En => &text.en,
    }
}

/// Every text of the pages in `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// The value of the language cookie, if the request carries one.
fn cookie(req: &Request) -> Option<&str> {
    let header = req.header("cookie")?.as_str()?;
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Every text of the pages.
pub struct Texts {
    pub switch_label: &'static str,
    pub skip_to_content: &'static str,
    pub main_nav: &'static str,
    pub home: &'static str,
    pub track: &'static str,
    pub account: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub results_for: &'static str,
    pub no_results: &'static str,
    pub browse: &'static str,
    pub who: &'static str,
    pub anyone: &'static str,
    pub fees: &'static str,
    pub free: &'static str,
    pub due_on_filing: &'static str,
    pub due_on_delivery: &'static str,
    pub documents: &'static str,
    pub no_documents: &'static str,
    pub processing: &'static str,
    pub days: &'static str,
    pub channels: &'static str,
    pub online: &'static str,
    pub counter_only: &'static str,
    pub guest_allowed: &'static str,
    pub account_needed: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub footer: &'static str,
}

static FR: Texts = Texts {
    switch_label: "English version",
    skip_to_content: "Aller au contenu",
    main_nav: "Navigation principale",
    home: "Accueil",
    track: "Suivre une demande",
    account: "Mon compte",
    search_label: "Que cherchez-vous ?",
    search_hint: "Avec vos mots, par exemple « chien » ou « poubelle ».",
    search_button: "Rechercher",
    results_for: "Résultats pour",
    no_results: "Aucune démarche ne correspond. Essayez d’autres mots ou parcourez les thèmes.",
    browse: "Toutes les démarches par thème",
    who: "Qui peut demander",
    anyone: "Toute personne.",
    fees: "Coût",
    free: "Gratuit.",
    due_on_filing: "à payer au dépôt",
    due_on_delivery: "à payer à la remise",
    documents: "Documents à fournir",
    no_documents: "Aucun document.",
    processing: "Délai de traitement",
    days: "jours",
    channels: "Comment faire la demande",
    online: "En ligne ou au guichet.",
    counter_only: "Au guichet uniquement.",
    guest_allowed: "Sans compte possible.",
    account_needed: "Un compte est nécessaire pour la faire en ligne.",
    not_found: "Page introuvable",
    not_found_text: "Cette démarche n’existe pas ou n’est plus proposée.",
    footer: "Service public en ligne de la commune",
};

static EN: Texts = Texts {
    switch_label: "Version française",
    skip_to_content: "Skip to content",
    main_nav: "Main navigation",
    home: "Home",
    track: "Track a request",
    account: "My account",
    search_label: "What are you looking for?",
    search_hint: "In your own words, for example “dog” or “bin”.",
    search_button: "Search",
    results_for: "Results for",
    no_results: "No service matches. Try other words or browse the topics.",
    browse: "All services by topic",
    who: "Who can ask",
    anyone: "Anyone.",
    fees: "Cost",
    free: "Free.",
    due_on_filing: "paid when filing",
    due_on_delivery: "paid on delivery",
    documents: "Documents to bring",
    no_documents: "No document.",
    processing: "Processing time",
    days: "days",
    channels: "How to ask",
    online: "Online or at the counter.",
    counter_only: "At the counter only.",
    guest_allowed: "Possible without an account.",
    account_needed: "An account is needed to ask online.",
    not_found: "Page not found",
    not_found_text: "This service does not exist or is no longer offered.",
    footer: "Online public service of the commune",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_leads_to_the_other_language() {
        assert_eq!(other(Lang::Fr), Lang::En);
        assert_eq!(other(Lang::En), Lang::Fr);
    }
}
