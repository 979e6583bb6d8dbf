//! Dates and instants, one rule for every component: calendar dates (`YYYY-MM-DD`, a day that
//! exists), W3C dates (ISO 8601 profile) as Open311 uses them (`start_date`/`end_date`), RFC
//! 3339 instants as clients send them (a call's time), and Guichet's stored times (RFC 3339
//! UTC, `2026-01-31T12:00:00Z`, which sort as text). Pure: no clock, no host calls.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The instant `text` names, in seconds since 1970-01-01T00:00:00Z: `YYYY-MM-DD` (midnight
/// UTC), or `YYYY-MM-DDThh:mm[:ss[.fraction]]` followed by `Z` or an offset `±hh:mm` (or
/// `±hhmm`). A time without an offset is refused: it would name a different instant in each
/// time zone. A space where the offset's sign belongs is read as `+` (an unescaped `+` in a
/// query string arrives as a space).
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim_start();
    let date = text.get(..10)?;
    let days = parse_date(date)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(days * DAY);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t'))?;
    let hour = two_digits(rest.get(..2)?)?;
    let minute = two_digits(
        rest.get(3..5)
            .filter(|_| rest.as_bytes().get(2) == Some(&b':'))?,
    )?;
    let mut rest = &rest[5..];
    let mut second = 0;
    if let Some(after) = rest.strip_prefix(':') {
        second = two_digits(after.get(..2)?)?;
        rest = &after[2..];
        if let Some(after) = rest.strip_prefix('.') {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &after[digits..];
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset = offset(rest)?;
    Some(days * DAY + hour * 3600 + minute * 60 + second.min(59) - offset)
}

/// `Z` → 0, `±hh:mm`/`±hhmm` → the offset in seconds.
fn offset(text: &str) -> Option<i64> {
    if text == "Z" || text == "z" {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' | b' ' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &text[1..];
    let (hours, minutes) = match body.len() {
        5 if body.as_bytes()[2] == b':' => (&body[..2], &body[3..]),
        4 => (&body[..2], &body[2..]),
        _ => return None,
    };
    let (hours, minutes) = (two_digits(hours)?, two_digits(minutes)?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

fn two_digits(text: &str) -> Option<i64> {
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Whether `text` is `YYYY-MM-DD`, a day that exists (a form's date answer).
pub fn is_date(text: &str) -> bool {
    parse_date(text).is_some_and(|_| !text.starts_with("0000"))
}

/// Whether `text` is a complete RFC 3339 instant: `YYYY-MM-DDTHH:MM:SS[.fraction]` and `Z` or
/// `±HH:MM`, a real day and time (SQLite then normalises it; it would silently take nonsense
/// such as month 13 as NULL).
pub fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let zone = text.ends_with(['Z', 'z'])
        || (b.len() > 6 && b[b.len() - 3] == b':' && matches!(b[b.len() - 6], b'+' | b'-'));
    (20..=35).contains(&b.len()) && b[16] == b':' && zone && parse(text).is_some()
}

/// Days since 1970-01-01 of `YYYY-MM-DD`, if it is a real date.
fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i64 = text[..4]
        .parse()
        .ok()
        .filter(|_| text[..4].bytes().all(|b| b.is_ascii_digit()))?;
    let month = two_digits(&text[5..7])?;
    let day = two_digits(&text[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The `YYYY-MM-DD` of a day counted from 1970-01-01.
pub fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `secs` as Guichet stores times: `YYYY-MM-DDThh:mm:ssZ`.
pub fn format(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(DAY), secs.rem_euclid(DAY));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_and_fractions_name_the_same_instant() {
        let utc = parse("2026-03-01T12:00:00Z");
        assert_eq!(utc, Some(1_772_366_400));
        assert_eq!(parse("2026-03-01T13:00:00+01:00"), utc);
        assert_eq!(
            parse("2026-03-01T13:00:00 01:00"),
            utc,
            "a + decoded as a space"
        );
        assert_eq!(parse("2026-03-01T07:00-05:00"), utc);
        assert_eq!(parse("2026-03-01T12:00:00.123Z"), utc);
        assert_eq!(
            parse("2026-03-01T1300+0100"),
            None,
            "the time needs its colon"
        );
        assert_eq!(parse("2026-03-01T13:00:00+0100"), utc);
    }

    #[test]
    fn calendar_dates_are_real_days() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date("0000-01-01"));
        assert_eq!(format_date(19_782), "2024-02-29");
    }

    #[test]
    fn a_complete_rfc3339_instant_needs_seconds_and_a_zone() {
        for good in [
            "2026-11-30T09:15:00+01:00",
            "2026-11-30T09:15:00Z",
            "2026-11-30t09:15:00.250-05:30",
        ] {
            assert!(is_rfc3339(good), "{good}");
        }
        for bad in [
            "2026-11-30T09:15:00",
            "2026-11-30T09:15Z",
            "2026-11-30",
            "2026-02-30T09:15:00Z",
            "2026-11-30T09:15:00+0100",
            "2026-11-30T09:15:00 01:00",
            "2026-13-30T09:15:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn a_date_alone_is_midnight_utc() {
        assert_eq!(parse("2026-03-01"), Some(1_772_323_200));
        assert_eq!(format(1_772_323_200), "2026-03-01T00:00:00Z");
    }

    #[test]
    fn impossible_or_zoneless_dates_are_refused() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-03-01T12:00:00",
            "2026-03-01T24:00:00Z",
            "2026-03-01T12:00:00+25:00",
            "yesterday",
            "2026-3-1",
            "",
            "2026-03-01T12:00:00.Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(parse("2024-02-29").is_some());
        assert!(parse("2023-02-29").is_none());
    }

    #[test]
    fn formatting_round_trips_through_parsing() {
        for secs in [0, 951_782_400, 1_772_366_400, 4_102_444_799] {
            assert_eq!(parse(&format(secs)), Some(secs));
        }
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(951_782_400), "2000-02-29T00:00:00Z");
    }
}
