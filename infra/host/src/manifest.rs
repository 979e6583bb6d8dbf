//! The subset of Spin's manifest v2 (`spin.toml`) that the host runs, parsed strictly:
//! an unknown or misspelt field is an error that names it, as with `spin up`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::routes::RoutePattern;

/// A parsed and validated `spin.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, ComponentDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    /// Per-trigger application settings (`[application.trigger.http] base = "/"`).
    pub trigger: Option<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    pub description: Option<String>,
}

/// Only the HTTP trigger exists here; any other trigger type is an unknown field.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    pub id: Option<String>,
    pub route: RouteDecl,
    pub component: String,
    pub executor: Option<toml::Table>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RouteDecl {
    Path(String),
    Private { private: bool },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentDecl {
    pub source: String,
    pub description: Option<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<toml::Value>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    pub build: Option<BuildDecl>,
    #[serde(default)]
    pub dependencies: BTreeMap<String, DependencyDecl>,
    #[serde(default)]
    pub dependencies_inherit_configuration: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildDecl {
    pub command: String,
    pub workdir: Option<String>,
    #[serde(default)]
    pub watch: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

/// A component dependency: a local `.wasm` file or another component of this app.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DependencyDecl {
    Path {
        path: String,
        export: Option<String>,
        #[serde(default)]
        inherit_configuration: Inherit,
    },
    Component {
        component: String,
        export: Option<String>,
        #[serde(default)]
        inherit_configuration: Inherit,
    },
    /// A registry version or URL: parsed so that the error can say it is not supported here.
    Other(toml::Value),
}

/// `inherit_configuration`: `true`, or a list of the capabilities the dependency may use.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum Inherit {
    #[default]
    #[serde(skip)]
    Nothing,
    All(bool),
    Some(Vec<String>),
}

impl Manifest {
    /// Reads, parses and validates a manifest file.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading manifest {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid manifest {}", path.display()))
    }

    /// Parses and validates manifest text.
    pub fn parse(text: &str) -> Result<Manifest> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<()> {
        if self.spin_manifest_version != 2 {
            bail!(
                "spin_manifest_version: only version 2 is supported (found {})",
                self.spin_manifest_version
            );
        }
        for name in self.variables.keys() {
            check_variable_name(name).with_context(|| format!("[variables] {name}"))?;
        }
        for (name, decl) in &self.variables {
            if decl.required && decl.default.is_some() {
                bail!("[variables] {name}: `required` and `default` cannot both be set");
            }
        }
        for (id, c) in &self.component {
            check_component_id(id).with_context(|| format!("[component.{id}]"))?;
            for (name, template) in &c.variables {
                check_variable_name(name)
                    .with_context(|| format!("[component.{id}.variables] {name}"))?;
                for reference in template_references(template)
                    .with_context(|| format!("[component.{id}.variables] {name}"))?
                {
                    if !self.variables.contains_key(&reference) {
                        bail!("[component.{id}.variables] {name}: refers to undefined application variable `{reference}`");
                    }
                }
            }
            for host in &c.allowed_outbound_hosts {
                crate::outbound::AllowedHost::parse_template(host).with_context(|| {
                    format!("[component.{id}] allowed_outbound_hosts: `{host}`")
                })?;
            }
            for (name, dep) in &c.dependencies {
                match dep {
                    DependencyDecl::Path { .. } => {}
                    DependencyDecl::Component { component, .. } => {
                        if !self.component.contains_key(component) {
                            bail!("[component.{id}.dependencies] \"{name}\": no component `{component}` in this app");
                        }
                    }
                    DependencyDecl::Other(_) => bail!(
                        "[component.{id}.dependencies] \"{name}\": only `path` and `component` dependencies are supported by this host"
                    ),
                }
            }
        }
        for (index, trigger) in self.trigger.http.iter().enumerate() {
            let at = format!("[[trigger.http]] #{} (component `{}`)", index + 1, trigger.component);
            if !self.component.contains_key(&trigger.component) {
                bail!("{at}: component: no [component.{}] in this app", trigger.component);
            }
            match &trigger.route {
                RouteDecl::Path(route) => {
                    RoutePattern::parse(route).with_context(|| format!("{at}: route"))?;
                }
                RouteDecl::Private { private: true } => {}
                RouteDecl::Private { private: false } => {
                    bail!("{at}: route: `private = false` is not a route; give a path instead")
                }
            }
        }
        Ok(())
    }

    /// The directory relative paths in this manifest are resolved from.
    pub fn base_dir(manifest_path: &Path) -> PathBuf {
        manifest_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Spin variable names: lower case letters, digits and underscores, starting with a letter.
pub fn check_variable_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!("variable names are lower_snake_case (letters, digits, `_`), starting with a letter");
    }
    Ok(())
}

fn check_component_id(id: &str) -> Result<()> {
    let ok = id.split('-').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if !ok {
        bail!("component ids are kebab-case: lower case words of letters and digits joined by `-`");
    }
    Ok(())
}

/// The application variables a `{{ name }}` template refers to.
pub fn template_references(template: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .with_context(|| format!("unclosed `{{{{` in template `{template}`"))?;
        let name = after[..end].trim();
        check_variable_name(name)?;
        names.push(name.to_string());
        rest = &after[end + 2..];
    }
    Ok(names)
}

/// Replaces every `{{ name }}` in `template` with `lookup(name)`.
pub fn expand_template(template: &str, lookup: impl Fn(&str) -> Result<String>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .with_context(|| format!("unclosed `{{{{` in template `{template}`"))?;
        out.push_str(&lookup(after[..end].trim())?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
"#;

    #[test]
    fn a_minimal_manifest_parses() {
        let m = Manifest::parse(MINIMAL).expect("parses");
        assert_eq!(m.trigger.http.len(), 1);
        assert_eq!(m.component["web"].source, "web.wasm");
    }

    #[test]
    fn an_unknown_field_is_named_in_the_error() {
        let text = MINIMAL.replace("source = \"web.wasm\"", "source = \"web.wasm\"\nkey_value_store = [\"x\"]");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("key_value_store"), "{err}");
    }

    #[test]
    fn a_trigger_naming_a_missing_component_is_refused() {
        let text = MINIMAL.replace("component = \"web\"", "component = \"api\"");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("no [component.api]"), "{err}");
    }

    #[test]
    fn a_template_must_name_a_declared_variable() {
        let text = format!("{MINIMAL}\n[component.web.variables]\ngreeting = \"hi {{{{ who }}}}\"\n");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("undefined application variable `who`"), "{err}");
    }

    #[test]
    fn templates_expand_every_reference() {
        let out = expand_template("a {{ x }} b {{y}}", |n| Ok(n.to_uppercase())).expect("expands");
        assert_eq!(out, "a X b Y");
    }

    #[test]
    fn a_route_without_leading_slash_is_refused() {
        let text = MINIMAL.replace("route = \"/...\"", "route = \"api/...\"");
        assert!(Manifest::parse(&text).is_err());
    }
}
