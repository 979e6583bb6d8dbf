//! Filing a request: `POST /api/requests`, and the same filing for the other channels.
//!
//! Other channels (counter and phone, Open311) file with:
//!
//! ```ignore
//! pub async fn file_from_json(
//!     conn: &Connection,
//!     commune: &Commune,
//!     caller: &Caller,
//!     body: &Json,              // the POST /api/requests body (members below)
//!     channel: Channel,
//!     filed_by: Option<String>, // the agent filing for someone: then no account is linked
//!     actor: Actor,             // written in the `filed` timeline entry
//!     within: impl FnOnce(&Connection, &Record) -> anyhow::Result<()>, // in the transaction
//! ) -> Result<(Record, TrackingCode), ApiError>
//! ```
//!
//! The steps are public too, for channels that need their own answer or transaction:
//! `validate(conn, commune, caller, body, channel, by_agent: bool) -> Result<Valid, ApiError>`
//! (async), `write(conn, commune, &Valid, channel, filed_by, actor, within: impl
//! FnOnce(&Connection, &Filed, &[Json]) -> anyhow::Result<()>) -> anyhow::Result<Filed>`
//! (then deliver `filed.event_id`), `created_body(&Valid, &Filed, &[Json]) -> Json` (the 201).
//!
//! Validation first (every error at once, nothing written), then one transaction (the request
//! with its reference, `filed` entry and `request-filed` event, its attachments, what `within`
//! writes), then delivery of the event after the commit.
//!
//! Body: `{"service_code", "description"?, "answers"?: {code: answer}, "location"?: {"lat",
//! "long","address"}, "contact"?: {"name","email","phone","notify"}, "lang"?, "attachments"?:
//! [{"name","content_type","data_base64"}], "publish"?: bool}`. `publish: true` is the filer's
//! consent to Open311 publishing the report (description, address, coordinates); only for
//! services open to anonymous reports, default false (Open311 filings are always published). The contact and the form share what they both
//! ask: a location, e-mail or phone given once fills the other (a form's `location`
//! question takes the body's `location`, the contact's e-mail fills a form's e-mail question
//! and back).

use guichet_guest::contact::{Contact, ContactError, Notify};
use guichet_guest::db::{self, Connection};
use guichet_guest::email::EmailAddress;
use guichet_guest::phone::{PhoneNumber, SmsCountries};
use guichet_guest::service::{Channel as ServiceChannel, Datatype};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::text::{self, Lines};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use crate::calls::catalog::{self, Service};
use crate::calls::events;
use crate::domain::form;
use crate::domain::reference::TrackingCode;
use crate::http::attachments::{self, Checked};
use crate::http::caller::Caller;
use crate::http::idempotency::{self, Key, Once};
use crate::http::limits;
use crate::store::record::{self, Channel, Filed, Location, NewRequest, Record};
use crate::store::timeline::Actor;
use crate::store::tracking;
use crate::Ctx;

/// Longest description.
const DESCRIPTION_MAX: usize = 5_000;
/// Longest contact name.
const NAME_MAX: usize = 200;

/// The members of the body other than `answers` and `attachments` (checked by [`form`] and
/// [`attachments`]).
const BODY: Shape = Shape::Object(&[
    Member::required("service_code", Shape::Text),
    Member::nullable("description", Shape::Text),
    Member::nullable("lang", Shape::OneOf(&["fr", "en"])),
    Member::nullable("publish", Shape::Bool),
    Member::nullable(
        "contact",
        Shape::Object(&[
            Member::nullable("name", Shape::Text),
            Member::nullable("email", Shape::Text),
            Member::nullable("phone", Shape::Text),
            Member::nullable("notify", Shape::OneOf(&["email", "sms", "none"])),
        ]),
    ),
]);

/// A filing that passed every check, ready to write.
pub struct Valid {
    pub service: Service,
    pub account: Option<String>,
    pub contact: Json,
    pub description: String,
    pub answers: Map<String, Json>,
    pub location: Option<Location>,
    pub lang: String,
    pub attachments: Vec<Checked>,
    /// Whether Open311 may publish it (see the module documentation).
    pub publish: bool,
}

/// `POST /api/requests`: 201 with the reference and tracking code (see the module docs).
pub async fn file(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = Caller::of(req, commune)?;
    let key = idempotency::header(req)?;
    let body = body::json(req, attachments::MAX_BODY)?;
    let conn = ctx.conn();
    // A signed-in caller's retry is answered before anything is checked again (the service
    // may have been archived since the first answer).
    if let (Some(key), Some(account)) = (&key, caller.account()) {
        let early = Key {
            caller: idempotency::owner(Some(account), &Json::Null),
            key: key.clone(),
            fingerprint: idempotency::fingerprint(req.body()),
        };
        if let Some(replay) = idempotency::replay(conn, commune, &early)? {
            return Ok(replay);
        }
    }
    let valid = validate(conn, commune, &caller, &body, Channel::Web, false).await?;
    let key = key.map(|key| Key {
        caller: idempotency::owner(valid.account.as_deref(), &valid.contact),
        key,
        fingerprint: idempotency::fingerprint(req.body()),
    });
    if let Some(key) = &key {
        if let Some(replay) = idempotency::replay(conn, commune, key)? {
            return Ok(replay);
        }
    }
    // Counted once the filing is valid and not a replay (mistakes and retries cost nothing), before anything is written
    // or sent: each filing sends a message in the commune's name to its contact.
    limits::filing(conn, commune, req, valid.account.as_deref(), &valid.contact)?;
    let actor = Actor {
        kind: caller.actor_kind(),
        id: caller.account().map(str::to_owned),
    };
    let mut answer = Json::Null;
    let written = idempotency::once(conn, commune, key.as_ref(), || async {
        write(
            conn,
            ctx.served(),
            &valid,
            Channel::Web,
            None,
            actor,
            |conn, filed, files| {
                answer = created_body(&valid, filed, files);
                idempotency::remember(conn, commune, key.as_ref(), 201, &answer)
            },
        )
        .map_err(ApiError::from)
    })
    .await?;
    Ok(created(conn, commune, written, &answer).await)
}

/// The answer to a filing made once (its events delivered, `201` with its `Location`), or the
/// stored answer of the filing an idempotency key already made.
pub async fn created(
    conn: &Connection,
    commune: &Commune,
    written: Once<Filed>,
    answer: &Json,
) -> Response {
    let filed = match written {
        Once::Written(filed) => filed,
        Once::Stored(status, body) => return idempotency::respond(status, &body),
    };
    events::deliver(conn, commune, std::slice::from_ref(&filed.event_id)).await;
    let mut reply = response::json(201, answer);
    reply.set_header(
        "location",
        format!("/api/requests/{}", filed.record.reference),
    );
    reply
}

/// Files `body` for another channel (see the module documentation).
#[allow(
    clippy::too_many_arguments,
    reason = "the signature other channels were given"
)]
pub async fn file_from_json(
    conn: &Connection,
    served: &CommuneInfo,
    caller: &Caller,
    body: &Json,
    channel: Channel,
    filed_by: Option<String>,
    actor: Actor,
    within: impl FnOnce(&Connection, &Record) -> anyhow::Result<()>,
) -> Result<(Record, TrackingCode), ApiError> {
    let commune = &served.commune;
    let valid = validate(conn, commune, caller, body, channel, filed_by.is_some()).await?;
    let filed = write(
        conn,
        served,
        &valid,
        channel,
        filed_by,
        actor,
        |conn, filed, _| within(conn, &filed.record),
    )?;
    events::deliver(conn, commune, std::slice::from_ref(&filed.event_id)).await;
    Ok((filed.record, filed.tracking_code))
}

/// The 201 body of a filing.
pub fn created_body(valid: &Valid, filed: &Filed, files: &[Json]) -> Json {
    let record = &filed.record;
    let label = valid
        .service
        .definition
        .workflow
        .states
        .iter()
        .find(|s| s.code == record.state)
        .map(|s| json!({"fr": s.label.fr, "en": s.label.en}));
    json!({
        "id": record.id,
        "reference": record.reference,
        "tracking_code": filed.tracking_code.reveal(),
        "service_code": record.service_code,
        "service_name": record.service_name,
        "state": record.state,
        "state_label": label,
        "open": record.is_open,
        "expected_on": record.expected_on,
        "created_at": record.created_at,
        "attachments": files,
    })
}

/// Checks a filing body: every error at once (400), or 401 `missing_token` when an
/// anonymous caller files for a service that needs an account. `by_agent`: an agent files
/// for someone (no account linked, no way to be reached required, counter-only services
/// allowed).
pub async fn validate(
    conn: &Connection,
    commune: &Commune,
    caller: &Caller,
    body: &Json,
    channel: Channel,
    by_agent: bool,
) -> Result<Valid, ApiError> {
    let Some(object) = body.as_object() else {
        return Err(ApiError::field(
            "body",
            "invalid_type",
            "must be a JSON object",
        ));
    };
    let mut errors = Vec::new();
    let mut rest = object.clone();
    let raw_answers = rest.remove("answers");
    let raw_attachments = rest.remove("attachments");
    let raw_location = rest.remove("location");
    shape::check(&Json::Object(rest), &BODY, "", &mut errors);

    let code = object
        .get("service_code")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let service = if code.is_empty() {
        None
    } else {
        match catalog::service(conn, commune, code, None).await? {
            Some(service) if service.is_open_for_filing() => Some(service),
            _ => {
                errors.push(FieldError::new(
                    "service_code",
                    "unknown_service",
                    "no published service has this code",
                ));
                None
            }
        }
    };
    if let Some(service) = &service {
        if !by_agent && caller.account().is_none() && !service.definition.anonymous {
            return Err(ApiError::Unauthorized {
                code: "missing_token",
                message: "sign in to file a request for this service",
            });
        }
        let online = matches!(channel, Channel::Web | Channel::Open311 | Channel::Email);
        if online && service.definition.channel == ServiceChannel::CounterOnly && !by_agent {
            errors.push(FieldError::new(
                "service_code",
                "counter_only",
                "this service is only available at the town hall's counter",
            ));
        }
    }

    let consent = object.get("publish").and_then(Json::as_bool) == Some(true);
    if consent && service.as_ref().is_some_and(|s| !s.definition.anonymous) {
        errors.push(FieldError::new(
            "publish",
            "not_publishable",
            "only reports on the public space (services open to anonymous reports) are published",
        ));
    }
    let location = top_location(raw_location.as_ref(), &mut errors);
    let mut contact = contact(object.get("contact"), &mut errors);
    let description = object
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .trim();
    let description =
        text::check("description", description, Lines::Many, &mut errors).unwrap_or_default();
    if description.chars().count() > DESCRIPTION_MAX {
        errors.push(FieldError::new(
            "description",
            "too_long",
            format!("must be at most {DESCRIPTION_MAX} characters"),
        ));
    }
    let lang = object
        .get("lang")
        .and_then(Json::as_str)
        .filter(|l| matches!(*l, "fr" | "en"))
        .unwrap_or("fr")
        .to_owned();

    let files = match raw_attachments {
        None | Some(Json::Null) => Vec::new(),
        Some(list) => match attachments::check(&list, "attachments") {
            Ok(files) => files,
            Err(mut found) => {
                errors.append(&mut found);
                Vec::new()
            }
        },
    };

    let mut answers = Map::new();
    let mut location = location;
    if let Some(service) = &service {
        let definition = &service.definition;
        let mut given = match raw_answers {
            None | Some(Json::Null) => Json::Object(Map::new()),
            Some(value) => value,
        };
        share_with_form(definition, &mut given, location.as_ref(), &contact);
        match form::check(definition, Some(&given)) {
            Ok(checked) => answers = checked,
            Err(mut found) => errors.append(&mut found),
        }
        for (field, name) in form::file_answers(definition, &answers) {
            if !files.iter().any(|f| f.name == name) && raw_attachments_ok(&errors) {
                errors.push(FieldError::new(
                    format!("answers.{field}"),
                    "unknown_attachment",
                    "must be the name of one of the attachments sent with the request",
                ));
            }
        }
        fill_contact(definition, &answers, &mut contact);
        if location.is_none() {
            location = form_location(definition, &answers);
        }
    }
    // A contact given but mistyped is already reported at `contact.email` / `contact.phone`.
    let offered = object.get("contact").is_some_and(|c| {
        ["email", "phone"].iter().any(|m| {
            c.get(*m)
                .and_then(Json::as_str)
                .is_some_and(|v| !v.trim().is_empty())
        })
    });
    let reachable = offered
        || ["email", "phone"]
            .iter()
            .any(|m| contact.get(*m).and_then(Json::as_str).is_some());
    if !by_agent && caller.account().is_none() && !reachable && service.is_some() {
        errors.push(FieldError::new(
            "contact",
            "contact_required",
            "without an account, give an e-mail address or a phone number to be kept informed",
        ));
    }
    // The members kept passed their rules already; the shared contact type says whether the
    // chosen channel has what it needs, and which channel is the default.
    let member = |name: &str| contact.get(name).and_then(Json::as_str).map(str::to_owned);
    let checked = Contact::new(
        member("email").and_then(|e| EmailAddress::parse(&e).ok()),
        member("phone").and_then(|p| PhoneNumber::parse(&p).ok()),
        member("notify").as_deref().and_then(Notify::parse),
    );
    // An address or number given but refused is already reported at its member.
    let reported = |field: &str| errors.iter().any(|e| e.field.as_deref() == Some(field));
    match checked {
        Ok(checked) => {
            contact.insert("notify".into(), json!(checked.notify().as_str()));
        }
        Err(ContactError::RequiresEmail) if reported("contact.email") => {}
        Err(ContactError::RequiresPhone) if reported("contact.phone") => {}
        Err(e) => errors.push(e.at("contact.notify")),
    }
    if contact.get("notify").and_then(Json::as_str) == Some("sms") {
        sms_allowed(&contact, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let Some(service) = service else {
        return Err(ApiError::field("service_code", "required", "is required"));
    };
    Ok(Valid {
        service,
        account: if by_agent {
            None
        } else {
            caller.account().map(str::to_owned)
        },
        contact: Json::Object(contact),
        description,
        answers,
        location,
        lang,
        attachments: files,
        publish: consent || channel == Channel::Open311,
    })
}

/// Whether the attachments themselves were fine (else a file answer naming one of them is
/// not reported twice).
fn raw_attachments_ok(errors: &[FieldError]) -> bool {
    !errors.iter().any(|e| {
        e.field
            .as_deref()
            .is_some_and(|f| f.starts_with("attachments"))
    })
}

/// Writes a checked filing in one transaction: the request (reference, `filed` entry,
/// event), its attachments, the service's state labels, then `within` (given the filing and
/// the attachments' JSON). Returns what was filed; the event is still to deliver.
pub fn write(
    conn: &Connection,
    served: &CommuneInfo,
    valid: &Valid,
    channel: Channel,
    filed_by: Option<String>,
    actor: Actor,
    within: impl FnOnce(&Connection, &Filed, &[Json]) -> anyhow::Result<()>,
) -> anyhow::Result<Filed> {
    let commune = &served.commune;
    let new = NewRequest {
        service: &valid.service,
        channel,
        account: valid.account.clone(),
        contact: valid.contact.clone(),
        description: valid.description.clone(),
        answers: valid.answers.clone(),
        location: valid.location.clone(),
        filed_by: filed_by.clone(),
        lang: valid.lang.clone(),
        actor,
        public: valid.publish,
    };
    db::transaction(conn, |conn| {
        let filed = record::insert(conn, served, &new)?;
        tracking::remember_states(conn, commune, &valid.service)?;
        let mut files = Vec::new();
        let added_by = filed_by.as_deref().or(valid.account.as_deref());
        for file in &valid.attachments {
            let id = attachments::store(
                conn,
                commune,
                &filed.record.id,
                file,
                channel.as_str(),
                added_by,
            )?;
            files.push(json!({
                "id": id, "name": file.name, "content_type": file.content_type,
                "size": file.data.len(),
            }));
        }
        within(conn, &filed, &files)?;
        // Answers kept for Idempotency-Key hold tracking codes: about one filing in 256 (a
        // random id starting `00`) drops those older than a day, without a scheduler.
        if filed.record.id.starts_with("00") {
            idempotency::purge(conn, commune)?;
        }
        Ok(filed)
    })
}

/// The body's `location`: an object, coordinates in range and both or neither, an address
/// of at most 500 characters; `None` when absent or empty.
fn top_location(value: Option<&Json>, errors: &mut Vec<FieldError>) -> Option<Location> {
    let object = match value {
        None | Some(Json::Null) => return None,
        Some(Json::Object(object)) => object,
        Some(_) => {
            errors.push(FieldError::new(
                "location",
                "invalid_type",
                "must be an object {lat, long, address}",
            ));
            return None;
        }
    };
    for key in object.keys() {
        if !matches!(key.as_str(), "lat" | "long" | "address") {
            errors.push(FieldError::new(
                format!("location.{key}"),
                "unknown_field",
                "is not a member of a location",
            ));
        }
    }
    let (lat, long) = form::coordinates(object.get("lat"), object.get("long"), "location", errors);
    let address = match object.get("address") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => {
            let s = s.trim();
            if s.chars().count() > form::ADDRESS_MAX {
                errors.push(FieldError::new(
                    "location.address",
                    "too_long",
                    format!("must be at most {} characters", form::ADDRESS_MAX),
                ));
            }
            text::check("location.address", s, Lines::One, errors).filter(|s| !s.is_empty())
        }
        Some(_) => {
            errors.push(FieldError::new(
                "location.address",
                "invalid_type",
                "must be a string",
            ));
            None
        }
    };
    (lat.is_some() || address.is_some()).then_some(Location { lat, long, address })
}

/// The body's `contact`, trimmed, blank members dropped, e-mail and phone checked.
fn contact(value: Option<&Json>, errors: &mut Vec<FieldError>) -> Map<String, Json> {
    let mut out = Map::new();
    let Some(object) = value.and_then(Json::as_object) else {
        return out; // structure errors were reported by the shape
    };
    let text = |member: &str| {
        object
            .get(member)
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if let Some(name) = text("name") {
        if name.chars().count() > NAME_MAX {
            errors.push(FieldError::new(
                "contact.name",
                "too_long",
                format!("must be at most {NAME_MAX} characters"),
            ));
        }
        if let Some(name) = text::check("contact.name", name, Lines::One, errors) {
            out.insert("name".into(), json!(name));
        }
    }
    if let Some(email) = text("email") {
        match EmailAddress::parse(email) {
            Ok(address) => {
                out.insert("email".into(), json!(address.as_str()));
            }
            Err(e) => errors.push(e.at("contact.email")),
        }
    }
    if let Some(phone) = text("phone") {
        match PhoneNumber::parse(phone) {
            Ok(number) => {
                out.insert("phone".into(), json!(number.e164()));
            }
            Err(e) => errors.push(e.at("contact.phone")),
        }
    }
    if let Some(notify) = text("notify") {
        out.insert("notify".into(), json!(notify));
    }
    out
}

/// Fills unanswered location, e-mail and phone questions of the form with what the body
/// gave elsewhere (its `location`, the contact's e-mail and phone).
fn share_with_form(
    definition: &guichet_guest::service::ServiceDefinition,
    answers: &mut Json,
    location: Option<&Location>,
    contact: &Map<String, Json>,
) {
    let Some(answers) = answers.as_object_mut() else {
        return;
    };
    for field in &definition.form.fields {
        let unanswered = match answers.get(&field.code) {
            None | Some(Json::Null) => true,
            Some(Json::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        };
        if !unanswered {
            continue;
        }
        let value = match field.datatype {
            Datatype::Location => location.map(|l| {
                let mut place = Map::new();
                if let (Some(lat), Some(long)) = (l.lat, l.long) {
                    place.insert("lat".into(), json!(lat));
                    place.insert("long".into(), json!(long));
                }
                if let Some(address) = &l.address {
                    place.insert("address".into(), json!(address));
                }
                Json::Object(place)
            }),
            Datatype::Email => contact.get("email").cloned(),
            Datatype::Phone => contact.get("phone").cloned(),
            _ => None,
        };
        if let Some(value) = value {
            answers.insert(field.code.clone(), value);
        }
    }
}

/// Takes the form's e-mail and phone answers into the contact when it has none.
fn fill_contact(
    definition: &guichet_guest::service::ServiceDefinition,
    answers: &Map<String, Json>,
    contact: &mut Map<String, Json>,
) {
    for (member, datatype) in [("email", Datatype::Email), ("phone", Datatype::Phone)] {
        if !contact.contains_key(member) {
            // Form answers passed the same e-mail and phone rules as the contact's members
            // (and are kept normalised), so they can be taken as they are.
            if let Some(value) = form::first_of(definition, answers, datatype) {
                contact.insert(member.into(), value);
            }
        }
    }
}

/// Refuses, at `contact.phone`, an SMS contact whose number is outside the countries the
/// commune sends SMS to (`sms_allowed_countries`): paid messages in the commune's name to
/// premium numbers abroad.
fn sms_allowed(contact: &Map<String, Json>, errors: &mut Vec<FieldError>) {
    let number = contact
        .get("phone")
        .and_then(Json::as_str)
        .and_then(|p| PhoneNumber::parse(p).ok());
    if number.is_some_and(|n| !SmsCountries::from_variables().allow(&n)) {
        errors.push(SmsCountries::refusal("contact.phone"));
    }
}

/// The first location answer of the form, as the request's location.
fn form_location(
    definition: &guichet_guest::service::ServiceDefinition,
    answers: &Map<String, Json>,
) -> Option<Location> {
    let place = form::first_of(definition, answers, Datatype::Location)?;
    let location = Location {
        lat: place.get("lat").and_then(Json::as_f64),
        long: place.get("long").and_then(Json::as_f64),
        address: place
            .get("address")
            .and_then(Json::as_str)
            .map(str::to_owned),
    };
    (location.lat.is_some() || location.address.is_some()).then_some(location)
}
