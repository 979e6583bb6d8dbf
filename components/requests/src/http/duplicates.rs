//! Duplicates: similar open requests nearby offered before filing, following a request
//! instead of filing it again, and merging a duplicate into its original (whose followers then
//! get the original's updates).

mod follow;
mod merge;
mod similar;

pub use follow::follow;
pub use merge::merge;
pub use similar::{similar, RADIUS_M, WINDOW_DAYS};
