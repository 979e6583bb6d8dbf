//! The service definition, shared with `requests`: see [`guichet_guest::service`].

pub use guichet_guest::service::*;
