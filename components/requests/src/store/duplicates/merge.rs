//! The SQL of a merge ([`crate::http::duplicates::merge`]): whether the original is still
//! one, closing the duplicate into it (only while it is in the state it was read in), and
//! pointing the earlier merges into the duplicate to the original. Its followers and their
//! links move with [`crate::store::followers`] and [`crate::store::contacts`].

use guichet_guest::db::{self, Connection};
use guichet_guest::Commune;

use crate::store::workflow::change::changes;

/// Whether request `id` was not merged into another.
pub fn is_original(conn: &Connection, id: &str) -> anyhow::Result<bool> {
    let result = db::query(
        conn,
        "SELECT 1 FROM requests WHERE id = ? AND merged_into IS NULL",
        &[db::text(id)],
    )?;
    Ok(db::first_row(&result).is_some())
}

/// Closes request `duplicate` into request `original` at `now`, in `state`, if it is still
/// unmerged and in state `was`: whether it was.
pub fn close_into(
    conn: &Connection,
    commune: &Commune,
    duplicate: &str,
    was: &str,
    original: &str,
    state: &str,
    now: &str,
) -> anyhow::Result<bool> {
    db::exec(
        conn,
        "UPDATE requests SET merged_into = ?, state = ?, is_open = 0, \
         closed_at = COALESCE(closed_at, ?), updated_at = ? \
         WHERE id = ? AND commune = ? AND merged_into IS NULL AND state = ?",
        &[
            db::text(original),
            db::text(state),
            db::text(now),
            db::text(now),
            db::text(duplicate),
            db::text(commune.as_str()),
            db::text(was),
        ],
    )?;
    Ok(changes(conn)? != 0)
}

/// The requests merged into `duplicate` earlier now point to `original`: one hop, never a
/// chain.
pub fn repoint(
    conn: &Connection,
    commune: &Commune,
    duplicate: &str,
    original: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE requests SET merged_into = ? WHERE merged_into = ? AND commune = ?",
        &[
            db::text(original),
            db::text(duplicate),
            db::text(commune.as_str()),
        ],
    )
}
