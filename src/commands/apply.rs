//! `terrane apply` and `terrane destroy`: plan (or load a saved plan and check it still
//! holds), ask for approval, apply while journalling every finished operation, then
//! write the new state.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Mutex;

use terrane_engine::diag::Diagnostic;
use terrane_engine::lang::Value;
use terrane_engine::plan::file::{PlanFile, StoredValue, PLAN_FORMAT, PLAN_FORMAT_VERSION};
use terrane_engine::plan::render::{render_plan, Style};
use terrane_engine::plan::{Action, Plan, PlanMode};
use terrane_engine::run::vars::CliVar;
use terrane_engine::run::{ApplyEvent, ApplyObserver, StateDelta};
use terrane_engine::state::journal::Journal;

use super::apply_view::ApplyView;
use super::operation::{journal_path, prepare, Prepared};
use crate::cli::{ApplyArgs, PlanningArgs, RefreshArgs};
use crate::json_ui;
use crate::output::print_diagnostics;

pub async fn run(a: ApplyArgs, destroy_command: bool) -> anyhow::Result<u8> {
    let json = a.planning.json;
    if json {
        json_ui::enable();
        if !a.auto_approve && a.plan_file.is_none() {
            // Nobody could answer the approval prompt in the middle of a JSON stream.
            print_diagnostics(&Diagnostic::error("Plan file or auto-approve required").detail("terrane cannot ask for interactive approval when -json is set. You can either apply a saved plan file, or enable the -auto-approve option.").into(), false);
            return Ok(1);
        }
    }
    if let Some(path) = &a.plan_file {
        return apply_saved(&a, path).await;
    }
    let destroy = destroy_command || a.destroy;
    let mode = if destroy {
        PlanMode::Destroy
    } else {
        PlanMode::Normal
    };
    let op = if destroy {
        "OperationTypeDestroy"
    } else {
        "OperationTypeApply"
    };
    let Ok(mut p) = prepare(&a.common, &a.planning, mode, op, Vec::new()).await? else {
        return Ok(1);
    };
    if json {
        p.start_json_output();
    } else {
        p.start_human_output();
    }
    let Some(plan) = p.plan().await else {
        return Ok(1);
    };
    if json {
        json_ui::plan(&plan);
    } else {
        print!(
            "{}",
            render_plan(&plan, p.ctx.providers.as_ref(), Style { color: p.color })
        );
    }
    if plan.has_changes()
        && !a.auto_approve
        && !confirm(destroy, plan.mode == PlanMode::RefreshOnly)
    {
        println!("\n{} cancelled.", if destroy { "Destroy" } else { "Apply" });
        p.unlock().await;
        return Ok(1);
    }
    let finish = if destroy {
        Finish::Destroy
    } else {
        Finish::Apply
    };
    let code = execute(&mut p, &plan, finish).await;
    p.unlock().await;
    code
}

/// "Enter a value:" approval; only `yes` approves.
fn confirm(destroy: bool, refresh_only: bool) -> bool {
    let question = if destroy {
        "\nDo you really want to destroy all resources?\n  terrane will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm."
    } else if refresh_only {
        "\nWould you like to update the terrane state to reflect these detected changes?\n  terrane will write these changes to the state without modifying any real infrastructure.\n  There is no undo. Only 'yes' will be accepted to confirm."
    } else {
        "\nDo you want to perform these actions?\n  terrane will perform the actions described above.\n  Only 'yes' will be accepted to approve."
    };
    ask_yes(&format!("{question}\n\n  Enter a value: "))
}

/// Prints `prompt` and reads one line: only `yes` approves.
pub fn ask_yes(prompt: &str) -> bool {
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let ok = std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim() == "yes";
    println!();
    ok
}

#[derive(Default)]
struct Counts {
    added: usize,
    changed: usize,
    destroyed: usize,
}

struct CliObserver {
    journal: Mutex<Journal>,
    counts: Mutex<Counts>,
    view: ApplyView,
}

impl ApplyObserver for CliObserver {
    fn event(&self, e: ApplyEvent<'_>) {
        log_event(&e);
        self.view.event(&e);
        if let ApplyEvent::Done { action, .. } = e {
            let mut c = self.counts.lock().expect("lock poisoned");
            match action {
                Action::Create => c.added += 1,
                Action::Update => c.changed += 1,
                Action::Delete => c.destroyed += 1,
                _ => {}
            }
        }
    }

    fn record(&self, d: StateDelta<'_>) -> std::io::Result<()> {
        let mut journal = self.journal.lock().expect("lock poisoned");
        journal.append(&d.journal_entry())?;
        if d.must_sync() {
            journal.sync()?;
        }
        Ok(())
    }
}

/// The core log's lines for an operation starting and finishing, as Terraform's
/// "Starting apply for ..." lines.
fn log_event(e: &ApplyEvent<'_>) {
    match e {
        ApplyEvent::Start { addr, action, .. } => {
            crate::core_log::info(format!("Starting apply for {addr} ({action:?})"));
        }
        ApplyEvent::Done {
            addr,
            action,
            elapsed,
            ..
        } => crate::core_log::info(format!(
            "{addr}: {action:?} complete after {} ms",
            elapsed.as_millis()
        )),
        _ => {}
    }
}

/// `terrane refresh`: Terraform's deprecated alias of `apply -refresh-only
/// -auto-approve`. Like Terraform it shows no plan, only the refreshed outputs.
pub async fn refresh(a: RefreshArgs) -> anyhow::Result<u8> {
    if a.json {
        json_ui::enable();
    }
    let planning = PlanningArgs {
        vars: a.vars,
        lock: a.lock,
        refresh: true,
        refresh_only: true,
        parallelism: a.parallelism,
        target: a.target,
        compact_warnings: a.compact_warnings,
        ..PlanningArgs::default()
    };
    let op = "OperationTypeRefresh";
    let Ok(mut p) = prepare(&a.common, &planning, PlanMode::RefreshOnly, op, Vec::new()).await?
    else {
        return Ok(1);
    };
    if a.json {
        p.start_json_output();
    } else {
        p.start_human_output();
    }
    let Some(plan) = p.plan().await else {
        return Ok(1);
    };
    let code = execute(&mut p, &plan, Finish::Refresh).await;
    p.unlock().await;
    code
}

/// What the end of a run reports.
#[derive(Clone, Copy, PartialEq)]
enum Finish {
    /// "Apply complete!" with the counts, then the outputs.
    Apply,
    /// "Destroy complete!" with the count.
    Destroy,
    /// Only the outputs (`terrane refresh`).
    Refresh,
}

/// Applies `plan` and writes the resulting state. Returns the exit code.
async fn execute(p: &mut Prepared, plan: &Plan, finish: Finish) -> anyhow::Result<u8> {
    let jpath = journal_path(&p.workspace);
    let journal = Journal::create(&jpath, &p.state.lineage, p.state.serial)
        .and_then(|mut j| j.keep_in_doubt(&p.ctx.options.in_doubt).map(|()| j))
        .map_err(|e| anyhow::anyhow!("cannot create the apply journal {}: {e}", jpath.display()))?;
    let json = json_ui::enabled();
    let mut observer = CliObserver {
        journal: Mutex::new(journal),
        counts: Mutex::new(Counts::default()),
        view: ApplyView::new(json),
    };
    let (mut new_state, diags) = terrane_engine::run::apply(&p.ctx, plan, &observer).await;
    observer.view.finish();
    let mut journal = observer.journal.into_inner().expect("lock poisoned");
    let _ = journal.sync();
    // Changed apart from the serial? Compared as written, without copying either state.
    let changed = {
        let serial = std::mem::replace(&mut new_state.serial, p.state.serial);
        let changed = new_state.to_bytes() != p.state.to_bytes();
        new_state.serial = serial;
        changed
    };
    if changed || p.etag.is_none() {
        new_state.serial = p.state.serial + 1;
        match p
            .backend
            .write(&p.workspace, &new_state, p.etag.as_ref())
            .await
        {
            Ok(etag) => {
                p.etag = Some(etag);
                let _ = journal.finish();
            }
            Err(e) => {
                let saved = "errored.tfstate";
                let _ = std::fs::write(saved, new_state.to_bytes());
                print_diagnostics(&Diagnostic::error("Failed to save state").detail(format!("{e}\n\nThe new state was saved to {saved} and the apply journal {} was kept; the next run recovers it.", jpath.display())).into(), p.color);
                return Ok(1);
            }
        }
    } else {
        let _ = journal.finish();
    }
    print_diagnostics(&diags, p.color);
    let c = observer.counts.into_inner().expect("lock poisoned");
    if diags.has_errors() {
        return Ok(1);
    }
    // The run stopped at the first failed action, so here every one was invoked.
    let invoked: usize = plan.changes.iter().map(|c| c.actions.len()).sum();
    if json {
        let counts = json_ui::Counts {
            add: c.added,
            change: c.changed,
            remove: c.destroyed,
            import: plan.import_forget_counts().0,
            actions: invoked,
        };
        match finish {
            Finish::Apply => json_ui::change_summary("apply", counts),
            Finish::Destroy => json_ui::change_summary("destroy", counts),
            Finish::Refresh => {}
        }
        if finish != Finish::Destroy {
            json_ui::output_values(&new_state.outputs);
        }
        return Ok(0);
    }
    match finish {
        Finish::Destroy => {
            println!("\nDestroy complete! Resources: {} destroyed.", c.destroyed);
        }
        Finish::Apply => {
            println!(
                "\nApply complete! Resources: {} added, {} changed, {} destroyed.{}",
                c.added,
                c.changed,
                c.destroyed,
                if invoked > 0 {
                    format!(" Actions: {invoked} invoked.")
                } else {
                    String::new()
                }
            );
            print_outputs(&new_state.outputs);
        }
        Finish::Refresh => print_outputs(&new_state.outputs),
    }
    Ok(0)
}

fn print_outputs(outputs: &BTreeMap<String, terrane_engine::state::OutputState>) {
    if outputs.is_empty() {
        return;
    }
    println!("\nOutputs:\n");
    for (name, o) in outputs {
        if o.sensitive {
            println!("{name} = <sensitive>");
        } else {
            println!(
                "{name} = {}",
                super::output::output_value(&Value::from_json(&o.value), Some(&o.ty), 0)
            );
        }
    }
}

/// `apply PLANFILE`: applies exactly the approved changes, or refuses when the state,
/// configuration, variables or real objects moved since the plan was made.
async fn apply_saved(a: &ApplyArgs, path: &Path) -> anyhow::Result<u8> {
    let color = crate::output::use_color(a.common.no_color);
    let refuse = |summary: &str, detail: String| {
        print_diagnostics(&Diagnostic::error(summary).detail(detail).into(), color);
        Ok(1)
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return refuse(
                "Failed to load the saved plan",
                format!("{}: {e}", path.display()),
            )
        }
    };
    let file: PlanFile = match serde_json::from_slice(&bytes) {
        Ok(f) => f,
        Err(e) => {
            return refuse(
                "Failed to load the saved plan",
                format!("{} is not a terrane plan file: {e}", path.display()),
            )
        }
    };
    if file.format != PLAN_FORMAT || file.format_version != PLAN_FORMAT_VERSION {
        return refuse("Unsupported plan file", format!("{} has format {:?} version {}; this terrane reads {PLAN_FORMAT:?} version {PLAN_FORMAT_VERSION}.", path.display(), file.format, file.format_version));
    }
    if !a.planning.vars.vars.is_empty() || !a.planning.vars.var_files.is_empty() {
        return refuse("Can't set variables when applying a saved plan", "The -var and -var-file options cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created.".into());
    }
    let mut planning = a.planning.clone();
    planning.target = file.targets.clone();
    planning.replace = file.replace.clone();
    // Non-sensitive values come from the plan; sensitive ones are stored only as hashes
    // and must be supplied again (environment or tfvars), then must hash the same.
    let preset: Vec<CliVar> = file
        .variables
        .iter()
        .filter_map(|(name, v)| v.to_value().map(|value| CliVar::Value(name.clone(), value)))
        .collect();
    let op = if file.mode == PlanMode::Destroy {
        "OperationTypeDestroy"
    } else {
        "OperationTypeApply"
    };
    let Ok(mut p) = prepare(&a.common, &planning, file.mode.clone(), op, preset).await? else {
        return Ok(1);
    };
    let refuse_p = |summary: &str, detail: String| {
        print_diagnostics(&Diagnostic::error(summary).detail(detail).into(), color);
    };
    let mut problem = None;
    if file.workspace != p.workspace {
        problem = Some(format!(
            "The plan was made for workspace {:?}, but the current workspace is {:?}.",
            file.workspace, p.workspace
        ));
    } else if file.lineage.as_deref() != p.etag.as_ref().map(|_| p.state.lineage.as_str()) {
        problem = Some(format!("The plan was made against state lineage {:?}, but the current state has lineage {:?}. It belongs to a different state.", file.lineage.as_deref().unwrap_or("(none)"), p.state.lineage));
    } else if file.serial != p.etag.as_ref().map(|_| p.state.serial) {
        problem = Some(format!("The state changed since the plan was made (serial {} then, {} now). Another run applied changes in between.", file.serial.map_or("none".into(), |s| s.to_string()), p.state.serial));
    } else if file.config_hash != super::plan::module_hash(&p.ctx.module) {
        problem = Some("The configuration files changed since the plan was made.".into());
    } else {
        for (name, stored) in &file.variables {
            let now = p.ctx.variables.get(name).map(StoredValue::from_value);
            if now.as_ref() != Some(stored) {
                problem = Some(format!("The value of variable {name:?} differs from the one the plan was made with (a sensitive variable must be supplied again, with the same value)."));
                break;
            }
        }
    }
    if let Some(detail) = problem {
        refuse_p(
            "Saved plan is stale",
            format!(
                "{detail}\n\nNothing was changed. Create a new plan and have it approved again."
            ),
        );
        p.unlock().await;
        return Ok(1);
    }
    if json_ui::enabled() {
        p.start_json_output_without_refresh();
    } else {
        p.show_progress();
    }
    let Some(plan) = p.plan().await else {
        return Ok(1);
    };
    let fresh = PlanFile::changes_of(&plan);
    if fresh != file.changes || PlanFile::outputs_of(&plan) != file.outputs {
        let mut lines = Vec::new();
        let approved: BTreeMap<&str, _> = file
            .changes
            .iter()
            .map(|c| (c.address.as_str(), c))
            .collect();
        let now: BTreeMap<&str, _> = fresh.iter().map(|c| (c.address.as_str(), c)).collect();
        for addr in approved
            .keys()
            .chain(now.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            match (approved.get(addr), now.get(addr)) {
                (Some(x), Some(y)) if x == y => {}
                (Some(x), Some(y)) if x.action == y.action => lines.push(format!(
                    "  {addr}: {:?} still planned, but its values changed since approval",
                    x.action
                )),
                (Some(x), Some(y)) => lines.push(format!(
                    "  {addr}: approved {:?}, now {:?}",
                    x.action, y.action
                )),
                (Some(x), None) => {
                    lines.push(format!("  {addr}: approved {:?}, now no change", x.action))
                }
                (None, Some(y)) => lines.push(format!(
                    "  {addr}: not in the approved plan, now {:?}",
                    y.action
                )),
                (None, None) => {}
            }
        }
        if lines.is_empty() {
            lines.push("  the planned output changes differ".into());
        }
        print!(
            "{}",
            render_plan(&plan, p.ctx.providers.as_ref(), Style { color })
        );
        refuse_p("Saved plan no longer matches reality", format!("Re-reading the resources shows they changed since the plan was approved:\n{}\n\nNothing was changed. Create a new plan and have it approved again.", lines.join("\n")));
        p.unlock().await;
        return Ok(1);
    }
    if json_ui::enabled() {
        json_ui::planned_changes(&plan);
    }
    let finish = if file.mode == PlanMode::Destroy {
        Finish::Destroy
    } else {
        Finish::Apply
    };
    let code = execute(&mut p, &plan, finish).await;
    p.unlock().await;
    code
}
