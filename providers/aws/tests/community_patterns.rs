//! Patterns the community modules' examples (terraform-aws-modules: VPC, RDS, ECS, ALB)
//! use, found failing by running those examples on moto (docs/COMMUNITY_MODULES.md); each
//! test is a small configuration of our own with the same pattern.

mod common;

use common::{attr, changes, drifted_attrs, ec2, filter as f, Env};
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

/// The VPC endpoints module puts interface endpoints in every private subnet (`subnet_ids
/// = module.vpc.private_subnets`). Their `subnet_configuration` is read from the network
/// interfaces, which come back in no particular order: the set must be stored in its
/// canonical order, or every refresh reports the endpoint "changed outside of terrane"
/// and outputs holding it change.
#[tokio::test]
async fn interface_endpoint_in_several_subnets_reads_back_unchanged() {
    let env = Env::new();
    let src = r#"
data "aws_availability_zones" "available" {}

resource "aws_vpc" "v" {
  cidr_block = "10.42.0.0/16"
}

resource "aws_subnet" "private" {
  count             = 3
  vpc_id            = aws_vpc.v.id
  cidr_block        = cidrsubnet(aws_vpc.v.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_vpc_endpoint" "ecr" {
  vpc_id            = aws_vpc.v.id
  service_name      = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type = "Interface"
  subnet_ids        = aws_subnet.private[*].id
}

output "endpoint" {
  value = aws_vpc_endpoint.ecr
}
"#;
    let state = env.apply(src, &State::new()).await;
    let addr = "aws_vpc_endpoint.ecr";
    let configs = state
        .resources
        .iter()
        .find(|r| r.ty == "aws_vpc_endpoint")
        .map(|r| r.instances[0].attributes["subnet_configuration"].clone())
        .unwrap();
    assert_eq!(configs.as_array().map(Vec::len), Some(3), "{configs}");
    for round in 0..3 {
        let plan = env.plan(src, &state).await;
        assert!(!plan.has_changes(), "round {round}: {:?}", changes(&plan));
        assert!(
            plan.drift.iter().all(|d| d.addr.to_string() != addr)
                || drifted_attrs(&plan, addr).is_empty(),
            "round {round}: {:?}",
            drifted_attrs(&plan, addr)
        );
    }
    env.destroy(src, &state).await;
}

/// The ECS container-definition module writes `entrypoint` in lower case; the provider's
/// Go decoder matches JSON keys to members whatever their case, so ECS gets the
/// container's entry point. Sent as written, ECS dropped it and the next plan replaced
/// the task definition.
#[tokio::test]
async fn container_definition_keys_reach_ecs_whatever_their_case() {
    let env = Env::new();
    let src = r#"
resource "aws_ecs_task_definition" "t" {
  family                   = "cm-entrypoint"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name       = "app"
    image      = "public.ecr.aws/amazonlinux/amazonlinux:2023-minimal"
    entrypoint = ["/usr/bin/sh", "-c"]
    command    = ["echo hello"]
  }])
}
"#;
    let state = env.apply(src, &State::new()).await;
    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let arn = attr(&state, "aws_ecs_task_definition.t", "arn");
    let read = env
        .import_refreshed("aws_ecs_task_definition", &arn)
        .await
        .expect("the task definition exists");
    let held = read
        .get_attr("container_definitions")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap();
    assert!(
        held.contains(r#""entryPoint":["/usr/bin/sh","-c"]"#),
        "{held}"
    );
    env.destroy(src, &state).await;
}
