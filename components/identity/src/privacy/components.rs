//! Asking the other components for their part of a citizen's data, by service chaining (the
//! `privacy` contract, `wit/privacy.wit`, through `guichet_guest::clients::privacy`). Each
//! answer is read against the contract before it is used (and its `component` must name the
//! component asked): a component that fails, answers another status or another shape counts
//! as not answering.

use guichet_guest::clients;
use guichet_guest::contracts::privacy::Subject;
use guichet_guest::privacy::{self, Erasure};
use serde_json::{Map, Value as Json};

/// The components that keep personal data, besides identity (each is an allowed outbound
/// host of identity in spin.toml).
pub const COMPONENTS: &[&str] = &["notifications", "requests", "signatures"];

/// A component's export answer.
#[derive(Debug)]
pub struct ExportPart {
    pub component: String,
    pub records: Map<String, Json>,
}

/// A component's erasure answer.
#[derive(Debug)]
pub struct ErasurePart {
    pub component: String,
    pub erasure: Erasure,
}

/// Every component's export of `subject`, and the components that did not answer.
pub async fn export_all(subject: &Subject) -> (Vec<ExportPart>, Vec<String>) {
    let mut answers = Vec::new();
    let mut failed = Vec::new();
    for component in COMPONENTS {
        let part = clients::privacy::export(component, subject)
            .await
            .and_then(privacy::export_records);
        match part {
            Ok((component, records)) => answers.push(ExportPart { component, records }),
            Err(error) => fail(component, "export", &error, &mut failed),
        }
    }
    (answers, failed)
}

/// Every component's erasure of `subject`, and the components that did not answer. All are
/// asked even when one fails: erasure is idempotent, so a retry redoes only what is left.
pub async fn erase_all(subject: &Subject) -> (Vec<ErasurePart>, Vec<String>) {
    let mut answers = Vec::new();
    let mut failed = Vec::new();
    for component in COMPONENTS {
        match clients::privacy::erase(component, subject).await {
            Ok(answer) => {
                let (component, erasure) = Erasure::from_contract(answer);
                answers.push(ErasurePart { component, erasure });
            }
            Err(error) => fail(component, "erase", &error, &mut failed),
        }
    }
    (answers, failed)
}

fn fail(component: &str, action: &str, error: &anyhow::Error, failed: &mut Vec<String>) {
    eprintln!("identity: privacy {action} of {component} failed: {error:#}");
    failed.push(component.to_owned());
}
