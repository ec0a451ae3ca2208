//! Engine behaviour on the builtin providers: ordering of operations, replacement
//! strategies, convergence, and partial failure. Runs the engine directly (no CLI).

use std::path::Path;
use std::sync::{Arc, Mutex};

use terrane_engine::diag::Diagnostics;
use terrane_engine::plan::{Action, Plan, PlanMode};
use terrane_engine::provider::mock::{Call, MockProvider};
use terrane_engine::provider::*;
use terrane_engine::run::{
    self, ApplyEvent, ApplyObserver, Context, Options, Providers, StateDelta,
};
use terrane_engine::state::State;
use terrane_provider_builtin::{NullProvider, TerraformProvider};

/// Records the order of finished operations as "create a", "delete b".
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<String>>,
    records: Mutex<usize>,
}

impl ApplyObserver for Recorder {
    fn event(&self, e: ApplyEvent<'_>) {
        if let ApplyEvent::Done { addr, action, .. } = e {
            let verb = match action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Delete => "delete",
                _ => "other",
            };
            self.events.lock().unwrap().push(format!("{verb} {addr}"));
        }
    }
    fn record(&self, _d: StateDelta<'_>) -> std::io::Result<()> {
        *self.records.lock().unwrap() += 1;
        Ok(())
    }
}

/// The engine's mock provider, whose object named "bad" fails to create.
fn failing_mock() -> MockProvider {
    let mock = MockProvider::new();
    mock.fail(
        "bad",
        Call::Create,
        "InvalidParameterValue: the thing cannot be made",
    );
    mock
}

fn context(dir: &Path, src: &str, mode: PlanMode) -> Context {
    std::fs::write(dir.join("main.tf"), src).unwrap();
    let (module, diags) = terrane_engine::config::load_dir(dir);
    assert!(!diags.has_errors(), "{diags:?}");
    let graph = terrane_engine::graph::build(&module).unwrap();
    let providers: Vec<Arc<dyn Provider>> = vec![
        Arc::new(NullProvider::new()),
        Arc::new(TerraformProvider::new()),
        Arc::new(failing_mock()),
    ];
    let variables = run::vars::resolve(&module, &[], &[], dir).unwrap();
    Context {
        module: Arc::new(module),
        graph,
        providers: Arc::new(Providers::new(providers)),
        variables,
        options: Options {
            mode,
            ..Options::default()
        },
    }
}

async fn plan(dir: &Path, src: &str, state: &State, mode: PlanMode) -> (Context, Plan) {
    let ctx = context(dir, src, mode);
    let (plan, diags) = run::plan(&ctx, state).await;
    (
        ctx,
        plan.unwrap_or_else(|| panic!("plan failed: {diags:?}")),
    )
}

async fn apply(
    dir: &Path,
    src: &str,
    state: &State,
    mode: PlanMode,
) -> (State, Vec<String>, Diagnostics) {
    let (ctx, plan) = plan(dir, src, state, mode).await;
    let rec = Recorder::default();
    let (mut new, diags) = run::apply(&ctx, &plan, &rec).await;
    new.serial += 1;
    let events = rec.events.into_inner().unwrap();
    (new, events, diags)
}

fn pos(events: &[String], e: &str) -> usize {
    events
        .iter()
        .position(|x| x == e)
        .unwrap_or_else(|| panic!("{e} not in {events:?}"))
}

const CHAIN: &str = r#"
resource "terraform_data" "a" { input = "a" }
resource "terraform_data" "b" { input = terraform_data.a.output }
resource "terraform_data" "c" { input = terraform_data.b.output }
"#;

#[tokio::test]
async fn creates_in_dependency_order_and_destroys_in_reverse() {
    let dir = tempfile::tempdir().unwrap();
    let (state, events, diags) = apply(dir.path(), CHAIN, &State::new(), PlanMode::Normal).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert!(pos(&events, "create terraform_data.a") < pos(&events, "create terraform_data.b"));
    assert!(pos(&events, "create terraform_data.b") < pos(&events, "create terraform_data.c"));
    // Values flowed through: c's input is a's output.
    let c = state.resources.iter().find(|r| r.name == "c").unwrap();
    assert_eq!(
        c.instances[0].attributes.to_json()["input"],
        serde_json::json!({"value": "a", "type": "string"})
    );
    assert_eq!(
        c.instances[0].dependencies,
        ["terraform_data.b"],
        "only direct dependencies are stored"
    );

    let (state, events, _) = apply(dir.path(), CHAIN, &state, PlanMode::Destroy).await;
    assert!(state.resources.is_empty());
    assert!(pos(&events, "delete terraform_data.c") < pos(&events, "delete terraform_data.b"));
    assert!(pos(&events, "delete terraform_data.b") < pos(&events, "delete terraform_data.a"));
}

#[tokio::test]
async fn apply_converges_to_a_no_op_plan() {
    let dir = tempfile::tempdir().unwrap();
    let src = r#"
variable "n" { default = 3 }
resource "null_resource" "n" {
  count    = var.n
  triggers = { i = count.index, up = upper("x${count.index}") }
}
resource "terraform_data" "m" {
  for_each = { for i, r in null_resource.n : "k${i}" => r.id }
  input    = { id = each.value, key = each.key, list = [1, "two", true] }
}
"#;
    let (state, _, diags) = apply(dir.path(), src, &State::new(), PlanMode::Normal).await;
    assert!(diags.is_empty(), "{diags:?}");
    let (_, again) = plan(dir.path(), src, &state, PlanMode::Normal).await;
    let changing: Vec<_> = again
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| c.addr.to_string())
        .collect();
    assert!(changing.is_empty(), "perpetual diff: {changing:?}");
    // The state round-trips through JSON without changing the plan either.
    let reread = State::from_bytes(&state.to_bytes()).unwrap();
    let (_, again) = plan(dir.path(), src, &reread, PlanMode::Normal).await;
    assert!(!again.has_changes());
}

#[tokio::test]
async fn trigger_change_replaces_destroy_first_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = r#"resource "null_resource" "a" { triggers = { v = "1" } }"#;
    let v2 = r#"resource "null_resource" "a" { triggers = { v = "2" } }"#;
    let (state, _, _) = apply(dir.path(), v1, &State::new(), PlanMode::Normal).await;
    let old_id = state.resources[0].instances[0].attributes.to_json()["id"].clone();
    let (_, p) = plan(dir.path(), v2, &state, PlanMode::Normal).await;
    assert_eq!(p.changes[0].action, Action::DeleteThenCreate);
    let (state, events, _) = apply(dir.path(), v2, &state, PlanMode::Normal).await;
    assert!(pos(&events, "delete null_resource.a") < pos(&events, "create null_resource.a"));
    assert_ne!(
        state.resources[0].instances[0].attributes.to_json()["id"],
        old_id
    );
}

#[tokio::test]
async fn create_before_destroy_creates_first_and_updates_dependents_in_between() {
    let dir = tempfile::tempdir().unwrap();
    let src = |v: &str| {
        format!(
            r#"
resource "terraform_data" "a" {{
  triggers_replace = "{v}"
  lifecycle {{ create_before_destroy = true }}
}}
resource "terraform_data" "user" {{ input = terraform_data.a.id }}
"#
        )
    };
    let (state, _, _) = apply(dir.path(), &src("1"), &State::new(), PlanMode::Normal).await;
    let (state, events, diags) = apply(dir.path(), &src("2"), &state, PlanMode::Normal).await;
    assert!(diags.is_empty(), "{diags:?}");
    let create = pos(&events, "create terraform_data.a");
    let update = pos(&events, "update terraform_data.user");
    let delete = pos(&events, "delete terraform_data.a");
    assert!(create < update && update < delete, "{events:?}");
    assert!(state
        .resources
        .iter()
        .all(|r| r.instances.iter().all(|i| i.deposed.is_none())));
}

#[tokio::test]
async fn a_failed_resource_stops_its_dependents_but_keeps_what_succeeded() {
    let dir = tempfile::tempdir().unwrap();
    let src = r#"
resource "terraform_data" "ok" { input = "fine" }
resource "mock_thing" "bad" { name = "bad" }
resource "terraform_data" "after_bad" { input = mock_thing.bad.id }
"#;
    let (state, events, diags) = apply(dir.path(), src, &State::new(), PlanMode::Normal).await;
    assert!(diags.has_errors());
    let msg = format!("{:?}", diags);
    assert!(
        msg.contains("InvalidParameterValue") && msg.contains("mock_thing.bad"),
        "{msg}"
    );
    assert!(events.contains(&"create terraform_data.ok".to_string()));
    assert!(!events.iter().any(|e| e.contains("after_bad")));
    let names: Vec<&str> = state.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["ok"]);
}

#[tokio::test]
async fn prevent_destroy_refuses_a_plan_that_destroys() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = r#"resource "null_resource" "a" {
  triggers = { v = "1" }
  lifecycle { prevent_destroy = true }
}"#;
    let (state, _, _) = apply(dir.path(), v1, &State::new(), PlanMode::Normal).await;
    let ctx = context(dir.path(), &v1.replace("\"1\"", "\"2\""), PlanMode::Normal);
    let (p, diags) = run::plan(&ctx, &state).await;
    assert!(p.is_none());
    assert_eq!(diags.0[0].summary, "Instance cannot be destroyed");
    assert!(diags.0[0].span.is_some());
}

#[tokio::test]
async fn ignore_changes_keeps_the_prior_value() {
    let dir = tempfile::tempdir().unwrap();
    let src = |v: &str| {
        format!("resource \"terraform_data\" \"a\" {{\n  input = \"{v}\"\n  lifecycle {{ ignore_changes = [input] }}\n}}\n")
    };
    let (state, _, _) = apply(dir.path(), &src("1"), &State::new(), PlanMode::Normal).await;
    let (_, p) = plan(dir.path(), &src("2"), &state, PlanMode::Normal).await;
    assert!(!p.has_changes());
}

#[tokio::test]
async fn shrinking_count_deletes_the_extra_instances_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let src = |n: u32| format!("resource \"null_resource\" \"n\" {{ count = {n} }}\n");
    let (state, _, _) = apply(dir.path(), &src(3), &State::new(), PlanMode::Normal).await;
    let (_, p) = plan(dir.path(), &src(1), &state, PlanMode::Normal).await;
    let deletes: Vec<String> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.addr.to_string())
        .collect();
    assert_eq!(deletes, ["null_resource.n[1]", "null_resource.n[2]"]);
    assert!(p.changes.iter().all(|c| c.action != Action::Delete
        || c.reason == Some(terrane_engine::plan::Reason::DeleteCountIndex)));
}

#[tokio::test]
async fn aliased_provider_blocks_get_their_own_instance_and_state_address() {
    let dir = tempfile::tempdir().unwrap();
    let src = r#"
provider "terraform" { alias = "two" }
resource "terraform_data" "default" { input = 1 }
resource "terraform_data" "aliased" {
  provider = terraform.two
  input    = 2
}
"#;
    let mut ctx = context(dir.path(), src, PlanMode::Normal);
    let factories: Vec<run::ProviderFactory> = vec![Arc::new(|| {
        Arc::new(TerraformProvider::new()) as Arc<dyn Provider>
    })];
    ctx.providers = Arc::new(Providers::for_module(&factories, &ctx.module));
    let (plan, diags) = run::plan(&ctx, &State::new()).await;
    let plan = plan.unwrap_or_else(|| panic!("{diags:?}"));
    let (state, diags) = run::apply(&ctx, &plan, &Recorder::default()).await;
    assert!(diags.is_empty(), "{diags:?}");
    let provider_of = |name: &str| {
        state
            .resources
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .provider
            .clone()
    };
    assert_eq!(
        provider_of("default"),
        "provider[\"terraform.io/builtin/terraform\"]"
    );
    assert_eq!(
        provider_of("aliased"),
        "provider[\"terraform.io/builtin/terraform\"].two"
    );
    // The aliased instance is found again from state on the next plan.
    let (again, diags) = run::plan(&ctx, &state).await;
    assert!(!again.unwrap_or_else(|| panic!("{diags:?}")).has_changes());
}
