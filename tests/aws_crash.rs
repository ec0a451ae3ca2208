//! Crash safety end to end (issue #17): `terrane apply` SIGKILLed at random points while
//! creates are in flight against moto, then run again. Nothing may be orphaned or
//! duplicated: every log group and role moto holds is in state exactly once, the apply
//! after the kills succeeds, the plan after it is empty, and destroy leaves nothing.
//! Secrets too: every file a killed run leaves (journal, logs) and everything it printed is
//! scanned for the secrets it was setting; only the state file may hold them.
//!
//! The default run is short (200 log groups, 40 roles, 20 secrets, 3 kills). Set
//! `TERRANE_CRASH_LARGE=1` for 300 log groups, 100 roles, 50 secrets and 20 kills, and
//! `TERRANE_CRASH_SEED=N` to replay a run (the seed is printed).

use std::collections::BTreeMap;
use std::path::Path;

use terrane_test_support::cli::{self, Out, Rng};

const BIN: &str = env!("CARGO_BIN_EXE_terrane");

struct Scale {
    groups: usize,
    roles: usize,
    secrets: usize,
    kills: usize,
}

/// The value every secret's string starts with, set through a sensitive variable.
const SECRET: &str = "crash-test-s3cret-91d2";

fn scale() -> Scale {
    if std::env::var_os("TERRANE_CRASH_LARGE").is_some() {
        Scale {
            groups: 300,
            roles: 100,
            secrets: 50,
            kills: 20,
        }
    } else {
        Scale {
            groups: 200,
            roles: 40,
            secrets: 20,
            kills: 3,
        }
    }
}

fn config(prefix: &str, s: &Scale) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_cloudwatch_log_group" "g" {{
  count = {groups}
  name  = "{prefix}-g-${{count.index}}"
}}

resource "aws_iam_role" "r" {{
  count = {roles}
  name  = "{prefix}-r-${{count.index}}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "ecs-tasks.amazonaws.com" }} }}]
  }})
}}

variable "secret" {{
  type      = string
  sensitive = true
}}

resource "aws_secretsmanager_secret" "s" {{
  count                   = {secrets}
  name                    = "{prefix}-s-${{count.index}}"
  recovery_window_in_days = 0
}}

resource "aws_secretsmanager_secret_version" "s" {{
  count         = {secrets}
  secret_id     = aws_secretsmanager_secret.s[count.index].id
  secret_string = "${{var.secret}}-${{count.index}}"
}}
"#,
        groups = s.groups,
        roles = s.roles,
        secrets = s.secrets,
    )
}

fn count(text: &str, needle: &str) -> usize {
    text.lines().filter(|l| l.contains(needle)).count()
}

/// The types whose objects are counted: everything the run makes that has a name.
const NAMED: [&str; 3] = [
    "aws_cloudwatch_log_group",
    "aws_iam_role",
    "aws_secretsmanager_secret",
];

/// `(type, name)` of every instance of a [`NAMED`] type in the state file, with how often
/// it occurs.
fn state_names(dir: &Path) -> BTreeMap<(String, String), usize> {
    let text = std::fs::read_to_string(dir.join("terraform.tfstate")).expect("state file");
    let state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
    let mut out = BTreeMap::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        let ty = r["type"].as_str().unwrap_or_default().to_string();
        if !NAMED.contains(&ty.as_str()) {
            continue;
        }
        for i in r["instances"].as_array().into_iter().flatten() {
            let name = i["attributes"]["name"].as_str().unwrap_or_default();
            *out.entry((ty.clone(), name.to_string())).or_insert(0) += 1;
        }
    }
    out
}

/// The names of the log groups, roles and secrets in moto that start with `prefix`.
async fn cloud_names(prefix: &str) -> Vec<(String, String)> {
    terrane_test_support::moto().export_env();
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    let iam = aws_sdk_iam::Client::new(&conf);
    let mut out = Vec::new();
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix(prefix)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("DescribeLogGroups");
    for g in groups {
        out.push((
            "aws_cloudwatch_log_group".to_string(),
            g.log_group_name().unwrap_or_default().to_string(),
        ));
    }
    let roles = iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("ListRoles");
    for r in roles.iter().filter(|r| r.role_name().starts_with(prefix)) {
        out.push(("aws_iam_role".to_string(), r.role_name().to_string()));
    }
    let pages = aws_sdk_secretsmanager::Client::new(&conf)
        .list_secrets()
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("ListSecrets");
    for name in pages
        .iter()
        .flat_map(|p| p.secret_list())
        .filter_map(|s| s.name())
    {
        if name.starts_with(prefix) {
            out.push(("aws_secretsmanager_secret".to_string(), name.to_string()));
        }
    }
    out.sort();
    out
}

/// From a run's stderr: how many creates were in flight when the run before it was
/// killed, and how many of their objects recovery found and adopted.
fn recovered(o: &Out) -> (usize, usize) {
    let Some(line) = o.stderr.lines().find(|l| l.contains("were in flight")) else {
        return (0, 0);
    };
    let num = |s: &str| s.trim().parse::<usize>().unwrap_or(0);
    let flying = num(line.split(" create(s)").next().unwrap_or_default());
    let found = line.split(": ").nth(1).map_or(0, |rest| {
        num(rest.split(" found").next().unwrap_or_default())
    });
    (flying, found)
}

/// After a killed run: nothing it printed holds a secret, and of the files it left only
/// the state (and its backup) does. The journal keeps sensitive values out.
fn assert_secret_only_in_state(dir: &Path, killed: &Out) {
    assert!(
        !killed.all().contains(SECRET),
        "a killed run printed a secret:\n{killed}"
    );
    let holders = cli::files_holding(dir, SECRET);
    let others: Vec<&String> = holders
        .iter()
        .filter(|h| !matches!(h.as_str(), "terraform.tfstate" | "terraform.tfstate.backup"))
        .collect();
    assert!(
        others.is_empty(),
        "files holding a secret after a kill: {holders:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_and_destroy_killed_at_random_points_leave_no_orphans() {
    let s = scale();
    let seed = Rng::seed_from_env("TERRANE_CRASH_SEED");
    println!("seed {seed} (TERRANE_CRASH_SEED={seed} replays this run)");
    let mut rng = Rng::new(seed);
    let prefix = format!("tt-crash-{}", seed % 1_000_000_007);
    let dir = tempfile::Builder::new()
        .prefix("terrane-crash-")
        .tempdir()
        .expect("tempdir");
    std::fs::write(dir.path().join("main.tf"), config(&prefix, &s)).expect("main.tf");
    let env_owned = terrane_test_support::moto().env();
    let log = dir.path().join("terrane.log").display().to_string();
    let mut env: Vec<(&str, &str)> = env_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([
        ("TF_VAR_secret", SECRET),
        ("TF_LOG", "trace"),
        ("TF_LOG_PATH", log.as_str()),
    ]);
    let run = |args: &[&str]| cli::run(BIN, dir.path(), args, &env);
    run(&["init"]).code(0);

    let total = s.groups + s.roles + 2 * s.secrets;
    let mut kills = 0;
    for point in 0..s.kills {
        // Kill after the n-th "Creating..." of this run: a point at which creates are
        // in flight (terrane runs -parallelism=10 at once).
        let n = rng.between(1, (total / s.kills).max(2));
        let k = cli::run_killed(
            BIN,
            dir.path(),
            &["apply", "-auto-approve"],
            &env,
            "Creating...",
            n,
        );
        // This run first recovered what the previous kill left in flight.
        if point > 0 {
            let (flying, found) = recovered(&k.out);
            println!("  recovery of kill {}: {flying} create(s) were in flight, {found} found and adopted", point - 1);
        }
        let started = count(&k.out.stdout, ": Creating...");
        let done = count(&k.out.stdout, ": Creation complete");
        println!(
            "kill {point}: after Creating #{n}: killed={} creates started={started} finished={done} in flight={}",
            k.killed,
            started - done
        );
        if !k.killed {
            assert_eq!(
                k.out.code, 0,
                "a run that was not killed must succeed:\n{}",
                k.out
            );
            break;
        }
        kills += 1;
        assert_secret_only_in_state(dir.path(), &k.out);
        // No pause before the next run: requests the killed process had already sent may
        // still be queued at moto and land after the next run looked their objects up.
        // Those creates stay in doubt and are adopted when the retried create fails.
    }
    assert!(kills > 0, "no run was killed; seed {seed}");

    let finish = run(&["apply", "-auto-approve"]);
    let (flying, found) = recovered(&finish);
    println!(
        "recovery of the last kill: {flying} create(s) were in flight, {found} found and adopted"
    );
    let finish = finish.code(0);
    assert!(
        !finish.all().contains("AlreadyExists"),
        "an object was orphaned and created twice:\n{finish}"
    );

    // Every object in moto is in state, exactly once, and state holds nothing else.
    let cloud = cloud_names(&prefix).await;
    assert_eq!(cloud.len(), s.groups + s.roles + s.secrets, "seed {seed}");
    let in_state = state_names(dir.path());
    let dupes: Vec<_> = in_state.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "recorded twice: {dupes:?}; seed {seed}");
    let recorded: Vec<(String, String)> = in_state.into_keys().collect();
    assert_eq!(recorded, cloud, "state and moto differ; seed {seed}");

    run(&["plan", "-detailed-exitcode"]).code(0);
    // A destroy killed part way: deletes in flight are in state with their old values;
    // the next destroy reads them as gone or deletes them, and nothing is left.
    let n = rng.between(1, total / 2);
    let k = cli::run_killed(
        BIN,
        dir.path(),
        &["destroy", "-auto-approve"],
        &env,
        "Destroying...",
        n,
    );
    println!(
        "destroy killed={} after Destroying #{n}: {} destroyed",
        k.killed,
        count(&k.out.stdout, "Destruction complete")
    );
    run(&["destroy", "-auto-approve"]).code(0);
    assert!(
        cloud_names(&prefix).await.is_empty(),
        "destroy left objects behind; seed {seed}"
    );
    assert!(
        state_names(dir.path()).is_empty(),
        "state is empty after destroy; seed {seed}"
    );
}

/// A run killed right after it set a secret (the random points of the test above may all
/// come before one): the journal it leaves holds no secret, the next apply converges,
/// and the secrets it set are in state.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_after_setting_a_secret_leaves_it_only_in_state() {
    let s = Scale {
        groups: 0,
        roles: 0,
        secrets: 10,
        kills: 1,
    };
    let dir = tempfile::Builder::new()
        .prefix("terrane-crash-secret-")
        .tempdir()
        .expect("tempdir");
    let prefix = "tt-crash-secret";
    std::fs::write(dir.path().join("main.tf"), config(prefix, &s)).expect("main.tf");
    let env_owned = terrane_test_support::moto().env();
    let log = dir.path().join("terrane.log").display().to_string();
    let mut env: Vec<(&str, &str)> = env_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([
        ("TF_VAR_secret", SECRET),
        ("TF_LOG", "trace"),
        ("TF_LOG_PATH", log.as_str()),
    ]);
    let run = |args: &[&str]| cli::run(BIN, dir.path(), args, &env);
    run(&["init"]).code(0);
    let k = cli::run_killed_when(
        BIN,
        dir.path(),
        &["apply", "-auto-approve"],
        &env,
        |l| l.contains("aws_secretsmanager_secret_version.s[") && l.contains("Creation complete"),
        1,
    );
    assert!(
        k.killed,
        "the apply finished before a secret was set:\n{}",
        k.out
    );
    let journal =
        std::fs::read_to_string(dir.path().join(".terraform/terrane/journal-default.jsonl"))
            .expect("the killed run left its journal");
    assert!(
        journal.contains(r#""redacted":["secret_string"]"#),
        "the journal records a secret version without its value:\n{journal}"
    );
    assert_secret_only_in_state(dir.path(), &k.out);
    let finish = run(&["apply", "-auto-approve"]).code(0);
    assert_secret_only_in_state(dir.path(), &finish);
    run(&["plan", "-detailed-exitcode"]).code(0);
    let state = std::fs::read_to_string(dir.path().join("terraform.tfstate")).expect("state");
    for i in 0..s.secrets {
        assert!(
            state.contains(&format!("{SECRET}-{i}\"")),
            "secret {i} is in state"
        );
    }
    run(&["destroy", "-auto-approve"]).code(0);
    assert!(cloud_names(prefix).await.is_empty(), "destroy left secrets");
}
