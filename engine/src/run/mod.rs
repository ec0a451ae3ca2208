//! The orchestrator: walks the dependency graph to make a plan against the (refreshed)
//! prior state, and walks it again to apply that plan, recording each finished operation.

mod apply;
pub mod diff;
mod plan;
pub mod scope;
mod validate;
pub mod values;
pub mod vars;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub use apply::{apply, ApplyEvent, ApplyObserver, StateDelta};
pub use plan::plan;
pub use validate::validate;

use crate::addr::{InstanceAddr, Mode};
use crate::config::Module;
use crate::graph::Graph;
use crate::plan::PlanMode;
use crate::provider::{Provider, ResourceSchema};

/// The providers available to a run, looked up by resource type.
pub struct Providers {
    list: Vec<Arc<dyn Provider>>,
    managed: HashMap<String, usize>,
    data: HashMap<String, usize>,
}

impl Providers {
    pub fn new(list: Vec<Arc<dyn Provider>>) -> Providers {
        let mut managed = HashMap::new();
        let mut data = HashMap::new();
        for (i, p) in list.iter().enumerate() {
            for t in p.schema().resources.keys() {
                managed.insert(t.clone(), i);
            }
            for t in p.schema().data_sources.keys() {
                data.insert(t.clone(), i);
            }
        }
        Providers {
            list,
            managed,
            data,
        }
    }

    pub fn for_type(&self, mode: Mode, ty: &str) -> Option<&Arc<dyn Provider>> {
        let map = if mode == Mode::Managed {
            &self.managed
        } else {
            &self.data
        };
        map.get(ty).map(|i| &self.list[*i])
    }

    pub fn schema(&self, mode: Mode, ty: &str) -> Option<&ResourceSchema> {
        let p = self.for_type(mode, ty)?;
        if mode == Mode::Managed {
            p.schema().resources.get(ty)
        } else {
            p.schema().data_sources.get(ty)
        }
    }

    /// Every resource type name, for "did you mean" suggestions.
    pub fn type_names(&self, mode: Mode) -> Vec<&str> {
        let map = if mode == Mode::Managed {
            &self.managed
        } else {
            &self.data
        };
        let mut v: Vec<&str> = map.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// The provider whose source address ends in `/<name>` (`null` -> hashicorp/null).
    pub fn by_local_name(&self, name: &str) -> Option<&Arc<dyn Provider>> {
        self.list
            .iter()
            .find(|p| p.source().rsplit('/').next() == Some(name))
    }

    /// Evaluates each `provider` block (with input variables in scope) and configures its
    /// provider; providers without a block are configured with null.
    pub async fn configure(
        &self,
        module: &Module,
        values: &scope::Values,
    ) -> crate::diag::Diagnostics {
        let mut diags = crate::diag::Diagnostics::new();
        for block in &module.providers {
            let Some(p) = self.by_local_name(&block.name) else {
                diags.push(
                    crate::diag::Diagnostic::error("Provider not available")
                        .detail(format!(
                            "There is a provider block for {:?}, but terrane has no such provider.",
                            block.name
                        ))
                        .span(block.span.clone()),
                );
                continue;
            };
            let scope = scope::InstanceScope::plain(values, module);
            let ectx = crate::lang::EvalContext {
                scope: &scope,
                base_dir: &module.dir,
            };
            match values::decode_body(&block.body, &p.schema().provider, &ectx, block.span.clone())
            {
                Ok(config) => diags.extend(
                    p.configure(crate::provider::ConfigureRequest { config })
                        .await,
                ),
                Err(d) => diags.extend(d),
            }
        }
        for p in &self.list {
            let name = p.source().rsplit('/').next().unwrap_or_default();
            if !module.providers.iter().any(|b| b.name == name) {
                diags.extend(
                    p.configure(crate::provider::ConfigureRequest {
                        config: crate::lang::Value::Null,
                    })
                    .await,
                );
            }
        }
        diags
    }

    /// The provider address as state records it.
    pub fn state_address(p: &dyn Provider) -> String {
        format!("provider[\"{}\"]", p.source())
    }
}

/// Settings of one plan or apply.
#[derive(Clone)]
pub struct Options {
    pub mode: PlanMode,
    pub refresh: bool,
    pub replace: Vec<InstanceAddr>,
    pub targets: Vec<InstanceAddr>,
    pub parallelism: usize,
    pub workspace: String,
    /// Set on Ctrl-C: start no new operation, finish the running ones.
    pub interrupt: Arc<AtomicBool>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: PlanMode::Normal,
            refresh: true,
            replace: Vec::new(),
            targets: Vec::new(),
            parallelism: 10,
            workspace: crate::state::DEFAULT_WORKSPACE.to_string(),
            interrupt: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Everything a run needs that does not change while it runs.
pub struct Context {
    pub module: Arc<Module>,
    pub graph: Graph,
    pub providers: Arc<Providers>,
    pub variables: std::collections::BTreeMap<String, crate::lang::Value>,
    pub options: Options,
}
