//! `aws_default_vpc` against moto: adopted, updated, imported, forgotten on destroy, and
//! deleted (then created anew) only with `force_destroy`. A test binary of its own: it
//! deletes and recreates the region's default VPC, which no other test may see.

mod common;

use common::{attr, changed_attrs, changes, drifted_attrs, ec2, filter as f, Env};
use terrane_engine::state::State;

/// Checks that the plan is empty, naming the step otherwise.
async fn converges(env: &Env, src: &str, state: &State, step: &str) {
    let plan = env.plan(src, state).await;
    assert!(!plan.has_changes(), "{step}: {:?}", changes(&plan));
}

/// Whether the VPC `id` exists.
async fn vpc_exists(id: &str) -> bool {
    let found = ec2()
        .describe_vpcs()
        .filters(f("vpc-id", id))
        .send()
        .await
        .unwrap();
    !found.vpcs().is_empty()
}

#[tokio::test]
async fn default_vpc_is_adopted_updated_forgotten_and_deleted_only_when_forced() {
    let env = Env::new();
    let addr = "aws_default_vpc.d";
    let src = r#"
resource "aws_default_vpc" "d" {
  enable_dns_hostnames = true
  tags                 = { Name = "default-case" }
}
"#;
    let state = env.apply(src, &State::new()).await;
    let id = attr(&state, addr, "id");
    assert_eq!(attr(&state, addr, "existing_default_vpc"), "true");
    assert_eq!(attr(&state, addr, "cidr_block"), "172.31.0.0/16");
    converges(&env, src, &state, "after adoption").await;

    let off = src.replace(
        "enable_dns_hostnames = true",
        "enable_dns_hostnames = false",
    );
    let plan = env.plan(&off, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), ["enable_dns_hostnames"]);
    let state = env.apply(&off, &state).await;
    converges(&env, &off, &state, "after update").await;
    let hostnames = ec2()
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hostnames.enable_dns_hostnames().and_then(|v| v.value()),
        Some(false)
    );

    let imported = env.import_into(&state, addr, &id).await;
    converges(&env, &off, &imported, "after import").await;

    let renamed = aws_sdk_ec2::types::Tag::builder()
        .key("Name")
        .value("renamed-outside")
        .build();
    ec2()
        .create_tags()
        .resources(&id)
        .tags(renamed)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&off, &state).await;
    assert_eq!(drifted_attrs(&plan, addr), ["tags", "tags_all"]);
    let state = env.apply(&off, &state).await;

    // Destroy forgets the default VPC.
    let state = env.destroy(&off, &state).await;
    assert!(state.resources.iter().all(|r| r.instances.is_empty()));
    assert!(vpc_exists(&id).await, "the default VPC was deleted");

    // With force_destroy it is deleted (once its default subnets are gone, which AWS
    // requires too), and the next apply creates a new default VPC.
    let forced = src.replace("enable_dns_hostnames = true", "force_destroy = true");
    let state = env.apply(&forced, &State::new()).await;
    let subnets = ec2()
        .describe_subnets()
        .filters(f("vpc-id", &id))
        .send()
        .await
        .unwrap();
    for s in subnets.subnets() {
        let subnet = s.subnet_id().unwrap();
        ec2()
            .delete_subnet()
            .subnet_id(subnet)
            .send()
            .await
            .unwrap();
    }
    env.destroy(&forced, &state).await;
    assert!(!vpc_exists(&id).await, "force_destroy kept the default VPC");
    let state = env.apply(src, &State::new()).await;
    assert_ne!(attr(&state, addr, "id"), id);
    assert_eq!(attr(&state, addr, "existing_default_vpc"), "false");
    converges(&env, src, &state, "after a new default VPC").await;
    env.destroy(src, &state).await;
}
