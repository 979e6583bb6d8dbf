//! `POST requests.{fmt}`: a client app files a request with its API key, and
//! `GET tokens/{token}.{fmt}`.
//!
//! Parameters (form-encoded): `api_key` (required: missing, unknown or revoked → 403, checked
//! first), `service_code`, a location (`lat` + `long`, or `address_string`, or
//! `address_id`), `attribute[CODE]=value` (`attribute[CODE][]=v` repeated for multi-value
//! lists), `email`, `phone`, `first_name`, `last_name`, `description` (≤ 4,000 characters),
//! `media_url`, `device_id`, `account_id`, and Guichet's `lang` (`fr`, `en`: the language of
//! the reporter's messages). Every problem is reported at once (one Open311 error each, 400),
//! and nothing is written.
//!
//! How Open311 meets Guichet's forms: the answers are checked with the service's form
//! ([`crate::domain::form::check`]) after filling, from the Open311 parameters, the questions the app
//! did not answer as attributes: the form's location question from `lat`/`long`/
//! `address_string`, its e-mail and phone questions from `email` and `phone`, and a question
//! coded `description` from `description`. A location attribute may be `latitude,longitude`
//! (what the catalogue's definition tells apps) or an address. File questions cannot be
//! answered through Open311 (there is no upload; `media_url` is kept as a link instead).
//!
//! Who may be filed for: only services that allow filing without an account (`anonymous`):
//! an app holds no citizen's token, and procedures about a person need the citizen signed in
//! on Guichet. The reporter must give a way to be reached (`email` or `phone`, or an answer of
//! that type); the app's `account_id` is the app's own user id, kept and echoed back, never
//! taken for a Guichet account.
//!
//! The answer: `[{service_request_id (the reference), service_notice, account_id}]` for a
//! `realtime` service; for `batch` and `blackbox` services, a `token` instead, which
//! `GET tokens/{token}` turns into the reference (`[{service_request_id, token}]`). Guichet
//! files at once, so the token resolves immediately. Filing goes through
//! [`crate::http::filing::file_from_json`] (channel `open311`, actor `open311` with the key's id,
//! no account): the request, its Open311 details and its token are written in its one
//! transaction with the `filed` timeline entry and event, delivered after the commit. Such a
//! request is public (the GeoReport contract publishes what apps file). An `Idempotency-Key`
//! header makes retries safe as for `POST /api/requests` (the key belongs to the API key):
//! the same key and body give the first answer again, another body 409.

use guichet_guest::db::Connection;
use guichet_guest::email::EmailAddress;
use guichet_guest::phone::PhoneNumber;
use guichet_guest::service::{Channel as ServiceChannel, Datatype, Open311Type, ServiceDefinition};
use guichet_guest::{ApiError, Commune, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use super::params::{AttributeValue, Params};
use super::render::{self, Node};
use super::{Call, Refusal};
use crate::calls::catalog;
use crate::domain::form;
use crate::http::filing;
use crate::http::idempotency::{self, Key, Once};
use crate::store::api_keys::{self, ApiKey};
use crate::store::georeport::open311;
use crate::store::record::{Channel, Location, Record};
use crate::store::timeline::Actor;

/// Longest description (the specification's limit).
const DESCRIPTION_MAX: usize = 4_000;
/// Longest name part, device id, account id or address id.
const SHORT_MAX: usize = 200;
/// Longest `media_url`.
const URL_MAX: usize = 2_048;

/// The API key of a POST: 403 when missing, unknown or revoked.
pub fn key_of(conn: &Connection, commune: &Commune, params: &Params) -> Result<ApiKey, Refusal> {
    let Some(key) = params.get("api_key") else {
        return Err(Refusal::key("api_key is required"));
    };
    api_keys::authenticate(conn, commune, key)?
        .ok_or_else(|| Refusal::key("api_key is not valid (unknown or revoked)"))
}

/// Everything checked, ready to write.
struct Filing {
    /// The answers as the form accepted them (given to filing, which checks them again).
    answers: Map<String, Json>,
    location: Option<Location>,
    /// `{"name","email","phone"}` as given (filing chooses how to notify).
    contact: Json,
    description: String,
    address_id: Option<String>,
    device_id: Option<String>,
    client_account: Option<String>,
    media_url: Option<String>,
}

/// `POST requests.{fmt}`.
pub async fn file(call: &Call<'_>) -> Result<Response, Refusal> {
    let commune = &call.info.commune;
    let conn = call.ctx.conn();
    let key = key_of(conn, commune, &call.params)?;
    // A retry with the same `Idempotency-Key` (the app's) gets the first answer, unchecked.
    let retry = call.retry_key.as_ref().map(|(retry, fingerprint)| Key {
        caller: idempotency::app_owner(&key.id),
        key: retry.clone(),
        fingerprint: fingerprint.clone(),
    });
    if let Some(retry) = &retry {
        if let Some((_, stored)) = idempotency::stored(conn, commune, retry)? {
            return Ok(created(call, &stored));
        }
    }
    let lang = call.lang()?;
    let mut errors = Vec::new();
    let service = match call.params.get("service_code") {
        None => {
            errors.push("service_code is required".to_owned());
            None
        }
        Some(code) => match catalog::service(call.ctx.conn(), commune, code, None).await? {
            Some(service) if service.is_open_for_filing() => {
                if let Some(problem) = not_fileable(&service.definition) {
                    errors.push(problem);
                    None
                } else {
                    Some(service)
                }
            }
            _ => {
                errors.push(format!("service_code: no service with the code {code:?}"));
                None
            }
        },
    };
    let filing = check(call, service.as_ref().map(|s| &s.definition), &mut errors);
    let (Some(service), Some(filing), true) = (service, filing, errors.is_empty()) else {
        return Err(Refusal::bad(errors));
    };
    let app = key.caller();
    let actor = Actor {
        kind: app.actor_kind(),
        id: app.actor_id().map(str::to_owned),
    };
    let batch = service.definition.open311_type != Open311Type::Realtime;
    let mut body = json!({
        "service_code": service.definition.code,
        "description": filing.description,
        "answers": Json::Object(filing.answers.clone()),
        "contact": filing.contact,
        "lang": lang,
    });
    if let Some(location) = &filing.location {
        body["location"] =
            json!({"lat": location.lat, "long": location.long, "address": location.address});
    }
    let days = service.definition.processing_days;
    let notice = if lang == "en" {
        format!("Usual processing time: {days} business days.")
    } else {
        format!("Délai de traitement habituel : {days} jours ouvrés.")
    };
    let mut answer = Json::Null;
    let extras = &filing;
    let within = |conn: &Connection, record: &Record| -> anyhow::Result<()> {
        let new_token = if batch {
            Some(open311::random_token(conn)?)
        } else {
            None
        };
        let details = open311::Details {
            api_key_id: &key.id,
            token: new_token.as_deref(),
            address_id: extras.address_id.as_deref(),
            device_id: extras.device_id.as_deref(),
            client_account_id: extras.client_account.as_deref(),
            media_url: extras.media_url.as_deref(),
        };
        open311::insert_details(conn, commune, record, &details)?;
        answer = json!({
            "service_request_id": new_token.is_none().then(|| record.reference.clone()),
            "token": new_token,
            "service_notice": notice,
            "account_id": extras.client_account,
        });
        idempotency::remember(conn, commune, retry.as_ref(), 200, &answer)
    };
    let filed = idempotency::once(conn, commune, retry.as_ref(), || async {
        // Each filing tells its contact in the commune's name: the contact's hourly limit
        // holds for apps too (not the client's: an app's server speaks for all its users).
        crate::http::limits::contact_filing(conn, commune, None, &body["contact"])
            .map_err(refusal_of_filing)?;
        filing::file_from_json(
            conn,
            &call.info,
            &app,
            &body,
            Channel::Open311,
            None,
            actor,
            within,
        )
        .await
        .map_err(refusal_of_filing)
    })
    .await?;
    if let Once::Stored(_, stored) = filed {
        answer = stored;
    }
    Ok(created(call, &answer))
}

/// The answer to a filing, from its JSON (as stored for `Idempotency-Key`):
/// `[{service_request_id | token, service_notice, account_id}]`.
fn created(call: &Call<'_>, answer: &Json) -> Response {
    let text = |name: &str| answer.get(name).and_then(Json::as_str).map(str::to_owned);
    let id = match text("token") {
        Some(token) => ("token", Node::Text(token)),
        None => ("service_request_id", Node::text(text("service_request_id"))),
    };
    let answer = Node::List(vec![Node::Object(vec![
        id,
        ("service_notice", Node::text(text("service_notice"))),
        ("account_id", Node::text(text("account_id"))),
    ])]);
    render::document(call.format, 200, "service_requests", &answer)
}

/// Why `definition` cannot be filed by an Open311 app, if it cannot.
fn not_fileable(definition: &ServiceDefinition) -> Option<String> {
    if definition.channel == ServiceChannel::CounterOnly {
        return Some(format!(
            "service_code: {:?} is only filed at the counter",
            definition.code
        ));
    }
    (!definition.anonymous).then(|| {
        format!(
            "service_code: {:?} needs a citizen signed in on Guichet; it cannot be filed \
             through Open311",
            definition.code
        )
    })
}

/// Checks every parameter (all problems into `errors`); the filing when `definition` is
/// known and nothing is wrong.
fn check(
    call: &Call<'_>,
    definition: Option<&ServiceDefinition>,
    errors: &mut Vec<String>,
) -> Option<Filing> {
    let params = &call.params;
    let before = errors.len();
    let mut field_errors = Vec::new();
    let (lat, long) = form::coordinates(
        params.get("lat").map(|v| Json::String(v.into())).as_ref(),
        params.get("long").map(|v| Json::String(v.into())).as_ref(),
        "",
        &mut field_errors,
    );
    errors.extend(field_errors.iter().map(describe));
    let address = short(params, "address_string", form::ADDRESS_MAX, errors);
    let address_id = short(params, "address_id", SHORT_MAX, errors);
    let coordinates_given = params.has("lat") || params.has("long");
    if !coordinates_given && address.is_none() && address_id.is_none() {
        errors.push("a location is required: lat and long, address_string or address_id".into());
    }
    let description = params.get("description").unwrap_or_default().to_owned();
    if description.chars().count() > DESCRIPTION_MAX {
        errors.push(format!("description: at most {DESCRIPTION_MAX} characters"));
    }
    // The one e-mail and phone rules, kept normalised as at filing.
    let email = params
        .get("email")
        .and_then(|e| match EmailAddress::parse(e) {
            Ok(address) => Some(address.to_string()),
            Err(error) => {
                errors.push(format!("email: {error}"));
                None
            }
        });
    let phone = params
        .get("phone")
        .and_then(|p| match PhoneNumber::parse(p) {
            Ok(number) => Some(number.e164().to_owned()),
            Err(error) => {
                errors.push(format!("phone: {error}"));
                None
            }
        });
    let first_name = short(params, "first_name", SHORT_MAX, errors);
    let last_name = short(params, "last_name", SHORT_MAX, errors);
    let device_id = short(params, "device_id", SHORT_MAX, errors);
    let client_account = short(params, "account_id", SHORT_MAX, errors);
    let media_url = short(params, "media_url", URL_MAX, errors);
    if media_url.as_deref().is_some_and(|u| {
        !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(char::is_whitespace)
    }) {
        errors.push("media_url: must be an http or https URL".into());
    }
    let definition = definition?;
    let given = Given {
        lat,
        long,
        address: address.as_deref(),
        email: email.as_deref(),
        phone: phone.as_deref(),
        description: Some(description.as_str()).filter(|d| !d.is_empty()),
    };
    let answers = answers_from(definition, &params.attributes(), &given, errors);
    let raw = answers;
    let answers = match form::check(definition, Some(&Json::Object(raw.clone()))) {
        Ok(answers) => answers,
        Err(found) => {
            errors.extend(found.iter().map(describe));
            return None;
        }
    };
    let email = email.or_else(|| text_of(form::first_of(definition, &answers, Datatype::Email)));
    let phone = phone.or_else(|| text_of(form::first_of(definition, &answers, Datatype::Phone)));
    if email.is_none() && phone.is_none() {
        errors.push("email or phone is required, to reach the reporter".into());
    }
    if errors.len() > before {
        return None;
    }
    let name = [first_name, last_name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut contact = Map::new();
    if !name.is_empty() {
        contact.insert("name".into(), json!(name));
    }
    if let Some(email) = email {
        contact.insert("email".into(), json!(email));
    }
    if let Some(phone) = phone {
        contact.insert("phone".into(), json!(phone));
    }
    let location = (lat.is_some() || address.is_some()).then(|| Location {
        lat,
        long,
        address: address.clone(),
    });
    Some(Filing {
        answers: raw,
        location,
        contact: Json::Object(contact),
        description,
        address_id,
        device_id,
        client_account,
        media_url,
    })
}

fn text_of(value: Option<Json>) -> Option<String> {
    value.and_then(|v| v.as_str().map(str::to_owned))
}

/// The optional parameter `name`, at most `max` characters (an error otherwise).
fn short(params: &Params, name: &str, max: usize, errors: &mut Vec<String>) -> Option<String> {
    let value = params.get(name)?;
    if value.chars().count() > max {
        errors.push(format!("{name}: at most {max} characters"));
        return None;
    }
    Some(value.to_owned())
}

/// What the Open311 parameters say beyond the attributes.
struct Given<'a> {
    lat: Option<f64>,
    long: Option<f64>,
    address: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    description: Option<&'a str>,
}

/// The answers to check: the attributes (lists as arrays, a location as `{lat, long}` or
/// `{address}`), and the questions they leave unanswered filled from `given` (see the module
/// documentation). File questions answered as attributes are refused into `errors`.
fn answers_from(
    definition: &ServiceDefinition,
    attributes: &std::collections::BTreeMap<String, AttributeValue>,
    given: &Given<'_>,
    errors: &mut Vec<String>,
) -> Map<String, Json> {
    let mut answers = Map::new();
    for (code, value) in attributes {
        let field = definition.form.fields.iter().find(|f| &f.code == code);
        let answer = match (field.map(|f| f.datatype), value) {
            (Some(Datatype::File), _) => {
                errors.push(format!(
                    "attribute[{code}]: files cannot be sent through Open311 (use media_url)"
                ));
                continue;
            }
            (Some(Datatype::Location), AttributeValue::One(text)) => location_of(text),
            (_, AttributeValue::One(text)) => json!(text),
            (_, AttributeValue::Many(values)) => json!(values),
        };
        answers.insert(code.clone(), answer);
    }
    for field in &definition.form.fields {
        if answers.contains_key(&field.code) {
            continue;
        }
        let filled = match field.datatype {
            Datatype::Location => {
                let mut location = Map::new();
                if let (Some(lat), Some(long)) = (given.lat, given.long) {
                    location.insert("lat".into(), json!(lat));
                    location.insert("long".into(), json!(long));
                }
                if let Some(address) = given.address {
                    location.insert("address".into(), json!(address));
                }
                (!location.is_empty()).then_some(Json::Object(location))
            }
            Datatype::Email => given.email.map(|e| json!(e)),
            Datatype::Phone => given.phone.map(|p| json!(p)),
            _ if field.code == "description" => given.description.map(|d| json!(d)),
            _ => None,
        };
        if let Some(value) = filled {
            answers.insert(field.code.clone(), value);
        }
    }
    answers
}

/// A location attribute: `latitude,longitude` as coordinates, anything else as an address.
fn location_of(text: &str) -> Json {
    let numbers: Option<Vec<f64>> = text
        .split(',')
        .map(|part| part.trim().parse::<f64>().ok())
        .collect();
    match numbers.as_deref() {
        Some([lat, long]) => json!({"lat": lat, "long": long}),
        _ => json!({ "address": text }),
    }
}

/// A form error as an Open311 description, named as the app sent it: `answers.size` →
/// `attribute[size]`.
fn describe(error: &FieldError) -> String {
    let name = match error.field.as_deref() {
        None => return error.message.clone(),
        Some(field) => match field.strip_prefix("answers.") {
            Some(rest) => {
                let (code, member) = rest.split_once('.').unwrap_or((rest, ""));
                if member.is_empty() {
                    format!("attribute[{code}]")
                } else {
                    format!("attribute[{code}].{member}")
                }
            }
            None => match field {
                "location.lat" => "lat".to_owned(),
                "location.long" => "long".to_owned(),
                "location.address" => "address_string".to_owned(),
                "contact.email" => "email".to_owned(),
                "contact.phone" => "phone".to_owned(),
                "contact.name" => "first_name and last_name".to_owned(),
                "contact" => "email or phone".to_owned(),
                other => other.to_owned(),
            },
        },
    };
    format!("{name}: {}", error.message)
}

/// A refusal of [`filing::file_from_json`] (after this module's own checks passed, only
/// what they do not cover), said the Open311 way: every field error as a 400 entry.
fn refusal_of_filing(error: ApiError) -> Refusal {
    match error {
        ApiError::BadRequest { errors } | ApiError::Conflict { errors } => {
            Refusal::bad(errors.iter().map(describe).collect())
        }
        ApiError::Unauthorized { message, .. } => Refusal::one(400, message),
        other => Refusal::from(other),
    }
}

/// `GET tokens/{token}.{fmt}`: `[{service_request_id, token}]`, 404 for an unknown token.
pub fn token(call: &Call<'_>, token: &str) -> Result<Response, Refusal> {
    let conn = call.ctx.conn();
    let reference = open311::token_reference(conn, &call.info.commune, token)?
        .ok_or_else(|| Refusal::one(404, "no such token"))?;
    let answer = Node::List(vec![Node::Object(vec![
        ("service_request_id", Node::Text(reference)),
        ("token", Node::Text(token.to_owned())),
    ])]);
    Ok(render::document(
        call.format,
        200,
        "service_requests",
        &answer,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> ServiceDefinition {
        let value = json!({
            "code": "pothole", "group": "roads", "name": {"fr": "Nid", "en": "Pothole"},
            "description": {"fr": "", "en": ""}, "department": "roads", "channel": "online",
            "anonymous": true, "open311_type": "realtime", "processing_days": 5,
            "retention_days": 365,
            "form": {"fields": [
                {"code": "location", "order": 1, "required": true, "datatype": "location",
                 "label": {"fr": "Lieu", "en": "Place"}},
                {"code": "size", "order": 2, "required": true, "datatype": "singlevaluelist",
                 "label": {"fr": "Taille", "en": "Size"},
                 "rules": {"values": [{"key": "small", "name": {"fr": "P", "en": "S"}}]}},
                {"code": "photo", "order": 3, "datatype": "file", "label": {"fr": "P", "en": "P"}},
                {"code": "email", "order": 4, "required": true, "datatype": "email",
                 "label": {"fr": "E", "en": "E"}}
            ]},
            "workflow": {"initial": "new", "states": [{"code": "new", "open": true,
                "label": {"fr": "N", "en": "N"}}], "transitions": []}
        });
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    fn given<'a>() -> Given<'a> {
        Given {
            lat: Some(48.5),
            long: Some(2.25),
            address: None,
            email: Some("a@example.org"),
            phone: None,
            description: None,
        }
    }

    #[test]
    fn unanswered_location_and_email_questions_are_filled_from_open311_parameters() {
        let mut errors = Vec::new();
        let attributes = Params::parse("attribute[size]=small").attributes();
        let answers = answers_from(&definition(), &attributes, &given(), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            Json::Object(answers),
            json!({"size": "small", "location": {"lat": 48.5, "long": 2.25}, "email": "a@example.org"})
        );
    }

    #[test]
    fn a_location_attribute_is_coordinates_or_an_address_and_files_are_refused() {
        let mut errors = Vec::new();
        let attributes =
            Params::parse("attribute[location]=48.1,+2.2&attribute[photo]=http://x/y.jpg")
                .attributes();
        let answers = answers_from(&definition(), &attributes, &given(), &mut errors);
        assert_eq!(answers["location"], json!({"lat": 48.1, "long": 2.2}));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("attribute[photo]:"), "{errors:?}");
        assert_eq!(
            location_of("1 rue de la Paix"),
            json!({"address": "1 rue de la Paix"})
        );
    }

    #[test]
    fn form_errors_are_named_as_the_app_sent_them() {
        let error = FieldError::new("answers.size", "not_in_list", "is not one of the choices");
        assert_eq!(
            describe(&error),
            "attribute[size]: is not one of the choices"
        );
        let error = FieldError::new("answers.location.lat", "out_of_range", "too far");
        assert_eq!(describe(&error), "attribute[location].lat: too far");
        assert_eq!(
            describe(&FieldError::new("lat", "x", "must be a number")),
            "lat: must be a number"
        );
    }

    #[test]
    fn only_anonymous_online_services_can_be_filed_by_an_app() {
        let mut definition = definition();
        assert_eq!(not_fileable(&definition), None);
        definition.anonymous = false;
        assert!(not_fileable(&definition).is_some_and(|m| m.contains("signed in")));
        definition.anonymous = true;
        definition.channel = ServiceChannel::CounterOnly;
        assert!(not_fileable(&definition).is_some_and(|m| m.contains("counter")));
    }
}
