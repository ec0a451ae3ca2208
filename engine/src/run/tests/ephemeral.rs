//! Ephemeral resources: opened when a plan or apply reaches them, handed to what reads
//! them (write-only arguments here), closed when the run ends, and never in state.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{assert_order, Fixture};
use crate::lang::Value;
use crate::plan::{Action, PlanMode};
use crate::provider::mock::Call;

/// A credential opened for one run and passed to a write-only argument.
const CREDENTIAL: &str = r#"
ephemeral "mock_thing" "cred" { name = "cred" }
resource "mock_thing" "app" {
  name     = "app"
  token_wo = ephemeral.mock_thing.cred.secret
}
"#;

#[tokio::test]
async fn an_ephemeral_resource_is_opened_and_closed_by_plan_and_apply_and_never_stored() {
    let mut f = Fixture::new(CREDENTIAL);
    let plan = f.plan(PlanMode::Normal).await;
    assert_eq!(f.mock.calls(), ["open cred", "close cred"]);
    // The plan has a change for the managed object only.
    let changes: Vec<String> = plan.changes.iter().map(|c| c.addr.to_string()).collect();
    assert_eq!(changes, ["mock_thing.app"]);

    f.converge(PlanMode::Normal).await;
    assert_order(&f.mock.calls(), &["open cred", "create app", "close cred"]);
    assert_eq!(f.mock.token_of("app"), Some(Value::string("secret-cred")));
    let state = serde_json::to_string(&f.state).expect("state as JSON");
    assert!(!state.contains("secret-cred"), "{state}");
    // No entry of its own; like Terraform, dependents still name it in `dependencies`.
    assert!(!state.contains("\"mode\":\"ephemeral\""), "{state}");
    assert_eq!(f.state.resources.len(), 1);

    let plan = f.plan(PlanMode::Normal).await;
    assert!(
        plan.changes.iter().all(|c| c.action == Action::NoOp),
        "{:?}",
        plan.changes
    );
}

/// An ephemeral resource whose configuration reads an object not created yet is not
/// opened by the plan (its result is unknown there) but by the apply, after that object.
#[tokio::test]
async fn an_ephemeral_resource_waiting_for_a_new_object_opens_during_apply_after_it() {
    let mut f = Fixture::new(
        r#"
resource "mock_thing" "db" { name = "db" }
ephemeral "mock_thing" "cred" { name = "cred-${mock_thing.db.id}" }
resource "mock_thing" "app" {
  name     = "app"
  token_wo = ephemeral.mock_thing.cred.secret
}
"#,
    );
    f.plan(PlanMode::Normal).await;
    assert!(
        f.mock.calls_of(Call::Open).is_empty(),
        "{:?}",
        f.mock.calls()
    );
    f.converge(PlanMode::Normal).await;
    let cred = "cred-db-1";
    assert_order(
        &f.mock.calls(),
        &[
            "create db",
            &format!("open {cred}"),
            "create app",
            &format!("close {cred}"),
        ],
    );
    assert_eq!(
        f.mock.token_of("app"),
        Some(Value::string(format!("secret-{cred}")))
    );
}

#[tokio::test]
async fn every_instance_of_a_counted_ephemeral_resource_is_opened_and_closed() {
    let mut f = Fixture::new(
        r#"
ephemeral "mock_thing" "cred" {
  count = 2
  name  = "cred${count.index}"
}
resource "mock_thing" "app" {
  count    = 2
  name     = "app${count.index}"
  token_wo = ephemeral.mock_thing.cred[count.index].secret
}
"#,
    );
    f.converge(PlanMode::Normal).await;
    let mut opened = f.mock.calls_of(Call::Open);
    opened.sort();
    let mut closed = f.mock.calls_of(Call::Close);
    closed.sort();
    assert_eq!(opened, ["cred0", "cred1"]);
    assert_eq!(closed, ["cred0", "cred1"]);
    assert_eq!(f.mock.token_of("app1"), Some(Value::string("secret-cred1")));
}

#[tokio::test]
async fn a_failed_open_fails_the_plan_naming_the_ephemeral_resource() {
    let f = Fixture::new(CREDENTIAL);
    f.mock.fail("cred", Call::Open, "vault sealed");
    let (plan, diags) = crate::run::plan(&f.context(PlanMode::Normal), &f.state).await;
    assert!(plan.is_none());
    let shown = format!("{diags:?}");
    assert!(shown.contains("vault sealed"), "{shown}");
    assert!(shown.contains("ephemeral.mock_thing.cred"), "{shown}");
}

#[tokio::test]
async fn an_ephemeral_resource_is_renewed_while_the_run_lasts() {
    let mut f = Fixture::new(CREDENTIAL);
    f.mock.renew_after("cred", Duration::from_millis(10));
    // The create outlasts several renewal periods.
    f.mock.delay("app", Duration::from_millis(100));
    f.converge(PlanMode::Normal).await;
    let calls = f.mock.calls();
    assert!(
        f.mock.calls_of(Call::Renew).iter().all(|n| n == "cred")
            && calls.contains(&"renew cred".to_string()),
        "{calls:?}"
    );
    // Nothing renews after the close.
    let closed_at = calls
        .iter()
        .position(|c| c == "close cred")
        .expect("closed");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let later = f.mock.calls();
    assert_eq!(later.len(), calls.len(), "{later:?}");
    assert_eq!(closed_at, calls.len() - 1);
}

#[tokio::test]
async fn an_ephemeral_value_in_an_argument_that_state_keeps_is_refused() {
    let f = Fixture::new(
        r#"
ephemeral "mock_thing" "cred" { name = "cred" }
resource "mock_thing" "app" {
  name  = "app"
  input = ephemeral.mock_thing.cred.secret
}
"#,
    );
    let ctx = f.context(PlanMode::Normal);
    let diags = crate::run::validate(&ctx.module, &ctx.providers);
    let shown = format!("{diags:?}");
    assert!(shown.contains("Invalid use of ephemeral value"), "{shown}");
    assert!(shown.contains("not valid for \\\"input\\\""), "{shown}");
}

/// An open that takes long reports that it is still going each interval, then its end;
/// nothing more once it is done.
#[tokio::test]
async fn a_slow_open_reports_that_it_is_still_opening() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut f = Fixture::new(CREDENTIAL);
    let seen = lines.clone();
    f.progress = Some(Arc::new(move |l: &str| {
        seen.lock().unwrap().push(l.to_string())
    }));
    f.mock.delay("cred", Duration::from_millis(300));
    let mut ctx = f.context(PlanMode::Normal);
    ctx.options.progress_interval = Duration::from_millis(50);
    let (plan, diags) = crate::run::plan(&ctx, &f.state).await;
    assert!(plan.is_some(), "{diags:?}");
    let lines = lines.lock().unwrap().clone();
    let opened = lines
        .iter()
        .position(|l| l.starts_with("ephemeral.mock_thing.cred: Opening complete after "))
        .unwrap_or_else(|| panic!("{lines:?}"));
    let still: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("ephemeral.mock_thing.cred: Still opening... ["))
        .collect();
    assert!(!still.is_empty(), "{lines:?}");
    assert!(still.iter().all(|l| l.ends_with("s elapsed]")), "{lines:?}");
    let last_still = lines
        .iter()
        .rposition(|l| l.contains("Still opening"))
        .unwrap();
    assert!(last_still < opened, "{lines:?}");
}
