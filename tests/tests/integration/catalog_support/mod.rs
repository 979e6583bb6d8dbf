//! What the catalogue tests share: a running Guichet for one commune, an administrator's
//! token, and a valid service definition to start from.

#![allow(dead_code, reason = "each test module uses a different part")]

use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};
use serde_json::{json, Value};

/// Guichet serving `commune`, with a key whose tokens it accepts.
pub struct Catalog {
    // Declared before `dir`: the host stops before its state directory is deleted.
    pub host: Host,
    pub keys: TestKeys,
    pub commune: String,
    pub dir: tempfile::TempDir,
}

impl Catalog {
    /// A commune of its own (`ville-test`), whose catalogue starts empty.
    pub fn empty() -> Catalog {
        Self::serving("ville-test")
    }

    /// The demo commune, seeded with the demo catalogue.
    pub fn demo() -> Catalog {
        Self::serving("demo")
    }

    pub fn serving(commune: &str) -> Catalog {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = TestKeys::generate("k1");
        let config = HostConfig::guichet_in(dir.path())
            .env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks())
            .env("SPIN_VARIABLE_DEFAULT_COMMUNE", commune);
        let host = Host::start(config, &dir);
        Catalog {
            host,
            keys,
            commune: commune.into(),
            dir,
        }
    }

    /// `Bearer <token>` of an administrator of the commune.
    pub fn admin(&self) -> String {
        format!(
            "Bearer {}",
            self.keys.access_token(&self.commune, "admin-1", &["admin"])
        )
    }

    /// A request with the administrator's token and a JSON body.
    pub fn admin_call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let bearer = self.admin();
        let text = body.map(Value::to_string);
        let mut headers = vec![("authorization", bearer.as_str())];
        if text.is_some() {
            headers.push(("content-type", "application/json"));
        }
        self.host
            .send(method, path, &headers, text.as_deref().map(str::as_bytes))
    }

    pub fn get(&self, path: &str) -> Reply {
        self.host.get(path)
    }

    /// Creates `definition` as a draft and publishes it; the version published.
    pub fn publish_new(&self, definition: &Value) -> i64 {
        let created = self.admin_call("POST", "/api/catalog/admin/services", Some(definition));
        assert_eq!(created.status, 201, "{}", created.body);
        self.publish(definition["code"].as_str().expect("code"))
    }

    /// Publishes the draft of `code`; the version published.
    pub fn publish(&self, code: &str) -> i64 {
        let published = self.admin_call(
            "POST",
            &format!("/api/catalog/admin/services/{code}/publish"),
            None,
        );
        assert_eq!(published.status, 200, "{}", published.body);
        published.json()["version"].as_i64().expect("version")
    }
}

/// `(field, code)` of every error of a 400/409 body.
pub fn errors(reply: &Reply) -> Vec<(String, String)> {
    reply.json()["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {}", reply.body))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// A valid definition using every kind of field (`code` as given).
pub fn definition(code: &str) -> Value {
    let text = |fr: &str, en: &str| json!({"fr": fr, "en": en});
    let field = |code: &str, order: i64, datatype: &str, fr: &str, en: &str| json!({"code": code, "order": order, "required": order <= 2, "datatype": datatype, "label": text(fr, en)});
    let mut fields = vec![
        json!({"code": "breed", "order": 1, "required": true, "datatype": "singlevaluelist",
               "label": text("Race", "Breed"), "help": text("Voir le certificat", "See the certificate"),
               "rules": {"values": [
                   {"key": "001", "name": text("Berger & co <1>", "Shepherd & co <1>")},
                   {"key": "other", "name": text("Autre", "Other")}]}}),
        json!({"code": "weight", "order": 2, "required": true, "datatype": "number",
               "label": text("Poids", "Weight"), "rules": {"min": 0.5, "max": 120}}),
        json!({"code": "chip", "order": 3, "datatype": "string", "label": text("Puce", "Chip"),
               "rules": {"pattern": "[0-9]{15}", "min_length": 15, "max_length": 15}}),
        field("notes", 4, "text", "Remarques", "Notes"),
        field("seen-at", 5, "datetime", "Vu le", "Seen at"),
        json!({"code": "colours", "order": 6, "datatype": "multivaluelist", "label": text("Couleurs", "Colours"),
               "rules": {"values": [{"key": "black", "name": text("Noir", "Black")}, {"key": "white", "name": text("Blanc", "White")}]}}),
        field("email", 7, "email", "E-mail", "Email"),
        field("phone", 8, "phone", "Téléphone", "Phone"),
        field("born", 9, "date", "Né le", "Born on"),
        field("photo", 10, "file", "Photo", "Photo"),
        field("where", 11, "location", "Lieu", "Place"),
        field("neutered", 12, "checkbox", "Stérilisé", "Neutered"),
        field("consent", 13, "consent", "J'accepte", "I agree"),
    ];
    // Listed out of order: attributes come back by `order`.
    fields.swap(3, 4);
    json!({
        "code": code,
        "group": "animals",
        "name": text("Permis de chien", "Dog licence"),
        "description": text("Déclarer un chien de catégorie.", "Register a category dog."),
        "keywords": {"fr": ["chien", "permis"], "en": ["dog", "licence"]},
        "department": "population",
        "channel": "online",
        "open311_type": "batch",
        "fee": {"amount_cents": 2500, "currency": "EUR", "due": "on-filing"},
        "processing_days": 10,
        "documents": [text("Certificat vétérinaire", "Veterinary certificate")],
        "eligibility": null,
        "retention_days": 3650,
        "form": {"fields": fields},
        "workflow": {
            "initial": "submitted",
            "states": [
                {"code": "submitted", "label": text("Déposée", "Submitted"), "open": true},
                {"code": "in-review", "label": text("En instruction", "In review"), "open": true},
                {"code": "granted", "label": text("Accordée", "Granted"), "open": false},
                {"code": "refused", "label": text("Refusée", "Refused"), "open": false}
            ],
            "transitions": [
                {"from": "submitted", "to": "in-review", "roles": ["agent", "supervisor", "admin"]},
                {"from": "in-review", "to": "granted", "roles": ["supervisor"]},
                {"from": "in-review", "to": "refused", "roles": ["supervisor"]}
            ]
        }
    })
}

/// A minimal valid definition: no form fields.
pub fn simple(code: &str, group: &str, name_fr: &str, name_en: &str) -> Value {
    let mut value = definition(code);
    value["group"] = json!(group);
    value["name"] = json!({"fr": name_fr, "en": name_en});
    value["form"] = json!({"fields": []});
    value
}
