//! The local state backend: Terraform's `backend "local"`, state in a file next to the
//! configuration.
//!
//! Layout, as Terraform's:
//!
//! * default workspace: `<working_dir>/terraform.tfstate` (or the configured `path`);
//! * other workspaces: `<working_dir>/terraform.tfstate.d/<ws>/terraform.tfstate`;
//! * beside each state file: `<state>.backup` (the previous snapshot) and
//!   `.<state file name>.lock.info` (the lock, see [`LocalBackend::lock`]).
//!
//! Writes replace the state file atomically (temp file, fsync, rename, directory fsync), so a
//! crash at any moment leaves either the old or the new snapshot, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use fs4::fs_std::FileExt;
use sha2::{Digest, Sha256};
use terrane_engine::state::{
    BackendError, Etag, LockGuard, LockInfo, LockRequest, State, StateBackend, Versioned,
    DEFAULT_WORKSPACE,
};

/// The state file's name when no `path` is configured, and in every non-default workspace.
pub const DEFAULT_STATE_FILENAME: &str = "terraform.tfstate";
/// The directory (under the working directory) holding the non-default workspaces.
pub const WORKSPACE_DIR: &str = "terraform.tfstate.d";
/// Appended to the state file's path to name its backup.
pub const BACKUP_EXTENSION: &str = ".backup";

/// The first pause between two attempts to take a contended lock; it doubles up to
/// [`LOCK_RETRY_MAX`].
const LOCK_RETRY_START: Duration = Duration::from_millis(10);
const LOCK_RETRY_MAX: Duration = Duration::from_secs(1);

/// How often to retry at once when the lock file we locked was removed or replaced by its
/// previous holder in the meantime (see [`try_acquire`]). Each retry means another process
/// made progress, so a small bound only guards against pathological churn.
const LOCK_REOPEN_ATTEMPTS: usize = 16;

/// State stored in local files.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    working_dir: PathBuf,
    path: Option<PathBuf>,
}

impl LocalBackend {
    /// `working_dir` is the directory of the root module; `path` is the backend's `path`
    /// argument (relative to `working_dir` unless absolute), which only moves the default
    /// workspace's state, as in Terraform.
    pub fn new(working_dir: PathBuf, path: Option<PathBuf>) -> LocalBackend {
        LocalBackend { working_dir, path }
    }

    /// The state file of a workspace.
    ///
    /// # Errors
    /// [`BackendError::Other`] for a workspace name that is not a plain directory name.
    pub fn state_path(&self, workspace: &str) -> Result<PathBuf, BackendError> {
        validate_workspace_name(workspace)?;
        if workspace == DEFAULT_WORKSPACE {
            let rel = self
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_FILENAME));
            // `join` keeps an absolute configured path as it is.
            Ok(self.working_dir.join(rel))
        } else {
            Ok(self
                .workspace_dir()
                .join(workspace)
                .join(DEFAULT_STATE_FILENAME))
        }
    }

    /// The backup of a workspace's state file: the snapshot before the last write.
    ///
    /// # Errors
    /// As [`LocalBackend::state_path`].
    pub fn backup_path(&self, workspace: &str) -> Result<PathBuf, BackendError> {
        Ok(append_to_file_name(
            &self.state_path(workspace)?,
            BACKUP_EXTENSION,
        ))
    }

    /// The lock info file of a workspace: `.<state file name>.lock.info` beside the state,
    /// where Terraform puts it.
    ///
    /// # Errors
    /// As [`LocalBackend::state_path`].
    pub fn lock_path(&self, workspace: &str) -> Result<PathBuf, BackendError> {
        let state = self.state_path(workspace)?;
        let name = state
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| DEFAULT_STATE_FILENAME.to_string());
        Ok(parent_dir(&state).join(format!(".{name}.lock.info")))
    }

    fn workspace_dir(&self) -> PathBuf {
        self.working_dir.join(WORKSPACE_DIR)
    }
}

/// Workspace names become directory names, so anything that could escape
/// `terraform.tfstate.d` (or make `delete_workspace` remove something else) is refused.
fn validate_workspace_name(name: &str) -> Result<(), BackendError> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if bad {
        return Err(BackendError::Other(format!(
            "{name:?} is not a valid workspace name: it must be a non-empty directory name \
             without path separators"
        )));
    }
    Ok(())
}

fn append_to_file_name(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The directory a file lives in; `.` for a bare file name, so it can be opened and fsynced.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BackendError + '_ {
    move |source| BackendError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Reads a file, `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, BackendError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// An empty (or blank) state file counts as no state, as in Terraform: it is what a crash
/// of a tool that truncates before writing leaves behind.
fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Makes a rename or unlink in `dir` durable. Directories cannot be opened for fsync on
/// Windows, where NTFS journals metadata anyway.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Replaces `target` with `bytes` atomically: a temp file in the same directory (so the
/// rename never crosses file systems) is written and fsynced, then renamed over the target.
/// On any error the temp file is removed and the target is untouched. The caller fsyncs the
/// directory.
fn replace_atomically(target: &Path, bytes: &[u8]) -> Result<(), BackendError> {
    let dir = parent_dir(target);
    let mut tmp = tempfile::Builder::new()
        .prefix(".terrane-tmp-")
        .tempfile_in(&dir)
        .map_err(io_err(&dir))?;
    // Keep the permissions of the file being replaced (a user may have tightened or shared
    // them); a new file keeps tempfile's owner-only mode, since state holds secrets.
    if let Ok(meta) = fs::metadata(target) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(io_err(tmp.path()))?;
    }
    tmp.write_all(bytes).map_err(io_err(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io_err(tmp.path()))?;
    tmp.persist(target).map_err(|e| BackendError::Io {
        path: target.display().to_string(),
        source: e.error,
    })?;
    Ok(())
}

fn read_state(path: &Path) -> Result<Option<Versioned>, BackendError> {
    let Some(bytes) = read_optional(path)? else {
        return Ok(None);
    };
    if is_blank(&bytes) {
        return Ok(None);
    }
    let state = State::from_bytes(&bytes).map_err(|source| BackendError::State {
        path: path.display().to_string(),
        source,
    })?;
    Ok(Some(Versioned {
        state,
        etag: Etag(sha256_hex(&bytes)),
    }))
}

fn write_state(
    path: &Path,
    backup: &Path,
    bytes: &[u8],
    expect: Option<&Etag>,
) -> Result<Etag, BackendError> {
    let dir = parent_dir(path);
    fs::create_dir_all(&dir).map_err(io_err(&dir))?;

    // The etag check and the rename are not one atomic step; the state lock is what
    // serializes writers. The check catches a writer that ran without the lock (or wrote
    // after our read), which would otherwise be silently overwritten.
    let current = read_optional(path)?.filter(|b| !is_blank(b));
    let current_tag = current.as_deref().map(sha256_hex);
    match (expect, &current_tag) {
        (Some(want), Some(have)) if want.0 == *have => {}
        (None, None) => {}
        (Some(want), _) => {
            return Err(BackendError::Conflict {
                expected: want.0.clone(),
            })
        }
        // The trait's contract: no expected tag means "must not exist yet".
        (None, Some(_)) => {
            return Err(BackendError::Conflict {
                expected: "no stored state".into(),
            })
        }
    }

    if let Some(previous) = &current {
        replace_atomically(backup, previous)?;
    }
    replace_atomically(path, bytes)?;
    sync_dir(&dir).map_err(io_err(&dir))?;
    Ok(Etag(sha256_hex(bytes)))
}

/// Runs blocking file work off the async runtime's worker threads.
async fn blocking<T, F>(f: F) -> Result<T, BackendError>
where
    F: FnOnce() -> Result<T, BackendError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BackendError::Other(format!("local backend task failed: {e}")))?
}

/// Reads the lock info a holder wrote. `None` when it is missing or unreadable, which
/// happens briefly while a new holder is writing it.
fn read_lock_info(path: &Path) -> Option<LockInfo> {
    let mut s = String::new();
    File::open(path).ok()?.read_to_string(&mut s).ok()?;
    serde_json::from_str(&s).ok()
}

/// Whether `file` is still the file at `path`. A holder removes the lock file before it
/// releases the OS lock; a waiter that opened the old file before that would otherwise get
/// a lock on an unlinked file while a third process locks the new one.
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let a = file.metadata()?;
        match fs::metadata(path) {
            Ok(b) => Ok(a.dev() == b.dev() && a.ino() == b.ino()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        // Not checked on Windows: comparing file identities needs an unstable std API.
        // There, a file being deleted cannot be opened again until its last handle closes,
        // so a third process gets an error rather than a second lock; the remaining window
        // (a waiter locking the doomed file) is as narrow as the holder's delete+release.
        let _ = (file, path);
        Ok(true)
    }
}

/// One attempt to take the OS lock on the lock file: `Some(file)` holding it, `None` when
/// another process holds it.
fn try_acquire(path: &Path) -> Result<Option<File>, BackendError> {
    for _ in 0..LOCK_REOPEN_ATTEMPTS {
        // No truncation here: the file may belong to the current holder.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err(path))?;
        if !FileExt::try_lock_exclusive(&file).map_err(io_err(path))? {
            return Ok(None);
        }
        if same_file(&file, path).map_err(io_err(path))? {
            return Ok(Some(file));
        }
        // Locked a file its holder had just removed; dropping it releases the lock.
    }
    Ok(None)
}

/// Writes our lock info into the lock file we hold.
fn write_lock_info(file: &mut File, path: &Path, info: &LockInfo) -> Result<(), BackendError> {
    let json = serde_json::to_vec(info)
        .map_err(|e| BackendError::Other(format!("cannot encode lock info: {e}")))?;
    file.set_len(0).map_err(io_err(path))?;
    // Writes through this handle go to its offset, which stays 0 as we never wrote before.
    file.write_all(&json).map_err(io_err(path))?;
    file.flush().map_err(io_err(path))?;
    Ok(())
}

/// The lock info reported when the holder's info cannot be read (it is being written, or
/// another tool wrote something else).
fn unknown_holder(path: &Path) -> LockInfo {
    LockInfo {
        id: String::new(),
        operation: String::new(),
        info: format!("the lock info in {} could not be read", path.display()),
        who: "another process".into(),
        version: String::new(),
        created: String::new(),
        path: path.display().to_string(),
        expires: None,
    }
}

/// A held local lock: an open file with an OS exclusive lock on it.
#[derive(Debug)]
struct LocalLockGuard {
    info: LockInfo,
    path: PathBuf,
    /// `None` once released.
    file: Option<File>,
}

impl LocalLockGuard {
    /// Removes the info file while still holding the OS lock (waiters check they locked the
    /// file that is still there, see [`same_file`]), then releases the lock.
    fn release(&mut self) -> Result<(), BackendError> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let removed = match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            // The workspace may have been deleted while locked.
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&self.path)(e)),
        };
        let unlocked = FileExt::unlock(&file).map_err(io_err(&self.path));
        // Closing the file would release the lock anyway.
        drop(file);
        removed.and(unlocked)
    }
}

#[async_trait]
impl LockGuard for LocalLockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    async fn unlock(mut self: Box<Self>) -> Result<(), BackendError> {
        self.release()
    }
}

impl Drop for LocalLockGuard {
    fn drop(&mut self) {
        // Best effort, as the trait documents; `unlock` reports errors.
        let _ = self.release();
    }
}

#[async_trait]
impl StateBackend for LocalBackend {
    fn describe(&self, workspace: &str) -> String {
        match self.state_path(workspace) {
            Ok(p) => format!("local file {}", p.display()),
            Err(_) => format!("local workspace {workspace:?}"),
        }
    }

    async fn read(&self, workspace: &str) -> Result<Option<Versioned>, BackendError> {
        let path = self.state_path(workspace)?;
        blocking(move || read_state(&path)).await
    }

    async fn write(
        &self,
        workspace: &str,
        state: &State,
        expect: Option<&Etag>,
    ) -> Result<Etag, BackendError> {
        let path = self.state_path(workspace)?;
        let backup = self.backup_path(workspace)?;
        let bytes = state.to_bytes();
        let expect = expect.cloned();
        blocking(move || write_state(&path, &backup, &bytes, expect.as_ref())).await
    }

    /// Takes an OS exclusive lock (flock / LockFileEx) on `.terraform.tfstate.lock.info`
    /// and writes the lock info into it. The OS drops the lock when the process dies, so a
    /// killed run never leaves a lock that blocks the next one; its info file stays behind
    /// and is simply taken over.
    async fn lock(
        &self,
        workspace: &str,
        req: LockRequest,
    ) -> Result<Box<dyn LockGuard>, BackendError> {
        let path = self.lock_path(workspace)?;
        let mut req = req;
        if req.info.path.is_empty() {
            // As Terraform's local backend, the lock names the state file it protects.
            req.info.path = self.state_path(workspace)?.display().to_string();
        }
        let dir = parent_dir(&path);
        {
            let dir = dir.clone();
            blocking(move || fs::create_dir_all(&dir).map_err(io_err(&dir))).await?;
        }
        // A timeout too large to represent means "wait as long as it takes".
        let deadline = Instant::now().checked_add(req.timeout);
        let mut pause = LOCK_RETRY_START;
        let mut holder: Option<LockInfo> = None;
        loop {
            let attempt_path = path.clone();
            let info = req.info.clone();
            let acquired = blocking(move || {
                let Some(mut file) = try_acquire(&attempt_path)? else {
                    return Ok(Err(read_lock_info(&attempt_path)));
                };
                write_lock_info(&mut file, &attempt_path, &info)?;
                Ok(Ok(file))
            })
            .await?;
            match acquired {
                Ok(file) => {
                    return Ok(Box::new(LocalLockGuard {
                        info: req.info,
                        path,
                        file: Some(file),
                    }))
                }
                Err(info) => {
                    // Keep the last readable info: the holder may be rewriting it right now.
                    if info.is_some() {
                        holder = info;
                    }
                }
            }
            let now = Instant::now();
            let left = deadline.map_or(LOCK_RETRY_MAX, |d| d.saturating_duration_since(now));
            if left.is_zero() {
                let info = holder.unwrap_or_else(|| unknown_holder(&path));
                return Err(BackendError::Locked(Box::new(info)));
            }
            tokio::time::sleep(pause.min(left)).await;
            pause = (pause * 2).min(LOCK_RETRY_MAX);
        }
    }

    /// Removes a stale lock's info file. A local lock is an OS lock that dies with its
    /// process, so a lock whose OS lock is still held belongs to a running process and is
    /// not broken (that process would go on writing the state).
    async fn force_unlock(&self, workspace: &str, id: &str) -> Result<(), BackendError> {
        let path = self.lock_path(workspace)?;
        let id = id.to_string();
        blocking(move || {
            let file = match OpenOptions::new().read(true).write(true).open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(BackendError::NoSuchLock { id })
                }
                Err(e) => return Err(io_err(&path)(e)),
            };
            if !FileExt::try_lock_exclusive(&file).map_err(io_err(&path))? {
                let holder = read_lock_info(&path).unwrap_or_else(|| unknown_holder(&path));
                return Err(BackendError::Other(format!(
                    "the local state lock {} is held by a running process: {} (lock ID {}, \
                     operation {}, since {}); a local lock held by a running process cannot \
                     be broken, stop that process or wait for it to finish",
                    path.display(),
                    holder.who,
                    holder.id,
                    holder.operation,
                    holder.created,
                )));
            }
            // We hold the OS lock now, so nobody else can take or release it meanwhile.
            let is_ours = same_file(&file, &path).map_err(io_err(&path))?
                && read_lock_info(&path).is_some_and(|i| i.id == id);
            if !is_ours {
                // Leave the file alone; closing it drops the OS lock we just took.
                return Err(BackendError::NoSuchLock { id });
            }
            LocalLockGuard {
                info: unknown_holder(&path),
                path: path.clone(),
                file: Some(file),
            }
            .release()
        })
        .await
    }

    async fn workspaces(&self) -> Result<Vec<String>, BackendError> {
        let dir = self.workspace_dir();
        blocking(move || {
            let mut names = vec![DEFAULT_WORKSPACE.to_string()];
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(names),
                Err(e) => return Err(io_err(&dir)(e)),
            };
            for entry in entries {
                let entry = entry.map_err(io_err(&dir))?;
                let is_dir = entry.file_type().map_err(io_err(&dir))?.is_dir();
                // Names that are not UTF-8 or not valid workspace names cannot be selected,
                // so they are not listed.
                if let (true, Some(name)) = (is_dir, entry.file_name().to_str()) {
                    if validate_workspace_name(name).is_ok() && name != DEFAULT_WORKSPACE {
                        names.push(name.to_string());
                    }
                }
            }
            names.sort();
            Ok(names)
        })
        .await
    }

    async fn delete_workspace(&self, workspace: &str) -> Result<(), BackendError> {
        validate_workspace_name(workspace)?;
        if workspace == DEFAULT_WORKSPACE {
            return Err(BackendError::Other(
                "the default workspace cannot be deleted".into(),
            ));
        }
        let dir = self.workspace_dir().join(workspace);
        let name = workspace.to_string();
        blocking(move || match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(BackendError::NoSuchWorkspace { name })
            }
            Err(e) => Err(io_err(&dir)(e)),
        })
        .await
    }
}
