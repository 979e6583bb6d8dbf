//! The data of one request's store: WASI and wasi-http contexts, the resource table, and the
//! capabilities of the component being run (and of its dependencies).

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::{HasData, Instance, ResourceTable};
use wasmtime::StoreLimits;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::capabilities::Capabilities;
use crate::outbound::OutboundHooks;

pub struct HostState {
    pub table: ResourceTable,
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub hooks: OutboundHooks,
    /// What the component itself may use.
    pub caps: Arc<Capabilities>,
    /// What its dependencies may use: nothing, or the component's grants when inherited.
    pub dependency_caps: Arc<Capabilities>,
    /// Dependency instances, created in this store on first use.
    pub dependencies: HashMap<String, Instance>,
    pub limits: StoreLimits,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// What the Spin interfaces see of the store: the table and one set of capabilities.
pub struct SpinView<'a> {
    pub table: &'a mut ResourceTable,
    pub caps: &'a Capabilities,
}

/// [`HasData`] marker for the Spin interfaces.
pub struct SpinData;

impl HasData for SpinData {
    type Data<'a> = SpinView<'a>;
}

impl HostState {
    /// The view for calls made by the component itself.
    pub fn component_view(&mut self) -> SpinView<'_> {
        SpinView { table: &mut self.table, caps: &self.caps }
    }

    /// The view for calls made by a composed dependency.
    pub fn dependency_view(&mut self) -> SpinView<'_> {
        SpinView { table: &mut self.table, caps: &self.dependency_caps }
    }
}
