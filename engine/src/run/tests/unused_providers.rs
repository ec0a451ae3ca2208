//! A plan configures a provider only when something uses it, as Terraform does: a
//! configuration of other providers' resources never sets it up (for the AWS provider,
//! setting up means asking the instance metadata service for a region).

use super::Fixture;
use crate::plan::PlanMode;

#[tokio::test]
async fn a_provider_nothing_uses_is_not_configured() {
    let f = Fixture::new(
        r#"
locals { greeting = "hello" }
output "greeting" { value = local.greeting }
"#,
    );
    f.plan(PlanMode::Normal).await;
    assert_eq!(f.mock.configured(), 0);
}

#[tokio::test]
async fn a_provider_serving_a_block_is_configured() {
    let f = Fixture::new(r#"resource "mock_thing" "a" { name = "a" }"#);
    f.plan(PlanMode::Normal).await;
    assert_eq!(f.mock.configured(), 1);
}

#[tokio::test]
async fn a_provider_with_a_block_of_its_own_is_configured() {
    let f = Fixture::new(r#"provider "mock" {}"#);
    f.plan(PlanMode::Normal).await;
    assert_eq!(f.mock.configured(), 1);
}

#[tokio::test]
async fn a_provider_of_objects_only_in_state_is_configured_to_delete_them() {
    let mut f = Fixture::new(r#"resource "mock_thing" "a" { name = "a" }"#);
    f.converge(PlanMode::Normal).await;
    f.write("main.tf", "");
    let before = f.mock.configured();
    f.converge(PlanMode::Normal).await;
    assert!(f.mock.configured() > before);
    assert!(f.mock.live().is_empty(), "{:?}", f.mock.live());
}
