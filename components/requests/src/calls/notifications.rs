//! The notifications component, reached by Spin service chaining (no network: Spin hands the
//! request to the component in memory; spin.toml must allow the host).

use anyhow::{anyhow, bail, Context as _};
use guichet_guest::event::Event;
use serde_json::Value;
use spin_sdk::http::{Method, Request, Response};

const BASE: &str = "http://notifications.spin.internal";

/// Delivers `event`; `Ok(true)` when notifications acknowledged it (any 2xx, including a
/// duplicate), `Ok(false)` for any other status.
pub async fn post_event(event: &Event) -> anyhow::Result<bool> {
    let body = serde_json::to_vec(event).context("serialising the event")?;
    let request = Request::builder()
        .method(Method::Post)
        .uri(format!("{BASE}/internal/events"))
        .header("content-type", "application/json")
        .body(body)
        .build();
    let response: Response = spin_sdk::http::send(request)
        .await
        .map_err(|e| anyhow!("sending the event: {e:?}"))?;
    let status = *response.status();
    if !(200..300).contains(&status) {
        eprintln!(
            "notifications refused event {}: {status} {}",
            event.id,
            String::from_utf8_lossy(response.body())
        );
    }
    Ok((200..300).contains(&status))
}

/// The event `id` as notifications stored it, `None` if it has none. `id` must already be a
/// valid event id (it goes into the URL as is).
pub async fn get_event(id: &str) -> anyhow::Result<Option<Value>> {
    let request = Request::get(format!("{BASE}/internal/events/{id}")).build();
    let response: Response = spin_sdk::http::send(request)
        .await
        .map_err(|e| anyhow!("fetching event {id}: {e:?}"))?;
    match *response.status() {
        200 => serde_json::from_slice(response.body())
            .map(Some)
            .context("notifications answered an event that is not JSON"),
        404 => Ok(None),
        status => bail!("notifications answered {status} for event {id}"),
    }
}

/// Sends `method path` with the JSON `body` to notifications and returns its status and JSON
/// answer (`null` when the answer has no body).
pub async fn call(
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut builder = Request::builder();
    builder.method(method).uri(format!("{BASE}{path}"));
    if let Some(body) = body {
        builder
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).context("serialising the body")?);
    }
    let response: Response = spin_sdk::http::send(builder.build())
        .await
        .map_err(|e| anyhow!("calling notifications {path}: {e:?}"))?;
    let status = *response.status();
    let json = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).with_context(|| {
            format!("notifications answered {status} with a body that is not JSON")
        })?
    };
    Ok((status, json))
}
