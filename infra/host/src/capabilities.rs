//! What one component may use: its granted stores, its resolved variables, its outbound hosts.
//! Built once at start-up from spin.toml and the runtime config; shared by every request.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use crate::key_value::KvBackend;
use crate::manifest::{expand_template, Inherit, Manifest};
use crate::outbound::AllowedHost;
use crate::runtime_config::Stores;
use crate::sqlite::SqliteDb;

#[derive(Debug, Default)]
pub struct Capabilities {
    pub component_id: String,
    pub key_value: HashMap<String, Arc<KvBackend>>,
    pub sqlite: HashMap<String, Arc<SqliteDb>>,
    pub variables: HashMap<String, String>,
    pub allowed_hosts: Vec<AllowedHost>,
}

impl Capabilities {
    /// Nothing at all: what a dependency gets unless it inherits.
    pub fn none(component_id: &str) -> Capabilities {
        Capabilities { component_id: format!("{component_id} (dependency)"), ..Capabilities::default() }
    }

    /// Whether two sets grant the same labels, variables and hosts.
    pub fn same_grants(&self, other: &Capabilities) -> bool {
        labels_of(&self.key_value) == labels_of(&other.key_value)
            && labels_of(&self.sqlite) == labels_of(&other.sqlite)
            && self.variables == other.variables
            && self.allowed_hosts == other.allowed_hosts
    }

    /// What a dependency of this component may use, per its `inherit_configuration`:
    /// everything, nothing, or the listed kinds of grant.
    pub fn inherited(&self, inherit: &Inherit) -> Result<Capabilities> {
        let mut granted = Capabilities::none(&self.component_id);
        let all = ["key_value_stores", "sqlite_databases", "variables", "allowed_outbound_hosts"];
        let kinds: Vec<&str> = match inherit {
            Inherit::Nothing | Inherit::All(false) => Vec::new(),
            Inherit::All(true) => all.to_vec(),
            Inherit::Some(list) => list.iter().map(String::as_str).collect(),
        };
        for kind in kinds {
            match kind {
                "key_value_stores" => granted.key_value = self.key_value.clone(),
                "sqlite_databases" => granted.sqlite = self.sqlite.clone(),
                "variables" => granted.variables = self.variables.clone(),
                "allowed_outbound_hosts" => granted.allowed_hosts = self.allowed_hosts.clone(),
                other => bail!("unknown capability `{other}` (expected one of {})", all.join(", ")),
            }
        }
        Ok(granted)
    }
}

fn labels_of<T>(map: &HashMap<String, T>) -> Vec<String> {
    let mut labels: Vec<String> = map.keys().cloned().collect();
    labels.sort();
    labels
}

/// Opened backends, one per label, shared by all components granted that label.
#[derive(Default)]
pub struct Backends {
    key_value: BTreeMap<String, Arc<KvBackend>>,
    sqlite: BTreeMap<String, Arc<SqliteDb>>,
}

impl Backends {
    pub fn open(stores: &Stores, manifest: &Manifest) -> Result<Backends> {
        let mut backends = Backends::default();
        for (id, component) in &manifest.component {
            for label in &component.key_value_stores {
                if backends.key_value.contains_key(label) {
                    continue;
                }
                let Some(location) = stores.key_value.get(label) else {
                    bail!("component `{id}` is granted key-value store `{label}`, which is neither `default` nor defined in the runtime config ([key_value_store.{label}])");
                };
                let backend = KvBackend::open(location)
                    .with_context(|| format!("opening key-value store `{label}` ([key_value_store.{label}])"))?;
                backends.key_value.insert(label.clone(), Arc::new(backend));
            }
            for label in &component.sqlite_databases {
                if backends.sqlite.contains_key(label) {
                    continue;
                }
                let Some(location) = stores.sqlite.get(label) else {
                    bail!("component `{id}` is granted SQLite database `{label}`, which is neither `default` nor defined in the runtime config ([sqlite_database.{label}])");
                };
                let db = SqliteDb::open(location)
                    .with_context(|| format!("opening SQLite database `{label}`"))?;
                backends.sqlite.insert(label.clone(), Arc::new(db));
            }
        }
        Ok(backends)
    }

    /// The capabilities of component `id`.
    pub fn grant(
        &self,
        manifest: &Manifest,
        id: &str,
        app_variables: &HashMap<String, String>,
    ) -> Result<Capabilities> {
        let component = &manifest.component[id];
        let lookup = |name: &str| {
            app_variables
                .get(name)
                .cloned()
                .with_context(|| format!("application variable `{name}` has no value"))
        };
        let mut variables = HashMap::new();
        for (name, template) in &component.variables {
            let value = expand_template(template, lookup)
                .with_context(|| format!("[component.{id}.variables] {name}"))?;
            variables.insert(name.clone(), value);
        }
        let mut allowed_hosts = Vec::new();
        for template in &component.allowed_outbound_hosts {
            let expanded = expand_template(template, lookup)
                .with_context(|| format!("[component.{id}] allowed_outbound_hosts"))?;
            allowed_hosts.push(AllowedHost::parse(&expanded)?);
        }
        Ok(Capabilities {
            component_id: id.to_string(),
            key_value: component
                .key_value_stores
                .iter()
                .map(|l| (l.clone(), self.key_value[l].clone()))
                .collect(),
            sqlite: component
                .sqlite_databases
                .iter()
                .map(|l| (l.clone(), self.sqlite[l].clone()))
                .collect(),
            variables,
            allowed_hosts,
        })
    }
}

/// Resolves every application variable: the environment (`SPIN_VARIABLE_<NAME>`) first, then
/// the default. A required variable without a value stops start-up, naming it.
pub fn resolve_app_variables(
    manifest: &Manifest,
    prefixes: &[String],
) -> Result<HashMap<String, String>> {
    let mut values = HashMap::new();
    for (name, decl) in &manifest.variables {
        let from_env = prefixes
            .iter()
            .find_map(|p| std::env::var(format!("{p}_{}", name.to_uppercase())).ok());
        match from_env.or_else(|| decl.default.clone()) {
            Some(value) => {
                values.insert(name.clone(), value);
            }
            None if decl.required => bail!(
                "variable `{name}` is required but has no value: set SPIN_VARIABLE_{}",
                name.to_uppercase()
            ),
            None => {}
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component() -> Capabilities {
        Capabilities {
            component_id: "web".into(),
            variables: HashMap::from([("token".into(), "t".into())]),
            allowed_hosts: vec![AllowedHost::parse("https://example.com").expect("valid")],
            ..Capabilities::default()
        }
    }

    #[test]
    fn a_dependency_gets_nothing_unless_it_inherits() {
        let none = component().inherited(&Inherit::Nothing).expect("valid");
        assert!(none.variables.is_empty() && none.allowed_hosts.is_empty());
        let all = component().inherited(&Inherit::All(true)).expect("valid");
        assert_eq!(all.variables.len(), 1);
        assert_eq!(all.allowed_hosts.len(), 1);
    }

    #[test]
    fn a_listed_inheritance_grants_only_the_listed_kinds() {
        let some = component().inherited(&Inherit::Some(vec!["variables".into()])).expect("valid");
        assert_eq!(some.variables.len(), 1);
        assert!(some.allowed_hosts.is_empty(), "outbound hosts were not listed");
    }

    #[test]
    fn an_unknown_capability_name_is_refused() {
        assert!(component().inherited(&Inherit::Some(vec!["files".into()])).is_err());
    }
}
