//! The back-office layout's words, and those every page shares, in French and English. Each
//! page module keeps its own words the same way (a struct, one constant per language), so
//! that a missing translation does not compile.

use crate::i18n::Lang;

pub struct AdminTexts {
    pub back_office: &'static str,
    pub admin_nav: &'static str,
    pub queue: &'static str,
    pub intake: &'static str,
    pub dashboard: &'static str,
    pub setup: &'static str,
    pub signed_in_as: &'static str,
    pub sign_out: &'static str,
    pub public_site: &'static str,
    pub refused_title: &'static str,
    pub role_refused: &'static str,
    pub no_staff_session: &'static str,
    pub sign_in_again: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub form_expired: &'static str,
    pub errors_heading: &'static str,
    pub saved: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
}

pub fn of(lang: Lang) -> &'static AdminTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

const FR: AdminTexts = AdminTexts {
    back_office: "Espace agents",
    admin_nav: "Espace agents",
    queue: "Demandes",
    intake: "Accueil",
    dashboard: "Tableau de bord",
    setup: "Paramètres",
    signed_in_as: "Connecté·e :",
    sign_out: "Mon compte",
    public_site: "Site public",
    refused_title: "Accès refusé",
    role_refused: "Votre rôle ne donne pas accès à cette page.",
    no_staff_session: "Cet espace est réservé au personnel de la commune. Votre session d’agent a expiré ou ce compte n’a pas de rôle d’agent : connectez-vous à nouveau.",
    sign_in_again: "Se connecter à nouveau",
    not_found_title: "Page introuvable",
    not_found: "Cette page n’existe pas ou n’est plus disponible.",
    form_expired: "Ce formulaire a expiré : ouvrez la page à nouveau et renvoyez-le.",
    errors_heading: "Le formulaire contient des erreurs",
    saved: "Enregistré.",
    yes: "oui",
    no: "non",
};

const EN: AdminTexts = AdminTexts {
    back_office: "Staff space",
    admin_nav: "Staff space",
    queue: "Requests",
    intake: "Intake",
    dashboard: "Dashboard",
    setup: "Settings",
    signed_in_as: "Signed in:",
    sign_out: "My account",
    public_site: "Public site",
    refused_title: "Access refused",
    role_refused: "Your role does not give access to this page.",
    no_staff_session: "This space is for the commune's staff. Your staff session has ended or this account has no staff role: sign in again.",
    sign_in_again: "Sign in again",
    not_found_title: "Page not found",
    not_found: "This page does not exist or is no longer available.",
    form_expired: "This form has expired: open the page again and send it once more.",
    errors_heading: "The form has errors",
    saved: "Saved.",
    yes: "yes",
    no: "no",
};
