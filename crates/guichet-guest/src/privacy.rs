//! The personal-data contract between identity and the components that keep personal data
//! (GDPR articles 15, 17 and 20): identity answers a citizen's export or erasure request by
//! asking every such component, by service chaining, for what it holds about the account.
//!
//! The contract is `guichet:platform/privacy` (`wit/privacy.wit`): `subject` in, `export` or
//! `erasure` out, sent by `crate::clients::privacy`. This module holds the rules on the
//! subject's values ([`Subject`]) and the conversions between the components' own shapes
//! (records by kind, counts by kind) and the contract's records, written out field by field so
//! that a change to the WIT fails the build of both sides:
//!
//! - `POST http://<component>.spin.internal/internal/privacy/export` with a `subject` → 200
//!   `export` (built by [`export_body`], read by [`export_records`])
//! - `POST http://<component>.spin.internal/internal/privacy/erase` with a `subject` → 200
//!   `erasure` (built by [`Erasure::body`], read by [`Erasure::from_contract`])
//!
//! Both paths start with `/internal/`, which no public route of the manifest covers: only a
//! component granted `http://<component>.spin.internal` can reach them.

use std::collections::BTreeMap;

use guichet_contracts::privacy as wire;
use serde::Serialize;
use serde_json::{json, Map, Value};
use spin_sdk::http::Request;

use crate::email::EmailAddress;
use crate::{body, clients, codes, ApiError, Commune, FieldError};

/// Path of the export endpoint in every component that keeps personal data.
pub const EXPORT_PATH: &str = "/internal/privacy/export";
/// Path of the erasure endpoint in every component that keeps personal data.
pub const ERASE_PATH: &str = "/internal/privacy/erase";

/// Whose personal data is asked for: an account of a commune, and the e-mail address it has
/// (records sent before an address was linked to the account are found by the address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    commune: Commune,
    account_id: String,
    email: Option<String>,
}

impl Subject {
    /// The subject of a chained request: a body outside the contract is a 400 naming the
    /// member; values breaking the rules below are 400s naming every field at fault.
    pub fn receive(req: &Request) -> Result<Self, ApiError> {
        // Size, UTF-8 and JSON syntax first, with the same errors as every other body.
        body::json(req, body::DEFAULT_MAX_JSON)?;
        let subject: wire::Subject = clients::receive("privacy", req.body())?;
        Self::from_contract(subject).map_err(|errors| ApiError::BadRequest { errors })
    }

    /// Checks the contract's subject and reports every problem at once.
    pub fn from_contract(subject: wire::Subject) -> Result<Self, Vec<FieldError>> {
        let wire::Subject {
            commune,
            account_id,
            email,
        } = subject;
        let mut errors = Vec::new();
        let commune = Commune::parse(&commune)
            .map_err(|error| errors.push(FieldError::new("commune", "invalid", error.to_string())))
            .ok();
        if !codes::is_account_id(&account_id) {
            errors.push(codes::invalid_account_id("account_id"));
        }
        // The one e-mail rule: the address is matched against what the other components
        // accepted and normalised with it.
        let email = email
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

    /// The contract's subject for `account_id` of `commune`, with its address.
    pub fn to_contract(commune: &Commune, account_id: &str, email: Option<&str>) -> wire::Subject {
        wire::Subject {
            commune: commune.as_str().to_owned(),
            account_id: account_id.to_owned(),
            email: email.map(str::to_owned),
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

/// The export answer of `component`: `records` maps each record kind to its records.
pub fn export_body(component: &str, records: Map<String, Value>) -> wire::Export {
    wire::Export {
        component: component.to_owned(),
        records: records
            .into_iter()
            .map(|(kind, records)| wire::Records {
                kind,
                json: records.to_string(),
            })
            .collect(),
    }
}

/// The component and its records by kind, from its export answer; a kind whose records are
/// not JSON is an answer outside the contract.
pub fn export_records(export: wire::Export) -> anyhow::Result<(String, Map<String, Value>)> {
    let wire::Export { component, records } = export;
    let mut by_kind = Map::new();
    for wire::Records { kind, json } in records {
        let value: Value = serde_json::from_str(&json)
            .map_err(|e| anyhow::anyhow!("{component}: records of {kind:?} are not JSON: {e}"))?;
        by_kind.insert(kind, value);
    }
    Ok((component, by_kind))
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
    /// The erasure answer of `component`, as the contract carries it.
    pub fn body(&self, component: &str) -> wire::Erasure {
        wire::Erasure {
            component: component.to_owned(),
            erased: self
                .erased
                .iter()
                .map(|(kind, count)| wire::Erased {
                    kind: kind.clone(),
                    count: *count,
                })
                .collect(),
            kept: self
                .kept
                .iter()
                .map(
                    |Kept {
                         record,
                         count,
                         legal_basis,
                     }| wire::Kept {
                        record: record.clone(),
                        count: *count,
                        legal_basis: legal_basis.clone(),
                    },
                )
                .collect(),
        }
    }

    /// A component's erasure answer: its name and what it did.
    pub fn from_contract(erasure: wire::Erasure) -> (String, Self) {
        let wire::Erasure {
            component,
            erased,
            kept,
        } = erasure;
        let erasure = Erasure {
            erased: erased
                .into_iter()
                .map(|wire::Erased { kind, count }| (kind, count))
                .collect(),
            kept: kept
                .into_iter()
                .map(
                    |wire::Kept {
                         record,
                         count,
                         legal_basis,
                     }| Kept {
                        record,
                        count,
                        legal_basis,
                    },
                )
                .collect(),
        };
        (component, erasure)
    }

    /// How citizens see a component's part of their erasure (identity's answer):
    /// `{"component","erased":{kind:n},"kept":[{"record","count","legal_basis"}]}`.
    pub fn public(&self, component: &str) -> Value {
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

    fn parse(json: &Value) -> Result<Subject, Vec<FieldError>> {
        let subject: wire::Subject = serde_json::from_value(json.clone())
            .map_err(|e| vec![FieldError::general("contract_mismatch", e.to_string())])?;
        Subject::from_contract(subject)
    }

    #[test]
    fn a_complete_subject_is_accepted_with_or_without_an_email() {
        let subject = parse(&json!({"commune":"demo","account_id":"a1","email":"a@b.fr"}));
        assert_eq!(
            subject.as_ref().map(Subject::email).ok().flatten(),
            Some("a@b.fr")
        );
        let subject = parse(&json!({"commune":"demo","account_id":"a1","email":null}));
        assert_eq!(
            subject.map(|s| s.account_id().to_owned()).ok().as_deref(),
            Some("a1")
        );
        assert!(parse(&json!({"commune":"demo","account_id":"a1"})).is_ok());
    }

    #[test]
    fn a_missing_or_mistyped_member_is_refused_by_name() {
        for (body, field) in [
            (&br#"{"account_id":"a1"}"#[..], "commune"),
            (br#"{"commune":"demo","account_id":5}"#, "account_id"),
        ] {
            let refused = clients::receive::<wire::Subject>("test", body).err();
            let Some(ApiError::BadRequest { errors }) = refused else {
                panic!("expected a 400, got {refused:?}");
            };
            assert_eq!(errors.first().and_then(|e| e.field.as_deref()), Some(field));
        }
    }

    #[test]
    fn an_invalid_commune_account_or_address_is_refused() {
        assert_eq!(
            fields(parse(
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
            fields(parse(&json!({"commune":"demo","account_id":long}))),
            [pair("account_id", "invalid")]
        );
    }

    #[test]
    fn an_export_crosses_the_contract_with_its_records_by_kind() {
        let mut records = Map::new();
        records.insert("messages".into(), json!([{"id": "m1"}]));
        let wire = export_body("notifications", records.clone());
        let back = export_records(wire).ok();
        assert_eq!(back, Some(("notifications".to_owned(), records)));
    }

    #[test]
    fn an_erasure_crosses_the_contract_unchanged() {
        let mut erasure = Erasure::default();
        erasure.erased.insert("messages".into(), 2);
        erasure.kept.push(Kept {
            record: "requests".into(),
            count: 1,
            legal_basis: "archives".into(),
        });
        let (component, back) = Erasure::from_contract(erasure.body("requests"));
        assert_eq!((component.as_str(), back), ("requests", erasure));
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
            erasure.public("notifications"),
            json!({"component":"notifications","erased":{"messages":2},
                   "kept":[{"record":"requests","count":1,"legal_basis":"archives"}]})
        );
    }
}
