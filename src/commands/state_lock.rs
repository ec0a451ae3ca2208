//! Taking and releasing the state lock, the same way for every command that writes state:
//! `-lock=false` skips it, `-lock-timeout` waits (saying who holds it first), and a
//! refusal is one diagnostic that names the holder and how to proceed.

use std::time::Duration;

use terrane_engine::diag::Diagnostic;
use terrane_engine::state::{BackendError, LockGuard, LockInfo, LockRequest, StateBackend};

use crate::cli::LockArgs;

/// A held lock, or none under `-lock=false`.
pub type Held = Option<Box<dyn LockGuard>>;

/// Takes `workspace`'s lock for `operation` (Terraform's operation names, such as
/// `OperationTypeApply`); `why` goes into the lock info's `Info` field for other runs to
/// read. `Err` is the diagnostic to print.
pub async fn acquire(
    backend: &dyn StateBackend,
    workspace: &str,
    args: &LockArgs,
    operation: &str,
    why: &str,
) -> Result<Held, Diagnostic> {
    if !args.lock {
        return Ok(None);
    }
    // An empty -lock-timeout means no waiting, as 0 does.
    let timeout = match args.lock_timeout.trim() {
        "" => Ok(std::time::Duration::ZERO),
        t => terrane_engine::lang::duration::parse_timeout(t),
    }
    .map_err(|e| {
        Diagnostic::error("Invalid -lock-timeout")
            .detail(format!("{e}: use a duration such as 30s, 5m or 1h."))
    })?;
    let mut info = LockInfo::new(operation, &backend.describe(workspace));
    info.info = why.to_string();
    match lock_waiting(backend, workspace, info, timeout).await {
        Ok(g) => Ok(Some(g)),
        Err(e) => {
            let hint = match &e {
                BackendError::Locked(holder) => format!("\n\nTo wait for that run to finish, use -lock-timeout=DURATION (for example -lock-timeout=5m). If it is no longer running, remove its lock with:\n  terrane force-unlock {}", holder.id),
                _ => String::new(),
            };
            Err(Diagnostic::error("Error acquiring the state lock").detail(format!("{e}{hint}\n\nterrane acquires a state lock to protect the state from being written by multiple users at the same time. Please resolve the issue above and try again. For most commands, you can disable locking with the \"-lock=false\" flag, but this is not recommended.")))
        }
    }
}

/// Releases a held lock; a failure is a warning (the work is done, and force-unlock can
/// remove the lock).
pub async fn release(held: Held) {
    if let Some(g) = held {
        if let Err(e) = g.unlock().await {
            eprintln!("Warning: failed to release the state lock: {e}\n\nIf no other run is using it, remove it with terrane force-unlock.");
        }
    }
}

/// Takes the lock; when another run holds it and `-lock-timeout` allows waiting, says who
/// holds it, since when and for what, before waiting (the backend retries with backoff).
async fn lock_waiting(
    backend: &dyn StateBackend,
    workspace: &str,
    info: LockInfo,
    timeout: Duration,
) -> Result<Box<dyn LockGuard>, BackendError> {
    if timeout.is_zero() {
        return backend.lock(workspace, LockRequest { info, timeout }).await;
    }
    let first = LockRequest {
        info: info.clone(),
        timeout: Duration::ZERO,
    };
    match backend.lock(workspace, first).await {
        Err(BackendError::Locked(holder)) => {
            eprintln!(
                "The state is locked by {} since {} (operation {}, lock ID {}){}; waiting up to {}s for it...",
                holder.who,
                holder.created,
                holder.operation,
                holder.id,
                holder.lease_note(),
                timeout.as_secs()
            );
            backend.lock(workspace, LockRequest { info, timeout }).await
        }
        other => other,
    }
}
