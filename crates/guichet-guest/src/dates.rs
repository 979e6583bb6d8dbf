//! Dates and instants, one rule for every component: calendar dates (`YYYY-MM-DD`, a day that
//! exists), W3C dates (ISO 8601 profile) as Open311 uses them (`start_date`/`end_date`), RFC
//! 3339 instants as clients send them (a call's time), and Guichet's stored times (RFC 3339
//! UTC, `2026-01-31T12:00:00Z`, which sort as text), and business days (a service's
//! `processing_days`: Monday to Friday, French public holidays excepted). Pure: no clock, no
//! host calls.

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

/// A number of business days (a service's `processing_days`): days from Monday to Friday
/// that are not a French public holiday ([`is_public_holiday`]). Only [`BusinessDays::parse`]
/// (or `TryFrom<i64>`) makes one, within `0..=`[`BusinessDays::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BusinessDays(u16);

/// Why a number is not a number of business days (the message is shown to the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a number of business days from 0 to {max}", max = BusinessDays::MAX)]
pub struct BusinessDaysError;

impl BusinessDays {
    /// The longest processing time a service may announce (about fourteen years).
    pub const MAX: i64 = 3650;

    /// `days`, if it is within `0..=MAX`.
    pub fn parse(days: i64) -> Result<BusinessDays, BusinessDaysError> {
        u16::try_from(days)
            .ok()
            .filter(|_| days <= Self::MAX)
            .map(BusinessDays)
            .ok_or(BusinessDaysError)
    }

    /// The number of business days.
    pub fn count(self) -> i64 {
        i64::from(self.0)
    }

    /// The `YYYY-MM-DD` day `self` business days after the day of `start` (a date, or an
    /// instant whose UTC day counts): the start day itself is not counted, so one business
    /// day after a Friday is the Monday (or the Tuesday after Easter Monday), and zero is the
    /// start day. `None` when `start` is not a date or instant ([`parse`]).
    pub fn after(self, start: &str) -> Option<String> {
        let mut day = parse(start)?.div_euclid(DAY);
        for _ in 0..self.0 {
            day += 1;
            while !is_business_day(day) {
                day += 1;
            }
        }
        Some(format_date(day))
    }
}

impl TryFrom<i64> for BusinessDays {
    type Error = BusinessDaysError;

    fn try_from(days: i64) -> Result<BusinessDays, BusinessDaysError> {
        BusinessDays::parse(days)
    }
}

/// Whether the day `days` after 1970-01-01 is a business day: Monday to Friday and not a
/// public holiday.
pub fn is_business_day(days: i64) -> bool {
    // 1970-01-01 was a Thursday: Monday is 0.
    let weekday = (days + 3).rem_euclid(7);
    weekday < 5 && !is_public_holiday(days)
}

/// Whether the day `days` after 1970-01-01 is a public holiday in France (metropolitan,
/// Code du travail L3133-1): 1 January, Easter Monday, 1 May, 8 May, Ascension, Whit Monday,
/// 14 July, 15 August, 1 November, 11 November and 25 December.
pub fn is_public_holiday(days: i64) -> bool {
    let (year, month, day) = civil_from_days(days);
    let fixed = matches!(
        (month, day),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    );
    let easter = easter_sunday(year);
    // Easter Monday, Ascension Thursday, Whit Monday.
    fixed || [1, 39, 50].contains(&(days - easter))
}

/// The day (since 1970-01-01) of Easter Sunday in the Gregorian calendar of `year`, by the
/// anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i64) -> i64 {
    let a = year.rem_euclid(19);
    let (b, c) = (year.div_euclid(100), year.rem_euclid(100));
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    days_from_civil(year, month, day)
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

    fn day(text: &str) -> i64 {
        parse(text).expect("a date") / DAY
    }

    #[test]
    fn easter_falls_on_its_known_sundays() {
        for (year, easter) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(format_date(easter_sunday(year)), easter, "{year}");
        }
    }

    #[test]
    fn the_eleven_french_public_holidays_of_2027_are_holidays() {
        for holiday in [
            "2027-01-01",
            "2027-03-29",
            "2027-05-01",
            "2027-05-08",
            "2027-05-06",
            "2027-05-17",
            "2027-07-14",
            "2027-08-15",
            "2027-11-01",
            "2027-11-11",
            "2027-12-25",
        ] {
            assert!(is_public_holiday(day(holiday)), "{holiday}");
        }
        let count = (day("2027-01-01")..day("2028-01-01"))
            .filter(|d| is_public_holiday(*d))
            .count();
        assert_eq!(count, 11);
        assert!(
            !is_public_holiday(day("2027-03-28")),
            "Easter Sunday itself"
        );
        assert!(!is_public_holiday(day("2027-12-26")));
    }

    #[test]
    fn weekends_and_holidays_are_not_business_days() {
        assert!(is_business_day(day("2026-12-07")), "a Monday");
        assert!(is_business_day(day("2026-12-11")), "a Friday");
        assert!(!is_business_day(day("2026-12-12")), "a Saturday");
        assert!(!is_business_day(day("2026-12-13")), "a Sunday");
        assert!(!is_business_day(day("2026-12-25")), "Christmas, a Friday");
    }

    #[test]
    fn business_days_skip_weekends_and_holidays_from_the_day_after() {
        let days = |n| BusinessDays::parse(n).expect("in range");
        assert_eq!(days(0).after("2026-12-11").as_deref(), Some("2026-12-11"));
        assert_eq!(
            days(1).after("2026-12-11").as_deref(),
            Some("2026-12-14"),
            "Friday → Monday"
        );
        assert_eq!(days(5).after("2026-12-07").as_deref(), Some("2026-12-14"));
        assert_eq!(
            days(1).after("2026-12-24T16:30:00Z").as_deref(),
            Some("2026-12-28"),
            "over Christmas and a weekend"
        );
        assert_eq!(
            days(1).after("2027-03-26").as_deref(),
            Some("2027-03-30"),
            "over Easter Monday"
        );
        assert_eq!(
            days(10).after("2027-04-30").as_deref(),
            Some("2027-05-18"),
            "1 May and 8 May are Saturdays, Ascension and Whit Monday are not"
        );
        assert_eq!(
            days(1).after("2026-12-09T00:30:00+01:00").as_deref(),
            Some("2026-12-09"),
            "from the UTC day of an instant (Tuesday 8 December)"
        );
        assert_eq!(days(1).after("soon"), None);
    }

    #[test]
    fn a_number_of_business_days_is_within_zero_to_3650() {
        assert_eq!(BusinessDays::parse(0).map(BusinessDays::count), Ok(0));
        assert_eq!(
            BusinessDays::try_from(3650).map(BusinessDays::count),
            Ok(3650)
        );
        assert_eq!(BusinessDays::parse(-1), Err(BusinessDaysError));
        assert_eq!(BusinessDays::parse(3651), Err(BusinessDaysError));
    }
}
