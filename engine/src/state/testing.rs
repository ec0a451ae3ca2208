//! A conformance suite every [`StateBackend`] runs from its own tests, so the local file
//! backend and remote ones behave the same where the engine relies on it.
//!
//! It is compiled into the engine (it is small and needs no test-only dependencies) so that
//! backend crates can call it from their integration tests. It panics on the first
//! violation, like any test assertion.
//!
//! What it cannot see through the trait is left to each backend's own tests: backups (not
//! part of the trait), "`expect: None` means must not exist yet" (only required where the
//! backend can check it) and releasing a lock on drop (best effort).

use std::time::Duration;

use serde_json::json;

use super::backend::{BackendError, LockInfo, LockRequest, StateBackend, DEFAULT_WORKSPACE};
use super::model::{InstanceState, ResourceState, State};

/// Workspaces the suite creates; they are deleted again at the end.
const WS_A: &str = "conformance-a";
const WS_B: &str = "conformance-b";

/// A small, valid state with one resource, at `serial`.
pub fn sample_state(lineage: &str, serial: u64, id: &str) -> State {
    let mut s = State::new();
    s.lineage = lineage.to_string();
    s.serial = serial;
    s.resources.push(ResourceState {
        module: None,
        mode: "managed".into(),
        ty: "null_resource".into(),
        name: "conformance".into(),
        provider: "provider[\"registry.terraform.io/hashicorp/null\"]".into(),
        instances: vec![InstanceState {
            index_key: None,
            status: None,
            schema_version: 0,
            attributes: json!({ "id": id, "triggers": null }).into(),
            sensitive_attributes: Vec::new(),
            identity_schema_version: 0,
            identity: None,
            private: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: None,
        }],
    });
    s.normalize();
    s
}

fn lock_request(operation: &str, timeout: Duration) -> LockRequest {
    LockRequest {
        info: LockInfo::new(operation, ""),
        timeout,
    }
}

/// Runs the suite against a backend with no stored state and no workspaces but "default".
///
/// # Panics
/// On the first behaviour that differs from the [`StateBackend`] contract.
pub async fn conformance(backend: &dyn StateBackend) {
    let ws = DEFAULT_WORKSPACE;

    // Empty read.
    let listed = backend.workspaces().await.expect("list workspaces");
    assert_eq!(listed, vec![DEFAULT_WORKSPACE.to_string()], "fresh backend");
    assert!(
        backend.read(ws).await.expect("read empty").is_none(),
        "a fresh backend has no state"
    );

    // Write + read round trip; the etag a write returns is the one a read returns.
    let lineage = "00000000-0000-4000-8000-00000000c0f0";
    let s1 = sample_state(lineage, 1, "one");
    let tag1 = backend.write(ws, &s1, None).await.expect("first write");
    let got = backend.read(ws).await.expect("read").expect("state exists");
    assert_eq!(got.state, s1, "round trip");
    assert_eq!(got.etag, tag1, "read returns the written etag");

    // Conditional write: the current tag succeeds, a stale one conflicts and changes nothing.
    let s2 = sample_state(lineage, 2, "two");
    let tag2 = backend
        .write(ws, &s2, Some(&tag1))
        .await
        .expect("write with the current etag");
    assert_ne!(tag1, tag2, "different content, different etag");
    let s3 = sample_state(lineage, 3, "three");
    match backend.write(ws, &s3, Some(&tag1)).await {
        Err(BackendError::Conflict { .. }) => {}
        other => panic!("a write with a stale etag must conflict, got {other:?}"),
    }
    let got = backend.read(ws).await.expect("read").expect("state exists");
    assert_eq!(got.state, s2, "a refused write leaves the state alone");
    assert_eq!(got.etag, tag2);

    // Locking: a second lock is refused with the holder's info, at once and after retries.
    let first = backend
        .lock(ws, lock_request("OperationTypeApply", Duration::ZERO))
        .await
        .expect("first lock");
    let holder_id = first.info().id.clone();
    for timeout in [Duration::ZERO, Duration::from_millis(30)] {
        match backend
            .lock(ws, lock_request("OperationTypePlan", timeout))
            .await
        {
            Err(BackendError::Locked(info)) => {
                assert_eq!(info.id, holder_id, "Locked names the holder");
                assert_eq!(info.operation, "OperationTypeApply");
            }
            Err(e) => panic!("a held lock must give Locked, got {e}"),
            Ok(_) => panic!("a held lock must exclude a second lock"),
        }
    }

    // Locks are per workspace.
    backend
        .write(WS_B, &sample_state(lineage, 1, "b"), None)
        .await
        .expect("write another workspace");
    let other = backend
        .lock(WS_B, lock_request("OperationTypeApply", Duration::ZERO))
        .await
        .expect("another workspace's lock is independent");
    other.unlock().await.expect("unlock other workspace");

    // force_unlock with a wrong ID refuses and leaves the lock in place.
    assert!(
        backend.force_unlock(ws, "not-the-lock-id").await.is_err(),
        "force_unlock with a wrong ID must fail"
    );
    assert!(
        matches!(
            backend
                .lock(ws, lock_request("OperationTypePlan", Duration::ZERO))
                .await,
            Err(BackendError::Locked(_))
        ),
        "the lock survives a refused force_unlock"
    );

    // Unlock lets a new lock in.
    first.unlock().await.expect("unlock");
    let again = backend
        .lock(ws, lock_request("OperationTypeApply", Duration::ZERO))
        .await
        .expect("lock after unlock");
    again.unlock().await.expect("unlock again");

    // Workspaces: create by writing, list sorted, delete.
    let sa = sample_state("00000000-0000-4000-8000-00000000c0fa", 1, "a");
    backend.write(WS_A, &sa, None).await.expect("write ws a");
    let listed = backend.workspaces().await.expect("list workspaces");
    assert_eq!(
        listed,
        vec![
            WS_A.to_string(),
            WS_B.to_string(),
            DEFAULT_WORKSPACE.to_string()
        ],
        "workspaces are listed sorted"
    );
    let got = backend
        .read(WS_A)
        .await
        .expect("read ws a")
        .expect("exists");
    assert_eq!(got.state, sa, "workspaces hold separate state");
    let got = backend
        .read(ws)
        .await
        .expect("read default")
        .expect("exists");
    assert_eq!(got.state, s2, "writing a workspace leaves default alone");

    backend.delete_workspace(WS_A).await.expect("delete ws a");
    backend.delete_workspace(WS_B).await.expect("delete ws b");
    assert_eq!(
        backend.workspaces().await.expect("list workspaces"),
        vec![DEFAULT_WORKSPACE.to_string()],
        "deleted workspaces are gone"
    );
    assert!(
        backend.read(WS_A).await.expect("read deleted").is_none(),
        "a deleted workspace has no state"
    );
    assert!(
        backend.delete_workspace(DEFAULT_WORKSPACE).await.is_err(),
        "the default workspace cannot be deleted"
    );
}
