//! The personal-data contract between identity and the components that keep personal data
//! (GDPR articles 15, 17 and 20): identity answers a citizen's export or erasure request by
//! asking every such component, by service chaining, for what it holds about the account.
//!
//! - `POST http://<component>.spin.internal/internal/privacy/export` with a [`Subject`] →
//!   200 `{"component":..,"records":{"<record kind>":[..],..}}`
//! - `POST http://<component>.spin.internal/internal/privacy/erase` with a [`Subject`] →
//!   200 `{"component":..,"erased":{"<record kind>":n,..},"kept":[{"record","count","legal_basis"}]}`
//!
//! Both paths start with `/internal/`, which no public route of the manifest covers: only a
//! component granted `http://<component>.spin.internal` can reach them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::email::EmailAddress;
use crate::shape::{self, Member, Shape};
use crate::{Commune, FieldError};

/// Path of the export endpoint in every component that keeps personal data.
pub const EXPORT_PATH: &str = "/internal/privacy/export";
/// Path of the erasure endpoint in every component that keeps personal data.
pub const ERASE_PATH: &str = "/internal/privacy/erase";

const MAX_ACCOUNT_ID_LEN: usize = 128;

const SUBJECT: Shape = Shape::Object(&[
    Member::required("commune", Shape::Text),
    Member::required("account_id", Shape::Text),
    Member::nullable("email", Shape::Text),
]);

/// Whose personal data is asked for: an account of a commune, and the e-mail address it has
/// (records sent before an address was linked to the account are found by the address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    commune: Commune,
    account_id: String,
    email: Option<String>,
}

impl Subject {
    /// Checks a request body `{"commune","account_id","email"}` (closed: other members are
    /// errors; `email` may be absent or null) and reports every problem at once.
    pub fn parse(json: &Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        shape::check(json, &SUBJECT, "", &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let text = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_owned);
        let commune = text("commune").unwrap_or_default();
        let account_id = text("account_id").unwrap_or_default();
        let commune = Commune::parse(&commune)
            .map_err(|error| errors.push(FieldError::new("commune", "invalid", error.to_string())))
            .ok();
        if !is_plain(&account_id, MAX_ACCOUNT_ID_LEN) {
            errors.push(FieldError::new(
                "account_id",
                "invalid",
                "account_id must be 1 to 128 characters without spaces or control characters",
            ));
        }
        // The one e-mail rule: the address is matched against what the other components
        // accepted and normalised with it.
        let email = text("email")
            .map(|email| EmailAddress::parse(&email).map(|a| a.to_string()))
            .transpose()
            .map_err(|error| errors.push(error.at("email")))
            .ok()
            .flatten();
        match commune {
            Some(commune) if errors.is_empty() => Ok(Self {
                commune,
                account_id,
                email,
            }),
            _ => Err(errors),
        }
    }

    /// The commune whose records are concerned (every query filters by it).
    pub fn commune(&self) -> &Commune {
        &self.commune
    }

    /// The account's identifier.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The account's e-mail address, if identity gave one.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
}

/// 1 to `max` bytes, no whitespace or control characters.
fn is_plain(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.len()) && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The export answer of `component`: `records` maps each record kind to its records.
pub fn export_body(component: &str, records: Map<String, Value>) -> Value {
    json!({"component": component, "records": records})
}

/// Records a component must keep despite an erasure request, and why (GDPR article 17(3)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    /// The record kind.
    pub record: String,
    /// How many records of that kind were kept.
    pub count: i64,
    /// The legal obligation or task that requires keeping them.
    pub legal_basis: String,
}

/// What an erasure did in one component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erasure {
    /// Records deleted or anonymised, by kind (kinds with none may be listed with 0).
    pub erased: BTreeMap<String, i64>,
    /// Records kept, with their legal basis.
    pub kept: Vec<Kept>,
}

impl Erasure {
    /// The erasure answer of `component`.
    pub fn body(&self, component: &str) -> Value {
        json!({"component": component, "erased": self.erased, "kept": self.kept})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: Result<Subject, Vec<FieldError>>) -> Vec<(String, String)> {
        crate::FieldError::codes(result)
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    #[test]
    fn a_complete_subject_is_accepted_with_or_without_an_email() {
        let subject = Subject::parse(&json!({"commune":"demo","account_id":"a1","email":"a@b.fr"}));
        assert_eq!(
            subject.as_ref().map(Subject::email).ok().flatten(),
            Some("a@b.fr")
        );
        let subject = Subject::parse(&json!({"commune":"demo","account_id":"a1","email":null}));
        assert_eq!(
            subject.map(|s| s.account_id().to_owned()).ok().as_deref(),
            Some("a1")
        );
        assert!(Subject::parse(&json!({"commune":"demo","account_id":"a1"})).is_ok());
    }

    #[test]
    fn unknown_missing_and_mistyped_members_are_all_reported() {
        assert_eq!(
            fields(Subject::parse(&json!({"account_id": 5, "extra": 1}))),
            [
                pair("extra", "unknown_field"),
                pair("commune", "required"),
                pair("account_id", "wrong_type")
            ]
        );
    }

    #[test]
    fn an_invalid_commune_account_or_address_is_refused() {
        assert_eq!(
            fields(Subject::parse(
                &json!({"commune":"Demo","account_id":"a 1","email":"nobody"})
            )),
            [
                pair("commune", "invalid"),
                pair("account_id", "invalid"),
                pair("email", "invalid_email")
            ]
        );
        let long = "a".repeat(129);
        assert_eq!(
            fields(Subject::parse(&json!({"commune":"demo","account_id":long}))),
            [pair("account_id", "invalid")]
        );
    }

    #[test]
    fn the_erasure_answer_lists_erased_and_kept_records() {
        let mut erasure = Erasure::default();
        erasure.erased.insert("messages".into(), 2);
        erasure.kept.push(Kept {
            record: "requests".into(),
            count: 1,
            legal_basis: "archives".into(),
        });
        assert_eq!(
            erasure.body("notifications"),
            json!({"component":"notifications","erased":{"messages":2},
                   "kept":[{"record":"requests","count":1,"legal_basis":"archives"}]})
        );
    }
}
