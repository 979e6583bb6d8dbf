//! Roles and departments of an account in a commune (docs/SECURITY.md item 15).
//!
//! Every account is a `citizen`; staff roles (`agent`, `supervisor`, `admin`) are granted per
//! commune by its administrators, so an account has no staff power unless given one, and none
//! in any other commune.

use guichet_guest::db::{self, Connection};
use guichet_guest::Commune;

/// The staff roles an administrator can grant (the one list, shared with every component).
pub use guichet_guest::codes::STAFF_ROLES;

/// `(roles, departments)` of `account` in `commune`; roles always include `citizen`.
pub fn of(
    conn: &Connection,
    commune: &Commune,
    account: &str,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let params = [db::text(commune.as_str()), db::text(account)];
    let rows = db::query(
        conn,
        "SELECT role FROM roles WHERE commune = ? AND account_id = ? ORDER BY role",
        &params,
    )?;
    let mut roles = vec!["citizen".to_owned()];
    roles.extend(
        rows.rows
            .iter()
            .filter_map(|r| r.get::<&str>(0).map(str::to_owned)),
    );
    let rows = db::query(
        conn,
        "SELECT department FROM agent_departments WHERE commune = ? AND account_id = ? ORDER BY department",
        &params,
    )?;
    let departments = rows
        .rows
        .iter()
        .filter_map(|r| r.get::<&str>(0).map(str::to_owned))
        .collect();
    Ok((roles, departments))
}
