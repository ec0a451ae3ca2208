//! `terrane show [-json] [PLANFILE]`: the current state (or a saved plan) for people.

use std::path::Path;

use terrane_engine::config::load_dir;
use terrane_engine::lang::Value;
use terrane_engine::state::State;

use super::output::state_value;
use crate::cli::ShowArgs;
use crate::output::{print_diagnostics, use_color};

/// Reads the current workspace's state without locking (as Terraform's output and show do),
/// with the finished operations of an interrupted apply's journal folded in (in memory
/// only: saving it needs the lock, which the next plan or apply takes).
pub async fn read_state(color: bool) -> anyhow::Result<Option<State>> {
    let (module, _diags) = load_dir(Path::new("."));
    let backend = crate::setup::backend(&module)?;
    let ws = crate::setup::current_workspace();
    match backend.read(&ws).await {
        Ok(v) => Ok(with_pending_journal(v.map(|v| v.state), &ws)),
        Err(e) => {
            print_diagnostics(
                &terrane_engine::diag::Diagnostic::error("Failed to load state")
                    .detail(e.to_string())
                    .into(),
                color,
            );
            Err(crate::commands::operation::Reported.into())
        }
    }
}

/// `stored` with a pending apply journal of workspace `ws` folded in, saying so on stderr.
fn with_pending_journal(stored: Option<State>, ws: &str) -> Option<State> {
    use terrane_engine::state::journal::fold;
    let path = super::operation::journal_path(ws);
    match fold(stored.as_ref(), &path) {
        Ok(None) => stored,
        Ok(Some(folded)) => {
            if folded.operations > 0 {
                eprintln!(
                    "Note: an interrupted apply left {} finished operation(s) in {} that are not saved to state yet; they are included here. The next terrane plan or apply saves them.",
                    folded.operations,
                    path.display()
                );
            }
            if !folded.pending.is_empty() {
                let addrs: Vec<String> = folded
                    .pending
                    .iter()
                    .map(|i| {
                        i.instance_addr().map_or_else(
                            || format!("{}.{}", i.resource.ty, i.resource.name),
                            |a| a.to_string(),
                        )
                    })
                    .collect();
                eprintln!(
                    "Note: {} create(s) of an interrupted apply may have made objects that state does not record yet: {}. The next terrane plan or apply looks for them and adopts what it finds.",
                    addrs.len(),
                    addrs.join(", ")
                );
            }
            Some(folded.state)
        }
        Err(e) => {
            eprintln!(
                "Warning: the apply journal {} was not included: {e}.",
                path.display()
            );
            stored
        }
    }
}

pub async fn run(a: ShowArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    if let Some(path) = &a.path {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        if let Ok(state) = State::from_bytes(&bytes) {
            print_state(&state, a.json)?;
            return Ok(0);
        }
        let plan: terrane_engine::plan::file::PlanFile =
            serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{} is neither a state file nor a terrane plan file: {e}",
                    path.display()
                )
            })?;
        let providers = super::operation::provider_set(&Default::default());
        if a.json {
            let configuration = plan_configuration(&plan);
            // A plan made with no state needs none to show its prior state.
            let current = match plan.lineage {
                Some(_) => match read_state(color).await {
                    Ok(s) => s,
                    Err(_) => return Ok(1),
                },
                None => None,
            };
            let prior = terrane_engine::plan::prior_state::prior_state(&plan, current.as_ref())
                .map(|s| state_document(&s));
            println!(
                "{}",
                serde_json::to_string(&terrane_engine::plan::json::plan_json(
                    &plan,
                    configuration,
                    prior
                ))?
            );
        } else if a.markdown {
            print!(
                "{}",
                crate::markdown::render(&plan.to_display_plan(), &providers)
            );
        } else {
            let style = terrane_engine::plan::render::Style {
                color: use_color(a.common.no_color),
            };
            print!(
                "{}",
                terrane_engine::plan::render::render_plan(
                    &plan.to_display_plan(),
                    &providers,
                    style
                )
            );
        }
        return Ok(0);
    }
    let Ok(state) = read_state(color).await else {
        return Ok(1);
    };
    match state {
        None => println!("No state."),
        Some(s) => print_state(&s, a.json)?,
    }
    Ok(0)
}

/// What a saved plan's JSON takes from its configuration: Terraform keeps a copy of the
/// configuration in the plan file, terrane reads the working directory's, when it is the
/// one the plan was made from (else the document lists only what the plan changes).
fn plan_configuration(
    plan: &terrane_engine::plan::file::PlanFile,
) -> Option<terrane_engine::plan::json::FromConfiguration> {
    let (module, diags) = load_dir(Path::new("."));
    if diags.has_errors() || super::plan::module_hash(&module) != plan.config_hash {
        return None;
    }
    let providers = super::operation::provider_set(&module);
    let changed: Vec<terrane_engine::addr::InstanceAddr> = plan
        .changes
        .iter()
        .filter_map(|c| c.address.parse().ok())
        .collect();
    let resources: Vec<&terrane_engine::addr::ResourceAddr> =
        changed.iter().map(|a| &a.resource).collect();
    let outputs: Vec<&str> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != terrane_engine::plan::Action::NoOp)
        .map(|(k, _)| k.as_str())
        .collect();
    Some(terrane_engine::plan::json::FromConfiguration {
        configuration: terrane_engine::plan::json_config::configuration(&module, &providers),
        relevant_attributes: terrane_engine::plan::relevant::from_changes(
            &resources, &outputs, &module, &providers,
        ),
    })
}

/// Terraform's JSON document of state `s` (`show -json`, a plan's `prior_state`).
fn state_document(s: &State) -> serde_json::Value {
    let providers = super::operation::provider_set(&Default::default());
    let decode = |r: &terrane_engine::state::ResourceState,
                  i: &terrane_engine::state::InstanceState| {
        match providers.schema(state_mode(&r.mode), &r.ty) {
            Some(schema) => terrane_engine::run::values::instance_value(i, &schema.block),
            None => Value::from_json(&i.attributes.to_json()),
        }
    };
    terrane_engine::plan::json::state_json(s, &decode)
}

fn print_state(s: &State, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(&state_document(s))?);
        return Ok(());
    }
    print!("{}", state_text(s));
    Ok(())
}

/// The state as `terrane show` prints it for people (also `terrane test -verbose`).
pub fn state_text(s: &State) -> String {
    if s.resources.is_empty() && s.outputs.is_empty() {
        return "The state file is empty. No resources are represented.\n".into();
    }
    let mut out = String::new();
    for r in &s.resources {
        for i in &r.instances {
            out.push_str(&format!("# {}:\n", r.instance_address(i)));
            out.push_str(&format!(
                "{} {:?} {:?} {}\n\n",
                if r.mode == "data" { "data" } else { "resource" },
                r.ty,
                r.name,
                render_attrs(&r.mode, &r.ty, i)
            ));
        }
    }
    if !s.outputs.is_empty() {
        out.push_str("\nOutputs:\n\n");
        for (k, o) in &s.outputs {
            let v = if o.sensitive {
                "(sensitive value)".to_string()
            } else {
                // Read with its recorded type, so a map prints as a map.
                let v = match terrane_engine::lang::types::type_from_json(&o.ty) {
                    Some(ty) => terrane_engine::state::codec::typed_from_json(&o.value, &ty),
                    None => Value::from_json(&o.value),
                };
                state_value(&v, 0)
            };
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    out
}

/// An instance's attributes as an HCL block body, sensitive ones hidden.
pub fn render_attrs(mode: &str, ty: &str, i: &terrane_engine::state::InstanceState) -> String {
    // Read with the schema, as plan does (Terraform stores dynamic values with their type).
    let mode = state_mode(mode);
    let providers = super::operation::provider_set(&Default::default());
    let schema = providers.schema(mode, ty);
    let v = match &schema {
        Some(s) => terrane_engine::run::values::object_from_json(&i.attributes.to_json(), &s.block),
        None => Value::from_json(&i.attributes.to_json()),
    };
    // A dynamic attribute's value is printed from its JSON, without its type, as
    // Terraform does: its maps print as objects (keys quoted only where they must be).
    let dynamic = |k: &str| {
        schema.as_ref().is_some_and(|s| {
            s.block
                .attributes
                .get(k)
                .is_some_and(|a| a.ty == terrane_engine::lang::Type::Any)
        })
    };
    let sensitive: Vec<String> = i
        .sensitive_attributes
        .iter()
        .filter_map(|p| {
            p.get(0)
                .and_then(|s| s.get("value"))
                .and_then(|n| n.as_str())
                .map(str::to_string)
        })
        .collect();
    let Some(m) = v.as_map() else {
        return "{}".into();
    };
    let shown: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| !v.is_null()).collect();
    let w = shown.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::from("{\n");
    for (k, v) in shown {
        let text = if sensitive.contains(k) {
            "(sensitive value)".into()
        } else if dynamic(k) {
            state_value(&maps_as_objects(v), 4)
        } else {
            state_value(v, 4)
        };
        out.push_str(&format!("    {k:<w$} = {text}\n"));
    }
    out.push('}');
    out
}

/// `v` with every map turned into an object.
fn maps_as_objects(v: &Value) -> Value {
    match v {
        Value::Map(m) | Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), maps_as_objects(x)))
                .collect(),
        ),
        Value::List(items) => Value::List(items.iter().map(maps_as_objects).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(maps_as_objects).collect()),
        Value::Set(items) => Value::Set(items.iter().map(maps_as_objects).collect()),
        other => other.clone(),
    }
}

/// The mode of a resource as state spells it (`managed`, `data`).
fn state_mode(mode: &str) -> terrane_engine::addr::Mode {
    if mode == "data" {
        terrane_engine::addr::Mode::Data
    } else {
        terrane_engine::addr::Mode::Managed
    }
}
