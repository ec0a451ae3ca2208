//! Helpers shared by the engine-level tests: a run context over a directory and an apply
//! observer that records nothing.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use terrane_engine::provider::Provider;
use terrane_engine::run::{self, Context, Providers};
use terrane_provider_builtin::{NullProvider, TerraformProvider};

/// The engine's observer that records nothing.
pub use terrane_engine::run::Quiet;

/// Writes `text` to `rel` below `dir`, creating directories.
pub fn put(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("create dirs");
    std::fs::write(p, text).expect("write file");
}

/// Loads `dir` (which must be valid) with the null and terraform providers plus `extra`,
/// with default options and the variables' defaults and tfvars files.
pub fn context_with(dir: &Path, extra: Vec<Arc<dyn Provider>>) -> Context {
    let (module, d) = terrane_engine::config::load_dir(dir);
    assert!(!d.has_errors(), "{d:?}");
    let graph = terrane_engine::graph::build(&module).expect("a graph");
    let variables = run::vars::resolve(&module, &[], &[], dir).expect("variables");
    let mut providers: Vec<Arc<dyn Provider>> = vec![
        Arc::new(NullProvider::new()),
        Arc::new(TerraformProvider::new()),
    ];
    providers.extend(extra);
    Context {
        module: Arc::new(module),
        graph,
        providers: Arc::new(Providers::new(providers)),
        variables,
        options: Default::default(),
    }
}
