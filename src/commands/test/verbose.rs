//! What `-verbose` shows of a run once it is done: its plan (`command = plan`) or the
//! state it left (`command = apply`), as text for people and, under `-json`, as
//! Terraform's `test_plan` and `test_state` messages: the plan or state in the form
//! Terraform's renderer reads, with the schemas of the providers it involves.

use serde_json::{json, Map, Value};
use terrane_engine::config::Module;
use terrane_engine::diag::Diagnostics;
use terrane_engine::plan::file::{PlanFile, PLAN_FORMAT, PLAN_FORMAT_VERSION};
use terrane_engine::plan::json::{plan_json, state_json};
use terrane_engine::plan::relevant::relevant_attributes;
use terrane_engine::plan::Plan;
use terrane_engine::run::Providers;
use terrane_engine::state::State;

/// The versions of the JSON formats the messages carry, as Terraform 1.15 writes them.
const PLAN_FORMAT_JSON: &str = "1.2";
const STATE_FORMAT_JSON: &str = "1.0";
const PROVIDER_FORMAT_JSON: &str = "1.0";

/// A run's plan or state, both ways.
#[derive(Default)]
pub struct Verbose {
    pub text: String,
    /// The message type (`test_plan`, `test_state`) and its body.
    pub message: Option<(&'static str, Value)>,
}

/// The `test_plan` body of `plan`.
pub fn plan_message(plan: &Plan, module: &Module, providers: &Providers) -> Value {
    let file = PlanFile {
        format: PLAN_FORMAT.to_string(),
        format_version: PLAN_FORMAT_VERSION,
        terrane_version: env!("CARGO_PKG_VERSION").to_string(),
        mode: plan.mode.clone(),
        workspace: String::new(),
        lineage: None,
        serial: None,
        config_hash: String::new(),
        variables: Default::default(),
        targets: Vec::new(),
        replace: Vec::new(),
        changes: PlanFile::changes_of(plan),
        drift: PlanFile::drift_of(plan),
        outputs: PlanFile::outputs_of(plan),
        timestamp: None,
        relevant_attributes: plan.relevant_attributes.clone(),
    };
    let full = plan_json(&file, None, None);
    let mut body = Map::new();
    body.insert("plan_format_version".into(), json!(PLAN_FORMAT_JSON));
    // Terraform leaves out the parts that are empty.
    for key in ["output_changes", "resource_changes", "resource_drift"] {
        match full.get(key) {
            Some(Value::Object(m)) if m.is_empty() => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(v) => {
                body.insert(key.into(), v.clone());
            }
            None => {}
        }
    }
    let relevant = relevant_attributes(plan, module, providers);
    if !relevant.is_empty() {
        body.insert("relevant_attributes".into(), Value::Array(relevant));
    }
    with_schemas(body, module)
}

/// The `test_state` body of `state`.
pub fn state_message(state: &State, module: &Module, providers: &Providers) -> Value {
    let decode = |r: &terrane_engine::state::ResourceState,
                  i: &terrane_engine::state::InstanceState| {
        let mode = if r.mode == "data" {
            terrane_engine::addr::Mode::Data
        } else {
            terrane_engine::addr::Mode::Managed
        };
        match providers.schema(mode, &r.ty) {
            Some(s) => terrane_engine::run::values::instance_value(i, &s.block),
            None => terrane_engine::lang::Value::from_json(&i.attributes.to_json()),
        }
    };
    let full = state_json(state, &decode);
    let mut body = Map::new();
    body.insert("state_format_version".into(), json!(STATE_FORMAT_JSON));
    let values = full.get("values");
    if let Some(root) = values.and_then(|v| v.get("root_module")) {
        body.insert("root_module".into(), root.clone());
    }
    if let Some(outputs) = values
        .and_then(|v| v.get("outputs"))
        .filter(|o| o.as_object().is_some_and(|m| !m.is_empty()))
    {
        body.insert("outputs".into(), outputs.clone());
    }
    with_schemas(body, module)
}

fn with_schemas(mut body: Map<String, Value>, module: &Module) -> Value {
    body.insert(
        "provider_format_version".into(),
        json!(PROVIDER_FORMAT_JSON),
    );
    // A schema that cannot be read leaves its provider out; the run itself reported why.
    let schemas = super::super::providers_schema::provider_schemas(module, &mut Diagnostics::new());
    if !schemas.is_empty() {
        body.insert("provider_schemas".into(), Value::Object(schemas));
    }
    Value::Object(body)
}
