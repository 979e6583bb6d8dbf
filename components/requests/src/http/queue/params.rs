//! The queue's query-string parameters, checked one by one against a whitelist: every problem
//! is reported at once, field by field, and nothing unchecked reaches the SQL builder.

use guichet_guest::query::Query;
use guichet_guest::FieldError;

use crate::domain::reference::Reference;
use crate::store::queue::sql::{After, Assignee, Filters, Sort, Text};
use crate::store::record::Channel;

/// Rows per page when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 25;
/// The most rows per page.
pub const MAX_LIMIT: i64 = 100;
/// Values a list filter (`service=a,b`) may hold.
const MAX_VALUES: usize = 50;
/// Longest text query, in characters.
const MAX_TEXT: usize = 200;

/// Which endpoint the parameters are for (the export has no paging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    List,
    Export,
}

/// A checked queue query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    pub filters: Filters,
    pub sort: Sort,
    pub after: Option<After>,
    pub limit: i64,
    /// `fr` or `en`: the language of service names.
    pub lang: &'static str,
    /// Whether to count matches exactly, per state.
    pub counts: bool,
}

/// Parses the raw query string `raw` of a staff member `me` in `commune`.
pub fn parse(
    raw: &str,
    commune: &str,
    me: &str,
    mode: Mode,
) -> Result<QueueQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut query = QueueQuery {
        filters: Filters {
            commune: commune.to_owned(),
            text_drives: true,
            ..Filters::default()
        },
        sort: Sort::DEFAULT,
        after: None,
        limit: DEFAULT_LIMIT,
        lang: "fr",
        counts: false,
    };
    let mut cursor = None;
    let mut seen: Vec<String> = Vec::new();
    let pairs = Query::parse(raw);
    for (name, value) in pairs.pairs().iter().cloned() {
        // An empty value means "not given", as an HTML form's empty select sends it.
        if value.is_empty() {
            continue;
        }
        let repeatable = matches!(
            name.as_str(),
            "service" | "state" | "department" | "channel"
        );
        if !repeatable && seen.contains(&name) {
            errors.push(FieldError::new(
                &name,
                "repeated",
                "give this parameter once",
            ));
            continue;
        }
        seen.push(name.clone());
        let f = &mut query.filters;
        let result = match name.as_str() {
            "service" => codes(&value, &mut f.services),
            "state" => codes(&value, &mut f.states),
            "department" => codes(&value, &mut f.departments),
            "channel" => channels(&value, &mut f.channels),
            "assignee" => assignee(&value, me).map(|a| f.assignee = Some(a)),
            "open" => boolean(&value).map(|b| f.open = Some(b)),
            "overdue" => boolean(&value).map(|b| f.overdue = Some(b)),
            "from" => date(&value).map(|d| f.from = Some(d)),
            "to" => date(&value).map(|d| f.to = Some(d)),
            "q" => text(&value).map(|t| f.text = Some(t)),
            "sort" => Sort::parse(&value)
                .map(|s| query.sort = s)
                .ok_or_else(|| ("invalid", format!("one of {}", Sort::NAMES.join(", ")))),
            "lang" => match value.as_str() {
                "fr" | "en" => {
                    query.lang = if value == "fr" { "fr" } else { "en" };
                    Ok(())
                }
                _ => Err(("invalid", "fr or en".to_owned())),
            },
            "limit" if mode == Mode::List => limit(&value).map(|l| query.limit = l),
            "counts" if mode == Mode::List => boolean(&value).map(|b| query.counts = b),
            "cursor" if mode == Mode::List => {
                cursor = Some(value.clone());
                Ok(())
            }
            _ => Err(("unknown", "no such parameter".to_owned())),
        };
        if let Err((code, message)) = result {
            errors.push(FieldError::new(&name, code, message));
        }
    }
    if let (Some(from), Some(to)) = (&query.filters.from, &query.filters.to) {
        if to < from {
            errors.push(FieldError::new(
                "to",
                "before_from",
                "the end date is before the start date",
            ));
        }
    }
    if let Some(cursor) = cursor {
        match decode_cursor(&cursor, query.sort) {
            Some(after) => query.after = Some(after),
            None => errors.push(FieldError::new(
                "cursor",
                "invalid",
                "not a cursor of this query's sort: start again from the first page",
            )),
        }
    }
    if errors.is_empty() {
        Ok(query)
    } else {
        Err(errors)
    }
}

type Check<T> = Result<T, (&'static str, String)>;

/// `a,b` (a repeated parameter adds to the list): lowercase codes as the catalogue writes them.
fn codes(value: &str, into: &mut Vec<String>) -> Check<()> {
    for code in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let valid = code.len() <= 63
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err((
                "invalid",
                "lowercase codes (a-z, 0-9, -), comma-separated".into(),
            ));
        }
        if !into.iter().any(|c| c == code) {
            into.push(code.to_owned());
        }
    }
    if into.len() > MAX_VALUES {
        return Err(("too_many", format!("at most {MAX_VALUES} values")));
    }
    Ok(())
}

fn channels(value: &str, into: &mut Vec<String>) -> Check<()> {
    for name in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let channel = Channel::parse(name)
            .ok_or_else(|| ("invalid", format!("one of {}", Channel::NAMES.join(", "))))?;
        if !into.iter().any(|c| c == channel.as_str()) {
            into.push(channel.as_str().to_owned());
        }
    }
    Ok(())
}

/// `none` (unassigned), `me`, or an account id.
fn assignee(value: &str, me: &str) -> Check<Assignee> {
    match value {
        "none" => Ok(Assignee::Unassigned),
        "me" => Ok(Assignee::Account(me.to_owned())),
        id if id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Assignee::Account(id.to_owned()))
        }
        _ => Err(("invalid", "an account id, `me` or `none`".into())),
    }
}

fn boolean(value: &str) -> Check<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(("invalid", "true or false".into())),
    }
}

fn limit(value: &str) -> Check<i64> {
    match value.parse::<i64>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(("invalid", format!("a whole number from 1 to {MAX_LIMIT}"))),
    }
}

/// A calendar date `YYYY-MM-DD` (that exists: no 30 February).
fn date(value: &str) -> Check<String> {
    let invalid = || ("invalid", "a date as YYYY-MM-DD".to_owned());
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(invalid());
    }
    let number = |range: std::ops::Range<usize>| value[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if year == 0 || day == 0 || day > days {
        return Err(invalid());
    }
    Ok(value.to_owned())
}

/// A reference (exact match) or words to look for in the full-text index.
fn text(value: &str) -> Check<Text> {
    if value.chars().count() > MAX_TEXT {
        return Err(("too_long", format!("at most {MAX_TEXT} characters")));
    }
    if let Some(reference) = Reference::parse(value) {
        return Ok(Text::Reference(reference.as_str().to_owned()));
    }
    crate::store::queue::sql::match_expression(value)
        .map(Text::Match)
        .ok_or_else(|| ("invalid", "type at least one letter or digit".into()))
}

/// The opaque cursor of the page after `row_value`/`rowid` in `sort` order: hex of
/// `sort|value|rowid` (`~` for a NULL value). Opaque to clients, checked when it comes back.
pub fn encode_cursor(sort: Sort, value: Option<&str>, rowid: i64) -> String {
    let plain = format!("{}|{}|{rowid}", sort.name(), value.unwrap_or("~"));
    plain.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str, sort: Sort) -> Option<After> {
    if cursor.len() > 200 || !cursor.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let plain = String::from_utf8(bytes?).ok()?;
    let mut parts = plain.split('|');
    let (name, value, rowid) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || name != sort.name() {
        return None;
    }
    let rowid: i64 = rowid.parse().ok().filter(|r| *r > 0)?;
    let value = match value {
        "~" => None,
        v if !v.is_empty()
            && v.len() <= 32
            && v.bytes()
                .all(|b| b.is_ascii_digit() || b"-:TZ.".contains(&b)) =>
        {
            Some(v.to_owned())
        }
        _ => return None,
    };
    Some(After { value, rowid })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(raw: &str) -> Result<QueueQuery, Vec<FieldError>> {
        parse(raw, "demo", "agent-1", Mode::List)
    }

    fn fields(raw: &str) -> Vec<(String, String)> {
        guichet_guest::FieldError::codes(list(raw))
    }

    #[test]
    fn repeated_and_comma_separated_services_add_up() {
        let query =
            list("service=pothole,graffiti&service=pothole&service=tree-pruning").expect("ok");
        assert_eq!(
            query.filters.services,
            ["pothole", "graffiti", "tree-pruning"]
        );
    }

    #[test]
    fn every_bad_parameter_is_named_with_its_own_code() {
        let errors = fields(
            "sort=name&limit=500&open=yes&from=2026-02-30&to=2026-13-01&channel=fax&service=Bad!&assignee=a%20b&q=...&lang=de&colour=red&cursor=zz",
        );
        let expected = [
            ("sort", "invalid"),
            ("limit", "invalid"),
            ("open", "invalid"),
            ("from", "invalid"),
            ("to", "invalid"),
            ("channel", "invalid"),
            ("service", "invalid"),
            ("assignee", "invalid"),
            ("q", "invalid"),
            ("lang", "invalid"),
            ("colour", "unknown"),
            ("cursor", "invalid"),
        ];
        for (field, code) in expected {
            assert!(
                errors.contains(&(field.to_owned(), code.to_owned())),
                "{field} {code} missing in {errors:?}"
            );
        }
        assert_eq!(errors.len(), expected.len(), "{errors:?}");
    }

    #[test]
    fn a_cursor_comes_back_as_the_position_it_encodes_and_only_for_its_sort() {
        let sort = Sort::DEFAULT;
        let cursor = encode_cursor(sort, Some("2026-03-01T10:00:00Z"), 99);
        let query = list(&format!("cursor={cursor}")).expect("ok");
        assert_eq!(
            query.after,
            Some(After {
                value: Some("2026-03-01T10:00:00Z".into()),
                rowid: 99
            })
        );
        assert_eq!(
            fields(&format!("cursor={cursor}&sort=expected")),
            [("cursor".into(), "invalid".into())]
        );
        let null = encode_cursor(Sort::parse("expected").expect("sort"), None, 5);
        let query = list(&format!("sort=expected&cursor={null}")).expect("ok");
        assert_eq!(
            query.after,
            Some(After {
                value: None,
                rowid: 5
            })
        );
    }

    #[test]
    fn me_and_none_name_the_caller_and_the_unassigned() {
        assert_eq!(
            list("assignee=me").expect("ok").filters.assignee,
            Some(Assignee::Account("agent-1".into()))
        );
        assert_eq!(
            list("assignee=none").expect("ok").filters.assignee,
            Some(Assignee::Unassigned)
        );
    }

    #[test]
    fn a_reference_is_an_exact_match_and_other_text_goes_to_the_index() {
        assert_eq!(
            list("q=2026-000123").expect("ok").filters.text,
            Some(Text::Reference("2026-000123".into()))
        );
        assert_eq!(
            list("q=rue+Victor").expect("ok").filters.text,
            Some(Text::Match("\"rue\" \"Victor\"".into()))
        );
    }

    #[test]
    fn the_export_has_no_paging_parameters_and_dates_must_be_in_order() {
        let errors = parse("limit=10&cursor=x&counts=true", "demo", "a", Mode::Export)
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().all(|e| e.code == "unknown"));
        assert_eq!(
            fields("from=2026-03-02&to=2026-03-01"),
            [("to".into(), "before_from".into())]
        );
        assert_eq!(
            fields("sort=created&sort=-created"),
            [("sort".into(), "repeated".into())]
        );
    }
}
