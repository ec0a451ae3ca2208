//! `terrane graph`: without `-type`, the resource graph Terraform prints by default (only
//! resources, clustered by module, implied edges left out); with `-type`, terrane's whole
//! dependency graph (variables, locals, outputs and module calls too). Terraform's `-type`
//! graphs are its internal operation graphs (provider and close nodes), which terrane does
//! not have; see docs/COMPATIBILITY.md.

use terrane_engine::diag::Diagnostic;

use crate::cli::GraphArgs;
use crate::output::{print_diagnostics, use_color};

const TYPES: [&str; 4] = ["plan", "plan-refresh-only", "plan-destroy", "apply"];

pub async fn run(a: GraphArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    if let Some(t) = a.graph_type.as_deref().filter(|t| !TYPES.contains(t)) {
        print_diagnostics(
            &Diagnostic::error("Unsupported graph type")
                .detail(format!("The -type=... argument must be either \"plan\", \"plan-refresh-only\", \"plan-destroy\", or \"apply\"; not {t:?}."))
                .into(),
            color,
        );
        return Ok(1);
    }
    let Ok((_, graph)) = super::operation::load_checked(color) else {
        return Ok(1);
    };
    if a.graph_type.is_some() {
        print!("{}", terrane_engine::graph::to_dot(&graph));
    } else {
        print!("{}", terrane_engine::graph::to_resource_dot(&graph));
    }
    Ok(0)
}
