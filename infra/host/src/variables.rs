//! `fermyon:spin/variables@2.0.0`: a component reads the variables its manifest entry declares,
//! already resolved at start-up from templates, the environment and defaults.

use crate::bindings::variables::{Error, Host};
use crate::manifest::check_variable_name;
use crate::state::SpinView;

impl Host for SpinView<'_> {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        if let Err(e) = check_variable_name(&name) {
            return Ok(Err(Error::InvalidName(format!("{name}: {e}"))));
        }
        Ok(self
            .caps
            .variables
            .get(&name)
            .cloned()
            .ok_or_else(|| Error::Undefined(format!("no variable `{name}` for this component"))))
    }
}
