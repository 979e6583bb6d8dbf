//! Workflow: a request moves along its service's states and transitions, allowed per role;
//! it is assigned to a department and an agent; staff write internal notes, citizen and staff
//! exchange public messages; overdue requests are flagged; closed ones can be reopened.
//!
//! Every change writes its immutable timeline entries and its outbox event in the same
//! transaction as the change; events are delivered after the commit. Who may act:
//! [`access`]. What the workflow allows: [`rules`].

pub(crate) mod access;
mod assign;
pub(crate) mod input;
mod overdue;
mod talk;
mod transition;
pub(crate) mod view;

pub(crate) use crate::store::workflow::change::changes;
pub use assign::assign;
pub use overdue::sweep_overdue;
pub use talk::{message, note};
pub use transition::{reopen, service_of, transition};
