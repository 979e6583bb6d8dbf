//! The account pages' words, in French (the default) and English.
//!
//! The language of a page: `?lang=fr|en` when given (and kept in the page's own links and
//! forms), else the signed-in account's language, else French. Texts are fields of a struct,
//! not keys looked up at run time, so a missing translation does not compile.

use guichet_guest::query::Query;
use guichet_guest::FieldError;
use spin_sdk::http::Request;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// `fr` or `en`; anything else is not a language of the pages.
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language the request asked for with `?lang=`, if it is one of ours.
    pub fn asked(req: &Request) -> Option<Lang> {
        Query::of(req).get("lang").and_then(Lang::parse)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

/// Every text of the pages.
pub struct Texts {
    pub other_language: &'static str,
    pub skip_to_content: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub new_password: &'static str,
    pub password_hint: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub phone: &'static str,
    pub language: &'static str,
    pub language_names: [(&'static str, &'static str); 2],
    pub fix_errors: &'static str,
    pub needs_script: &'static str,
    pub open_the_link: &'static str,
    pub to_login: &'static str,

    pub login_title: &'static str,
    pub login_submit: &'static str,
    pub login_to_register: &'static str,
    pub login_to_forgot: &'static str,
    /// Above the links to the commune's OpenID providers (sign-in and registration).
    pub providers_title: &'static str,
    /// A provider's sign-in link; `{name}` is replaced by its name.
    pub sign_in_with: &'static str,

    pub register_title: &'static str,
    pub register_submit: &'static str,
    pub register_consents: &'static str,
    pub register_to_login: &'static str,

    pub check_email_title: &'static str,
    pub check_email_text: &'static str,

    pub forgot_title: &'static str,
    pub forgot_text: &'static str,
    pub forgot_submit: &'static str,

    pub reset_title: &'static str,
    pub reset_text: &'static str,
    pub reset_submit: &'static str,
    pub reset_done_title: &'static str,
    pub reset_done_text: &'static str,

    pub verify_title: &'static str,
    pub verify_text: &'static str,
    pub verify_submit: &'static str,
    pub verify_done_title: &'static str,
    pub verify_done_text: &'static str,

    pub confirm_email_title: &'static str,
    pub confirm_email_text: &'static str,
    pub confirm_email_submit: &'static str,
    pub confirm_email_done_title: &'static str,
    pub confirm_email_done_text: &'static str,

    pub invitation_title: &'static str,
    pub invitation_text: &'static str,
    pub invitation_submit: &'static str,
    pub invitation_done_title: &'static str,
    pub invitation_done_text: &'static str,

    pub account_title: &'static str,
    pub signed_in_as: &'static str,
    pub email_verified: &'static str,
    pub email_not_verified: &'static str,
    pub profile_title: &'static str,
    pub profile_submit: &'static str,
    pub profile_saved: &'static str,
    pub consents_title: &'static str,
    pub consents_legend: &'static str,
    pub consents_submit: &'static str,
    pub consents_saved: &'static str,
    pub purposes: [(&'static str, &'static str); 3],
    pub sessions_title: &'static str,
    pub logout: &'static str,
    pub logout_all: &'static str,
    pub logout_all_text: &'static str,
    pub external_title: &'static str,
    /// Before the date an external identity was linked.
    pub linked_on: &'static str,
    /// A link to link a provider not linked yet; `{name}` is replaced by its name.
    pub link_provider: &'static str,

    pub refused_title: &'static str,
    pub refused_text: &'static str,
    pub bad_request_title: &'static str,
    pub bad_request_text: &'static str,
    pub unsupported_title: &'static str,
    pub unsupported_text: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub too_many_title: &'static str,
    pub too_many_text: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub back: &'static str,
}

pub const FR: Texts = Texts {
    other_language: "English",
    skip_to_content: "Aller au contenu",
    email: "Adresse e-mail",
    password: "Mot de passe",
    new_password: "Nouveau mot de passe",
    password_hint: "Au moins 12 caractères. Une phrase de plusieurs mots est facile à retenir et difficile à deviner.",
    given_name: "Prénom",
    family_name: "Nom",
    phone: "Téléphone",
    language: "Langue",
    language_names: [("fr", "Français"), ("en", "English")],
    fix_errors: "Le formulaire contient des erreurs : corrigez-les puis renvoyez-le.",
    needs_script: "Cette page a besoin de JavaScript pour lire le lien reçu par e-mail.",
    open_the_link: "Ouvrez cette page avec le lien reçu par e-mail.",
    to_login: "Se connecter",

    login_title: "Connexion",
    login_submit: "Se connecter",
    login_to_register: "Créer un compte",
    login_to_forgot: "Mot de passe oublié ?",
    providers_title: "Ou avec un autre compte",
    sign_in_with: "Se connecter avec {name}",

    register_title: "Créer un compte",
    register_submit: "Créer mon compte",
    register_consents: "Je souhaite aussi recevoir (facultatif)",
    register_to_login: "J'ai déjà un compte",

    check_email_title: "Consultez votre messagerie",
    check_email_text: "Si cette adresse peut être utilisée, un message vient d'y être envoyé. Son lien est valable 15 minutes.",

    forgot_title: "Mot de passe oublié",
    forgot_text: "Indiquez l'adresse de votre compte : nous y enverrons un lien pour choisir un nouveau mot de passe.",
    forgot_submit: "Recevoir un lien",

    reset_title: "Nouveau mot de passe",
    reset_text: "Choisissez le nouveau mot de passe de votre compte.",
    reset_submit: "Enregistrer le mot de passe",
    reset_done_title: "Mot de passe modifié",
    reset_done_text: "Votre nouveau mot de passe est enregistré et vos autres sessions sont fermées. Vous pouvez vous connecter.",

    verify_title: "Confirmer votre adresse",
    verify_text: "Confirmez votre adresse e-mail pour activer votre compte.",
    verify_submit: "Confirmer mon adresse",
    verify_done_title: "Adresse confirmée",
    verify_done_text: "Votre compte est activé. Vous pouvez vous connecter.",

    confirm_email_title: "Confirmer votre nouvelle adresse",
    confirm_email_text: "Confirmez que cette adresse remplace l'ancienne pour votre compte.",
    confirm_email_submit: "Confirmer la nouvelle adresse",
    confirm_email_done_title: "Adresse modifiée",
    confirm_email_done_text: "Votre compte utilise désormais la nouvelle adresse.",

    invitation_title: "Rejoindre l'équipe",
    invitation_text: "Choisissez votre nom et votre mot de passe pour accepter l'invitation.",
    invitation_submit: "Accepter l'invitation",
    invitation_done_title: "Invitation acceptée",
    invitation_done_text: "Votre compte d'agent est prêt. Vous pouvez vous connecter.",

    account_title: "Mon compte",
    signed_in_as: "Connecté(e) avec l'adresse",
    email_verified: "adresse confirmée",
    email_not_verified: "adresse non confirmée",
    profile_title: "Mon profil",
    profile_submit: "Enregistrer le profil",
    profile_saved: "Votre profil est enregistré.",
    consents_title: "Mes consentements",
    consents_legend: "J'accepte de recevoir",
    consents_submit: "Enregistrer mes choix",
    consents_saved: "Vos choix sont enregistrés.",
    purposes: [
        ("newsletter", "La lettre d'information de la commune"),
        ("satisfaction_surveys", "Des enquêtes de satisfaction"),
        ("sms_notifications", "Des avis par SMS"),
    ],
    sessions_title: "Sessions",
    logout: "Se déconnecter",
    logout_all: "Se déconnecter partout",
    logout_all_text: "Ferme toutes vos sessions, sur tous vos appareils et dans toutes les applications.",
    external_title: "Comptes externes liés",
    linked_on: "lié le",
    link_provider: "Lier mon compte {name}",

    refused_title: "Formulaire refusé",
    refused_text: "Ce formulaire a expiré ou n'a pas été envoyé depuis ce site. Rechargez la page et recommencez.",
    bad_request_title: "Requête invalide",
    bad_request_text: "Le formulaire reçu est illisible (caractères invalides ou trop de données).",
    unsupported_title: "Format non accepté",
    unsupported_text: "Cette page n'accepte que les formulaires HTML ordinaires.",
    not_found_title: "Page introuvable",
    not_found_text: "Cette page n'existe pas.",
    too_many_title: "Trop de tentatives",
    too_many_text: "Trop de tentatives : attendez quelques minutes avant de réessayer.",
    error_title: "Erreur",
    error_text: "Une erreur est survenue de notre côté. Réessayez dans un moment.",
    back: "Retour",
};

pub const EN: Texts = Texts {
    other_language: "Français",
    skip_to_content: "Skip to content",
    email: "E-mail address",
    password: "Password",
    new_password: "New password",
    password_hint: "At least 12 characters. A phrase of several words is easy to remember and hard to guess.",
    given_name: "Given name",
    family_name: "Family name",
    phone: "Phone",
    language: "Language",
    language_names: [("fr", "Français"), ("en", "English")],
    fix_errors: "The form has errors: correct them and send it again.",
    needs_script: "This page needs JavaScript to read the link you received by e-mail.",
    open_the_link: "Open this page with the link you received by e-mail.",
    to_login: "Sign in",

    login_title: "Sign in",
    login_submit: "Sign in",
    login_to_register: "Create an account",
    login_to_forgot: "Forgot your password?",
    providers_title: "Or with another account",
    sign_in_with: "Sign in with {name}",

    register_title: "Create an account",
    register_submit: "Create my account",
    register_consents: "I would also like to receive (optional)",
    register_to_login: "I already have an account",

    check_email_title: "Check your e-mail",
    check_email_text: "If this address can be used, a message was just sent to it. Its link is valid for 15 minutes.",

    forgot_title: "Forgot your password",
    forgot_text: "Give your account's address: we will send it a link to choose a new password.",
    forgot_submit: "Send me a link",

    reset_title: "New password",
    reset_text: "Choose your account's new password.",
    reset_submit: "Save the password",
    reset_done_title: "Password changed",
    reset_done_text: "Your new password is saved and your other sessions are closed. You can sign in.",

    verify_title: "Confirm your address",
    verify_text: "Confirm your e-mail address to activate your account.",
    verify_submit: "Confirm my address",
    verify_done_title: "Address confirmed",
    verify_done_text: "Your account is active. You can sign in.",

    confirm_email_title: "Confirm your new address",
    confirm_email_text: "Confirm that this address replaces the old one for your account.",
    confirm_email_submit: "Confirm the new address",
    confirm_email_done_title: "Address changed",
    confirm_email_done_text: "Your account now uses the new address.",

    invitation_title: "Join the staff",
    invitation_text: "Choose your name and password to accept the invitation.",
    invitation_submit: "Accept the invitation",
    invitation_done_title: "Invitation accepted",
    invitation_done_text: "Your staff account is ready. You can sign in.",

    account_title: "My account",
    signed_in_as: "Signed in with the address",
    email_verified: "address confirmed",
    email_not_verified: "address not confirmed",
    profile_title: "My profile",
    profile_submit: "Save the profile",
    profile_saved: "Your profile is saved.",
    consents_title: "My consents",
    consents_legend: "I agree to receive",
    consents_submit: "Save my choices",
    consents_saved: "Your choices are saved.",
    purposes: [
        ("newsletter", "The commune's newsletter"),
        ("satisfaction_surveys", "Satisfaction surveys"),
        ("sms_notifications", "Notices by SMS"),
    ],
    sessions_title: "Sessions",
    logout: "Log out",
    logout_all: "Log out everywhere",
    logout_all_text: "Closes all your sessions, on every device and in every application.",
    external_title: "Linked external accounts",
    linked_on: "linked on",
    link_provider: "Link my {name} account",

    refused_title: "Form refused",
    refused_text: "This form has expired or was not sent from this site. Reload the page and try again.",
    bad_request_title: "Invalid request",
    bad_request_text: "The form received cannot be read (invalid characters or too much data).",
    unsupported_title: "Format not accepted",
    unsupported_text: "This page only accepts ordinary HTML forms.",
    not_found_title: "Page not found",
    not_found_text: "This page does not exist.",
    too_many_title: "Too many attempts",
    too_many_text: "Too many attempts: wait a few minutes before trying again.",
    error_title: "Error",
    error_text: "Something went wrong on our side. Try again in a moment.",
    back: "Back",
};

/// What a field error says on a page: the French of the codes the account functions use, or
/// their English message with a capital letter.
pub fn field_message(lang: Lang, error: &FieldError) -> String {
    if lang == Lang::Fr {
        let french = match error.code.as_str() {
            "invalid_email" => Some("Cette adresse e-mail n'est pas valide."),
            "invalid_credentials" => Some("Adresse e-mail ou mot de passe incorrect."),
            "too_short" => Some("Le mot de passe doit avoir au moins 12 caractères."),
            "too_long" => Some("Ce texte est trop long."),
            "invalid_character" => Some("Ce texte contient un caractère non autorisé."),
            "control_characters" => Some("Ce texte contient un caractère non autorisé (retour à la ligne, caractère de contrôle)."),
            "too_weak" => Some("Ce mot de passe est trop facile à deviner : une phrase de plusieurs mots est plus sûre."),
            "invalid_or_expired" => Some("Ce lien n'est plus valable (déjà utilisé ou expiré) : demandez-en un nouveau."),
            "invalid_phone" => Some("Écrivez un numéro de téléphone comme +33 6 12 34 56 78."),
            "phone_required" => Some("Indiquez un numéro de téléphone pour recevoir des SMS."),
            "taken" => Some("Cette adresse est déjà utilisée par un autre compte."),
            "required" => Some("Ce champ est obligatoire."),
            "forbidden" => french_forbidden(&error.message),
            "too_many_requests" => Some(FR.too_many_text),
            "invalid" => Some("Cette valeur n'est pas acceptée."),
            _ => None,
        };
        if let Some(text) = french {
            return text.to_owned();
        }
    }
    capitalized(&error.message)
}

/// The French of the 403 messages of sign-in.
fn french_forbidden(message: &str) -> Option<&'static str> {
    if message.contains("disabled") {
        Some("Ce compte est désactivé.")
    } else if message.contains("confirm your e-mail") {
        Some("Confirmez d'abord votre adresse e-mail : suivez le lien que nous vous avons envoyé.")
    } else {
        None
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let rest: String = chars.collect();
            let end = if rest.ends_with(['.', '!', '?']) {
                ""
            } else {
                "."
            };
            format!("{}{rest}{end}", first.to_uppercase())
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fr_and_en_are_languages_of_the_pages() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("EN"), None);
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn known_codes_are_said_in_french_and_others_keep_their_english_message() {
        let wrong = FieldError::general("invalid_credentials", "wrong e-mail address or password");
        assert_eq!(
            field_message(Lang::Fr, &wrong),
            "Adresse e-mail ou mot de passe incorrect."
        );
        assert_eq!(
            field_message(Lang::En, &wrong),
            "Wrong e-mail address or password."
        );
        let other = FieldError::new("x", "strange", "something odd");
        assert_eq!(field_message(Lang::Fr, &other), "Something odd.");
    }

    #[test]
    fn both_languages_name_the_same_consent_purposes_as_the_api() {
        let fr: Vec<&str> = FR.purposes.iter().map(|(p, _)| *p).collect();
        let en: Vec<&str> = EN.purposes.iter().map(|(p, _)| *p).collect();
        assert_eq!(fr, crate::consents::PURPOSES);
        assert_eq!(en, crate::consents::PURPOSES);
    }
}
