//! The shared backend conformance suite, plus what only the local backend can show: its
//! file layout, backups, refusal of damaged files and OS-lock behaviour.

use std::fs;
use std::time::Duration;

use terrane_backend_local::LocalBackend;
use terrane_engine::state::testing::{conformance, sample_state};
use terrane_engine::state::{BackendError, LockInfo, LockRequest, StateBackend, StateError};

fn backend() -> (tempfile::TempDir, LocalBackend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = LocalBackend::new(dir.path().to_path_buf(), None);
    (dir, b)
}

fn req(op: &str) -> LockRequest {
    LockRequest {
        info: LockInfo::new(op, ""),
        timeout: Duration::ZERO,
    }
}

const LINEAGE: &str = "11111111-2222-4333-8444-555555555555";

#[tokio::test]
async fn local_backend_conforms() {
    let (_dir, b) = backend();
    conformance(&b).await;
}

#[tokio::test]
async fn local_backend_conforms_with_configured_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = LocalBackend::new(dir.path().to_path_buf(), Some("states/prod.tfstate".into()));
    conformance(&b).await;
    assert!(dir.path().join("states/prod.tfstate").is_file());
    assert!(dir.path().join("states/prod.tfstate.backup").is_file());
    assert!(!dir.path().join("terraform.tfstate").exists());
}

#[tokio::test]
async fn layout_matches_terraform() {
    let (dir, b) = backend();
    b.write("default", &sample_state(LINEAGE, 1, "d"), None)
        .await
        .unwrap();
    b.write("dev", &sample_state(LINEAGE, 1, "w"), None)
        .await
        .unwrap();
    assert!(dir.path().join("terraform.tfstate").is_file());
    assert!(dir
        .path()
        .join("terraform.tfstate.d/dev/terraform.tfstate")
        .is_file());
    let guard = b.lock("dev", req("OperationTypeApply")).await.unwrap();
    let lock_file = dir
        .path()
        .join("terraform.tfstate.d/dev/.terraform.tfstate.lock.info");
    // The lock info is Terraform's JSON layout.
    let raw: serde_json::Value = serde_json::from_slice(&fs::read(&lock_file).unwrap()).unwrap();
    assert_eq!(raw["ID"], guard.info().id.as_str());
    assert_eq!(raw["Operation"], "OperationTypeApply");
    assert!(raw["Path"].as_str().unwrap().ends_with("terraform.tfstate"));
    guard.unlock().await.unwrap();
    assert!(!lock_file.exists(), "unlock removes the info file");
}

#[tokio::test]
async fn write_keeps_a_backup_of_the_previous_state() {
    let (dir, b) = backend();
    let s1 = sample_state(LINEAGE, 1, "one");
    let t1 = b.write("default", &s1, None).await.unwrap();
    assert!(
        !dir.path().join("terraform.tfstate.backup").exists(),
        "nothing to back up on the first write"
    );
    let s2 = sample_state(LINEAGE, 2, "two");
    b.write("default", &s2, Some(&t1)).await.unwrap();
    let backup = fs::read(dir.path().join("terraform.tfstate.backup")).unwrap();
    assert_eq!(backup, s1.to_bytes());
    assert_eq!(
        fs::read(dir.path().join("terraform.tfstate")).unwrap(),
        s2.to_bytes()
    );
    // No temp files are left behind.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["terraform.tfstate", "terraform.tfstate.backup"]);
}

#[tokio::test]
async fn etag_is_sha256_of_the_file() {
    let (dir, b) = backend();
    let tag = b
        .write("default", &sample_state(LINEAGE, 1, "x"), None)
        .await
        .unwrap();
    assert_eq!(tag.0.len(), 64);
    assert!(tag.0.chars().all(|c| c.is_ascii_hexdigit()));
    let bytes = fs::read(dir.path().join("terraform.tfstate")).unwrap();
    let read = b.read("default").await.unwrap().unwrap();
    assert_eq!(read.etag, tag);
    assert_eq!(bytes, read.state.to_bytes());
}

#[tokio::test]
async fn write_without_etag_refuses_to_overwrite_existing_state() {
    let (_dir, b) = backend();
    let s1 = sample_state(LINEAGE, 1, "one");
    b.write("default", &s1, None).await.unwrap();
    let err = b
        .write("default", &sample_state(LINEAGE, 2, "two"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Conflict { .. }), "{err}");
    assert_eq!(b.read("default").await.unwrap().unwrap().state, s1);
}

#[tokio::test]
async fn empty_file_is_no_state() {
    let (dir, b) = backend();
    fs::write(dir.path().join("terraform.tfstate"), b"").unwrap();
    assert!(b.read("default").await.unwrap().is_none());
    // And it may be written over without an etag.
    b.write("default", &sample_state(LINEAGE, 1, "x"), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn corrupt_or_newer_state_is_refused_and_left_alone() {
    for (content, newer) in [
        (&b"{\"version\": 4, \"serial\": "[..], false),
        (&b"\xff\x00 not json"[..], false),
        (
            &b"{\"version\": 5, \"serial\": 1, \"lineage\": \"x\"}"[..],
            true,
        ),
    ] {
        let (dir, b) = backend();
        let path = dir.path().join("terraform.tfstate");
        fs::write(&path, content).unwrap();
        let err = b.read("default").await.unwrap_err();
        match &err {
            BackendError::State { path: p, source } => {
                assert!(p.ends_with("terraform.tfstate"), "{p}");
                assert_eq!(
                    matches!(source, StateError::UnsupportedVersion { version: 5 }),
                    newer
                );
            }
            other => panic!("expected a state error, got {other}"),
        }
        // A conditional write cannot match a file we could not read, so it conflicts.
        let tag = terrane_engine::state::Etag("0".repeat(64));
        assert!(b
            .write("default", &sample_state(LINEAGE, 1, "x"), Some(&tag))
            .await
            .is_err());
        assert_eq!(
            fs::read(&path).unwrap(),
            content,
            "the file is never modified"
        );
    }
}

#[tokio::test]
async fn dropping_a_guard_releases_the_lock() {
    let (dir, b) = backend();
    let guard = b.lock("default", req("OperationTypeApply")).await.unwrap();
    drop(guard);
    assert!(!dir.path().join(".terraform.tfstate.lock.info").exists());
    let guard = b.lock("default", req("OperationTypeApply")).await.unwrap();
    guard.unlock().await.unwrap();
}

#[tokio::test]
async fn stale_lock_file_is_taken_over_and_can_be_force_unlocked() {
    let (dir, b) = backend();
    // What a killed run leaves behind: the info file, but no OS lock (the OS released it).
    let stale = LockInfo::new("OperationTypeApply", "terraform.tfstate");
    let lock_file = dir.path().join(".terraform.tfstate.lock.info");
    fs::write(&lock_file, serde_json::to_vec(&stale).unwrap()).unwrap();

    // A wrong ID is refused and the file stays.
    let err = b.force_unlock("default", "wrong").await.unwrap_err();
    assert!(matches!(err, BackendError::NoSuchLock { .. }), "{err}");
    assert!(lock_file.exists());
    // The right ID removes it.
    b.force_unlock("default", &stale.id).await.unwrap();
    assert!(!lock_file.exists());
    // Nothing left to unlock.
    assert!(matches!(
        b.force_unlock("default", &stale.id).await,
        Err(BackendError::NoSuchLock { .. })
    ));

    // A stale file does not block a new lock either.
    fs::write(&lock_file, serde_json::to_vec(&stale).unwrap()).unwrap();
    let guard = b.lock("default", req("OperationTypePlan")).await.unwrap();
    let on_disk: LockInfo = serde_json::from_slice(&fs::read(&lock_file).unwrap()).unwrap();
    assert_eq!(on_disk.id, guard.info().id);
    guard.unlock().await.unwrap();
}

#[tokio::test]
async fn live_lock_cannot_be_force_unlocked() {
    let (_dir, b) = backend();
    let guard = b.lock("default", req("OperationTypeApply")).await.unwrap();
    let id = guard.info().id.clone();
    let err = b.force_unlock("default", &id).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("running process"), "{msg}");
    assert!(msg.contains(&guard.info().who), "names the holder: {msg}");
    // Still held.
    assert!(matches!(
        b.lock("default", req("OperationTypePlan")).await,
        Err(BackendError::Locked(_))
    ));
    guard.unlock().await.unwrap();
}

#[tokio::test]
async fn lock_waits_for_a_holder_that_lets_go() {
    let (_dir, b) = backend();
    let guard = b.lock("default", req("OperationTypeApply")).await.unwrap();
    let waiter = {
        let b = b.clone();
        tokio::spawn(async move {
            let mut r = req("OperationTypePlan");
            // Generous, so a slow machine cannot make this flaky; it returns as soon as
            // the first lock is released.
            r.timeout = Duration::from_secs(60);
            b.lock("default", r).await
        })
    };
    tokio::task::yield_now().await;
    guard.unlock().await.unwrap();
    let second = waiter.await.unwrap().unwrap();
    assert_eq!(second.info().operation, "OperationTypePlan");
    second.unlock().await.unwrap();
}

#[tokio::test]
async fn workspace_names_cannot_escape_the_workspace_dir() {
    let (dir, b) = backend();
    fs::write(dir.path().join("keep"), b"x").unwrap();
    for bad in ["", ".", "..", "../x", "a/b", "a\\b"] {
        assert!(b.read(bad).await.is_err(), "{bad:?}");
        assert!(b.delete_workspace(bad).await.is_err(), "{bad:?}");
    }
    assert!(dir.path().join("keep").exists());
    assert!(matches!(
        b.delete_workspace("missing").await,
        Err(BackendError::NoSuchWorkspace { .. })
    ));
}
