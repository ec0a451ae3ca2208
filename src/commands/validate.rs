//! `terrane validate`: configuration checks without state or credentials.

use crate::cli::ValidateArgs;
use crate::output::use_color;

pub async fn run(a: ValidateArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    if a.json {
        let (module, mut diags) = terrane_engine::config::load_dir(std::path::Path::new("."));
        if !diags.has_errors() {
            match terrane_engine::graph::build(&module) {
                Ok(_) => diags.extend(terrane_engine::run::validate(
                    &module,
                    &super::operation::provider_set(&module),
                )),
                Err(d) => diags.extend(d),
            }
        }
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
    match super::operation::load_checked(color) {
        Ok(_) => {
            println!("Success! The configuration is valid.");
            Ok(0)
        }
        Err(_) => Ok(1),
    }
}
