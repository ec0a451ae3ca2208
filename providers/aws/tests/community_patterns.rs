//! Patterns the community modules' examples (terraform-aws-modules: VPC, RDS, ECS, ALB)
//! use, found failing by running those examples on moto (docs/COMMUNITY_MODULES.md); each
//! test is a small configuration of our own with the same pattern.

mod common;

use common::{attr, changes, ec2, filter as f, Env};
use terrane_engine::state::State;

/// The VPC endpoints module and the examples create groups with `name_prefix` in a VPC
/// created by the same apply. The generated name must be chosen once: at the create, as
/// Terraform's provider does, not at plan (the apply plans each instance again with the
/// values learned so far, and a name chosen anew there made the apply fail with
/// "inconsistent final plan").
#[tokio::test]
async fn security_groups_with_generated_names_apply_in_a_new_vpc_and_converge() {
    let env = Env::new();
    let src = r#"
resource "aws_vpc" "v" {
  cidr_block = "10.41.0.0/16"
}

resource "aws_security_group" "prefixed" {
  name_prefix = "cm-endpoints-"
  description = "prefixed"
  vpc_id      = aws_vpc.v.id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "unnamed" {
  vpc_id = aws_vpc.v.id
}
"#;
    let plan = env.plan(src, &State::new()).await;
    assert_eq!(changes(&plan).len(), 3, "{:?}", changes(&plan));
    let state = env.apply(src, &State::new()).await;
    let prefixed = attr(&state, "aws_security_group.prefixed", "name");
    let unnamed = attr(&state, "aws_security_group.unnamed", "name");
    assert!(prefixed.starts_with("cm-endpoints-"), "{prefixed}");
    assert_eq!(
        attr(&state, "aws_security_group.prefixed", "name_prefix"),
        "cm-endpoints-"
    );
    assert!(unnamed.starts_with("terraform-"), "{unnamed}");
    assert_ne!(prefixed, unnamed);

    // The names in state are the groups' names in AWS.
    let vpc = attr(&state, "aws_vpc.v", "id");
    let groups = ec2()
        .describe_security_groups()
        .filters(f("vpc-id", &vpc))
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = groups
        .security_groups()
        .iter()
        .filter_map(|g| g.group_name())
        .filter(|n| *n != "default")
        .collect();
    names.sort_unstable();
    let mut want = vec![prefixed.as_str(), unnamed.as_str()];
    want.sort_unstable();
    assert_eq!(names, want);

    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(src, &state).await;
}
