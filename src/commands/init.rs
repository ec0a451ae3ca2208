//! `terrane init`: installs the modules the configuration calls (`module_install`), checks
//! its providers and backend and prepares `.terraform/`. terrane's providers are built in,
//! so no provider is downloaded. The backend's
//! settings, `-backend-config` values included, are recorded for later commands; a changed
//! backend needs `-migrate-state` (copy the state over) or `-reconfigure` (don't).

use std::path::Path;

use anyhow::bail;
use terrane_engine::config::Module;
use terrane_engine::state::{StateBackend, DEFAULT_WORKSPACE};

use crate::backend_config::{self, Selected};
use crate::cli::InitArgs;
use crate::output::{print_diagnostics, use_color};

pub async fn run(a: InitArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    // Modules first, as Terraform does: the configuration cannot load until they are.
    if let Err(e) = crate::module_install::install(Path::new("."), a.upgrade == Some(true)).await {
        print_diagnostics(
            &terrane_engine::diag::Diagnostic::error("Failed to install modules")
                .detail(format!("{e:#}"))
                .into(),
            color,
        );
        return Ok(1);
    }
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
    match init_backend(&module, &a).await {
        Ok(warnings) => {
            for w in warnings {
                print_diagnostics(
                    &terrane_engine::diag::Diagnostic::warning("Backend")
                        .detail(w)
                        .into(),
                    color,
                );
            }
        }
        Err(e) => {
            print_diagnostics(
                &terrane_engine::diag::Diagnostic::error("Backend initialization failed")
                    .detail(format!("{e:#}\n\nNothing was changed."))
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
    }
    println!("\nInitializing provider plugins...");
    for rp in module.terraform.required_providers.values() {
        println!("- Using built-in {} ({})", rp.source, rp.name);
    }
    std::fs::create_dir_all(crate::environment::data_dir())?;
    if !diags.is_empty() {
        print_diagnostics(&diags, color);
    }
    println!("\nterrane has been successfully initialized!");
    if !crate::environment::in_automation() {
        println!("\nYou may now begin working with terrane. Try running \"terrane plan\" to see\nany changes that are required for your infrastructure.");
    }
    Ok(0)
}

/// Selects, checks and records the backend, migrating state when asked. Writes nothing
/// until every check has passed.
async fn init_backend(module: &Module, a: &InitArgs) -> anyhow::Result<Vec<String>> {
    if a.reconfigure && a.migrate_state {
        bail!("-reconfigure and -migrate-state cannot be used together: -reconfigure ignores the previous backend, -migrate-state copies from it");
    }
    let overrides = backend_config::override_settings(&a.backend_config)?;
    let mut new = backend_config::selected(module, &overrides)?;
    let prior = if a.reconfigure {
        None
    } else {
        backend_config::saved()?
    };
    // As in Terraform, running init again without -backend-config keeps the values given
    // last time, as long as the block still agrees with them.
    if let (Some(n), Some(p)) = (&new, &prior) {
        if overrides.is_empty() && backend_config::consistent(n, p) {
            new = prior.clone();
        }
    }
    let (dest, warnings) = backend_config::build_checked(new.as_ref()).await?;
    let unchanged = prior.is_some() && prior == new;
    let source = backend_config::build(prior.as_ref())?;
    // A new lock table or a backend block naming the implicit local file moves no state.
    let same_place = source.describe(DEFAULT_WORKSPACE) == dest.describe(DEFAULT_WORKSPACE);
    if !a.reconfigure && !unchanged && !same_place {
        let with_state = workspaces_with_state(source.as_ref()).await?;
        if !with_state.is_empty() {
            if !a.migrate_state {
                bail!(
                    "{} has state (workspaces: {}), and the backend is now {}. Run \"terrane init -migrate-state\" to copy the state to the new backend, or \"terrane init -reconfigure\" to use the new backend without it.",
                    source.describe(&with_state[0]),
                    with_state.join(", "),
                    describe(new.as_ref())
                );
            }
            for ws in &with_state {
                migrate(source.as_ref(), dest.as_ref(), ws, a).await?;
            }
        }
    }
    backend_config::save(new.as_ref())?;
    if let Some(n) = &new {
        println!(
            "\nSuccessfully configured the backend {:?}! terrane will automatically\nuse this backend unless the backend configuration changes.",
            n.kind
        );
    }
    Ok(warnings)
}

fn describe(sel: Option<&Selected>) -> String {
    sel.map_or_else(|| "local".to_string(), |s| format!("{:?}", s.kind))
}

async fn workspaces_with_state(b: &dyn StateBackend) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for ws in b.workspaces().await? {
        if b.read(&ws).await?.is_some() {
            out.push(ws);
        }
    }
    Ok(out)
}

async fn take_lock(
    b: &dyn StateBackend,
    ws: &str,
    a: &InitArgs,
    why: &str,
) -> anyhow::Result<super::state_lock::Held> {
    super::state_lock::acquire(b, ws, &a.lock, "OperationTypeInvalid", why)
        .await
        .map_err(|d| anyhow::anyhow!("{}: {}", d.summary, d.detail.unwrap_or_default()))
}

/// Copies one workspace's state as it is (lineage and serial kept), holding both locks.
async fn migrate(
    source: &dyn StateBackend,
    dest: &dyn StateBackend,
    ws: &str,
    a: &InitArgs,
) -> anyhow::Result<()> {
    let src_lock = take_lock(source, ws, a, "migration source state").await?;
    let dst_lock = take_lock(dest, ws, a, "migration destination state").await;
    let result = match dst_lock {
        Ok(dst_lock) => {
            let r = copy(source, dest, ws, a).await;
            if let Some(l) = dst_lock {
                l.unlock().await?;
            }
            r
        }
        Err(e) => Err(e),
    };
    if let Some(l) = src_lock {
        l.unlock().await?;
    }
    result
}

async fn copy(
    source: &dyn StateBackend,
    dest: &dyn StateBackend,
    ws: &str,
    a: &InitArgs,
) -> anyhow::Result<()> {
    let Some(from) = source.read(ws).await? else {
        return Ok(());
    };
    let (src, dst) = (source.describe(ws), dest.describe(ws));
    let expect = match dest.read(ws).await? {
        Some(there) if there.state.to_bytes() == from.state.to_bytes() => {
            println!("Workspace {ws:?}: {dst} already has this state.");
            return Ok(());
        }
        Some(there) if !a.force_copy => bail!(
            "{dst} already has state (lineage {}, serial {}), unlike {src} (lineage {}, serial {}). Rerun with -force-copy to overwrite it, or choose another key.",
            there.state.lineage, there.state.serial, from.state.lineage, from.state.serial
        ),
        Some(there) => Some(there.etag),
        None => None,
    };
    dest.write(ws, &from.state, expect.as_ref()).await?;
    println!(
        "Workspace {ws:?}: copied the state from {src} to {dst} (lineage {}, serial {}).",
        from.state.lineage, from.state.serial
    );
    Ok(())
}
