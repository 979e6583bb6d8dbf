//! `/admin/setup/services...`: the catalogue editor, through catalog's admin API
//! (`/api/catalog/admin/services...`).
//!
//! - `GET /admin/setup/services`: every service (drafts, published, archived); `POST` creates
//!   a draft from a code, names, descriptions, group and department (an online service with
//!   a three-state workflow to start from).
//! - `GET /admin/setup/services/{code}`: the editor of the draft: its texts (`POST .../texts`),
//!   its form's questions (`POST .../fields` adds one, `GET`/`POST .../fields/{field}` edits
//!   one, `POST .../fields/{field}/remove`), the preview of the form as residents will see
//!   it, its workflow (`POST .../workflow`: states and transitions), publishing
//!   (`POST .../publish`, versions listed) and archiving (`POST .../archive`).
//!
//! Each change reads the draft, changes the part the form is about and puts the whole draft
//! back (`PUT`): catalog checks it and names every error, shown above the form with what was
//! typed. The preview is the citizens' own form template (`templates/questions.html`)
//! drawn from the draft; the question form's "Preview" button draws it with the question
//! being written, saved or not, so that it works without JavaScript.

use std::fmt::Write as _;

use askama::Template;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{in_lang, done, only_post, posting, segment, text, Section, Staff};
use crate::admin::{outcome, pick, see_other, AdminChrome};
use crate::form::{self, Question};
use crate::i18n::Lang;
use crate::posted::Posted;

/// The datatypes of a question, in the order of the select.
const DATATYPES: [&str; 13] = [
    "string", "text", "number", "date", "datetime", "singlevaluelist", "multivaluelist", "email", "phone", "file",
    "location", "checkbox", "consent",
];

/// The roles a transition may name.
const ROLES: [&str; 4] = ["agent", "supervisor", "admin", "citizen"];

pub struct ServicesTexts {
    title: &'static str,
    intro: &'static str,
    code: &'static str,
    name: &'static str,
    status: &'static str,
    version: &'static str,
    none_published: &'static str,
    unpublished: &'static str,
    statuses: [(&'static str, &'static str); 3],
    no_services: &'static str,
    edit: &'static str,
    create: &'static str,
    code_hint: &'static str,
    group: &'static str,
    department: &'static str,
    name_fr: &'static str,
    name_en: &'static str,
    description_fr: &'static str,
    description_en: &'static str,
    create_button: &'static str,
    all_services: &'static str,
    public_page: &'static str,
    presentation: &'static str,
    channel: &'static str,
    online: &'static str,
    counter_only: &'static str,
    anonymous: &'static str,
    processing_days: &'static str,
    retention_days: &'static str,
    save: &'static str,
    questions: &'static str,
    order: &'static str,
    label: &'static str,
    datatype: &'static str,
    required: &'static str,
    actions: &'static str,
    remove: &'static str,
    no_questions: &'static str,
    add_question: &'static str,
    edit_question: &'static str,
    field_code: &'static str,
    label_fr: &'static str,
    label_en: &'static str,
    help_fr: &'static str,
    help_en: &'static str,
    required_answer: &'static str,
    position: &'static str,
    position_hint: &'static str,
    choices: &'static str,
    choices_hint: &'static str,
    preview_button: &'static str,
    add_button: &'static str,
    save_question: &'static str,
    cancel: &'static str,
    datatypes: [&'static str; 13],
    preview: &'static str,
    preview_note: &'static str,
    preview_unsaved: &'static str,
    preview_broken: &'static str,
    workflow: &'static str,
    states: &'static str,
    state_code: &'static str,
    open: &'static str,
    new_row: &'static str,
    initial: &'static str,
    transitions: &'static str,
    from: &'static str,
    to: &'static str,
    roles: &'static str,
    role_names: [&'static str; 4],
    save_workflow: &'static str,
    workflow_hint: &'static str,
    publishing: &'static str,
    publish_note: &'static str,
    publish: &'static str,
    versions: &'static str,
    published_at: &'static str,
    published_by: &'static str,
    archive: &'static str,
    archive_note: &'static str,
    not_integer: &'static str,
    bad_choice: &'static str,
    done: [(&'static str, &'static str); 8],
}

const FR: ServicesTexts = ServicesTexts {
    title: "Catalogue des services",
    intro: "Un service change pour les habitants quand vous publiez son brouillon ; les demandes déjà déposées gardent leur version.",
    code: "Code",
    name: "Nom",
    status: "État",
    version: "Version publiée",
    none_published: "aucune",
    unpublished: "modifications à publier",
    statuses: [("draft", "brouillon"), ("published", "publié"), ("archived", "archivé")],
    no_services: "Aucun service pour le moment.",
    edit: "Modifier",
    create: "Créer un service",
    code_hint: "Lettres minuscules, chiffres et tirets ; il ne change plus ensuite.",
    group: "Groupe (code)",
    department: "Service municipal responsable (code)",
    name_fr: "Nom (français)",
    name_en: "Nom (anglais)",
    description_fr: "Description (français)",
    description_en: "Description (anglais)",
    create_button: "Créer le brouillon",
    all_services: "Tous les services",
    public_page: "Voir la page publique",
    presentation: "Présentation",
    channel: "Dépôt",
    online: "En ligne, avec le formulaire",
    counter_only: "Au guichet seulement",
    anonymous: "Dépôt possible sans compte",
    processing_days: "Délai de traitement (jours ouvrés)",
    retention_days: "Conservation des données (jours)",
    save: "Enregistrer",
    questions: "Questions du formulaire",
    order: "N°",
    label: "Libellé",
    datatype: "Type de réponse",
    required: "Obligatoire",
    actions: "Actions",
    remove: "Retirer",
    no_questions: "Le formulaire n’a encore aucune question.",
    add_question: "Ajouter une question",
    edit_question: "Modifier la question",
    field_code: "Code de la question",
    label_fr: "Libellé (français)",
    label_en: "Libellé (anglais)",
    help_fr: "Aide (français, facultative)",
    help_en: "Aide (anglais, facultative)",
    required_answer: "Réponse obligatoire",
    position: "Position dans le formulaire",
    position_hint: "Un nombre entier ; vide : après les autres questions.",
    choices: "Choix (listes seulement)",
    choices_hint: "Une ligne par choix : code | libellé français | libellé anglais.",
    preview_button: "Aperçu",
    add_button: "Ajouter la question",
    save_question: "Enregistrer la question",
    cancel: "Annuler",
    datatypes: [
        "Texte court", "Texte long", "Nombre", "Date", "Date et heure", "Liste (un choix)", "Liste (plusieurs choix)",
        "Adresse électronique", "Téléphone", "Fichier", "Lieu (adresse)", "Case à cocher", "Consentement",
    ],
    preview: "Aperçu du formulaire",
    preview_note: "Le formulaire du brouillon, tel que les habitants le verront une fois publié. Rien n’est envoyé d’ici.",
    preview_unsaved: "L’aperçu montre la question en cours d’écriture : elle n’est pas encore enregistrée.",
    preview_broken: "L’aperçu ne peut pas montrer cette question : corrigez d’abord les erreurs.",
    workflow: "Circuit de traitement",
    states: "États",
    state_code: "Code de l’état",
    open: "En cours (ouvert)",
    new_row: "nouveau",
    initial: "État d’une demande déposée",
    transitions: "Passages d’un état à l’autre",
    from: "De",
    to: "Vers",
    roles: "Rôles autorisés",
    role_names: ["agent", "superviseur", "administrateur", "habitant"],
    save_workflow: "Enregistrer le circuit",
    workflow_hint: "Videz le code d’un état ou cochez « Retirer » pour le supprimer ; la dernière ligne ajoute un état ou un passage.",
    publishing: "Publication",
    publish_note: "Publier fait du brouillon une nouvelle version, que les habitants voient aussitôt.",
    publish: "Publier le brouillon",
    versions: "Versions publiées",
    published_at: "Publiée le",
    published_by: "Par",
    archive: "Archiver le service",
    archive_note: "Un service archivé n’est plus proposé aux habitants ; ses versions sont gardées.",
    not_integer: "doit être un nombre entier",
    bad_choice: "chaque ligne doit avoir un code, puis un libellé français et un libellé anglais séparés par |",
    done: [
        ("created", "Le brouillon est créé."),
        ("saved", "La présentation est enregistrée dans le brouillon."),
        ("field-added", "La question est ajoutée au brouillon."),
        ("field-saved", "La question est enregistrée dans le brouillon."),
        ("field-removed", "La question est retirée du brouillon."),
        ("workflow", "Le circuit est enregistré dans le brouillon."),
        ("published", "Le brouillon est publié : les habitants voient la nouvelle version."),
        ("archived", "Le service est archivé."),
    ],
};

const EN: ServicesTexts = ServicesTexts {
    title: "Service catalogue",
    intro: "A service changes for residents when you publish its draft; requests already filed keep their version.",
    code: "Code",
    name: "Name",
    status: "Status",
    version: "Published version",
    none_published: "none",
    unpublished: "changes to publish",
    statuses: [("draft", "draft"), ("published", "published"), ("archived", "archived")],
    no_services: "No service yet.",
    edit: "Edit",
    create: "Create a service",
    code_hint: "Lower-case letters, digits and hyphens; it cannot change afterwards.",
    group: "Group (code)",
    department: "Department in charge (code)",
    name_fr: "Name (French)",
    name_en: "Name (English)",
    description_fr: "Description (French)",
    description_en: "Description (English)",
    create_button: "Create the draft",
    all_services: "All services",
    public_page: "See the public page",
    presentation: "Presentation",
    channel: "Filing",
    online: "Online, with the form",
    counter_only: "At the counter only",
    anonymous: "May be filed without an account",
    processing_days: "Processing time (business days)",
    retention_days: "Data kept for (days)",
    save: "Save",
    questions: "The form's questions",
    order: "No.",
    label: "Label",
    datatype: "Kind of answer",
    required: "Required",
    actions: "Actions",
    remove: "Remove",
    no_questions: "The form has no question yet.",
    add_question: "Add a question",
    edit_question: "Edit the question",
    field_code: "Question code",
    label_fr: "Label (French)",
    label_en: "Label (English)",
    help_fr: "Help (French, optional)",
    help_en: "Help (English, optional)",
    required_answer: "Answer required",
    position: "Position in the form",
    position_hint: "A whole number; empty: after the other questions.",
    choices: "Choices (lists only)",
    choices_hint: "One line per choice: code | French label | English label.",
    preview_button: "Preview",
    add_button: "Add the question",
    save_question: "Save the question",
    cancel: "Cancel",
    datatypes: [
        "Short text", "Long text", "Number", "Date", "Date and time", "List (one choice)", "List (several choices)",
        "E-mail address", "Phone", "File", "Place (address)", "Checkbox", "Consent",
    ],
    preview: "Preview of the form",
    preview_note: "The draft's form as residents will see it once published. Nothing is sent from here.",
    preview_unsaved: "The preview shows the question being written: it is not saved yet.",
    preview_broken: "The preview cannot show this question: fix the errors first.",
    workflow: "Workflow",
    states: "States",
    state_code: "State code",
    open: "In progress (open)",
    new_row: "new",
    initial: "State of a newly filed request",
    transitions: "Moves from one state to another",
    from: "From",
    to: "To",
    roles: "Roles allowed",
    role_names: ["agent", "supervisor", "administrator", "resident"],
    save_workflow: "Save the workflow",
    workflow_hint: "Empty a state's code or tick \"Remove\" to delete it; the last row adds a state or a move.",
    publishing: "Publishing",
    publish_note: "Publishing makes the draft a new version, which residents see at once.",
    publish: "Publish the draft",
    versions: "Published versions",
    published_at: "Published on",
    published_by: "By",
    archive: "Archive the service",
    archive_note: "An archived service is no longer offered to residents; its versions are kept.",
    not_integer: "must be a whole number",
    bad_choice: "each line needs a code, then a French and an English label separated by |",
    done: [
        ("created", "The draft is created."),
        ("saved", "The presentation is saved in the draft."),
        ("field-added", "The question is added to the draft."),
        ("field-saved", "The question is saved in the draft."),
        ("field-removed", "The question is removed from the draft."),
        ("workflow", "The workflow is saved in the draft."),
        ("published", "The draft is published: residents see the new version."),
        ("archived", "The service is archived."),
    ],
};

fn texts(lang: Lang) -> &'static ServicesTexts {
    in_lang(lang, &FR, &EN)
}

impl ServicesTexts {
    fn status_of(&self, code: &str) -> String {
        self.statuses.iter().find(|(c, _)| *c == code).map_or_else(|| code.to_owned(), |(_, t)| (*t).to_owned())
    }

    fn datatype_of(&self, code: &str) -> String {
        DATATYPES.iter().position(|d| *d == code).map_or_else(|| code.to_owned(), |i| self.datatypes[i].to_owned())
    }
}

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        [] => {
            if posting(staff)? {
                create(staff).await
            } else {
                list(staff, Vec::new(), NewService::default(), 200).await
            }
        }
        [code] => {
            guichet_guest::routing::only_get(staff.ctx.request())?;
            let code = segment(code)?;
            let draft = Draft::read(staff, code).await?;
            editor(staff, &draft, Editing::default(), Vec::new(), 200).await
        }
        [code, "texts"] => {
            only_post(staff)?;
            save_texts(staff, segment(code)?).await
        }
        [code, "fields"] => {
            only_post(staff)?;
            save_field(staff, segment(code)?, None).await
        }
        [code, "fields", field] => {
            let (code, field) = (segment(code)?, segment(field)?);
            if posting(staff)? {
                save_field(staff, code, Some(field)).await
            } else {
                let draft = Draft::read(staff, code).await?;
                let fields = draft.fields();
                let Some(current) = fields.iter().find(|f| text(f, "/code") == field) else {
                    return Err(ApiError::NotFound);
                };
                let editing = Editing { field: Some(field.to_owned()), values: FieldValues::of(current), ..Editing::default() };
                editor(staff, &draft, editing, Vec::new(), 200).await
            }
        }
        [code, "fields", field, "remove"] => {
            only_post(staff)?;
            remove_field(staff, segment(code)?, segment(field)?).await
        }
        [code, "workflow"] => {
            only_post(staff)?;
            save_workflow(staff, segment(code)?).await
        }
        [code, action @ ("publish" | "archive")] => {
            only_post(staff)?;
            act(staff, segment(code)?, action).await
        }
        _ => Err(ApiError::NotFound),
    }
}

// ------------------------------------------------------------------------------ the list

/// The creation form's values.
#[derive(Default)]
struct NewService {
    code: String,
    group: String,
    department: String,
    name_fr: String,
    name_en: String,
    description_fr: String,
    description_en: String,
}

struct ServiceLine {
    code: String,
    name: String,
    status: String,
    version: Option<i64>,
    unpublished: bool,
}

#[derive(Template)]
#[template(path = "admin/setup/services.html")]
struct ListPage {
    chrome: AdminChrome,
    s: &'static ServicesTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    lines: Vec<ServiceLine>,
    new: NewService,
    departments: Vec<String>,
}

async fn list(staff: &Staff<'_, '_>, errors: Vec<FieldError>, new: NewService, status: u16) -> Result<Response, ApiError> {
    let s = texts(staff.lang);
    let body = staff.get_json("/api/catalog/admin/services").await?;
    let lines = body
        .get("services")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|service| ServiceLine {
            code: text(service, "/code"),
            name: service.get("name").map(|n| pick(staff.lang, n)).unwrap_or_default(),
            status: s.status_of(&text(service, "/status")),
            version: service.get("published_version").and_then(Json::as_i64),
            unpublished: service.get("unpublished_changes").and_then(Json::as_bool).unwrap_or(false),
        })
        .collect();
    let page = ListPage {
        chrome: staff.chrome(s.title, Section::Setup),
        s,
        done: done(staff, &s.done),
        errors,
        lines,
        new,
        departments: departments(staff).await?,
    };
    staff.answer(status, &page.chrome, &page)
}

/// The commune's department codes (identity's), offered as suggestions.
async fn departments(staff: &Staff<'_, '_>) -> Result<Vec<String>, ApiError> {
    let body = staff.get_json("/api/identity/departments").await?;
    Ok(body
        .get("departments")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|d| text(d, "/id"))
        .collect())
}

/// `POST /admin/setup/services`: a new draft.
async fn create(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let field = |name: &str| posted.get(name).unwrap_or_default().trim().to_owned();
    let new = NewService {
        code: field("code"),
        group: field("group"),
        department: field("department"),
        name_fr: field("name_fr"),
        name_en: field("name_en"),
        description_fr: field("description_fr"),
        description_en: field("description_en"),
    };
    let definition = starting_definition(&new);
    match staff.send_json(Method::Post, "/api/catalog/admin/services", &definition).await? {
        // The code catalog accepted is a slug: it goes into the address as it is.
        Ok(created) => Ok(see_other(&format!("/admin/setup/services/{}?done=created", segment(&text(&created, "/code"))?))),
        Err(errors) => list(staff, errors, new, 422).await,
    }
}

/// The draft a new service starts from: online, no question yet, and a workflow of three
/// states any staff role may move along (the editor changes all of it).
fn starting_definition(new: &NewService) -> Json {
    let staff_roles = json!(["agent", "supervisor", "admin"]);
    json!({
        "code": new.code,
        "group": new.group,
        "name": {"fr": new.name_fr, "en": new.name_en},
        "description": {"fr": new.description_fr, "en": new.description_en},
        "department": new.department,
        "channel": "online",
        "anonymous": false,
        "processing_days": 10,
        "retention_days": 1825,
        "form": {"fields": []},
        "workflow": {
            "initial": "submitted",
            "states": [
                {"code": "submitted", "label": {"fr": "Déposée", "en": "Submitted"}, "open": true},
                {"code": "in-progress", "label": {"fr": "En cours", "en": "In progress"}, "open": true},
                {"code": "closed", "label": {"fr": "Terminée", "en": "Closed"}, "open": false},
            ],
            "transitions": [
                {"from": "submitted", "to": "in-progress", "roles": staff_roles},
                {"from": "in-progress", "to": "closed", "roles": staff_roles},
                {"from": "submitted", "to": "closed", "roles": staff_roles},
            ],
        },
    })
}

// ------------------------------------------------------------------------------ the draft

/// A service as the admin API shows it (`draft`, `status`, `versions`...).
struct Draft {
    code: String,
    service: Json,
}

impl Draft {
    async fn read(staff: &Staff<'_, '_>, code: &str) -> Result<Draft, ApiError> {
        let service = staff.get_json(&format!("/api/catalog/admin/services/{code}")).await?;
        Ok(Draft { code: code.to_owned(), service })
    }

    fn definition(&self) -> Json {
        self.service.get("draft").cloned().unwrap_or(Json::Null)
    }

    fn fields(&self) -> Vec<Json> {
        self.service.pointer("/draft/form/fields").and_then(Json::as_array).cloned().unwrap_or_default()
    }

    /// `PUT` of `definition` as the new draft.
    async fn put(&self, staff: &Staff<'_, '_>, definition: &Json) -> Result<Result<Json, Vec<FieldError>>, ApiError> {
        staff.send_json(Method::Put, &format!("/api/catalog/admin/services/{}", self.code), definition).await
    }

    fn done(&self, what: &str, anchor: &str) -> Response {
        see_other(&format!("/admin/setup/services/{}?done={what}#{anchor}", self.code))
    }
}

// ------------------------------------------------------------------------------ the editor

/// The presentation's values.
struct TextValues {
    name_fr: String,
    name_en: String,
    description_fr: String,
    description_en: String,
    group: String,
    department: String,
    channel: String,
    anonymous: bool,
    processing_days: String,
    retention_days: String,
}

impl TextValues {
    fn of(definition: &Json) -> TextValues {
        let number = |member: &str| definition.get(member).and_then(Json::as_i64).map(|n| n.to_string()).unwrap_or_default();
        TextValues {
            name_fr: text(definition, "/name/fr"),
            name_en: text(definition, "/name/en"),
            description_fr: text(definition, "/description/fr"),
            description_en: text(definition, "/description/en"),
            group: text(definition, "/group"),
            department: text(definition, "/department"),
            channel: text(definition, "/channel"),
            anonymous: definition.get("anonymous").and_then(Json::as_bool).unwrap_or(false),
            processing_days: number("processing_days"),
            retention_days: number("retention_days"),
        }
    }

    fn posted(posted: &Posted) -> TextValues {
        let field = |name: &str| posted.get(name).unwrap_or_default().trim().to_owned();
        TextValues {
            name_fr: field("name_fr"),
            name_en: field("name_en"),
            description_fr: field("description_fr"),
            description_en: field("description_en"),
            group: field("group"),
            department: field("department"),
            channel: field("channel"),
            anonymous: posted.get("anonymous") == Some("true"),
            processing_days: field("processing_days"),
            retention_days: field("retention_days"),
        }
    }
}

/// A question's form values.
#[derive(Default, Clone)]
struct FieldValues {
    code: String,
    label_fr: String,
    label_en: String,
    help_fr: String,
    help_en: String,
    datatype: String,
    required: bool,
    /// The question's position (`order`), empty for after the others.
    order: String,
    choices: String,
}

impl FieldValues {
    fn of(field: &Json) -> FieldValues {
        let mut choices = String::new();
        for value in field.pointer("/rules/values").and_then(Json::as_array).into_iter().flatten() {
            let _ = writeln!(choices, "{} | {} | {}", text(value, "/key"), text(value, "/name/fr"), text(value, "/name/en"));
        }
        FieldValues {
            code: text(field, "/code"),
            label_fr: text(field, "/label/fr"),
            label_en: text(field, "/label/en"),
            help_fr: text(field, "/help/fr"),
            help_en: text(field, "/help/en"),
            datatype: text(field, "/datatype"),
            required: field.get("required").and_then(Json::as_bool).unwrap_or(false),
            order: field.get("order").and_then(Json::as_i64).map(|n| n.to_string()).unwrap_or_default(),
            choices,
        }
    }

    fn posted(posted: &Posted) -> FieldValues {
        let field = |name: &str| posted.get(name).unwrap_or_default().trim().to_owned();
        FieldValues {
            code: field("code"),
            label_fr: field("label_fr"),
            label_en: field("label_en"),
            help_fr: field("help_fr"),
            help_en: field("help_en"),
            datatype: field("datatype"),
            required: posted.get("required") == Some("true"),
            order: field("order"),
            choices: posted.get("choices").unwrap_or_default().to_owned(),
        }
    }

    /// The question as the definition writes it, at `order`, keeping the other `rules` of
    /// `before` (lengths, ranges, pattern); an error for a choice line that does not read.
    fn field(&self, order: i64, before: Option<&Json>, s: &ServicesTexts) -> Result<Json, FieldError> {
        let mut rules = before.and_then(|b| b.get("rules")).cloned().unwrap_or_else(|| json!({}));
        let mut values = Vec::new();
        for line in self.choices.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            match parts.as_slice() {
                [key, fr, en] if !key.is_empty() => values.push(json!({"key": key, "name": {"fr": fr, "en": en}})),
                [key, both] if !key.is_empty() => values.push(json!({"key": key, "name": {"fr": both, "en": both}})),
                _ => return Err(FieldError::new("choices", "invalid", format!("{} ({line})", s.bad_choice))),
            }
        }
        if let Some(rules) = rules.as_object_mut() {
            if values.is_empty() {
                rules.remove("values");
            } else {
                rules.insert("values".to_owned(), Json::Array(values));
            }
        }
        let help = if self.help_fr.is_empty() && self.help_en.is_empty() {
            Json::Null
        } else {
            json!({"fr": self.help_fr, "en": self.help_en})
        };
        Ok(json!({
            "code": self.code,
            "order": order,
            "required": self.required,
            "datatype": self.datatype,
            "label": {"fr": self.label_fr, "en": self.label_en},
            "help": help,
            "rules": rules,
        }))
    }
}

/// What the editor shows besides the draft: the question being written (and whether to
/// preview it), the presentation or workflow as posted when they came back with errors.
#[derive(Default)]
struct Editing {
    /// The code of the question being edited (`None`: adding one).
    field: Option<String>,
    values: FieldValues,
    /// The draft's questions with the one being written, to preview.
    preview: Option<Vec<Json>>,
    texts: Option<TextValues>,
    workflow: Option<WorkflowValues>,
}

struct FieldLine {
    order: i64,
    code: String,
    label: String,
    datatype: String,
    required: bool,
}

struct StateRow {
    index: usize,
    code: String,
    label_fr: String,
    label_en: String,
    open: bool,
    new: bool,
}

struct TransitionRow {
    index: usize,
    from: String,
    to: String,
    roles: Vec<String>,
    new: bool,
}

impl TransitionRow {
    fn has(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// The workflow's rows (each list ends with an empty row to add one).
struct WorkflowValues {
    initial: String,
    states: Vec<StateRow>,
    transitions: Vec<TransitionRow>,
}

impl WorkflowValues {
    fn of(definition: &Json) -> WorkflowValues {
        let workflow = definition.get("workflow").cloned().unwrap_or(Json::Null);
        let mut states: Vec<StateRow> = workflow
            .get("states")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(index, state)| StateRow {
                index,
                code: text(state, "/code"),
                label_fr: text(state, "/label/fr"),
                label_en: text(state, "/label/en"),
                open: state.get("open").and_then(Json::as_bool).unwrap_or(false),
                new: false,
            })
            .collect();
        states.push(StateRow { index: states.len(), code: String::new(), label_fr: String::new(), label_en: String::new(), open: true, new: true });
        let mut transitions: Vec<TransitionRow> = workflow
            .get("transitions")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(index, t)| TransitionRow {
                index,
                from: text(t, "/from"),
                to: text(t, "/to"),
                roles: t.get("roles").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).map(str::to_owned).collect(),
                new: false,
            })
            .collect();
        transitions.push(TransitionRow { index: transitions.len(), from: String::new(), to: String::new(), roles: Vec::new(), new: true });
        WorkflowValues { initial: text(&workflow, "/initial"), states, transitions }
    }

    /// The rows as posted (`state.{i}.*`, `transition.{i}.*`, up to the counts posted).
    fn posted(posted: &Posted) -> WorkflowValues {
        let count = |name: &str| posted.get(name).and_then(|n| n.parse::<usize>().ok()).unwrap_or(0).min(200);
        let field = |name: String| posted.get(&name).unwrap_or_default().trim().to_owned();
        let states = (0..count("states"))
            .filter(|i| posted.get(&format!("state.{i}.remove")) != Some("true"))
            .map(|index| StateRow {
                index,
                code: field(format!("state.{index}.code")),
                label_fr: field(format!("state.{index}.label_fr")),
                label_en: field(format!("state.{index}.label_en")),
                open: posted.get(&format!("state.{index}.open")) == Some("true"),
                new: posted.get(&format!("state.{index}.new")) == Some("true"),
            })
            .collect();
        let transitions = (0..count("transitions"))
            .filter(|i| posted.get(&format!("transition.{i}.remove")) != Some("true"))
            .map(|index| TransitionRow {
                index,
                from: field(format!("transition.{index}.from")),
                to: field(format!("transition.{index}.to")),
                roles: posted.all(&format!("transition.{index}.roles")),
                new: posted.get(&format!("transition.{index}.new")) == Some("true"),
            })
            .collect();
        WorkflowValues { initial: field("initial".to_owned()), states, transitions }
    }

    /// The workflow as the definition writes it: rows without a code (or without both ends)
    /// are left out, and each kept state keeps the Open311 status it declared.
    fn workflow(&self, before: &Json) -> Json {
        let declared = |code: &str| {
            before
                .pointer("/workflow/states")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .find(|s| text(s, "/code") == code)
                .and_then(|s| s.get("open311_status").cloned())
        };
        let states: Vec<Json> = self
            .states
            .iter()
            .filter(|s| !s.code.is_empty())
            .map(|s| {
                let mut state = json!({"code": s.code, "label": {"fr": s.label_fr, "en": s.label_en}, "open": s.open});
                if let Some(status) = declared(&s.code) {
                    state["open311_status"] = status;
                }
                state
            })
            .collect();
        let transitions: Vec<Json> = self
            .transitions
            .iter()
            .filter(|t| !t.from.is_empty() && !t.to.is_empty())
            .map(|t| json!({"from": t.from, "to": t.to, "roles": t.roles}))
            .collect();
        json!({"initial": self.initial, "states": states, "transitions": transitions})
    }

    /// The rows again with an empty one at the end of each list (after a refusal).
    fn with_new_rows(mut self) -> WorkflowValues {
        if self.states.last().is_none_or(|s| !s.code.is_empty()) {
            let index = self.states.iter().map(|s| s.index + 1).max().unwrap_or(0);
            self.states.push(StateRow { index, code: String::new(), label_fr: String::new(), label_en: String::new(), open: true, new: true });
        }
        if self.transitions.last().is_none_or(|t| !t.from.is_empty() || !t.to.is_empty()) {
            let index = self.transitions.iter().map(|t| t.index + 1).max().unwrap_or(0);
            self.transitions.push(TransitionRow { index, from: String::new(), to: String::new(), roles: Vec::new(), new: true });
        }
        // Renumber: the form posts indexes 0..count.
        for (i, row) in self.states.iter_mut().enumerate() {
            row.index = i;
        }
        for (i, row) in self.transitions.iter_mut().enumerate() {
            row.index = i;
        }
        self
    }
}

struct VersionLine {
    version: i64,
    at: String,
    by: String,
}

#[derive(Template)]
#[template(path = "admin/setup/service.html")]
struct EditorPage {
    chrome: AdminChrome,
    s: &'static ServicesTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    code: String,
    name: String,
    status: String,
    is_published: bool,
    is_archived: bool,
    version: Option<i64>,
    unpublished: bool,
    texts: TextValues,
    departments: Vec<String>,
    lines: Vec<FieldLine>,
    /// The question form: its action, what it holds, whether it edits one.
    field_action: String,
    field: FieldValues,
    editing: bool,
    datatypes: Vec<(&'static str, &'static str)>,
    questions: Vec<Question>,
    preview_note: &'static str,
    workflow: WorkflowValues,
    roles: Vec<(&'static str, &'static str)>,
    versions: Vec<VersionLine>,
}

async fn editor(staff: &Staff<'_, '_>, draft: &Draft, editing: Editing, errors: Vec<FieldError>, status: u16) -> Result<Response, ApiError> {
    let s = texts(staff.lang);
    let definition = draft.definition();
    let service = &draft.service;
    let mut lines: Vec<FieldLine> = draft
        .fields()
        .iter()
        .map(|f| FieldLine {
            order: f.get("order").and_then(Json::as_i64).unwrap_or(0),
            code: text(f, "/code"),
            label: f.get("label").map(|l| pick(staff.lang, l)).unwrap_or_default(),
            datatype: s.datatype_of(&text(f, "/datatype")),
            required: f.get("required").and_then(Json::as_bool).unwrap_or(false),
        })
        .collect();
    lines.sort_by_key(|l| l.order);
    let (shown, preview_note) = match &editing.preview {
        Some(fields) => match questions_of(staff.lang, &definition, Some(fields)) {
            Some(questions) => (questions, s.preview_unsaved),
            None => (questions_of(staff.lang, &definition, None).unwrap_or_default(), s.preview_broken),
        },
        None => (questions_of(staff.lang, &definition, None).unwrap_or_default(), s.preview_note),
    };
    let field_action = match &editing.field {
        Some(field) => format!("/admin/setup/services/{}/fields/{field}", draft.code),
        None => format!("/admin/setup/services/{}/fields", draft.code),
    };
    let versions = service
        .get("versions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .rev()
        .map(|v| VersionLine {
            version: v.get("version").and_then(Json::as_i64).unwrap_or(0),
            at: text(v, "/published_at").chars().take(16).collect::<String>().replace('T', " "),
            by: text(v, "/published_by"),
        })
        .collect();
    let name = definition.get("name").map(|n| pick(staff.lang, n)).unwrap_or_default();
    let status_code = text(service, "/status");
    let page = EditorPage {
        chrome: staff.chrome(name.clone(), Section::Setup),
        s,
        done: done(staff, &s.done),
        errors,
        code: draft.code.clone(),
        name,
        status: s.status_of(&status_code),
        is_published: status_code == "published",
        is_archived: status_code == "archived",
        version: service.get("published_version").and_then(Json::as_i64),
        unpublished: service.get("unpublished_changes").and_then(Json::as_bool).unwrap_or(false),
        texts: editing.texts.unwrap_or_else(|| TextValues::of(&definition)),
        departments: departments(staff).await?,
        lines,
        field_action,
        field: editing.values,
        editing: editing.field.is_some(),
        datatypes: DATATYPES.iter().copied().zip(s.datatypes.iter().copied()).collect(),
        questions: shown,
        preview_note,
        workflow: editing.workflow.unwrap_or_else(|| WorkflowValues::of(&definition)),
        roles: ROLES.iter().copied().zip(s.role_names.iter().copied()).collect(),
        versions,
    };
    staff.answer(status, &page.chrome, &page)
}

/// The citizens' questions of `definition` (with `fields` instead of its own when given),
/// `None` when they do not make a definition (then nothing can be drawn from them).
fn questions_of(lang: Lang, definition: &Json, fields: Option<&Vec<Json>>) -> Option<Vec<Question>> {
    let mut definition = definition.clone();
    if let Some(fields) = fields {
        definition["form"]["fields"] = Json::Array(fields.clone());
    }
    let typed: guichet_guest::service::ServiceDefinition = serde_json::from_value(definition).ok()?;
    let wire = guichet_guest::catalog_contract::to_contract(typed);
    Some(form::preview(lang, wire.form))
}

// ------------------------------------------------------------------------------ the changes

/// `POST .../texts`: the presentation.
async fn save_texts(staff: &Staff<'_, '_>, code: &str) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let s = texts(staff.lang);
    let draft = Draft::read(staff, code).await?;
    let values = TextValues::posted(&posted);
    let mut errors = Vec::new();
    let mut number = |name: &str, value: &str| match value.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => {
            errors.push(FieldError::new(name, "invalid", s.not_integer));
            Json::Null
        }
    };
    let processing = number("processing_days", &values.processing_days);
    let retention = number("retention_days", &values.retention_days);
    if errors.is_empty() {
        let mut definition = draft.definition();
        definition["name"] = json!({"fr": values.name_fr, "en": values.name_en});
        definition["description"] = json!({"fr": values.description_fr, "en": values.description_en});
        definition["group"] = json!(values.group);
        definition["department"] = json!(values.department);
        definition["channel"] = json!(values.channel);
        definition["anonymous"] = json!(values.anonymous);
        definition["processing_days"] = processing;
        definition["retention_days"] = retention;
        match draft.put(staff, &definition).await? {
            Ok(_) => return Ok(draft.done("saved", "presentation")),
            Err(refused) => errors = refused,
        }
    }
    let editing = Editing { texts: Some(values), ..Editing::default() };
    editor(staff, &draft, editing, errors, 422).await
}

/// `POST .../fields[/{field}]`: adds a question or saves one; with `preview`, only draws the
/// form with it.
async fn save_field(staff: &Staff<'_, '_>, code: &str, field: Option<&str>) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let s = texts(staff.lang);
    let draft = Draft::read(staff, code).await?;
    let values = FieldValues::posted(&posted);
    let mut fields = draft.fields();
    let position = match field {
        Some(field) => Some(fields.iter().position(|f| text(f, "/code") == field).ok_or(ApiError::NotFound)?),
        None => None,
    };
    let last = fields
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != position)
        .filter_map(|(_, f)| f.get("order").and_then(Json::as_i64))
        .max()
        .unwrap_or(0);
    let order = if values.order.is_empty() {
        Ok(last + 1)
    } else {
        values.order.parse::<i64>().map_err(|_| FieldError::new("order", "invalid", s.not_integer))
    };
    let built = order.and_then(|order| values.field(order, position.map(|i| &fields[i]), s));
    let mut editing = Editing { field: field.map(str::to_owned), values, ..Editing::default() };
    let question = match built {
        Ok(question) => question,
        Err(error) => return editor(staff, &draft, editing, vec![error], 422).await,
    };
    match position {
        Some(i) => fields[i] = question,
        None => fields.push(question),
    }
    if posted.get("preview").is_some() {
        editing.preview = Some(fields);
        return editor(staff, &draft, editing, Vec::new(), 200).await;
    }
    let mut definition = draft.definition();
    definition["form"]["fields"] = Json::Array(fields.clone());
    match draft.put(staff, &definition).await? {
        Ok(_) => Ok(draft.done(if field.is_some() { "field-saved" } else { "field-added" }, "questions")),
        Err(errors) => {
            editing.preview = Some(fields);
            editor(staff, &draft, editing, errors, 422).await
        }
    }
}

/// `POST .../fields/{field}/remove`.
async fn remove_field(staff: &Staff<'_, '_>, code: &str, field: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let draft = Draft::read(staff, code).await?;
    let mut fields = draft.fields();
    let before = fields.len();
    fields.retain(|f| text(f, "/code") != field);
    if fields.len() == before {
        return Err(ApiError::NotFound);
    }
    let mut definition = draft.definition();
    definition["form"]["fields"] = Json::Array(fields);
    match draft.put(staff, &definition).await? {
        Ok(_) => Ok(draft.done("field-removed", "questions")),
        Err(errors) => editor(staff, &draft, Editing::default(), errors, 422).await,
    }
}

/// `POST .../workflow`: the states and transitions.
async fn save_workflow(staff: &Staff<'_, '_>, code: &str) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let draft = Draft::read(staff, code).await?;
    let values = WorkflowValues::posted(&posted);
    let mut definition = draft.definition();
    definition["workflow"] = values.workflow(&draft.definition());
    match draft.put(staff, &definition).await? {
        Ok(_) => Ok(draft.done("workflow", "workflow")),
        Err(errors) => {
            let editing = Editing { workflow: Some(values.with_new_rows()), ..Editing::default() };
            editor(staff, &draft, editing, errors, 422).await
        }
    }
}

/// `POST .../publish` or `.../archive`.
async fn act(staff: &Staff<'_, '_>, code: &str, action: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let draft = Draft::read(staff, code).await?;
    let answer = staff.call(Method::Post, &format!("/api/catalog/admin/services/{code}/{action}"), None, &[]).await?;
    match outcome(&answer)? {
        Ok(_) => Ok(draft.done(if action == "publish" { "published" } else { "archived" }, "publishing")),
        Err(errors) => editor(staff, &draft, Editing::default(), errors, 422).await,
    }
}
