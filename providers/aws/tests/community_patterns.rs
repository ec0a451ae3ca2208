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
        .map(|r| r.instances[0].attributes.to_json()["subnet_configuration"].clone())
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

/// The ECS service module declares `customized_metric_specification` in every target
/// tracking policy (a dynamic block, empty unless the caller sets it). A policy on a
/// CloudWatch metric and one on a metric math query are created, read back, updated in
/// place and converge.
#[tokio::test]
async fn target_tracking_on_customized_metrics() {
    let env = Env::new();
    let src = |metric: &str| {
        format!(
            r#"
resource "aws_ecs_cluster" "c" {{
  name = "cm-custom-metrics"
}}
resource "aws_ecs_service" "s" {{
  name    = "web"
  cluster = aws_ecs_cluster.c.name
}}
resource "aws_appautoscaling_target" "t" {{
  service_namespace  = "ecs"
  resource_id        = "service/${{aws_ecs_cluster.c.name}}/${{aws_ecs_service.s.name}}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = 4
}}
resource "aws_appautoscaling_policy" "metric" {{
  name               = "queue-depth"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.t.service_namespace
  resource_id        = aws_appautoscaling_target.t.resource_id
  scalable_dimension = aws_appautoscaling_target.t.scalable_dimension
  target_tracking_scaling_policy_configuration {{
    target_value = 10
    customized_metric_specification {{
      metric_name = "{metric}"
      namespace   = "App"
      statistic   = "Average"
      dimensions {{
        name  = "Queue"
        value = "jobs"
      }}
    }}
  }}
}}
resource "aws_appautoscaling_policy" "math" {{
  name               = "per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.t.service_namespace
  resource_id        = aws_appautoscaling_target.t.resource_id
  scalable_dimension = aws_appautoscaling_target.t.scalable_dimension
  target_tracking_scaling_policy_configuration {{
    target_value = 5
    customized_metric_specification {{
      metrics {{
        id    = "m1"
        label = "depth"
        metric_stat {{
          stat = "Sum"
          metric {{
            metric_name = "Depth"
            namespace   = "App"
            dimensions {{
              name  = "Queue"
              value = "jobs"
            }}
          }}
        }}
        return_data = false
      }}
      metrics {{
        id          = "e1"
        expression  = "m1 / 2"
        return_data = true
      }}
    }}
  }}
}}
"#
        )
    };
    let state = env.apply(&src("Depth"), &State::new()).await;
    let plan = env.plan(&src("Depth"), &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // What AWS holds, read as an import reads it.
    let id = attr(&state, "aws_appautoscaling_policy.metric", "id");
    let resource = attr(&state, "aws_appautoscaling_policy.metric", "resource_id");
    let read = env
        .import_refreshed(
            "aws_appautoscaling_policy",
            &format!("ecs/{resource}/ecs:service:DesiredCount/{id}"),
        )
        .await
        .expect("the policy exists");
    let spec = |v: &terrane_engine::lang::Value| {
        let t = v
            .get_attr("target_tracking_scaling_policy_configuration")
            .and_then(|b| b.as_seq()?.first().cloned())
            .unwrap();
        t.get_attr("customized_metric_specification")
            .and_then(|b| b.as_seq()?.first().cloned())
            .unwrap()
    };
    let got = spec(&read);
    assert_eq!(
        got.get_attr("metric_name").and_then(|v| v.as_str()),
        Some("Depth")
    );
    assert_eq!(
        got.get_attr("statistic").and_then(|v| v.as_str()),
        Some("Average")
    );
    assert_eq!(
        got.get_attr("dimensions")
            .and_then(|v| v.as_seq())
            .map(<[_]>::len),
        Some(1)
    );

    let plan = env.plan(&src("Backlog"), &state).await;
    assert_eq!(
        changes(&plan),
        ["Update aws_appautoscaling_policy.metric"],
        "a metric change updates in place"
    );
    let state = env.apply(&src("Backlog"), &state).await;
    let plan = env.plan(&src("Backlog"), &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&src("Backlog"), &state).await;
}

/// The ALB module writes every listener rule condition with both `values` and
/// `regex_values` (one of them null). Such rules apply and converge; setting both is
/// refused before any call. (moto 5.2.5 reads only `Values` of a condition, so rules
/// matching by `regex_values` are not applied here.)
#[tokio::test]
async fn listener_rule_conditions_as_the_alb_module_writes_them() {
    let env = Env::new();
    let src = |host_values: &str| {
        format!(
            r#"
data "aws_availability_zones" "available" {{}}
resource "aws_vpc" "v" {{
  cidr_block = "10.43.0.0/16"
}}
resource "aws_subnet" "s" {{
  count             = 2
  vpc_id            = aws_vpc.v.id
  cidr_block        = cidrsubnet(aws_vpc.v.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}}
resource "aws_lb" "l" {{
  name    = "cm-rules"
  subnets = aws_subnet.s[*].id
}}
resource "aws_lb_target_group" "t" {{
  name     = "cm-rules"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.v.id
}}
resource "aws_lb_listener" "http" {{
  load_balancer_arn = aws_lb.l.arn
  port              = 80
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.t.arn
  }}
}}
locals {{
  conditions = [
    {{ path_pattern = {{ values = ["/api/*"], regex_values = null }} }},
    {{ host_header = {{ values = {host_values}, regex_values = null }} }},
  ]
}}
resource "aws_lb_listener_rule" "api" {{
  listener_arn = aws_lb_listener.http.arn
  priority     = 10
  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.t.arn
  }}
  dynamic "condition" {{
    for_each = local.conditions
    content {{
      dynamic "path_pattern" {{
        for_each = try(condition.value.path_pattern, null) != null ? [condition.value.path_pattern] : []
        content {{
          values       = path_pattern.value.values
          regex_values = path_pattern.value.regex_values
        }}
      }}
      dynamic "host_header" {{
        for_each = try(condition.value.host_header, null) != null ? [condition.value.host_header] : []
        content {{
          values       = host_header.value.values
          regex_values = host_header.value.regex_values
        }}
      }}
    }}
  }}
}}
"#
        )
    };
    let src_a = src(r#"["a.example.com"]"#);
    let state = env.apply(&src_a, &State::new()).await;
    let plan = env.plan(&src_a, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    let src_b = src(r#"["b.example.com"]"#);
    let plan = env.plan(&src_b, &state).await;
    assert_eq!(changes(&plan), ["Update aws_lb_listener_rule.api"]);
    let state = env.apply(&src_b, &state).await;
    let plan = env.plan(&src_b, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    let both = src_b.replace(
        "values = [\"/api/*\"], regex_values = null",
        "values = [\"/api/*\"], regex_values = [\"^/api/.*$\"]",
    );
    let err = env
        .try_plan(&both, &state, terrane_engine::plan::PlanMode::Normal)
        .await
        .expect_err("values and regex_values together are refused");
    assert!(
        format!("{err:?}")
            .contains("a path_pattern condition sets exactly one of values or regex_values"),
        "{err:?}"
    );
    env.destroy(&src_b, &state).await;
}
