//! Phone numbers people give to be told by SMS: one parser for requests (filing, following)
//! and notifications (sending), so that what one accepts the other can send, and one setting
//! for where the commune sends SMS.
//!
//! [`PhoneNumber::parse`] takes a number as people write it (`06 12 34 56 78`,
//! `+33 6 12 34 56 78`, `0033 612345678`; spaces, dots, dashes and brackets between digits)
//! and gives its E.164 form (`+33612345678`) and its country. A number without `+` or `00` is
//! French (the national `0` dropped). The country comes from a small table of calling codes
//! (France, its overseas départements and collectivités, and France's neighbours); any other
//! calling code is of an unknown country, which only `*` allows.
//!
//! [`SmsCountries`]: where SMS may go, the Spin variable `sms_allowed_countries` (ISO 3166
//! codes separated by commas, `*` for anywhere; default [`DEFAULT_SMS_COUNTRIES`]: France and
//! the overseas départements and collectivités that share its calling plan or have their own
//! French operators). A paid SMS sent in the commune's name to a premium number abroad costs
//! the commune; refusing other countries stops that abuse.
//!
//! This is the one phone rule: filing (contact and form phone questions), Open311 `phone`,
//! following a request, counter filing, identity's profile and notifications' SMS all parse
//! with it and keep the E.164 form. A refused number has one code, [`INVALID_PHONE`]; a number
//! SMS may not go to, [`COUNTRY_NOT_ALLOWED`].

use std::fmt;

use crate::FieldError;

/// The code of every refused phone number.
pub const INVALID_PHONE: &str = "invalid_phone";
/// The code of a number outside the countries SMS may go to.
pub const COUNTRY_NOT_ALLOWED: &str = "country_not_allowed";

/// Where SMS may go when `sms_allowed_countries` is not set.
pub const DEFAULT_SMS_COUNTRIES: &str = "FR,GP,MQ,GF,RE,YT,PM,BL,MF";
/// The Spin variable that lists the countries SMS may go to.
pub const SMS_COUNTRIES_VARIABLE: &str = "sms_allowed_countries";
/// The country of a calling code missing from the table.
pub const UNKNOWN_COUNTRY: &str = "ZZ";

/// Calling codes and their countries, longest prefixes first where they overlap (Mayotte's
/// ranges inside +262).
const CALLING_CODES: &[(&str, &[&str])] = &[
    ("262269", &["YT"]),
    ("262639", &["YT"]),
    ("262", &["RE"]),
    ("590", &["GP", "BL", "MF"]),
    ("594", &["GF"]),
    ("596", &["MQ"]),
    ("508", &["PM"]),
    ("687", &["NC"]),
    ("689", &["PF"]),
    ("681", &["WF"]),
    ("377", &["MC"]),
    ("376", &["AD"]),
    ("352", &["LU"]),
    ("351", &["PT"]),
    ("353", &["IE"]),
    ("33", &["FR"]),
    ("32", &["BE"]),
    ("41", &["CH"]),
    ("49", &["DE"]),
    ("34", &["ES"]),
    ("39", &["IT"]),
    ("44", &["GB"]),
    ("31", &["NL"]),
    ("43", &["AT"]),
    ("1", &["US", "CA"]),
];

/// A phone number in E.164 form with its country; only [`PhoneNumber::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    e164: String,
    countries: &'static [&'static str],
}

/// Why a text is not a phone number: other characters, fewer than 8 or more than 15 digits,
/// no `+`/`00` and not a 10-digit French number, or a French number that is not 9 digits
/// after `+33`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be a phone number: +, the country code and the number, or a French number \
     (06 12 34 56 78)"
)]
pub struct PhoneError;

impl PhoneError {
    /// The refusal as a field error at `field`, with the one code [`INVALID_PHONE`].
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, INVALID_PHONE, self.to_string())
    }
}

impl PhoneNumber {
    /// The number `text` (see the module documentation and [`PhoneError`]).
    pub fn parse(text: &str) -> Result<PhoneNumber, PhoneError> {
        Self::read(text).ok_or(PhoneError)
    }

    fn read(text: &str) -> Option<PhoneNumber> {
        let text = text.trim();
        if text.len() > 32 {
            return None;
        }
        let (plus, body) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if !body.starts_with(|c: char| c.is_ascii_digit() || c == '(')
            || !body
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
        {
            return None;
        }
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if digits.len() == 10 && digits.starts_with('0') {
            format!("33{}", &digits[1..])
        } else {
            return None;
        };
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return None;
        }
        if let Some(national) = international.strip_prefix("33") {
            if national.len() != 9 || national.starts_with('0') {
                return None;
            }
        }
        let countries = CALLING_CODES
            .iter()
            .find(|(code, _)| international.starts_with(code))
            .map_or(&[UNKNOWN_COUNTRY][..], |(_, countries)| countries);
        Some(PhoneNumber {
            e164: format!("+{international}"),
            countries,
        })
    }

    /// `+` and the digits (`+33612345678`).
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The ISO 3166 codes of the countries sharing the number's calling code (`["FR"]`,
    /// `["US","CA"]`), or `["ZZ"]` for a code missing from the table.
    pub fn countries(&self) -> &'static [&'static str] {
        self.countries
    }
}

impl TryFrom<&str> for PhoneNumber {
    type Error = PhoneError;

    fn try_from(text: &str) -> Result<Self, PhoneError> {
        PhoneNumber::parse(text)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

/// The countries SMS may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsCountries {
    any: bool,
    codes: Vec<String>,
}

impl SmsCountries {
    /// A list such as `FR, GP,re` (case and spaces ignored) or `*`. Empty means the default.
    pub fn parse(setting: &str) -> SmsCountries {
        let setting = if setting.trim().is_empty() {
            DEFAULT_SMS_COUNTRIES
        } else {
            setting
        };
        let codes: Vec<String> = setting
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect();
        SmsCountries {
            any: codes.iter().any(|c| c == "*"),
            codes,
        }
    }

    /// The `sms_allowed_countries` variable of the running component (the default when it
    /// is unset or unreadable).
    pub fn from_variables() -> SmsCountries {
        SmsCountries::parse(&spin_sdk::variables::get(SMS_COUNTRIES_VARIABLE).unwrap_or_default())
    }

    /// The refusal, at `field`, of a number SMS may not go to (code [`COUNTRY_NOT_ALLOWED`]).
    pub fn refusal(field: impl Into<String>) -> FieldError {
        FieldError::new(
            field,
            COUNTRY_NOT_ALLOWED,
            "the town hall does not send SMS to this country: give another number or an \
             e-mail address",
        )
    }

    /// Whether an SMS may go to `number`.
    pub fn allow(&self, number: &PhoneNumber) -> bool {
        self.any
            || number.countries().iter().any(|country| {
                *country != UNKNOWN_COUNTRY && self.codes.iter().any(|c| c == country)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(text: &str) -> Option<String> {
        PhoneNumber::parse(text).ok().map(|n| n.e164().to_owned())
    }

    #[test]
    fn numbers_as_people_write_them_become_e164() {
        assert_eq!(e164("06 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(e164("06.12.34.56.78").as_deref(), Some("+33612345678"));
        assert_eq!(
            e164("+33 (0)6 12 34 56 78"),
            None,
            "the national 0 after +33 is not a number"
        );
        assert_eq!(e164("0033 6 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(e164("+41 79 123 45 67").as_deref(), Some("+41791234567"));
        assert_eq!(e164("+1 (900) 555-0199").as_deref(), Some("+19005550199"));
        assert_eq!(e164(" 01-23-45-67-89 ").as_deref(), Some("+33123456789"));
        assert_eq!(e164("+590 690 12 34 56").as_deref(), Some("+590690123456"));
    }

    #[test]
    fn every_refusal_has_the_one_code() {
        let error = PhoneNumber::try_from("call me")
            .expect_err("refused")
            .at("phone");
        assert_eq!(
            (error.field.as_deref(), error.code.as_str()),
            (Some("phone"), INVALID_PHONE)
        );
        assert_eq!(SmsCountries::refusal("to").code, COUNTRY_NOT_ALLOWED);
    }

    #[test]
    fn what_is_not_a_number_is_refused() {
        for bad in [
            "",
            "12345",
            "112233",
            "call me",
            "+",
            "+33 6 12 AB",
            "+33 6 12 34 56 78 9",
            "(555) 123-4567",
            "+1234567890123456",
            "06 12 34 56 78\nBcc",
            "-0612345678",
            "06 12 34 56 7",
            "+33 6 12 34 56 78 ext 2",
            "(01) 23 45 67 89 00",
        ] {
            assert_eq!(e164(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn countries_come_from_the_calling_code_longest_prefix_first() {
        let countries = |t: &str| PhoneNumber::parse(t).ok().map(|n| n.countries().to_vec());
        assert_eq!(countries("+33612345678"), Some(vec!["FR"]));
        assert_eq!(countries("+262692123456"), Some(vec!["RE"]));
        assert_eq!(countries("+262639123456"), Some(vec!["YT"]));
        assert_eq!(countries("+447700900123"), Some(vec!["GB"]));
        assert_eq!(countries("+8613812345678"), Some(vec!["ZZ"]));
    }

    #[test]
    fn only_the_allowed_countries_get_sms_and_star_allows_any() {
        let number = |t: &str| PhoneNumber::parse(t).expect("a number");
        let default = SmsCountries::parse("");
        assert!(default.allow(&number("0612345678")));
        assert!(default.allow(&number("+596696123456")));
        assert!(!default.allow(&number("+19005550199")));
        assert!(!default.allow(&number("+447700900123")));
        let some = SmsCountries::parse(" fr , be");
        assert!(some.allow(&number("+32470123456")));
        assert!(!some.allow(&number("+596696123456")));
        assert!(!some.allow(&number("+8613812345678")));
        assert!(!SmsCountries::parse("ZZ").allow(&number("+8613812345678")));
        assert!(SmsCountries::parse("*").allow(&number("+8613812345678")));
    }
}
