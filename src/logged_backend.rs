//! A state backend that writes what it does to the core log (`core_log`): every read,
//! write, lock and unlock, whichever command asked. Wrapping the backend once where it is
//! built logs all of them without touching each command.

use async_trait::async_trait;
use terrane_engine::state::{
    BackendError, Etag, LockGuard, LockInfo, LockRequest, State, StateBackend, Versioned,
};

use crate::core_log;

pub struct Logged(pub Box<dyn StateBackend>);

/// `backend`, logged when the core log is on.
pub fn wrap(backend: Box<dyn StateBackend>) -> Box<dyn StateBackend> {
    if core_log::enabled(core_log::Level::Error) {
        Box::new(Logged(backend))
    } else {
        backend
    }
}

struct LoggedGuard {
    inner: Box<dyn LockGuard>,
    place: String,
}

#[async_trait]
impl LockGuard for LoggedGuard {
    fn info(&self) -> &LockInfo {
        self.inner.info()
    }

    async fn unlock(self: Box<Self>) -> Result<(), BackendError> {
        let LoggedGuard { inner, place } = *self;
        let id = inner.info().id.clone();
        let result = inner.unlock().await;
        match &result {
            Ok(()) => core_log::info(format!("state lock {id} released: {place}")),
            Err(e) => core_log::log(
                core_log::Level::Error,
                format!("state lock {id} not released: {place}: {e}"),
            ),
        }
        result
    }
}

#[async_trait]
impl StateBackend for Logged {
    fn describe(&self, workspace: &str) -> String {
        self.0.describe(workspace)
    }

    async fn read(&self, workspace: &str) -> Result<Option<Versioned>, BackendError> {
        let place = self.0.describe(workspace);
        let result = self.0.read(workspace).await;
        match &result {
            Ok(Some(v)) => core_log::debug(format!(
                "state read: {place}: serial {}, lineage {}",
                v.state.serial, v.state.lineage
            )),
            Ok(None) => core_log::debug(format!("state read: {place}: no state yet")),
            Err(e) => core_log::log(
                core_log::Level::Error,
                format!("state read failed: {place}: {e}"),
            ),
        }
        result
    }

    async fn write(
        &self,
        workspace: &str,
        state: &State,
        expect: Option<&Etag>,
    ) -> Result<Etag, BackendError> {
        let place = self.0.describe(workspace);
        let result = self.0.write(workspace, state, expect).await;
        match &result {
            Ok(_) => core_log::info(format!(
                "state written: {place}: serial {}, {} resource(s)",
                state.serial,
                state.resources.len()
            )),
            Err(e) => core_log::log(
                core_log::Level::Error,
                format!("state write failed: {place}: {e}"),
            ),
        }
        result
    }

    async fn lock(
        &self,
        workspace: &str,
        req: LockRequest,
    ) -> Result<Box<dyn LockGuard>, BackendError> {
        let place = self.0.describe(workspace);
        let operation = req.info.operation.clone();
        core_log::debug(format!(
            "acquiring state lock for {operation}: {place} (waiting up to {}s)",
            req.timeout.as_secs()
        ));
        match self.0.lock(workspace, req).await {
            Ok(inner) => {
                core_log::info(format!(
                    "state lock {} acquired for {operation}: {place}",
                    inner.info().id
                ));
                Ok(Box::new(LoggedGuard { inner, place }))
            }
            Err(e) => {
                core_log::log(
                    core_log::Level::Warn,
                    format!("state lock not acquired: {place}: {e}"),
                );
                Err(e)
            }
        }
    }

    async fn force_unlock(&self, workspace: &str, id: &str) -> Result<(), BackendError> {
        let result = self.0.force_unlock(workspace, id).await;
        core_log::info(format!(
            "force-unlock of {id}: {}: {}",
            self.0.describe(workspace),
            if result.is_ok() { "removed" } else { "failed" }
        ));
        result
    }

    async fn workspaces(&self) -> Result<Vec<String>, BackendError> {
        self.0.workspaces().await
    }

    async fn delete_workspace(&self, workspace: &str) -> Result<(), BackendError> {
        let result = self.0.delete_workspace(workspace).await;
        core_log::info(format!("workspace {workspace} deleted: {}", result.is_ok()));
        result
    }
}
