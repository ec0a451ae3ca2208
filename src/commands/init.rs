//! `terrane init`: checks the configuration's providers and backend and prepares
//! `.terraform/`. terrane's providers are built in, so nothing is downloaded.

use std::path::Path;

use crate::cli::InitArgs;
use crate::output::{print_diagnostics, use_color};

pub async fn run(a: InitArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    let (module, mut diags) = terrane_engine::config::load_dir(Path::new("."));
    if module.files.is_empty() && !diags.has_errors() {
        println!("terrane initialized in an empty directory!\n\nThe directory has no terrane configuration files. You may begin working\nwith terrane immediately by creating terrane configuration files.");
        return Ok(0);
    }
    diags.extend(crate::setup::check_required_providers(&module));
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    println!("\nInitializing the backend...");
    let backend = match crate::setup::backend(&module) {
        Ok(b) => b,
        Err(e) => {
            print_diagnostics(
                &terrane_engine::diag::Diagnostic::error("Unsupported backend")
                    .detail(e.to_string())
                    .span(
                        module
                            .terraform
                            .backend
                            .as_ref()
                            .and_then(|b| b.span.clone()),
                    )
                    .into(),
                color,
            );
            return Ok(1);
        }
    };
    let _ = backend.describe(&crate::setup::current_workspace());
    println!("\nInitializing provider plugins...");
    for rp in module.terraform.required_providers.values() {
        println!("- Using built-in {} ({})", rp.source, rp.name);
    }
    std::fs::create_dir_all(".terraform")?;
    write_modules_manifest(&module)?;
    if !diags.is_empty() {
        print_diagnostics(&diags, color);
    }
    println!("\nterrane has been successfully initialized!\n\nYou may now begin working with terrane. Try running \"terrane plan\" to see\nany changes that are required for your infrastructure.");
    Ok(0)
}

/// Records the module tree in `.terraform/modules/modules.json`, in Terraform's layout
/// (`Key` is the dotted call path, `Dir` the local directory), so tools that read it work.
fn write_modules_manifest(root: &terrane_engine::config::Module) -> anyhow::Result<()> {
    let mut modules = vec![serde_json::json!({"Key": "", "Source": "", "Dir": "."})];
    for m in root.all().into_iter().skip(1) {
        let parent = root.at(&m.path[..m.path.len() - 1]);
        let source = parent
            .and_then(|p| p.module_calls.get(m.path.last()?))
            .map(|c| c.source.clone())
            .unwrap_or_default();
        modules.push(serde_json::json!({"Key": m.path.join("."), "Source": source, "Dir": m.dir.display().to_string()}));
    }
    if modules.len() > 1 {
        println!("\nInitializing modules...");
        for m in &modules[1..] {
            println!(
                "- {} in {}",
                m["Key"].as_str().unwrap_or_default(),
                m["Dir"].as_str().unwrap_or_default()
            );
        }
    }
    std::fs::create_dir_all(".terraform/modules")?;
    std::fs::write(
        ".terraform/modules/modules.json",
        serde_json::to_string(&serde_json::json!({"Modules": modules}))?,
    )?;
    Ok(())
}
