//! The HTTP layer of requests: each handler reads the request (path, query, body, caller),
//! calls the domain and storage layers, and renders the answer (JSON, CSV, HTML, Open311).
//! One module per capability; [`crate::route`] dispatches to them.

pub(crate) mod api_keys;
pub(crate) mod attachments;
pub(crate) mod caller;
pub(crate) mod channels;
pub(crate) mod contacts;
pub(crate) mod duplicates;
pub(crate) mod filing;
pub(crate) mod georeport;
pub(crate) mod idempotency;
pub(crate) mod limits;
pub(crate) mod mail_check;
pub(crate) mod outbox;
pub(crate) mod ping;
pub(crate) mod portal_filing;
pub(crate) mod privacy;
pub(crate) mod queue;
pub(crate) mod reads;
pub(crate) mod retention;
pub(crate) mod signing;
pub(crate) mod tracking;
pub(crate) mod workflow;
