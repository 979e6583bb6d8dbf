//! What the browser sees when an external sign-in does not end signed in: a page of the
//! account site (same layout and headers as the others, `crate::web::html`) saying what to do
//! next, in French or English. Reasons stay in the log: the page says the same thing for
//! every technical failure (a forged state and an expired one look alike to the person).

use spin_sdk::http::Response;

use super::link::NotLinked;
use crate::context::Ctx;
use crate::web::html::{self, Site};
use crate::web::i18n::Lang;

/// Why the sign-in stopped.
#[derive(Debug)]
pub enum Problem {
    /// No such provider in this commune: 404.
    UnknownProvider,
    /// The provider could not be reached or answered nonsense before the person went there
    /// (discovery, key set, token endpoint unreachable): 502.
    Unavailable,
    /// Too many sign-ins started from this address: 429.
    TooMany(u64),
    /// The sign-in was refused (state, code, ID token...): 400.
    Failed,
    /// The person cancelled at the provider: 400.
    Cancelled,
    /// A verified identity that signs in to no account (see `link`).
    NotLinked(NotLinked),
    /// Our own failure: 500 (details logged).
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Problem {
    fn from(error: anyhow::Error) -> Self {
        Problem::Internal(error)
    }
}

impl From<guichet_guest::ApiError> for Problem {
    fn from(error: guichet_guest::ApiError) -> Self {
        match error {
            guichet_guest::ApiError::TooManyRequests { retry_after } => {
                Problem::TooMany(retry_after)
            }
            guichet_guest::ApiError::Internal(inner) => Problem::Internal(inner),
            other => Problem::Internal(anyhow::anyhow!("{other}")),
        }
    }
}

struct Words {
    title: &'static str,
    text: &'static str,
    /// Where to go next, and the link's text.
    next: (&'static str, &'static str),
}

fn words(problem: &Problem, lang: Lang) -> (u16, Words) {
    let fr = lang == Lang::Fr;
    let pick = |f: &'static str, e: &'static str| if fr { f } else { e };
    let to_login = (
        "/account/login",
        pick("Retour à la connexion", "Back to sign-in"),
    );
    let to_account = ("/account", pick("Aller à mon compte", "Go to my account"));
    match problem {
        Problem::UnknownProvider => (404, Words {
            title: pick("Fournisseur d'identité inconnu", "Unknown identity provider"),
            text: pick("Ce fournisseur d'identité n'est pas proposé par la commune.", "The commune does not offer this identity provider."),
            next: to_login,
        }),
        Problem::Unavailable => (502, Words {
            title: pick("Fournisseur d'identité indisponible", "Identity provider unavailable"),
            text: pick("Le fournisseur d'identité ne répond pas correctement. Réessayez plus tard ou connectez-vous avec votre mot de passe.",
                "The identity provider is not answering properly. Try again later or sign in with your password."),
            next: to_login,
        }),
        Problem::TooMany(_) => (429, Words {
            title: pick("Trop de tentatives", "Too many attempts"),
            text: pick("Trop de connexions ont été commencées depuis votre adresse. Réessayez dans quelques minutes.",
                "Too many sign-ins were started from your address. Try again in a few minutes."),
            next: to_login,
        }),
        Problem::Failed => (400, Words {
            title: pick("La connexion n'a pas abouti", "Sign-in failed"),
            text: pick("La connexion avec le fournisseur d'identité n'a pas pu être vérifiée, ou a expiré. Recommencez depuis la page de connexion.",
                "The sign-in with the identity provider could not be verified, or it expired. Start again from the sign-in page."),
            next: to_login,
        }),
        Problem::Cancelled => (400, Words {
            title: pick("Connexion annulée", "Sign-in cancelled"),
            text: pick("La connexion a été annulée chez le fournisseur d'identité.", "The sign-in was cancelled at the identity provider."),
            next: to_login,
        }),
        Problem::NotLinked(NotLinked::EmailTaken) => (409, Words {
            title: pick("Un compte existe déjà avec votre adresse", "An account already has your address"),
            text: pick("Un compte de la commune utilise déjà votre adresse e-mail. Pour le protéger, il n'est pas relié automatiquement : connectez-vous avec votre mot de passe, puis reliez ce fournisseur d'identité depuis votre compte.",
                "An account of the commune already uses your e-mail address. To protect it, it is not linked automatically: sign in with your password, then link this identity provider from your account."),
            next: to_login,
        }),
        Problem::NotLinked(NotLinked::NoVerifiedEmail) => (400, Words {
            title: pick("Adresse e-mail non vérifiée", "E-mail address not verified"),
            text: pick("Le fournisseur d'identité n'a pas transmis d'adresse e-mail vérifiée. Créez un compte ou connectez-vous, puis reliez ce fournisseur depuis votre compte.",
                "The identity provider did not give a verified e-mail address. Create an account or sign in, then link this provider from your account."),
            next: to_login,
        }),
        Problem::NotLinked(NotLinked::LinkedToAnother) => (409, Words {
            title: pick("Identité déjà reliée", "Identity already linked"),
            text: pick("Cette identité est déjà reliée à un autre compte de la commune.", "This identity is already linked to another account of the commune."),
            next: to_account,
        }),
        Problem::NotLinked(NotLinked::AccountInactive) => (403, Words {
            title: pick("Compte désactivé", "Account disabled"),
            text: pick("Le compte relié à cette identité est désactivé.", "The account linked to this identity is disabled."),
            next: to_login,
        }),
        Problem::Internal(_) => (500, Words {
            title: pick("Erreur", "Error"),
            text: pick("Une erreur est survenue. Réessayez plus tard.", "Something went wrong. Try again later."),
            next: to_login,
        }),
    }
}

/// The page of `problem`, in `lang`.
pub fn problem(ctx: &Ctx<'_>, lang: Lang, path: &str, problem: Problem) -> Response {
    if let Problem::Internal(error) = &problem {
        eprintln!("internal error: {error:#}");
    }
    let site = Site {
        lang,
        asked: lang != Lang::Fr,
    };
    let (status, words) = words(&problem, lang);
    let body = format!(
        "{}{}",
        html::paragraph(words.text),
        html::link(&site.href(words.next.0), words.next.1)
    );
    let commune = crate::accounts::commune_name(ctx.conn(), ctx.commune());
    let mut response = guichet_guest::response::html(
        status,
        html::document(site, &commune, path, words.title, &body),
    );
    if let Problem::TooMany(retry_after) = problem {
        response.set_header("retry-after", retry_after.to_string());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_client_errors_and_an_existing_address_is_a_conflict() {
        assert_eq!(words(&Problem::Failed, Lang::Fr).0, 400);
        assert_eq!(words(&Problem::Cancelled, Lang::En).0, 400);
        assert_eq!(
            words(&Problem::NotLinked(NotLinked::EmailTaken), Lang::Fr).0,
            409
        );
        assert_eq!(words(&Problem::UnknownProvider, Lang::Fr).0, 404);
        assert_eq!(words(&Problem::Unavailable, Lang::Fr).0, 502);
    }
}
