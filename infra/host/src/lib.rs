//! Guichet's host: runs a Spin application (`spin.toml` and its wasm components) the way
//! `spin up` does, on wasmtime, so that local runs and tests use the very `.wasm` files that
//! Spin and SpinKube run in production.
//!
//! - [`manifest`] and [`runtime_config`] read the configuration strictly;
//! - [`app`] compiles, caches and pre-instantiates components and runs one request;
//! - [`server`] is the HTTP trigger, with Spin's [`routes`] and [`headers`];
//! - [`key_value`] (on SQLite files or [`key_value_redis`]), [`sqlite`], [`variables`] implement
//!   the Spin interfaces, each consulting the component's [`capabilities`];
//! - [`outbound`] limits outbound HTTP and performs service chaining, [`network`] sends the
//!   rest (blocked networks, timeouts); [`dependencies`] composes component dependencies;
//! - [`backup`] copies every database out while the app serves, and back;
//! - [`limits`] are what one client may take of the host; [`request_body`] enforces the
//!   body's size and time limits.

pub mod app;
pub mod backup;
pub mod bindings;
pub mod build;
pub mod capabilities;
pub mod dependencies;
pub mod headers;
pub mod key_value;
pub mod key_value_redis;
pub mod limits;
pub mod manifest;
pub mod network;
pub mod outbound;
pub mod request_body;
pub mod routes;
pub mod runtime_config;
pub mod server;
pub mod sqlite;
pub mod state;
pub mod variables;
