//! Prior objects: state instances decoded with their provider's schema for planning, and
//! the working copy of state that a run rewrites and encodes back (Terraform's v4 layout).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::codec::{instance_state, instance_value, instance_value_and_tree};
use crate::addr::{IndexKey, InstanceAddr, Mode, ResourceAddr};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::Value;
use crate::provider::ResourceSchema;
use crate::state::{InstanceState, ResourceState, State};

/// Finds the schema of a resource type (managed or data) among the run's providers.
pub trait Schemas {
    fn schema(&self, mode: Mode, ty: &str) -> Option<&ResourceSchema>;

    /// Whether the provider state names (`provider`) upgrades objects from the JSON state
    /// stores (see [`crate::provider::Provider::upgrades_stored`]), so decoding keeps it.
    fn upgrades_stored(&self, _mode: Mode, _ty: &str, _provider: &str) -> bool {
        false
    }
}

/// A prior object, decoded with its schema.
#[derive(Debug, Clone)]
pub struct Prior {
    pub value: Value,
    pub provider: String,
    pub dependencies: Vec<String>,
    pub private: Option<String>,
    /// The schema version state recorded the object with; `None` once it is of the
    /// current schema (refreshed or imported).
    pub schema_version: Option<u64>,
    /// The attributes as state stores them, for a provider that upgrades the object from
    /// this JSON (see [`ReadRequest::stored`]). `None` for other providers, and once the
    /// object is of the provider's making (refreshed, upgraded or imported).
    ///
    /// [`ReadRequest::stored`]: crate::provider::ReadRequest::stored
    pub stored: Option<std::sync::Arc<serde_json::Value>>,
    pub create_before_destroy: bool,
    /// A create-time provisioner failed on it: the next plan replaces it.
    pub tainted: bool,
    /// State holds this very object at this address: writing the priors back can keep
    /// that record instead of encoding the object again. Cleared when a refresh finds the
    /// object changed, when a `moved` block moves it, and for imported objects.
    pub as_stored: bool,
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
        let keep_stored = providers.upgrades_stored(mode, &r.ty, &r.provider);
        for i in &r.instances {
            if i.deposed.is_some() {
                // Objects superseded by an interrupted create-before-destroy replacement are
                // planned for deletion separately (see `deposed_changes`).
                continue;
            }
            let (value, stored) = if keep_stored {
                let (value, tree) = instance_value_and_tree(i, &schema.block);
                (value, Some(std::sync::Arc::new(tree)))
            } else {
                (instance_value(i, &schema.block), None)
            };
            out.insert(
                addr.instance(i.index_key.clone()),
                Prior {
                    value,
                    provider: r.provider.clone(),
                    dependencies: i.dependencies.clone(),
                    private: i.private.clone(),
                    schema_version: Some(i.schema_version),
                    stored,
                    create_before_destroy: i.create_before_destroy,
                    tainted: i.status.is_some(),
                    as_stored: true,
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

    /// The state with these resources and everything else (serial, lineage, outputs) of
    /// `base`, whose resources are not copied.
    pub fn into_state(self, base: &State) -> State {
        let mut s = State {
            version: base.version,
            terraform_version: base.terraform_version.clone(),
            serial: base.serial,
            lineage: base.lineage.clone(),
            outputs: base.outputs.clone(),
            resources: Vec::new(),
            check_results: base.check_results.clone(),
        };
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
/// Records of objects that are still [`Prior::as_stored`] are kept as they are; only
/// objects that changed (refreshed, moved, imported) are encoded again, so a no-op plan of
/// a large state neither copies nor re-encodes it.
pub fn write_priors(
    state: &mut State,
    prior: &BTreeMap<InstanceAddr, Prior>,
    providers: &dyn Schemas,
) {
    // Objects state still holds as they are stay where they are. A no-op plan keeps every
    // one of them, so that case is counted rather than indexed.
    let mut kept_count = 0usize;
    // A rewritten object keeps the identity Terraform recorded for it: the object is the
    // same one, only its attributes were read again.
    let mut identities: HashMap<InstanceAddr, (u64, Box<serde_json::Value>)> = HashMap::new();
    for r in &mut state.resources {
        let mode = Mode::from_state_str(&r.mode);
        let Some(addr) = ResourceAddr::from_state(r.module.as_deref(), mode, &r.ty, &r.name) else {
            continue;
        };
        r.instances.retain(|i| {
            if i.deposed.is_some() {
                // Deposed objects are not priors; they stay until deleted.
                return true;
            }
            let ia = addr.instance(i.index_key.clone());
            let keep = prior
                .get(&ia)
                .is_some_and(|p| p.as_stored && p.provider == r.provider);
            if keep {
                kept_count += 1;
            } else if let Some(id) = &i.identity {
                identities.insert(ia, (i.identity_schema_version, id.clone()));
            }
            keep
        });
    }
    if kept_count == prior.len() {
        state.normalize();
        return;
    }
    // Some objects are encoded again: index what stayed, and where each resource is.
    let mut kept: BTreeSet<InstanceAddr> = BTreeSet::new();
    let mut position: HashMap<ResourceAddr, usize> = HashMap::new();
    for (n, r) in state.resources.iter().enumerate() {
        let mode = Mode::from_state_str(&r.mode);
        let Some(addr) = ResourceAddr::from_state(r.module.as_deref(), mode, &r.ty, &r.name) else {
            continue;
        };
        for i in r.instances.iter().filter(|i| i.deposed.is_none()) {
            kept.insert(addr.instance(i.index_key.clone()));
        }
        position.insert(addr, n);
    }
    for (addr, p) in prior.iter().filter(|(a, _)| !kept.contains(*a)) {
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
        if let Some((version, id)) = identities.remove(addr) {
            inst.identity_schema_version = version;
            inst.identity = Some(id);
        }
        let n = *position.entry(addr.resource.clone()).or_insert_with(|| {
            state.resources.push(ResourceState {
                module: addr.resource.module_string(),
                mode: addr.resource.mode.as_state_str().to_string(),
                ty: addr.resource.ty.clone(),
                name: addr.resource.name.clone(),
                provider: p.provider.clone(),
                instances: Vec::new(),
            });
            state.resources.len() - 1
        });
        let r = &mut state.resources[n];
        r.provider.clone_from(&p.provider);
        r.instances.push(inst);
    }
    state.normalize();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Type;
    use crate::provider::{AttributeSchema, BlockSchema};

    struct One(ResourceSchema);

    impl Schemas for One {
        fn schema(&self, _: Mode, _: &str) -> Option<&ResourceSchema> {
            Some(&self.0)
        }
    }

    fn schema() -> One {
        let mut block = BlockSchema::default();
        block
            .attributes
            .insert("input".into(), AttributeSchema::optional(Type::String));
        One(ResourceSchema { version: 0, block })
    }

    fn object(input: &str) -> Value {
        Value::Object(BTreeMap::from([(
            "input".to_string(),
            Value::String(input.into()),
        )]))
    }

    fn prior(input: &str, as_stored: bool) -> Prior {
        Prior {
            value: object(input),
            provider: "provider[\"terraform.io/builtin/terraform\"]".into(),
            dependencies: Vec::new(),
            private: None,
            schema_version: None,
            stored: None,
            create_before_destroy: false,
            tainted: false,
            as_stored,
        }
    }

    fn addr(s: &str) -> InstanceAddr {
        s.parse().expect("address")
    }

    #[test]
    fn write_priors_keeps_stored_records_and_encodes_only_what_changed() {
        let schemas = schema();
        let mut stored = BTreeMap::new();
        for name in ["a", "b", "gone"] {
            stored.insert(addr(&format!("terraform_data.{name}")), prior("old", false));
        }
        let mut state = State::new();
        write_priors(&mut state, &stored, &schemas);
        // A record that differs from its decoded object shows which one was written.
        state.resources[0].instances[0]
            .attributes
            .edit(|a| a["input"] = "as recorded".into());

        let mut now = BTreeMap::new();
        now.insert(addr("terraform_data.a"), prior("old", true));
        now.insert(addr("terraform_data.b"), prior("refreshed", false));
        now.insert(addr("terraform_data.c"), prior("imported", false));
        write_priors(&mut state, &now, &schemas);

        let inputs: Vec<(&str, serde_json::Value)> = state
            .resources
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.instances[0].attributes.to_json()["input"].clone(),
                )
            })
            .collect();
        assert_eq!(
            inputs,
            vec![
                ("a", serde_json::json!("as recorded")),
                ("b", serde_json::json!("refreshed")),
                ("c", serde_json::json!("imported")),
            ]
        );
    }

    #[test]
    fn a_refreshed_object_keeps_the_identity_terraform_recorded() {
        let schemas = schema();
        let mut state = State::new();
        let mut stored = BTreeMap::new();
        stored.insert(addr("terraform_data.a"), prior("old", false));
        write_priors(&mut state, &stored, &schemas);
        let inst = &mut state.resources[0].instances[0];
        inst.identity_schema_version = 1;
        inst.identity = Some(Box::new(serde_json::json!({"id": "a-1"})));

        let mut now = BTreeMap::new();
        now.insert(addr("terraform_data.a"), prior("refreshed", false));
        write_priors(&mut state, &now, &schemas);
        let inst = &state.resources[0].instances[0];
        assert_eq!(
            inst.attributes.to_json()["input"],
            serde_json::json!("refreshed")
        );
        assert_eq!(
            inst.identity.as_deref(),
            Some(&serde_json::json!({"id": "a-1"}))
        );
        assert_eq!(inst.identity_schema_version, 1);
    }
}
