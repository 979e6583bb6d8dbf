//! `POST /api/requests/{ref}/follow`: "already reported: follow it instead". A signed-in
//! citizen follows with their account (`account:<id>`), anyone else with a way to be reached
//! (`{"contact": {"email"|"phone", "notify"?}}`, `email:<address>` or `phone:<number>`). The
//! row's `contact` is what [`crate::calls::events`] puts in the `recipients` of every later event of
//! the request: `{"email"?, "phone"?, "notify"}`, plus `"account_id"` for an account (whose
//! address notifications looks up when the contact has none).
//!
//! Only requests of services that may be filed anonymously (reports on the public space, the
//! ones [`super::similar`] offers) can be followed; any other is "not found" to strangers.
//! Following a merged request follows the original. Following twice is harmless (200).
//!
//! References are sequential, so anyone could subscribe strangers' addresses to every
//! report: a contact without an account is unverified (see [`crate::http::contacts`]) and gets one
//! message, the receipt of the follow with its confirmation link (a `followed` event to it
//! alone), and updates only once confirmed; follows are limited per client address and per
//! follower ([`crate::http::limits`]), and a request's followers and a contact's follows are capped.

use guichet_guest::db;
use guichet_guest::{response, ApiError, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use guichet_guest::contact::{Contact, ContactError, Notify};
use guichet_guest::email::EmailAddress;
use guichet_guest::phone::{PhoneNumber, SmsCountries};

use crate::calls::events;
use crate::http::caller::Caller;
use crate::http::workflow::{changes, input, service_of};
use crate::http::limits;
use crate::store::record::{self, Record};
use crate::store::{self, followers};
use crate::Ctx;

pub async fn follow(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = Caller::of(req, commune)?;
    let body = input::object(req, &["contact"])?;
    let contact = match body.get("contact") {
        None | Some(Json::Null) => None,
        Some(value) => Some(read_contact(value, &SmsCountries::from_variables())?),
    };
    let conn = ctx.conn();
    let mut record = record::load(conn, commune, reference)?.ok_or(ApiError::NotFound)?;
    if let Some(original) = record.merged_into.clone() {
        record = record::load_by_id(conn, commune, &original)?.ok_or(ApiError::NotFound)?;
    }
    let owner = caller.account().is_some() && caller.account() == record.account_id.as_deref();
    if !owner
        && !service_of(conn, commune, &record)
            .await?
            .definition
            .anonymous
    {
        return Err(ApiError::NotFound);
    }
    let (follower, contact) = match (caller.account(), contact) {
        (Some(account), contact) => {
            let mut contact = contact.unwrap_or_default();
            contact.insert("account_id".into(), json!(account));
            contact.entry("notify").or_insert_with(|| json!("email"));
            (format!("account:{account}"), contact)
        }
        (None, Some(mut contact)) => {
            contact.insert(crate::store::contacts::UNVERIFIED.into(), json!(true));
            (key_of(&contact), contact)
        }
        (None, None) => {
            return Err(ApiError::field(
                "contact",
                "required",
                "give an e-mail address or a phone number to be told of updates",
            ));
        }
    };
    if owner {
        return Ok(answer(200, &record));
    }
    limits::follow(conn, commune, req, &follower)?;
    if followers::follows(conn, commune, &record.id, &follower)? {
        return Ok(answer(200, &record));
    }
    limits::cap(
        followers::count_of_request(conn, commune, &record.id)?,
        "followers_request",
        "too_many_followers",
        "this request has as many followers as it may have",
    )?;
    limits::cap(
        followers::count_of_follower(conn, commune, &follower)?,
        "followers_contact",
        "following_too_many",
        "this contact already follows as many requests as it may",
    )?;
    let unverified = crate::store::contacts::is_unverified(&Json::Object(contact.clone()));
    let (added, event) = db::transaction(conn, |conn| {
        let (_, now) = db::new_id_and_now(conn)?;
        followers::add(
            conn,
            commune,
            &record.id,
            &follower,
            &Json::Object(contact.clone()),
            &now,
        )?;
        let added = changes(conn)?;
        if added == 0 || !unverified {
            return Ok((added, None));
        }
        // The follower's receipt, to them alone, with the link that confirms their contact.
        let token = store::contacts::issue(conn, commune, &record.id, Some(&follower))?;
        let mut to = events::recipient(&Json::Object(contact.clone()));
        to.confirm_token = Some(token);
        let id = events::emit_to(conn, ctx.served(), &record, vec![to], |about| {
            events::about_request!(Followed, about, {})
        })?;
        Ok((added, Some(id)))
    })?;
    if let Some(id) = event {
        events::deliver(conn, commune, &[id]).await;
    }
    Ok(answer(if added > 0 { 201 } else { 200 }, &record))
}

fn answer(status: u16, record: &Record) -> Response {
    response::json(
        status,
        &json!({"reference": record.reference, "following": true}),
    )
}

/// The follower key of an anonymous contact: its e-mail address, else its phone number.
fn key_of(contact: &Map<String, Json>) -> String {
    match (
        contact.get("email").and_then(Json::as_str),
        contact.get("phone").and_then(Json::as_str),
    ) {
        (Some(email), _) => format!("email:{}", email.to_lowercase()),
        (None, Some(phone)) => format!("phone:{phone}"),
        (None, None) => "none".to_owned(),
    }
}

/// `{"email"?, "phone"?, "notify"?}` with at least one way to be reached; `notify` (`email`,
/// `sms`, `none`) defaults to e-mail when there is an address, else SMS.
pub fn read_contact(value: &Json, countries: &SmsCountries) -> Result<Map<String, Json>, ApiError> {
    let Json::Object(map) = value else {
        return Err(ApiError::field(
            "contact",
            "not_an_object",
            "contact must be an object",
        ));
    };
    let mut errors = Vec::new();
    for key in map
        .keys()
        .filter(|k| !["email", "phone", "notify", "lang"].contains(&k.as_str()))
    {
        errors.push(FieldError::new(
            format!("contact.{key}"),
            "unknown_field",
            format!("{key} is not a member of contact"),
        ));
    }
    let text = |name: &str, errors: &mut Vec<FieldError>| match map.get(name) {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.trim().to_owned()),
        Some(_) => {
            errors.push(FieldError::new(
                format!("contact.{name}"),
                "not_a_string",
                format!("{name} must be a string"),
            ));
            None
        }
    };
    let email = text("email", &mut errors);
    let phone = text("phone", &mut errors);
    let notify = text("notify", &mut errors);
    let lang = text("lang", &mut errors);
    if lang.as_deref().is_some_and(|l| !matches!(l, "fr" | "en")) {
        errors.push(FieldError::new(
            "contact.lang",
            "invalid",
            "lang must be fr or en",
        ));
    }
    if email.is_none() && phone.is_none() {
        errors.push(FieldError::new(
            "contact",
            "required",
            "give an e-mail address or a phone number",
        ));
    }
    // The one e-mail and phone rules, with their codes, as at filing.
    let email = email
        .map(|e| EmailAddress::parse(&e).map_err(|e| errors.push(e.at("contact.email"))))
        .and_then(Result::ok);
    let unreadable = phone
        .as_deref()
        .is_some_and(|p| PhoneNumber::parse(p).is_err());
    let phone = phone
        .map(|p| PhoneNumber::parse(&p).map_err(|e| errors.push(e.at("contact.phone"))))
        .and_then(Result::ok);
    let chosen = match notify.as_deref().map(|n| (n, Notify::parse(n))) {
        None => None,
        Some((_, Some(chosen))) => Some(chosen),
        Some((_, None)) => {
            errors.push(FieldError::new(
                "contact.notify",
                "invalid",
                "notify must be email, sms or none",
            ));
            Some(Notify::None)
        }
    };
    let checked = Contact::new(email, phone, chosen);
    match &checked {
        // A number given but unreadable is already reported at contact.phone.
        Err(ContactError::RequiresPhone) if unreadable => {}
        Err(e) => errors.push(e.at("contact.notify")),
        Ok(c) if c.notify() == Notify::Sms && c.phone().is_some_and(|n| !countries.allow(n)) => {
            errors.push(SmsCountries::refusal("contact.phone"));
        }
        Ok(_) => {}
    }
    input::finish(errors)?;
    let checked = checked.map_err(|e| e.at("contact.notify"))?;
    let mut contact = Map::new();
    if let Some(email) = checked.email() {
        contact.insert("email".into(), json!(email.as_str()));
    }
    if let Some(phone) = checked.phone() {
        contact.insert("phone".into(), json!(phone.e164()));
    }
    if let Some(lang) = lang {
        contact.insert("lang".into(), json!(lang));
    }
    contact.insert("notify".into(), json!(checked.notify().as_str()));
    Ok(contact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(value: Json) -> Vec<String> {
        match read_contact(&value, &SmsCountries::parse("")) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .errors()
                .into_iter()
                .map(|e| format!("{}:{}", e.field.unwrap_or_default(), e.code))
                .collect(),
        }
    }

    #[test]
    fn an_address_alone_is_notified_by_email_and_a_phone_alone_by_sms() {
        assert_eq!(
            read_contact(&json!({"email": "a@b.fr"}), &SmsCountries::parse(""))
                .ok()
                .map(Json::Object),
            Some(json!({"email": "a@b.fr", "notify": "email"}))
        );
        assert_eq!(
            read_contact(
                &json!({"phone": "+33 6 12 34 56 78"}),
                &SmsCountries::parse("")
            )
            .ok()
            .map(Json::Object),
            Some(json!({"phone": "+33612345678", "notify": "sms"}))
        );
    }

    #[test]
    fn a_contact_without_a_way_to_be_reached_or_with_bad_values_is_refused_field_by_field() {
        assert_eq!(codes(json!({})), ["contact:required"]);
        assert_eq!(
            codes(json!({"email": "nope", "phone": "12", "notify": "pigeon", "x": 1})),
            [
                "contact.x:unknown_field",
                "contact.email:invalid_email",
                "contact.phone:invalid_phone",
                "contact.notify:invalid"
            ]
        );
        assert_eq!(
            codes(json!({"phone": "+1 900 555 0199", "notify": "sms"})),
            ["contact.phone:country_not_allowed"]
        );
        assert_eq!(
            codes(json!({"phone": "0612345678", "notify": "email"})),
            ["contact.notify:requires_email"]
        );
    }
}
