//! Who may act on a request, and with which workflow roles.
//!
//! - The citizen who filed it (its `account_id`) acts as `citizen`; any other citizen gets
//!   404, as if the request did not exist.
//! - Staff act with the staff roles of their token. An agent who is neither supervisor nor
//!   administrator acts only on requests of the departments named in the token (403
//!   otherwise: staff may know the request exists, from the queue); supervisors and
//!   administrators act on every request of their commune.

use guichet_guest::db::Connection;
use guichet_guest::{ApiError, Commune};

use crate::http::caller::{Caller, Role};
use crate::store::record::{self, Record};
use crate::store::timeline::Actor;

/// Who the route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Only the commune's staff (internal notes, assignment, merging).
    Staff,
    /// The citizen who filed the request, or staff.
    OwnerOrStaff,
}

/// A caller allowed to act on a request.
#[derive(Debug, Clone)]
pub struct Acting {
    pub caller: Caller,
    /// Whether the caller filed the request (with their account).
    pub owner: bool,
    /// Whether the caller acts as staff on it (of its department, or supervisor/admin).
    pub staff: bool,
}

impl Acting {
    /// The workflow roles the caller acts with: staff roles when acting as staff, `citizen`
    /// when they own it.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = Vec::new();
        if self.staff {
            roles.extend(
                Role::STAFF
                    .iter()
                    .copied()
                    .filter(|r| self.caller.has_role(*r)),
            );
        }
        if self.owner {
            roles.push(Role::Citizen);
        }
        roles
    }

    /// Supervisors and administrators: every department, reopening to the initial state, any
    /// assignment.
    pub fn is_supervisor(&self) -> bool {
        self.staff && self.caller.has_any_role(EVERY_DEPARTMENT)
    }

    /// The actor written in timeline entries.
    pub fn actor(&self) -> Actor {
        actor_of(&self.caller, self.staff)
    }
}

/// The timeline actor of `caller` (staff acting as staff, else their caller kind).
pub fn actor_of(caller: &Caller, as_staff: bool) -> Actor {
    Actor {
        kind: if as_staff {
            "staff"
        } else if caller.account().is_some() {
            "citizen"
        } else {
            "anonymous"
        },
        id: caller.account().map(str::to_owned),
    }
}

/// The roles that act on requests of every department.
const EVERY_DEPARTMENT: &[Role] = &[Role::Supervisor, Role::Admin];

/// Whether `caller` (staff) may act on requests of `department`.
pub fn covers_department(caller: &Caller, department: &str) -> bool {
    caller.is_staff()
        && (caller.has_any_role(EVERY_DEPARTMENT)
            || caller
                .departments()
                .iter()
                .any(|d| d.as_str() == department))
}

/// Loads request `reference` of `commune` for `caller`, checking that they may act on it as
/// `who` says (404 for a citizen's request that is not theirs or a missing one, 403 for a
/// citizen on a staff route about their own request or an agent of another department).
pub fn load(
    conn: &Connection,
    commune: &Commune,
    caller: Caller,
    reference: &str,
    who: Who,
) -> Result<(Record, Acting), ApiError> {
    let record = record::load(conn, commune, reference)?.ok_or(ApiError::NotFound)?;
    let owner = match (caller.account(), record.account_id.as_deref()) {
        (Some(account), Some(filer)) => account == filer,
        _ => false,
    };
    let staff = caller.is_staff() && covers_department(&caller, &record.department);
    if staff || (owner && who == Who::OwnerOrStaff) {
        return Ok((
            record,
            Acting {
                caller,
                owner,
                staff,
            },
        ));
    }
    if caller.is_staff() {
        return Err(ApiError::Forbidden {
            message: "this request belongs to a department you are not in",
        });
    }
    Err(refusal_of_citizen(&caller, &record))
}

/// What a citizen gets on a staff route about `record`: 403 for their own request, 404 for
/// anyone else's, as for a request that does not exist (nobody learns which references
/// exist).
pub fn refusal_of_citizen(caller: &Caller, record: &Record) -> ApiError {
    if caller.account().is_some() && record.account_id.as_deref() == caller.account() {
        ApiError::Forbidden {
            message: "this is for the commune's staff",
        }
    } else {
        ApiError::NotFound
    }
}
