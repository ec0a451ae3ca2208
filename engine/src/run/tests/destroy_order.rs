//! Every destroy waits for the destroys of everything that depends on it, however the
//! dependency is written: directly, through locals, data sources, module inputs and
//! outputs, across count and for_each instances, for `destroy`, for replacements and for
//! resources removed from the configuration.
//!
//! The mock refuses to delete an object while a child (`parent = name`) lives, and
//! dependents are slowed down, so a missing ordering edge fails the apply rather than
//! passing by luck.

use std::time::Duration;

use super::{assert_order, Fixture};
use crate::plan::{Action, PlanMode};
use crate::provider::mock::Call;

const SLOW: Duration = Duration::from_millis(40);

/// A cluster and a service in it, the service finding the cluster through a data source.
const THROUGH_DATA_SOURCE: &str = r#"
resource "mock_thing" "cluster" { name = "cluster" }
data "mock_thing" "cluster" { name = mock_thing.cluster.name }
resource "mock_thing" "svc" {
  name   = "svc"
  parent = data.mock_thing.cluster.name
}
"#;

async fn created(main_tf: &str, slow: &[&str]) -> Fixture {
    created_with_modules(main_tf, &[], slow).await
}

/// Applies `main_tf` with module files `(path, text)`, slowing the objects named `slow`.
async fn created_with_modules(main_tf: &str, files: &[(&str, &str)], slow: &[&str]) -> Fixture {
    let mut f = Fixture::new(main_tf);
    for (rel, text) in files {
        f.write(rel, text);
    }
    for name in slow {
        f.mock.delay(name, SLOW);
    }
    f.converge(PlanMode::Normal).await;
    f
}

async fn destroyed(mut f: Fixture) -> Fixture {
    f.converge(PlanMode::Destroy).await;
    assert_eq!(f.mock.live(), Vec::<String>::new());
    assert!(f.state.resources.is_empty(), "{:?}", f.state.resources);
    f
}

#[tokio::test]
async fn destroy_through_a_data_source() {
    let f = created(THROUGH_DATA_SOURCE, &["svc"]).await;
    assert_order(
        &f.mock.calls(),
        &["create cluster", "read cluster", "create svc"],
    );
    let f = destroyed(f).await;
    assert_order(&f.mock.calls(), &["delete svc", "delete cluster"]);
}

#[tokio::test]
async fn destroy_through_locals() {
    let f = created(
        r#"
resource "mock_thing" "cluster" { name = "cluster" }
locals {
  cluster = mock_thing.cluster.name
  again   = local.cluster
}
resource "mock_thing" "svc" {
  name   = "svc"
  parent = local.again
}
"#,
        &["svc"],
    )
    .await;
    let f = destroyed(f).await;
    assert_order(&f.mock.calls(), &["delete svc", "delete cluster"]);
}

/// The issue's case: a module is given the cluster's name, looks the cluster up with a
/// data source and runs a service in it.
const MODULE_WITH_LOOKUP: &str = r#"
resource "mock_thing" "cluster" { name = "cluster" }
module "svc" {
  source       = "./svc"
  cluster_name = mock_thing.cluster.name
}
"#;

const SVC_MODULE: &str = r#"
variable "cluster_name" {}
data "mock_thing" "cluster" { name = var.cluster_name }
resource "mock_thing" "svc" {
  name   = "svc"
  parent = data.mock_thing.cluster.name
}
output "svc" { value = mock_thing.svc.name }
"#;

#[tokio::test]
async fn destroy_through_a_module_input_and_a_data_source() {
    let f =
        created_with_modules(MODULE_WITH_LOOKUP, &[("svc/main.tf", SVC_MODULE)], &["svc"]).await;
    let f = destroyed(f).await;
    assert_order(&f.mock.calls(), &["delete svc", "delete cluster"]);
}

#[tokio::test]
async fn destroy_through_a_module_output() {
    let f = created_with_modules(
        r#"
module "base" { source = "./base" }
locals { cluster = module.base.cluster }
data "mock_thing" "cluster" { name = local.cluster }
resource "mock_thing" "svc" {
  name   = "svc"
  parent = data.mock_thing.cluster.name
}
"#,
        &[(
            "base/main.tf",
            r#"
resource "mock_thing" "cluster" { name = "cluster" }
output "cluster" { value = mock_thing.cluster.name }
"#,
        )],
        &["svc"],
    )
    .await;
    let f = destroyed(f).await;
    assert_order(&f.mock.calls(), &["delete svc", "delete cluster"]);
}

#[tokio::test]
async fn destroy_every_count_and_for_each_instance_first() {
    let f = created(
        r#"
resource "mock_thing" "cluster" {
  count = 2
  name  = "cluster${count.index}"
}
data "mock_thing" "cluster" {
  for_each = { for c in mock_thing.cluster : c.name => c }
  name     = each.value.name
}
resource "mock_thing" "svc" {
  for_each = data.mock_thing.cluster
  name     = "svc-${each.key}"
  parent   = each.value.name
}
"#,
        &["svc-cluster0", "svc-cluster1"],
    )
    .await;
    let f = destroyed(f).await;
    let calls = f.mock.calls();
    for svc in ["svc-cluster0", "svc-cluster1"] {
        for cluster in ["cluster0", "cluster1"] {
            assert_order(
                &calls,
                &[&format!("delete {svc}"), &format!("delete {cluster}")],
            );
        }
    }
}

#[tokio::test]
async fn removed_from_configuration_through_a_data_source() {
    let mut f = created(THROUGH_DATA_SOURCE, &["svc"]).await;
    f.write("main.tf", "");
    let plan = f.plan(PlanMode::Normal).await;
    assert!(plan.changes.iter().all(|c| c.action == Action::Delete));
    f.converge(PlanMode::Normal).await;
    assert_order(&f.mock.calls(), &["delete svc", "delete cluster"]);
    assert_eq!(f.mock.live(), Vec::<String>::new());
}

#[tokio::test]
async fn replacement_destroys_dependents_first_and_recreates_after() {
    // The service's `replace` is the cluster's id, read through the data source: replacing
    // the cluster replaces the service, which must go first and come back last.
    let main = |v: &str| {
        format!(
            r#"
resource "mock_thing" "cluster" {{
  name    = "cluster"
  replace = "{v}"
}}
data "mock_thing" "cluster" {{ name = mock_thing.cluster.name }}
resource "mock_thing" "svc" {{
  name    = "svc"
  parent  = data.mock_thing.cluster.name
  replace = data.mock_thing.cluster.id
}}
"#
        )
    };
    let mut f = created(&main("1"), &["svc"]).await;
    f.write("main.tf", &main("2"));
    let plan = f.plan(PlanMode::Normal).await;
    let action = |a: &str| {
        plan.changes
            .iter()
            .find(|c| c.addr.to_string() == a)
            .map(|c| c.action)
    };
    assert_eq!(action("mock_thing.cluster"), Some(Action::DeleteThenCreate));
    assert_eq!(action("mock_thing.svc"), Some(Action::DeleteThenCreate));
    f.converge(PlanMode::Normal).await;
    assert_order(
        &f.mock.calls(),
        &[
            "delete svc",
            "delete cluster",
            "create cluster",
            "read cluster",
            "create svc",
        ],
    );
}

#[tokio::test]
async fn create_before_destroy_deletes_the_old_object_after_dependents_moved_on() {
    // The new cluster exists before the old one goes, and the service (which finds the
    // cluster through a data source) is updated to it before the old cluster is deleted.
    let main = |v: &str| {
        format!(
            r#"
resource "mock_thing" "cluster" {{
  name    = "cluster"
  replace = "{v}"
  lifecycle {{ create_before_destroy = true }}
}}
data "mock_thing" "cluster" {{ name = mock_thing.cluster.name }}
resource "mock_thing" "svc" {{
  name  = "svc"
  input = data.mock_thing.cluster.id
}}
"#
        )
    };
    let mut f = created(&main("1"), &["svc"]).await;
    f.write("main.tf", &main("2"));
    f.converge(PlanMode::Normal).await;
    assert_order(
        &f.mock.calls(),
        &[
            "create cluster",
            "read cluster",
            "update svc",
            "delete cluster",
        ],
    );
    assert_eq!(f.mock.live(), ["cluster", "svc"]);
    assert!(f
        .state
        .resources
        .iter()
        .flat_map(|r| &r.instances)
        .all(|i| i.deposed.is_none()));
}

#[tokio::test]
async fn a_failed_dependent_destroy_keeps_what_it_depends_on() {
    let f = created(THROUGH_DATA_SOURCE, &[]).await;
    f.mock
        .fail("svc", Call::Delete, "DependencyViolation: still in use");
    let mut f = f;
    let diags = f.apply(PlanMode::Destroy).await;
    assert!(diags.has_errors());
    assert_eq!(f.mock.calls_of(Call::Delete), Vec::<String>::new());
    assert_eq!(f.mock.live(), ["cluster", "svc"]);
    let left: Vec<&str> = f
        .state
        .resources
        .iter()
        .filter(|r| r.mode == "managed")
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(left, ["cluster", "svc"]);
}
