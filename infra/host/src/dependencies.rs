//! Component dependencies (`[component.X.dependencies]`): the dependency is instantiated in the
//! same store as X on first use, and every function of the interface X imports is forwarded to
//! the dependency's export of the same name. This gives the one-instance composition Spin
//! performs at load time, without rewriting either binary.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker};
use wasmtime::Engine;

use crate::state::HostState;

/// A dependency ready to be instantiated in a request's store.
pub struct Dependency {
    /// The key in spin.toml: a package (`guichet:platform@0.1.0`) or an interface.
    pub key: String,
    pub pre: InstancePre<HostState>,
    pub component: Component,
}

/// Defines, in `linker`, every interface that `dependency` satisfies for `importer`.
pub fn link(
    engine: &Engine,
    linker: &mut Linker<HostState>,
    importer: &Component,
    dependency: Arc<Dependency>,
) -> Result<()> {
    let imports: Vec<String> = importer
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .filter(|name| satisfies(&dependency.key, name))
        .collect();
    if imports.is_empty() {
        bail!("the component imports nothing that dependency \"{}\" names", dependency.key);
    }
    for interface in imports {
        let export = dependency
            .component
            .get_export_index(None, &interface)
            .with_context(|| format!("the dependency does not export `{interface}`"))?;
        let Some((ComponentItem::ComponentInstance(instance_ty), _)) =
            dependency.component.get_export(None, &interface)
        else {
            bail!("the dependency's `{interface}` export is not an interface instance");
        };
        let mut forwarded = linker.instance(&interface)?;
        for (func_name, item) in instance_ty.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => {}
                // Records and variants travel by value: nothing to forward.
                ComponentItem::Type(_) => continue,
                _ => bail!("`{interface}` exports `{func_name}`, which is neither a function nor a value type: only functions can be forwarded"),
            }
            let func_export = dependency
                .component
                .get_export_index(Some(&export), func_name)
                .with_context(|| format!("finding `{interface}#{func_name}`"))?;
            forward(&mut forwarded, func_name, dependency.clone(), func_export)?;
        }
    }
    Ok(())
}

fn forward(
    linker: &mut wasmtime::component::LinkerInstance<'_, HostState>,
    name: &str,
    dependency: Arc<Dependency>,
    func_export: ComponentExportIndex,
) -> Result<()> {
    Ok(linker.func_new_async(name, move |mut store, _ty, params, results| {
        let dependency = dependency.clone();
        Box::new(async move {
            let instance = match store.data().dependencies.get(&dependency.key) {
                Some(instance) => *instance,
                None => {
                    let instance = dependency
                        .pre
                        .instantiate_async(&mut store)
                        .await
                        .map_err(|e| e.context(format!("instantiating dependency \"{}\"", dependency.key)))?;
                    store.data_mut().dependencies.insert(dependency.key.clone(), instance);
                    instance
                }
            };
            let func = instance
                .get_func(&mut store, func_export)
                .ok_or_else(|| wasmtime::format_err!("dependency function vanished"))?;
            func.call_async(&mut store, params, results).await
        })
    })?)
}

/// Whether a dependency key covers an import name: the same interface, or its whole package.
fn satisfies(key: &str, import: &str) -> bool {
    if key == import {
        return true;
    }
    // Package key `ns:pkg@1.0.0` covers `ns:pkg/iface@1.0.0`.
    let (key_pkg, key_ver) = key.split_once('@').unwrap_or((key, ""));
    let (import_path, import_ver) = import.split_once('@').unwrap_or((import, ""));
    match import_path.split_once('/') {
        Some((pkg, _)) => pkg == key_pkg && key_ver == import_ver && !key_pkg.contains('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn a_key_covers_its_interface_or_its_whole_package() {
        assert!(satisfies("guichet:platform/tokens@0.1.0", "guichet:platform/tokens@0.1.0"));
        assert!(satisfies("guichet:platform@0.1.0", "guichet:platform/tokens@0.1.0"));
        assert!(!satisfies("guichet:platform@0.2.0", "guichet:platform/tokens@0.1.0"));
        assert!(!satisfies("guichet:platform/events@0.1.0", "guichet:platform/tokens@0.1.0"));
        assert!(!satisfies("wasi:http@0.2.0", "guichet:platform/tokens@0.1.0"));
    }
}
