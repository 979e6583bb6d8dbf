//! Client of `guichet:platform/evidence`: an event for the commune's evidence log, sent to
//! signatures (with the secret `evidence_append_secret` both sides are given). Components
//! call it through the outbox of `guichet_guest::evidence`, never directly.

use anyhow::bail;
use guichet_contracts::evidence::{EvidenceAppended, EvidenceEvent};
use spin_sdk::http::{Method, Request};

/// Where signatures receives events.
pub const PATH: &str = "/internal/evidence";

/// `POST http://signatures.spin.internal/internal/evidence` with `event`, authenticated by
/// `secret`: where the log put it; an error for any other answer (it is sent again later).
pub async fn append(event: &EvidenceEvent, secret: &str) -> anyhow::Result<EvidenceAppended> {
    let url = format!("http://signatures.spin.internal{PATH}");
    let request = Request::builder()
        .method(Method::Post)
        .uri(url.as_str())
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {secret}"))
        .body(serde_json::to_vec(event)?)
        .build();
    let answer = super::send(request, &url).await?;
    match answer.status {
        200 => answer.decode("signatures' evidence answer"),
        status => bail!(
            "signatures answered {status} to evidence event {}: {}",
            event.id,
            answer.json()
        ),
    }
}
