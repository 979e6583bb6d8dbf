//! Per-request instantiation cost: how long creating a fresh store and instance of a
//! pre-instantiated component takes, against a whole in-process request to the same component.
//! Usage: instantiate <spin.toml> <component-id> <path> [iterations]

use std::time::Instant;

use guichet_host::app::{App, LoadOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let manifest = args.next().unwrap_or_else(|| "tests/fixtures/probe-app/spin.toml".into());
    let component = args.next().unwrap_or_else(|| "probe".into());
    let path = args.next().unwrap_or_else(|| "/probe/hello".into());
    let iterations: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let state = std::env::temp_dir().join(format!("guichet-bench-{}", std::process::id()));
    let options = LoadOptions {
        manifest: manifest.into(),
        state_dir: Some(state.clone()),
        runtime_config: std::env::var_os("RUNTIME_CONFIG").map(Into::into),
        cache_dir: None,
        limits: guichet_host::limits::Limits::default(),
    };
    let app = App::load(&options)?;

    for _ in 0..100 {
        app.instantiate(&component).await?;
    }
    let start = Instant::now();
    for _ in 0..iterations {
        app.instantiate(&component).await?;
    }
    let instantiate = start.elapsed() / iterations;

    let start = Instant::now();
    for _ in 0..iterations {
        let response = app.handle_path(&component, &path).await?;
        anyhow::ensure!(response.status() == 200, "{path} answered {}", response.status());
    }
    let request = start.elapsed() / iterations;
    let _ = std::fs::remove_dir_all(state);

    println!("instantiate_us={:.1}", instantiate.as_secs_f64() * 1e6);
    println!("in_process_request_us={:.1}", request.as_secs_f64() * 1e6);
    Ok(())
}
