//! ECS (clusters, task definitions, services) and Application Auto Scaling against moto
//! through the engine: create, converge, update in place, replace, drift, out-of-band
//! deletion, import and destroy, each checked with the SDK. Every test uses names of its own
//! so the tests can share one moto server.

mod common;

use common::{attr, changes, Env};
use terrane_engine::lang::Value;
use terrane_engine::plan::{Plan, PlanMode};
use terrane_engine::provider::Provider;
use terrane_engine::state::State;

fn ecs() -> aws_sdk_ecs::Client {
    let m = terrane_test_support::moto();
    aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

fn aas() -> aws_sdk_applicationautoscaling::Client {
    let m = terrane_test_support::moto();
    aws_sdk_applicationautoscaling::Client::from_conf(
        aws_sdk_applicationautoscaling::Config::builder()
            .behavior_version(aws_sdk_applicationautoscaling::config::BehaviorVersion::latest())
            .region(aws_sdk_applicationautoscaling::config::Region::new(
                "us-east-1",
            ))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_applicationautoscaling::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

const PROVIDER: &str = r#"
provider "aws" {
  region = "us-east-1"
}
"#;

fn ecs_calls(env: &Env) -> u64 {
    env.provider
        .api_call_counts()
        .get("ecs")
        .copied()
        .unwrap_or(0)
}

/// The top-level attributes whose planned value differs from the refreshed one.
fn changed_attrs(plan: &Plan, addr: &str) -> Vec<String> {
    let c = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("{addr} not in plan"));
    let (Some(before), Some(after)) = (c.before.as_ref(), c.after.as_ref()) else {
        return vec!["<create or delete>".into()];
    };
    let mut out: Vec<String> = after
        .as_map()
        .unwrap()
        .iter()
        .filter(|(k, v)| before.get_attr(k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.sort();
    out
}

/// The state with `addr`'s object replaced by what an import of it read, as
/// `terrane import` records it.
fn with_imported(state: &State, addr: &str, v: &Value) -> State {
    let (ty, name) = addr.split_once('.').unwrap();
    let mut s = state.clone();
    let r = s
        .resources
        .iter_mut()
        .find(|r| r.ty == ty && r.name == name && r.mode == "managed")
        .unwrap();
    r.instances[0].attributes = v.to_json().into();
    s
}

async fn describe_cluster(arn: &str) -> aws_sdk_ecs::types::Cluster {
    ecs()
        .describe_clusters()
        .clusters(arn)
        .include(aws_sdk_ecs::types::ClusterField::Settings)
        .include(aws_sdk_ecs::types::ClusterField::Tags)
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .clone()
}

fn insights(c: &aws_sdk_ecs::types::Cluster) -> Option<String> {
    c.settings()
        .iter()
        .find(|s| s.name().map(|n| n.as_str()) == Some("containerInsights"))
        .and_then(|s| s.value().map(str::to_string))
}

fn cluster_src(name: &str, insights: &str, team: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "{name}"
  setting {{
    name  = "containerInsights"
    value = "{insights}"
  }}
  tags = {{ team = "{team}" }}
}}
resource "aws_ecs_cluster" "plain" {{
  name = "{name}-plain"
}}
data "aws_ecs_cluster" "d" {{
  cluster_name = aws_ecs_cluster.c.name
}}
output "data_arn" {{
  value = data.aws_ecs_cluster.d.arn
}}
output "data_status" {{
  value = data.aws_ecs_cluster.d.status
}}
output "data_insights" {{
  value = one(data.aws_ecs_cluster.d.setting).value
}}
"#
    )
}

#[tokio::test]
async fn cluster_lifecycle() {
    let env = Env::new();
    let src = cluster_src("tr-cl", "enabled", "a");
    let state = env.apply(&src, &State::new()).await;
    let arn = attr(&state, "aws_ecs_cluster.c", "arn");
    assert!(arn.ends_with(":cluster/tr-cl"), "{arn}");
    assert_eq!(attr(&state, "aws_ecs_cluster.c", "id"), arn);
    let data = state.outputs.get("data_arn").map(|o| o.value.clone());
    assert_eq!(data, Some(serde_json::json!(arn)));
    let out = |k: &str| state.outputs.get(k).map(|o| o.value.clone());
    assert_eq!(out("data_status"), Some(serde_json::json!("ACTIVE")));
    assert_eq!(out("data_insights"), Some(serde_json::json!("enabled")));
    let cl = describe_cluster(&arn).await;
    assert_eq!(insights(&cl).as_deref(), Some("enabled"));
    // The cluster without settings reads AWS's default (insights disabled) as unset.
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Settings and tags change in place.
    let src2 = cluster_src("tr-cl", "disabled", "b");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(
        changes(&plan),
        ["Read data.aws_ecs_cluster.d", "Update aws_ecs_cluster.c"]
    );
    assert_eq!(
        changed_attrs(&plan, "aws_ecs_cluster.c"),
        ["setting", "tags", "tags_all"]
    );
    let state = env.apply(&src2, &state).await;
    let cl = describe_cluster(&arn).await;
    assert_eq!(insights(&cl).as_deref(), Some("disabled"));
    assert_eq!(cl.tags()[0].value(), Some("b"));
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Import by name: the imported object plans no change.
    let v = env.import("aws_ecs_cluster", "tr-cl").await.unwrap();
    assert_eq!(v.get_attr("id").and_then(Value::as_str), Some(arn.as_str()));
    let plan = env
        .plan(&src2, &with_imported(&state, "aws_ecs_cluster.c", &v))
        .await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert!(env.import("aws_ecs_cluster", "tr-missing").await.is_err());

    // Drift: insights switched on outside terrane is planned back, and only that.
    ecs()
        .update_cluster()
        .cluster(&arn)
        .settings(
            aws_sdk_ecs::types::ClusterSetting::builder()
                .name(aws_sdk_ecs::types::ClusterSettingName::ContainerInsights)
                .value("enabled")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(
        changes(&plan),
        ["Read data.aws_ecs_cluster.d", "Update aws_ecs_cluster.c"]
    );
    assert_eq!(changed_attrs(&plan, "aws_ecs_cluster.c"), ["setting"]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(
        insights(&describe_cluster(&arn).await).as_deref(),
        Some("disabled")
    );

    // A new name replaces the cluster.
    let src3 = cluster_src("tr-cl2", "disabled", "b");
    let plan = env.plan(&src3, &state).await;
    assert!(
        changes(&plan).contains(&"DeleteThenCreate aws_ecs_cluster.c".to_string()),
        "{:?}",
        changes(&plan)
    );
    let state = env.apply(&src3, &state).await;
    assert_eq!(describe_cluster(&arn).await.status(), Some("INACTIVE"));

    // Deleted outside terrane: planned for re-creation.
    let arn2 = attr(&state, "aws_ecs_cluster.c", "arn");
    ecs().delete_cluster().cluster(&arn2).send().await.unwrap();
    let plan = env.plan(&src3, &state).await;
    assert_eq!(
        changes(&plan),
        ["Read data.aws_ecs_cluster.d", "Create aws_ecs_cluster.c"]
    );
    let state = env.apply(&src3, &state).await;

    env.destroy(&src3, &state).await;
    assert_eq!(describe_cluster(&arn2).await.status(), Some("INACTIVE"));
}

#[tokio::test]
async fn cluster_with_services_is_not_deleted() {
    let env = Env::new();
    let src = format!(
        r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "tr-busy"
}}
"#
    );
    let state = env.apply(&src, &State::new()).await;
    ecs()
        .create_service()
        .cluster("tr-busy")
        .service_name("left-behind")
        .desired_count(0)
        .send()
        .await
        .unwrap();
    let (state, diags) = env.apply_mode(&src, &state, PlanMode::Destroy).await;
    let text = format!("{diags:?}");
    assert!(diags.has_errors());
    assert!(text.contains("left-behind"), "{text}");
    assert!(text.contains("still has 1 service"), "{text}");
    let arn = attr(&state, "aws_ecs_cluster.c", "arn");
    assert_eq!(describe_cluster(&arn).await.status(), Some("ACTIVE"));

    ecs()
        .delete_service()
        .cluster("tr-busy")
        .service("left-behind")
        .send()
        .await
        .unwrap();
    env.destroy(&src, &state).await;
    assert_eq!(describe_cluster(&arn).await.status(), Some("INACTIVE"));
}

/// A container definition written tersely: defaults left out, keys in the user's order.
fn containers(image: &str) -> String {
    format!(
        r#"jsonencode([{{
    name         = "web"
    image        = "{image}"
    portMappings = [{{ containerPort = 80 }}]
    environment  = [{{ name = "B", value = "2" }}, {{ name = "A", value = "1" }}]
  }}])"#
    )
}

/// The same definition spelled out as ECS returns it (defaults, other key order).
const CONTAINERS_VERBOSE: &str = r#"<<-EOT
  [
    {
      "essential": true,
      "environment": [{"value": "1", "name": "A"}, {"name": "B", "value": "2"}],
      "portMappings": [{"protocol": "tcp", "hostPort": 80, "containerPort": 80}],
      "image": "nginx:1",
      "mountPoints": [],
      "name": "web",
      "cpu": 0,
      "volumesFrom": []
    }
  ]
  EOT"#;

fn td_src(family: &str, defs: &str, cpu: u32, memory: u32, network: &str, tags: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_ecs_task_definition" "t" {{
  family                   = "{family}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "{network}"
  cpu                      = "{cpu}"
  memory                   = "{memory}"
  container_definitions    = {defs}
  tags                     = {{ {tags} }}
}}
"#
    )
}

async fn td_status(arn: &str) -> String {
    ecs()
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .unwrap()
        .task_definition()
        .unwrap()
        .status()
        .unwrap()
        .as_str()
        .to_string()
}

#[tokio::test]
async fn task_definition_lifecycle() {
    let env = Env::new();
    let src = td_src(
        "tr-web",
        &containers("nginx:1"),
        256,
        512,
        "awsvpc",
        r#"team = "a""#,
    );
    let state = env.apply(&src, &State::new()).await;
    let arn1 = attr(&state, "aws_ecs_task_definition.t", "arn");
    assert!(arn1.ends_with(":task-definition/tr-web:1"), "{arn1}");
    assert_eq!(attr(&state, "aws_ecs_task_definition.t", "id"), "tr-web");
    assert_eq!(
        attr(&state, "aws_ecs_task_definition.t", "arn_without_revision"),
        arn1.trim_end_matches(":1")
    );
    // ECS stored exactly the containers written (its defaults added).
    let td = ecs()
        .describe_task_definition()
        .task_definition(&arn1)
        .send()
        .await
        .unwrap();
    let c = &td.task_definition().unwrap().container_definitions()[0];
    assert_eq!(c.image(), Some("nginx:1"));
    assert_eq!(c.environment().len(), 2);
    assert_eq!(c.port_mappings()[0].container_port(), Some(80));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The same definitions written another way: no change, no new revision.
    let verbose = td_src(
        "tr-web",
        CONTAINERS_VERBOSE,
        256,
        512,
        "awsvpc",
        r#"team = "a""#,
    );
    let plan = env.plan(&verbose, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Tags change in place.
    let src2 = td_src(
        "tr-web",
        &containers("nginx:1"),
        256,
        512,
        "awsvpc",
        r#"team = "b""#,
    );
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_ecs_task_definition.t"]
    );
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, "aws_ecs_task_definition.t", "arn"), arn1);
    let tags = ecs()
        .describe_task_definition()
        .task_definition(&arn1)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].value(), Some("b"));

    // Import by revision ARN.
    let v = env.import("aws_ecs_task_definition", &arn1).await.unwrap();
    let plan = env
        .plan(
            &src2,
            &with_imported(&state, "aws_ecs_task_definition.t", &v),
        )
        .await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert!(env
        .import("aws_ecs_task_definition", "tr-web")
        .await
        .is_err());

    // A new image registers revision 2 and deregisters revision 1.
    let src3 = td_src(
        "tr-web",
        &containers("nginx:2"),
        256,
        512,
        "awsvpc",
        r#"team = "b""#,
    );
    let plan = env.plan(&src3, &state).await;
    assert_eq!(
        changes(&plan),
        ["DeleteThenCreate aws_ecs_task_definition.t"]
    );
    let state = env.apply(&src3, &state).await;
    let arn2 = attr(&state, "aws_ecs_task_definition.t", "arn");
    assert!(arn2.ends_with(":task-definition/tr-web:2"), "{arn2}");
    assert_eq!(td_status(&arn1).await, "INACTIVE");
    assert_eq!(td_status(&arn2).await, "ACTIVE");
    let plan = env.plan(&src3, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Deregistered outside terrane: planned for re-creation.
    ecs()
        .deregister_task_definition()
        .task_definition(&arn2)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), ["Create aws_ecs_task_definition.t"]);
    let state = env.apply(&src3, &state).await;
    let arn3 = attr(&state, "aws_ecs_task_definition.t", "arn");
    assert!(arn3.ends_with(":3"), "{arn3}");

    env.destroy(&src3, &state).await;
    assert_eq!(td_status(&arn3).await, "INACTIVE");
}

#[tokio::test]
async fn fargate_sizes_are_checked_before_any_call() {
    let env = Env::new();
    let before = ecs_calls(&env);
    let src = td_src("tr-bad", &containers("nginx:1"), 256, 4096, "awsvpc", "");
    let err = env
        .try_plan(&src, &State::new(), PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("Invalid value for \\\"memory\\\""), "{text}");
    assert!(text.contains("512, 1024, 2048"), "{text}");
    assert!(text.contains("aws_ecs_task_definition.t"), "{text}");
    // The error points at the memory line of the configuration.
    let memory_line = src
        .lines()
        .position(|l| l.trim_start().starts_with("memory"))
        .expect("a memory line")
        + 1;
    let span = err.iter().find_map(|d| d.span.clone()).expect("a location");
    assert_eq!(span.line_col().0, memory_line, "{text}");
    assert!(span.file.path.ends_with("main.tf"), "{text}");

    let src = td_src("tr-bad", &containers("nginx:1"), 512, 1024, "bridge", "");
    let text = format!(
        "{:?}",
        env.try_plan(&src, &State::new(), PlanMode::Normal)
            .await
            .unwrap_err()
    );
    assert!(text.contains("network_mode"), "{text}");
    assert!(text.contains("awsvpc"), "{text}");
    assert_eq!(ecs_calls(&env), before);
}

/// A VPC, subnet and security group for awsvpc services, a cluster, a task definition, a
/// Fargate service and its auto scaling.
fn svc_src(p: &str, image: &str, desired: u32, max: u32, lifecycle: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_vpc" "v" {{
  cidr_block = "10.40.0.0/16"
}}
resource "aws_subnet" "s" {{
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.40.1.0/24"
}}
resource "aws_security_group" "g" {{
  name   = "{p}-sg"
  vpc_id = aws_vpc.v.id
}}
resource "aws_ecs_cluster" "c" {{
  name = "{p}"
}}
resource "aws_ecs_task_definition" "t" {{
  family                   = "{p}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "512"
  memory                   = "1024"
  container_definitions    = {defs}
}}
resource "aws_ecs_service" "s" {{
  name            = "{p}-web"
  cluster         = aws_ecs_cluster.c.id
  task_definition = "${{aws_ecs_task_definition.t.family}}:${{aws_ecs_task_definition.t.revision}}"
  desired_count   = {desired}
  launch_type     = "FARGATE"
  network_configuration {{
    subnets         = [aws_subnet.s.id]
    security_groups = [aws_security_group.g.id]
  }}
  load_balancer {{
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{p}/0123456789abcdef"
    container_name   = "web"
    container_port   = 80
  }}
  deployment_circuit_breaker {{
    enable   = true
    rollback = true
  }}
  tags = {{ app = "{p}" }}
  {lifecycle}
}}
{scaling}
"#,
        defs = containers(image),
        scaling = scaling_hcl(
            "cpu",
            &format!("{p}-cpu"),
            max,
            "ECSServiceAverageCPUUtilization",
            "60\n    scale_in_cooldown  = 120\n    scale_out_cooldown = 60"
        )
    )
}

/// A scalable target for `aws_ecs_service.s` in `aws_ecs_cluster.c` and a target tracking
/// policy `label` on it; `tracking` is the value of `target_value` and any lines after it.
fn scaling_hcl(label: &str, name: &str, max: u32, metric: &str, tracking: &str) -> String {
    format!(
        r#"resource "aws_appautoscaling_target" "t" {{
  service_namespace  = "ecs"
  resource_id        = "service/${{aws_ecs_cluster.c.name}}/${{aws_ecs_service.s.name}}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = {max}
}}
resource "aws_appautoscaling_policy" "{label}" {{
  name               = "{name}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.t.service_namespace
  resource_id        = aws_appautoscaling_target.t.resource_id
  scalable_dimension = aws_appautoscaling_target.t.scalable_dimension
  target_tracking_scaling_policy_configuration {{
    target_value       = {tracking}
    predefined_metric_specification {{
      predefined_metric_type = "{metric}"
    }}
  }}
}}
"#
    )
}

async fn service(cluster: &str, name: &str) -> aws_sdk_ecs::types::Service {
    ecs()
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await
        .unwrap()
        .services()[0]
        .clone()
}

async fn target_max(resource_id: &str) -> Option<i32> {
    aas()
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_ids(resource_id)
        .send()
        .await
        .unwrap()
        .scalable_targets()
        .first()
        .map(|t| t.max_capacity())
}

#[tokio::test]
async fn service_and_autoscaling_lifecycle() {
    let env = Env::new();
    let p = "tr-svc";
    let src = svc_src(p, "nginx:1", 1, 3, "");
    let state = env.apply(&src, &State::new()).await;
    let arn = attr(&state, "aws_ecs_service.s", "id");
    assert!(arn.contains(":service/"), "{arn}");
    assert_eq!(
        attr(&state, "aws_ecs_service.s", "task_definition"),
        format!("{p}:1")
    );
    let s = service(p, &arn).await;
    assert_eq!(s.desired_count(), 1);
    assert_eq!(s.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    assert_eq!(s.load_balancers()[0].container_port(), Some(80));
    let rid = format!("service/{p}/{p}-web");
    assert_eq!(attr(&state, "aws_appautoscaling_target.t", "id"), rid);
    assert_eq!(target_max(&rid).await, Some(3));
    assert!(attr(&state, "aws_appautoscaling_policy.cpu", "arn").contains("policyName/tr-svc-cpu"));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // desired_count and max_capacity change in place.
    let src2 = svc_src(p, "nginx:1", 2, 4, "");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "Update aws_appautoscaling_target.t",
            "Update aws_ecs_service.s"
        ]
    );
    assert_eq!(changed_attrs(&plan, "aws_ecs_service.s"), ["desired_count"]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(service(p, &arn).await.desired_count(), 2);
    assert_eq!(target_max(&rid).await, Some(4));
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Imports: the service by CLUSTER/NAME, the target and policy by Terraform's IDs.
    let v = env
        .import("aws_ecs_service", &format!("{p}/{p}-web"))
        .await
        .unwrap();
    let imported = with_imported(&state, "aws_ecs_service.s", &v);
    let v = env
        .import(
            "aws_appautoscaling_target",
            &format!("ecs/{rid}/ecs:service:DesiredCount"),
        )
        .await
        .unwrap();
    let imported = with_imported(&imported, "aws_appautoscaling_target.t", &v);
    let v = env
        .import(
            "aws_appautoscaling_policy",
            &format!("ecs/{rid}/ecs:service:DesiredCount/{p}-cpu"),
        )
        .await
        .unwrap();
    let imported = with_imported(&imported, "aws_appautoscaling_policy.cpu", &v);
    let plan = env.plan(&src2, &imported).await;
    // moto keeps no deployment configuration from CreateService, so the imported service
    // has no circuit breaker; everything else matches (ECS itself reports it).
    assert_eq!(changes(&plan), ["Update aws_ecs_service.s"]);
    assert_eq!(
        changed_attrs(&plan, "aws_ecs_service.s"),
        ["deployment_circuit_breaker"]
    );

    // Drift: desired_count changed outside terrane shows exactly that...
    ecs()
        .update_service()
        .cluster(p)
        .service(&arn)
        .desired_count(5)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_ecs_service.s"]);
    assert_eq!(changed_attrs(&plan, "aws_ecs_service.s"), ["desired_count"]);
    // ...unless it is ignored (autoscaling owns it).
    let ignoring = svc_src(
        p,
        "nginx:1",
        2,
        4,
        "lifecycle {\n    ignore_changes = [desired_count]\n  }",
    );
    let plan = env.plan(&ignoring, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let state = env.apply(&src2, &state).await;
    assert_eq!(service(p, &arn).await.desired_count(), 2);

    // The service pointed at another revision outside terrane: planned back, and only that.
    let other = ecs()
        .register_task_definition()
        .family(p)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image("nginx:rogue")
                .memory(512)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let other_arn = other
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap();
    ecs()
        .update_service()
        .cluster(p)
        .service(&arn)
        .task_definition(other_arn)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_ecs_service.s"]);
    assert_eq!(
        changed_attrs(&plan, "aws_ecs_service.s"),
        ["task_definition"]
    );
    let state = env.apply(&src2, &state).await;
    assert!(service(p, &arn)
        .await
        .task_definition()
        .unwrap()
        .ends_with(&format!("{p}:1")));
    ecs()
        .deregister_task_definition()
        .task_definition(other_arn)
        .send()
        .await
        .unwrap();

    // A new image: a new task definition revision (3: the one registered outside terrane
    // took 2), the old one deregistered, the service moved to the new revision in place.
    let src3 = svc_src(p, "nginx:2", 2, 4, "");
    let plan = env.plan(&src3, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "Update aws_ecs_service.s",
            "DeleteThenCreate aws_ecs_task_definition.t"
        ]
    );
    let state = env.apply(&src3, &state).await;
    assert_eq!(
        attr(&state, "aws_ecs_service.s", "task_definition"),
        format!("{p}:3")
    );
    assert!(service(p, &arn)
        .await
        .task_definition()
        .unwrap()
        .ends_with(":3"));
    assert_eq!(td_status(&format!("{p}:1")).await, "INACTIVE");
    let plan = env.plan(&src3, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Deleted outside terrane: planned for re-creation.
    let c = ecs();
    c.update_service()
        .cluster(p)
        .service(&arn)
        .desired_count(0)
        .send()
        .await
        .unwrap();
    c.delete_service()
        .cluster(p)
        .service(&arn)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src3, &state).await;
    assert!(
        changes(&plan).contains(&"Create aws_ecs_service.s".to_string()),
        "{:?}",
        changes(&plan)
    );
    let state = env.apply(&src3, &state).await;
    assert_eq!(service(p, &arn).await.status(), Some("ACTIVE"));

    let calls = ecs_calls(&env);
    env.plan(&src3, &state).await;
    eprintln!(
        "no-op plan of cluster + task definition + service: {} ECS calls",
        ecs_calls(&env) - calls
    );

    // Destroy scales the service to zero and deletes it before its cluster.
    env.destroy(&src3, &state).await;
    let s = service(p, &arn).await;
    assert_eq!((s.status(), s.desired_count()), (Some("INACTIVE"), 0));
    assert_eq!(describe_cluster(p).await.status(), Some("INACTIVE"));
    assert_eq!(target_max(&rid).await, None);
}

#[tokio::test]
async fn services_refresh_ten_per_call() {
    let env = Env::new();
    let src = format!(
        r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "tr-many"
}}
resource "aws_ecs_service" "s" {{
  count         = 25
  name          = "svc-${{count.index}}"
  cluster       = aws_ecs_cluster.c.arn
  desired_count = 0
}}
"#
    );
    let state = env.apply(&src, &State::new()).await;
    assert!(attr(&state, "aws_ecs_service.s[3]", "cluster").starts_with("arn:"));
    let before = ecs_calls(&env);
    let plan = env.plan(&src, &state).await;
    let calls = ecs_calls(&env) - before;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    eprintln!("no-op plan of 1 cluster + 25 services: {calls} ECS calls");
    // One DescribeClusters, three DescribeServices (10 + 10 + 5).
    assert_eq!(calls, 4);
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn wait_for_steady_state() {
    let env = Env::new();
    let src = |desired: u32, timeout: &str| {
        format!(
            r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "tr-steady"
}}
resource "aws_ecs_service" "s" {{
  name                  = "steady"
  cluster               = aws_ecs_cluster.c.name
  desired_count         = {desired}
  wait_for_steady_state = true
  timeouts {{
    create = "{timeout}"
    update = "{timeout}"
  }}
}}
"#
        )
    };
    // Zero tasks wanted: steady at once. moto then runs every task an update asks for.
    let state = env.apply(&src(0, "20s"), &State::new()).await;
    let state = env.apply(&src(2, "20s"), &state).await;
    assert_eq!(service("tr-steady", "steady").await.running_count(), 2);
    let plan = env.plan(&src(2, "20s"), &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&src(2, "20s"), &state).await;

    // moto never starts the tasks of a new service: the wait times out, and the service
    // is still recorded in state rather than orphaned.
    let (state, diags) = env
        .apply_mode(&src(1, "2s"), &State::new(), PlanMode::Normal)
        .await;
    let text = format!("{diags:?}");
    assert!(
        text.contains("timed out") || text.contains("timeout"),
        "{text}"
    );
    assert!(text.contains("0 of 1 tasks running"), "{text}");
    assert!(attr(&state, "aws_ecs_service.s", "id").contains(":service/"));
    env.destroy(&src(1, "2s"), &state).await;
}

/// A cluster and a service with auto scaling whose policy and target vary by arguments.
fn scaling_src(service: &str, max: u32, target_value: u32, policy: &str) -> String {
    let scaling = scaling_hcl(
        "p",
        policy,
        max,
        "ECSServiceAverageMemoryUtilization",
        &target_value.to_string(),
    );
    format!(
        r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "tr-scale"
}}
resource "aws_ecs_service" "s" {{
  name          = "{service}"
  cluster       = aws_ecs_cluster.c.name
  desired_count = 1
  launch_type   = "FARGATE"
}}
{scaling}
"#
    )
}

async fn policy_target_value(name: &str) -> Option<f64> {
    aas()
        .describe_scaling_policies()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap()
        .scaling_policies()
        .iter()
        .find(|p| p.policy_name() == name)
        .and_then(|p| p.target_tracking_scaling_policy_configuration())
        .map(|t| t.target_value())
}

#[tokio::test]
async fn autoscaling_and_service_replacement_and_drift() {
    let env = Env::new();
    let src = scaling_src("api", 3, 50, "mem");
    let state = env.apply(&src, &State::new()).await;
    let rid = "service/tr-scale/api";
    assert_eq!(target_max(rid).await, Some(3));
    assert_eq!(policy_target_value("mem").await, Some(50.0));
    // Unset optional cooldowns and disable_scale_in (false) converge.
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The policy's target value changes in place.
    let src2 = scaling_src("api", 3, 70, "mem");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_appautoscaling_policy.p"]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(policy_target_value("mem").await, Some(70.0));

    // Drift on the target's capacity shows exactly that, and is put back.
    aas()
        .register_scalable_target()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_id(rid)
        .scalable_dimension(
            aws_sdk_applicationautoscaling::types::ScalableDimension::EcsServiceDesiredCount,
        )
        .max_capacity(9)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_appautoscaling_target.t"]);
    assert_eq!(
        changed_attrs(&plan, "aws_appautoscaling_target.t"),
        ["max_capacity"]
    );
    let state = env.apply(&src2, &state).await;
    assert_eq!(target_max(rid).await, Some(3));

    // A policy deleted outside terrane is planned for re-creation.
    aas()
        .delete_scaling_policy()
        .policy_name("mem")
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_id(rid)
        .scalable_dimension(
            aws_sdk_applicationautoscaling::types::ScalableDimension::EcsServiceDesiredCount,
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Create aws_appautoscaling_policy.p"]);
    let state = env.apply(&src2, &state).await;

    // A new policy name replaces the policy.
    let src3 = scaling_src("api", 3, 70, "mem2");
    let plan = env.plan(&src3, &state).await;
    assert_eq!(
        changes(&plan),
        ["DeleteThenCreate aws_appautoscaling_policy.p"]
    );
    let state = env.apply(&src3, &state).await;
    assert_eq!(policy_target_value("mem").await, None);
    assert_eq!(policy_target_value("mem2").await, Some(70.0));

    // A new service name replaces the service, and with it the target and policy (their
    // resource ID changes).
    let src4 = scaling_src("api2", 3, 70, "mem2");
    let plan = env.plan(&src4, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "DeleteThenCreate aws_appautoscaling_policy.p",
            "DeleteThenCreate aws_appautoscaling_target.t",
            "DeleteThenCreate aws_ecs_service.s"
        ]
    );
    let old = attr(&state, "aws_ecs_service.s", "id");
    let state = env.apply(&src4, &state).await;
    assert_eq!(service("tr-scale", &old).await.status(), Some("INACTIVE"));
    assert_eq!(service("tr-scale", "api2").await.status(), Some("ACTIVE"));
    assert_eq!(target_max(rid).await, None);
    assert_eq!(target_max("service/tr-scale/api2").await, Some(3));
    let plan = env.plan(&src4, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    env.destroy(&src4, &state).await;
    assert_eq!(target_max("service/tr-scale/api2").await, None);
    assert_eq!(policy_target_value("mem2").await, None);
}

#[tokio::test]
async fn module_style_container_definitions_converge() {
    let env = Env::new();
    // As modules/ecs-fargate-service writes it: defaults spelled out, a log configuration
    // and secrets, cpu and memory from numbers.
    let src = format!(
        r#"{PROVIDER}
locals {{
  container = {{
    name      = "app"
    image     = "public.ecr.aws/nginx/nginx:1"
    essential = true
    portMappings = [{{ containerPort = 8080, protocol = "tcp" }}]
    environment  = [for k, v in {{ Z = "26", A = "1" }} : {{ name = k, value = v }}]
    secrets      = [{{ name = "DB", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db" }}]
    logConfiguration = {{
      logDriver = "awslogs"
      options = {{
        awslogs-group         = "/ecs/app"
        awslogs-region        = "us-east-1"
        awslogs-stream-prefix = "app"
      }}
    }}
  }}
}}
resource "aws_ecs_task_definition" "t" {{
  family                   = "tr-module"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 1024
  memory                   = 2048
  container_definitions    = jsonencode([local.container])
  ephemeral_storage {{
    size_in_gib = 30
  }}
}}
"#
    );
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, "aws_ecs_task_definition.t", "cpu"), "1024");
    let arn = attr(&state, "aws_ecs_task_definition.t", "arn");
    let td = ecs()
        .describe_task_definition()
        .task_definition(&arn)
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap();
    assert_eq!(td.ephemeral_storage().map(|e| e.size_in_gib()), Some(30));
    let c = &td.container_definitions()[0];
    assert_eq!(
        c.log_configuration().map(|l| l.log_driver().as_str()),
        Some("awslogs")
    );
    assert_eq!(c.secrets()[0].name(), "DB");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn triggers_force_a_new_deployment() {
    let env = Env::new();
    let src = |v: &str, force: bool| {
        format!(
            r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "tr-trig"
}}
resource "aws_ecs_service" "s" {{
  name                 = "web"
  cluster              = aws_ecs_cluster.c.name
  triggers             = {{ redeploy = "{v}" }}
  force_new_deployment = {force}
}}
"#
        )
    };
    let state = env.apply(&src("1", true), &State::new()).await;
    let deployment = |s: aws_sdk_ecs::types::Service| s.deployments()[0].id().map(str::to_string);
    let first = deployment(service("tr-trig", "web").await);
    let plan = env.plan(&src("1", true), &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    // Without force_new_deployment a trigger change plans nothing (as in Terraform).
    let plan = env.plan(&src("2", false), &state).await;
    assert_eq!(
        changed_attrs(&plan, "aws_ecs_service.s"),
        ["force_new_deployment"]
    );
    let plan = env.plan(&src("2", true), &state).await;
    assert_eq!(changes(&plan), ["Update aws_ecs_service.s"]);
    assert_eq!(changed_attrs(&plan, "aws_ecs_service.s"), ["triggers"]);
    let state = env.apply(&src("2", true), &state).await;
    assert_ne!(deployment(service("tr-trig", "web").await), first);
    env.destroy(&src("2", true), &state).await;
}

#[tokio::test]
async fn policies_without_their_configuration_are_refused_at_plan() {
    let env = Env::new();
    let src = format!(
        r#"{PROVIDER}
resource "aws_appautoscaling_policy" "p" {{
  name               = "steps"
  service_namespace  = "ecs"
  resource_id        = "service/c/s"
  scalable_dimension = "ecs:service:DesiredCount"
}}
"#
    );
    let text = format!(
        "{:?}",
        env.try_plan(&src, &State::new(), PlanMode::Normal)
            .await
            .unwrap_err()
    );
    assert!(
        text.contains("Invalid value for \\\"step_scaling_policy_configuration\\\""),
        "{text}"
    );
    assert!(text.contains("StepScaling is the default"), "{text}");
}

#[tokio::test]
async fn step_scaling_policy_lifecycle() {
    let env = Env::new();
    let src = |up: u32| {
        format!(
            r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "tr-steps"
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
resource "aws_appautoscaling_policy" "up" {{
  name               = "scale-up"
  service_namespace  = aws_appautoscaling_target.t.service_namespace
  resource_id        = aws_appautoscaling_target.t.resource_id
  scalable_dimension = aws_appautoscaling_target.t.scalable_dimension
  step_scaling_policy_configuration {{
    adjustment_type = "ChangeInCapacity"
    cooldown        = 60
    step_adjustment {{
      metric_interval_lower_bound = "0"
      metric_interval_upper_bound = "10.5"
      scaling_adjustment          = 1
    }}
    step_adjustment {{
      metric_interval_lower_bound = "10.5"
      scaling_adjustment          = {up}
    }}
  }}
}}
"#
        )
    };
    let state = env.apply(&src(2), &State::new()).await;
    assert_eq!(
        attr(&state, "aws_appautoscaling_policy.up", "policy_type"),
        "StepScaling"
    );
    let policy = || async {
        aas()
            .describe_scaling_policies()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .send()
            .await
            .unwrap()
            .scaling_policies()
            .iter()
            .find(|p| p.policy_name() == "scale-up")
            .cloned()
            .unwrap()
    };
    let steps = |p: aws_sdk_applicationautoscaling::types::ScalingPolicy| {
        let mut v: Vec<(Option<f64>, Option<f64>, i32)> = p
            .step_scaling_policy_configuration()
            .unwrap()
            .step_adjustments()
            .iter()
            .map(|s| {
                (
                    s.metric_interval_lower_bound(),
                    s.metric_interval_upper_bound(),
                    s.scaling_adjustment(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    };
    assert_eq!(
        steps(policy().await),
        [(Some(0.0), Some(10.5), 1), (Some(10.5), None, 2)]
    );
    let plan = env.plan(&src(2), &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    let plan = env.plan(&src(3), &state).await;
    assert_eq!(changes(&plan), ["Update aws_appautoscaling_policy.up"]);
    let state = env.apply(&src(3), &state).await;
    assert_eq!(steps(policy().await)[1], (Some(10.5), None, 3));
    let plan = env.plan(&src(3), &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&src(3), &state).await;
}

/// Whether a scalable target suspends dynamic scaling in, and scheduled scaling.
async fn suspended(resource_id: &str) -> (bool, bool) {
    let got = aas()
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_ids(resource_id)
        .send()
        .await
        .unwrap();
    let s = got.scalable_targets()[0].suspended_state().unwrap();
    (
        s.dynamic_scaling_in_suspended() == Some(true),
        s.scheduled_scaling_suspended() == Some(true),
    )
}

/// What `provider_6_arguments` varies between its apply and its in-place update.
struct V6 {
    spread_field: &'static str,
    alarms_enabled: bool,
    rebalancing: &'static str,
    bake_minutes: u32,
    weight: u32,
    /// Whether the service's scalable target suspends scaling in (else scheduled scaling).
    suspend_in: bool,
}

fn v6_src(v: &V6) -> String {
    let V6 {
        spread_field,
        alarms_enabled,
        rebalancing,
        bake_minutes,
        weight,
        suspend_in,
    } = v;
    let suspend_scheduled = !suspend_in;
    format!(
        r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "v6"
}}
resource "aws_ecs_task_definition" "t" {{
  family                 = "v6"
  memory                 = "512"
  container_definitions  = {defs}
  enable_fault_injection = true
  track_latest           = true
  volume {{
    name = "cache"
    docker_volume_configuration {{
      driver        = "local"
      autoprovision = true
      scope         = "shared"
      labels        = {{ tier = "cache" }}
    }}
  }}
  volume {{
    name = "files"
    efs_volume_configuration {{
      file_system_id     = "fs-12345678"
      root_directory     = "/"
      transit_encryption = "ENABLED"
      authorization_config {{
        iam = "ENABLED"
      }}
    }}
  }}
  placement_constraints {{
    type       = "memberOf"
    expression = "attribute:ecs.instance-type =~ t3.*"
  }}
  proxy_configuration {{
    container_name = "web"
    properties = {{
      AppPorts         = "80"
      IgnoredUID       = "1337"
      ProxyIngressPort = "15000"
      ProxyEgressPort  = "15001"
    }}
  }}
}}
resource "aws_ecs_service" "placed" {{
  name                          = "v6-placed"
  cluster                       = aws_ecs_cluster.c.id
  task_definition               = aws_ecs_task_definition.t.arn
  desired_count                 = 1
  launch_type                   = "EC2"
  availability_zone_rebalancing = "{rebalancing}"
  force_delete                  = true
  alarms {{
    alarm_names = ["v6-errors"]
    enable      = {alarms_enabled}
    rollback    = true
  }}
  deployment_controller {{
    type = "ECS"
  }}
  deployment_configuration {{
    strategy             = "ROLLING"
    bake_time_in_minutes = "{bake_minutes}"
  }}
  ordered_placement_strategy {{
    type  = "spread"
    field = "{spread_field}"
  }}
  placement_constraints {{
    type = "distinctInstance"
  }}
  service_registries {{
    registry_arn   = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-v6"
    container_name = "web"
    container_port = 80
  }}
}}
resource "aws_ecs_service" "capacity" {{
  name            = "v6-capacity"
  cluster         = aws_ecs_cluster.c.id
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
  capacity_provider_strategy {{
    capacity_provider = "FARGATE"
    base              = 1
    weight            = {weight}
  }}
}}
resource "aws_appautoscaling_target" "placed" {{
  service_namespace  = "ecs"
  resource_id        = "service/${{aws_ecs_cluster.c.name}}/${{aws_ecs_service.placed.name}}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = 3
  suspended_state {{
    dynamic_scaling_in_suspended = {suspend_in}
    scheduled_scaling_suspended  = {suspend_scheduled}
  }}
  tags = {{ app = "v6" }}
}}
"#,
        defs = containers("nginx:1")
    )
}

/// The arguments and blocks the AWS provider 6.x added to services, task definitions and
/// scalable targets (those the community ECS service module sets) reach AWS on create and
/// on an in-place update, and read back without a diff.
#[tokio::test]
async fn provider_6_arguments() {
    let env = Env::new();
    let v1 = V6 {
        spread_field: "attribute:ecs.availability-zone",
        alarms_enabled: true,
        rebalancing: "ENABLED",
        bake_minutes: 5,
        weight: 1,
        suspend_in: true,
    };
    let s1 = v6_src(&v1);
    let state = env.apply(&s1, &State::new()).await;
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    let td = ecs()
        .describe_task_definition()
        .task_definition(attr(&state, "aws_ecs_task_definition.t", "arn"))
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap();
    let vols: Vec<_> = td.volumes().iter().filter_map(|v| v.name()).collect();
    assert_eq!(vols.len(), 2, "{vols:?}");
    assert_eq!(
        td.placement_constraints()[0].expression(),
        Some("attribute:ecs.instance-type =~ t3.*")
    );
    assert_eq!(
        td.proxy_configuration().map(|p| p.container_name()),
        Some("web")
    );
    assert_eq!(suspended("service/v6/v6-placed").await, (true, false));
    let placed = service("v6", "v6-placed").await;
    assert_eq!(
        placed.service_registries()[0].registry_arn(),
        Some("arn:aws:servicediscovery:us-east-1:123456789012:service/srv-v6")
    );

    // Placement, alarms, rebalancing, bake time and the capacity strategy update in place.
    let v2 = V6 {
        spread_field: "instanceId",
        alarms_enabled: false,
        rebalancing: "DISABLED",
        bake_minutes: 10,
        weight: 3,
        suspend_in: false,
    };
    let s2 = v6_src(&v2);
    let plan = env.plan(&s2, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "Update aws_appautoscaling_target.placed",
            "Update aws_ecs_service.capacity",
            "Update aws_ecs_service.placed"
        ]
    );
    let state = env.apply(&s2, &state).await;
    let plan = env.plan(&s2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let placed = service("v6", "v6-placed").await;
    assert_eq!(placed.placement_strategy()[0].field(), Some("instanceId"));
    assert_eq!(
        placed.availability_zone_rebalancing().map(|a| a.as_str()),
        Some("DISABLED")
    );
    let dc = placed.deployment_configuration().unwrap();
    assert_eq!(dc.bake_time_in_minutes(), Some(10));
    assert_eq!(dc.alarms().map(|a| a.enable()), Some(false));
    let capacity = service("v6", "v6-capacity").await;
    assert_eq!(capacity.capacity_provider_strategy()[0].weight(), 3);
    assert_eq!(suspended("service/v6/v6-placed").await, (false, true));
    env.destroy(&s2, &state).await;
}

/// Predictive scaling, declared but not sent yet, is refused at plan, not ignored.
#[tokio::test]
async fn predictive_scaling_is_refused() {
    let env = Env::new();
    let src = format!(
        r#"{PROVIDER}
resource "aws_appautoscaling_policy" "p" {{
  name               = "v6-predictive"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "ecs"
  resource_id        = "service/v6/v6-refused"
  scalable_dimension = "ecs:service:DesiredCount"
  target_tracking_scaling_policy_configuration {{
    target_value = 40
    predefined_metric_specification {{
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }}
  }}
  predictive_scaling_policy_configuration {{
    metric_specification {{
      target_value = 40
      predefined_metric_pair_specification {{
        predefined_metric_type = "ECSServiceCPUUtilization"
      }}
    }}
  }}
}}
"#
    );
    let err = env
        .try_plan(&src, &State::new(), PlanMode::Normal)
        .await
        .unwrap_err();
    let msgs: Vec<String> = err.iter().map(|d| d.summary.clone()).collect();
    assert_eq!(
        msgs,
        ["predictive_scaling_policy_configuration is not supported yet"]
    );
}

fn cluster_config_src(prefix: &str, namespace: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "v6-configured"
  configuration {{
    execute_command_configuration {{
      kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/exec"
      logging    = "OVERRIDE"
      log_configuration {{
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = "/ecs/exec"
        s3_bucket_name                 = "exec-logs"
        s3_key_prefix                  = "{prefix}"
      }}
    }}
    managed_storage_configuration {{
      fargate_ephemeral_storage_kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/storage"
    }}
  }}
  service_connect_defaults {{
    namespace = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/{namespace}"
  }}
}}
"#
    )
}

/// A cluster's ECS Exec and managed storage configuration and its Service Connect default
/// namespace reach ECS on create and update in place.
#[tokio::test]
async fn cluster_configuration_and_service_connect_defaults() {
    let env = Env::new();
    let s1 = cluster_config_src("exec", "ns-one");
    let state = env.apply(&s1, &State::new()).await;
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let prefix = |c: &aws_sdk_ecs::types::Cluster| {
        c.configuration()
            .and_then(|c| c.execute_command_configuration())
            .and_then(|e| e.log_configuration())
            .and_then(|l| l.s3_key_prefix())
            .map(str::to_string)
    };
    let namespace = |c: &aws_sdk_ecs::types::Cluster| {
        c.service_connect_defaults()
            .and_then(|d| d.namespace())
            .map(|n| n.rsplit('/').next().unwrap_or(n).to_string())
    };
    let arn = attr(&state, "aws_ecs_cluster.c", "arn");
    let c = describe_cluster(&arn).await;
    assert_eq!(prefix(&c).as_deref(), Some("exec"));
    assert_eq!(namespace(&c).as_deref(), Some("ns-one"));

    let s2 = cluster_config_src("exec2", "ns-two");
    let plan = env.plan(&s2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_ecs_cluster.c"]);
    let state = env.apply(&s2, &state).await;
    let plan = env.plan(&s2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let c = describe_cluster(&arn).await;
    assert_eq!(prefix(&c).as_deref(), Some("exec2"));
    assert_eq!(namespace(&c).as_deref(), Some("ns-two"));
    env.destroy(&s2, &state).await;
}

fn capacity_src(weight: u32) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_ecs_cluster" "c" {{
  name = "v6-capacity-providers"
}}
resource "aws_ecs_cluster_capacity_providers" "c" {{
  cluster_name       = aws_ecs_cluster.c.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
  default_capacity_provider_strategy {{
    capacity_provider = "FARGATE"
    base              = 1
    weight            = {weight}
  }}
  default_capacity_provider_strategy {{
    capacity_provider = "FARGATE_SPOT"
    weight            = 4
  }}
}}
"#
    )
}

/// A cluster's capacity providers and default strategy: set, read back without a diff,
/// changed in place, and emptied on destroy.
#[tokio::test]
async fn cluster_capacity_providers_lifecycle() {
    let env = Env::new();
    let s1 = capacity_src(1);
    let state = env.apply(&s1, &State::new()).await;
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert_eq!(
        attr(&state, "aws_ecs_cluster_capacity_providers.c", "id"),
        "v6-capacity-providers"
    );
    let arn = attr(&state, "aws_ecs_cluster.c", "arn");
    let weights = |c: &aws_sdk_ecs::types::Cluster| {
        let mut w: Vec<(String, i32)> = c
            .default_capacity_provider_strategy()
            .iter()
            .map(|s| (s.capacity_provider().to_string(), s.weight()))
            .collect();
        w.sort();
        w
    };
    let c = describe_cluster(&arn).await;
    assert_eq!(c.capacity_providers().len(), 2);
    assert_eq!(
        weights(&c),
        [("FARGATE".to_string(), 1), ("FARGATE_SPOT".to_string(), 4)]
    );

    let s2 = capacity_src(2);
    let plan = env.plan(&s2, &state).await;
    assert_eq!(
        changes(&plan),
        ["Update aws_ecs_cluster_capacity_providers.c"]
    );
    let state = env.apply(&s2, &state).await;
    let plan = env.plan(&s2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert_eq!(
        weights(&describe_cluster(&arn).await),
        [("FARGATE".to_string(), 2), ("FARGATE_SPOT".to_string(), 4)]
    );
    env.destroy(&s2, &state).await;
}

fn capacity_provider_src(target: u32) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_ecs_capacity_provider" "asg" {{
  name = "v6-asg"
  auto_scaling_group_provider {{
    auto_scaling_group_arn         = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1a2b:autoScalingGroupName/v6"
    managed_termination_protection = "DISABLED"
    managed_scaling {{
      status          = "ENABLED"
      target_capacity = {target}
    }}
  }}
  tags = {{ app = "v6" }}
}}
"#
    )
}

/// A capacity provider over an Auto Scaling group: created with its managed scaling,
/// read back without a diff (AWS's defaults for the unset steps kept), its target
/// capacity changed in place, deleted on destroy.
#[tokio::test]
async fn capacity_provider_lifecycle() {
    let env = Env::new();
    let s1 = capacity_provider_src(80);
    let state = env.apply(&s1, &State::new()).await;
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let arn = attr(&state, "aws_ecs_capacity_provider.asg", "arn");
    assert!(arn.ends_with(":capacity-provider/v6-asg"), "{arn}");
    let target = || async {
        ecs()
            .describe_capacity_providers()
            .capacity_providers("v6-asg")
            .send()
            .await
            .unwrap()
            .capacity_providers()
            .first()
            .and_then(|p| p.auto_scaling_group_provider())
            .and_then(|a| a.managed_scaling())
            .and_then(|m| m.target_capacity())
    };
    assert_eq!(target().await, Some(80));

    let s2 = capacity_provider_src(90);
    let plan = env.plan(&s2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_ecs_capacity_provider.asg"]);
    let state = env.apply(&s2, &state).await;
    assert_eq!(target().await, Some(90));
    let plan = env.plan(&s2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&s2, &state).await;
    assert_eq!(target().await, None);
}

fn service_connect_src(endpoint: &str, namespace: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
  endpoints {{
    ecs = "{endpoint}"
  }}
}}
resource "aws_ecs_cluster" "c" {{
  name = "v6-connect"
}}
resource "aws_ecs_task_definition" "t" {{
  family                = "v6-connect"
  memory                = "512"
  container_definitions = {defs}
}}
resource "aws_ecs_service" "s" {{
  name            = "v6-connect"
  cluster         = aws_ecs_cluster.c.id
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
  service_connect_configuration {{
    enabled   = true
    namespace = "{namespace}"
    service {{
      port_name      = "http"
      discovery_name = "web"
      client_alias {{
        port     = 80
        dns_name = "web.internal"
      }}
      timeout {{
        idle_timeout_seconds = 60
      }}
    }}
    log_configuration {{
      log_driver = "awslogs"
      options    = {{ awslogs-group = "/ecs/connect" }}
    }}
  }}
  volume_configuration {{
    name = "data"
    managed_ebs_volume {{
      role_arn   = "arn:aws:iam::123456789012:role/ebs"
      size_in_gb = 20
    }}
  }}
  load_balancer {{
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0123456789abcdef"
    container_name   = "web"
    container_port   = 80
    advanced_configuration {{
      alternate_target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/0123456789abcdef"
      production_listener_rule   = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/3"
      role_arn                   = "arn:aws:iam::123456789012:role/bluegreen"
    }}
  }}
}}
"#,
        defs = containers("nginx:1")
    )
}

/// Service Connect, EBS volumes and a load balancer's blue/green settings reach ECS on
/// create, Service Connect also on an in-place update (checked in the requests: moto
/// neither keeps nor reports the first two, so the configured blocks are kept).
#[tokio::test]
async fn service_connect_volumes_and_blue_green_are_sent() {
    let env = Env::new();
    let proxy = terrane_test_support::fault::FaultProxy::for_moto();
    let s1 = service_connect_src(&proxy.endpoint, "ns-one");
    let state = env.apply(&s1, &State::new()).await;
    let sent = proxy.last_body("CreateService").unwrap_or_default();
    assert!(
        sent.contains(r#""serviceConnectConfiguration":{"#)
            && sent.contains(r#""namespace":"ns-one""#)
            && sent.contains(r#""dnsName":"web.internal""#)
            && sent.contains(r#""volumeConfigurations":[{"#)
            && sent.contains(r#""sizeInGiB":20"#)
            && sent.contains(r#""alternateTargetGroupArn":"#),
        "{sent}"
    );
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    let s2 = service_connect_src(&proxy.endpoint, "ns-two");
    let plan = env.plan(&s2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_ecs_service.s"]);
    let state = env.apply(&s2, &state).await;
    let sent = proxy.last_body("UpdateService").unwrap_or_default();
    assert!(sent.contains(r#""namespace":"ns-two""#), "{sent}");
    let plan = env.plan(&s2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&s2, &state).await;
}

fn schedule_src(schedule: &str, max: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_appautoscaling_scheduled_action" "night" {{
  name               = "scale-down-at-night"
  service_namespace  = "dynamodb"
  resource_id        = "table/scheduled"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  schedule           = "{schedule}"
  timezone           = "Europe/Paris"
  start_time         = "2030-01-01T02:00:00+02:00"
  scalable_target_action {{
    min_capacity = "1"
    max_capacity = "{max}"
  }}
}}
"#
    )
}

async fn scheduled(name: &str) -> Option<aws_sdk_applicationautoscaling::types::ScheduledAction> {
    aas()
        .describe_scheduled_actions()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Dynamodb)
        .scheduled_action_names(name)
        .send()
        .await
        .unwrap()
        .scheduled_actions()
        .first()
        .cloned()
}

#[tokio::test]
async fn scheduled_action_lifecycle() {
    let env = Env::new();
    let addr = "aws_appautoscaling_scheduled_action.night";
    let src = schedule_src("cron(0 22 * * ? *)", "5");
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(
        attr(&state, addr, "id"),
        "scale-down-at-night-dynamodb-table/scheduled"
    );
    assert!(
        attr(&state, addr, "arn").contains(":scheduledAction:"),
        "{}",
        attr(&state, addr, "arn")
    );
    let a = scheduled("scale-down-at-night").await.unwrap();
    assert_eq!(a.schedule(), "cron(0 22 * * ? *)");
    assert_eq!(a.timezone(), Some("Europe/Paris"));
    assert_eq!(
        a.scalable_target_action().and_then(|t| t.max_capacity()),
        Some(5)
    );
    // The start time is the same instant, written in UTC.
    assert_eq!(a.start_time().map(|t| t.secs()), Some(1_893_456_000));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Schedule and capacity change in place.
    let src2 = schedule_src("cron(0 23 * * ? *)", "7");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(
        changed_attrs(&plan, addr),
        ["scalable_target_action", "schedule"]
    );
    let state = env.apply(&src2, &state).await;
    let a = scheduled("scale-down-at-night").await.unwrap();
    assert_eq!(a.schedule(), "cron(0 23 * * ? *)");
    assert_eq!(
        a.scalable_target_action().and_then(|t| t.max_capacity()),
        Some(7)
    );
    assert!(a.start_time().is_some());
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Drift: the capacity changed outside terrane is seen and put back.
    aas()
        .put_scheduled_action()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Dynamodb)
        .resource_id("table/scheduled")
        .scalable_dimension(
            aws_sdk_applicationautoscaling::types::ScalableDimension::DynamoDbTableReadCapacityUnits,
        )
        .scheduled_action_name("scale-down-at-night")
        .set_start_time(a.start_time().cloned())
        .scalable_target_action(
            aws_sdk_applicationautoscaling::types::ScalableTargetAction::builder()
                .min_capacity(1)
                .max_capacity(9)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(
        common::drifted_attrs(&plan, addr),
        ["scalable_target_action"]
    );
    let state = env.apply(&src2, &state).await;
    let a = scheduled("scale-down-at-night").await.unwrap();
    assert_eq!(
        a.scalable_target_action().and_then(|t| t.max_capacity()),
        Some(7)
    );
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Like the Terraform provider's, the type has no import.
    let refused = env
        .import("aws_appautoscaling_scheduled_action", "x")
        .await
        .unwrap_err();
    assert!(
        format!("{refused:?}").contains("doesn't support import"),
        "{refused:?}"
    );

    // A capacity that is not a number is refused before any call.
    let bad = schedule_src("cron(0 23 * * ? *)", "many");
    let err = env
        .try_plan(&bad, &state, PlanMode::Normal)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("max_capacity"), "{err:?}");

    env.destroy(&src2, &state).await;
    assert!(scheduled("scale-down-at-night").await.is_none());
}
