//! `terrane workspace list|show|new|select|delete`. The selection is kept in
//! `.terraform/environment`, as Terraform keeps it; TF_WORKSPACE overrides it.

use std::path::Path;

use terrane_engine::state::{State, DEFAULT_WORKSPACE};

use super::state_lock;
use crate::cli::{WorkspaceDeleteArgs, WorkspaceNewArgs, WorkspaceSelectArgs};

fn backend() -> anyhow::Result<Box<dyn terrane_engine::state::StateBackend>> {
    let (module, _) = terrane_engine::config::load_dir(Path::new("."));
    crate::setup::backend(&module)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name != "."
        && name != ".."
}

fn overridden() -> bool {
    std::env::var("TF_WORKSPACE").is_ok_and(|v| !v.is_empty())
}

fn persist_selection(name: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(crate::environment::data_dir())?;
    if name == DEFAULT_WORKSPACE {
        // Terraform removes the file for the default workspace.
        let _ = std::fs::remove_file(crate::environment::data_path("environment"));
        return Ok(());
    }
    std::fs::write(crate::environment::data_path("environment"), name)?;
    Ok(())
}

pub async fn list() -> anyhow::Result<u8> {
    let current = crate::setup::current_workspace();
    let mut names = backend()?.workspaces().await?;
    if !names.contains(&current) {
        names.push(current.clone());
        names.sort();
    }
    for n in names {
        println!("{} {n}", if n == current { "*" } else { " " });
    }
    Ok(0)
}

pub fn show() -> anyhow::Result<u8> {
    println!("{}", crate::setup::current_workspace());
    Ok(0)
}

pub async fn new(a: WorkspaceNewArgs) -> anyhow::Result<u8> {
    if !valid_name(&a.name) {
        eprintln!(
            "Error: Workspace name {:?} is not allowed. Use letters, digits, '-', '_' and '.'.",
            a.name
        );
        return Ok(1);
    }
    if overridden() {
        eprintln!("Error: The selected workspace is currently overridden using the TF_WORKSPACE environment variable.\n\nTo select a new workspace, either update this environment variable or unset it and then run this command again.");
        return Ok(1);
    }
    let b = backend()?;
    if b.workspaces().await?.contains(&a.name) {
        eprintln!("Error: Workspace {:?} already exists", a.name);
        return Ok(1);
    }
    // Write an empty snapshot so the workspace exists in the backend (as Terraform does),
    // under its lock, so two runs creating the same workspace cannot both write it.
    let guard = match lock_workspace(&*b, &a.name, &a.lock).await {
        Ok(g) => g,
        Err(()) => return Ok(1),
    };
    let written = b.write(&a.name, &State::new(), None).await;
    state_lock::release(guard).await;
    written?;
    persist_selection(&a.name)?;
    println!("Created and switched to workspace {:?}!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run \"terrane plan\" terrane will not see any existing state\nfor this configuration.", a.name);
    Ok(0)
}

pub async fn select(a: WorkspaceSelectArgs) -> anyhow::Result<u8> {
    if overridden() {
        eprintln!("Error: The selected workspace is currently overridden using the TF_WORKSPACE environment variable.\n\nTo select a new workspace, either update this environment variable or unset it and then run this command again.");
        return Ok(1);
    }
    let b = backend()?;
    let exists = a.name == DEFAULT_WORKSPACE || b.workspaces().await?.contains(&a.name);
    if !exists {
        if !a.or_create {
            eprintln!("Error: Workspace {:?} doesn't exist.\n\nYou can create this workspace with the \"new\" subcommand\nor include the \"-or-create\" flag with the \"select\" subcommand.", a.name);
            return Ok(1);
        }
        if !valid_name(&a.name) {
            eprintln!("Error: Workspace name {:?} is not allowed.", a.name);
            return Ok(1);
        }
        b.write(&a.name, &State::new(), None).await?;
    }
    persist_selection(&a.name)?;
    println!("Switched to workspace {:?}.", a.name);
    Ok(0)
}

pub async fn delete(a: WorkspaceDeleteArgs) -> anyhow::Result<u8> {
    if a.name == DEFAULT_WORKSPACE {
        eprintln!("Error: The \"default\" workspace cannot be deleted.");
        return Ok(1);
    }
    if a.name == crate::setup::current_workspace() {
        eprintln!("Error: Workspace {:?} is your active workspace.\n\nYou cannot delete the currently active workspace. Please switch\nto another workspace and try again.", a.name);
        return Ok(1);
    }
    let b = backend()?;
    if !b.workspaces().await?.contains(&a.name) {
        eprintln!("Error: Workspace {:?} doesn't exist.", a.name);
        return Ok(1);
    }
    // Hold the workspace's lock so a run in progress there cannot lose its state under it.
    let guard = match lock_workspace(&*b, &a.name, &a.lock).await {
        Ok(g) => g,
        Err(()) => return Ok(1),
    };
    if !a.force {
        if let Some(v) = b.read(&a.name).await? {
            let count: usize = v.state.resources.iter().map(|r| r.instances.len()).sum();
            if count > 0 {
                eprintln!("Error: Workspace is not empty\n\nWorkspace {:?} is currently tracking {count} resource instance(s). Deleting it would make terrane lose track of them. Destroy them first, or use -force to delete the workspace anyway.", a.name);
                state_lock::release(guard).await;
                return Ok(1);
            }
        }
    }
    let deleted = b.delete_workspace(&a.name).await;
    // The lock of a deleted local workspace went with its directory: releasing it is
    // best effort, and quiet.
    if let Some(g) = guard {
        let _ = g.unlock().await;
    }
    deleted?;
    println!("Deleted workspace {:?}!", a.name);
    Ok(0)
}

/// Takes a workspace's lock for a workspace command; a refusal is printed.
async fn lock_workspace(
    b: &dyn terrane_engine::state::StateBackend,
    name: &str,
    args: &crate::cli::LockArgs,
) -> Result<state_lock::Held, ()> {
    state_lock::acquire(b, name, args, "OperationTypeInvalid", "workspace")
        .await
        .map_err(|d| crate::output::print_diagnostics(&d.into(), crate::output::use_color(false)))
}
