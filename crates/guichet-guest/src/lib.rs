//! Code shared by every Guichet WebAssembly component (spin-sdk 5.2, wasm32-wasip2).
//!
//! Components never copy code between each other; what more than one of them needs lives here:
//!
//! - [`http_entry!`]: a component's `wasi:http/incoming-handler` export, in one line.
//! - [`commune`]: the [`Commune`] domain type and the commune a deployment serves.
//! - [`context`]: one request's context ([`context::Ctx`]: database, commune and public
//!   origin, client address, caller), built once per request and passed to the handlers; the
//!   commune of a host name cached the same way in every component.
//! - [`error`]: [`ApiError`], the one place where failures become HTTP statuses and JSON bodies
//!   (`{"errors":[{"field":..,"code":..,"message":..}]}`).
//! - [`body`]: reading JSON request bodies with a size limit.
//! - [`clients`]: one typed client per interface of `wit/` (every service-chaining call), and
//!   the 400 for a chained body outside its contract.
//! - [`client`]: the client's address for rate limits (`trusted_proxies`, IPv6 by /64).
//! - [`response`]: JSON/text/HTML responses (`Cache-Control: no-store` on JSON by default), and
//!   public cacheable ones with a strong `ETag` and `304 Not Modified`.
//! - [`query`]: decoded query-string parameters.
//! - [`routing`]: path segments and method checks (routing uses the URI path, never
//!   `spin-path-info`, so that it does not depend on how a route was matched).
//! - [`db`]: opening a component's own SQLite database (WAL, `synchronous=NORMAL`), numbered
//!   migrations and transactions, always with parameterised SQL; rows read by column name
//!   ([`db::Row`], [`db::FromRow`]).
//! - [`health`]: the `GET …/health` answer every component gives.
//! - [`event`]: the kinds of events, their stored form and the rules on their values.
//! - [`evidence`]: events for the commune's evidence log: their rules and the senders' outbox.
//! - [`open311`]: Open311 GeoReport v2 error bodies (JSON or XML).
//! - [`markup`]: escaping for HTML and XML text.
//! - [`forms`]: the origin and content-type rule every HTML form POST passes (identity's
//!   account pages and the portal's forms).
//! - [`relay`]: the back-office's calls for a signed-in agent, accepted in [`http_entry!`].
//! - [`secret`]: secrets compared in constant time, and the private routes closed by a
//!   secret two components share.
//! - [`qr`]: the tracking page's address on receipts and its QR code (feature `qr`).
//! - [`privacy`]: the export/erasure contract (GDPR) between identity and the components that
//!   keep personal data.
//! - [`shape`]: the structure of a JSON body as data, and a check listing every structural
//!   error at once (unknown, missing and mistyped members), before serde sees it.
//! - [`catalog_contract`]: the service definition to and from the `catalog` contract.
//! - [`service`]: the service definition of the catalogue (form and workflow), which
//!   `requests` reads to check answers and follow the workflow.
//! - [`tenant`]: the commune a request is addressed to, from its host name (asked of `identity`
//!   by service chaining).
//! - [`text`]: the one rule for typed text (one-line names, multi-line free text; no control
//!   characters nor bidirectional overrides).
//! - [`limits`]: rate limits counted atomically in a component's SQLite database.
//! - [`destination`]: which URLs chosen by a commune's administrator may be requested (no
//!   internal addresses or names: server-side request forgery).
//! - [`codes`]: service and department codes and roles ([`codes::ServiceCode`],
//!   [`codes::DepartmentCode`], [`codes::Role`]).
//! - [`dates`]: calendar dates, RFC 3339 / W3C instants and stored UTC times.
//! - [`email`]: the one e-mail address rule ([`email::EmailAddress`], code `invalid_email`).
//! - [`contact`]: how a citizen asked to be told ([`contact::Contact`]: e-mail or SMS).
//! - [`phone`]: phone numbers to send SMS to (E.164, country) and where SMS may go.
//! - [`caller`] (feature `tokens`): who is calling (anonymous, citizen, staff with roles and
//!   departments), from the bearer token.
//! - [`tokens`] (feature `tokens`): bindings to the composed token verifier and
//!   [`tokens::bearer_claims`].
//!
//! Pure logic (parsing, validation, error bodies) has no host calls, so `cargo test -p
//! guichet-guest` runs natively; host calls only happen when a component runs under Spin.

pub mod body;
#[cfg(feature = "tokens")]
pub mod caller;
pub mod catalog_contract;
pub mod client;
pub mod clients;
pub mod codes;
pub mod commune;
pub mod contact;
pub mod context;
pub mod dates;
pub mod db;
pub mod destination;
pub mod email;
mod entry;
pub mod error;
pub mod event;
pub mod evidence;
pub mod forms;
pub mod health;
pub mod limits;
pub mod markup;
pub mod open311;
pub mod phone;
pub mod privacy;
pub mod qr;
pub mod query;
pub mod relay;
pub mod response;
pub mod routing;
pub mod secret;
pub mod service;
pub mod shape;
pub mod tenant;
pub mod text;
#[cfg(feature = "tokens")]
pub mod tokens;

/// The contracts' types, generated from `wit/` (re-exported so that every component reaches
/// them through the one crate it already links).
pub use guichet_contracts as contracts;

pub use commune::{Commune, DomainError};
pub use error::{ApiError, FieldError};
