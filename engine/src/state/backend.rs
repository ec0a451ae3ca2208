//! The storage interface for state snapshots: read, conditional write, lock, workspaces.
//!
//! Every backend (local file, S3) implements [`StateBackend`] and runs the same conformance
//! tests. A backend never interprets resources; it stores and locks whole snapshots.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::model::{State, StateError};

/// The name of the workspace every configuration starts in.
pub const DEFAULT_WORKSPACE: &str = "default";

/// An opaque version tag of a stored snapshot (an S3 ETag, a file's content hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Etag(pub String);

/// A snapshot together with the version tag it was read at.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub state: State,
    pub etag: Etag,
}

/// Who holds a lock and why, in the JSON layout Terraform uses (field names included), so a
/// lock taken by either tool is readable by the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    pub operation: String,
    pub info: String,
    pub who: String,
    pub version: String,
    pub created: String,
    pub path: String,
    /// terrane's lease (RFC 3339): a live holder keeps pushing this forward, so a time in
    /// the past means the holder stopped renewing, most likely because it died. Terraform
    /// ignores the field, and its locks have none.
    #[serde(rename = "Expires", default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The name of the user running this process, as Terraform's `Who` has it: the account of
/// the process's user id, else what the environment says.
fn user_name() -> String {
    account_name()
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The `/etc/passwd` entry of the process's user id (the owner of `/proc/self`).
#[cfg(unix)]
fn account_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    })
}

#[cfg(not(unix))]
fn account_name() -> Option<String> {
    None
}

/// The machine's host name, as `os.Hostname` gives it to Terraform. Shells set `HOSTNAME`
/// without exporting it, so the environment is the last resort, not the first.
fn host_name() -> String {
    let from_file = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    from_file("/proc/sys/kernel/hostname")
        .or_else(|| from_file("/etc/hostname"))
        .or_else(|| {
            let out = std::process::Command::new("hostname").output().ok()?;
            let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
            (out.status.success() && !name.is_empty()).then_some(name)
        })
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

impl LockInfo {
    /// Lock info for an operation of this process ("OperationTypeApply", ...).
    pub fn new(operation: &str, path: &str) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            info: String::new(),
            who: format!("{}@{}", user_name(), host_name()),
            version: format!("terrane {}", env!("CARGO_PKG_VERSION")),
            created: crate::util::now_rfc3339(),
            path: path.to_string(),
            expires: None,
        }
    }

    /// What the lease says about the holder, for messages: empty without a lease or while it
    /// is live; a hint that the holder is probably gone once it has expired. Never a reason
    /// to break the lock: only `force-unlock` with the lock's ID does that.
    pub fn lease_note(&self) -> String {
        use time::format_description::well_known::Rfc3339;
        let Some(expires) = &self.expires else {
            return String::new();
        };
        let Ok(at) = time::OffsetDateTime::parse(expires, &Rfc3339) else {
            return String::new();
        };
        let overdue = time::OffsetDateTime::now_utc() - at;
        if overdue.is_negative() {
            return String::new();
        }
        format!(
            "; its lease expired {}s ago (at {expires}), so the holder has probably stopped: if \
             no run is still using this state, remove the lock with `terrane force-unlock {}`",
            overdue.whole_seconds(),
            self.id
        )
    }
}

/// A held lock. Dropping it releases the lock on a best-effort basis; call
/// [`LockGuard::unlock`] to learn whether the release succeeded.
#[async_trait]
pub trait LockGuard: Send + Sync {
    fn info(&self) -> &LockInfo;
    async fn unlock(self: Box<Self>) -> Result<(), BackendError>;
}

/// What a caller passes to [`StateBackend::lock`].
#[derive(Debug, Clone)]
pub struct LockRequest {
    pub info: LockInfo,
    /// How long to keep retrying while somebody else holds the lock (`-lock-timeout`).
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    // The holder in Terraform's "Lock Info" layout, one field a line, so a long user@host
    // never reflows the rest.
    #[error(
        "the state is locked by another run{lease}\n\nLock Info:\n  ID:        {id}\n  Path:      {path}\n  Operation: {operation}\n  Who:       {who}\n  Version:   {version}\n  Created:   {created}\n  Info:      {info}",
        lease = .0.lease_note(), id = .0.id, path = .0.path, operation = .0.operation,
        who = .0.who, version = .0.version, created = .0.created, info = .0.info
    )]
    Locked(Box<LockInfo>),
    #[error(
        "the state changed since it was read (expected version {expected}); another run wrote it"
    )]
    Conflict { expected: String },
    #[error("no lock with ID {id} is held")]
    NoSuchLock { id: String },
    #[error("workspace {name:?} does not exist")]
    NoSuchWorkspace { name: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    State { path: String, source: StateError },
    #[error("{0}")]
    Other(String),
}

#[async_trait]
pub trait StateBackend: Send + Sync {
    /// A short description of where state lives, for messages ("local file terraform.tfstate").
    fn describe(&self, workspace: &str) -> String;

    /// Reads the workspace's latest snapshot; `None` when there is none yet.
    async fn read(&self, workspace: &str) -> Result<Option<Versioned>, BackendError>;

    /// Writes a snapshot. With `expect`, the write only succeeds if the stored snapshot still
    /// has that tag ([`BackendError::Conflict`] otherwise); `None` means "must not exist yet"
    /// when the backend can check it.
    async fn write(
        &self,
        workspace: &str,
        state: &State,
        expect: Option<&Etag>,
    ) -> Result<Etag, BackendError>;

    /// Takes the workspace's lock, waiting up to `req.timeout` while another holder has it.
    async fn lock(
        &self,
        workspace: &str,
        req: LockRequest,
    ) -> Result<Box<dyn LockGuard>, BackendError>;

    /// Removes the lock with exactly this ID (`terrane force-unlock`).
    async fn force_unlock(&self, workspace: &str, id: &str) -> Result<(), BackendError>;

    /// Names of all workspaces, always including "default", sorted.
    async fn workspaces(&self) -> Result<Vec<String>, BackendError>;

    async fn delete_workspace(&self, workspace: &str) -> Result<(), BackendError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_info_names_the_user_and_host_the_operation_and_the_version() {
        let info = LockInfo::new("OperationTypeApply", "terraform.tfstate");
        let (user, host) = info.who.split_once('@').expect("user@host");
        assert_ne!(user, "unknown", "{}", info.who);
        if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            assert_eq!(host, h.trim());
        }
        assert_eq!(info.operation, "OperationTypeApply");
        assert_eq!(
            info.version,
            format!("terrane {}", env!("CARGO_PKG_VERSION"))
        );
    }
}
