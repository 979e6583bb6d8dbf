//! Host bindings for the Spin interfaces that spin-sdk 5.2 components import, generated once
//! from the WIT in the repository's `wit/` folder.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "guichet:platform/spin-host",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/key-value.store": crate::key_value::KvStore,
        "fermyon:spin/sqlite.connection": crate::sqlite::Connection,
        "spin:sqlite/sqlite.connection": crate::sqlite::Connection,
    },
});

pub use fermyon::spin::{key_value, sqlite as sqlite_v2, variables};
pub use spin::sqlite::sqlite as sqlite_v3;
