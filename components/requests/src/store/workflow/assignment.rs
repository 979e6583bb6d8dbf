//! The SQL of the workflow's other writes: a request's department and assignee, and the
//! requests that became overdue (marked once per expected date).

use guichet_guest::db::{self, Connection, Value};
use guichet_guest::Commune;

use crate::store::record::{Record, COLUMNS};
use crate::store::workflow::change::changes;

/// Moves `record` to `department` and `assignee` at `now`, only if they are still those it
/// was read with (another agent may have been first): whether it moved.
pub fn reassign(
    conn: &Connection,
    commune: &Commune,
    record: &Record,
    department: &str,
    assignee: Option<&str>,
    now: &str,
) -> anyhow::Result<bool> {
    let optional = |v: Option<&str>| v.map_or(Value::Null, db::text);
    db::exec(
        conn,
        "UPDATE requests SET department = ?, assignee = ?, updated_at = ? \
         WHERE id = ? AND commune = ? AND department = ? AND assignee IS ?",
        &[
            db::text(department),
            optional(assignee),
            db::text(now),
            db::text(record.id.as_str()),
            db::text(commune.as_str()),
            db::text(record.department.as_str()),
            optional(record.assignee.as_deref()),
        ],
    )?;
    Ok(changes(conn)? > 0)
}

/// Up to `limit` open requests of `commune` past their expected date and not yet marked
/// overdue for that date, the most overdue first.
pub fn newly_overdue(
    conn: &Connection,
    commune: &Commune,
    limit: i64,
) -> anyhow::Result<Vec<Record>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM requests r WHERE commune = ? AND is_open = 1 \
             AND expected_on < date('now') AND merged_into IS NULL \
             AND NOT EXISTS (SELECT 1 FROM timeline t WHERE t.request_id = r.id \
                             AND t.kind = 'overdue' AND t.to_value = r.expected_on) \
             ORDER BY expected_on LIMIT ?"
        ),
        &[db::text(commune.as_str()), Value::Integer(limit)],
    )?;
    Ok(db::decode_all(&result)?)
}
