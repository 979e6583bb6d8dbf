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
    pub mine_title: &'static str,
    pub mine_sign_in: &'static str,
    pub mine_none: &'static str,
    pub mine_open: &'static str,
    pub mine_closed: &'static str,
    pub mine_account: &'static str,
    pub mine_inbox: &'static str,
    pub mine_preferences: &'static str,
    pub mine_last_reply: &'static str,
    pub start_form: &'static str,
    pub sign_in_first: &'static str,
    pub sign_in: &'static str,
    pub signed_in_note: &'static str,
    pub required_note: &'static str,
    pub required: &'static str,
    pub errors_title: &'static str,
    pub error_prefix: &'static str,
    pub error_title_prefix: &'static str,
    pub address: &'static str,
    pub coordinates: &'static str,
    pub latitude: &'static str,
    pub longitude: &'static str,
    pub choose: &'static str,
    pub file_hint: &'static str,
    pub file_again: &'static str,
    pub file_button: &'static str,
    pub receipt_title: &'static str,
    pub receipt_filed: &'static str,
    pub reference: &'static str,
    pub tracking_code: &'static str,
    pub expected_on: &'static str,
    pub receipt_keep: &'static str,
    pub qr_caption: &'static str,
    pub err_required: &'static str,
    pub err_too_long: &'static str,
    pub err_too_short: &'static str,
    pub err_pattern: &'static str,
    pub err_email: &'static str,
    pub err_phone: &'static str,
    pub err_date: &'static str,
    pub err_accept: &'static str,
    pub err_choice: &'static str,
    pub err_range: &'static str,
    pub err_other: &'static str,
    pub track_title: &'static str,
    pub track_intro: &'static str,
    pub track_see: &'static str,
    pub track_status: &'static str,
    pub track_filed_on: &'static str,
    pub track_overdue: &'static str,
    pub track_history: &'static str,
    pub track_print: &'static str,
    pub track_needs_js: &'static str,
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
    mine_title: "Mes demandes",
    mine_sign_in: "Connectez-vous pour voir vos demandes.",
    mine_none: "Vous n’avez encore fait aucune demande en ligne.",
    mine_open: "en cours",
    mine_closed: "terminée",
    mine_account: "Mon compte : mes données (télécharger, effacer), mes consentements",
    mine_inbox: "Mes messages de la commune",
    mine_preferences: "Comment la commune me prévient",
    mine_last_reply: "Dernier message de la commune",
    start_form: "Faire la demande en ligne",
    sign_in_first: "Cette démarche demande un compte : connectez-vous pour la faire en ligne.",
    sign_in: "Se connecter",
    signed_in_note: "Vous êtes connecté : la demande sera rattachée à votre compte.",
    required_note: "Les questions marquées « obligatoire » doivent recevoir une réponse.",
    required: "obligatoire",
    errors_title: "Votre demande n’est pas encore envoyée : corrigez ces réponses",
    error_prefix: "Erreur :",
    error_title_prefix: "Erreur :",
    address: "Adresse",
    coordinates: "Coordonnées GPS (facultatif)",
    latitude: "Latitude",
    longitude: "Longitude",
    choose: "Choisissez…",
    file_hint: "PDF, JPEG, PNG ou WebP, 5 Mo au plus.",
    file_again: "Si vous aviez choisi un fichier, choisissez-le de nouveau.",
    file_button: "Envoyer ma demande",
    receipt_title: "Demande envoyée",
    receipt_filed: "La commune a bien reçu votre demande :",
    reference: "Référence",
    tracking_code: "Code de suivi",
    expected_on: "Réponse attendue au plus tard le",
    receipt_keep: "Gardez la référence et le code de suivi : ils permettent de suivre la demande sans compte. Le code ne sera plus affiché.",
    qr_caption: "Suivre la demande :",
    err_required: "Cette question demande une réponse.",
    err_too_long: "Cette réponse est trop longue.",
    err_too_short: "Cette réponse est trop courte.",
    err_pattern: "Cette réponse n’a pas la forme attendue.",
    err_email: "Cette adresse e-mail n’est pas valable.",
    err_phone: "Ce numéro de téléphone n’est pas valable.",
    err_date: "Cette date n’est pas valable.",
    err_accept: "Vous devez accepter pour envoyer la demande.",
    err_choice: "Choisissez une des réponses proposées.",
    err_range: "Ce nombre est en dehors des valeurs permises.",
    err_other: "Cette réponse n’est pas acceptée",
    track_title: "Suivre une demande",
    track_intro: "Avec la référence et le code de suivi de votre récépissé.",
    track_see: "Voir l’état",
    track_status: "État",
    track_filed_on: "Déposée le",
    track_overdue: "En retard",
    track_history: "Historique",
    track_print: "Imprimer le récépissé",
    track_needs_js: "Le suivi s’affiche avec JavaScript activé.",
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
    mine_title: "My requests",
    mine_sign_in: "Sign in to see your requests.",
    mine_none: "You have not made any request online yet.",
    mine_open: "in progress",
    mine_closed: "closed",
    mine_account: "My account: my data (download, erase), my consents",
    mine_inbox: "My messages from the commune",
    mine_preferences: "How the commune tells me",
    mine_last_reply: "The commune's last message",
    start_form: "Apply online",
    sign_in_first: "This service needs an account: sign in to apply online.",
    sign_in: "Sign in",
    signed_in_note: "You are signed in: the request will be linked to your account.",
    required_note: "Questions marked “required” must be answered.",
    required: "required",
    errors_title: "Your request is not sent yet: please correct these answers",
    error_prefix: "Error:",
    error_title_prefix: "Error:",
    address: "Address",
    coordinates: "GPS coordinates (optional)",
    latitude: "Latitude",
    longitude: "Longitude",
    choose: "Choose…",
    file_hint: "PDF, JPEG, PNG or WebP, 5 MB at most.",
    file_again: "If you had chosen a file, please choose it again.",
    file_button: "Send my request",
    receipt_title: "Request sent",
    receipt_filed: "The commune has received your request:",
    reference: "Reference",
    tracking_code: "Tracking code",
    expected_on: "Answer expected by",
    receipt_keep: "Keep the reference and the tracking code: they let you follow the request without an account. The code will not be shown again.",
    qr_caption: "Follow the request:",
    err_required: "This question needs an answer.",
    err_too_long: "This answer is too long.",
    err_too_short: "This answer is too short.",
    err_pattern: "This answer does not have the expected format.",
    err_email: "This e-mail address is not valid.",
    err_phone: "This phone number is not valid.",
    err_date: "This date is not valid.",
    err_accept: "You must accept to send the request.",
    err_choice: "Choose one of the answers offered.",
    err_range: "This number is outside the allowed values.",
    err_other: "This answer is not accepted",
    track_title: "Track a request",
    track_intro: "With the reference and tracking code of your receipt.",
    track_see: "See the status",
    track_status: "Status",
    track_filed_on: "Filed on",
    track_overdue: "Overdue",
    track_history: "History",
    track_print: "Print the receipt",
    track_needs_js: "Tracking is shown with JavaScript enabled.",
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
