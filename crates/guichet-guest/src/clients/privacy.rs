//! Client of `guichet:platform/privacy`: a component's part of a citizen's export and erasure.

use anyhow::bail;
use guichet_contracts::privacy::{Erasure, Export, Subject};
use serde::de::DeserializeOwned;

use super::post;
use crate::privacy::{ERASE_PATH, EXPORT_PATH};

/// `POST http://<component>.spin.internal/internal/privacy/export`.
pub async fn export(component: &str, subject: &Subject) -> anyhow::Result<Export> {
    let export: Export = ask(component, EXPORT_PATH, subject).await?;
    same_component(component, &export.component)?;
    Ok(export)
}

/// `POST http://<component>.spin.internal/internal/privacy/erase`.
pub async fn erase(component: &str, subject: &Subject) -> anyhow::Result<Erasure> {
    let erasure: Erasure = ask(component, ERASE_PATH, subject).await?;
    same_component(component, &erasure.component)?;
    Ok(erasure)
}

async fn ask<T: DeserializeOwned + serde::Serialize>(
    component: &str,
    path: &str,
    subject: &Subject,
) -> anyhow::Result<T> {
    // `component` is one of the caller's fixed list, never input.
    let answer = post(format!("http://{component}.spin.internal{path}"), subject).await?;
    if answer.status != 200 {
        bail!("answered {}", answer.status);
    }
    answer.decode(path)
}

/// An answer naming another component than the one asked is not its answer.
fn same_component(asked: &str, answered: &str) -> anyhow::Result<()> {
    if asked != answered {
        bail!("answered as {answered:?}");
    }
    Ok(())
}
