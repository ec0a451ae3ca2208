//! The lock against another process: a live holder excludes us and cannot be force-unlocked;
//! once it is killed with SIGKILL the OS lock is gone and its leftover info file is taken
//! over. The child is this test binary run again with an environment variable set.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use terrane_backend_local::LocalBackend;
use terrane_engine::state::{BackendError, LockInfo, LockRequest, StateBackend};

const CHILD_ENV: &str = "TERRANE_TEST_LOCK_CHILD_DIR";

/// Kills the child even when an assertion fails.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn req(op: &str) -> LockRequest {
    LockRequest {
        info: LockInfo::new(op, ""),
        timeout: Duration::ZERO,
    }
}

/// In the child: take the lock, report its ID, and hold it until killed. A no-op in a
/// normal test run.
#[tokio::test]
async fn lock_holder_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let b = LocalBackend::new(PathBuf::from(dir), None);
    let guard = b.lock("default", req("OperationTypeApply")).await.unwrap();
    println!("LOCKED {}", guard.info().id);
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

#[tokio::test]
async fn lock_held_by_another_process_until_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = KillOnDrop(
        Command::new(exe)
            .args([
                "lock_holder_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let child_id = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // libtest prints "test lock_holder_child ... " before it, on the same line.
        .find_map(|l| l.split_once("LOCKED ").map(|(_, id)| id.trim().to_string()))
        .expect("the child reports its lock");

    let b = LocalBackend::new(dir.path().to_path_buf(), None);
    match b.lock("default", req("OperationTypePlan")).await {
        Err(BackendError::Locked(info)) => assert_eq!(info.id, child_id),
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("a lock held by another process must exclude us"),
    }
    let err = b.force_unlock("default", &child_id).await.unwrap_err();
    assert!(err.to_string().contains("running process"), "{err}");

    // SIGKILL: no destructor runs, the info file stays, but the OS lock dies with it.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(dir.path().join(".terraform.tfstate.lock.info").exists());
    let guard = b.lock("default", req("OperationTypePlan")).await.unwrap();
    assert_ne!(guard.info().id, child_id);
    guard.unlock().await.unwrap();
}
