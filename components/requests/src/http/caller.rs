//! Who is calling: the one [`Caller`] type of every component (`guichet_guest::caller`).

pub use guichet_guest::caller::Caller;
pub use guichet_guest::codes::Role;
