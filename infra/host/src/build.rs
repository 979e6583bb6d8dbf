//! `build`: runs each component's `[component.X.build]` command, as `spin build` does.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::manifest::Manifest;

pub fn build(manifest_path: &Path, only: &[String]) -> Result<()> {
    let manifest = Manifest::load(manifest_path)?;
    let base = Manifest::base_dir(manifest_path);
    for id in only {
        if !manifest.component.contains_key(id) {
            bail!("no component `{id}` in {}", manifest_path.display());
        }
    }
    for (id, component) in &manifest.component {
        if !only.is_empty() && !only.contains(id) {
            continue;
        }
        let Some(build) = &component.build else {
            println!("component `{id}`: no build command, skipped");
            continue;
        };
        let workdir = build.workdir.as_ref().map(|w| base.join(w)).unwrap_or_else(|| base.clone());
        println!("building component `{id}`: {}", build.command);
        let status = Command::new("sh")
            .arg("-c")
            .arg(&build.command)
            .current_dir(&workdir)
            .envs(&build.environment)
            .status()
            .with_context(|| format!("running the build command of `{id}`"))?;
        if !status.success() {
            bail!("the build command of component `{id}` failed ({status})");
        }
    }
    Ok(())
}
