//! A request's expected date: its service's processing time (`processing_days`, business
//! days: Monday to Friday, French public holidays excepted, by the one rule of
//! `guichet_guest::dates`) counted from the day it is filed or reopened. Computed here and
//! written as a value, not left to SQLite's date arithmetic, which knows only calendar days.

use anyhow::Context as _;
use guichet_guest::dates::BusinessDays;

/// The processing time a service definition announces, as business days (the catalogue
/// refuses anything else, so another value is an error, not a guess).
pub fn processing_time(processing_days: i64) -> anyhow::Result<BusinessDays> {
    BusinessDays::parse(processing_days)
        .with_context(|| format!("the service's processing_days {processing_days}"))
}

/// The `YYYY-MM-DD` a request filed or reopened at `now` (a stored time) is expected by.
pub fn expected_on(now: &str, processing: BusinessDays) -> anyhow::Result<String> {
    processing
        .after(now)
        .with_context(|| format!("the time {now:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_date_counts_business_days_from_the_filing_day() {
        let five = processing_time(5).expect("in range");
        assert_eq!(
            expected_on("2027-04-30T10:00:00Z", five).expect("a time"),
            "2027-05-10",
            "over a weekend and Ascension (6 May), 1 and 8 May being Saturdays"
        );
        assert_eq!(
            expected_on("2026-12-07T08:00:00Z", five).expect("a time"),
            "2026-12-14"
        );
    }

    #[test]
    fn a_processing_time_the_catalogue_would_refuse_is_an_error() {
        assert!(processing_time(-1).is_err());
        assert!(processing_time(3651).is_err());
        assert!(expected_on("not a time", processing_time(1).expect("in range")).is_err());
    }
}
