//! Prior objects: state instances decoded with their provider's schema for planning, and
//! the working copy of state that a run rewrites and encodes back (Terraform's v4 layout).

use std::collections::BTreeMap;

use super::codec::{instance_state, instance_value};
use crate::addr::{IndexKey, InstanceAddr, Mode, ResourceAddr};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::Value;
use crate::provider::ResourceSchema;
use crate::state::{InstanceState, ResourceState, State};

/// Finds the schema of a resource type (managed or data) among the run's providers.
pub trait Schemas {
    fn schema(&self, mode: Mode, ty: &str) -> Option<&ResourceSchema>;
}

/// A prior object, decoded with its schema.
#[derive(Debug, Clone)]
pub struct Prior {
    pub value: Value,
    pub provider: String,
    pub dependencies: Vec<String>,
    pub private: Option<String>,
    pub create_before_destroy: bool,
    /// A create-time provisioner failed on it: the next plan replaces it.
    pub tainted: bool,
}

/// Decodes every instance in state. Types without a provider are errors: terrane cannot
/// plan what it cannot read.
pub fn decode_state(
    state: &State,
    providers: &dyn Schemas,
) -> (BTreeMap<InstanceAddr, Prior>, Diagnostics) {
    let mut out = BTreeMap::new();
    let mut diags = Diagnostics::new();
    for r in &state.resources {
        let mode = Mode::from_state_str(&r.mode);
        let Some(schema) = providers.schema(mode, &r.ty) else {
            diags.push(Diagnostic::error("Missing provider for resource in state").detail(format!("The state has {}.{} (provider {}), but terrane has no provider for resource type {:?}.", r.ty, r.name, r.provider, r.ty)));
            continue;
        };
        let Some(addr) = ResourceAddr::from_state(r.module.as_deref(), mode, &r.ty, &r.name) else {
            diags.push(
                Diagnostic::error("Invalid module address in state").detail(format!(
                    "The state has a resource in module {:?}, which is not a valid module address.",
                    r.module.as_deref().unwrap_or_default()
                )),
            );
            continue;
        };
        for i in &r.instances {
            if i.deposed.is_some() {
                // Objects superseded by an interrupted create-before-destroy replacement are
                // planned for deletion separately (see `deposed_changes`).
                continue;
            }
            let value = instance_value(i, &schema.block);
            out.insert(
                addr.instance(i.index_key.clone()),
                Prior {
                    value,
                    provider: r.provider.clone(),
                    dependencies: i.dependencies.clone(),
                    private: i.private.clone(),
                    create_before_destroy: i.create_before_destroy,
                    tainted: i.status.is_some(),
                },
            );
        }
    }
    (out, diags)
}

pub type InstanceKey = (Option<IndexKey>, Option<String>);

/// State being rewritten by the run, indexed for cheap updates.
#[derive(Default)]
pub struct Working {
    pub resources: BTreeMap<ResourceAddr, (String, BTreeMap<InstanceKey, InstanceState>)>,
}

impl Working {
    pub fn from_state(s: &State) -> Working {
        let mut w = Working::default();
        for r in &s.resources {
            let mode = Mode::from_state_str(&r.mode);
            let Some(addr) = ResourceAddr::from_state(r.module.as_deref(), mode, &r.ty, &r.name)
            else {
                continue;
            };
            let entry = w
                .resources
                .entry(addr)
                .or_insert_with(|| (r.provider.clone(), BTreeMap::new()));
            for i in &r.instances {
                entry
                    .1
                    .insert((i.index_key.clone(), i.deposed.clone()), i.clone());
            }
        }
        w
    }

    pub fn set(&mut self, addr: &ResourceAddr, provider: &str, inst: InstanceState) {
        let entry = self
            .resources
            .entry(addr.clone())
            .or_insert_with(|| (provider.to_string(), BTreeMap::new()));
        entry.0 = provider.to_string();
        entry
            .1
            .insert((inst.index_key.clone(), inst.deposed.clone()), inst);
    }

    pub fn remove(
        &mut self,
        addr: &ResourceAddr,
        key: &Option<IndexKey>,
        deposed: &Option<String>,
    ) {
        if let Some(e) = self.resources.get_mut(addr) {
            e.1.remove(&(key.clone(), deposed.clone()));
        }
    }

    pub fn into_state(self, base: &State) -> State {
        let mut s = base.clone();
        s.resources = self
            .resources
            .into_iter()
            .filter(|(_, (_, i))| !i.is_empty())
            .map(|(addr, (provider, instances))| ResourceState {
                module: addr.module_string(),
                mode: addr.mode.as_state_str().to_string(),
                ty: addr.ty,
                name: addr.name,
                provider,
                instances: instances.into_values().collect(),
            })
            .collect();
        s.normalize();
        s
    }
}

/// Writes decoded prior objects back into `state` (used to record refreshed values).
pub fn write_priors(
    state: &mut State,
    prior: &BTreeMap<InstanceAddr, Prior>,
    providers: &dyn Schemas,
) {
    let mut w = Working::from_state(state);
    for r in w.resources.values_mut() {
        r.1.retain(|(_, deposed), _| deposed.is_some());
    }
    for (addr, p) in prior {
        let mut inst = instance_state(
            addr,
            &p.value,
            providers.schema(addr.resource.mode, &addr.resource.ty),
            p.dependencies.clone(),
            p.private.clone(),
            p.create_before_destroy,
        );
        if p.tainted {
            inst.status = Some(crate::state::ObjectStatus::Tainted);
        }
        w.set(&addr.resource, &p.provider, inst);
    }
    *state = w.into_state(state);
}
