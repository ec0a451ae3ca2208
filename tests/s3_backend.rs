//! The terrane binary with the s3 backend, against moto: init checks and -backend-config,
//! migration from local state, two runs on one workspace at once, a lock and state written
//! the way Terraform writes them, and a killed run's lock cleared by force-unlock.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use terrane_backend_s3::testing::{md5_hex, Fixture};

const KEY: &str = "web/terraform.tfstate";

async fn env(name: &str) -> Fixture {
    terrane_test_support::moto().export_env();
    Fixture::new(&format!("cli-{name}")).await
}

fn backend_block(e: &Fixture) -> String {
    format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket         = \"{}\"\n    key            = \"{KEY}\"\n    region         = \"us-east-1\"\n    dynamodb_table = \"{}\"\n    use_lockfile   = true\n    use_path_style = true\n  }}\n}}\n",
        e.bucket, e.table
    )
}

async fn state(e: &Fixture) -> Value {
    serde_json::from_slice(&e.get(KEY).await.expect("state object")).unwrap()
}

async fn lock_info(e: &Fixture) -> Option<Value> {
    let item = e.item(&format!("{}/{KEY}", e.bucket)).await?;
    Some(serde_json::from_str(&item["Info"]).unwrap())
}

const RESOURCES: &str = r#"
resource "terraform_data" "a" {
  input = "alpha"
}

resource "terraform_data" "b" {
  input = "beta"
}
"#;

fn workdir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn terrane(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_terrane"));
    c.current_dir(dir)
        .args(args)
        .envs(terrane_test_support::moto().env())
        .env("NO_COLOR", "1")
        .env_remove("TF_WORKSPACE")
        .stdin(Stdio::null());
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    terrane(dir, args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

#[track_caller]
fn fails_with(o: &Output, needle: &str) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains(needle), "expected {needle:?} in\n{t}");
}

fn addresses(state: &Value) -> Vec<String> {
    let mut v: Vec<String> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}.{}",
                r["type"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn init_checks_the_bucket_and_table_and_records_backend_config() {
    let e = env("init").await;
    // Only part of the settings in the block; the rest from -backend-config.
    let block = format!(
        "terraform {{\n  backend \"s3\" {{\n    key = \"{KEY}\"\n    use_path_style = true\n  }}\n}}\n{RESOURCES}"
    );
    let dir = workdir(&[("main.tf", &block)]);
    let d = dir.path();

    fails_with(&run(d, &["plan"]), "terrane init");

    fails_with(
        &run(
            d,
            &[
                "init",
                "-backend-config=bucket=no-such-bucket",
                "-backend-config=region=us-east-1",
            ],
        ),
        "aws s3api create-bucket --bucket no-such-bucket",
    );
    assert!(
        !d.join(".terraform/terraform.tfstate").exists(),
        "nothing recorded"
    );

    std::fs::write(
        d.join("backend.hcl"),
        "region = \"us-east-1\"\ndynamodb_table = \"missing-table\"\n",
    )
    .unwrap();
    let bucket_flag = format!("-backend-config=bucket={}", e.bucket);
    fails_with(
        &run(d, &["init", &bucket_flag, "-backend-config=backend.hcl"]),
        "aws dynamodb create-table --table-name missing-table",
    );

    std::fs::write(
        d.join("backend.hcl"),
        format!("region = \"us-east-1\"\ndynamodb_table = \"{}\"\n", e.table),
    )
    .unwrap();
    ok(&run(
        d,
        &["init", &bucket_flag, "-backend-config=backend.hcl"],
    ));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(d.join(".terraform/terraform.tfstate")).unwrap())
            .unwrap();
    assert_eq!(saved["backend"]["type"], "s3");
    assert_eq!(saved["backend"]["config"]["bucket"], e.bucket.as_str());
    assert_eq!(
        saved["backend"]["config"]["dynamodb_table"],
        e.table.as_str()
    );

    // Init again without the flags keeps the recorded values, as Terraform does.
    ok(&run(d, &["init"]));
    // Later commands use the recorded settings.
    ok(&run(d, &["apply", "-auto-approve"]));
    assert_eq!(
        addresses(&state(&e).await),
        ["terraform_data.a", "terraform_data.b"]
    );
    let o = run(d, &["output"]);
    ok(&o);
    let o = run(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Changing the block since init is refused until init runs again.
    std::fs::write(
        d.join("main.tf"),
        block.replace(KEY, "other/terraform.tfstate"),
    )
    .unwrap();
    fails_with(&run(d, &["plan"]), "Backend configuration changed");
}

#[tokio::test]
async fn migrate_state_from_local_to_s3_keeps_lineage_and_resources() {
    let e = env("migrate").await;
    let dir = workdir(&[("main.tf", RESOURCES)]);
    let d = dir.path();
    ok(&run(d, &["apply", "-auto-approve"]));
    let local: Value =
        serde_json::from_slice(&std::fs::read(d.join("terraform.tfstate")).unwrap()).unwrap();

    std::fs::write(
        d.join("main.tf"),
        format!("{}{RESOURCES}", backend_block(&e)),
    )
    .unwrap();
    fails_with(&run(d, &["init"]), "-migrate-state");
    assert!(
        e.get(KEY).await.is_none(),
        "nothing copied without -migrate-state"
    );

    let o = run(d, &["init", "-migrate-state"]);
    ok(&o);
    let remote = state(&e).await;
    assert_eq!(remote["lineage"], local["lineage"]);
    assert_eq!(remote["serial"], local["serial"]);
    assert_eq!(remote["resources"], local["resources"]);

    let o = run(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "no changes after migration:\n{}",
        text(&o)
    );
    // Running init again changes nothing.
    ok(&run(d, &["init"]));
}

#[test]
fn a_local_backend_block_over_existing_local_state_needs_no_migration() {
    let dir = workdir(&[("main.tf", RESOURCES)]);
    let d = dir.path();
    ok(&run(d, &["apply", "-auto-approve"]));
    std::fs::write(
        d.join("main.tf"),
        format!("terraform {{\n  backend \"local\" {{}}\n}}\n{RESOURCES}"),
    )
    .unwrap();
    ok(&run(d, &["init"]));
    let o = run(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// Two runs in two working directories (two engineers) apply different targets of the same
/// workspace at once: the second waits for the first's lock, then reads its state, so the
/// final state has both resources.
/// Five applies started at once on one workspace, each adding its own resource, under each
/// way the s3 backend locks (DynamoDB item, S3 lock file, both): one holds the lock at a
/// time, the others wait (-lock-timeout) saying who holds it, and the final state holds all
/// five: no run's write was lost to another's.
#[tokio::test]
async fn five_concurrent_applies_take_turns_under_each_lock_kind() {
    const RUNS: usize = 5;
    let resources: String = (0..RUNS)
        .map(|i| format!("resource \"terraform_data\" \"r{i}\" {{\n  input = {i}\n}}\n"))
        .collect();
    for (kind, dynamodb, lockfile) in [
        ("dynamodb", true, false),
        ("lockfile", false, true),
        ("both", true, true),
    ] {
        let e = env(&format!("five-{kind}")).await;
        let mut backend = format!(
            "terraform {{\n  backend \"s3\" {{\n    bucket = \"{}\"\n    key = \"{KEY}\"\n    region = \"us-east-1\"\n    use_path_style = true\n",
            e.bucket
        );
        if dynamodb {
            backend.push_str(&format!("    dynamodb_table = \"{}\"\n", e.table));
        }
        if lockfile {
            backend.push_str("    use_lockfile = true\n");
        }
        backend.push_str("  }\n}\n");
        let config = format!("{backend}{resources}");
        let dirs: Vec<_> = (0..RUNS)
            .map(|_| workdir(&[("main.tf", &config)]))
            .collect();
        for d in &dirs {
            ok(&run(d.path(), &["init"]));
        }
        let children: Vec<_> = dirs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                terrane(
                    d.path(),
                    &[
                        "apply",
                        "-auto-approve",
                        "-lock-timeout=300s",
                        &format!("-target=terraform_data.r{i}"),
                    ],
                )
                // Long enough that the runs overlap even on a loaded machine.
                .env("TERRANE_BUILTIN_APPLY_DELAY_MS", "1500")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        let outs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for o in &outs {
            ok(o);
        }
        let waited = outs
            .iter()
            .filter(|o| String::from_utf8_lossy(&o.stderr).contains("The state is locked by"))
            .count();
        assert!(
            waited >= 1,
            "{kind}: runs waited and said for whom:\n{}",
            outs.iter().map(text).collect::<Vec<_>>().join("\n")
        );
        let state = state(&e).await;
        let want: Vec<String> = (0..RUNS).map(|i| format!("terraform_data.r{i}")).collect();
        assert_eq!(
            addresses(&state),
            want,
            "{kind}: every run's resource landed"
        );
        assert!(
            lock_info(&e).await.is_none(),
            "{kind}: the lock item is gone"
        );
        assert!(
            e.get(&format!("{KEY}.tflock")).await.is_none(),
            "{kind}: the lock file is gone"
        );
    }
}

/// A state object and lock item written by hand in the documented Terraform layout: terrane
/// reads the state without locking and refuses to apply while Terraform's lock is held.
#[tokio::test]
async fn terraform_lock_and_state_are_honoured() {
    let e = env("tflayout").await;
    let lineage = "9d7d6a52-7c2b-4e57-a1f8-3a0c3f2c4e10";
    let tf_state = json!({
        "version": 4, "terraform_version": "1.9.5", "serial": 3, "lineage": lineage,
        "outputs": {"greeting": {"value": "hello", "type": "string"}},
        "resources": [], "check_results": null,
    });
    let bytes = serde_json::to_vec_pretty(&tf_state).unwrap();
    e.put(KEY, &bytes).await;
    let digest_id = format!("{}/{KEY}-md5", e.bucket);
    e.put_item(&[("LockID", &digest_id), ("Digest", &md5_hex(&bytes))])
        .await;
    let lock_id = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    let info = json!({
        "ID": lock_id, "Operation": "OperationTypeApply", "Info": "",
        "Who": "bob@ci-runner", "Version": "1.9.5",
        "Created": "2024-06-01T08:30:00.000000001Z", "Path": format!("{}/{KEY}", e.bucket),
    })
    .to_string();
    e.put_item(&[("LockID", &format!("{}/{KEY}", e.bucket)), ("Info", &info)])
        .await;

    let dir = workdir(&[(
        "main.tf",
        &format!(
            "{}{RESOURCES}\noutput \"greeting\" {{\n  value = \"hello\"\n}}\n",
            backend_block(&e)
        ),
    )]);
    let d = dir.path();
    // The directory was initialized by Terraform: its record lists every argument, unset
    // ones as null, and a hash terrane does not use.
    std::fs::create_dir(d.join(".terraform")).unwrap();
    let record = json!({
        "version": 3, "terraform_version": "1.9.5",
        "backend": {
            "type": "s3",
            "config": {
                "access_key": null, "acl": null, "assume_role": null, "bucket": e.bucket,
                "dynamodb_table": e.table, "encrypt": null, "endpoints": null, "key": KEY,
                "kms_key_id": null, "profile": null, "region": "us-east-1",
                "sse_customer_key": null, "use_lockfile": true, "use_path_style": true,
                "workspace_key_prefix": null,
            },
            "hash": 2_876_193_733_u64,
        },
    });
    std::fs::write(
        d.join(".terraform/terraform.tfstate"),
        serde_json::to_vec_pretty(&record).unwrap(),
    )
    .unwrap();
    let o = run(d, &["output", "-raw", "greeting"]);
    ok(&o);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello");

    let o = run(d, &["apply", "-auto-approve"]);
    fails_with(&o, "bob@ci-runner");
    assert!(text(&o).contains(lock_id), "{}", text(&o));
    assert_eq!(state(&e).await["serial"], 3, "nothing written");
}

/// kill -9 of a run holding the lock leaves the lock; the next run is refused with the
/// holder's ID, force-unlock with a wrong ID changes nothing, with the right one it clears
/// the lock, and the next apply completes.
#[tokio::test]
async fn a_killed_runs_lock_is_cleared_by_force_unlock() {
    let e = env("kill").await;
    let dir = workdir(&[("main.tf", &format!("{}{RESOURCES}", backend_block(&e)))]);
    let d = dir.path();
    ok(&run(d, &["init"]));
    let mut child = terrane(d, &["apply", "-auto-approve"])
        .env("TERRANE_BUILTIN_APPLY_DELAY_MS", "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let info = loop {
        if let Some(i) = lock_info(&e).await {
            break i;
        }
        assert!(Instant::now() < deadline, "the run never took the lock");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // SIGKILL: no chance to release anything.
    child.kill().unwrap();
    child.wait().unwrap();
    let id = info["ID"].as_str().unwrap().to_string();

    let o = run(d, &["apply", "-auto-approve"]);
    fails_with(&o, &format!("terrane force-unlock {id}"));
    fails_with(
        &run(d, &["force-unlock", "-force", "not-the-id"]),
        "not-the-id",
    );
    assert!(lock_info(&e).await.is_some(), "a wrong ID leaves the lock");
    ok(&run(d, &["force-unlock", "-force", &id]));
    assert!(lock_info(&e).await.is_none());
    assert!(
        e.get(&format!("{KEY}.tflock")).await.is_none(),
        "the S3 lock file is cleared too"
    );
    ok(&run(d, &["apply", "-auto-approve"]));
    assert_eq!(
        addresses(&state(&e).await),
        ["terraform_data.a", "terraform_data.b"]
    );
}

/// A run without the lock (-lock=false) whose state was changed by another writer between
/// its read and its write: the conditional write refuses, the run says so and saves its
/// state as errored.tfstate, and the other writer's state stays as it is.
#[tokio::test]
async fn a_conflicting_write_keeps_the_other_writers_state() {
    let e = env("conflict").await;
    let dir = workdir(&[("main.tf", &format!("{}{RESOURCES}", backend_block(&e)))]);
    let d = dir.path();
    ok(&run(d, &["init"]));
    ok(&run(
        d,
        &["apply", "-auto-approve", "-target=terraform_data.a"],
    ));
    let child = terrane(d, &["apply", "-auto-approve", "-lock=false"])
        .env("TERRANE_BUILTIN_APPLY_DELAY_MS", "3000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The journal appears once the run has read the state and starts applying.
    let journal = d.join(".terraform/terrane/journal-default.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !journal.exists() {
        assert!(Instant::now() < deadline, "the run never started applying");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Another writer (say, Terraform) saves a newer snapshot meanwhile.
    let mut theirs = state(&e).await;
    theirs["serial"] = json!(theirs["serial"].as_u64().unwrap() + 10);
    let theirs = serde_json::to_vec_pretty(&theirs).unwrap();
    e.put(KEY, &theirs).await;
    e.put_item(&[
        ("LockID", &format!("{}/{KEY}-md5", e.bucket)),
        ("Digest", &md5_hex(&theirs)),
    ])
    .await;

    let o = child.wait_with_output().unwrap();
    fails_with(&o, "changed since it was read");
    assert!(text(&o).contains("errored.tfstate"), "{}", text(&o));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(d.join("errored.tfstate")).unwrap()).unwrap();
    assert_eq!(addresses(&saved), ["terraform_data.a", "terraform_data.b"]);
    assert_eq!(e.get(KEY).await.unwrap(), theirs, "never overwritten");
}

/// The state bucket and lock table bootstrapped with terrane itself (issue #14): created
/// with local state, then the state moved into them with `init -migrate-state`.
const BOOTSTRAP: &str = r#"
provider "aws" {
  region            = "us-east-1"
  s3_use_path_style = true
}

resource "aws_s3_bucket" "state" {
  bucket = "terrane-bootstrap-state"
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_dynamodb_table" "locks" {
  name         = "terrane-bootstrap-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"
  attribute {
    name = "LockID"
    type = "S"
  }
}
"#;

#[test]
fn bootstrap_the_state_bucket_and_lock_table_then_migrate_into_them() {
    let dir = workdir(&[("main.tf", BOOTSTRAP)]);
    let d = dir.path();
    ok(&run(d, &["init"]));
    ok(&run(d, &["apply", "-auto-approve"]));
    let o = run(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let backend = "terraform {\n  backend \"s3\" {\n    bucket         = \"terrane-bootstrap-state\"\n    key            = \"bootstrap/terraform.tfstate\"\n    region         = \"us-east-1\"\n    dynamodb_table = \"terrane-bootstrap-locks\"\n    use_path_style = true\n  }\n}\n";
    std::fs::write(d.join("main.tf"), format!("{backend}{BOOTSTRAP}")).unwrap();
    ok(&run(d, &["init", "-migrate-state", "-force-copy"]));

    // The state now lives in the bucket it describes, and the plan sees no change.
    // Read through the backend: the public access block refuses anonymous reads.
    let o = run(d, &["state", "pull"]);
    ok(&o);
    let body = String::from_utf8_lossy(&o.stdout).to_string();
    let remote: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        addresses(&remote),
        [
            "aws_dynamodb_table.locks",
            "aws_s3_bucket.state",
            "aws_s3_bucket_public_access_block.state",
            "aws_s3_bucket_server_side_encryption_configuration.state",
            "aws_s3_bucket_versioning.state",
        ]
    );
    let o = run(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("No changes."), "{}", text(&o));
}

/// Runs killed while they write state to S3: once part way through the creates, once
/// after the last create, while the final state is being uploaded. After each kill the
/// state object is whole JSON (an upload either replaces it or does not); with the dead
/// run's lock removed, the next apply recovers what the journal holds and converges with
/// every instance in state once.
#[tokio::test]
async fn applies_killed_while_writing_s3_state_leave_it_whole() {
    const N: usize = 300;
    let e = env("killwrite").await;
    let config = format!(
        "{}resource \"terraform_data\" \"n\" {{\n  count = {N}\n  input = count.index\n}}\n",
        backend_block(&e)
    );
    let dir = workdir(&[("main.tf", &config)]);
    let d = dir.path();
    ok(&run(d, &["init"]));
    let moto_env = terrane_test_support::moto().env();
    let env: Vec<(&str, &str)> = moto_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (kill, after) in [(0, N / 3), (1, N)] {
        // What the runs so far made, the dead run's journal included (`state list` folds
        // it), so the last kill comes after this run's last create.
        let listed = run(d, &["state", "list"]);
        ok(&listed);
        let done = String::from_utf8_lossy(&listed.stdout).lines().count();
        let k = terrane_test_support::cli::run_killed(
            env!("CARGO_BIN_EXE_terrane"),
            d,
            &["apply", "-auto-approve"],
            &env,
            "Creation complete",
            after - done,
        );
        assert!(k.killed, "kill {kill}: the run ended first:\n{}", k.out);
        if let Some(bytes) = e.get(KEY).await {
            let whole = serde_json::from_slice::<Value>(&bytes);
            assert!(
                whole.is_ok(),
                "kill {kill}: the state object is not whole JSON"
            );
        }
        // The kill after the last create can land after the run released its lock (it
        // had finished writing): then there is no lock to remove.
        if let Some(info) = lock_info(&e).await {
            let id = info["ID"].as_str().unwrap().to_string();
            ok(&run(d, &["force-unlock", "-force", &id]));
        } else {
            assert_eq!(kill, 1, "the run killed part way left no lock");
        }
    }
    ok(&run(d, &["apply", "-auto-approve"]));
    assert_eq!(created(&e).await, N, "every instance in state once");
    let plan = run(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

/// How many `terraform_data.n` instances the S3 state holds.
async fn created(e: &Fixture) -> usize {
    let Some(bytes) = e.get(KEY).await else {
        return 0;
    };
    let state: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["instances"].as_array().map_or(0, Vec::len))
        .sum()
}
