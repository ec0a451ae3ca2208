//! Creates in flight when a run dies: journalled as intents, looked up by the next run,
//! adopted when their object exists and dropped when it does not.

use std::sync::Mutex;
use std::time::Duration;

use super::Fixture;
use crate::plan::{Action, PlanMode};
use crate::provider::mock::Call;
use crate::run::{self, ApplyEvent, ApplyObserver, StateDelta};
use crate::state::journal::{fold, Journal};

/// Journals as the CLI does (intents synced before their create is sent).
struct Journalling(Mutex<Journal>);

impl ApplyObserver for Journalling {
    fn event(&self, _: ApplyEvent<'_>) {}
    fn record(&self, d: StateDelta<'_>) -> std::io::Result<()> {
        let mut j = self.0.lock().expect("lock");
        j.append(&d.journal_entry())?;
        if d.must_sync() {
            j.sync()?;
        }
        Ok(())
    }
}

const CONFIG: &str = r#"
resource "mock_thing" "done" { name = "done" }
resource "mock_thing" "made" { name = "made" }
resource "mock_thing" "never" { name = "never" }
resource "mock_thing" "failed" { name = "failed" }
"#;

#[tokio::test]
async fn a_create_in_flight_is_adopted_when_found_and_dropped_when_not() {
    let mut f = Fixture::new(CONFIG);
    // `made` is created but its answer never comes; `never` is still waiting to be sent
    // when the run dies; `failed` fails (nothing made, so nothing to look for).
    f.mock.hang_after_create("made");
    f.mock.delay("never", Duration::from_secs(3600));
    f.mock
        .fail("failed", Call::Create, "AlreadyExists: someone else's");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.jsonl");
    let ctx = f.context(PlanMode::Normal);
    let (plan, d) = run::plan(&ctx, &f.state).await;
    let plan = plan.unwrap_or_else(|| panic!("{d:?}"));
    let observer = Journalling(Mutex::new(
        Journal::create(&path, &f.state.lineage, f.state.serial).expect("journal"),
    ));
    // The run "dies": the apply is abandoned with two creates in flight.
    let killed = tokio::time::timeout(
        Duration::from_millis(1500),
        run::apply(&ctx, &plan, &observer),
    )
    .await;
    assert!(killed.is_err(), "the apply should still be waiting");
    assert_eq!(f.mock.live(), ["done", "made"]);

    let folded = fold(None, &path).expect("fold").expect("a journal");
    assert_eq!(folded.operations, 1, "only `done` finished");
    let mut pending: Vec<String> = folded
        .pending
        .iter()
        .map(|i| i.resource.name.clone())
        .collect();
    pending.sort();
    assert_eq!(pending, ["made", "never"], "`failed` was settled");

    // The delay holds every call on `never`, lookups included: lift it.
    f.mock.delay("never", Duration::ZERO);
    f.mock.clear_calls();
    let mut state = folded.state;
    let got = run::recover(&ctx, &mut state, &folded.pending)
        .await
        .expect("recovery");
    let mut finds = f.mock.calls_of(Call::Find);
    finds.sort();
    assert_eq!(finds, ["made", "never"]);
    assert_eq!(got.absent.len(), 1);
    assert_eq!(got.adopted.len(), 1);
    assert_eq!(got.adopted[0].0, "mock_thing.made");
    let mut names: Vec<&str> = state.resources.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["done", "made"]);

    // The next run creates only what was never made, and then has nothing to do.
    // `failed` still fails, as it would against the cloud.
    f.state = state;
    let diags = f.apply(PlanMode::Normal).await;
    assert!(diags.has_errors(), "`failed` still fails");
    assert_eq!(f.mock.calls_of(Call::Create), ["never"]);
    let plan = f.plan(PlanMode::Normal).await;
    let creates: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| format!("{:?} {}", c.action, c.addr))
        .collect();
    assert_eq!(creates, ["Create mock_thing.failed"]);
}

#[tokio::test]
async fn recovery_without_pending_creates_asks_nothing() {
    let f = Fixture::new(CONFIG);
    let ctx = f.context(PlanMode::Normal);
    let mut state = f.state.clone();
    let got = run::recover(&ctx, &mut state, &[]).await.expect("nothing");
    assert!(got.adopted.is_empty() && got.absent.is_empty());
    assert!(f.mock.calls().is_empty());
}

#[tokio::test]
async fn a_failed_lookup_keeps_the_question_open() {
    let f = Fixture::new(CONFIG);
    f.mock.hang_after_create("made");
    f.mock.delay("never", Duration::from_secs(3600));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.jsonl");
    let ctx = f.context(PlanMode::Normal);
    let (plan, _) = run::plan(&ctx, &f.state).await;
    let observer = Journalling(Mutex::new(
        Journal::create(&path, &f.state.lineage, f.state.serial).expect("journal"),
    ));
    let _ = tokio::time::timeout(
        Duration::from_millis(1000),
        run::apply(&ctx, &plan.expect("plan"), &observer),
    )
    .await;
    let folded = fold(None, &path).expect("fold").expect("a journal");
    f.mock.delay("never", Duration::ZERO);
    f.mock.fail("made", Call::Find, "Throttling: rate exceeded");
    let mut state = folded.state.clone();
    let err = run::recover(&ctx, &mut state, &folded.pending)
        .await
        .expect_err("a failed lookup is an error");
    assert!(format!("{err:?}").contains("Throttling"), "{err:?}");
}

/// The race a kill test on moto found: the killed run's create request is carried out
/// after the next run looked for its object and found nothing. The create at the same
/// address then fails (the name is taken); the object is the interrupted run's own, so it
/// is adopted, and the plan after is empty. A failed create with nothing in doubt keeps
/// its error: an object that merely shares the name is not ours.
#[tokio::test]
async fn a_create_in_doubt_that_lands_late_is_adopted_when_the_retry_fails() {
    let mut f = Fixture::new(CONFIG);
    f.mock.delay("never", Duration::from_secs(3600));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.jsonl");
    let ctx = f.context(PlanMode::Normal);
    let (plan, _) = run::plan(&ctx, &f.state).await;
    let observer = Journalling(Mutex::new(
        Journal::create(&path, &f.state.lineage, f.state.serial).expect("journal"),
    ));
    let _ = tokio::time::timeout(
        Duration::from_millis(1000),
        run::apply(&ctx, &plan.expect("plan"), &observer),
    )
    .await;
    let folded = fold(None, &path).expect("fold").expect("a journal");
    f.mock.delay("never", Duration::ZERO);
    let mut state = folded.state;
    let got = run::recover(&ctx, &mut state, &folded.pending)
        .await
        .expect("recovery");
    let in_doubt: Vec<&str> = got
        .absent
        .iter()
        .map(|i| i.resource.name.as_str())
        .collect();
    assert_eq!(in_doubt, ["never"]);

    // Now the killed run's request lands, and the name is taken.
    f.mock.appear("never");
    f.mock
        .fail("never", Call::Create, "AlreadyExists: never exists");
    f.state = state;
    f.in_doubt = got.absent;
    let diags = f.apply(PlanMode::Normal).await;
    assert!(!diags.has_errors(), "{diags:?}");
    let warnings: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
    assert!(
        warnings.contains(&"Object of an interrupted create adopted"),
        "{warnings:?}"
    );
    let names: Vec<&str> = f.state.resources.iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"never"), "{names:?}");
    let plan = f.plan(PlanMode::Normal).await;
    let changes: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| format!("{:?} {}", c.action, c.addr))
        .collect();
    assert_eq!(
        changes,
        Vec::<String>::new(),
        "the adopted object converges"
    );

    // Nothing in doubt: the same failure is the create's error.
    let mut g = Fixture::new(r#"resource "mock_thing" "taken" { name = "taken" }"#);
    g.mock.appear("taken");
    g.mock
        .fail("taken", Call::Create, "AlreadyExists: taken exists");
    let diags = g.apply(PlanMode::Normal).await;
    assert!(diags.has_errors(), "an object not ours is not adopted");
    assert!(g.state.resources.is_empty());
}
