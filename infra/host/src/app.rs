//! A loaded application: one engine, every component compiled (or taken from the on-disk
//! cache) and pre-instantiated, its capabilities resolved, and its routes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use http_body_util::BodyExt;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimitsBuilder,
    UpdateDeadline,
};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiBody, WasiHttpCtx, WasiHttpView};

use crate::capabilities::{resolve_app_variables, Backends, Capabilities};
use crate::dependencies::{self, Dependency};
use crate::limits::Limits;
use crate::manifest::{DependencyDecl, Inherit, Manifest, RouteDecl};
use crate::outbound::{BlockedNetworks, OutboundHooks};
use crate::routes::{RouteMatch, RoutePattern, Router};
use crate::runtime_config::RuntimeConfig;
use crate::state::{HostState, SpinData};

/// How to start an app.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub manifest: PathBuf,
    pub state_dir: Option<PathBuf>,
    pub runtime_config: Option<PathBuf>,
    /// Where compiled code is cached between runs.
    pub cache_dir: Option<PathBuf>,
    /// Time, size and count limits.
    pub limits: Limits,
}

/// Guests are interrupted this often to let other requests run on the same worker thread.
const EPOCH_TICK: Duration = Duration::from_millis(10);

struct ComponentRuntime {
    pre: ProxyPre<HostState>,
    caps: Arc<Capabilities>,
    dependency_caps: Arc<Capabilities>,
    environment: Vec<(String, String)>,
    /// Its public routes, for the headers of chained requests.
    routes: Vec<RoutePattern>,
}

pub struct App {
    engine: Engine,
    limits: Limits,
    /// Where outbound HTTP may not connect (`[outbound_networking] block_networks`).
    blocked_networks: BlockedNetworks,
    components: HashMap<String, ComponentRuntime>,
    router: Router,
}

/// Which route a request came in by, for the `spin-*` headers.
pub struct Matched {
    pub raw_route: String,
    pub component_route: String,
    pub route_match: RouteMatch,
}

impl Matched {
    fn by(pattern: &RoutePattern, route_match: RouteMatch) -> Matched {
        Matched { raw_route: pattern.raw().to_string(), component_route: pattern.base(), route_match }
    }

    /// A request that reached a component without one of its routes (chaining to a private
    /// component, an in-process call): the whole path is the path info.
    fn whole_path(path: &str) -> Matched {
        Matched {
            raw_route: "/...".into(),
            component_route: String::new(),
            route_match: RouteMatch { params: Vec::new(), path_info: path.to_string() },
        }
    }
}

impl App {
    pub fn load(options: &LoadOptions) -> Result<Arc<App>> {
        let manifest = Manifest::load(&options.manifest)?;
        let base_dir = Manifest::base_dir(&options.manifest);
        let state_dir = options.state_dir.clone().unwrap_or_else(|| base_dir.join(".spin"));
        std::fs::create_dir_all(&state_dir)
            .with_context(|| format!("creating state dir {}", state_dir.display()))?;
        let (runtime_config, config_dir) = match &options.runtime_config {
            Some(path) => (RuntimeConfig::load(path)?, Manifest::base_dir(path)),
            None => (RuntimeConfig::default(), base_dir.clone()),
        };
        let working_dir = std::env::current_dir().context("reading the working directory")?;
        let stores = runtime_config.resolve(&config_dir, &working_dir, &state_dir)?;
        let app_variables = resolve_app_variables(&manifest, &stores.variable_prefixes)?;
        let backends = Backends::open(&stores, &manifest)?;
        let blocked_networks = runtime_config.blocked_networks()?;
        let engine = engine(options.cache_dir.as_deref(), &options.limits)?;

        let mut routes = Vec::new();
        let mut component_routes: HashMap<String, Vec<RoutePattern>> = HashMap::new();
        let mut triggered = Vec::new();
        for trigger in &manifest.trigger.http {
            triggered.push(trigger.component.clone());
            if let RouteDecl::Path(route) = &trigger.route {
                let pattern = RoutePattern::parse(route)?;
                component_routes.entry(trigger.component.clone()).or_default().push(pattern.clone());
                routes.push((pattern, trigger.component.clone()));
            }
        }
        let router = Router::new(routes)?;

        let mut components = HashMap::new();
        for id in triggered {
            if components.contains_key(&id) {
                continue;
            }
            let decl = &manifest.component[&id];
            let caps = Arc::new(backends.grant(&manifest, &id, &app_variables)?);
            let component = compile(&engine, &base_dir, &id, &decl.source)?;
            let mut linker = base_linker(&engine, Scope::Component)?;
            let mut dependency_caps: Option<Arc<Capabilities>> = None;
            for (key, dep) in &decl.dependencies {
                let (source, inherit) = match dep {
                    DependencyDecl::Path { path, inherit_configuration, .. } => {
                        (path.clone(), inherit_configuration.clone())
                    }
                    DependencyDecl::Component { component, inherit_configuration, .. } => {
                        (manifest.component[component].source.clone(), inherit_configuration.clone())
                    }
                    DependencyDecl::Other(_) => unreachable!("refused by manifest validation"),
                };
                let inherit = match inherit {
                    Inherit::Nothing if decl.dependencies_inherit_configuration => Inherit::All(true),
                    other => other,
                };
                let granted = Arc::new(
                    caps.inherited(&inherit)
                        .with_context(|| format!("[component.{id}.dependencies] \"{key}\": inherit_configuration"))?,
                );
                // One store serves the component and all its dependencies, so they must share
                // one set of grants: refuse rather than give one dependency another's grants.
                match &dependency_caps {
                    Some(previous) if !previous.same_grants(&granted) => bail!(
                        "[component.{id}.dependencies]: this host needs every dependency of a component to inherit the same configuration"
                    ),
                    _ => dependency_caps = Some(granted),
                }
                let dep_component = compile(&engine, &base_dir, &format!("{id}'s dependency \"{key}\""), &source)?;
                let dep_linker = base_linker(&engine, Scope::Dependency)?;
                let pre = dep_linker
                    .instantiate_pre(&dep_component)
                    .map_err(anyhow::Error::from)
                    .with_context(|| format!("linking dependency \"{key}\" of component `{id}`"))?;
                let dependency = Arc::new(Dependency { key: key.clone(), pre, component: dep_component });
                dependencies::link(&engine, &mut linker, &component, dependency)
                    .with_context(|| format!("composing dependency \"{key}\" into component `{id}`"))?;
            }
            let pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("linking component `{id}`: it imports something this host does not provide"))?;
            let pre = ProxyPre::new(pre)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("component `{id}` does not export wasi:http/incoming-handler"))?;
            let dependency_caps = dependency_caps.unwrap_or_else(|| Arc::new(Capabilities::none(&id)));
            components.insert(
                id.clone(),
                ComponentRuntime {
                    pre,
                    caps,
                    dependency_caps,
                    environment: decl.environment.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    routes: component_routes.remove(&id).unwrap_or_default(),
                },
            );
        }
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                // Ends with the engine.
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })
            .context("starting the epoch ticker")?;
        Ok(Arc::new(App { engine, limits: options.limits.clone(), blocked_networks, components, router }))
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn blocked_networks(&self) -> &BlockedNetworks {
        &self.blocked_networks
    }

    pub fn capabilities(&self, component: &str) -> Option<&Arc<Capabilities>> {
        self.components.get(component).map(|c| &c.caps)
    }

    pub fn route(&self, path: &str) -> Option<(String, Matched)> {
        self.router
            .route(path)
            .map(|(pattern, component, route_match)| (component.to_string(), Matched::by(pattern, route_match)))
    }

    /// A request from another component (`http://ID.spin.internal/...`), handled in memory.
    pub async fn handle_chained(
        self: &Arc<Self>,
        target: &str,
        request: http::Request<WasiBody>,
    ) -> Result<http::Response<WasiBody>, wasmtime_wasi_http::Error> {
        let Some(component) = self.components.get(target) else {
            return Err(wasmtime_wasi_http::Error::DestinationNotFound);
        };
        let path = request.uri().path().to_string();
        // The target's own route when one covers the path, else the whole path as path info.
        let matched = component
            .routes
            .iter()
            .find_map(|p| p.matches(&path).map(|m| (p, m)))
            .map(|(p, m)| Matched::by(p, m))
            .unwrap_or_else(|| Matched::whole_path(&path));
        let (mut parts, body) = request.into_parts();
        parts.headers.remove(http::header::HOST);
        let request = http::Request::from_parts(parts, body);
        let client = SocketAddr::from(([0, 0, 0, 0], 0));
        Ok(self.handle(target, request, &matched, client).await)
    }

    /// Runs component `id` on one request in a fresh instance. Never fails: a trap or a host
    /// error is logged with the component id and answered 500.
    pub async fn handle<B>(
        self: &Arc<Self>,
        id: &str,
        request: http::Request<B>,
        matched: &Matched,
        client: SocketAddr,
    ) -> http::Response<HyperOutgoingBody>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        match self.try_handle(id, request, matched, client).await {
            Ok(response) => response,
            Err(e) if e.chain().any(|cause| cause.is::<wasmtime::PoolConcurrencyLimitError>()) => {
                tracing::warn!(component = id, "no instance left: {e:#}");
                service_unavailable()
            }
            Err(e) => {
                tracing::error!(component = id, "request failed: {e:?}");
                internal_error()
            }
        }
    }

    async fn try_handle<B>(
        self: &Arc<Self>,
        id: &str,
        request: http::Request<B>,
        matched: &Matched,
        client: SocketAddr,
    ) -> Result<http::Response<HyperOutgoingBody>>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let component = self.components.get(id).with_context(|| format!("no component `{id}`"))?;
        let request = crate::headers::with_spin_headers(request, matched, client)?;
        let mut store = self.new_store(id, component);
        let incoming = store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let outparam = store.data_mut().http().new_response_outparam(sender)?;
        let pre = component.pre.clone();
        let component_id = id.to_string();
        let task = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy.wasi_http_incoming_handler().call_handle(&mut store, incoming, outparam).await
        });
        match receiver.await {
            Ok(Ok(response)) => {
                // The guest may still be streaming the body; report a late failure.
                tokio::spawn(async move {
                    match task.await {
                        Ok(Err(e)) => {
                            tracing::error!(component = component_id, "failed after responding: {e:?}")
                        }
                        Err(e) => tracing::error!(component = component_id, "task failed: {e}"),
                        Ok(Ok(())) => {}
                    }
                });
                Ok(response)
            }
            Ok(Err(code)) => bail!("the component answered with error code {code:?}"),
            Err(_) => match task.await {
                Ok(Err(e)) => Err(anyhow::Error::from(e).context("the component trapped")),
                Ok(Ok(())) => bail!("the component returned without setting a response"),
                Err(e) => Err(anyhow::Error::new(e).context("the request task panicked")),
            },
        }
    }
}

impl App {
    /// A fresh store for one request to component `id`.
    fn new_store(self: &Arc<Self>, id: &str, component: &ComponentRuntime) -> Store<HostState> {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().inherit_stderr().envs(&component.environment);
        let state = HostState {
            table: ResourceTable::new(),
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks { app: self.clone(), component_id: Arc::from(id) },
            caps: component.caps.clone(),
            dependency_caps: component.dependency_caps.clone(),
            dependencies: HashMap::new(),
            limits: StoreLimitsBuilder::new().memory_size(self.limits.instance_memory).build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        // At every tick a running guest yields to the executor (so one busy request cannot
        // starve the others on its thread); past the timeout it is interrupted.
        let started = Instant::now();
        let timeout = self.limits.request_timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if started.elapsed() > timeout {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        store
    }

    /// Creates and drops one instance of component `id`: what every request pays before
    /// its handler runs (used by the benchmark and as a readiness check).
    pub async fn instantiate(self: &Arc<Self>, id: &str) -> Result<()> {
        let component = self.components.get(id).with_context(|| format!("no component `{id}`"))?;
        let mut store = self.new_store(id, component);
        component.pre.instantiate_async(&mut store).await?;
        Ok(())
    }

    /// A GET of `path` handled in process by component `id` (no network), body discarded.
    pub async fn handle_path(self: &Arc<Self>, id: &str, path: &str) -> Result<http::Response<()>> {
        let matched = self
            .route(path)
            .map(|(_, m)| m)
            .unwrap_or_else(|| Matched::whole_path(path));
        let request = http::Request::builder()
            .uri(path)
            .header(http::header::HOST, "localhost")
            .body(
                http_body_util::Empty::<bytes::Bytes>::new()
                    .map_err(|never: std::convert::Infallible| -> wasmtime_wasi_http::Error { match never {} }),
            )?;
        let response = self.handle(id, request, &matched, SocketAddr::from(([127, 0, 0, 1], 0))).await;
        let (parts, body) = response.into_parts();
        body.collect().await.map_err(|e| anyhow::anyhow!("reading the body: {e:?}"))?;
        Ok(http::Response::from_parts(parts, ()))
    }
}

/// A 500 with a body that says nothing of the cause (which is in the log).
pub fn internal_error() -> http::Response<HyperOutgoingBody> {
    text_response(http::StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n")
}

/// A 503 for a request the host has no room for now (instances, connections).
pub fn service_unavailable() -> http::Response<HyperOutgoingBody> {
    let mut response = text_response(http::StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable\n");
    response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
    response
}

pub fn text_response(status: http::StatusCode, text: &'static str) -> http::Response<HyperOutgoingBody> {
    let body = http_body_util::Full::new(bytes::Bytes::from_static(text.as_bytes()))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Whose grants the Spin interfaces of a linker consult.
#[derive(Clone, Copy)]
enum Scope {
    Component,
    Dependency,
}

fn base_linker(engine: &Engine, scope: Scope) -> Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    match scope {
        Scope::Component => {
            crate::bindings::SpinHost::add_to_linker::<_, SpinData>(&mut linker, HostState::component_view)?
        }
        Scope::Dependency => {
            crate::bindings::SpinHost::add_to_linker::<_, SpinData>(&mut linker, HostState::dependency_view)?
        }
    }
    Ok(linker)
}

fn engine(cache_dir: Option<&Path>, limits: &Limits) -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    // Instances come from pre-allocated slots: a fresh instance per request stays cheap. A
    // component instance holds a few core instances and tables, and one memory and stack.
    let instances = limits.max_instances;
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(4))
        .total_memories(instances)
        .total_tables(instances.saturating_mul(2))
        .total_stacks(instances)
        .max_memory_size(limits.instance_memory);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    if let Some(dir) = cache_dir {
        let mut cache = wasmtime::CacheConfig::new();
        cache.with_directory(dir);
        config.cache(Some(wasmtime::Cache::new(cache).map_err(anyhow::Error::from).context("setting up the compiled-code cache")?));
    }
    Ok(Engine::new(&config)?)
}

fn compile(engine: &Engine, base_dir: &Path, id: &str, source: &str) -> Result<Component> {
    let path = base_dir.join(source);
    if !path.exists() {
        bail!(
            "component `{id}`: source {} does not exist; build it first (`guichet-host build` or `spin build`)",
            path.display()
        );
    }
    Component::from_file(engine, &path)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("component `{id}`: compiling {}", path.display()))
}
