//! The orchestrator: walks the dependency graph to make a plan against the (refreshed)
//! prior state, and walks it again to apply that plan, recording each finished operation.

mod actions;
mod apply;
mod checks;
pub mod diff;
mod ephemeral;
mod imports;
mod instance;
mod moves;
mod nodes;
mod observer;
mod opened;
mod plan;
mod provision;
pub mod recover;
pub mod scope;
#[cfg(test)]
mod tests;
mod triggers;
mod validate;
pub mod values;
pub mod vars;
mod walk;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub use crate::state::codec::instance_state;
pub use apply::{apply, apply_values, operation_graph};
pub use observer::{ApplyEvent, ApplyObserver, Quiet, StateDelta};
pub use opened::Progress;
pub use plan::{plan, plan_from, plan_values};
pub use recover::{recover, Recovered};
pub use validate::{validate, validate_with_providers};

use crate::addr::{InstanceAddr, Mode};
use crate::config::Module;
use crate::graph::Graph;
use crate::plan::PlanMode;
use crate::provider::{Provider, ResourceSchema};

/// Makes a fresh, unconfigured provider; one is made per `provider` block (aliases included).
pub type ProviderFactory = Arc<dyn Fn() -> Arc<dyn Provider> + Send + Sync>;

/// One configured provider: the default configuration of a provider or an alias.
struct Instance {
    local: String,
    alias: Option<String>,
    provider: Arc<dyn Provider>,
}

/// The providers available to a run: a default instance of each, plus one per aliased
/// `provider` block; resources find theirs by type and `provider = name.alias`.
pub struct Providers {
    instances: Vec<Instance>,
    /// Which instance serves each type, per mode (managed, data, ephemeral).
    by_type: HashMap<(Mode, String), usize>,
}

fn local_name(p: &dyn Provider) -> String {
    p.source()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

impl Providers {
    /// Default instances only (no aliases).
    pub fn new(list: Vec<Arc<dyn Provider>>) -> Providers {
        let mut by_type = HashMap::new();
        let mut instances = Vec::new();
        for (i, p) in list.into_iter().enumerate() {
            for mode in [Mode::Managed, Mode::Data, Mode::Ephemeral] {
                for t in p.schema().types(mode).keys() {
                    by_type.insert((mode, t.clone()), i);
                }
            }
            instances.push(Instance {
                local: local_name(p.as_ref()),
                alias: None,
                provider: p,
            });
        }
        Providers { instances, by_type }
    }

    /// A default instance of every provider plus one instance per aliased `provider` block.
    pub fn for_module(factories: &[ProviderFactory], module: &Module) -> Providers {
        let mut me = Providers::new(factories.iter().map(|f| f()).collect());
        for block in &module.providers {
            let Some(alias) = &block.alias else { continue };
            if let Some(f) = factories
                .iter()
                .find(|f| local_name(f().as_ref()) == block.name)
            {
                me.instances.push(Instance {
                    local: block.name.clone(),
                    alias: Some(alias.clone()),
                    provider: f(),
                });
            }
        }
        me
    }

    /// The default instance serving resource type `ty`.
    pub fn for_type(&self, mode: Mode, ty: &str) -> Option<&Arc<dyn Provider>> {
        self.by_type
            .get(&(mode, ty.to_string()))
            .map(|i| &self.instances[*i].provider)
    }

    fn instance(&self, local: &str, alias: Option<&str>) -> Option<&Instance> {
        self.instances
            .iter()
            .find(|i| i.local == local && i.alias.as_deref() == alias)
    }

    /// The instance for a resource: its `provider = name.alias` if set, else the default
    /// instance for its type. Returns the provider and its address as state records it.
    pub fn for_resource(
        &self,
        mode: Mode,
        ty: &str,
        r: Option<&crate::config::ProviderRef>,
    ) -> Option<(&Arc<dyn Provider>, String)> {
        let inst = match r {
            Some(r) => self.instance(&r.name, r.alias.as_deref())?,
            None => &self.instances[*self.by_type.get(&(mode, ty.to_string()))?],
        };
        Some((&inst.provider, Self::address_of(inst)))
    }

    /// The instance serving an `action` block (its `provider = name.alias`, else the
    /// default instance of the provider its type names) and the action's schema, when
    /// that provider has the action type.
    pub fn for_action(
        &self,
        a: &crate::config::ActionBlock,
    ) -> Option<(&Arc<dyn Provider>, &ResourceSchema)> {
        let alias = a.provider.as_ref().and_then(|p| p.alias.as_deref());
        let inst = self.instance(a.provider_name(), alias)?;
        let schema = inst.provider.schema().actions.get(&a.ty)?;
        Some((&inst.provider, schema))
    }

    /// The instance a state entry names (`provider["registry.terraform.io/hashicorp/aws"].west`);
    /// falls back to the default instance for the type.
    pub fn for_state(&self, mode: Mode, ty: &str, provider: &str) -> Option<&Arc<dyn Provider>> {
        let found = self
            .instances
            .iter()
            .find(|i| Self::address_of(i) == provider);
        found
            .map(|i| &i.provider)
            .or_else(|| self.for_type(mode, ty))
    }

    fn address_of(i: &Instance) -> String {
        let base = Self::state_address(i.provider.as_ref());
        match &i.alias {
            Some(a) => format!("{base}.{a}"),
            None => base,
        }
    }

    pub fn schema(&self, mode: Mode, ty: &str) -> Option<&ResourceSchema> {
        self.for_type(mode, ty)?.schema().types(mode).get(ty)
    }

    /// The schema of the provider `source` (`registry.terraform.io/hashicorp/null`).
    pub fn provider_schema(&self, source: &str) -> Option<&crate::provider::ProviderSchema> {
        self.instances
            .iter()
            .find(|i| i.provider.source() == source)
            .map(|i| i.provider.schema())
    }

    /// Every resource type name, for "did you mean" suggestions.
    pub fn type_names(&self, mode: Mode) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .by_type
            .keys()
            .filter(|(m, _)| *m == mode)
            .map(|(_, t)| t.as_str())
            .collect();
        v.sort_unstable();
        v
    }

    /// API call counts summed over all instances, per service.
    pub fn api_call_counts(&self) -> std::collections::BTreeMap<String, u64> {
        let mut out = std::collections::BTreeMap::new();
        for i in &self.instances {
            for (k, v) in i.provider.api_call_counts() {
                *out.entry(k).or_insert(0) += v;
            }
        }
        out
    }

    /// Evaluates each `provider` block (with input variables and the locals that depend
    /// only on them in scope) and configures its instance; instances without a block are
    /// configured with null.
    pub async fn configure(
        &self,
        module: &Module,
        values: &scope::Values,
    ) -> crate::diag::Diagnostics {
        self.configure_where(module, values, |_| true).await
    }

    /// [`Providers::configure`] for a plan, as Terraform does it: an instance is configured
    /// only when it has a `provider` block, some block of the configuration uses its
    /// provider, or an object in state (`in_state`, provider addresses as state records
    /// them) belongs to it. A configuration of built-in resources alone then never sets up
    /// the AWS SDK, whose region lookup otherwise asks the instance metadata service on
    /// every run.
    pub async fn configure_used(
        &self,
        module: &Module,
        values: &scope::Values,
        in_state: &BTreeSet<&str>,
    ) -> crate::diag::Diagnostics {
        let used = self.used_by(module);
        self.configure_where(module, values, |inst| {
            let address = Self::state_address(inst.provider.as_ref());
            used.contains(inst.provider.source())
                || module.providers.iter().any(|b| b.name == inst.local)
                || in_state.iter().any(|p| {
                    p.strip_prefix(address.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
        })
        .await
    }

    /// The sources of the providers that serve some block of the configuration, in any
    /// module: resources, data sources (check blocks' too), ephemeral resources, actions.
    fn used_by<'a>(&'a self, module: &Module) -> BTreeSet<&'a str> {
        let mut used = BTreeSet::new();
        for m in module.all() {
            let blocks = m
                .resources
                .values()
                .map(|r| &**r)
                .chain(m.checks.iter().flat_map(|c| &c.data))
                .map(|r| (r.addr.mode, r.addr.ty.as_str(), r.provider_name()));
            for (mode, ty, local) in blocks {
                if let Some(p) = self.for_type(mode, ty) {
                    used.insert(p.source());
                }
                for i in self.instances.iter().filter(|i| i.local == local) {
                    used.insert(i.provider.source());
                }
            }
            for a in &m.actions {
                let local = a.provider_name();
                for i in self.instances.iter().filter(|i| i.local == local) {
                    used.insert(i.provider.source());
                }
            }
        }
        used
    }

    async fn configure_where(
        &self,
        module: &Module,
        values: &scope::Values,
        wanted: impl Fn(&Instance) -> bool,
    ) -> crate::diag::Diagnostics {
        let mut diags = crate::diag::Diagnostics::new();
        nodes::preset_constant_locals(module, values);
        for block in &module.providers {
            if self.instance(&block.name, block.alias.as_deref()).is_none() {
                diags.push(
                    crate::diag::Diagnostic::error("Provider not available")
                        .detail(format!(
                            "There is a provider block for {:?}, but terrane has no such provider.",
                            block.name
                        ))
                        .span(block.span.clone()),
                );
            }
        }
        for inst in self.instances.iter().filter(|i| wanted(i)) {
            let block = module
                .providers
                .iter()
                .find(|b| b.name == inst.local && b.alias == inst.alias);
            let config = match block {
                Some(block) => {
                    let scope = scope::InstanceScope::plain(values, module);
                    let ectx = crate::lang::EvalContext {
                        scope: &scope,
                        base_dir: &module.dir,
                    };
                    match values::decode_body(
                        &block.body,
                        &inst.provider.schema().provider,
                        &ectx,
                        block.span.clone(),
                    ) {
                        Ok(c) => c,
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    }
                }
                None => crate::lang::Value::Null,
            };
            let d = inst
                .provider
                .configure(crate::provider::ConfigureRequest { config })
                .await;
            let label = match &inst.alias {
                Some(a) => format!("provider.{}.{a}", inst.local),
                None => format!("provider.{}", inst.local),
            };
            diags.extend(d.with_address(&label));
        }
        diags
    }

    /// The provider address as state records it.
    pub fn state_address(p: &dyn Provider) -> String {
        format!("provider[\"{}\"]", p.source())
    }
}

impl crate::state::prior::Schemas for Providers {
    fn schema(&self, mode: Mode, ty: &str) -> Option<&ResourceSchema> {
        Providers::schema(self, mode, ty)
    }

    fn upgrades_stored(&self, mode: Mode, ty: &str, provider: &str) -> bool {
        self.for_state(mode, ty, provider)
            .is_some_and(|p| p.upgrades_stored())
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
    /// Creates of an interrupted run whose objects recovery did not find. A request the
    /// killed run had already sent may still be carried out after the lookup; should the
    /// create at the same address then fail, apply looks the object up again and adopts it
    /// (`apply::adopt_in_doubt`) instead of failing on an object that is its own.
    pub in_doubt: Vec<crate::state::journal::Intent>,
    /// Where the run reports what it does outside the apply observer's operations: the
    /// opening and closing of ephemeral resources, during plan as during apply.
    pub progress: Option<opened::Progress>,
    /// Called with the refreshed state once the plan's refresh has read every object
    /// again (before the walk evaluates the configuration), for `-json`'s
    /// `refresh_complete` messages.
    pub on_refreshed: Option<RefreshedHook>,
    /// How often a long ephemeral operation reports that it is still going (Terraform's
    /// 10 s; tests shorten it).
    pub progress_interval: std::time::Duration,
}

/// See [`Options::on_refreshed`].
pub type RefreshedHook = Arc<dyn Fn(&crate::state::State) + Send + Sync>;

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
            in_doubt: Vec::new(),
            progress: None,
            on_refreshed: None,
            progress_interval: std::time::Duration::from_secs(10),
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

impl Context {
    /// The provider instance serving resource block `r` of module `m` (its `provider`
    /// argument, as passed down by module calls, else the default instance for its
    /// type), that instance's address as state records it, and the type's schema; the
    /// unsupported-type error when no provider serves it.
    pub(crate) fn provider_for(
        &self,
        m: &Module,
        r: &crate::config::Resource,
    ) -> Result<(&Arc<dyn Provider>, String, &ResourceSchema), crate::diag::Diagnostics> {
        let (mode, ty) = (r.addr.mode, r.addr.ty.as_str());
        let provider_ref = nodes::root_provider_ref(
            &self.module,
            &m.path,
            r.provider.as_ref(),
            r.provider_name(),
        );
        let Some((provider, address)) =
            self.providers.for_resource(mode, ty, provider_ref.as_ref())
        else {
            return Err(validate::unsupported_type(&r.addr, r, &self.providers).into());
        };
        let schema = self
            .providers
            .schema(mode, ty)
            .expect("provider found by type has its schema");
        Ok((provider, address, schema))
    }
}
