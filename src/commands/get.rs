//! `terrane get`: the module step of `terrane init` alone (no backend, no providers).

use crate::cli::GetArgs;
use crate::module_install::Progress;
use crate::output::{print_diagnostics, use_color};

pub async fn run(a: GetArgs) -> anyhow::Result<u8> {
    let color = use_color(a.no_color);
    let root = std::path::Path::new(".");
    // Terraform's get prints only the modules' lines, without init's heading.
    let report = |p: Progress<'_>| {
        if let Progress::Line(l) = p {
            println!("{l}");
        }
    };
    if let Err(e) = crate::module_install::install(root, a.update == Some(true), &report).await {
        print_diagnostics(
            &terrane_engine::diag::Diagnostic::error("Failed to install modules")
                .detail(format!("{e:#}"))
                .into(),
            color,
        );
        return Ok(1);
    }
    let (_, diags) = terrane_engine::config::load_dir(root);
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    Ok(0)
}
