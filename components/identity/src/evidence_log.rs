//! What identity writes to the commune's evidence log (`guichet:platform/evidence`, kept by
//! signatures), each event through the outbox of `guichet_guest::evidence`, in the
//! transaction of the action it records and sent after the commit:
//!
//! - `role-changed` (`staff::agents`): an administrator replaced an account's staff roles and
//!   departments (details: before and after);
//! - `account-disabled`, `account-enabled` (`staff::agents`);
//! - `personal-data-read` (`staff::citizens`): a member of staff read a citizen's profile
//!   (detail: the stated purpose);
//! - `branding-changed` (`communes::put_branding`): an administrator replaced the commune's
//!   logo text and colour (details: the new ones);
//! - `account-erased` (`privacy::erasure`): a citizen erased their account (the entry names
//!   the account id only, which names nobody once the account is erased).
//!
//! Waiting events go with the next flush of the commune (any of these actions).

/// The source identity's entries name.
pub const SOURCE: &str = "identity";
