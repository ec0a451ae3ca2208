//! `terrane drift`: refresh every managed object (batched), compare with state and the
//! configuration, and report. Read-only: it never takes the state lock and never writes
//! state, so a scheduled drift job cannot block an apply. Exit 0 in sync, 2 drift, 1 error.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use terrane_engine::diag::Diagnostic;
use terrane_engine::drift::{self, IgnoreRules};
use terrane_engine::plan::render::Style;
use terrane_engine::plan::PlanMode;
use terrane_engine::run::vars::{self, CliVar};
use terrane_engine::run::{Context, Options};
use terrane_engine::state::State;

use super::operation::{journal_path, load_checked, provider_set};
use crate::cli::DriftArgs;
use crate::output::{print_diagnostics, use_color};

pub async fn run(a: DriftArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    let fail = |d: Diagnostic| {
        print_diagnostics(&d.into(), color);
        Ok(1)
    };
    let ignore_path = a
        .ignore_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(".terrane/drift-ignore"));
    let rules = match std::fs::read_to_string(&ignore_path) {
        Ok(text) => match IgnoreRules::parse(&text) {
            Ok(r) => r,
            Err(e) => {
                return fail(
                    Diagnostic::error("Invalid drift ignore file")
                        .detail(format!("{}: {e}", ignore_path.display())),
                )
            }
        },
        Err(_) if a.ignore_file.is_none() => IgnoreRules::default(),
        Err(e) => {
            return fail(
                Diagnostic::error("Cannot read the drift ignore file")
                    .detail(format!("{}: {e}", ignore_path.display())),
            )
        }
    };
    let Ok((module, graph)) = load_checked(color) else {
        return Ok(1);
    };
    if let Some(d) = super::operation::require_configuration(&module, "OperationTypePlan") {
        print_diagnostics(&d.into(), color);
        return Ok(1);
    }
    let cli_vars: Vec<CliVar> = a.vars.in_order();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let variables = match vars::resolve(&module, &cli_vars, &env, Path::new(".")) {
        Ok(v) => v,
        Err(d) => {
            print_diagnostics(&d, color);
            return Ok(1);
        }
    };
    let backend = crate::setup::backend(&module)?;
    let workspaces = if a.all_workspaces {
        match backend.workspaces().await {
            Ok(w) => w,
            Err(e) => {
                return fail(Diagnostic::error("Failed to list workspaces").detail(e.to_string()))
            }
        }
    } else {
        vec![crate::setup::current_workspace()]
    };
    let module = Arc::new(module);
    let providers = Arc::new(provider_set(&module));
    let mut ctx = Context {
        module: module.clone(),
        graph,
        providers: providers.clone(),
        variables,
        options: Options::default(),
    };
    let mut reports = Vec::new();
    for ws in workspaces {
        if journal_path(&ws).exists() {
            eprintln!("Warning: an apply in workspace {ws:?} was interrupted and its journal has not been recovered yet; run terrane plan or apply to fold it into state. The report below uses the stored state.");
        }
        let state = match backend.read(&ws).await {
            Ok(v) => v.map_or_else(State::new, |v| v.state),
            Err(e) => {
                return fail(
                    Diagnostic::error("Failed to load state")
                        .detail(format!("workspace {ws:?}: {e}")),
                )
            }
        };
        ctx.options = Options {
            mode: PlanMode::Normal,
            refresh: true,
            parallelism: a.parallelism.max(1),
            workspace: ws.clone(),
            interrupt: Arc::new(AtomicBool::new(false)),
            ..Options::default()
        };
        let (plan, diags) = terrane_engine::run::plan_from(&ctx, state).await;
        let Some(plan) = plan else {
            // A failed refresh is an error, never "in sync".
            print_diagnostics(&diags.with_address(&format!("workspace {ws}")), color);
            return Ok(1);
        };
        if !diags.is_empty() {
            print_diagnostics(&diags, color);
        }
        reports.push(drift::report(&ws, &plan, &module, &rules));
    }
    let text = if a.json {
        drift::render_json(&reports)
    } else if a.markdown {
        drift::render_markdown(&reports, providers.as_ref())
    } else {
        drift::render_human(&reports, providers.as_ref(), Style { color })
    };
    print!("{text}");
    super::operation::print_api_stats(&providers);
    Ok(drift::exit_code(&reports))
}
