//! `terrane validate`: configuration checks without state or credentials.

use crate::cli::ValidateArgs;
use crate::output::{print_diagnostics, use_color};

pub async fn run(a: ValidateArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    if a.json {
        let (_, diags) = check().await;
        let list: Vec<serde_json::Value> = diags
            .iter()
            .map(|d| {
                let range = d.span.as_ref().map(|s| {
                    let (l, c) = s.line_col();
                    let (el, ec) = s.file.line_col(s.end);
                    serde_json::json!({"filename": s.file.display_name(), "start": {"line": l, "column": c, "byte": s.start}, "end": {"line": el, "column": ec, "byte": s.end}})
                });
                serde_json::json!({"severity": if d.is_error() { "error" } else { "warning" }, "summary": d.summary, "detail": d.detail.clone().unwrap_or_default(), "range": range})
            })
            .collect();
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let out = serde_json::json!({"format_version": "1.0", "valid": errors == 0, "error_count": errors, "warning_count": diags.iter().count() - errors, "diagnostics": list});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(if errors == 0 { 0 } else { 1 });
    }
    let (graph, diags) = check().await;
    if !diags.is_empty() {
        print_diagnostics(&diags, color);
    }
    if !graph || diags.has_errors() {
        return Ok(1);
    }
    if diags.is_empty() {
        println!("Success! The configuration is valid.\n");
    } else {
        println!(
            "Success! The configuration is valid, but there were some validation warnings\nas shown above.\n"
        );
    }
    Ok(0)
}

/// The configuration's own checks, then, when those pass, what each resource's provider
/// finds (as Terraform's validate asks the providers). `true` when the graph was built.
async fn check() -> (bool, terrane_engine::diag::Diagnostics) {
    let (module, graph, mut diags) = super::operation::check_config();
    if graph.is_some() && !diags.has_errors() {
        let providers = super::operation::provider_set(&module);
        diags.extend(terrane_engine::run::validate_with_providers(&module, &providers).await);
    }
    (graph.is_some(), diags)
}
