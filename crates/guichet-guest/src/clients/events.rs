//! Client of `guichet:platform/events`: events to notifications.

use anyhow::bail;
use guichet_contracts::events::{Event, StoredEvent};

use super::{get, post};

const NOTIFICATIONS: &str = "http://notifications.spin.internal";

/// `POST .../internal/events`: `Ok(true)` when notifications acknowledged `event` (any 2xx,
/// a duplicate included), `Ok(false)` (logged) for any other status.
pub async fn post_event(event: &Event) -> anyhow::Result<bool> {
    let answer = post(format!("{NOTIFICATIONS}/internal/events"), event).await?;
    let acknowledged = (200..300).contains(&answer.status);
    if !acknowledged {
        eprintln!(
            "notifications refused event {}: {} {}",
            event.id,
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
    Ok(acknowledged)
}

/// `GET .../internal/events/{id}`: the event as notifications stored it, `None` when it has
/// none. `id` must be a valid event id (it goes into the path as is).
pub async fn stored_event(id: &str) -> anyhow::Result<Option<StoredEvent>> {
    let answer = get(format!("{NOTIFICATIONS}/internal/events/{id}")).await?;
    match answer.status {
        200 => answer.decode("notifications' stored event").map(Some),
        404 => Ok(None),
        status => bail!("notifications answered {status} for event {id}"),
    }
}
