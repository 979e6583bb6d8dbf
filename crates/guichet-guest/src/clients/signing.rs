//! Client of `guichet:platform/signing`: the steps of a signing flow, to the related
//! request's timeline (requests).

use guichet_contracts::signing::{SigningStep, SigningStepRecorded};

use super::post;

/// Where requests receives the steps.
pub const PATH: &str = "/internal/signing-steps";

/// What became of a step sent to requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// In the timeline (now or before): never send it again.
    Recorded,
    /// The commune has no request with that reference (a 404 naming `unknown_request`: any
    /// other 404, such as a requests without the route, is a fault): nothing to send it to.
    NoSuchRequest,
}

/// `POST http://requests.spin.internal/internal/signing-steps`; an error for any other
/// answer (the step is sent again later).
pub async fn record(step: &SigningStep) -> anyhow::Result<Delivery> {
    let answer = post(format!("http://requests.spin.internal{PATH}"), step).await?;
    match answer.status {
        200 => {
            let _: SigningStepRecorded = answer.decode("requests' signing-step answer")?;
            Ok(Delivery::Recorded)
        }
        404 if names_unknown_request(&answer.json()) => Ok(Delivery::NoSuchRequest),
        status => anyhow::bail!(
            "requests answered {status} for signing step {}: {}",
            step.id,
            answer.json()
        ),
    }
}

fn names_unknown_request(body: &serde_json::Value) -> bool {
    body["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["code"] == "unknown_request"))
}
