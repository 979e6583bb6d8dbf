//! Delivery attempts: claim a queued message, hand it to the provider, record the outcome,
//! and the backoff between attempts. A message is never dropped silently: it stays queued
//! until the provider accepts it, and one that is given up stays in the table as `failed` with
//! its last error, and is logged.
//!
//! Logs carry message ids, attempt numbers and statuses only: a message's text holds one-time
//! links and codes.

use guichet_guest::db::Connection;
use guichet_guest::limits::{self, Limit};

use crate::provider::{Outcome, Provider};
use crate::store::{self, State, Status};
use crate::{sms, suppression, webhooks};

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

/// [`delay_after`] with jitter: between 75 % and 125 % of it, spread by the message `id` and
/// the attempt, so that messages that failed together (a provider outage) do not all come
/// back at the same second. Derived, not drawn: the same message and attempt always get the
/// same delay, which the tests can rely on.
pub fn jittered_delay(id: &str, attempts: i64) -> i64 {
    let base = delay_after(attempts);
    let spread = base / 2;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes().chain(attempts.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let offset = i64::try_from(hash % u64::try_from(spread + 1).unwrap_or(1)).unwrap_or(0);
    base - spread / 2 + offset
}

/// The status and state a message takes after its `attempts`-th attempt came to `outcome`,
/// and the reason to record when it was not delivered.
pub fn status_after(outcome: &Outcome, attempts: i64) -> (Status, State, Option<&str>) {
    match outcome {
        Outcome::Sent => (Status::Sent, State::Delivered, None),
        Outcome::Accepted => (Status::Sent, State::Sending, None),
        Outcome::Refused(reason) => (Status::Failed, State::PermanentFailure, Some(reason)),
        Outcome::Retry(reason) if attempts >= MAX_ATTEMPTS => {
            (Status::Failed, State::PermanentFailure, Some(reason))
        }
        Outcome::Retry(reason) => (Status::Queued, State::TemporaryFailure, Some(reason)),
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
    let Some(claimed) = store::claim(conn, id, ignore_backoff, |n| jittered_delay(id, n))? else {
        return Ok(None);
    };
    send_claimed(conn, providers, id, claimed).await.map(Some)
}

/// Messages one provider may take per minute, by channel (`provider_limits`:
/// `mail=N,sms=N,webhook=N`; defaults 600, 60 and 600). Counted per channel for the whole
/// deployment: the provider's own limit is per account, not per commune.
fn provider_limit(channel: &str) -> Limit {
    let default = match channel {
        "sms" => 60,
        _ => 600,
    };
    Limit {
        max: limits::count_in(&limits::setting("provider_limits"), channel, default),
        window: 60,
    }
}

/// Hands a message already claimed for this attempt (see [`store::claim`] and
/// [`store::insert_draft_claimed`]) to its channel's provider, records the outcome, and
/// returns the status the message is left in. A message to a suppressed address is given up
/// without calling anyone; one over its provider's rate limit is put back, its attempt not
/// counted, for when the window ends.
pub async fn send_claimed(
    conn: &Connection,
    providers: &Providers,
    id: &str,
    claimed: store::Claimed,
) -> anyhow::Result<Status> {
    let channel = match claimed.channel.as_str() {
        "sms" => "sms",
        "webhook" => "webhook",
        _ => "mail",
    };
    let attempt = claimed.attempts;
    let suppressed = channel != "webhook"
        && suppression::is_suppressed(
            conn,
            &claimed.commune,
            &claimed.channel,
            &claimed.outgoing.to,
        )?;
    if !suppressed {
        if let Some(wait) = limits::count(conn, "provider", channel, provider_limit(channel))? {
            let wait = i64::try_from(wait).unwrap_or(60);
            store::release(conn, id, attempt, wait, "provider_rate_limited")?;
            eprintln!("{channel} {id}: provider rate limit reached, next attempt in {wait} s");
            return Ok(Status::Queued);
        }
    }
    // A configuration fault is the deployment's, not the message's: keep it for later.
    let outcome = if suppressed {
        Outcome::Refused(suppression::REASON.to_owned())
    } else if channel == "webhook" {
        webhooks::send(conn, &claimed).await
    } else {
        let provider = if channel == "sms" {
            &providers.sms
        } else {
            &providers.mail
        };
        match provider {
            Ok(provider) => provider.send(&claimed.outgoing).await,
            Err(error) => Outcome::Retry(format!("{channel} provider not configured: {error:#}")),
        }
    };
    let (status, state, reason) = status_after(&outcome, attempt);
    store::finish(conn, id, status, state, reason)?;
    match (state, reason) {
        (State::Delivered | State::Sending, _) => {
            eprintln!(
                "{channel} {id}: {} (attempt {attempt})",
                if state == State::Delivered {
                    "sent"
                } else {
                    "accepted"
                }
            )
        }
        (State::TemporaryFailure, Some(reason)) => eprintln!(
            "{channel} {id}: attempt {attempt} failed, retry in about {} s: {reason}",
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
    fn jitter_keeps_each_delay_within_a_quarter_of_the_backoff_and_spreads_messages() {
        for attempts in 1..=12 {
            let (base, spread) = (delay_after(attempts), delay_after(attempts) / 2);
            let delays: Vec<i64> = (0..50)
                .map(|n| jittered_delay(&format!("m{n}"), attempts))
                .collect();
            let range = base - spread / 2..=base - spread / 2 + spread;
            assert!(delays.iter().all(|d| range.contains(d)), "{delays:?}");
            let mut distinct = delays.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert!(distinct.len() > 5, "not spread: {delays:?}");
        }
        assert_eq!(jittered_delay("m1", 3), jittered_delay("m1", 3));
    }

    #[test]
    fn a_failed_attempt_is_a_temporary_failure_until_the_last_one() {
        let retry = Outcome::Retry("the provider answered 503".into());
        assert_eq!(status_after(&retry, 1).1, State::TemporaryFailure);
        assert_eq!(status_after(&retry, MAX_ATTEMPTS - 1).0, Status::Queued);
        assert_eq!(
            status_after(&retry, MAX_ATTEMPTS),
            (
                Status::Failed,
                State::PermanentFailure,
                Some("the provider answered 503")
            )
        );
    }

    #[test]
    fn a_refusal_fails_at_once_and_a_202_waits_for_the_callback() {
        let refused = Outcome::Refused("refused (422)".into());
        assert_eq!(status_after(&refused, 1).1, State::PermanentFailure);
        assert_eq!(
            status_after(&Outcome::Sent, 3),
            (Status::Sent, State::Delivered, None)
        );
        assert_eq!(
            status_after(&Outcome::Accepted, 1),
            (Status::Sent, State::Sending, None)
        );
    }
}
