//! `guichet-host up` serves a Spin app; `guichet-host build` builds its components.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use guichet_host::app::{App, LoadOptions};

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
        /// Seconds a request may run guest code before it is interrupted with a 500.
        #[arg(long, env = "GUICHET_REQUEST_TIMEOUT", default_value_t = 60)]
        request_timeout: u64,
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
        Command::Up { manifest, listen, state_dir, runtime_config_file, cache_dir, request_timeout } => {
            // wasmtime's cache wants an absolute directory.
            let cache_dir = cache_dir.or_else(default_cache_dir).map(std::path::absolute).transpose()?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async move {
                let options = LoadOptions {
                    manifest,
                    state_dir,
                    runtime_config: runtime_config_file,
                    cache_dir,
                    request_timeout: std::time::Duration::from_secs(request_timeout),
                };
                let app = tokio::task::spawn_blocking(move || App::load(&options)).await??;
                let listener = guichet_host::server::bind(&listen).await?;
                let address = listener.local_addr()?;
                println!("Serving http://{address}");
                println!("Available routes: see spin.toml; health: http://{address}/health");
                guichet_host::server::serve(app, listener).await
            })
        }
    }
}

fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("guichet-host"))
}
