//! The S3 backend against moto: the shared conformance suite with each lock flavour, plus
//! what only S3 can show: Terraform's object and item layout, digests, leases and bad
//! buckets, tables and objects. Every test uses its own bucket and table, since tests run in
//! parallel against one moto server.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use terrane_backend_s3::testing::{md5_hex, Fixture};
use terrane_backend_s3::{Lease, S3Backend, S3Config, Timings};
use terrane_engine::state::testing::{conformance, sample_state};
use terrane_engine::state::{BackendError, LockInfo, LockRequest, StateBackend, StateError};

const LINEAGE: &str = "11111111-2222-4333-8444-555555555555";
const KEY: &str = "app/terraform.tfstate";

async fn env(name: &str) -> Fixture {
    terrane_test_support::moto().export_env();
    Fixture::new(&format!("s3t-{name}")).await
}

trait Backends {
    fn settings(&self, table: bool, lockfile: bool) -> BTreeMap<String, Value>;
    fn backend(&self, table: bool, lockfile: bool) -> S3Backend;
}

impl Backends for Fixture {
    fn settings(&self, table: bool, lockfile: bool) -> BTreeMap<String, Value> {
        let mut v = json!({
            "bucket": self.bucket, "key": KEY, "region": "us-east-1", "use_path_style": true,
            "use_lockfile": lockfile,
        });
        if table {
            v["dynamodb_table"] = json!(self.table);
        }
        v.as_object().unwrap().clone().into_iter().collect()
    }

    fn backend(&self, table: bool, lockfile: bool) -> S3Backend {
        S3Backend::with_timings(
            S3Config::from_settings(&self.settings(table, lockfile)).unwrap(),
            fast(),
        )
    }
}

fn fast() -> Timings {
    Timings {
        lease: Lease {
            duration: Duration::from_secs(60),
            renew_every: Duration::from_secs(15),
        },
        consistency_wait: Duration::from_millis(600),
        lock_retry_max: Duration::from_millis(200),
    }
}

fn req(op: &str, timeout: Duration) -> LockRequest {
    LockRequest {
        info: LockInfo::new(op, ""),
        timeout,
    }
}

#[tokio::test]
async fn conforms_with_a_dynamodb_table() {
    let e = env("ddb").await;
    conformance(&e.backend(true, false)).await;
}

#[tokio::test]
async fn conforms_with_an_s3_lock_file() {
    let e = env("lockfile").await;
    conformance(&e.backend(false, true)).await;
}

#[tokio::test]
async fn conforms_with_both_locks() {
    let e = env("both").await;
    conformance(&e.backend(true, true)).await;
}

#[tokio::test]
async fn objects_and_items_are_laid_out_as_terraform_lays_them_out() {
    let e = env("layout").await;
    let b = e.backend(true, true);
    let s = sample_state(LINEAGE, 1, "d");
    b.write("default", &s, None).await.unwrap();
    b.write("dev", &sample_state(LINEAGE, 1, "w"), None)
        .await
        .unwrap();
    let stored = e.get(KEY).await.unwrap();
    assert_eq!(stored, s.to_bytes());
    assert!(e.get("env:/dev/app/terraform.tfstate").await.is_some());
    let digest = e.item(&format!("{}/{KEY}-md5", e.bucket)).await.unwrap();
    assert_eq!(digest["Digest"], md5_hex(&stored));

    let guard = b
        .lock("dev", req("OperationTypeApply", Duration::ZERO))
        .await
        .unwrap();
    let lock_id = format!("{}/env:/dev/{KEY}", e.bucket);
    let item = e.item(&lock_id).await.expect("lock item");
    let info: Value = serde_json::from_str(&item["Info"]).unwrap();
    for field in [
        "ID",
        "Operation",
        "Info",
        "Who",
        "Version",
        "Created",
        "Path",
    ] {
        assert!(info.get(field).is_some(), "{field} in {info}");
    }
    assert_eq!(info["ID"], guard.info().id.as_str());
    assert_eq!(info["Path"], lock_id.as_str());
    assert!(info["Expires"].is_string(), "the lease: {info}");
    let file: Value = serde_json::from_slice(
        &e.get("env:/dev/app/terraform.tfstate.tflock")
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(file["ID"], guard.info().id.as_str());
    guard.unlock().await.unwrap();
    assert!(e.item(&lock_id).await.is_none());
    assert!(e
        .get("env:/dev/app/terraform.tfstate.tflock")
        .await
        .is_none());
}

/// A state object, digest and lock item written the way Terraform writes them (no lease,
/// created by hand from the documented format) are read and respected.
#[tokio::test]
async fn terraform_written_state_and_lock_are_honoured() {
    let e = env("tf").await;
    let state = format!(
        r#"{{
  "version": 4,
  "terraform_version": "1.9.5",
  "serial": 7,
  "lineage": "{LINEAGE}",
  "outputs": {{}},
  "resources": [
    {{
      "mode": "managed",
      "type": "null_resource",
      "name": "x",
      "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
      "instances": [{{"schema_version": 0, "attributes": {{"id": "42", "triggers": null}}, "sensitive_attributes": []}}]
    }}
  ],
  "check_results": null
}}
"#
    );
    e.put(KEY, state.as_bytes()).await;
    let digest_id = format!("{}/{KEY}-md5", e.bucket);
    e.put_item(&[
        ("LockID", &digest_id),
        ("Digest", &md5_hex(state.as_bytes())),
    ])
    .await;
    let lock_id = format!("{}/{KEY}", e.bucket);
    let tf_info = json!({
        "ID": "6c3a1e1c-0d69-4f8c-4b1f-2cbd5c4f1a11", "Operation": "OperationTypeApply",
        "Info": "", "Who": "alice@laptop", "Version": "1.9.5",
        "Created": "2024-05-01T10:00:00.123456Z", "Path": lock_id,
    })
    .to_string();
    e.put_item(&[("LockID", &lock_id), ("Info", &tf_info)])
        .await;

    let b = e.backend(true, false);
    let got = b.read("default").await.unwrap().unwrap();
    assert_eq!(got.state.serial, 7);
    assert_eq!(
        got.state.resources[0].instances[0]
            .attributes
            .id()
            .as_deref(),
        Some("42")
    );

    let err = b
        .lock(
            "default",
            req("OperationTypePlan", Duration::from_millis(300)),
        )
        .await
        .err()
        .expect("Terraform's lock excludes us");
    match &err {
        BackendError::Locked(info) => {
            assert_eq!(info.who, "alice@laptop");
            assert_eq!(info.id, "6c3a1e1c-0d69-4f8c-4b1f-2cbd5c4f1a11");
        }
        other => panic!("{other}"),
    }
    // Without a lease nothing suggests that the holder is gone.
    assert!(!err.to_string().contains("probably"), "{err}");
    assert!(b.force_unlock("default", "wrong-id").await.is_err());
    assert_eq!(e.item(&lock_id).await.unwrap()["Info"], tf_info);
    b.force_unlock("default", "6c3a1e1c-0d69-4f8c-4b1f-2cbd5c4f1a11")
        .await
        .unwrap();
    assert!(e.item(&lock_id).await.is_none());

    // A write of ours keeps the digest Terraform checks in step.
    let mut next = got.state.clone();
    next.serial += 1;
    b.write("default", &next, Some(&got.etag)).await.unwrap();
    let stored = e.get(KEY).await.unwrap();
    assert_eq!(
        e.item(&digest_id).await.unwrap()["Digest"],
        md5_hex(&stored)
    );
}

#[tokio::test]
async fn a_stale_read_is_retried_then_reported() {
    let e = env("stale").await;
    let b = e.backend(true, false);
    b.write("default", &sample_state(LINEAGE, 1, "x"), None)
        .await
        .unwrap();
    // What a reader sees when S3 serves an older copy than the digest describes.
    e.put_item(&[
        ("LockID", &format!("{}/{KEY}-md5", e.bucket)),
        ("Digest", "0123456789abcdef0123456789abcdef"),
    ])
    .await;
    let err = b.read("default").await.unwrap_err().to_string();
    assert!(err.contains("does not match the digest"), "{err}");
    assert!(err.contains("0123456789abcdef0123456789abcdef"), "{err}");
}

#[tokio::test]
async fn an_expired_lease_is_reported_but_not_broken() {
    let e = env("lease").await;
    let b = e.backend(true, false);
    let lock_id = format!("{}/{KEY}", e.bucket);
    let mut dead = LockInfo::new("OperationTypeApply", &lock_id);
    dead.expires = Some("2020-01-01T00:00:00Z".into());
    let raw = serde_json::to_string(&dead).unwrap();
    e.put_item(&[("LockID", &lock_id), ("Info", &raw)]).await;
    let err = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .err()
        .expect("still locked")
        .to_string();
    assert!(err.contains("probably"), "{err}");
    assert!(
        err.contains(&format!("terrane force-unlock {}", dead.id)),
        "{err}"
    );
    assert_eq!(e.item(&lock_id).await.unwrap()["Info"], raw, "left alone");
}

#[tokio::test]
async fn the_heartbeat_renews_the_lease() {
    let e = env("renew").await;
    let mut t = fast();
    t.lease = Lease {
        duration: Duration::from_secs(30),
        renew_every: Duration::from_millis(300),
    };
    let b = S3Backend::with_timings(S3Config::from_settings(&e.settings(true, true)).unwrap(), t);
    let guard = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .unwrap();
    let lock_id = format!("{}/{KEY}", e.bucket);
    let expires = |raw: &str| {
        serde_json::from_str::<LockInfo>(raw)
            .unwrap()
            .expires
            .unwrap()
    };
    let first = expires(&e.item(&lock_id).await.unwrap()["Info"]);
    let mut renewed = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if expires(&e.item(&lock_id).await.unwrap()["Info"]) > first {
            renewed = true;
            break;
        }
    }
    assert!(renewed, "the lease was never renewed");
    // Renewals keep the lock ours: unlock still matches what is stored.
    guard.unlock().await.unwrap();
    assert!(e.item(&lock_id).await.is_none());
}

#[tokio::test]
async fn unlock_never_removes_someone_elses_lock() {
    let e = env("steal").await;
    let b = e.backend(true, false);
    let first = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .unwrap();
    b.force_unlock("default", &first.info().id.clone())
        .await
        .unwrap();
    let second = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .unwrap();
    let err = first.unlock().await.unwrap_err().to_string();
    assert!(err.contains("left alone"), "{err}");
    // The second holder still holds it.
    assert!(matches!(
        b.lock("default", req("OperationTypePlan", Duration::ZERO))
            .await,
        Err(BackendError::Locked(_))
    ));
    second.unlock().await.unwrap();
}

#[tokio::test]
async fn a_waiter_gets_the_lock_when_the_holder_lets_go() {
    let e = env("wait").await;
    let b = std::sync::Arc::new(e.backend(true, true));
    let guard = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .unwrap();
    let waiter = {
        let b = b.clone();
        tokio::spawn(async move {
            b.lock("default", req("OperationTypePlan", Duration::from_secs(60)))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    guard.unlock().await.unwrap();
    let second = waiter.await.unwrap().unwrap();
    assert_eq!(second.info().operation, "OperationTypePlan");
    second.unlock().await.unwrap();
}

#[tokio::test]
async fn corrupt_or_newer_state_is_refused_and_left_alone() {
    for (n, (content, newer)) in [
        (&b"{\"version\": 4, \"serial\": "[..], false),
        (
            &b"{\"version\": 5, \"serial\": 1, \"lineage\": \"x\"}"[..],
            true,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let e = env(&format!("corrupt{n}")).await;
        e.put(KEY, content).await;
        let b = e.backend(false, true);
        match b.read("default").await.unwrap_err() {
            BackendError::State { path, source } => {
                assert_eq!(path, format!("s3://{}/{KEY}", e.bucket));
                assert_eq!(
                    matches!(source, StateError::UnsupportedVersion { version: 5 }),
                    newer
                );
            }
            other => panic!("expected a state error, got {other}"),
        }
        // A write conditional on a version we never read conflicts and changes nothing.
        let err = b
            .write("default", &sample_state(LINEAGE, 1, "x"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, BackendError::Conflict { .. }), "{err}");
        assert_eq!(e.get(KEY).await.unwrap(), content);
    }
}

#[tokio::test]
async fn missing_bucket_and_table_say_how_to_create_them() {
    let e = env("missing").await;
    let mut s = e.settings(true, false);
    s.insert("bucket".into(), json!("no-such-bucket-here"));
    let b = S3Backend::new(S3Config::from_settings(&s).unwrap());
    let err = b.check().await.unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");
    assert!(
        err.contains("aws s3api create-bucket --bucket no-such-bucket-here"),
        "{err}"
    );
    let err = b.read("default").await.unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");

    let mut s = e.settings(true, false);
    s.insert("dynamodb_table".into(), json!("no-such-table"));
    let b = S3Backend::new(S3Config::from_settings(&s).unwrap());
    let err = b.check().await.unwrap_err().to_string();
    assert!(
        err.contains("aws dynamodb create-table --table-name no-such-table"),
        "{err}"
    );
    let err = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("does not exist"), "{err}");

    e.backend(true, true).check().await.unwrap();
}

#[tokio::test]
async fn workspaces_follow_the_prefix() {
    let e = env("prefix").await;
    let mut s = e.settings(false, true);
    s.insert("workspace_key_prefix".into(), json!("teams/web"));
    let b = S3Backend::with_timings(S3Config::from_settings(&s).unwrap(), fast());
    b.write("blue", &sample_state(LINEAGE, 1, "b"), None)
        .await
        .unwrap();
    assert!(e
        .get("teams/web/blue/app/terraform.tfstate")
        .await
        .is_some());
    // Objects of another key or a lock file are not workspaces.
    e.put("teams/web/green/other.tfstate", b"{}").await;
    e.put("teams/web/blue/app/terraform.tfstate.tflock", b"{}")
        .await;
    assert_eq!(b.workspaces().await.unwrap(), ["blue", "default"]);
    assert!(matches!(
        b.delete_workspace("green").await,
        Err(BackendError::NoSuchWorkspace { .. })
    ));
    assert!(b.read("a/b").await.is_err());
}

#[tokio::test]
async fn an_empty_object_is_no_state_and_may_be_written_over() {
    let e = env("empty").await;
    e.put(KEY, b"").await;
    let b = e.backend(true, false);
    assert!(b.read("default").await.unwrap().is_none());
    let s = sample_state(LINEAGE, 1, "x");
    let tag = b.write("default", &s, None).await.unwrap();
    let got = b.read("default").await.unwrap().unwrap();
    assert_eq!((got.state, got.etag), (s, tag));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_guard_releases_the_lock() {
    let e = env("drop").await;
    let b = e.backend(true, true);
    let guard = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .unwrap();
    drop(guard);
    assert!(e.item(&format!("{}/{KEY}", e.bucket)).await.is_none());
    assert!(e.get(&format!("{KEY}.tflock")).await.is_none());
    let again = b
        .lock("default", req("OperationTypeApply", Duration::ZERO))
        .await
        .unwrap();
    again.unlock().await.unwrap();
}
