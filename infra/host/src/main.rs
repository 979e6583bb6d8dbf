//! `guichet-host up` serves a Spin app; `guichet-host build` builds its components;
//! `guichet-host backup` and `restore` copy every database of a runtime config out and back.

use std::path::PathBuf;

use std::time::Duration;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use guichet_host::app::{App, LoadOptions};
use guichet_host::limits::Limits;

#[derive(Parser)]
#[command(name = "guichet-host", version, about = "Runs a Spin application like `spin up`")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the application.
    Up {
        /// The manifest.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        manifest: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: String,
        /// Where default stores live (default: `.spin` beside the manifest).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Runtime config defining non-default stores.
        #[arg(long)]
        runtime_config_file: Option<PathBuf>,
        /// Cache of compiled components (default: ~/.cache/guichet-host).
        #[arg(long, env = "GUICHET_CACHE_DIR")]
        cache_dir: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Copy every SQLite database and file-backed key-value store, while the app serves.
    Backup {
        #[command(flatten)]
        stores: StoreArgs,
        /// A new (or empty) directory for the copies and their list, backup.json.
        #[arg(long)]
        to: PathBuf,
    },
    /// Put the databases of a backup back where the runtime config places them (app stopped).
    Restore {
        #[command(flatten)]
        stores: StoreArgs,
        /// A directory written by `guichet-host backup`.
        #[arg(long = "from-backup")]
        backup: PathBuf,
        /// Replace databases that exist.
        #[arg(long)]
        force: bool,
    },
    /// Run the build command of each component (all, or those named).
    Build {
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        manifest: PathBuf,
        /// Components to build.
        #[arg(short, long = "component-id")]
        component: Vec<String>,
    },
}

/// Where the stores are, as `up` finds them.
#[derive(Args)]
struct StoreArgs {
    /// The manifest (its directory holds the default state dir, `.spin`).
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    manifest: PathBuf,
    #[arg(long)]
    state_dir: Option<PathBuf>,
    #[arg(long)]
    runtime_config_file: Option<PathBuf>,
}

impl StoreArgs {
    fn stores(&self) -> Result<guichet_host::runtime_config::Stores> {
        use guichet_host::manifest::Manifest;
        use guichet_host::runtime_config::RuntimeConfig;
        let state_dir = self.state_dir.clone().unwrap_or_else(|| Manifest::base_dir(&self.manifest).join(".spin"));
        let (config, config_dir) = match &self.runtime_config_file {
            Some(path) => (RuntimeConfig::load(path)?, Manifest::base_dir(path)),
            None => (RuntimeConfig::default(), Manifest::base_dir(&self.manifest)),
        };
        config.resolve(&config_dir, &std::env::current_dir()?, &state_dir)
    }
}

/// What one client may take of the host (defaults in [`Limits::default`]).
#[derive(Args)]
struct LimitArgs {
    /// Seconds a request may run guest code before it is interrupted with a 500.
    #[arg(long, env = "GUICHET_REQUEST_TIMEOUT", default_value_t = Limits::default().request_timeout.as_secs())]
    request_timeout: u64,
    /// Seconds a client may take to send a request's headers (or stay idle between requests).
    #[arg(long, env = "GUICHET_HEADER_TIMEOUT", default_value_t = Limits::default().header_timeout.as_secs())]
    header_timeout: u64,
    /// Seconds a client may take to send a body, plus one per --body-min-rate bytes sent (408).
    #[arg(long, env = "GUICHET_BODY_TIMEOUT", default_value_t = Limits::default().body_timeout.as_secs())]
    body_timeout: u64,
    /// Bytes per second a body must keep up with after --body-timeout.
    #[arg(long, env = "GUICHET_BODY_MIN_RATE", default_value_t = Limits::default().body_min_rate)]
    body_min_rate: u64,
    /// Largest request body in bytes (413).
    #[arg(long, env = "GUICHET_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: u64,
    /// Connections served at once (32 more are answered 503, the rest closed).
    #[arg(long, env = "GUICHET_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Component instances alive at once (503 beyond).
    #[arg(long, env = "GUICHET_MAX_INSTANCES", default_value_t = Limits::default().max_instances)]
    max_instances: u32,
    /// MiB of linear memory one instance may use.
    #[arg(long, env = "GUICHET_INSTANCE_MEMORY_MIB", default_value_t = Limits::default().instance_memory >> 20)]
    instance_memory_mib: usize,
    /// Seconds outbound HTTP may take to connect (DNS, TCP, TLS).
    #[arg(long, env = "GUICHET_OUTBOUND_CONNECT_TIMEOUT", default_value_t = Limits::default().outbound_connect_timeout.as_secs())]
    outbound_connect_timeout: u64,
    /// Seconds outbound HTTP may wait for the answer, and between two chunks of its body.
    #[arg(long, env = "GUICHET_OUTBOUND_TIMEOUT", default_value_t = Limits::default().outbound_timeout.as_secs())]
    outbound_timeout: u64,
    /// Seconds a host told to stop (SIGTERM) keeps serving with `/health` at 503 before it
    /// stops accepting and finishes what it has (at most 30 s more).
    #[arg(long, env = "GUICHET_DRAIN_SECONDS", default_value_t = Limits::default().drain.as_secs())]
    drain_seconds: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            request_timeout: Duration::from_secs(self.request_timeout),
            header_timeout: Duration::from_secs(self.header_timeout),
            body_timeout: Duration::from_secs(self.body_timeout),
            body_min_rate: self.body_min_rate,
            max_body_bytes: self.max_body_bytes,
            max_connections: self.max_connections.max(1),
            max_instances: self.max_instances.max(1),
            instance_memory: self.instance_memory_mib.max(1) << 20,
            outbound_connect_timeout: Duration::from_secs(self.outbound_connect_timeout),
            outbound_timeout: Duration::from_secs(self.outbound_timeout),
            drain: Duration::from_secs(self.drain_seconds),
        }
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wasmtime_cranelift=warn,cranelift=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build { manifest, component } => guichet_host::build::build(&manifest, &component),
        Command::Backup { stores, to } => {
            let manifest = guichet_host::backup::backup(&stores.stores()?, &to)?;
            for entry in &manifest.entries {
                println!("backed up [{}.{}] -> {}", entry.kind, entry.label, to.join(&entry.file).display());
            }
            for skipped in &manifest.skipped {
                println!("skipped [{}.{}]: {}", skipped.kind, skipped.label, skipped.reason);
            }
            Ok(())
        }
        Command::Restore { stores, backup, force } => {
            for path in guichet_host::backup::restore(&stores.stores()?, &backup, force)? {
                println!("restored {}", path.display());
            }
            Ok(())
        }
        Command::Up { manifest, listen, state_dir, runtime_config_file, cache_dir, limits } => {
            // wasmtime's cache wants an absolute directory.
            let cache_dir = cache_dir.or_else(default_cache_dir).map(std::path::absolute).transpose()?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async move {
                let options = LoadOptions {
                    manifest,
                    state_dir,
                    runtime_config: runtime_config_file,
                    cache_dir,
                    limits: limits.limits(),
                };
                let app = tokio::task::spawn_blocking(move || App::load(&options)).await??;
                let listener = guichet_host::server::bind(&listen).await?;
                let address = listener.local_addr()?;
                println!("Serving http://{address}");
                println!("Available routes: see spin.toml; health: http://{address}/health");
                guichet_host::server::serve(app, listener, stop_signal()).await
            })
        }
    }
}

/// SIGTERM (systemd, Kubernetes) or Ctrl-C: the host drains, then exits 0.
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM ({e}): only Ctrl-C drains");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("guichet-host"))
}
