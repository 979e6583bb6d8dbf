//! E-mails identity sends, handed to the `notifications` component by service chaining
//! (`POST http://notifications.spin.internal/internal/messages`), which stores and delivers them.
//!
//! A failure to hand a message over is logged, not shown: the caller's answer must not depend
//! on it (it would reveal whether an account exists), and the user can ask again.

use anyhow::{anyhow, bail};
use guichet_guest::Commune;
use serde_json::json;
use spin_sdk::http::{Method, Request, Response};

/// One e-mail to send.
pub struct Mail<'a> {
    pub commune: &'a Commune,
    pub account_id: Option<&'a str>,
    pub to: &'a str,
    pub purpose: &'a str,
    pub language: &'a str,
    pub subject: String,
    pub text: String,
}

/// Hands `mail` to notifications; errors are logged (never with the text: it holds secrets).
pub async fn send(mail: Mail<'_>) {
    if let Err(error) = try_send(&mail).await {
        eprintln!("identity: {} mail not handed to notifications: {error:#}", mail.purpose);
    }
}

async fn try_send(mail: &Mail<'_>) -> anyhow::Result<()> {
    let id = crate::secrets::new_id()?;
    let body = json!({
        "id": id,
        "commune": mail.commune.as_str(),
        "account_id": mail.account_id,
        "channel": "email",
        "to": mail.to,
        "purpose": mail.purpose,
        "language": mail.language,
        "subject": mail.subject,
        "text": mail.text,
    });
    let request = Request::builder()
        .method(Method::Post)
        .uri("http://notifications.spin.internal/internal/messages")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body)?)
        .build();
    let response: Response = spin_sdk::http::send(request).await.map_err(|e| anyhow!("chaining: {e:?}"))?;
    if !(200..300).contains(response.status()) {
        bail!("notifications answered {}", response.status());
    }
    Ok(())
}

/// `(subject, text)` of a message, in French or English.
pub fn compose(kind: &str, language: &str, commune_name: &str, link: &str) -> (String, String) {
    let fr = language != "en";
    match (kind, fr) {
        ("verify_email", true) => (
            format!("{commune_name} : confirmez votre adresse e-mail"),
            format!("Bonjour,\n\nPour activer votre compte, ouvrez ce lien dans les 15 minutes :\n{link}\n\nSi vous n'avez pas créé de compte, ignorez ce message.\n"),
        ),
        ("verify_email", false) => (
            format!("{commune_name}: confirm your e-mail address"),
            format!("Hello,\n\nTo activate your account, open this link within 15 minutes:\n{link}\n\nIf you did not create an account, ignore this message.\n"),
        ),
        ("reset_password", true) => (
            format!("{commune_name} : réinitialiser votre mot de passe"),
            format!("Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans les 15 minutes :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.\n"),
        ),
        ("reset_password", false) => (
            format!("{commune_name}: reset your password"),
            format!("Hello,\n\nTo choose a new password, open this link within 15 minutes:\n{link}\n\nIf you did not ask for it, ignore this message: your password is unchanged.\n"),
        ),
        ("change_email", true) => (
            format!("{commune_name} : confirmez votre nouvelle adresse"),
            format!("Bonjour,\n\nPour utiliser cette adresse pour votre compte, ouvrez ce lien dans les 15 minutes :\n{link}\n"),
        ),
        ("change_email", false) => (
            format!("{commune_name}: confirm your new address"),
            format!("Hello,\n\nTo use this address for your account, open this link within 15 minutes:\n{link}\n"),
        ),
        ("email_taken", true) => (
            format!("{commune_name} : vous avez déjà un compte"),
            format!("Bonjour,\n\nQuelqu'un (peut-être vous) a voulu créer un compte avec cette adresse, qui en a déjà un. Pour vous connecter ou changer de mot de passe :\n{link}\n"),
        ),
        ("email_taken", false) => (
            format!("{commune_name}: you already have an account"),
            format!("Hello,\n\nSomeone (perhaps you) tried to create an account with this address, which already has one. To sign in or reset your password:\n{link}\n"),
        ),
        ("invitation", true) => (
            format!("{commune_name} : invitation à rejoindre l'équipe"),
            format!("Bonjour,\n\nVous êtes invité(e) à rejoindre les agents de {commune_name}. Ouvrez ce lien dans les 48 heures :\n{link}\n"),
        ),
        ("invitation", false) => (
            format!("{commune_name}: invitation to join the staff"),
            format!("Hello,\n\nYou are invited to join the staff of {commune_name}. Open this link within 48 hours:\n{link}\n"),
        ),
        (_, true) => (
            format!("{commune_name} : sécurité de votre compte"),
            format!("Bonjour,\n\nUne modification a été faite sur votre compte. Si ce n'est pas vous, réinitialisez votre mot de passe :\n{link}\n"),
        ),
        (_, false) => (
            format!("{commune_name}: your account's security"),
            format!("Hello,\n\nYour account was changed. If this was not you, reset your password:\n{link}\n"),
        ),
    }
}
