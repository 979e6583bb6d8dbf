//! What verifying an access token costs a request: the `tokens` component (the verifier every
//! authenticated route uses, composed as a Spin dependency) driven in process on wasmtime the
//! way `guichet-host` drives it, against jwt-simple doing the same checks natively.
//!
//! The host instantiates a dependency in the request's store on its first call
//! (infra/host/src/dependencies.rs), so one verification per request costs a fresh instance of
//! tokens.wasm plus one `verify` call. Measured, per operation:
//!
//! - `store_us`: creating and dropping a request's store (paid by every request anyway);
//! - `fresh_us`: store + instantiating tokens.wasm + `verify` + drop, minus `store_us`: what one
//!   verification adds to a request;
//! - `instantiate_us`: store + instantiation + drop, minus `store_us`;
//! - `warm_us`: `verify` again and again on one instance (the call alone);
//! - `native_us`: the same checks natively with the same jwt-simple (parse the JWKS, pin the
//!   algorithm, find the `kid`, verify signature, `iss`, `aud`, times, `typ`).
//!
//! Each is the median of the means of 9 interleaved batches sharing `iterations` (the machine's
//! other work moves them; the ratios to `native_us` move much less).
//!
//! Over HTTP, as a check, the same route of identity (`GET /api/identity/me`, which opens the
//! database then asks for the caller) one request at a time on one keep-alive connection, in
//! rounds of three requests that differ only by their `Authorization` header, each answered
//! 401: none (no verification: `missing_token`), a malformed token (the verifier is
//! instantiated, reads its variables and refuses before any cryptography) and a well-signed token of another commune (the whole
//! verification, refused at the audience check). Medians `http_none_ms`, `http_malformed_ms`,
//! `http_signed_ms`; the differences are what the verifier adds, within the noise of a request.
//!
//! The engine, linker and store are set up as in infra/host/src/app.rs (pooling allocator,
//! epoch interruption, 512 MiB memory limit, Spin interfaces seen through the dependency's
//! grants); the variables are those spin.toml gives identity's dependency, with the JWKS of a
//! key generated here. Usage: identity-token [iterations] [http-rounds]   (defaults 5000, 1000)

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context as _};
use guichet_host::app::{App, LoadOptions};
use guichet_host::bindings::SpinHost;
use guichet_host::capabilities::Capabilities;
use guichet_host::manifest::Inherit;
use guichet_host::outbound::OutboundHooks;
use guichet_host::state::{HostState, SpinData};
use guichet_tests::guichet::{public_jwks, Guichet};
use guichet_tests::{root, HostConfig};
use guichet_tests::tokens::{TestKeys, ISSUER};
use jwt_simple::prelude::{
    Base64UrlSafeNoPadding, Ed25519PublicKey, EdDSAPublicKeyLike as _, JWTClaims, Token,
    VerificationOptions,
};
use jwt_simple::reexports::ct_codecs::Decoder as _;
use serde::Deserialize;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimitsBuilder};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::WasiHttpCtx;

const INTERFACE: &str = "guichet:platform/tokens@0.1.0";
const COMMUNE: &str = "demo";
/// The component whose dependency is measured (any authenticated one would do).
const IMPORTER: &str = "identity";
/// Batches of the in-process measurements (see `main`).
const BATCHES: u32 = 9;
/// As infra/host/src/app.rs.
const MAX_MEMORY: usize = 512 << 20;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let iterations: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(5000);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let keys = TestKeys::generate("bench-key");
    let jwks = public_jwks(&[&keys]);
    let token = keys.access_token(COMMUNE, "bench-citizen", &["citizen"]);

    // The real application, for the grants spin.toml gives identity's dependency and for the
    // outbound hooks a store carries.
    let state = tempfile::tempdir().context("tempdir")?;
    let config = HostConfig::guichet_in(state.path());
    let app = App::load(&LoadOptions {
        manifest: config.manifest,
        state_dir: Some(state.path().to_path_buf()),
        runtime_config: config.runtime_config,
        cache_dir: Some(root().join("target/wasm-cache")),
        limits: guichet_host::limits::Limits::default(),
    })?;
    let mut granted = app
        .capabilities(IMPORTER)
        .with_context(|| format!("no component `{IMPORTER}` in spin.toml"))?
        .inherited(&Inherit::All(true))?;
    ensure!(granted.variables.contains_key("token_jwks"), "identity's dependency does not see token_jwks");
    granted.variables.insert("token_jwks".into(), jwks.clone());
    let granted = Arc::new(granted);

    let engine = engine()?;
    let component = Component::from_file(&engine, root().join("target/wasm32-wasip2/release/tokens.wasm"))
        .map_err(anyhow::Error::from)
        .context("compiling tokens.wasm (run make build)")?;
    let mut linker: Linker<HostState> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    SpinHost::add_to_linker::<_, SpinData>(&mut linker, HostState::dependency_view)?;
    let pre = linker.instantiate_pre(&component)?;
    let interface = component.get_export_index(None, INTERFACE).context("tokens.wasm exports no tokens interface")?;
    let verify = component
        .get_export_index(Some(&interface), "verify")
        .context("tokens.wasm exports no verify")?;
    let new_store = || store(&engine, &app, &granted);
    let args = [Val::String(token.clone()), Val::String(COMMUNE.into())];

    // Check the verdict once (and warm up) before timing anything.
    for _ in 0..200 {
        fresh_verification(new_store(), &pre, verify, &args).await?;
    }
    let mut store = new_store();
    let instance = pre.instantiate_async(&mut store).await?;
    let func = instance.get_func(&mut store, verify).context("no verify")?;

    // In interleaved batches, each figure the median of its batch means, so that a burst of
    // other work on the machine moves one batch of every kind rather than one kind.
    let batch = (iterations / BATCHES).max(1);
    let mut samples: [Vec<Duration>; 5] = Default::default();
    for _ in 0..BATCHES {
        samples[0].push(
            mean(batch, || async {
                drop(new_store());
                Ok(())
            })
            .await?,
        );
        samples[1].push(
            mean(batch, || async {
                let mut store = new_store();
                pre.instantiate_async(&mut store).await?;
                Ok(())
            })
            .await?,
        );
        samples[2].push(mean(batch, || fresh_verification(new_store(), &pre, verify, &args)).await?);
        let started = Instant::now();
        for _ in 0..batch {
            let mut results = [Val::Bool(false)];
            func.call_async(&mut store, &args, &mut results).await?;
            check(&results[0])?;
        }
        samples[3].push(started.elapsed() / batch);
        let started = Instant::now();
        for _ in 0..batch {
            let subject = native_verify(&token, COMMUNE, &jwks, ISSUER)?;
            ensure!(subject == "bench-citizen", "native verification answered {subject}");
        }
        samples[4].push(started.elapsed() / batch);
    }
    let [store_only, instantiate, fresh, warm, native] = samples.map(|mut s| {
        s.sort_unstable();
        s[s.len() / 2]
    });

    drop(store);
    drop(app);
    let http = tokio::task::spawn_blocking(move || http_rounds(rounds)).await??;

    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("iterations={}", batch * BATCHES);
    println!("store_us={:.1}", us(store_only));
    println!("instantiate_us={:.1}", us(instantiate.saturating_sub(store_only)));
    println!("fresh_us={:.1}", us(fresh.saturating_sub(store_only)));
    println!("warm_us={:.1}", us(warm));
    println!("native_us={:.1}", us(native));
    println!("http_rounds={rounds}");
    for (name, median) in ["none", "malformed", "signed"].iter().zip(http) {
        println!("http_{name}_ms={:.3}", median.as_secs_f64() * 1000.0);
    }
    Ok(())
}

/// Medians of `GET /api/identity/me` without a token, with a malformed one, with a well-signed
/// one of another commune, through a running Guichet (see the module comment).
fn http_rounds(rounds: usize) -> anyhow::Result<[Duration; 3]> {
    let guichet = Guichet::start();
    let url = guichet.host.url("/api/identity/me");
    let other = guichet.keys.access_token("autre-commune", "bench-citizen", &["citizen"]);
    let cases = [
        (None, "missing_token"),
        (Some("Bearer not-a-token".to_owned()), "not a well-formed"),
        (Some(format!("Bearer {other}")), "another commune"),
    ];
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut times: [Vec<Duration>; 3] = Default::default();
    for round in 0..rounds + 50 {
        for (i, (authorization, expected)) in cases.iter().enumerate() {
            let mut request = agent.get(&url);
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let started = Instant::now();
            let mut reply = request.call().with_context(|| format!("GET {url}"))?;
            let body = reply.body_mut().read_to_string()?;
            let elapsed = started.elapsed();
            ensure!(reply.status() == 401 && body.contains(expected), "{}: {body}", reply.status());
            // The first rounds warm the host up.
            if round >= 50 {
                times[i].push(elapsed);
            }
        }
    }
    Ok(times.map(|mut t| {
        t.sort_unstable();
        t[t.len() / 2]
    }))
}

/// A request's store as `App::new_store` makes it (no epoch ticker runs here, so the deadline
/// callback never fires; the checks compiled into the guest are the same).
fn store(engine: &Engine, app: &Arc<App>, granted: &Arc<Capabilities>) -> Store<HostState> {
    let state = HostState {
        table: ResourceTable::new(),
        wasi: WasiCtx::builder().build(),
        http: WasiHttpCtx::new(),
        hooks: OutboundHooks { app: app.clone(), component_id: Arc::from(IMPORTER) },
        caps: granted.clone(),
        dependency_caps: granted.clone(),
        dependencies: HashMap::new(),
        limits: StoreLimitsBuilder::new().memory_size(MAX_MEMORY).build(),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(u64::MAX / 2);
    store
}

/// The engine of infra/host/src/app.rs (without its compiled-code cache).
fn engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(1000)
        .total_core_instances(4000)
        .total_memories(1000)
        .total_tables(2000)
        .total_stacks(1000)
        .max_memory_size(MAX_MEMORY);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    Ok(Engine::new(&config)?)
}

/// One request's verification: a fresh instance of the verifier, one call, then the store
/// (and the instance with it) dropped.
async fn fresh_verification(
    mut store: Store<HostState>,
    pre: &InstancePre<HostState>,
    verify: ComponentExportIndex,
    args: &[Val],
) -> anyhow::Result<()> {
    let instance = pre.instantiate_async(&mut store).await?;
    let func = instance.get_func(&mut store, verify).context("no verify")?;
    let mut results = [Val::Bool(false)];
    func.call_async(&mut store, args, &mut results).await?;
    check(&results[0])
}

/// The verdict must be `ok(claims)` for the bench subject: a refused token would time an
/// early return.
fn check(verdict: &Val) -> anyhow::Result<()> {
    match verdict {
        Val::Result(Ok(Some(claims))) => match claims.as_ref() {
            Val::Record(fields) if fields.iter().any(|(k, v)| k == "subject" && *v == Val::String("bench-citizen".into())) => Ok(()),
            other => bail!("unexpected claims {other:?}"),
        },
        other => bail!("the token was refused: {other:?}"),
    }
}

async fn mean<F, Fut>(iterations: u32, mut run: F) -> anyhow::Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let started = Instant::now();
    for _ in 0..iterations {
        run().await?;
    }
    Ok(started.elapsed() / iterations)
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: String,
    x: String,
}

#[derive(Deserialize)]
struct Access {
    typ: Option<String>,
    #[serde(default)]
    #[allow(dead_code, reason = "decoded like the component does, not used")]
    roles: Vec<String>,
    #[serde(default)]
    #[allow(dead_code, reason = "decoded like the component does, not used")]
    departments: Vec<String>,
}

/// The work of components/tokens natively, with the same jwt-simple: read the JWKS, pin the
/// algorithm on the raw header, find the key by `kid`, verify; returns the subject.
fn native_verify(token: &str, commune: &str, jwks: &str, issuer: &str) -> anyhow::Result<String> {
    let jwks: Jwks = serde_json::from_str(jwks)?;
    let metadata = Token::decode_metadata(token).map_err(|e| anyhow!("{e}"))?;
    ensure!(metadata.algorithm() == "EdDSA", "algorithm");
    let jwk = jwks
        .keys
        .iter()
        .find(|k| Some(k.kid.as_str()) == metadata.key_id())
        .context("unknown kid")?;
    let bytes = Base64UrlSafeNoPadding::decode_to_vec(&jwk.x, None).map_err(|e| anyhow!("{e}"))?;
    let key = Ed25519PublicKey::from_bytes(&bytes).map_err(|e| anyhow!("{e}"))?;
    let options = VerificationOptions {
        allowed_issuers: Some(HashSet::from([issuer.to_owned()])),
        allowed_audiences: Some(HashSet::from([commune.to_owned()])),
        time_tolerance: Some(jwt_simple::prelude::Duration::from_secs(60)),
        ..VerificationOptions::default()
    };
    let claims: JWTClaims<Access> = key.verify_token(token, Some(options)).map_err(|e| anyhow!("{e}"))?;
    ensure!(claims.custom.typ.as_deref() == Some("access"), "typ");
    claims.subject.context("no subject")
}
