//! Launch templates and EC2 Auto Scaling groups against moto, through the engine: create,
//! converge, update in place (a new template version; new sizes and tags of a group),
//! replace, import, crash-recovery identity, destroy; schedules and scaling policies.

mod common;

use common::{attr, changed_attrs, changes, converged, found_by_identity, updated, Env};
use terrane_engine::state::State;

fn asg_client() -> aws_sdk_autoscaling::Client {
    let m = terrane_test_support::moto();
    aws_sdk_autoscaling::Client::from_conf(
        aws_sdk_autoscaling::Config::builder()
            .behavior_version(aws_sdk_autoscaling::config::BehaviorVersion::latest())
            .region(aws_sdk_autoscaling::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_autoscaling::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

/// A launch template with the nested blocks the autoscaling community module sets.
fn template(name: &str, instance_type: &str, team: &str) -> String {
    format!(
        r##"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_launch_template" "t" {{
  name                   = "{name}"
  description            = "web servers"
  image_id               = "ami-12c6146b"
  instance_type          = "{instance_type}"
  user_data              = base64encode("#!/bin/sh\necho hi")
  update_default_version = true
  ebs_optimized          = "true"

  block_device_mappings {{
    device_name = "/dev/xvda"
    ebs {{
      volume_size           = 20
      volume_type           = "gp3"
      delete_on_termination = "true"
      encrypted             = "true"
    }}
  }}
  iam_instance_profile {{
    name = "web-profile"
  }}
  metadata_options {{
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }}
  monitoring {{
    enabled = true
  }}
  network_interfaces {{
    associate_public_ip_address = "true"
    delete_on_termination       = "true"
    device_index                = 0
    description                 = "primary"
  }}
  tag_specifications {{
    resource_type = "instance"
    tags          = {{ role = "web" }}
  }}
  tags = {{ team = "{team}" }}
}}
"##
    )
}

#[tokio::test]
async fn launch_template() {
    let env = Env::new();
    let addr = "aws_launch_template.t";
    let src = template("lt-web", "t3.micro", "a");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, addr, "id");
    assert!(id.starts_with("lt-"), "{id}");
    assert_eq!(
        attr(&state, addr, "arn"),
        format!("arn:aws:ec2:us-east-1:123456789012:launch-template/{id}")
    );
    assert_eq!(attr(&state, addr, "latest_version"), "1");
    assert_eq!(attr(&state, addr, "default_version"), "1");
    assert_eq!(attr(&state, addr, "tags_all"), r#"{"team":"a"}"#);
    converged(&env, &src, &state).await;
    found_by_identity(&env, &state, addr).await;

    // A new instance type is a new version, made the default.
    let src = template("lt-web", "t3.small", "a");
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    let state = env.apply(&src, &state).await;
    assert_eq!(attr(&state, addr, "id"), id);
    assert_eq!(attr(&state, addr, "latest_version"), "2");
    assert_eq!(attr(&state, addr, "default_version"), "2");
    assert_eq!(attr(&state, addr, "instance_type"), "t3.small");
    converged(&env, &src, &state).await;

    // Tags change without a new version.
    let state = updated(
        &env,
        &template("lt-web", "t3.small", "b"),
        &state,
        addr,
        &["tags", "tags_all"],
    )
    .await;
    assert_eq!(attr(&state, addr, "latest_version"), "2");

    // Import by ID reads everything AWS holds: only `update_default_version`, a
    // setting of the provider's own, then plans a change (as in Terraform).
    let src = template("lt-web", "t3.small", "b");
    let imported = env.import_into(&state, addr, &id).await;
    let plan = env.plan(&src, &imported).await;
    assert_eq!(changed_attrs(&plan, addr), ["update_default_version"]);

    // A new name replaces; destroy leaves nothing.
    let plan = env
        .plan(&template("lt-web-2", "t3.small", "b"), &state)
        .await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    env.destroy(&src, &state).await;
    assert!(env
        .import_refreshed("aws_launch_template", &id)
        .await
        .is_none());
}

fn group(name: &str, max: u32, desired: u32, team: &str) -> String {
    group_with(name, max, desired, team, "")
}

/// [`group`] with `extra` arguments in the group's block.
fn group_with(name: &str, max: u32, desired: u32, team: &str, extra: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "v" {{
  cidr_block = "10.91.0.0/16"
}}
resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.91.1.0/24"
  availability_zone = "us-east-1a"
}}
resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.91.2.0/24"
  availability_zone = "us-east-1b"
}}
resource "aws_launch_template" "t" {{
  name_prefix   = "asg-"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"
}}
resource "aws_autoscaling_group" "g" {{
  name                  = "{name}"
  min_size              = 1
  max_size              = {max}
  desired_capacity      = {desired}
  vpc_zone_identifier   = [aws_subnet.a.id, aws_subnet.b.id]
  protect_from_scale_in = true
  health_check_type     = "EC2"
  {extra}

  launch_template {{
    id      = aws_launch_template.t.id
    version = aws_launch_template.t.latest_version
  }}
  tag {{
    key                 = "team"
    value               = "{team}"
    propagate_at_launch = true
  }}
  tag {{
    key                 = "Name"
    value               = "web"
    propagate_at_launch = false
  }}
}}
"#
    )
}

#[tokio::test]
async fn autoscaling_group() {
    let env = Env::new();
    let addr = "aws_autoscaling_group.g";
    let src = group("web-asg", 2, 1, "a");
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, addr, "id"), "web-asg");
    assert!(attr(&state, addr, "arn").contains(":autoScalingGroupName/web-asg"));
    assert_eq!(attr(&state, addr, "desired_capacity"), "1");
    assert_eq!(attr(&state, addr, "health_check_grace_period"), "300");
    assert_eq!(attr(&state, addr, "wait_for_capacity_timeout"), "10m");
    converged(&env, &src, &state).await;
    found_by_identity(&env, &state, addr).await;

    // Sizes change in place, and the group grows to the new desired capacity.
    let state = updated(
        &env,
        &group("web-asg", 3, 2, "a"),
        &state,
        addr,
        &["desired_capacity", "max_size"],
    )
    .await;
    let asg = asg_client();
    let described = asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("web-asg")
        .send()
        .await
        .unwrap();
    let g = &described.auto_scaling_groups()[0];
    assert_eq!(g.instances().len(), 2);
    assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));

    // A tag block changes in place.
    let state = updated(&env, &group("web-asg", 3, 2, "b"), &state, addr, &["tag"]).await;
    let tags = asg
        .describe_tags()
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .filter(|t| t.resource_id() == Some("web-asg"))
        .map(|t| {
            (
                t.key().unwrap().to_string(),
                t.value().unwrap().to_string(),
                t.propagate_at_launch().unwrap(),
            )
        })
        .collect::<Vec<_>>();
    assert!(
        tags.contains(&("team".into(), "b".into(), true)),
        "{tags:?}"
    );
    assert!(
        tags.contains(&("Name".into(), "web".into(), false)),
        "{tags:?}"
    );

    // Suspended processes and metrics change in place, each with its own calls.
    let both = r#"suspended_processes = ["AZRebalance"]
  enabled_metrics = ["GroupMinSize"]"#;
    let state = updated(
        &env,
        &group_with("web-asg", 3, 2, "b", both),
        &state,
        addr,
        &["enabled_metrics", "suspended_processes"],
    )
    .await;
    let described = asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("web-asg")
        .send()
        .await
        .unwrap();
    let g = &described.auto_scaling_groups()[0];
    let suspended: Vec<&str> = g
        .suspended_processes()
        .iter()
        .filter_map(|p| p.process_name())
        .collect();
    assert_eq!(suspended, ["AZRebalance"]);
    let metrics: Vec<&str> = g
        .enabled_metrics()
        .iter()
        .filter_map(|m| m.metric())
        .collect();
    assert_eq!(metrics, ["GroupMinSize"]);
    // Resumed when left out (moto has no DisableMetricsCollection: metrics stay).
    let metrics_only = r#"enabled_metrics = ["GroupMinSize"]"#;
    let state = updated(
        &env,
        &group_with("web-asg", 3, 2, "b", metrics_only),
        &state,
        addr,
        &["suspended_processes"],
    )
    .await;
    let described = asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("web-asg")
        .send()
        .await
        .unwrap();
    assert!(described.auto_scaling_groups()[0]
        .suspended_processes()
        .is_empty());

    // Import by name converges; a new name replaces.
    let src = group_with("web-asg", 3, 2, "b", metrics_only);
    let imported = env.import_into(&state, addr, "web-asg").await;
    converged(&env, &src, &imported).await;
    let plan = env
        .plan(&group_with("web-asg-2", 3, 2, "b", metrics_only), &state)
        .await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    assert!(changed_attrs(&plan, addr).contains(&"name".to_string()));

    env.destroy(&src, &state).await;
    let left = asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("web-asg")
        .send()
        .await
        .unwrap();
    assert!(left.auto_scaling_groups().is_empty());
}

/// A group with two schedules: a nightly one (`night_desired` instances) and a one-off
/// burst that leaves the minimum and maximum alone (-1).
fn scheduled(night_desired: u32) -> String {
    let group = group("sched-asg", 3, 1, "a");
    format!(
        r#"{group}
resource "aws_autoscaling_schedule" "night" {{
  autoscaling_group_name = aws_autoscaling_group.g.name
  scheduled_action_name  = "night"
  min_size               = 0
  max_size               = 1
  desired_capacity       = {night_desired}
  recurrence             = "0 18 * * *"
  time_zone              = "Europe/Paris"
}}
resource "aws_autoscaling_schedule" "burst" {{
  autoscaling_group_name = aws_autoscaling_group.g.name
  scheduled_action_name  = "burst"
  min_size               = -1
  max_size               = -1
  desired_capacity       = 3
  start_time             = "2031-01-01T00:00:00Z"
  end_time               = "2031-01-02T00:00:00Z"
}}
"#
    )
}

async fn scheduled_actions() -> Vec<aws_sdk_autoscaling::types::ScheduledUpdateGroupAction> {
    let out = asg_client()
        .describe_scheduled_actions()
        .auto_scaling_group_name("sched-asg")
        .send()
        .await
        .unwrap();
    out.scheduled_update_group_actions().to_vec()
}

async fn action(name: &str) -> aws_sdk_autoscaling::types::ScheduledUpdateGroupAction {
    let all = scheduled_actions().await;
    let found = all.iter().find(|a| a.scheduled_action_name() == Some(name));
    found.unwrap_or_else(|| panic!("no action {name}")).clone()
}

#[tokio::test]
async fn autoscaling_schedule() {
    let env = Env::new();
    let (night, burst) = (
        "aws_autoscaling_schedule.night",
        "aws_autoscaling_schedule.burst",
    );
    let src = scheduled(0);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, night, "id"), "night");
    // moto keeps no ARN for scheduled actions (AWS does): `arn` is read as "".
    let a = action("night").await;
    assert_eq!(a.recurrence(), Some("0 18 * * *"));
    assert_eq!(
        (a.min_size(), a.max_size(), a.desired_capacity()),
        (Some(0), Some(1), Some(0))
    );
    // -1 leaves a size out of the action.
    let b = action("burst").await;
    assert_eq!(
        (b.min_size(), b.max_size(), b.desired_capacity()),
        (None, None, Some(3))
    );
    assert_eq!(attr(&state, burst, "min_size"), "-1");
    assert_eq!(attr(&state, burst, "start_time"), "2031-01-01T00:00:00Z");
    converged(&env, &src, &state).await;
    found_by_identity(&env, &state, night).await;

    // The desired capacity changes in place, with one put of the whole action.
    let state = updated(&env, &scheduled(1), &state, night, &["desired_capacity"]).await;
    let a = action("night").await;
    assert_eq!(a.desired_capacity(), Some(1));
    assert_eq!(a.recurrence(), Some("0 18 * * *"));
    let src = scheduled(1);

    // Imported by GROUP/NAME: no change.
    let imported = env.import_into(&state, burst, "sched-asg/burst").await;
    converged(&env, &src, &imported).await;

    // Changed outside terrane: drift on exactly that size, put back by apply.
    asg_client()
        .put_scheduled_update_group_action()
        .auto_scaling_group_name("sched-asg")
        .scheduled_action_name("night")
        .min_size(0)
        .max_size(2)
        .desired_capacity(1)
        .recurrence("0 18 * * *")
        .time_zone("Europe/Paris")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), [format!("Update {night}")]);
    assert_eq!(common::drifted_attrs(&plan, night), ["max_size"]);
    let state = env.apply(&src, &state).await;
    assert_eq!(action("night").await.max_size(), Some(1));

    // Deleted outside terrane: planned as a create.
    asg_client()
        .delete_scheduled_action()
        .auto_scaling_group_name("sched-asg")
        .scheduled_action_name("burst")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), [format!("Create {burst}")]);
    let state = env.apply(&src, &state).await;

    env.destroy(&src, &state).await;
    assert!(scheduled_actions().await.is_empty());
}

/// The three kinds of policy the autoscaling community module declares, on one group.
fn policies(target: f64, steps_adjustment: i32) -> String {
    let group = group("pol-asg", 4, 1, "a");
    format!(
        r#"{group}
resource "aws_autoscaling_policy" "simple" {{
  name                   = "add-one"
  autoscaling_group_name = aws_autoscaling_group.g.name
  adjustment_type        = "ChangeInCapacity"
  scaling_adjustment     = 1
  cooldown               = 120
}}
resource "aws_autoscaling_policy" "step" {{
  name                      = "steps"
  autoscaling_group_name    = aws_autoscaling_group.g.name
  policy_type               = "StepScaling"
  adjustment_type           = "ChangeInCapacity"
  metric_aggregation_type   = "Average"
  estimated_instance_warmup = 90
  step_adjustment {{
    scaling_adjustment          = {steps_adjustment}
    metric_interval_lower_bound = 0
    metric_interval_upper_bound = "10"
  }}
  step_adjustment {{
    scaling_adjustment          = 2
    metric_interval_lower_bound = 10
  }}
}}
resource "aws_autoscaling_policy" "cpu" {{
  name                      = "cpu"
  autoscaling_group_name    = aws_autoscaling_group.g.name
  policy_type               = "TargetTrackingScaling"
  estimated_instance_warmup = 60
  target_tracking_configuration {{
    target_value = {target}
    predefined_metric_specification {{
      predefined_metric_type = "ASGAverageCPUUtilization"
    }}
  }}
}}
resource "aws_autoscaling_policy" "custom" {{
  name                   = "queue"
  autoscaling_group_name = aws_autoscaling_group.g.name
  policy_type            = "TargetTrackingScaling"
  target_tracking_configuration {{
    target_value = 100
    customized_metric_specification {{
      metric_name = "Backlog"
      namespace   = "App"
      statistic   = "Average"
      metric_dimension {{
        name  = "Queue"
        value = "jobs"
      }}
    }}
  }}
}}
"#
    )
}

async fn policy(name: &str) -> Option<aws_sdk_autoscaling::types::ScalingPolicy> {
    let out = asg_client()
        .describe_policies()
        .auto_scaling_group_name("pol-asg")
        .send()
        .await
        .unwrap();
    let found = out
        .scaling_policies()
        .iter()
        .find(|p| p.policy_name() == Some(name));
    found.cloned()
}

#[tokio::test]
async fn autoscaling_policy() {
    let env = Env::new();
    let (simple, step, cpu) = (
        "aws_autoscaling_policy.simple",
        "aws_autoscaling_policy.step",
        "aws_autoscaling_policy.cpu",
    );
    let src = policies(50.0, 1);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, simple, "id"), "add-one");
    assert!(attr(&state, cpu, "arn").contains("policyName/cpu"));
    let p = policy("add-one").await.unwrap();
    assert_eq!(
        (p.policy_type(), p.scaling_adjustment(), p.cooldown()),
        (Some("SimpleScaling"), Some(1), Some(120))
    );
    let p = policy("steps").await.unwrap();
    let mut bounds: Vec<_> = p
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
    bounds.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(
        bounds,
        [
            (Some(0.0), Some(10.0), Some(1)),
            (Some(10.0), None, Some(2))
        ]
    );
    // A step policy is sent no scaling_adjustment, a tracking one no adjustment type.
    assert_eq!(p.scaling_adjustment(), None);
    let t = policy("cpu").await.unwrap();
    assert_eq!(t.adjustment_type(), None);
    let tc = t.target_tracking_configuration().unwrap();
    assert_eq!(tc.target_value(), Some(50.0));
    let c = policy("queue").await.unwrap();
    let spec = c
        .target_tracking_configuration()
        .and_then(|t| t.customized_metric_specification())
        .unwrap();
    assert_eq!(
        (spec.metric_name(), spec.namespace()),
        (Some("Backlog"), Some("App"))
    );
    assert_eq!(spec.dimensions().len(), 1);
    // Bounds are kept as strings, as the provider keeps them: the next plan is empty.
    converged(&env, &src, &state).await;
    found_by_identity(&env, &state, cpu).await;

    // A new target and a new step change in place, one put of the whole policy each.
    let src = policies(70.0, 3);
    let plan = env.plan(&src, &state).await;
    assert_eq!(
        changes(&plan),
        [format!("Update {cpu}"), format!("Update {step}")]
    );
    assert_eq!(changed_attrs(&plan, cpu), ["target_tracking_configuration"]);
    let state = env.apply(&src, &state).await;
    let t = policy("cpu").await.unwrap();
    assert_eq!(
        t.target_tracking_configuration()
            .and_then(|c| c.target_value()),
        Some(70.0)
    );
    assert_eq!(t.estimated_instance_warmup(), Some(60));
    converged(&env, &src, &state).await;

    // Imported by GROUP/NAME: no change.
    let imported = env.import_into(&state, step, "pol-asg/steps").await;
    converged(&env, &src, &imported).await;

    // Deleted outside terrane: planned as a create.
    asg_client()
        .delete_policy()
        .auto_scaling_group_name("pol-asg")
        .policy_name("add-one")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), [format!("Create {simple}")]);
    let state = env.apply(&src, &state).await;

    env.destroy(&src, &state).await;
    assert!(policy("cpu").await.is_none());
}

#[tokio::test]
async fn autoscaling_policy_arguments_its_type_does_not_take_are_refused_at_plan() {
    let env = Env::new();
    let src = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_autoscaling_policy" "p" {
  name                   = "bad"
  autoscaling_group_name = "nowhere"
  policy_type            = "StepScaling"
  scaling_adjustment     = 2
}
"#;
    let diags = env
        .try_plan(src, &State::new(), terrane_engine::plan::PlanMode::Normal)
        .await
        .expect_err("a step policy with scaling_adjustment plans");
    let err = format!("{diags:?}");
    assert!(
        err.contains("scaling_adjustment is only supported for policy type SimpleScaling"),
        "{err}"
    );
    assert!(
        err.contains("step_adjustment is required for policy type StepScaling"),
        "{err}"
    );
}

/// A predictive policy forecasting from a predefined load metric and a metric math
/// scaling metric, and one from a metric pair with the block's defaults.
fn predictive(target: u32, mode: &str) -> String {
    let group = group("pred-asg", 4, 1, "a");
    format!(
        r#"{group}
resource "aws_autoscaling_policy" "forecast" {{
  name                   = "forecast"
  autoscaling_group_name = aws_autoscaling_group.g.name
  policy_type            = "PredictiveScaling"
  predictive_scaling_configuration {{
    mode                         = "{mode}"
    scheduling_buffer_time       = "10"
    max_capacity_breach_behavior = "IncreaseMaxCapacity"
    max_capacity_buffer          = "20"
    metric_specification {{
      target_value = {target}
      predefined_load_metric_specification {{
        predefined_metric_type = "ASGTotalCPUUtilization"
      }}
      customized_scaling_metric_specification {{
        metric_data_queries {{
          id = "scaling"
          metric_stat {{
            stat = "Average"
            metric {{
              metric_name = "CPUUtilization"
              namespace   = "AWS/EC2"
              dimensions {{
                name  = "AutoScalingGroupName"
                value = "pred-asg"
              }}
            }}
          }}
        }}
      }}
    }}
  }}
}}
resource "aws_autoscaling_policy" "pair" {{
  name                   = "pair"
  autoscaling_group_name = aws_autoscaling_group.g.name
  policy_type            = "PredictiveScaling"
  predictive_scaling_configuration {{
    metric_specification {{
      target_value = 30
      predefined_metric_pair_specification {{
        predefined_metric_type = "ASGCPUUtilization"
      }}
    }}
  }}
}}
"#
    )
}

async fn predictive_config(
    name: &str,
) -> aws_sdk_autoscaling::types::PredictiveScalingConfiguration {
    let out = asg_client()
        .describe_policies()
        .auto_scaling_group_name("pred-asg")
        .policy_names(name)
        .send()
        .await
        .unwrap();
    let p = out.scaling_policies().first().cloned().unwrap();
    assert_eq!(p.policy_type(), Some("PredictiveScaling"));
    p.predictive_scaling_configuration().cloned().unwrap()
}

#[tokio::test]
async fn predictive_autoscaling_policy() {
    let env = Env::new();
    let (forecast, pair) = (
        "aws_autoscaling_policy.forecast",
        "aws_autoscaling_policy.pair",
    );
    let src = predictive(40, "ForecastAndScale");
    let state = env.apply(&src, &State::new()).await;
    let c = predictive_config("forecast").await;
    assert_eq!(c.mode().map(|m| m.as_str()), Some("ForecastAndScale"));
    assert_eq!(
        (c.scheduling_buffer_time(), c.max_capacity_buffer()),
        (Some(10), Some(20))
    );
    let spec = &c.metric_specifications()[0];
    assert_eq!(spec.target_value(), Some(40.0));
    let queries = spec
        .customized_scaling_metric_specification()
        .unwrap()
        .metric_data_queries();
    let metric = queries[0].metric_stat().and_then(|s| s.metric()).unwrap();
    assert_eq!(
        (
            queries[0].id(),
            metric.metric_name(),
            metric.dimensions().len()
        ),
        (Some("scaling"), Some("CPUUtilization"), 1)
    );
    // The block's defaults are sent, as the provider sends them.
    let c = predictive_config("pair").await;
    assert_eq!(
        (
            c.mode().map(|m| m.as_str()),
            c.max_capacity_breach_behavior().map(|b| b.as_str())
        ),
        (Some("ForecastOnly"), Some("HonorMaxCapacity"))
    );
    converged(&env, &src, &state).await;

    // A new target and mode change in place (one put of the whole policy).
    let src = predictive(55, "ForecastOnly");
    let state = updated(
        &env,
        &src,
        &state,
        forecast,
        &["predictive_scaling_configuration"],
    )
    .await;
    let c = predictive_config("forecast").await;
    assert_eq!(c.metric_specifications()[0].target_value(), Some(55.0));
    assert_eq!(c.mode().map(|m| m.as_str()), Some("ForecastOnly"));

    // Changed outside terrane: the drift is shown on the block and put back.
    let drifted = aws_sdk_autoscaling::types::PredictiveScalingConfiguration::builder()
        .metric_specifications(
            aws_sdk_autoscaling::types::PredictiveScalingMetricSpecification::builder()
                .target_value(90.0)
                .predefined_metric_pair_specification(
                    aws_sdk_autoscaling::types::PredictiveScalingPredefinedMetricPair::builder()
                        .predefined_metric_type("ASGCPUUtilization".into())
                        .build(),
                )
                .build(),
        )
        .build();
    asg_client()
        .put_scaling_policy()
        .auto_scaling_group_name("pred-asg")
        .policy_name("pair")
        .policy_type("PredictiveScaling")
        .predictive_scaling_configuration(drifted)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(
        common::drifted_attrs(&plan, pair),
        ["predictive_scaling_configuration"]
    );
    let state = updated(
        &env,
        &src,
        &state,
        pair,
        &["predictive_scaling_configuration"],
    )
    .await;
    let c = predictive_config("pair").await;
    assert_eq!(c.metric_specifications()[0].target_value(), Some(30.0));

    // Imported by GROUP/NAME: no change.
    let imported = env.import_into(&state, forecast, "pred-asg/forecast").await;
    converged(&env, &src, &imported).await;

    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn predictive_configuration_is_checked_at_plan() {
    let env = Env::new();
    let src = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_autoscaling_policy" "simple" {
  name                   = "simple"
  autoscaling_group_name = "nowhere"
  scaling_adjustment     = 1
  predictive_scaling_configuration {
    metric_specification {
      target_value = 30
    }
  }
}
resource "aws_autoscaling_policy" "bare" {
  name                   = "bare"
  autoscaling_group_name = "nowhere"
  policy_type            = "PredictiveScaling"
}
resource "aws_autoscaling_policy" "buffer" {
  name                   = "buffer"
  autoscaling_group_name = "nowhere"
  policy_type            = "PredictiveScaling"
  predictive_scaling_configuration {
    scheduling_buffer_time = "soon"
    metric_specification {
      target_value = 30
    }
  }
}
"#;
    let diags = env
        .try_plan(src, &State::new(), terrane_engine::plan::PlanMode::Normal)
        .await
        .expect_err("misplaced predictive configurations plan");
    let err = format!("{diags:?}");
    for want in [
        "predictive_scaling_configuration is only supported for policy type PredictiveScaling",
        "predictive_scaling_configuration is required for policy type PredictiveScaling",
        "scheduling_buffer_time must be a whole number from 0 to 3600",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
}
