//! Actions started by `action_trigger`: planned with the change that triggers them,
//! invoked before or after it during apply, in order, and only on the events listed.

use std::sync::{Arc, Mutex};

use super::{assert_order, Fixture};
use crate::plan::PlanMode;
use crate::provider::mock::Call;

const TRIGGERED: &str = r#"
action "mock_thing" "announce" {
  config {
    name = "announce-${var.env}"
  }
}
action "mock_thing" "prepare" {
  config {
    name = "prepare"
  }
}
variable "env" {
  default = "dev"
}
resource "mock_thing" "app" {
  name  = "app"
  input = var.env
  lifecycle {
    action_trigger {
      events  = [before_create]
      actions = [action.mock_thing.prepare]
    }
    action_trigger {
      events    = [after_create, after_update]
      condition = var.env != "off"
      actions   = [action.mock_thing.announce]
    }
  }
}
"#;

#[tokio::test]
async fn triggered_actions_are_planned_then_invoked_around_the_change() {
    let mut f = Fixture::new(TRIGGERED);
    let plan = f.plan(PlanMode::Normal).await;
    let planned: Vec<(&str, &str)> = plan.changes[0]
        .actions
        .iter()
        .map(|a| (a.addr.as_str(), a.event.as_str()))
        .collect();
    assert_eq!(
        planned,
        [
            ("action.mock_thing.prepare", "before_create"),
            ("action.mock_thing.announce", "after_create"),
        ]
    );
    assert_eq!(
        f.mock.calls_of(Call::PlanAction),
        ["prepare", "announce-dev"]
    );

    f.converge(PlanMode::Normal).await;
    assert_order(
        &f.mock.calls(),
        &["invoke prepare", "create app", "invoke announce-dev"],
    );

    // Nothing changes, so nothing is invoked.
    f.converge(PlanMode::Normal).await;
    assert!(
        f.mock.calls_of(Call::Invoke).is_empty(),
        "{:?}",
        f.mock.calls()
    );
}

#[tokio::test]
async fn an_update_starts_only_the_actions_of_update_events_whose_condition_holds() {
    let mut f = Fixture::new(TRIGGERED);
    f.converge(PlanMode::Normal).await;
    f.write(
        "main.tf",
        &TRIGGERED.replace("default = \"dev\"", "default = \"prod\""),
    );
    f.converge(PlanMode::Normal).await;
    assert_eq!(f.mock.calls_of(Call::Invoke), ["announce-prod"]);
    assert_order(&f.mock.calls(), &["update app", "invoke announce-prod"]);

    f.write(
        "main.tf",
        &TRIGGERED.replace("default = \"dev\"", "default = \"off\""),
    );
    f.converge(PlanMode::Normal).await;
    assert!(
        f.mock.calls_of(Call::Invoke).is_empty(),
        "{:?}",
        f.mock.calls()
    );
}

#[tokio::test]
async fn a_failed_before_action_stops_the_change_and_names_the_action() {
    let mut f = Fixture::new(TRIGGERED);
    f.mock.fail("prepare", Call::Invoke, "not ready");
    let diags = f.apply(PlanMode::Normal).await;
    let shown = format!("{diags:?}");
    assert!(shown.contains("not ready"), "{shown}");
    assert!(shown.contains("action.mock_thing.prepare"), "{shown}");
    assert!(
        f.mock.calls_of(Call::Create).is_empty(),
        "{:?}",
        f.mock.calls()
    );
    assert!(f.state.resources.is_empty());
}

#[tokio::test]
async fn invocations_report_start_progress_and_completion() {
    let mut f = Fixture::new(TRIGGERED);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    f.progress = Some(Arc::new(move |l: &str| {
        sink.lock().unwrap().push(l.to_string())
    }));
    f.converge(PlanMode::Normal).await;
    let lines = lines.lock().unwrap().clone();
    let who = "action.mock_thing.announce (triggered by mock_thing.app)";
    for want in [
        format!("Action started: {who}"),
        format!("Action {who}: working on announce-dev"),
        format!("Action complete: {who}"),
    ] {
        assert!(lines.contains(&want), "{want:?} in {lines:?}");
    }
}
