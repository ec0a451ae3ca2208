//! The prior state of a saved plan, as `show -json PLANFILE` reports it (`prior_state`).
//!
//! Terraform keeps the refreshed state inside its plan files, with the root outputs the plan
//! evaluated written into it. A terrane plan file keeps only the lineage and serial of the
//! state it was made against (sensitive values must not be written to plan files in
//! cleartext), so the prior state is rebuilt from the workspace's current state when it is
//! still that state, and from the plan's drift and outputs.

use super::file::{PlanFile, StoredValue};
use super::Action;
use crate::state::model::{OutputState, COMPATIBLE_TERRAFORM_VERSION};
use crate::state::State;

/// The state `plan` was made from as Terraform's `prior_state` shows it, when `current`
/// (the workspace's state now) is still the one the plan was made against; a plan made
/// with no state has an empty one. Instances the refresh found deleted are gone, and root
/// outputs hold the values the plan evaluated (those it could not know are left out).
/// `None` also when there is nothing in it, as Terraform leaves it out then.
pub fn prior_state(plan: &PlanFile, current: Option<&State>) -> Option<State> {
    let mut state = match (&plan.lineage, current) {
        (None, _) => State::new(),
        (Some(lineage), Some(s)) if *lineage == s.lineage && plan.serial == Some(s.serial) => {
            s.clone()
        }
        _ => return None,
    };
    // Terraform writes the prior state with its own version, not the stored state's.
    state.terraform_version = COMPATIBLE_TERRAFORM_VERSION.to_string();
    let deleted_outside: Vec<&str> = plan
        .drift
        .iter()
        .filter(|d| d.action == Action::Delete && d.deposed.is_none())
        .map(|d| d.address.as_str())
        .collect();
    for r in &mut state.resources {
        let mut instances = std::mem::take(&mut r.instances);
        instances.retain(|i| {
            i.deposed.is_some() || !deleted_outside.contains(&r.instance_address(i).as_str())
        });
        r.instances = instances;
    }
    state.resources.retain(|r| !r.instances.is_empty());
    let stored_outputs = std::mem::take(&mut state.outputs);
    for (name, planned) in &plan.outputs {
        let evaluated = planned.after.as_ref().and_then(StoredValue::to_value);
        let output = match evaluated {
            Some(value) if !value.contains_unknown() => Some(OutputState {
                value: value.to_json(),
                ty: crate::state::codec::type_json(&value),
                sensitive: planned.sensitive,
            }),
            // A sensitive value is in the plan file only as a hash: unchanged, it is the
            // state's.
            _ if planned.action == Action::NoOp => stored_outputs.get(name).cloned(),
            _ => None,
        };
        if let Some(o) = output {
            state.outputs.insert(name.clone(), o);
        }
    }
    // Terraform leaves out a prior state with nothing in it.
    let empty = state.resources.is_empty() && state.outputs.is_empty();
    (!empty).then_some(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> State {
        let doc = json!({
            "version": 4, "terraform_version": "1.15.5", "serial": 3, "lineage": "L",
            "outputs": {"secret": {"value": "s", "type": "string", "sensitive": true}},
            "resources": [{
                "mode": "managed", "type": "null_resource", "name": "a",
                "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
                "instances": [
                    {"index_key": 0, "schema_version": 0, "attributes": {"id": "1"}},
                    {"index_key": 1, "schema_version": 0, "attributes": {"id": "2"}}
                ]
            }]
        });
        State::from_bytes(doc.to_string().as_bytes()).expect("a state")
    }

    fn plan(lineage: Option<&str>, serial: u64) -> PlanFile {
        let gone = json!({
            "address": "null_resource.a[1]", "mode": "managed", "type": "null_resource",
            "name": "a", "index": 1, "deposed": null,
            "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
            "action": "Delete", "reason": null,
            "before": {"object": {"id": {"string": "2"}}}, "after": null
        });
        serde_json::from_value(json!({
            "format": "terrane-plan", "format_version": 1, "terrane_version": "0",
            "mode": "Normal", "workspace": "default", "lineage": lineage,
            "serial": lineage.map(|_| serial), "config_hash": "", "variables": {},
            "changes": [], "drift": [gone],
            "outputs": {
                "secret": {"action": "NoOp", "before": {"sensitive": {"sha256": "x"}},
                           "after": {"sensitive": {"sha256": "x"}}, "sensitive": true},
                "later": {"action": "Create", "before": null, "after": "unknown",
                          "sensitive": false},
                "text": {"action": "Create", "before": null, "after": {"string": "t"},
                         "sensitive": false}
            }
        }))
        .expect("a plan file")
    }

    #[test]
    fn the_state_the_plan_was_made_from_with_drift_and_evaluated_outputs() {
        let prior = prior_state(&plan(Some("L"), 3), Some(&state())).expect("a prior state");
        let ids: Vec<String> = prior.resources[0]
            .instances
            .iter()
            .map(|i| i.attributes.to_json()["id"].to_string())
            .collect();
        assert_eq!(ids, ["\"1\""], "the instance deleted outside is gone");
        let outputs: Vec<&str> = prior.outputs.keys().map(String::as_str).collect();
        assert_eq!(
            outputs,
            ["secret", "text"],
            "the unknown output is left out"
        );
        assert_eq!(prior.outputs["secret"].value, json!("s"));
        assert_eq!(prior.outputs["text"].value, json!("t"));
    }

    #[test]
    fn none_once_the_state_has_moved_on() {
        assert!(prior_state(&plan(Some("L"), 2), Some(&state())).is_none());
        assert!(prior_state(&plan(Some("other"), 3), Some(&state())).is_none());
        assert!(prior_state(&plan(Some("L"), 3), None).is_none());
    }

    #[test]
    fn a_plan_without_state_has_only_its_outputs() {
        let prior = prior_state(&plan(None, 0), None).expect("a prior state");
        assert!(prior.resources.is_empty());
        assert_eq!(prior.outputs["text"].value, json!("t"));
    }
}
