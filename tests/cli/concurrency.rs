//! Locking between concurrent runs, and crash safety: SIGKILL and Ctrl-C during apply.
//! Runs are slowed with TERRANE_BUILTIN_APPLY_DELAY_MS so a second process or a signal
//! lands while the first is applying; every wait polls for a condition (no fixed sleeps).
#![cfg(unix)]

use std::collections::BTreeSet;

use crate::harness::Work;
use crate::snap;

const DELAY: &str = "TERRANE_BUILTIN_APPLY_DELAY_MS";

fn counted(n: usize) -> Work {
    Work::main_tf(&format!(
        "resource \"null_resource\" \"n\" {{\n  count = {n}\n}}\n"
    ))
}

/// The ids in every "Creation complete after ... [id=X]" line.
fn created_ids(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter(|l| l.contains("Creation complete"))
        .filter_map(|l| {
            l.rsplit_once("[id=")
                .map(|(_, id)| id.trim_end_matches(']').to_string())
        })
        .collect()
}

#[test]
fn second_run_fails_at_once_while_locked_and_waits_with_lock_timeout() {
    let w = counted(1);
    let first = w.spawn(&["apply", "-auto-approve"], &[(DELAY, "2000")]);
    first.wait_for("the first apply to start creating", |o| {
        o.contains("Creating...")
    });
    let locked = w.run(&["plan"]).code(1);
    assert!(locked.stderr.contains("OperationTypeApply"), "{locked}");
    // The holder is the real user@host even though the runs' environment has no USER or
    // HOSTNAME (Terraform reads both from the system too).
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let who = format!("@{}\n", host.trim());
        assert!(
            locked.stderr.contains(&who) && !locked.stderr.contains("unknown@"),
            "{locked}"
        );
    }
    snap!(w, "lock_held", locked);
    // Another apply fails the same way and changes nothing.
    w.run(&["apply", "-auto-approve"]).code(1);
    // -lock=false does not take the lock, so it can read while the first runs.
    w.run(&["plan", "-lock=false"]).code(0);
    // With -lock-timeout the second run waits for the first to finish, then sees its state.
    let waited = w
        .run(&["apply", "-auto-approve", "-lock-timeout=60s"])
        .code(0);
    assert!(waited.stdout.contains("No changes."), "{waited}");
    let first = first.wait().code(0);
    assert!(
        first.stdout.contains("Apply complete! Resources: 1 added"),
        "{first}"
    );
    assert_eq!(w.state_ids().len(), 1);
    assert!(!w.exists(".terraform.tfstate.lock.info"));
}

/// Five applies started at once on one local state, each adding its own resource: they
/// take turns on the lock (waiting with -lock-timeout, saying who holds it), and the final
/// state holds all five: no run's write was lost to another's.
#[test]
fn five_concurrent_applies_on_local_state_take_turns() {
    const RUNS: usize = 5;
    let w = Work::main_tf(
        &(0..RUNS)
            .map(|i| format!("resource \"terraform_data\" \"r{i}\" {{\n  input = {i}\n}}\n"))
            .collect::<String>(),
    );
    let runs: Vec<_> = (0..RUNS)
        .map(|i| {
            w.spawn(
                &[
                    "apply",
                    "-auto-approve",
                    "-lock-timeout=120s",
                    &format!("-target=terraform_data.r{i}"),
                ],
                &[(DELAY, "1000")],
            )
        })
        .collect();
    let outs: Vec<_> = runs.into_iter().map(|r| r.wait()).collect();
    for o in &outs {
        assert_eq!(o.code, 0, "{o}");
    }
    assert!(
        outs.iter()
            .any(|o| o.stderr.contains("The state is locked by")),
        "runs waited and said for whom"
    );
    assert_eq!(w.state_ids().len(), RUNS, "every run's resource landed");
    assert!(!w.exists(".terraform.tfstate.lock.info"));
}

#[test]
fn sigkill_during_first_apply_loses_nothing() {
    let w = counted(6);
    kill_and_converge(&w, 6);
}

#[test]
fn sigkill_during_later_apply_loses_nothing() {
    let w = counted(2);
    w.run(&["apply", "-auto-approve"]).code(0);
    let kept = w.state_ids();
    w.write(
        "main.tf",
        "resource \"null_resource\" \"n\" {\n  count = 6\n}\n",
    );
    kill_and_converge(&w, 6);
    for (addr, id) in kept {
        assert_eq!(w.id(&addr), id);
    }
}

/// Starts an apply to `n` instances, SIGKILLs it after two creations, then checks that
/// the next plan recovers them and a re-run converges.
fn kill_and_converge(w: &Work, n: usize) {
    let run = w.spawn(
        &["apply", "-auto-approve", "-parallelism=2"],
        &[(DELAY, "300")],
    );
    run.wait_for("two finished creations", |o| {
        o.matches("Creation complete").count() >= 2
    });
    let killed = run.kill();
    let before_kill = created_ids(&killed.stdout);
    assert!(before_kill.len() >= 2 && before_kill.len() < n, "{killed}");

    // Reading state shows the journalled operations too, and says they are not saved yet.
    let listed = w.run(&["state", "list"]).code(0);
    assert!(
        listed.stdout.lines().count() >= before_kill.len()
            && listed.stderr.contains("not saved to state yet")
            && listed.stderr.contains("terrane plan or apply saves them"),
        "{listed}"
    );
    assert!(w.exists(".terraform/terrane/journal-default.jsonl"));

    // The next command folds the journal of finished operations into state.
    let plan = w.run(&["plan"]).code(0);
    assert!(
        plan.stderr.contains("Recovered") && plan.stderr.contains("interrupted run"),
        "{plan}"
    );
    let recovered: BTreeSet<String> = w.state_ids().into_iter().map(|(_, id)| id).collect();
    assert!(
        before_kill.is_subset(&recovered),
        "every creation reported before the kill is in state: {before_kill:?} vs {recovered:?}"
    );

    let apply = w.run(&["apply", "-auto-approve"]).code(0);
    assert!(!apply.stdout.contains("Destroying"), "{apply}");
    let ids = w.state_ids();
    let addrs: Vec<&str> = ids.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        addrs,
        (0..6)
            .map(|i| format!("null_resource.n[{i}]"))
            .collect::<Vec<_>>(),
        "no duplicates, nothing forgotten"
    );
    let now: BTreeSet<String> = ids.into_iter().map(|(_, id)| id).collect();
    assert!(
        before_kill.is_subset(&now),
        "ids created before the kill are kept"
    );
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0);
}

#[test]
fn ctrl_c_finishes_running_operations_and_saves_state() {
    let w = counted(5);
    let run = w.spawn(
        &["apply", "-auto-approve", "-parallelism=1"],
        &[(DELAY, "400")],
    );
    run.wait_for("a finished creation", |o| o.contains("Creation complete"));
    run.signal("INT");
    let out = run.wait().code(1);
    assert!(out.stderr.contains("Interrupt received"), "{out}");
    // Everything that started also finished, and all of it is in state.
    let started = out.stdout.matches(": Creating...").count();
    let finished = created_ids(&out.stdout);
    assert_eq!(started, finished.len(), "{out}");
    assert!(finished.len() < 5, "the run stopped early: {out}");
    let saved: BTreeSet<String> = w.state_ids().into_iter().map(|(_, id)| id).collect();
    assert_eq!(saved, finished);
    assert!(!w.exists(".terraform.tfstate.lock.info"));
    assert!(!w.exists(".terraform/terrane/journal-default.jsonl"));

    w.run(&["apply", "-auto-approve"]).code(0);
    let ids = w.state_ids();
    assert_eq!(ids.len(), 5);
    let now: BTreeSet<String> = ids.into_iter().map(|(_, id)| id).collect();
    assert!(finished.is_subset(&now));
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0);
}

/// The builtin provider at scale: an apply of many null_resources is SIGKILLed at random
/// points (seeded: TERRANE_CRASH_SEED replays), the last one after the last creation, while
/// the state is being written. After every kill the state file and its backup are whole
/// JSON; at the end one more apply converges with every instance in state exactly once,
/// every ID reported before a kill kept, and an empty plan. 2,000 instances and 5 kills by
/// default; TERRANE_CRASH_LARGE=1 (scripts/reliability) makes it 10,000 and 20.
#[test]
fn many_instances_killed_at_random_points_converge_with_nothing_lost() {
    let large = std::env::var_os("TERRANE_CRASH_LARGE").is_some();
    let (n, kills) = if large { (10_000, 20) } else { (2_000, 5) };
    let seed = terrane_test_support::cli::Rng::seed_from_env("TERRANE_CRASH_SEED");
    println!("seed {seed} (TERRANE_CRASH_SEED={seed} replays this run)");
    let mut rng = terrane_test_support::cli::Rng::new(seed);
    let w = counted(n);
    let mut reported = BTreeSet::new();
    for k in 0..kills {
        // What the runs so far made, their journals included (`state list` folds them).
        let done = w.run(&["state", "list"]).code(0).stdout.lines().count();
        let remaining = n - done;
        // The last kill lands after the last creation, while the state is being written;
        // the others part way through what is left.
        let after = if k + 1 == kills {
            remaining
        } else {
            rng.between(1, (remaining / 2).max(1))
        };
        let run = w.spawn(
            &["apply", "-auto-approve", "-parallelism=10"],
            &[(DELAY, "1")],
        );
        run.wait_for("the chosen number of creations", |o| {
            o.matches("Creation complete").count() >= after || o.contains("Apply complete")
        });
        let killed = run.kill();
        let ids = created_ids(&killed.stdout);
        println!(
            "kill {k}: after {after} of {remaining} creations: {} reported",
            ids.len()
        );
        reported.extend(ids);
        for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
            if w.exists(file) {
                let text = std::fs::read_to_string(w.path().join(file)).unwrap();
                assert!(
                    serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                    "{file} is half-written after kill {k} (seed {seed})"
                );
            }
        }
    }
    w.run(&["apply", "-auto-approve", "-parallelism=10"])
        .code(0);
    let ids = w.state_ids();
    let addrs: BTreeSet<&str> = ids.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(addrs.len(), n, "every instance once (seed {seed})");
    assert_eq!(ids.len(), n, "no duplicates (seed {seed})");
    let now: BTreeSet<String> = ids.into_iter().map(|(_, id)| id).collect();
    let lost: Vec<&String> = reported.difference(&now).collect();
    assert!(
        lost.is_empty(),
        "IDs reported before a kill but lost: {lost:?} (seed {seed})"
    );
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0);
}
