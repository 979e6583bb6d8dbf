//! The runtime config file (`--runtime-config-file`): which key-value stores and SQLite
//! databases exist besides `default`, and where they live (a file, memory, or for key-value a
//! Redis server: `type = "redis"`, `url`, as Spin spells it); which networks outbound HTTP may
//! not reach (`[outbound_networking] block_networks`, as in Spin). A type this host does not
//! run (libSQL) stops the start, naming the setting: never a silent fallback to a local file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::network::BlockedNetworks;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    #[serde(default)]
    key_value_store: BTreeMap<String, StoreDecl>,
    #[serde(default)]
    sqlite_database: BTreeMap<String, StoreDecl>,
    #[serde(default)]
    variables_provider: Vec<VariablesProvider>,
    #[serde(default)]
    outbound_networking: OutboundNetworking,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboundNetworking {
    /// CIDRs, or `"private"` for every network that is not globally routable.
    #[serde(default)]
    block_networks: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreDecl {
    #[serde(rename = "type")]
    kind: String,
    path: Option<PathBuf>,
    /// `type = "redis"`: the server (`redis://[:password@]host[:port][/db]`).
    url: Option<String>,
    /// `type = "libsql"`: its token (read so that the error names the type, not the field).
    token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariablesProvider {
    #[serde(rename = "type")]
    kind: String,
    prefix: Option<String>,
}

/// Where a store's data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// No `path`: an in-memory database that lives as long as the host.
    Memory,
    /// A Redis server (key-value stores only), by its URL.
    Redis(String),
}

/// The stores of one run: labels and locations, defaults included.
#[derive(Debug, Clone)]
pub struct Stores {
    pub key_value: BTreeMap<String, Location>,
    pub sqlite: BTreeMap<String, Location>,
    /// Environment prefixes for variables (`SPIN_VARIABLE` unless configured).
    pub variable_prefixes: Vec<String>,
}

impl RuntimeConfig {
    pub fn load(path: &Path) -> Result<RuntimeConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading runtime config {}", path.display()))?;
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("invalid runtime config {}", path.display()))
    }

    /// The networks outbound HTTP may not connect to.
    pub fn blocked_networks(&self) -> Result<BlockedNetworks> {
        BlockedNetworks::parse(&self.outbound_networking.block_networks).context("[outbound_networking]")
    }

    /// Resolves labels to locations exactly as `spin up` 4.0 does (measured on the real binary,
    /// see README, "Tests"): `default` lives in the state dir; a relative key-value `path` is
    /// taken from the runtime config file's directory, but a relative SQLite `path` from the
    /// working directory, so that one file can name both from the directory Spin runs in.
    pub fn resolve(&self, config_dir: &Path, working_dir: &Path, state_dir: &Path) -> Result<Stores> {
        let mut key_value = BTreeMap::from([(
            "default".to_string(),
            Location::File(state_dir.join("sqlite_key_value.db")),
        )]);
        let mut sqlite = BTreeMap::from([(
            "default".to_string(),
            Location::File(state_dir.join("sqlite_db.db")),
        )]);
        for (label, decl) in &self.key_value_store {
            let location = match decl.kind.as_str() {
                "redis" => decl.redis_url(),
                _ => decl.location(config_dir),
            };
            key_value.insert(label.clone(), location.with_context(|| format!("[key_value_store.{label}]"))?);
        }
        for (label, decl) in &self.sqlite_database {
            sqlite.insert(label.clone(), decl.location(working_dir).with_context(|| format!("[sqlite_database.{label}]"))?);
        }
        let mut variable_prefixes = Vec::new();
        for provider in &self.variables_provider {
            if provider.kind != "env" {
                bail!("[[variables_provider]] type = \"{}\": only \"env\" is supported by this host", provider.kind);
            }
            variable_prefixes.push(provider.prefix.clone().unwrap_or_else(|| "SPIN_VARIABLE".into()));
        }
        if variable_prefixes.is_empty() {
            variable_prefixes.push("SPIN_VARIABLE".into());
        }
        Ok(Stores { key_value, sqlite, variable_prefixes })
    }
}

impl StoreDecl {
    /// The file `path` names, a relative one taken from `base`.
    fn location(&self, base: &Path) -> Result<Location> {
        if self.kind != "spin" {
            bail!(
                "type = \"{}\": this host runs \"spin\" (SQLite files) stores, and \"redis\" key-value stores",
                self.kind
            );
        }
        if self.url.is_some() || self.token.is_some() {
            bail!("type = \"spin\" takes a `path`, not a `url` or `token`");
        }
        Ok(match &self.path {
            Some(path) if path.is_absolute() => Location::File(path.clone()),
            Some(path) => Location::File(base.join(path)),
            None => Location::Memory,
        })
    }

    /// The server of a `type = "redis"` store: a `redis://` or `rediss://` URL is required.
    fn redis_url(&self) -> Result<Location> {
        if self.path.is_some() || self.token.is_some() {
            bail!("type = \"redis\" takes a `url`, not a `path` or `token`");
        }
        let Some(url) = self.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            bail!("type = \"redis\" needs `url` (redis://host:port/db)");
        };
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            bail!("url must start with redis:// or rediss://");
        }
        Ok(Location::Redis(url.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_labels_live_where_spin_puts_them() {
        let stores = RuntimeConfig::default()
            .resolve(Path::new("/cfg"), Path::new("/cwd"), Path::new("/app/.spin"))
            .expect("resolves");
        assert_eq!(stores.key_value["default"], Location::File("/app/.spin/sqlite_key_value.db".into()));
        assert_eq!(stores.sqlite["default"], Location::File("/app/.spin/sqlite_db.db".into()));
    }

    #[test]
    fn relative_sqlite_paths_start_at_the_working_directory_and_key_value_ones_at_the_config_file() {
        let cfg: RuntimeConfig = toml::from_str(
            "[sqlite_database.orders]\ntype = \"spin\"\npath = \"data/orders.db\"\n\
             [key_value_store.cache]\ntype = \"spin\"\npath = \"data/cache.db\"\n\
             [key_value_store.scratch]\ntype = \"spin\"\n\
             [sqlite_database.audit]\ntype = \"spin\"\npath = \"/var/audit.db\"\n",
        )
        .expect("parses");
        let stores = cfg.resolve(Path::new("/cfg"), Path::new("/cwd"), Path::new("/state")).expect("resolves");
        assert_eq!(stores.sqlite["orders"], Location::File("/cwd/data/orders.db".into()));
        assert_eq!(stores.key_value["cache"], Location::File("/cfg/data/cache.db".into()));
        assert_eq!(stores.sqlite["audit"], Location::File("/var/audit.db".into()));
        assert_eq!(stores.key_value["scratch"], Location::Memory);
    }

    #[test]
    fn block_networks_are_read_from_outbound_networking() {
        let cfg: RuntimeConfig =
            toml::from_str("[outbound_networking]\nblock_networks = [\"private\", \"1.1.1.0/24\"]\n").expect("parses");
        let blocked = cfg.blocked_networks().expect("valid");
        assert!(blocked.is_blocked("127.0.0.1".parse().expect("ip")));
        assert!(blocked.is_blocked("1.1.1.1".parse().expect("ip")));
        assert!(!blocked.is_blocked("8.8.8.8".parse().expect("ip")));
        assert!(!RuntimeConfig::default().blocked_networks().expect("valid").is_blocked("127.0.0.1".parse().expect("ip")));
        let bad: RuntimeConfig = toml::from_str("[outbound_networking]\nblock_networks = [\"nope\"]\n").expect("parses");
        assert!(format!("{:#}", bad.blocked_networks().expect_err("an invalid entry")).contains("outbound_networking"));
    }

    fn refusal(text: &str) -> String {
        let cfg: RuntimeConfig = toml::from_str(text).expect("parses");
        format!("{:#}", cfg.resolve(Path::new("/"), Path::new("/"), Path::new("/")).unwrap_err())
    }

    #[test]
    fn unsupported_store_types_are_refused_by_name() {
        let err = refusal("[key_value_store.cache]\ntype = \"azure_cosmos\"\n");
        assert!(err.contains("key_value_store.cache") && err.contains("azure_cosmos"), "{err}");
        let err = refusal("[sqlite_database.orders]\ntype = \"libsql\"\nurl = \"https://db.example\"\ntoken = \"t\"\n");
        assert!(err.contains("sqlite_database.orders") && err.contains("libsql"), "{err}");
        let err = refusal("[sqlite_database.orders]\ntype = \"redis\"\nurl = \"redis://127.0.0.1\"\n");
        assert!(err.contains("sqlite_database.orders") && err.contains("redis"), "{err}");
    }

    #[test]
    fn a_redis_key_value_store_is_a_server_url_and_needs_one() {
        let cfg: RuntimeConfig =
            toml::from_str("[key_value_store.cache]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379/2\"\n").expect("parses");
        let stores = cfg.resolve(Path::new("/"), Path::new("/"), Path::new("/")).expect("resolves");
        assert_eq!(stores.key_value["cache"], Location::Redis("redis://127.0.0.1:6379/2".into()));
        let err = refusal("[key_value_store.cache]\ntype = \"redis\"\n");
        assert!(err.contains("key_value_store.cache") && err.contains("needs `url`"), "{err}");
        let err = refusal("[key_value_store.cache]\ntype = \"redis\"\nurl = \"http://127.0.0.1\"\n");
        assert!(err.contains("key_value_store.cache") && err.contains("redis://"), "{err}");
        let err = refusal("[key_value_store.cache]\ntype = \"redis\"\npath = \"x.db\"\nurl = \"redis://h\"\n");
        assert!(err.contains("key_value_store.cache") && err.contains("not a `path`"), "{err}");
    }
}
