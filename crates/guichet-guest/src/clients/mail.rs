//! Client of `guichet:platform/mail`: messages for notifications to send.

use anyhow::bail;
use guichet_contracts::mail::{Accepted, Message, RetryOptions, RetryReport, StoredMessage};
use serde_json::Value;

use super::{get, post};

const NOTIFICATIONS: &str = "http://notifications.spin.internal";

/// What notifications answered to a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// 200 (sent, or a duplicate) or 202 (queued, or refused by the provider).
    Accepted { status: u16, accepted: Accepted },
    /// 400 with every field error (`{"errors":[..]}`): nothing was stored.
    Refused { errors: Value },
}

/// `POST .../internal/messages`.
pub async fn send(message: &Message) -> anyhow::Result<Sent> {
    let answer = post(format!("{NOTIFICATIONS}/internal/messages"), message).await?;
    match answer.status {
        status @ (200 | 202) => Ok(Sent::Accepted {
            status,
            accepted: answer.decode("notifications' answer to a message")?,
        }),
        400 => Ok(Sent::Refused {
            errors: answer.json(),
        }),
        status => bail!("notifications answered {status} to message {}", message.id),
    }
}

/// `GET .../internal/messages/{id}`: the stored message, `None` when there is none. `id`
/// must be a valid message id (it goes into the path as is).
pub async fn stored(id: &str) -> anyhow::Result<Option<StoredMessage>> {
    let answer = get(format!("{NOTIFICATIONS}/internal/messages/{id}")).await?;
    match answer.status {
        200 => answer.decode("notifications' stored message").map(Some),
        404 => Ok(None),
        status => bail!("notifications answered {status} for message {id}"),
    }
}

/// `POST .../internal/messages/retry`.
pub async fn retry(options: &RetryOptions) -> anyhow::Result<RetryReport> {
    let answer = post(format!("{NOTIFICATIONS}/internal/messages/retry"), options).await?;
    match answer.status {
        200 => answer.decode("notifications' retry report"),
        status => bail!(
            "notifications answered {status} to a retry: {}",
            String::from_utf8_lossy(&answer.body)
        ),
    }
}
