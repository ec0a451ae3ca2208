//! Shared by the commands that edit state directly (state rm/mv/push, import, workspace
//! new): take the lock, read the current snapshot with its etag, let the command change
//! it, and write it back conditionally with the serial bumped.

use std::path::Path;

use terrane_engine::config::{load_dir, Module};
use terrane_engine::diag::Diagnostic;
use terrane_engine::state::{Etag, State, StateBackend};

use crate::cli::LockArgs;
use crate::output::print_diagnostics;

/// What an edit decided.
pub enum Edit {
    /// Write the changed state.
    Write,
    /// Nothing to write (a dry run, or nothing changed).
    Keep,
}

/// Runs `edit` on the current workspace's state under the lock. `edit` returns `Err`
/// (already printed) to abort without writing. Returns the exit code.
pub async fn edit_state<F>(
    lock: &LockArgs,
    operation: &str,
    color: bool,
    edit: F,
) -> anyhow::Result<u8>
where
    F: FnOnce(&Module, &mut State, bool) -> Result<Edit, ()>,
{
    let (module, _) = load_dir(Path::new("."));
    let backend = crate::setup::backend(&module)?;
    let ws = crate::setup::current_workspace();
    let guard = match super::state_lock::acquire(&*backend, &ws, lock, operation, "").await {
        Ok(g) => g,
        Err(d) => {
            print_diagnostics(&d.into(), color);
            return Ok(1);
        }
    };
    let code = edit_locked(&*backend, &ws, &module, color, edit).await;
    super::state_lock::release(guard).await;
    code
}

async fn edit_locked<F>(
    backend: &dyn StateBackend,
    ws: &str,
    module: &Module,
    color: bool,
    edit: F,
) -> anyhow::Result<u8>
where
    F: FnOnce(&Module, &mut State, bool) -> Result<Edit, ()>,
{
    let (mut state, etag): (State, Option<Etag>) = match backend.read(ws).await {
        Ok(Some(v)) => (v.state, Some(v.etag)),
        Ok(None) => (State::new(), None),
        Err(e) => {
            print_diagnostics(
                &Diagnostic::error("Failed to load state")
                    .detail(format!("{e}\n\nThe state was left untouched."))
                    .into(),
                color,
            );
            return Ok(1);
        }
    };
    let before = state.clone();
    match edit(module, &mut state, etag.is_some()) {
        Err(()) => Ok(1),
        Ok(Edit::Keep) => Ok(0),
        Ok(Edit::Write) => {
            if state.to_bytes() == before.to_bytes() {
                return Ok(0);
            }
            state.serial = state.serial.max(before.serial) + 1;
            match backend.write(ws, &state, etag.as_ref()).await {
                Ok(_) => Ok(0),
                Err(e) => {
                    print_diagnostics(
                        &Diagnostic::error("Failed to persist state")
                            .detail(e.to_string())
                            .into(),
                        color,
                    );
                    Ok(1)
                }
            }
        }
    }
}
