//! Delivery attempts: claim a queued message, hand it to the provider, record the outcome,
//! and the backoff between attempts. A message is never dropped silently: it stays queued
//! until the provider accepts it, and one that is given up stays in the table as `failed` with
//! its last error, and is logged.
//!
//! Logs carry message ids, attempt numbers and statuses only: a message's text holds one-time
//! links and codes.

use guichet_guest::db::Connection;

use crate::provider::{Outcome, Provider};
use crate::sms;
use crate::store::{self, Status};

/// The providers of every channel, as configured (a configuration fault is kept per channel:
/// a missing SMS setting must not stop e-mail).
pub struct Providers {
    pub mail: anyhow::Result<Provider>,
    pub sms: anyhow::Result<Provider>,
}

impl Providers {
    /// The providers the Spin variables describe.
    pub fn from_variables() -> Self {
        Self {
            mail: Provider::from_variables(),
            sms: sms::from_variables(),
        }
    }
}

/// Delay before the second attempt; each further failure doubles it.
const FIRST_DELAY_SECONDS: i64 = 30;
/// The delay stops doubling here.
const MAX_DELAY_SECONDS: i64 = 6 * 60 * 60;
/// After this many failed attempts (about 20 hours with the delays above) the message is
/// given up: a one-time link inside it has long expired by then.
pub const MAX_ATTEMPTS: i64 = 12;

/// Seconds to wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... up to 6 h.
pub fn delay_after(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_DELAY_SECONDS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_DELAY_SECONDS)
}

/// The status a message takes after its `attempts`-th attempt came to `outcome`, and the
/// reason to record when it was not sent.
pub fn status_after(outcome: &Outcome, attempts: i64) -> (Status, Option<&str>) {
    match outcome {
        Outcome::Sent => (Status::Sent, None),
        Outcome::Refused(reason) => (Status::Failed, Some(reason)),
        Outcome::Retry(reason) if attempts >= MAX_ATTEMPTS => (Status::Failed, Some(reason)),
        Outcome::Retry(reason) => (Status::Queued, Some(reason)),
    }
}

/// Makes one attempt at message `id` if it can be claimed (see [`store::claim`]); the status
/// it is left in, or `None` when it was not attempted (not queued, in flight elsewhere, not
/// due).
pub async fn attempt(
    conn: &Connection,
    providers: &Providers,
    id: &str,
    ignore_backoff: bool,
) -> anyhow::Result<Option<Status>> {
    let Some(claimed) = store::claim(conn, id, ignore_backoff, delay_after)? else {
        return Ok(None);
    };
    send_claimed(conn, providers, id, claimed).await.map(Some)
}

/// Hands a message already claimed for this attempt (see [`store::claim`] and
/// [`store::insert_draft_claimed`]) to its channel's provider, records the outcome, and
/// returns the status the message is left in.
pub async fn send_claimed(
    conn: &Connection,
    providers: &Providers,
    id: &str,
    claimed: store::Claimed,
) -> anyhow::Result<Status> {
    // A configuration fault is the deployment's, not the message's: keep it for later.
    let outcome = if claimed.channel == "sms" {
        match &providers.sms {
            Ok(provider) => provider.send(&claimed.outgoing).await,
            Err(error) => Outcome::Retry(format!("SMS provider not configured: {error:#}")),
        }
    } else {
        match &providers.mail {
            Ok(provider) => provider.send(&claimed.outgoing).await,
            Err(error) => Outcome::Retry(format!("mail provider not configured: {error:#}")),
        }
    };
    let (status, reason) = status_after(&outcome, claimed.attempts);
    store::finish(conn, id, status, reason)?;
    let attempt = claimed.attempts;
    // Log lines say `mail` or `sms`.
    let channel = if claimed.channel == "sms" {
        "sms"
    } else {
        "mail"
    };
    match (status, reason) {
        (Status::Sent, _) => eprintln!("{channel} {id}: sent (attempt {attempt})"),
        (Status::Queued, Some(reason)) => eprintln!(
            "{channel} {id}: attempt {attempt} failed, retry in {} s: {reason}",
            delay_after(attempt)
        ),
        (_, reason) => eprintln!(
            "{channel} {id}: GIVEN UP after attempt {attempt}: {}",
            reason.unwrap_or("no reason")
        ),
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_from_30_seconds_up_to_6_hours() {
        let delays: Vec<i64> = (1..=12).map(delay_after).collect();
        assert_eq!(
            delays,
            [30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]
        );
        assert_eq!(delay_after(1_000_000), MAX_DELAY_SECONDS);
        assert_eq!(delay_after(0), FIRST_DELAY_SECONDS);
    }

    #[test]
    fn a_failed_attempt_stays_queued_until_the_last_one() {
        let retry = Outcome::Retry("the provider answered 503".into());
        assert_eq!(status_after(&retry, 1).0, Status::Queued);
        assert_eq!(status_after(&retry, MAX_ATTEMPTS - 1).0, Status::Queued);
        assert_eq!(
            status_after(&retry, MAX_ATTEMPTS),
            (Status::Failed, Some("the provider answered 503"))
        );
    }

    #[test]
    fn a_refusal_fails_at_once_and_success_clears_the_reason() {
        let refused = Outcome::Refused("refused (422)".into());
        assert_eq!(status_after(&refused, 1).0, Status::Failed);
        assert_eq!(status_after(&Outcome::Sent, 3), (Status::Sent, None));
    }
}
