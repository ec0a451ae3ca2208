//! `moved`, `removed`, `import` and `check` blocks at the engine level.

use std::path::Path;
use std::sync::Arc;
use terrane_engine::run::Quiet;

use terrane_engine::plan::{Action, PlanMode};
use terrane_engine::provider::Provider;
use terrane_engine::run::{self, Context, Options, Providers};
use terrane_engine::state::State;
use terrane_provider_builtin::{NullProvider, TerraformProvider};

fn context(dir: &Path, src: &str) -> Context {
    std::fs::write(dir.join("main.tf"), src).unwrap();
    let (module, d) = terrane_engine::config::load_dir(dir);
    assert!(!d.has_errors(), "{d:?}");
    let graph = terrane_engine::graph::build(&module).unwrap();
    let providers: Vec<Arc<dyn Provider>> = vec![
        Arc::new(NullProvider::new()),
        Arc::new(TerraformProvider::new()),
    ];
    Context {
        module: Arc::new(module),
        graph,
        providers: Arc::new(Providers::new(providers)),
        variables: Default::default(),
        options: Options {
            mode: PlanMode::Normal,
            ..Options::default()
        },
    }
}

async fn apply(ctx: &Context, state: &State) -> State {
    let (plan, d) = run::plan(ctx, state).await;
    let (mut s, d2) = run::apply(ctx, &plan.unwrap_or_else(|| panic!("{d:?}")), &Quiet).await;
    assert!(!d2.has_errors(), "{d2:?}");
    s.serial += 1;
    s
}

fn ids(s: &State) -> Vec<(String, String)> {
    s.resources
        .iter()
        .flat_map(|r| {
            r.instances.iter().map(move |i| {
                (
                    r.instance_address(i),
                    i.attributes.to_json()["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn moved_blocks_rename_without_replacing() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(
        dir.path(),
        "resource \"null_resource\" \"old\" {\n  count = 2\n}\n",
    );
    let state = apply(&ctx, &State::new()).await;
    let before: Vec<String> = ids(&state).into_iter().map(|(_, id)| id).collect();

    let src = "resource \"null_resource\" \"new\" {\n  count = 2\n}\nmoved {\n  from = null_resource.old\n  to   = null_resource.new\n}\n";
    let ctx = context(dir.path(), src);
    let (plan, _) = run::plan(&ctx, &state).await;
    let plan = plan.unwrap();
    assert!(
        plan.changes
            .iter()
            .all(|c| c.action == Action::NoOp && c.moved_from.is_some()),
        "{:?}",
        plan.changes
    );
    assert!(
        plan.has_changes(),
        "a move changes state, so the plan is not empty"
    );
    let state = apply(&ctx, &state).await;
    let after = ids(&state);
    assert_eq!(
        after.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["null_resource.new[0]", "null_resource.new[1]"]
    );
    assert_eq!(
        after.into_iter().map(|(_, id)| id).collect::<Vec<_>>(),
        before,
        "same objects, new addresses"
    );
    let (plan, _) = run::plan(&ctx, &state).await;
    assert!(!plan.unwrap().has_changes());
}

#[tokio::test]
async fn removed_with_destroy_false_forgets_and_import_adopts() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(
        dir.path(),
        "resource \"terraform_data\" \"keep\" {\n  input = \"x\"\n}\n",
    );
    let state = apply(&ctx, &State::new()).await;
    let src = r#"
removed {
  from = terraform_data.keep
  lifecycle {
    destroy = false
  }
}
resource "terraform_data" "adopted" {
  input = "y"
}
import {
  to = terraform_data.adopted
  id = "pre-existing"
}
check "always" {
  assert {
    condition     = false
    error_message = "this check fails"
  }
}
"#;
    let ctx = context(dir.path(), src);
    let (plan, diags) = run::plan(&ctx, &state).await;
    let plan = plan.unwrap();
    let forget = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "terraform_data.keep")
        .unwrap();
    assert_eq!(forget.action, Action::Forget);
    let adopted = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "terraform_data.adopted")
        .unwrap();
    assert_eq!(adopted.importing.as_deref(), Some("pre-existing"));
    assert!(
        diags
            .iter()
            .any(|d| d.summary == "Check block assertion failed" && !d.is_error()),
        "{diags:?}"
    );
    let state = apply(&ctx, &state).await;
    assert_eq!(
        ids(&state),
        [(
            "terraform_data.adopted".to_string(),
            "pre-existing".to_string()
        )]
    );
}

#[tokio::test]
async fn preconditions_and_postconditions_stop_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let src = |n: i32| {
        format!(
            r#"
locals {{ n = {n} }}
resource "terraform_data" "a" {{
  input = local.n
  lifecycle {{
    precondition {{
      condition     = local.n < 5
      error_message = "n must be below 5"
    }}
    postcondition {{
      condition     = self.input >= 0
      error_message = "input must not be negative"
    }}
  }}
}}
"#
        )
    };
    let (plan, _) = run::plan(&context(dir.path(), &src(3)), &State::new()).await;
    assert!(plan.is_some());
    let (plan, diags) = run::plan(&context(dir.path(), &src(7)), &State::new()).await;
    assert!(plan.is_none());
    assert!(
        diags.iter().any(|d| d
            .detail
            .as_deref()
            .is_some_and(|x| x.starts_with("n must be below 5"))),
        "{diags:?}"
    );
    let (plan, diags) = run::plan(&context(dir.path(), &src(-1)), &State::new()).await;
    assert!(plan.is_none());
    assert!(
        diags
            .iter()
            .any(|d| d.summary == "Resource postcondition failed"),
        "{diags:?}"
    );
}

#[tokio::test]
async fn replace_triggered_by_replaces_when_the_trigger_changes() {
    let dir = tempfile::tempdir().unwrap();
    let src = |v: &str| {
        format!(
            r#"
resource "terraform_data" "trigger" {{ input = "{v}" }}
resource "null_resource" "follower" {{
  lifecycle {{
    replace_triggered_by = [terraform_data.trigger]
  }}
}}
"#
        )
    };
    let state = apply(&context(dir.path(), &src("1")), &State::new()).await;
    let (plan, _) = run::plan(&context(dir.path(), &src("1")), &state).await;
    assert!(
        !plan.unwrap().has_changes(),
        "no trigger change, no replacement"
    );
    let (plan, _) = run::plan(&context(dir.path(), &src("2")), &state).await;
    let plan = plan.unwrap();
    let f = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "null_resource.follower")
        .unwrap();
    assert_eq!(f.action, Action::DeleteThenCreate);
    assert_eq!(
        f.reason,
        Some(terrane_engine::plan::Reason::ReplaceByTriggers)
    );
}

/// The actions planned for each address whose text starts with `prefix`.
fn actions(plan: &terrane_engine::plan::Plan, prefix: &str) -> Vec<(String, Action)> {
    plan.changes
        .iter()
        .filter(|c| c.addr.to_string().starts_with(prefix))
        .map(|c| (c.addr.to_string(), c.action))
        .collect()
}

#[tokio::test]
async fn replace_triggered_by_an_instance_or_attribute_replaces_only_what_it_names() {
    let dir = tempfile::tempdir().unwrap();
    // `a[1]` changes its input (an update); `a[0]` is replaced by a new trigger but
    // keeps its input.
    let src = |input1: &str, trigger0: &str| {
        format!(
            r#"
resource "terraform_data" "a" {{
  count            = 2
  input            = count.index == 1 ? "{input1}" : "same"
  triggers_replace = count.index == 0 ? "{trigger0}" : "t"
}}
resource "null_resource" "by_instance" {{
  count = 2
  lifecycle {{
    replace_triggered_by = [terraform_data.a[count.index]]
  }}
}}
resource "null_resource" "by_input" {{
  count = 2
  lifecycle {{
    replace_triggered_by = [terraform_data.a[count.index].input]
  }}
}}
"#
        )
    };
    let state = apply(&context(dir.path(), &src("x", "t")), &State::new()).await;
    let (plan, d) = run::plan(&context(dir.path(), &src("y", "t2")), &state).await;
    let plan = plan.unwrap_or_else(|| panic!("{d:?}"));
    use Action::{DeleteThenCreate as Replace, NoOp};
    assert_eq!(
        actions(&plan, "null_resource.by_instance"),
        [
            ("null_resource.by_instance[0]".to_string(), Replace),
            ("null_resource.by_instance[1]".to_string(), Replace),
        ]
    );
    assert_eq!(
        actions(&plan, "null_resource.by_input"),
        [
            ("null_resource.by_input[0]".to_string(), NoOp),
            ("null_resource.by_input[1]".to_string(), Replace),
        ],
        "a[0] is replaced with the same input; a[1]'s input changes"
    );
}

#[tokio::test]
async fn replace_triggered_by_ignores_a_create_of_the_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let src = |n: u32| {
        format!(
            r#"
resource "terraform_data" "a" {{
  count = {n}
  input = "v"
}}
resource "null_resource" "b" {{
  lifecycle {{
    replace_triggered_by = [terraform_data.a]
  }}
}}
"#
        )
    };
    let state = apply(&context(dir.path(), &src(1)), &State::new()).await;
    let (plan, _) = run::plan(&context(dir.path(), &src(2)), &state).await;
    let plan = plan.unwrap();
    assert_eq!(
        actions(&plan, "null_resource.b"),
        [("null_resource.b".to_string(), Action::NoOp)],
        "a new instance of the trigger is a create, which replaces nothing"
    );
}

#[tokio::test]
async fn import_blocks_with_for_each_adopt_one_object_per_element() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("m")).unwrap();
    std::fs::write(
        dir.path().join("m/main.tf"),
        "resource \"terraform_data\" \"inner\" {\n  input = \"in\"\n}\n",
    )
    .unwrap();
    let src = r#"
locals {
  ids = { a = "id-a", b = "id-b" }
}
resource "terraform_data" "t" {
  for_each = local.ids
  input    = each.key
}
import {
  for_each = local.ids
  to       = terraform_data.t[each.key]
  id       = each.value
}
module "m" {
  source   = "./m"
  for_each = toset(["x", "y"])
}
import {
  for_each = ["x", "y"]
  to       = module.m[each.value].terraform_data.inner
  id       = "inner-${each.value}-${each.key}"
}
"#;
    let ctx = context(dir.path(), src);
    let (plan, diags) = run::plan(&ctx, &State::new()).await;
    let plan = plan.unwrap_or_else(|| panic!("{diags:?}"));
    let importing: Vec<(String, Option<&str>, Action)> = plan
        .changes
        .iter()
        .map(|c| (c.addr.to_string(), c.importing.as_deref(), c.action))
        .collect();
    assert_eq!(
        importing,
        [
            (
                "terraform_data.t[\"a\"]".to_string(),
                Some("id-a"),
                Action::Update
            ),
            (
                "terraform_data.t[\"b\"]".to_string(),
                Some("id-b"),
                Action::Update
            ),
            (
                "module.m[\"x\"].terraform_data.inner".to_string(),
                Some("inner-x-0"),
                Action::Update
            ),
            (
                "module.m[\"y\"].terraform_data.inner".to_string(),
                Some("inner-y-1"),
                Action::Update
            ),
        ]
    );
    let state = apply(&ctx, &State::new()).await;
    let mut got = ids(&state);
    got.sort();
    assert_eq!(
        got,
        [
            (
                "module.m[\"x\"].terraform_data.inner".into(),
                "inner-x-0".into()
            ),
            (
                "module.m[\"y\"].terraform_data.inner".into(),
                "inner-y-1".into()
            ),
            ("terraform_data.t[\"a\"]".into(), "id-a".into()),
            ("terraform_data.t[\"b\"]".into(), "id-b".into()),
        ]
    );
    // The import blocks have done their job: nothing more to do.
    let (plan, _) = run::plan(&ctx, &state).await;
    assert!(!plan.unwrap().has_changes());
}

#[tokio::test]
async fn import_for_each_errors_point_at_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let src = r#"
resource "terraform_data" "t" {
  for_each = toset(["a"])
}
import {
  for_each = 3
  to       = terraform_data.t[each.key]
  id       = each.value
}
"#;
    let (plan, diags) = run::plan(&context(dir.path(), src), &State::new()).await;
    assert!(plan.is_none());
    let e = diags
        .iter()
        .find(|d| d.summary == "Invalid for_each argument")
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(e.span.as_ref().unwrap().line_col(), (6, 14));
}
