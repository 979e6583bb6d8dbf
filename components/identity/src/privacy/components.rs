//! Asking the other components for their part of a citizen's data, by service chaining
//! (`POST http://<component>.spin.internal/internal/privacy/{export,erase}`, see
//! `guichet_guest::privacy`). Each answer is checked against the contract before it is used
//! (its members, and its `component` naming the component asked; extra members are ignored):
//! a component that fails, answers another status or another shape counts as not answering.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context as _};
use guichet_guest::privacy::{ERASE_PATH, EXPORT_PATH};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use spin_sdk::http::{Method, Request, Response};

/// The components that keep personal data, besides identity (each is an allowed outbound
/// host of identity in spin.toml).
pub const COMPONENTS: &[&str] = &["notifications", "requests", "signatures"];

/// A component's export answer.
#[derive(Debug, Deserialize, Serialize)]
pub struct ExportPart {
    pub component: String,
    pub records: Map<String, Json>,
}

/// A record kind a component kept despite the erasure, and why.
#[derive(Debug, Deserialize, Serialize)]
pub struct Kept {
    pub record: String,
    pub count: i64,
    pub legal_basis: String,
}

/// A component's erasure answer.
#[derive(Debug, Deserialize, Serialize)]
pub struct ErasurePart {
    pub component: String,
    pub erased: BTreeMap<String, i64>,
    pub kept: Vec<Kept>,
}

trait Part {
    fn component(&self) -> &str;
}

impl Part for ExportPart {
    fn component(&self) -> &str {
        &self.component
    }
}

impl Part for ErasurePart {
    fn component(&self) -> &str {
        &self.component
    }
}

/// Every component's export of `subject`, and the components that did not answer.
pub async fn export_all(subject: &Json) -> (Vec<ExportPart>, Vec<String>) {
    ask_all(EXPORT_PATH, subject).await
}

/// Every component's erasure of `subject`, and the components that did not answer. All are
/// asked even when one fails: erasure is idempotent, so a retry redoes only what is left.
pub async fn erase_all(subject: &Json) -> (Vec<ErasurePart>, Vec<String>) {
    ask_all(ERASE_PATH, subject).await
}

async fn ask_all<T: DeserializeOwned + Part>(path: &str, subject: &Json) -> (Vec<T>, Vec<String>) {
    let mut answers = Vec::new();
    let mut failed = Vec::new();
    for component in COMPONENTS {
        match ask::<T>(component, path, subject).await {
            Ok(answer) => answers.push(answer),
            Err(error) => {
                eprintln!("identity: privacy {path} of {component} failed: {error:#}");
                failed.push((*component).to_owned());
            }
        }
    }
    (answers, failed)
}

async fn ask<T: DeserializeOwned + Part>(component: &str, path: &str, subject: &Json) -> anyhow::Result<T> {
    let request = Request::builder()
        .method(Method::Post)
        .uri(format!("http://{component}.spin.internal{path}"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(subject)?)
        .build();
    let response: Response = spin_sdk::http::send(request).await.map_err(|e| anyhow!("chaining: {e:?}"))?;
    if *response.status() != 200 {
        bail!("answered {}", response.status());
    }
    let answer: T = serde_json::from_slice(response.body()).context("answer outside the contract")?;
    if answer.component() != component {
        bail!("answered as {:?}", answer.component());
    }
    Ok(answer)
}
