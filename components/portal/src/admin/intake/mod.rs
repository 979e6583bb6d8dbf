//! `/admin/intake/...` (agents and above): what comes in by other ways than the web form
//! (issue #14 item 3).
//!
//! - `GET /admin/intake`: the desk. Pick a service and how the caller came (counter, phone,
//!   letter) to open its form ([`filing`]); the e-mails waiting for triage
//!   (`GET /api/requests/triage`), each attached to a request, filed as a new one or
//!   dismissed; a scanned letter added to a request. After an action, `?done=` says what
//!   was done, with the reference and its link to `/admin/requests/{ref}`.
//! - `POST /admin/intake/triage/{id}` (`action=attach` with `reference`, or `action=discard`):
//!   `POST /api/requests/triage/{id}`.
//! - `POST /admin/intake/scan` (multipart: `reference`, `scan`, `received_on`):
//!   `POST /api/requests/{ref}/scans`.
//! - `GET, POST /admin/intake/file?service=&channel=counter|phone|mail` or `?service=&mail={id}`:
//!   the service's form for the caller ([`filing`]).
//!
//! Errors of the API come back on the desk (422) with what was typed kept.

mod filing;

use askama::Template;
use guichet_guest::clients::catalog;
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{encode, outcome, see_other, AdminChrome, Role, Section, Staff};
use crate::i18n::{self, Lang};
use crate::posted::Posted;

/// Who may work at the desk.
const ROLES: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];
/// E-mails shown on the desk (the oldest first: they have waited longest).
const TRIAGE_PAGE: i64 = 50;

pub struct IntakeTexts {
    pub title: &'static str,
    pub file_heading: &'static str,
    pub file_intro: &'static str,
    pub service: &'static str,
    pub how: &'static str,
    /// Counter, phone, letter.
    pub channels: [&'static str; 3],
    pub open_form: &'static str,
    pub filed: &'static str,
    pub open_request: &'static str,
    pub attached: &'static str,
    pub discarded: &'static str,
    pub scanned: &'static str,
    pub triage_heading: &'static str,
    pub triage_none: &'static str,
    pub waiting: &'static str,
    pub from: &'static str,
    pub verified: &'static str,
    pub not_verified: &'static str,
    pub received: &'static str,
    pub subject: &'static str,
    pub no_subject: &'static str,
    pub reference: &'static str,
    pub attach: &'static str,
    pub create: &'static str,
    pub create_service: &'static str,
    pub discard: &'static str,
    pub scan_heading: &'static str,
    pub scan_intro: &'static str,
    pub scan_file: &'static str,
    pub scan_hint: &'static str,
    pub received_on: &'static str,
    pub add_scan: &'static str,
    pub letter_new: &'static str,
    pub unknown_reference: &'static str,
    pub no_file: &'static str,
    // The filing form.
    pub form_title: &'static str,
    pub form_title_mail: &'static str,
    pub caller: &'static str,
    pub caller_name: &'static str,
    pub caller_email: &'static str,
    pub caller_phone: &'static str,
    pub caller_hint: &'static str,
    pub caller_lang: &'static str,
    pub caller_account: &'static str,
    pub no_account: &'static str,
    pub call: &'static str,
    pub call_minutes: &'static str,
    pub call_summary: &'static str,
    pub letter: &'static str,
    pub the_mail: &'static str,
    pub questions: &'static str,
    pub file_button: &'static str,
    pub back: &'static str,
    pub scan_failed: &'static str,
}

const FR: IntakeTexts = IntakeTexts {
    title: "Accueil",
    file_heading: "Déposer une demande pour un usager",
    file_intro: "Choisissez la démarche et la façon dont l’usager s’adresse à vous : son formulaire s’ouvre.",
    service: "Démarche",
    how: "L’usager se présente",
    channels: ["au guichet", "au téléphone", "par courrier"],
    open_form: "Ouvrir le formulaire",
    filed: "Demande déposée :",
    open_request: "Ouvrir la demande",
    attached: "Courriel rattaché à la demande",
    discarded: "Courriel écarté.",
    scanned: "Courrier numérisé ajouté à la demande",
    triage_heading: "Courriels à trier",
    triage_none: "Aucun courriel n’attend de tri.",
    waiting: "en attente",
    from: "De",
    verified: "expéditeur authentifié",
    not_verified: "expéditeur non authentifié",
    received: "Reçu le",
    subject: "Objet",
    no_subject: "(sans objet)",
    reference: "Référence de la demande",
    attach: "Rattacher",
    create: "Créer une demande",
    create_service: "Démarche de la nouvelle demande",
    discard: "Écarter (spam, erreur)",
    scan_heading: "Courrier papier",
    scan_intro: "Ajoutez la numérisation d’une lettre à une demande existante.",
    scan_file: "Numérisation",
    scan_hint: "PDF, JPEG, PNG ou WebP, 5 Mo au plus.",
    received_on: "Reçue le (laisser vide : aujourd’hui)",
    add_scan: "Ajouter le courrier",
    letter_new: "Une lettre pour une nouvelle demande : choisissez « par courrier » ci-dessus.",
    unknown_reference: "aucune demande n’a cette référence",
    no_file: "choisissez le fichier numérisé",
    form_title: "Demande pour un usager :",
    form_title_mail: "Demande à partir d’un courriel :",
    caller: "L’usager",
    caller_name: "Nom",
    caller_email: "Adresse électronique",
    caller_phone: "Téléphone",
    caller_hint: "Sans compte, donnez son adresse électronique ou son téléphone : il y reçoit son récépissé.",
    caller_lang: "Langue de l’usager",
    caller_account: "L’usager a un compte à cette adresse : déposer la demande en son nom (il la suivra dans son espace)",
    no_account: "aucun compte n’a cette adresse : décochez la case ou corrigez l’adresse",
    call: "L’appel",
    call_minutes: "Durée (minutes)",
    call_summary: "Résumé de l’appel",
    letter: "La lettre",
    the_mail: "Le courriel",
    questions: "La demande",
    file_button: "Déposer la demande",
    back: "Retour à l’accueil",
    scan_failed: "La demande est déposée mais la numérisation a été refusée :",
};

const EN: IntakeTexts = IntakeTexts {
    title: "Intake",
    file_heading: "File a request for a caller",
    file_intro: "Choose the service and how the caller reached you: its form opens.",
    service: "Service",
    how: "The caller came",
    channels: ["to the counter", "on the phone", "by letter"],
    open_form: "Open the form",
    filed: "Request filed:",
    open_request: "Open the request",
    attached: "E-mail attached to request",
    discarded: "E-mail dismissed.",
    scanned: "Scanned letter added to request",
    triage_heading: "E-mails to sort",
    triage_none: "No e-mail is waiting for triage.",
    waiting: "waiting",
    from: "From",
    verified: "sender authenticated",
    not_verified: "sender not authenticated",
    received: "Received",
    subject: "Subject",
    no_subject: "(no subject)",
    reference: "Request reference",
    attach: "Attach",
    create: "Create a request",
    create_service: "Service of the new request",
    discard: "Dismiss (spam, mistake)",
    scan_heading: "Paper mail",
    scan_intro: "Add the scan of a letter to an existing request.",
    scan_file: "Scan",
    scan_hint: "PDF, JPEG, PNG or WebP, at most 5 MB.",
    received_on: "Received on (empty: today)",
    add_scan: "Add the letter",
    letter_new: "A letter for a new request: choose “by letter” above.",
    unknown_reference: "no request has this reference",
    no_file: "choose the scanned file",
    form_title: "Request for a caller:",
    form_title_mail: "Request from an e-mail:",
    caller: "The caller",
    caller_name: "Name",
    caller_email: "E-mail address",
    caller_phone: "Phone",
    caller_hint: "Without an account, give their e-mail address or phone number: their receipt goes there.",
    caller_lang: "Caller's language",
    caller_account: "The caller has an account at this address: file in their name (they follow it in their space)",
    no_account: "no account has this address: untick the box or correct the address",
    call: "The call",
    call_minutes: "Duration (minutes)",
    call_summary: "Summary of the call",
    letter: "The letter",
    the_mail: "The e-mail",
    questions: "The request",
    file_button: "File the request",
    back: "Back to intake",
    scan_failed: "The request is filed but the scan was refused:",
};

fn texts(lang: Lang) -> &'static IntakeTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// The channels a caller comes by, as `POST /api/requests/counter` names them.
const CHANNELS: [&str; 3] = ["counter", "phone", "mail"];

/// A service of the pickers.
pub struct Choice {
    pub code: String,
    pub name: String,
}

/// An e-mail waiting for triage.
struct Mail {
    id: String,
    sender: String,
    subject: String,
    received_at: String,
    excerpt: String,
    verified: bool,
}

/// What an action did (`?done=`), said at the top of the desk.
struct Done {
    text: &'static str,
    reference: Option<String>,
}

/// What the agent typed in the desk's forms, kept after an error.
#[derive(Default)]
struct Typed {
    /// The triage e-mail the error is about, and the reference typed for it.
    mail: String,
    mail_reference: String,
    scan_reference: String,
    received_on: String,
}

#[derive(Template)]
#[template(path = "admin/intake.html")]
struct DeskPage {
    chrome: AdminChrome,
    i: &'static IntakeTexts,
    errors: Vec<FieldError>,
    done: Option<Done>,
    services: Vec<Choice>,
    channels: Vec<(&'static str, &'static str)>,
    mails: Vec<Mail>,
    waiting: i64,
    typed: Typed,
}

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    staff.require(&ROLES)?;
    let method = staff.ctx.request().method();
    match (rest, method) {
        ([], Method::Get) => desk(staff, Vec::new(), Typed::default(), 200).await,
        (["file"], Method::Get) => filing::show(staff).await,
        (["file"], Method::Post) => filing::file(staff).await,
        (["triage", id], Method::Post) => triage(staff, id).await,
        (["scan"], Method::Post) => scan(staff).await,
        ([] | ["file"], _) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (["triage", _] | ["scan"], _) => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        _ => Err(ApiError::NotFound),
    }
}

/// Every published service (online or counter-only), by name, for the pickers.
pub async fn services(staff: &Staff<'_, '_>) -> Result<Vec<Choice>, ApiError> {
    let listed = catalog::listing(staff.ctx.commune(), None, staff.lang.as_str()).await?;
    let mut services: Vec<Choice> = listed
        .into_iter()
        .map(|s| Choice {
            name: i18n::pick(staff.lang, &s.name).to_owned(),
            code: s.code,
        })
        .collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(services)
}

/// The desk, with the errors of the last action (status 422) or what it did (`?done=`).
async fn desk(
    staff: &Staff<'_, '_>,
    errors: Vec<FieldError>,
    typed: Typed,
    status: u16,
) -> Result<Response, ApiError> {
    let i = texts(staff.lang);
    let query = Query::of(staff.ctx.request());
    let reference = query
        .get("ref")
        .filter(|r| is_reference(r))
        .map(str::to_owned);
    let done = match query.get("done") {
        Some("filed") => Some(Done { text: i.filed, reference }),
        Some("attached") => Some(Done { text: i.attached, reference }),
        Some("discarded") => Some(Done { text: i.discarded, reference: None }),
        Some("scan") => Some(Done { text: i.scanned, reference }),
        _ => None,
    };
    let triage = staff
        .get_json(&format!(
            "/api/requests/triage?limit={TRIAGE_PAGE}&purpose=handling_request"
        ))
        .await?;
    let text = |mail: &Json, key: &str| mail.get(key).and_then(Json::as_str).unwrap_or_default().to_owned();
    let mails = triage
        .get("items")
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .map(|m| Mail {
                    id: text(m, "id"),
                    sender: text(m, "sender"),
                    subject: text(m, "subject"),
                    received_at: text(m, "received_at").replace('T', " ").trim_end_matches('Z').chars().take(16).collect(),
                    excerpt: text(m, "excerpt"),
                    verified: m.get("sender_verified").and_then(Json::as_bool).unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let page = DeskPage {
        chrome: staff.chrome(i.title, Section::Intake),
        i,
        errors,
        done,
        services: services(staff).await?,
        channels: CHANNELS.iter().copied().zip(i.channels.iter().copied()).collect(),
        mails,
        waiting: triage.get("total").and_then(Json::as_i64).unwrap_or(0),
        typed,
    };
    staff.answer(status, &page.chrome, &page)
}

/// The desk saying what was `done` about `reference` (a reference as requests writes them
/// is safe in a URL as it is; anything else is left out).
pub fn done_at(done: &str, reference: &str) -> String {
    let reference = if is_reference(reference) { reference } else { "" };
    format!("/admin/intake?done={done}&ref={reference}")
}

/// A reference as requests writes them (`YYYY-NNNNNN`), to put in a link.
pub fn is_reference(text: &str) -> bool {
    let (year, number) = text.split_once('-').unwrap_or_default();
    year.len() == 4
        && (6..=9).contains(&number.len())
        && year.bytes().chain(number.bytes()).all(|b| b.is_ascii_digit())
}

/// `POST /admin/intake/triage/{id}`: attach the e-mail to a request, or dismiss it.
async fn triage(staff: &Staff<'_, '_>, id: &str) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let reference = posted.get("reference").unwrap_or_default().trim().to_owned();
    let (body, done) = match posted.get("action") {
        Some("discard") => (json!({"discard": true}), "discarded"),
        _ => (json!({"reference": reference}), "attached"),
    };
    let path = format!("/api/requests/triage/{}", encode(id));
    match staff.send_json(Method::Post, &path, &body).await? {
        Ok(answer) => {
            let filed = answer.get("reference").and_then(Json::as_str).unwrap_or_default();
            Ok(see_other(&done_at(done, filed)))
        }
        Err(errors) => {
            let typed = Typed { mail: id.to_owned(), mail_reference: reference, ..Typed::default() };
            desk(staff, said(staff.lang, errors), typed, 422).await
        }
    }
}

/// `POST /admin/intake/scan`: the scanned letter, to a request.
async fn scan(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let i = texts(staff.lang);
    let posted = staff.posted().await?;
    let reference = posted.get("reference").unwrap_or_default().trim().to_owned();
    let typed = Typed {
        scan_reference: reference.clone(),
        received_on: posted.get("received_on").unwrap_or_default().trim().to_owned(),
        ..Typed::default()
    };
    if !is_reference(&reference) {
        let error = FieldError::new("reference", "unknown_reference", i.unknown_reference);
        return desk(staff, vec![error], typed, 422).await;
    }
    match upload_scan(staff, &reference, &posted, &typed.received_on).await? {
        Ok(()) => Ok(see_other(&done_at("scan", &reference))),
        Err(errors) => desk(staff, errors, typed, 422).await,
    }
}

/// `POST /api/requests/{reference}/scans` with the posted `scan` file: the field errors, said
/// in the page's language, when refused (an unknown reference is one of them).
pub async fn upload_scan(
    staff: &Staff<'_, '_>,
    reference: &str,
    posted: &Posted,
    received_on: &str,
) -> Result<Result<(), Vec<FieldError>>, ApiError> {
    let i = texts(staff.lang);
    if !is_reference(reference) {
        return Ok(Err(vec![FieldError::new("reference", "unknown_reference", i.unknown_reference)]));
    }
    let Some(file) = posted.uploads.iter().find(|u| u.field == "scan" && !u.data.is_empty()) else {
        return Ok(Err(vec![FieldError::new("scan", "required", i.no_file)]));
    };
    let mut body = json!({
        "name": file.file_name,
        "content_type": file.content_type,
        "data_base64": crate::form::base64(&file.data),
    });
    if !received_on.is_empty() {
        body["received_on"] = json!(received_on);
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| anyhow::anyhow!("serialising: {e}"))?;
    // A reference (checked above) is safe in a path as it is.
    let path = format!("/api/requests/{reference}/scans");
    let answer = staff
        .call(Method::Post, &path, Some(("application/json", bytes)), &[])
        .await?;
    if answer.status == 404 {
        return Ok(Err(vec![FieldError::new("reference", "unknown_reference", i.unknown_reference)]));
    }
    Ok(outcome(&answer)?.map(|_| ()).map_err(|errors| said(staff.lang, errors)))
}

/// The API's errors in the page's language where the portal has words for their code.
fn said(lang: Lang, errors: Vec<FieldError>) -> Vec<FieldError> {
    let t = i18n::texts(lang);
    errors
        .into_iter()
        .map(|e| {
            let message = match e.code.as_str() {
                "unknown_reference" => texts(lang).unknown_reference.to_owned(),
                _ => crate::form::message(t, lang, &e),
            };
            FieldError { message, ..e }
        })
        .collect()
}
