//! Calls to other components, by Spin service chaining: the catalogue (service definitions),
//! identity (the commune of a host name), notifications (events, the e-mail check). Each
//! module is the only place its component's contract is spoken.

pub(crate) mod catalog;
pub(crate) mod events;
