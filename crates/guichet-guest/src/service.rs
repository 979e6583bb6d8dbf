//! The service definition (shared by `catalog`, which owns it, and `requests`, which checks
//! answers against its form and follows its workflow): what a commune offers, in French and English, with the form a
//! citizen fills in and the workflow agents follow.
//!
//! The JSON of [`ServiceDefinition`] is the contract of the catalogue: the body of the admin
//! API, the import/export format, and what is stored (drafts and immutable published
//! versions). Every struct refuses unknown members (`deny_unknown_fields`); the same shape is
//! also described as data ([`DEFINITION`]) so that validation can name *every* structural
//! error at once, which serde alone (stopping at the first) cannot (see `validate.rs`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::shape::{Member, Shape};

/// The two languages of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// French, the default.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// `fr` or `en`; anything else is not a language of the catalogue.
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code of the language (`fr`, `en`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// A value in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized<T> {
    /// French.
    pub fr: T,
    /// English.
    pub en: T,
}

impl<T> Localized<T> {
    /// The value in `lang`.
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}

/// A text in both languages.
pub type Text = Localized<String>;

/// One service of the catalogue (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDefinition {
    /// Open311 `service_code`: 2 to 63 of `a-z 0-9 -`, starting with a letter or digit.
    pub code: String,
    /// Group code (same alphabet).
    pub group: String,
    pub name: Text,
    pub description: Text,
    /// Words citizens may use for this service, per language.
    #[serde(default)]
    pub keywords: Localized<Vec<String>>,
    /// Department in charge (code).
    pub department: String,
    pub channel: Channel,
    /// Whether a citizen may file without an account (giving a way to be reached instead):
    /// reports on the public space usually are; procedures about a person are not.
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub open311_type: Open311Type,
    /// `None`: free of charge.
    #[serde(default)]
    pub fee: Option<Fee>,
    /// Usual processing time in business days (Monday to Friday, French public holidays
    /// excepted: [`crate::dates::BusinessDays`]); a request's expected date is counted from it.
    pub processing_days: i64,
    /// Supporting documents to bring or attach.
    #[serde(default)]
    pub documents: Vec<Text>,
    /// Who may ask for it, when restricted.
    #[serde(default)]
    pub eligibility: Option<Text>,
    /// How long a request's data is kept, in days.
    pub retention_days: i64,
    pub form: Form,
    pub workflow: Workflow,
}

/// How a citizen files a request for the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// Online, with the form.
    Online,
    /// Only in person, at the counter (the catalogue still describes it).
    CounterOnly,
}

impl Channel {
    pub const NAMES: &'static [&'static str] = &["online", "counter-only"];
}

/// The Open311 `type` of the service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Open311Type {
    Realtime,
    #[default]
    Batch,
    Blackbox,
}

impl Open311Type {
    pub const NAMES: &'static [&'static str] = &["realtime", "batch", "blackbox"];

    pub fn as_str(self) -> &'static str {
        match self {
            Open311Type::Realtime => "realtime",
            Open311Type::Batch => "batch",
            Open311Type::Blackbox => "blackbox",
        }
    }
}

/// What the service costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub amount_cents: i64,
    /// ISO 4217 code (`EUR`).
    pub currency: String,
    pub due: FeeDue,
}

/// When the fee is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeeDue {
    OnFiling,
    OnDelivery,
}

impl FeeDue {
    pub const NAMES: &'static [&'static str] = &["on-filing", "on-delivery"];
}

/// The form a citizen fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub fields: Vec<Field>,
}

/// One question of the form (an Open311 attribute).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub code: String,
    /// Position, positive and unique within the form.
    pub order: i64,
    #[serde(default)]
    pub required: bool,
    pub datatype: Datatype,
    pub label: Text,
    #[serde(default)]
    pub help: Option<Text>,
    #[serde(default, skip_serializing_if = "Rules::is_empty")]
    pub rules: Rules,
}

/// The kind of answer a field expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    Singlevaluelist,
    Multivaluelist,
    Email,
    Phone,
    Date,
    File,
    Location,
    Checkbox,
    Consent,
}

impl Datatype {
    pub const NAMES: &'static [&'static str] = &[
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
        "email",
        "phone",
        "date",
        "file",
        "location",
        "checkbox",
        "consent",
    ];

    /// Whether answers are picked among the field's `rules.values`.
    pub fn is_list(self) -> bool {
        matches!(self, Datatype::Singlevaluelist | Datatype::Multivaluelist)
    }
}

/// Constraints on a field's answer; every member is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<i64>,
    /// A regular expression (Rust `regex` syntax) the whole answer must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The choices of a list field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<ListValue>>,
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }
}

/// One choice of a list field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListValue {
    pub key: String,
    pub name: Text,
}

/// The states a request for this service goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub initial: String,
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
}

/// A state of the workflow, with what Open311 apps are told of requests in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub code: String,
    pub label: Text,
    pub open: bool,
    /// Declared by the catalogue's author; when absent, [`Open311Status::default_for`] the
    /// state (so definitions written before it existed keep their meaning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open311_status: Option<Open311Status>,
}

impl State {
    /// The Open311 status of requests in this state: the declared one, else the default.
    pub fn open311_status(&self) -> Open311Status {
        self.open311_status
            .unwrap_or_else(|| Open311Status::default_for(&self.code, self.open))
    }
}

/// What Open311 apps are told of a request in a state: GeoReport v2's `open` and `closed`,
/// and mySociety's extended statuses of `servicerequestupdates` (which say more of either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Open311Status {
    Open,
    Investigating,
    InProgress,
    ActionScheduled,
    Fixed,
    Duplicate,
    NotCouncilsResponsibility,
    NoFurtherAction,
    Closed,
}

impl Open311Status {
    pub const NAMES: &'static [&'static str] = &[
        "open",
        "investigating",
        "in_progress",
        "action_scheduled",
        "fixed",
        "duplicate",
        "not_councils_responsibility",
        "no_further_action",
        "closed",
    ];

    /// The name Open311 uses (`in_progress`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Investigating => "investigating",
            Self::InProgress => "in_progress",
            Self::ActionScheduled => "action_scheduled",
            Self::Fixed => "fixed",
            Self::Duplicate => "duplicate",
            Self::NotCouncilsResponsibility => "not_councils_responsibility",
            Self::NoFurtherAction => "no_further_action",
            Self::Closed => "closed",
        }
    }

    /// Whether the status says the request still awaits the commune (GeoReport v2 `open`).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Open | Self::Investigating | Self::InProgress | Self::ActionScheduled
        )
    }

    /// The status of a state that declares none: by the usual state codes of the demo
    /// catalogue (the mapping Guichet applied before states declared it), else `open` or
    /// `closed` as the state is.
    pub fn default_for(code: &str, open: bool) -> Self {
        match code {
            "duplicate" => Self::Duplicate,
            "not-municipal" => Self::NotCouncilsResponsibility,
            "in-progress" => Self::InProgress,
            "acknowledged" => Self::Investigating,
            "scheduled" | "confirmed" => Self::ActionScheduled,
            "resolved" | "completed" | "delivered" => Self::Fixed,
            "refused" | "declined" => Self::NoFurtherAction,
            _ if open => Self::Open,
            _ => Self::Closed,
        }
    }
}

/// Who may move a request from one state to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub roles: Vec<String>,
    /// What whoever takes it must write with it ([`REQUIREMENTS`]): `message` (to the
    /// citizen, e.g. what was done when closing), `note` (internal). None by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
}

/// What a transition may require: a public message to the citizen, an internal note (the
/// members of `POST /api/requests/{ref}/transitions` of the same names).
pub const REQUIREMENTS: &[&str] = &["message", "note"];

/// The roles a transition may name: every role ([`crate::codes::Role`]).
pub use crate::codes::ROLES;

/// Where a service stands in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Never published, or set back to draft by an import: not public.
    Draft,
    /// Its `published_version` is public.
    Published,
    /// Hidden from public lists and Open311; versions are kept.
    Archived,
}

impl Status {
    pub const NAMES: &'static [&'static str] = &["draft", "published", "archived"];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "draft" => Some(Status::Draft),
            "published" => Some(Status::Published),
            "archived" => Some(Status::Archived),
            _ => None,
        }
    }
}

/// One service in the export/import document `{"services":[...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEntry {
    pub status: Status,
    /// The published definition when there is one, else the draft.
    pub definition: ServiceDefinition,
    /// Informative on export; ignored on import (versions are numbered by each catalogue).
    #[serde(default)]
    pub published_version: Option<i64>,
    /// The draft, only when it differs from `definition` (unpublished changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<ServiceDefinition>,
}

/// The export/import document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub services: Vec<CatalogueEntry>,
}

/// `value` (a serialised definition, or part of one) with every `{"fr":..,"en":..}` object
/// replaced by its member in `lang`: the definition as a reader of that language sees it.
pub fn localize(value: &Value, lang: Lang) -> Value {
    match value {
        Value::Object(map) => {
            let localized = map.len() == 2 && map.contains_key("fr") && map.contains_key("en");
            if localized {
                return localize(&map[lang.as_str()], lang);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), localize(v, lang)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| localize(v, lang)).collect()),
        other => other.clone(),
    }
}

// ------------------------------------------------------------------------------ the shape
// The same structure as the structs above, as data. `shape_matches_serde` (tests) checks that
// both agree on a complete definition, and on every optional member being optional.

const TEXT: Shape = Shape::Object(&[
    Member::required("fr", Shape::Text),
    Member::required("en", Shape::Text),
]);
const WORDS: Shape = Shape::Object(&[
    Member::required("fr", Shape::List(&Shape::Text)),
    Member::required("en", Shape::List(&Shape::Text)),
]);
const FEE: Shape = Shape::Object(&[
    Member::required("amount_cents", Shape::Integer),
    Member::required("currency", Shape::Text),
    Member::required("due", Shape::OneOf(FeeDue::NAMES)),
]);
const LIST_VALUE: Shape = Shape::Object(&[
    Member::required("key", Shape::Text),
    Member::required("name", TEXT),
]);
const RULES: Shape = Shape::Object(&[
    Member::nullable("min", Shape::Number),
    Member::nullable("max", Shape::Number),
    Member::nullable("min_length", Shape::Integer),
    Member::nullable("max_length", Shape::Integer),
    Member::nullable("pattern", Shape::Text),
    Member::nullable("values", Shape::List(&LIST_VALUE)),
]);
const FIELD: Shape = Shape::Object(&[
    Member::required("code", Shape::Text),
    Member::required("order", Shape::Integer),
    Member::optional("required", Shape::Bool),
    Member::required("datatype", Shape::OneOf(Datatype::NAMES)),
    Member::required("label", TEXT),
    Member::nullable("help", TEXT),
    Member::optional("rules", RULES),
]);
const STATE: Shape = Shape::Object(&[
    Member::required("code", Shape::Text),
    Member::required("label", TEXT),
    Member::required("open", Shape::Bool),
    Member::optional("open311_status", Shape::OneOf(Open311Status::NAMES)),
]);
const TRANSITION: Shape = Shape::Object(&[
    Member::required("from", Shape::Text),
    Member::required("to", Shape::Text),
    Member::required("roles", Shape::List(&Shape::Text)),
    Member::optional("requires", Shape::List(&Shape::OneOf(REQUIREMENTS))),
]);

/// The shape of a [`ServiceDefinition`].
pub const DEFINITION: Shape = Shape::Object(&[
    Member::required("code", Shape::Text),
    Member::required("group", Shape::Text),
    Member::required("name", TEXT),
    Member::required("description", TEXT),
    Member::optional("keywords", WORDS),
    Member::required("department", Shape::Text),
    Member::required("channel", Shape::OneOf(Channel::NAMES)),
    Member::optional("anonymous", Shape::Bool),
    Member::optional("open311_type", Shape::OneOf(Open311Type::NAMES)),
    Member::nullable("fee", FEE),
    Member::required("processing_days", Shape::Integer),
    Member::optional("documents", Shape::List(&TEXT)),
    Member::nullable("eligibility", TEXT),
    Member::required("retention_days", Shape::Integer),
    Member::required(
        "form",
        Shape::Object(&[Member::required("fields", Shape::List(&FIELD))]),
    ),
    Member::required(
        "workflow",
        Shape::Object(&[
            Member::required("initial", Shape::Text),
            Member::required("states", Shape::List(&STATE)),
            Member::required("transitions", Shape::List(&TRANSITION)),
        ]),
    ),
]);

/// The shape of a [`Catalogue`] (export/import document).
pub const CATALOGUE: Shape = Shape::Object(&[Member::required(
    "services",
    Shape::List(&Shape::Object(&[
        Member::required("status", Shape::OneOf(Status::NAMES)),
        Member::required("definition", DEFINITION),
        Member::nullable("published_version", Shape::Integer),
        Member::optional("draft", DEFINITION),
    ])),
)]);

// ------------------------------------------------------------------------------ example

/// A complete, valid definition using every member (for tests of the components using it).
/// A complete, valid definition using every member.
#[doc(hidden)]
pub fn example_definition() -> Value {
    use serde_json::json;
    json!({
        "code": "dog-licence",
        "group": "animals",
        "name": {"fr": "Permis de détention de chien", "en": "Dog licence"},
        "description": {"fr": "Déclarer un chien de catégorie 1 ou 2.", "en": "Register a category 1 or 2 dog."},
        "keywords": {"fr": ["chien", "permis"], "en": ["dog", "licence"]},
        "department": "population",
        "channel": "online",
        "anonymous": true,
        "open311_type": "realtime",
        "fee": {"amount_cents": 2500, "currency": "EUR", "due": "on-filing"},
        "processing_days": 10,
        "documents": [{"fr": "Certificat vétérinaire", "en": "Veterinary certificate"}],
        "eligibility": {"fr": "Habitants de la commune", "en": "Residents of the commune"},
        "retention_days": 3650,
        "form": {"fields": [
            {"code": "breed", "order": 1, "required": true, "datatype": "singlevaluelist",
             "label": {"fr": "Race", "en": "Breed"},
             "help": {"fr": "Voir le certificat", "en": "See the certificate"},
             "rules": {"values": [
                 {"key": "rottweiler", "name": {"fr": "Rottweiler", "en": "Rottweiler"}},
                 {"key": "other", "name": {"fr": "Autre", "en": "Other"}}]}},
            {"code": "weight", "order": 2, "required": false, "datatype": "number",
             "label": {"fr": "Poids (kg)", "en": "Weight (kg)"}, "help": null,
             "rules": {"min": 0.5, "max": 120}},
            {"code": "chip", "order": 3, "datatype": "string",
             "label": {"fr": "Puce", "en": "Chip"},
             "rules": {"min_length": 15, "max_length": 15, "pattern": "[0-9]{15}"}},
            {"code": "owner-email", "order": 4, "required": true, "datatype": "email",
             "label": {"fr": "Votre e-mail", "en": "Your email"}},
            {"code": "consent", "order": 5, "required": true, "datatype": "consent",
             "label": {"fr": "J'accepte", "en": "I agree"}}
        ]},
        "workflow": {
            "initial": "submitted",
            "states": [
                {"code": "submitted", "label": {"fr": "Déposée", "en": "Submitted"}, "open": true},
                {"code": "in-review", "label": {"fr": "En instruction", "en": "In review"}, "open": true},
                {"code": "granted", "label": {"fr": "Accordée", "en": "Granted"}, "open": false,
                 "open311_status": "fixed"},
                {"code": "refused", "label": {"fr": "Refusée", "en": "Refused"}, "open": false}
            ],
            "transitions": [
                {"from": "submitted", "to": "in-review", "roles": ["agent", "supervisor", "admin"]},
                {"from": "in-review", "to": "granted", "roles": ["supervisor"]},
                {"from": "in-review", "to": "refused", "roles": ["supervisor"]},
                {"from": "submitted", "to": "refused", "roles": ["citizen"]}
            ]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_complete_definition_deserialises_and_serialises_back_to_the_same_json() {
        let value = example_definition();
        let parsed: ServiceDefinition =
            serde_json::from_value(value.clone()).expect("the full definition parses");
        let back = serde_json::to_value(&parsed).expect("serialises");
        // `rules` of weight has max 120 → 120.0: compare through the typed value.
        let reparsed: ServiceDefinition = serde_json::from_value(back).expect("round trip");
        assert_eq!(parsed, reparsed);
        assert_eq!(parsed.form.fields.len(), 5);
    }

    #[test]
    fn omitted_optional_members_take_their_defaults() {
        let mut value = example_definition();
        let object = value.as_object_mut().expect("object");
        for member in [
            "keywords",
            "open311_type",
            "fee",
            "documents",
            "eligibility",
        ] {
            object.remove(member);
        }
        let parsed: ServiceDefinition = serde_json::from_value(value).expect("parses");
        assert_eq!(parsed.open311_type, Open311Type::Batch);
        assert_eq!(parsed.fee, None);
        assert!(parsed.keywords.fr.is_empty() && parsed.documents.is_empty());
    }

    #[test]
    fn serde_refuses_an_unknown_member_at_any_depth() {
        let mut value = example_definition();
        value["form"]["fields"][0]["colour"] = json!("red");
        assert!(serde_json::from_value::<ServiceDefinition>(value).is_err());
    }

    #[test]
    fn every_enumerated_name_of_the_shape_is_one_serde_accepts() {
        for name in Datatype::NAMES {
            assert!(
                serde_json::from_value::<Datatype>(json!(name)).is_ok(),
                "{name}"
            );
        }
        for name in Channel::NAMES {
            assert!(
                serde_json::from_value::<Channel>(json!(name)).is_ok(),
                "{name}"
            );
        }
        for name in Open311Type::NAMES {
            assert!(
                serde_json::from_value::<Open311Type>(json!(name)).is_ok(),
                "{name}"
            );
        }
        for name in Open311Status::NAMES {
            assert_eq!(
                serde_json::from_value::<Open311Status>(json!(name))
                    .map(Open311Status::as_str)
                    .ok(),
                Some(*name),
                "{name}"
            );
        }
        for name in FeeDue::NAMES {
            assert!(
                serde_json::from_value::<FeeDue>(json!(name)).is_ok(),
                "{name}"
            );
        }
        for name in Status::NAMES {
            assert_eq!(
                Status::parse(name).map(Status::as_str),
                Some(*name),
                "{name}"
            );
        }
    }

    #[test]
    fn a_state_without_an_open311_status_gets_the_one_its_code_and_openness_imply() {
        let state = |code: &str, open: bool, declared: Option<Open311Status>| State {
            code: code.into(),
            label: Text::default(),
            open,
            open311_status: declared,
        };
        assert_eq!(
            state("resolved", false, None).open311_status(),
            Open311Status::Fixed
        );
        assert_eq!(
            state("in-progress", true, None).open311_status(),
            Open311Status::InProgress
        );
        assert_eq!(
            state("waiting", true, None).open311_status(),
            Open311Status::Open
        );
        assert_eq!(
            state("archived", false, None).open311_status(),
            Open311Status::Closed
        );
        assert_eq!(
            state("resolved", false, Some(Open311Status::NoFurtherAction)).open311_status(),
            Open311Status::NoFurtherAction,
            "a declared status wins"
        );
    }

    #[test]
    fn a_state_without_a_declared_status_serialises_as_before() {
        let state = State {
            code: "new".into(),
            label: Text::default(),
            open: true,
            open311_status: None,
        };
        assert_eq!(
            serde_json::to_value(&state).ok(),
            Some(json!({"code": "new", "label": {"fr": "", "en": ""}, "open": true}))
        );
    }

    #[test]
    fn lang_parses_fr_and_en_only() {
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("FR"), None);
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn localizing_replaces_every_bilingual_object_by_one_language() {
        let value = json!({"name": {"fr": "Chien", "en": "Dog"},
                           "keywords": {"fr": ["chien"], "en": ["dog"]},
                           "rules": {"values": [{"key": "a", "name": {"fr": "Un", "en": "One"}}]},
                           "fee": null});
        assert_eq!(
            localize(&value, Lang::En),
            json!({"name": "Dog", "keywords": ["dog"],
                   "rules": {"values": [{"key": "a", "name": "One"}]}, "fee": null})
        );
    }
}
