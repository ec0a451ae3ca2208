//! `terrane graph`: without `-type`, the resource graph Terraform prints by default (only
//! resources, clustered by module, implied edges left out); `-type=plan`,
//! `plan-refresh-only` and `plan-destroy` print terrane's whole dependency graph
//! (variables, locals, outputs and module calls too); `-type=apply`, and any graph of a
//! saved plan (`-plan=FILE`), the operations the apply walks. Terraform's typed graphs are
//! its internal graphs (provider and close nodes), which terrane does not have; see
//! docs/COMPATIBILITY.md. `-draw-cycles` draws a graph with cycles, their edges in red.

use std::path::Path;

use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::graph::{self, Graph};
use terrane_engine::plan::file::PlanFile;
use terrane_engine::plan::{Plan, PlanMode};

use crate::cli::GraphArgs;
use crate::output::{print_diagnostics, use_color};

const TYPES: [&str; 4] = ["plan", "plan-refresh-only", "plan-destroy", "apply"];

pub async fn run(a: GraphArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    let fail = |d: Diagnostics| {
        print_diagnostics(&d, color);
        Ok(1)
    };
    if let Some(t) = a.graph_type.as_deref().filter(|t| !TYPES.contains(t)) {
        return fail(Diagnostic::error("Unsupported graph type")
                .detail(format!("The -type=... argument must be either \"plan\", \"plan-refresh-only\", \"plan-destroy\", or \"apply\"; not {t:?}."))
                .into());
    }
    if !["dot", "svg"].contains(&a.format.as_str()) {
        return fail(
            Diagnostic::error("Unsupported graph format")
                .detail(format!(
                    "The -format=... argument must be either \"dot\" or \"svg\"; not {:?}.",
                    a.format
                ))
                .into(),
        );
    }
    let saved = match a.plan.as_deref().map(read_plan).transpose() {
        Ok(p) => p,
        Err(d) => return fail(d.into()),
    };
    let changed = saved.as_ref().map(changed_resources).unwrap_or_default();
    // Terraform draws a saved plan's apply graph unless asked for another type.
    let graph_type = a.graph_type.as_deref().or(saved.as_ref().map(|_| "apply"));
    let Some(g) = configuration_graph(a.draw_cycles, color) else {
        return Ok(1);
    };
    let text = match graph_type {
        None => graph::to_resource_dot(&g),
        Some("apply") => {
            let plan = saved.unwrap_or_else(|| Plan {
                mode: PlanMode::Normal,
                changes: Vec::new(),
                drift: Vec::new(),
                outputs: Default::default(),
                prior_state: Default::default(),
                variables: Default::default(),
                relevant_attributes: Vec::new(),
            });
            graph::operations_to_dot(&terrane_engine::run::operation_graph(&g, &plan))
        }
        Some(_) if a.draw_cycles => graph::to_dot_with_cycles(&g, &graph::cycle_edges(&g)),
        Some(_) => graph::to_dot(&g),
    };
    if a.format == "svg" {
        let drawing = super::graph_svg::parse_dot(&text);
        // A changed resource's nodes: its own and its delete operations (`x (destroy)`).
        let highlighted = drawing
            .nodes
            .iter()
            .map(|(id, _)| id)
            .filter(|id| {
                changed.iter().any(|c| {
                    id.as_str() == c.as_str()
                        || id
                            .strip_prefix(c.as_str())
                            .is_some_and(|r| r.starts_with(" ("))
                })
            })
            .cloned()
            .collect();
        print!("{}", super::graph_svg::render(&drawing, &highlighted));
    } else {
        print!("{text}");
    }
    Ok(0)
}

/// The resource blocks (as the graph names them) that `plan` changes.
fn changed_resources(plan: &Plan) -> std::collections::BTreeSet<String> {
    plan.changes
        .iter()
        .filter(|c| c.action != terrane_engine::plan::Action::NoOp)
        .map(|c| c.addr.resource.config().to_string())
        .collect()
}

/// The configuration's graph, its diagnostics printed; cycles are an error unless they
/// are to be drawn.
fn configuration_graph(draw_cycles: bool, color: bool) -> Option<Graph> {
    if !draw_cycles {
        return super::operation::load_checked(color).ok().map(|(_, g)| g);
    }
    let (module, mut diags) = terrane_engine::config::load_dir(Path::new("."));
    diags.extend(crate::setup::check_required_providers(&module));
    let g = if diags.has_errors() {
        None
    } else {
        graph::build_allowing_cycles(&module)
            .map_err(|d| diags.extend(d))
            .ok()
    };
    if !diags.is_empty() {
        print_diagnostics(&diags, color);
    }
    g
}

/// The saved plan at `path`, for drawing (its values are not needed).
fn read_plan(path: &Path) -> Result<Plan, Diagnostic> {
    let failed = |detail: String| Diagnostic::error("Failed to read the plan file").detail(detail);
    let bytes = std::fs::read(path).map_err(|e| failed(format!("{}: {e}", path.display())))?;
    let file: PlanFile = serde_json::from_slice(&bytes).map_err(|e| {
        failed(format!(
            "{} is not a terrane plan file: {e}",
            path.display()
        ))
    })?;
    Ok(file.to_display_plan())
}
