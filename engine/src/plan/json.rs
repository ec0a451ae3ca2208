//! Terraform's JSON representations (`terrane show -json`): of a saved plan (format 1.2:
//! planned_values, resource_changes with before/after/after_unknown/before_sensitive/
//! after_sensitive, resource_drift, output_changes, a configuration subset) and of state
//! (values). Existing tooling (policy checks, PR commenters) reads these.
//!
//! Sensitive values are stored in plan files only as hashes, so in a plan they appear as
//! `null` with the matching `*_sensitive` flag set; unknown values are `null` with
//! `after_unknown`. State has the values themselves, so its JSON shows them, flagged.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as J};

use super::file::{PlanFile, StoredChange, StoredValue};
use crate::lang::Value;
use crate::state::model::COMPATIBLE_TERRAFORM_VERSION;
use crate::state::{IndexKey, InstanceState, ResourceState, State};

/// The value as Terraform's plan JSON has it: unknown attributes of objects and maps
/// left out (`after_unknown` says which), unknown elements of sequences `null` (their
/// position is how `after_unknown` refers to them), sensitive parts `null` (a plan file
/// holds only their hashes).
fn plain(v: &StoredValue) -> J {
    match v {
        StoredValue::Null | StoredValue::Unknown | StoredValue::Sensitive { .. } => J::Null,
        StoredValue::Bool(b) => json!(b),
        StoredValue::Number(n) => J::Number(n.clone()),
        StoredValue::String(s) => json!(s),
        StoredValue::List(x) | StoredValue::Tuple(x) | StoredValue::Set(x) => {
            J::Array(x.iter().map(plain).collect())
        }
        StoredValue::Map(m) | StoredValue::Object(m) => J::Object(
            m.iter()
                .filter(|(_, v)| !matches!(v, StoredValue::Unknown))
                .map(|(k, v)| (k.clone(), plain(v)))
                .collect(),
        ),
    }
}

/// Whether any part of the value is unknown.
fn has_unknown(v: &StoredValue) -> bool {
    match v {
        StoredValue::Unknown => true,
        StoredValue::List(x) | StoredValue::Tuple(x) | StoredValue::Set(x) => {
            x.iter().any(has_unknown)
        }
        StoredValue::Map(m) | StoredValue::Object(m) => m.values().any(has_unknown),
        _ => false,
    }
}

/// Terraform's "mirror" structures: `true` where `pick` holds, collections recursed, and
/// `false` (or an empty collection) elsewhere.
fn mirror(v: &StoredValue, pick: &dyn Fn(&StoredValue) -> bool) -> J {
    if pick(v) {
        return J::Bool(true);
    }
    match v {
        StoredValue::List(x) | StoredValue::Tuple(x) | StoredValue::Set(x) => {
            J::Array(x.iter().map(|i| mirror(i, pick)).collect())
        }
        StoredValue::Map(m) | StoredValue::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), mirror(v, pick)))
                .filter(|(_, v)| *v != J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

fn unknown_mirror(v: Option<&StoredValue>) -> J {
    v.map_or(J::Bool(false), |v| {
        mirror(v, &|x| matches!(x, StoredValue::Unknown))
    })
}

fn sensitive_mirror(v: Option<&StoredValue>) -> J {
    v.map_or(J::Bool(false), |v| {
        mirror(v, &|x| matches!(x, StoredValue::Sensitive { .. }))
    })
}

fn index_json(k: Option<&IndexKey>) -> Option<J> {
    k.map(|k| match k {
        IndexKey::Int(i) => json!(i),
        IndexKey::Str(s) => json!(s),
    })
}

/// `provider["registry.terraform.io/hashicorp/null"]` -> `registry.terraform.io/hashicorp/null`.
fn provider_name(state_addr: &str) -> String {
    state_addr
        .split('"')
        .nth(1)
        .unwrap_or(state_addr)
        .to_string()
}

/// A provider configuration as the plan's `configuration` names it: its key (`aws`, or
/// `aws.west` for an alias) and its entry in `provider_config`.
fn provider_config(state_addr: &str) -> (String, J) {
    let full_name = provider_name(state_addr);
    let name = full_name
        .rsplit('/')
        .next()
        .unwrap_or(&full_name)
        .to_string();
    let alias = state_addr.rsplit_once("].").map(|(_, a)| a.to_string());
    let mut entry = json!({"name": name, "full_name": full_name});
    let key = match alias {
        Some(a) => {
            entry["alias"] = json!(a);
            format!("{name}.{a}")
        }
        None => name,
    };
    (key, entry)
}

fn resource_head(c: &StoredChange) -> Map<String, J> {
    let mut m = Map::new();
    m.insert("address".into(), json!(c.address));
    m.insert("mode".into(), json!(c.mode));
    m.insert("type".into(), json!(c.ty));
    m.insert("name".into(), json!(c.name));
    if let Some(i) = index_json(c.index.as_ref()) {
        m.insert("index".into(), i);
    }
    m.insert("provider_name".into(), json!(provider_name(&c.provider)));
    m
}

fn change_json(c: &StoredChange) -> J {
    let mut m = resource_head(c);
    if let Some(d) = &c.deposed {
        m.insert("deposed".into(), json!(d));
    }
    let change = json!({
        "actions": c.action.json_actions(),
        "before": c.before.as_ref().map_or(J::Null, plain),
        "after": c.after.as_ref().map_or(J::Null, plain),
        "after_unknown": unknown_mirror(c.after.as_ref()),
        "before_sensitive": sensitive_mirror(c.before.as_ref()),
        "after_sensitive": sensitive_mirror(c.after.as_ref()),
    });
    let mut change = change;
    if let Some(super::Reason::ReplaceBecauseAttributes(attrs)) = &c.reason {
        change["replace_paths"] = attrs.iter().map(|a| json!([a])).collect();
    }
    m.insert("change".into(), change);
    if let Some(r) = &c.reason {
        let reason = match r {
            super::Reason::ReplaceBecauseAttributes(_) => "replace_because_cannot_update",
            super::Reason::ReplaceByRequest => "replace_by_request",
            super::Reason::ReplaceByTriggers => "replace_by_triggers",
            super::Reason::ReplaceBecauseTainted => "replace_because_tainted",
            super::Reason::DeleteNoResourceConfig => "delete_because_no_resource_config",
            super::Reason::DeleteCountIndex => "delete_because_count_index",
            super::Reason::DeleteEachKey => "delete_because_each_key",
            super::Reason::DeletedOutside | super::Reason::DeleteByDestroy => "",
        };
        if !reason.is_empty() {
            m.insert("action_reason".into(), json!(reason));
        }
    }
    J::Object(m)
}

/// What `show -json PLANFILE` adds from the configuration the plan was made from: its
/// `configuration` part (`json_config`) and the plan's `relevant_attributes`.
pub struct FromConfiguration {
    pub configuration: J,
    pub relevant_attributes: Vec<J>,
}

/// `terrane show -json PLANFILE`. Without the configuration at hand, `configuration`
/// lists only the providers and resources the plan changes. `prior_state` is the state
/// JSON (`state_json`) of the state the plan was made from, when there is one to show.
pub fn plan_json(
    f: &PlanFile,
    from_config: Option<FromConfiguration>,
    prior_state: Option<J>,
) -> J {
    let (configuration, relevant) = match from_config {
        Some(c) => (Some(c.configuration), c.relevant_attributes),
        None => (None, Vec::new()),
    };
    let planned_resources: Vec<J> = f
        .changes
        .iter()
        .filter(|c| c.after.is_some() && c.deposed.is_none())
        .map(|c| {
            let mut m = resource_head(c);
            m.insert("schema_version".into(), json!(0));
            m.insert("values".into(), c.after.as_ref().map_or(J::Null, plain));
            m.insert(
                "sensitive_values".into(),
                match sensitive_mirror(c.after.as_ref()) {
                    J::Bool(_) => json!({}),
                    other => other,
                },
            );
            J::Object(m)
        })
        .collect();
    let planned_outputs: Map<String, J> = f
        .outputs
        .iter()
        .filter(|(_, o)| o.after.is_some())
        .map(|(k, o)| {
            let mut out = json!({"sensitive": o.sensitive});
            if let Some(after) = o.after.as_ref().filter(|v| !has_unknown(v)) {
                out["value"] = plain(after);
                let value = after.to_display_value();
                if !value.contains_sensitive() {
                    out["type"] = crate::state::codec::type_json(&value);
                }
            }
            (k.clone(), out)
        })
        .collect();
    let output_changes: Map<String, J> = f
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({
                    "actions": o.action.json_actions(),
                    "before": o.before.as_ref().map_or(J::Null, plain),
                    "after": o.after.as_ref().map_or(J::Null, plain),
                    // An output known as a whole is `false`, not a mirror of its parts.
                    "after_unknown": match o.after.as_ref() {
                        Some(v) if has_unknown(v) => unknown_mirror(Some(v)),
                        _ => J::Bool(false),
                    },
                    "before_sensitive": o.sensitive,
                    "after_sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    let variables: Map<String, J> = f
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), json!({"value": plain(v)})))
        .collect();
    let config_resources: Vec<J> = {
        let mut seen = BTreeMap::new();
        for c in &f.changes {
            let addr = format!(
                "{}{}.{}",
                if c.mode == "data" { "data." } else { "" },
                c.ty,
                c.name
            );
            let (key, _) = provider_config(&c.provider);
            seen.entry(addr.clone()).or_insert_with(|| json!({"address": addr, "mode": c.mode, "type": c.ty, "name": c.name, "provider_config_key": key, "schema_version": 0}));
        }
        seen.into_values().collect()
    };
    let providers: Map<String, J> = f
        .changes
        .iter()
        .map(|c| provider_config(&c.provider))
        .collect();
    let mut doc = json!({
        "format_version": "1.2",
        "terraform_version": COMPATIBLE_TERRAFORM_VERSION,
        "variables": variables,
        "planned_values": {"outputs": planned_outputs, "root_module": {"resources": planned_resources}},
        "resource_drift": f.drift.iter().map(change_json).collect::<Vec<_>>(),
        "resource_changes": f.changes.iter().map(change_json).collect::<Vec<_>>(),
        "output_changes": output_changes,
        "prior_state": prior_state,
        "configuration": configuration.unwrap_or_else(|| json!({"provider_config": providers, "root_module": {"resources": config_resources}})),
        "relevant_attributes": relevant,
        "timestamp": f.timestamp,
        "applyable": !f.changes.is_empty() || f.outputs.values().any(|o| o.action != super::Action::NoOp),
        "complete": true,
        "errored": false,
    });
    // Built in Terraform's key order, then what Terraform leaves out when empty taken out
    // (keeping the order).
    let drop_empty = |m: &mut J, path: &[&str]| {
        let (last, parents) = path.split_last().expect("a path");
        let parent = parents.iter().fold(m, |m, k| &mut m[*k]);
        let empty = match &parent[*last] {
            J::Object(o) => o.is_empty(),
            J::Array(a) => a.is_empty(),
            J::Null => true,
            _ => false,
        };
        if let (true, Some(o)) = (empty, parent.as_object_mut()) {
            o.shift_remove(*last);
        }
    };
    drop_empty(&mut doc, &["variables"]);
    drop_empty(&mut doc, &["planned_values", "outputs"]);
    drop_empty(&mut doc, &["resource_drift"]);
    drop_empty(&mut doc, &["output_changes"]);
    drop_empty(&mut doc, &["prior_state"]);
    drop_empty(&mut doc, &["configuration", "provider_config"]);
    drop_empty(&mut doc, &["relevant_attributes"]);
    drop_empty(&mut doc, &["timestamp"]);
    doc
}

/// Terraform's sensitivity mirror of a value: `true` at each sensitive part, lists as
/// arrays of their elements' mirrors, objects with only the attributes that are not
/// plain `false`.
fn value_sensitive_mirror(v: &Value) -> J {
    match v {
        Value::Sensitive(_) => J::Bool(true),
        Value::List(x) | Value::Tuple(x) | Value::Set(x) => {
            J::Array(x.iter().map(value_sensitive_mirror).collect())
        }
        Value::Map(m) | Value::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), value_sensitive_mirror(v)))
                .filter(|(_, v)| *v != J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

/// The module instance address a state module address sits in (`module.a.module.b` is
/// in `module.a`; a top-level module is in the root, "").
fn parent_module(addr: &str) -> &str {
    addr.rfind(".module.").map_or("", |i| &addr[..i])
}

/// `terrane show -json` of state: Terraform's values representation. Attribute values are
/// bare (what `decode` makes of the stored attributes: dynamic attributes are stored with
/// their type, which the schema knows to unwrap) and sensitive ones present, with
/// `sensitive_values` marking them, as Terraform prints them. Resources of modules are
/// nested under `child_modules`.
pub fn state_json(s: &State, decode: &dyn Fn(&ResourceState, &InstanceState) -> Value) -> J {
    let mut by_module: BTreeMap<String, Vec<J>> = BTreeMap::new();
    for r in &s.resources {
        for i in r.instances.iter().filter(|i| i.deposed.is_none()) {
            let value = decode(r, i);
            let sensitive = match value_sensitive_mirror(&value) {
                J::Bool(_) => json!({}),
                other => other,
            };
            let mut m = Map::new();
            m.insert("address".into(), json!(r.instance_address(i)));
            m.insert("mode".into(), json!(r.mode));
            m.insert("type".into(), json!(r.ty));
            m.insert("name".into(), json!(r.name));
            if let Some(ix) = index_json(i.index_key.as_ref()) {
                m.insert("index".into(), ix);
            }
            m.insert("provider_name".into(), json!(provider_name(&r.provider)));
            m.insert("schema_version".into(), json!(i.schema_version));
            m.insert("values".into(), value.unmark_deep().0.to_json());
            m.insert("sensitive_values".into(), sensitive);
            let module = r.module.clone().unwrap_or_default();
            // Every enclosing module appears, even one with no resources of its own.
            let mut up = parent_module(&module);
            while !up.is_empty() {
                by_module.entry(up.to_string()).or_default();
                up = parent_module(up);
            }
            by_module.entry(module).or_default().push(J::Object(m));
        }
    }
    let outputs: Map<String, J> = s
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({"sensitive": o.sensitive, "value": o.value, "type": o.ty}),
            )
        })
        .collect();
    // Terraform's order: outputs (when there are any), then the root module.
    let mut values = Map::new();
    if !outputs.is_empty() {
        values.insert("outputs".into(), J::Object(outputs));
    }
    values.insert("root_module".into(), module_json("", &by_module));
    json!({
        "format_version": "1.0",
        "terraform_version": s.terraform_version,
        "values": values,
    })
}

/// One module's resources and, nested, its child modules.
fn module_json(addr: &str, by_module: &BTreeMap<String, Vec<J>>) -> J {
    let mut m = Map::new();
    if let Some(resources) = by_module.get(addr).filter(|r| !r.is_empty()) {
        m.insert("resources".into(), J::Array(resources.clone()));
    }
    let children: Vec<J> = by_module
        .keys()
        .filter(|k| !k.is_empty() && parent_module(k) == addr)
        .map(|k| module_json(k, by_module))
        .collect();
    if !addr.is_empty() {
        m.insert("address".into(), json!(addr));
    }
    if !children.is_empty() {
        m.insert("child_modules".into(), J::Array(children));
    }
    J::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_mark_unknown_and_sensitive_leaves() {
        let v = StoredValue::Object(
            [
                ("id".to_string(), StoredValue::Unknown),
                (
                    "pw".to_string(),
                    StoredValue::Sensitive { sha256: "x".into() },
                ),
                ("name".to_string(), StoredValue::String("a".into())),
            ]
            .into(),
        );
        assert_eq!(unknown_mirror(Some(&v)), json!({"id": true}));
        assert_eq!(sensitive_mirror(Some(&v)), json!({"pw": true}));
        assert_eq!(plain(&v), json!({"pw": null, "name": "a"}));
    }

    #[test]
    fn state_mirrors_keep_lists_and_drop_plain_attributes() {
        let v = Value::Object(
            [
                ("id".to_string(), Value::string("x")),
                (
                    "list".to_string(),
                    Value::List(vec![Value::Bool(true), Value::string("s").sensitive()]),
                ),
                ("pw".to_string(), Value::string("p").sensitive()),
            ]
            .into(),
        );
        assert_eq!(
            value_sensitive_mirror(&v),
            json!({"list": [false, true], "pw": true})
        );
        assert_eq!(parent_module("module.a[\"k\"].module.b"), "module.a[\"k\"]");
        assert_eq!(parent_module("module.a"), "");
    }
}
