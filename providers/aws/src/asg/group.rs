//! `aws_autoscaling_group`: a fleet of instances launched from a launch template (or a
//! mixed instances policy). The name is the ID and import ID. Sizes, subnets, the launch
//! template and most settings change in place through UpdateAutoScalingGroup; target
//! groups, suspended processes, metrics and `tag` blocks have calls of their own. A create
//! waits, as the Terraform provider does, until `desired_capacity` (else `min_size`)
//! instances are in service, up to `wait_for_capacity_timeout` ("0" skips the wait). A
//! destroy first scales the group to zero (unless `force_delete`), then deletes it.
//!
//! The group has no `tags` map: its tags are `tag` blocks, which say whether each tag is
//! copied to the instances.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_autoscaling::operation::create_auto_scaling_group::builders::CreateAutoScalingGroupFluentBuilder as Create;
use aws_sdk_autoscaling::operation::update_auto_scaling_group::builders::UpdateAutoScalingGroupFluentBuilder as Update;
use aws_sdk_autoscaling::types::{
    AutoScalingGroup, AvailabilityZoneDistribution, InstanceMaintenancePolicy,
    InstancesDistribution, LaunchTemplate, LaunchTemplateOverrides, LaunchTemplateSpecification,
    LifecycleHookSpecification, LifecycleState, MixedInstancesPolicy, RefreshPreferences, Tag,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::duration::parse_timeout;
use terrane_engine::lang::Value;
use terrane_engine::provider::{Identity, Nesting};

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, identity_of, invalid, known_set, name_or_prefix, name_prefix_from_name,
    plan_all_blocks, refuse_blocks, wait_for, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    Timeout,
};
use crate::schema::*;
use crate::table::{item_i32 as n, item_str as s, Arg, Normalise, ResourceTable, Table};
use crate::val;

pub struct GroupRes;

type GroupTable = Table<AutoScalingGroup, Create, Update>;

// ---- launch templates ----

fn spec(item: &Value, id: &str, name: &str) -> LaunchTemplateSpecification {
    LaunchTemplateSpecification::builder()
        .set_launch_template_id(s(item, id))
        .set_launch_template_name(s(item, name))
        .set_version(s(item, "version"))
        .build()
}

fn launch_template(v: Arg) -> Option<LaunchTemplateSpecification> {
    v.first().map(|t| spec(t, "id", "name"))
}

/// The template as configured: AWS answers both its ID and name, and the version only
/// when one was given.
fn spec_value(t: &LaunchTemplateSpecification, id: &str, name: &str) -> Value {
    Value::object([
        (id, val::opt_str(t.launch_template_id())),
        (name, val::opt_str(t.launch_template_name())),
        ("version", val::opt_str(t.version())),
    ])
}

const DISTRIBUTION: [&str; 6] = [
    "on_demand_allocation_strategy",
    "on_demand_base_capacity",
    "on_demand_percentage_above_base_capacity",
    "spot_allocation_strategy",
    "spot_instance_pools",
    "spot_max_price",
];

fn mixed(v: Arg) -> Option<MixedInstancesPolicy> {
    let p = v.first()?;
    let dist = val::first_block(p, "instances_distribution").map(|d| {
        InstancesDistribution::builder()
            .set_on_demand_allocation_strategy(s(d, DISTRIBUTION[0]))
            .set_on_demand_base_capacity(n(d, DISTRIBUTION[1]))
            .set_on_demand_percentage_above_base_capacity(n(d, DISTRIBUTION[2]))
            .set_spot_allocation_strategy(s(d, DISTRIBUTION[3]))
            .set_spot_instance_pools(n(d, DISTRIBUTION[4]))
            .set_spot_max_price(s(d, DISTRIBUTION[5]))
            .build()
    });
    let lt = val::first_block(p, "launch_template").map(|t| {
        let overrides: Vec<LaunchTemplateOverrides> = val::blocks(t, "override")
            .iter()
            .map(|o| {
                LaunchTemplateOverrides::builder()
                    .set_instance_type(s(o, "instance_type"))
                    .set_weighted_capacity(s(o, "weighted_capacity"))
                    .set_launch_template_specification(
                        val::first_block(o, "launch_template_specification")
                            .map(|x| spec(x, "launch_template_id", "launch_template_name")),
                    )
                    .build()
            })
            .collect();
        LaunchTemplate::builder()
            .set_launch_template_specification(
                val::first_block(t, "launch_template_specification")
                    .map(|x| spec(x, "launch_template_id", "launch_template_name")),
            )
            .set_overrides((!overrides.is_empty()).then_some(overrides))
            .build()
    });
    Some(
        MixedInstancesPolicy::builder()
            .set_instances_distribution(dist)
            .set_launch_template(lt)
            .build(),
    )
}

fn mixed_value(p: &MixedInstancesPolicy) -> Value {
    let dist = val::opt_block(p.instances_distribution(), |d| {
        Value::object([
            (
                DISTRIBUTION[0],
                val::opt_str(d.on_demand_allocation_strategy()),
            ),
            (DISTRIBUTION[1], val::opt_num(d.on_demand_base_capacity())),
            (
                DISTRIBUTION[2],
                val::opt_num(d.on_demand_percentage_above_base_capacity()),
            ),
            (DISTRIBUTION[3], val::opt_str(d.spot_allocation_strategy())),
            (DISTRIBUTION[4], val::opt_num(d.spot_instance_pools())),
            (DISTRIBUTION[5], val::opt_str(d.spot_max_price())),
        ])
    });
    let lt = val::opt_block(p.launch_template(), |t| {
        let spec_list = |x: Option<&LaunchTemplateSpecification>| {
            val::opt_block(x, |x| {
                spec_value(x, "launch_template_id", "launch_template_name")
            })
        };
        Value::object([
            (
                "launch_template_specification",
                spec_list(t.launch_template_specification()),
            ),
            (
                "override",
                Value::List(
                    t.overrides()
                        .iter()
                        .map(|o| {
                            Value::object([
                                ("instance_type", val::opt_str(o.instance_type())),
                                ("weighted_capacity", val::opt_str(o.weighted_capacity())),
                                (
                                    "launch_template_specification",
                                    spec_list(o.launch_template_specification()),
                                ),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
    });
    Value::object([("instances_distribution", dist), ("launch_template", lt)])
}

fn mixed_schema() -> S {
    let spec = || {
        S::new()
            .attr("launch_template_id", opt_comp(STR))
            .attr("launch_template_name", opt_comp(STR))
            .attr("version", opt_comp(STR))
    };
    let dist = S::new()
        .attr(DISTRIBUTION[0], opt_comp(STR))
        .attr(DISTRIBUTION[1], opt_comp(NUM))
        .attr(DISTRIBUTION[2], opt_comp(NUM))
        .attr(DISTRIBUTION[3], opt_comp(STR))
        .attr(DISTRIBUTION[4], opt_comp(NUM))
        .attr(DISTRIBUTION[5], opt(STR));
    let overrides = S::new()
        .attr("instance_type", opt(STR))
        .attr("weighted_capacity", opt(STR))
        .block("launch_template_specification", Nesting::List, spec());
    S::new()
        .block("instances_distribution", Nesting::List, dist)
        .block(
            "launch_template",
            Nesting::List,
            S::new()
                .block("launch_template_specification", Nesting::List, spec())
                .block("override", Nesting::List, overrides),
        )
}

// ---- smaller blocks ----

fn maintenance(v: Arg) -> Option<InstanceMaintenancePolicy> {
    v.first().map(|p| {
        InstanceMaintenancePolicy::builder()
            .set_min_healthy_percentage(n(p, "min_healthy_percentage"))
            .set_max_healthy_percentage(n(p, "max_healthy_percentage"))
            .build()
    })
}

fn distribution(v: Arg) -> Option<AvailabilityZoneDistribution> {
    v.first().map(|d| {
        AvailabilityZoneDistribution::builder()
            .set_capacity_distribution_strategy(
                s(d, "capacity_distribution_strategy").map(|x| x.as_str().into()),
            )
            .build()
    })
}

fn hooks(v: Arg) -> Option<Vec<LifecycleHookSpecification>> {
    let h = v.items();
    (!h.is_empty()).then(|| {
        h.iter()
            .map(|h| {
                LifecycleHookSpecification::builder()
                    .set_lifecycle_hook_name(s(h, "name"))
                    .set_lifecycle_transition(s(h, "lifecycle_transition"))
                    .set_default_result(s(h, "default_result"))
                    .set_heartbeat_timeout(n(h, "heartbeat_timeout"))
                    .set_notification_metadata(s(h, "notification_metadata"))
                    .set_notification_target_arn(s(h, "notification_target_arn"))
                    .set_role_arn(s(h, "role_arn"))
                    .build()
            })
            .collect()
    })
}

/// Subnets are one comma-separated string in the API, a set in Terraform.
fn subnets(v: Arg) -> Option<String> {
    v.strings().filter(|s| !s.is_empty()).map(|s| s.join(","))
}

fn list_or_none(v: Arg) -> Option<Vec<String>> {
    v.strings().filter(|s| !s.is_empty())
}

/// `tag` blocks as the API takes them.
fn sdk_tags(name: &str, v: &Value) -> Vec<Tag> {
    val::blocks(v, "tag")
        .iter()
        .map(|t| {
            Tag::builder()
                .resource_id(name)
                .resource_type("auto-scaling-group")
                .set_key(s(t, "key"))
                .value(val::str_attr(t, "value").unwrap_or_default())
                .propagate_at_launch(val::bool_attr(t, "propagate_at_launch").unwrap_or(false))
                .build()
        })
        .collect()
}

/// Blocks declared for modules' sake but not sent yet, with the attributes they take.
const REFUSED: &[(&str, &[&str])] = &[
    (
        "warm_pool",
        &["max_group_prepared_capacity", "min_size", "pool_state"],
    ),
    ("traffic_source", &["identifier", "type"]),
    (
        "capacity_reservation_specification",
        &["capacity_reservation_preference"],
    ),
    (
        "availability_zone_impairment_policy",
        &["impaired_zone_health_check_behavior", "zonal_shift_enabled"],
    ),
];

fn refresh_schema() -> S {
    let prefs = S::new()
        .attr("auto_rollback", opt(BOOL))
        .attr("checkpoint_delay", opt(STR))
        .attr("checkpoint_percentages", opt(list_of(NUM)))
        .attr("instance_warmup", opt(STR))
        .attr("max_healthy_percentage", opt_default(NUM, val::num(100)))
        .attr("min_healthy_percentage", opt_default(NUM, val::num(90)))
        .attr(
            "scale_in_protected_instances",
            opt_default(STR, Value::string("Ignore")),
        )
        .attr("skip_matching", opt_default(BOOL, Value::Bool(false)))
        .attr(
            "standby_instances",
            opt_default(STR, Value::string("Ignore")),
        )
        .block(
            "alarm_specification",
            Nesting::List,
            S::new().attr("alarms", opt(list_of(STR))),
        );
    S::new()
        .attr("strategy", req(STR))
        .attr("triggers", opt(set_of(STR)))
        .block("preferences", Nesting::List, prefs)
}

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    let t = GroupTable::new(|| Some(AutoScalingGroup::builder().build()))
        .attr("id", comp(STR))
        .read(|g, _| val::str_or_empty(g.auto_scaling_group_name()))
        .attr("arn", comp(STR))
        .read(|g, _| val::str_or_empty(g.auto_scaling_group_arn()))
        .attr("name", opt_comp(STR).force_new())
        .read(|g, _| val::str_or_empty(g.auto_scaling_group_name()))
        .attr("name_prefix", opt_comp(STR).force_new())
        .attr("predicted_capacity", comp(NUM))
        .read(|g, _| val::num(g.predicted_capacity().unwrap_or(0)))
        .attr("warm_pool_size", comp(NUM))
        .read(|g, _| val::num(g.warm_pool_size().unwrap_or(0)))
        .attr("min_size", req(NUM))
        .read(|g, _| val::opt_num(g.min_size()))
        .create(|b, v| b.set_min_size(v.i32()))
        .update(|b, v| b.set_min_size(v.i32()))
        .attr("max_size", req(NUM))
        .read(|g, _| val::opt_num(g.max_size()))
        .create(|b, v| b.set_max_size(v.i32()))
        .update(|b, v| b.set_max_size(v.i32()))
        .attr("desired_capacity", opt_comp(NUM))
        .read(|g, _| val::opt_num(g.desired_capacity()))
        .create(|b, v| b.set_desired_capacity(v.i32()))
        .update(|b, v| b.set_desired_capacity(v.i32()))
        .attr("desired_capacity_type", opt(STR))
        .read(|g, _| val::opt_str(g.desired_capacity_type()))
        .create(|b, v| b.set_desired_capacity_type(v.str()))
        .update(|b, v| b.set_desired_capacity_type(v.str()))
        .attr("default_cooldown", opt_comp(NUM))
        .read(|g, _| val::opt_num(g.default_cooldown()))
        .create(|b, v| b.set_default_cooldown(v.i32()))
        .update(|b, v| b.set_default_cooldown(v.i32()))
        .attr("default_instance_warmup", opt(NUM))
        .read(|g, _| val::opt_num(g.default_instance_warmup()))
        .create(|b, v| b.set_default_instance_warmup(v.i32()))
        .update(|b, v| b.set_default_instance_warmup(v.i32()))
        .attr("health_check_grace_period", opt_default(NUM, val::num(300)))
        .read(|g, _| val::opt_num(g.health_check_grace_period()))
        .create(|b, v| b.set_health_check_grace_period(v.i32()))
        .update(|b, v| b.set_health_check_grace_period(v.i32()))
        .attr("health_check_type", opt_comp(STR))
        .read(|g, _| val::opt_str(g.health_check_type()))
        .create(|b, v| b.set_health_check_type(v.str()))
        .update(|b, v| b.set_health_check_type(v.str()))
        .attr("availability_zones", opt_comp(set_of(STR)))
        .read(|g, _| val::str_set(g.availability_zones()))
        .create(|b, v| b.set_availability_zones(list_or_none(v)))
        .update(|b, v| b.set_availability_zones(list_or_none(v)))
        .attr("vpc_zone_identifier", opt_comp(set_of(STR)))
        .read(|g, _| {
            val::str_set(
                g.vpc_zone_identifier()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty()),
            )
        })
        .create(|b, v| b.set_vpc_zone_identifier(subnets(v)))
        .update(|b, v| b.set_vpc_zone_identifier(subnets(v)))
        .attr("launch_configuration", opt(STR))
        .read(|g, _| val::opt_str(g.launch_configuration_name()))
        .create(|b, v| b.set_launch_configuration_name(v.str()))
        .update(|b, v| b.set_launch_configuration_name(v.str()))
        .attr("placement_group", opt(STR))
        .read(|g, _| val::opt_str(g.placement_group()))
        .create(|b, v| b.set_placement_group(v.str()))
        .update(|b, v| b.set_placement_group(v.str()))
        .attr(
            "protect_from_scale_in",
            opt_default(BOOL, Value::Bool(false)),
        )
        .read(|g, _| Value::Bool(g.new_instances_protected_from_scale_in().unwrap_or(false)))
        .create(|b, v| b.set_new_instances_protected_from_scale_in(v.bool()))
        .update(|b, v| b.set_new_instances_protected_from_scale_in(v.bool()))
        .attr("service_linked_role_arn", opt_comp(STR))
        .read(|g, _| val::opt_str(g.service_linked_role_arn()))
        .create(|b, v| b.set_service_linked_role_arn(v.str()))
        .update(|b, v| b.set_service_linked_role_arn(v.str()))
        .attr("max_instance_lifetime", opt(NUM))
        .read(|g, _| val::opt_num(g.max_instance_lifetime()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_max_instance_lifetime(v.i32()))
        .update(|b, v| b.set_max_instance_lifetime(Some(v.i32().unwrap_or(0))))
        .attr("capacity_rebalance", opt(BOOL))
        .read(|g, _| Value::Bool(g.capacity_rebalance().unwrap_or(false)))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_capacity_rebalance(v.bool()))
        .update(|b, v| b.set_capacity_rebalance(Some(v.bool().unwrap_or(false))))
        .attr("context", opt(STR))
        .read(|g, _| val::opt_str(g.context()))
        .create(|b, v| b.set_context(v.str()))
        .update(|b, v| b.set_context(v.str()))
        .attr("termination_policies", opt(list_of(STR)))
        // AWS answers ["Default"] for a group that names none.
        .read(|g, cx| match g.termination_policies() {
            [d] if d == "Default"
                && val::strings(cx.current, "termination_policies").is_empty() =>
            {
                cx.current
                    .get_attr("termination_policies")
                    .cloned()
                    .unwrap_or_default()
            }
            p => val::str_list(p),
        })
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_termination_policies(list_or_none(v)))
        .update(|b, v| b.set_termination_policies(Some(v.strings().unwrap_or_default())));
    // Calls of their own (see `update`).
    let t = t
        .attr("target_group_arns", opt_comp(set_of(STR)))
        .read(|g, _| val::str_set(g.target_group_arns()))
        .create(|b, v| b.set_target_group_arns(list_or_none(v)))
        .updated_by_hand()
        .attr("load_balancers", opt_comp(set_of(STR)))
        .read(|g, _| val::str_set(g.load_balancer_names()))
        .create(|b, v| b.set_load_balancer_names(list_or_none(v)))
        .updated_by_hand()
        .attr("suspended_processes", opt(set_of(STR)))
        .read(|g, _| {
            val::str_set(
                g.suspended_processes()
                    .iter()
                    .filter_map(|p| p.process_name()),
            )
        })
        .normalise(Normalise::ZeroAsNull)
        .updated_by_hand()
        .attr("enabled_metrics", opt(set_of(STR)))
        .read(|g, _| val::str_set(g.enabled_metrics().iter().filter_map(|m| m.metric())))
        .normalise(Normalise::ZeroAsNull)
        .updated_by_hand()
        .attr(
            "metrics_granularity",
            opt_default(STR, Value::string("1Minute")),
        )
        .updated_by_hand();
    // Settings of terrane's own waits and deletes (nothing to send).
    let t = t
        .attr("force_delete", opt_default(BOOL, Value::Bool(false)))
        .updated_by_hand()
        .attr(
            "force_delete_warm_pool",
            opt_default(BOOL, Value::Bool(false)),
        )
        .updated_by_hand()
        .attr(
            "ignore_failed_scaling_activities",
            opt_default(BOOL, Value::Bool(false)),
        )
        .updated_by_hand()
        .attr(
            "wait_for_capacity_timeout",
            opt_default(STR, Value::string("10m")),
        )
        .updated_by_hand()
        .attr("min_elb_capacity", opt(NUM))
        .updated_by_hand()
        .attr("wait_for_elb_capacity", opt(NUM))
        .updated_by_hand();
    let t = t
        .block(
            "launch_template",
            Nesting::List,
            S::new()
                .attr("id", opt_comp(STR))
                .attr("name", opt_comp(STR))
                .attr("version", opt_comp(STR)),
        )
        .max_items(1)
        .read(|g, _| val::opt_block(g.launch_template(), |t| spec_value(t, "id", "name")))
        .create(|b, v| b.set_launch_template(launch_template(v)))
        .update(|b, v| b.set_launch_template(launch_template(v)))
        .block("mixed_instances_policy", Nesting::List, mixed_schema())
        .max_items(1)
        .read(|g, _| val::opt_block(g.mixed_instances_policy(), mixed_value))
        .create(|b, v| b.set_mixed_instances_policy(mixed(v)))
        .update(|b, v| b.set_mixed_instances_policy(mixed(v)))
        .block(
            "instance_maintenance_policy",
            Nesting::List,
            S::new()
                .attr("min_healthy_percentage", req(NUM))
                .attr("max_healthy_percentage", req(NUM)),
        )
        .max_items(1)
        .read(|g, _| {
            val::opt_block(g.instance_maintenance_policy(), |p| {
                Value::object([
                    (
                        "min_healthy_percentage",
                        val::opt_num(p.min_healthy_percentage()),
                    ),
                    (
                        "max_healthy_percentage",
                        val::opt_num(p.max_healthy_percentage()),
                    ),
                ])
            })
        })
        .create(|b, v| b.set_instance_maintenance_policy(maintenance(v)))
        .update(|b, v| b.set_instance_maintenance_policy(maintenance(v)))
        .block(
            "availability_zone_distribution",
            Nesting::List,
            S::new().attr("capacity_distribution_strategy", opt_comp(STR)),
        )
        .max_items(1)
        .read(|g, _| {
            val::opt_block(g.availability_zone_distribution(), |d| {
                Value::object([(
                    "capacity_distribution_strategy",
                    val::opt_str(d.capacity_distribution_strategy().map(|x| x.as_str())),
                )])
            })
        })
        .create(|b, v| b.set_availability_zone_distribution(distribution(v)))
        .update(|b, v| b.set_availability_zone_distribution(distribution(v)))
        // Sent at create only, as the Terraform provider does (later changes are kept
        // in state and change nothing: hooks are managed as aws_autoscaling_lifecycle_hook).
        .block(
            "initial_lifecycle_hook",
            Nesting::Set,
            S::new()
                .attr("name", req(STR))
                .attr("lifecycle_transition", req(STR))
                .attr("default_result", opt_comp(STR))
                .attr("heartbeat_timeout", opt(NUM))
                .attr("notification_metadata", opt(STR))
                .attr("notification_target_arn", opt(STR))
                .attr("role_arn", opt(STR)),
        )
        .create(|b, v| b.set_lifecycle_hook_specification_list(hooks(v)))
        .updated_by_hand()
        // Used when the launch template changes (see `update`).
        .block("instance_refresh", Nesting::List, refresh_schema())
        .max_items(1)
        .updated_by_hand()
        .block(
            "tag",
            Nesting::Set,
            S::new()
                .attr("key", req(STR))
                .attr("value", req(STR))
                .attr("propagate_at_launch", req(BOOL)),
        )
        .read(|g, _| {
            Value::set(
                g.tags()
                    .iter()
                    .map(|t| {
                        Value::object([
                            ("key", val::str_or_empty(t.key())),
                            ("value", val::str_or_empty(t.value())),
                            (
                                "propagate_at_launch",
                                Value::Bool(t.propagate_at_launch().unwrap_or(false)),
                            ),
                        ])
                    })
                    .collect(),
            )
        })
        .updated_by_hand();
    REFUSED.iter().fold(t, |t, (name, attrs)| {
        t.block(
            name,
            Nesting::List,
            attrs.iter().fold(S::new(), |s, k| s.attr(k, opt(STR))),
        )
        .updated_by_hand()
    })
});

/// DescribeAutoScalingGroups takes at most 100 names a call.
const PER_CALL: usize = 100;

async fn describe(c: &Clients, names: &[String]) -> Result<Vec<AutoScalingGroup>, AwsError> {
    let asg = c.ec2_autoscaling.get().await;
    let mut out = Vec::new();
    for chunk in names.chunks(PER_CALL) {
        let found: Vec<AutoScalingGroup> = asg
            .describe_auto_scaling_groups()
            .set_auto_scaling_group_names(Some(chunk.to_vec()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeAutoScalingGroups"))?;
        // A group being deleted is listed with a status until it is gone.
        out.extend(found.into_iter().filter(|g| g.status().is_none()));
    }
    Ok(out)
}

async fn describe_one(c: &Clients, name: &str) -> Result<Option<AutoScalingGroup>, AwsError> {
    Ok(describe(c, &[name.to_string()]).await?.into_iter().next())
}

fn in_service(g: &AutoScalingGroup) -> usize {
    g.instances()
        .iter()
        .filter(|i| {
            i.lifecycle_state() == Some(&LifecycleState::InService)
                && i.health_status()
                    .is_some_and(|h| h.eq_ignore_ascii_case("healthy"))
        })
        .count()
}

/// `wait_for_capacity_timeout`: "0" means no wait.
fn capacity_timeout(v: &Value) -> Option<Duration> {
    let s = val::str_attr(v, "wait_for_capacity_timeout").unwrap_or("10m");
    parse_timeout(s).ok().filter(|d| !d.is_zero())
}

/// Waits until `desired_capacity` (else `min_size`) instances are in service.
async fn wait_capacity(c: &Clients, name: &str, planned: &Value) -> Result<(), AwsError> {
    let Some(limit) = capacity_timeout(planned) else {
        return Ok(());
    };
    let wanted = val::num_attr(planned, "desired_capacity")
        .or_else(|| val::num_attr(planned, "min_size"))
        .unwrap_or(0)
        .max(val::num_attr(planned, "min_elb_capacity").unwrap_or(0));
    let wanted = usize::try_from(wanted).unwrap_or(0);
    wait_for(
        "auto scaling group capacity",
        &format!("{wanted} healthy instances in service"),
        Timeout(limit),
        || async move {
            Ok(match describe_one(c, name).await? {
                Some(g) if in_service(&g) >= wanted => Ok(()),
                Some(g) => Err(format!("{} in service", in_service(&g))),
                None => Err("not found".into()),
            })
        },
    )
    .await
}

fn refresh_preferences(p: &Value) -> RefreshPreferences {
    let parsed = |k| s(p, k).and_then(|x| x.parse::<i32>().ok());
    let checkpoints: Vec<i32> = p
        .get_attr("checkpoint_percentages")
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_i64().and_then(|n| i32::try_from(n).ok()))
        .collect();
    RefreshPreferences::builder()
        .set_auto_rollback(val::bool_attr(p, "auto_rollback"))
        .set_checkpoint_delay(parsed("checkpoint_delay"))
        .set_checkpoint_percentages((!checkpoints.is_empty()).then_some(checkpoints))
        .set_instance_warmup(parsed("instance_warmup"))
        .set_max_healthy_percentage(n(p, "max_healthy_percentage"))
        .set_min_healthy_percentage(n(p, "min_healthy_percentage"))
        .set_scale_in_protected_instances(
            s(p, "scale_in_protected_instances").map(|x| x.as_str().into()),
        )
        .set_skip_matching(val::bool_attr(p, "skip_matching"))
        .set_standby_instances(s(p, "standby_instances").map(|x| x.as_str().into()))
        .build()
}

/// What changed between two string sets: (removed, added).
fn set_diff(prior: &Value, planned: &Value, k: &str) -> (Vec<String>, Vec<String>) {
    let old = val::strings(prior, k);
    let new = val::strings(planned, k);
    (
        old.iter().filter(|x| !new.contains(x)).cloned().collect(),
        new.iter().filter(|x| !old.contains(x)).cloned().collect(),
    )
}

/// Brings a string-set argument to its planned members with the API's remove/add pair of
/// calls (each sent only when it has members), e.g. DetachLoadBalancers / AttachLoadBalancers.
macro_rules! sync_set {
    ($asg:expr, $group:expr, $prior:expr, $planned:expr, $attr:literal, $field:ident,
     $remove:ident $remove_op:literal, $add:ident $add_op:literal $(, $extra:ident($val:expr))?) => {{
        let (removed, added) = set_diff($prior, $planned, $attr);
        if !removed.is_empty() {
            $asg.$remove()
                .auto_scaling_group_name($group)
                .$field(Some(removed))
                .send()
                .await
                .map_err(err($remove_op))?;
        }
        if !added.is_empty() {
            $asg.$add()
                .auto_scaling_group_name($group)
                .$field(Some(added))
                $(.$extra($val))?
                .send()
                .await
                .map_err(err($add_op))?;
        }
    }};
}

async fn set_metrics(
    c: &Clients,
    name: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let asg = c.ec2_autoscaling.get().await;
    let granularity = val::str_attr(planned, "metrics_granularity").unwrap_or("1Minute");
    sync_set!(
        asg, name, prior, planned, "enabled_metrics", set_metrics,
        disable_metrics_collection "DisableMetricsCollection",
        enable_metrics_collection "EnableMetricsCollection",
        granularity(granularity)
    );
    Ok(())
}

async fn set_processes(
    c: &Clients,
    name: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let asg = c.ec2_autoscaling.get().await;
    sync_set!(
        asg, name, prior, planned, "suspended_processes", set_scaling_processes,
        resume_processes "ResumeProcesses",
        suspend_processes "SuspendProcesses"
    );
    Ok(())
}

async fn set_target_groups(
    c: &Clients,
    name: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let asg = c.ec2_autoscaling.get().await;
    sync_set!(
        asg, name, prior, planned, "target_group_arns", set_target_group_arns,
        detach_load_balancer_target_groups "DetachLoadBalancerTargetGroups",
        attach_load_balancer_target_groups "AttachLoadBalancerTargetGroups"
    );
    sync_set!(
        asg, name, prior, planned, "load_balancers", set_load_balancer_names,
        detach_load_balancers "DetachLoadBalancers",
        attach_load_balancers "AttachLoadBalancers"
    );
    Ok(())
}

/// `tag` blocks: those gone are deleted, new or changed ones written.
async fn set_tags(c: &Clients, name: &str, prior: &Value, planned: &Value) -> Result<(), AwsError> {
    let old = sdk_tags(name, prior);
    let new = sdk_tags(name, planned);
    let keys: Vec<Option<&str>> = new.iter().map(Tag::key).collect();
    let gone: Vec<Tag> = old
        .iter()
        .filter(|t| !keys.contains(&t.key()))
        .cloned()
        .collect();
    let changed: Vec<Tag> = new.iter().filter(|t| !old.contains(t)).cloned().collect();
    let asg = c.ec2_autoscaling.get().await;
    if !gone.is_empty() {
        asg.delete_tags()
            .set_tags(Some(gone))
            .send()
            .await
            .map_err(err("DeleteTags"))?;
    }
    if !changed.is_empty() {
        asg.create_or_update_tags()
            .set_tags(Some(changed))
            .send()
            .await
            .map_err(err("CreateOrUpdateTags"))?;
    }
    Ok(())
}

fn check_refused(config: &Value, diags: &mut Diagnostics) {
    let names = REFUSED.iter().map(|(name, _)| *name);
    refuse_blocks(config, "aws_autoscaling_group", "group", names, None, diags);
}

#[async_trait]
impl AwsResource for GroupRes {
    fn type_name(&self) -> &'static str {
        "aws_autoscaling_group"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 10))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if known_set(config, "name") && known_set(config, "name_prefix") {
            invalid(diags, "name", "\"name\": conflicts with name_prefix".into());
        }
        let sources = [
            "launch_configuration",
            "launch_template",
            "mixed_instances_policy",
        ]
        .iter()
        .filter(|k| {
            config
                .get_attr(k)
                .is_some_and(|v| !v.is_null() && v.as_seq().is_none_or(|s| !s.is_empty()))
        })
        .count();
        if sources > 1 {
            invalid(
                diags,
                "launch_template",
                "only one of `launch_configuration,launch_template,mixed_instances_policy` can be specified".into(),
            );
        }
        if let Some(s) = val::str_attr(config, "wait_for_capacity_timeout") {
            if parse_timeout(s).is_err() {
                invalid(
                    diags,
                    "wait_for_capacity_timeout",
                    format!("wait_for_capacity_timeout: {s:?} is not a duration (use e.g. \"0\", \"10m\")"),
                );
            }
        }
        check_enum(config, "metrics_granularity", &["1Minute"], diags);
        check_refused(config, diags);
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    fn identity(&self, planned: &Value) -> Option<Identity> {
        identity_of(planned, &["name"], &[])
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, &crate::ec2::ids(current)).await?;
        Ok(crate::ec2::match_ids(
            current,
            found,
            AutoScalingGroup::auto_scaling_group_name,
            |cur, g| {
                let mut o = TABLE.read_object(g, cur, &c.region);
                if o.get("name_prefix").is_none_or(Value::is_null) {
                    let prefix =
                        name_prefix_from_name(g.auto_scaling_group_name().unwrap_or_default());
                    o.set("name_prefix", val::opt_str(prefix));
                }
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned);
        let tags = sdk_tags(&name, planned);
        let asg = c.ec2_autoscaling.get().await;
        TABLE
            .create_request(asg.create_auto_scaling_group(), planned)
            .auto_scaling_group_name(&name)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("CreateAutoScalingGroup"))?;
        drop(asg);
        let after = async {
            let none = Value::Object(BTreeMap::new());
            set_processes(c, &name, &none, planned).await?;
            set_metrics(c, &name, &none, planned).await?;
            wait_capacity(c, &name, planned).await
        };
        after.await.map_err(|e| e.after_create(&name))?;
        Ok(name)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let asg = c.ec2_autoscaling.get().await;
        let start = || {
            asg.update_auto_scaling_group()
                .auto_scaling_group_name(name)
        };
        let reqs = TABLE.update_requests(prior, planned, start);
        let updated = !reqs.is_empty();
        for r in reqs {
            r.send().await.map_err(err("UpdateAutoScalingGroup"))?;
        }
        drop(asg);
        if TABLE.changed(prior, planned, "tag") {
            set_tags(c, name, prior, planned).await?;
        }
        if TABLE.changed(prior, planned, "target_group_arns")
            || TABLE.changed(prior, planned, "load_balancers")
        {
            set_target_groups(c, name, prior, planned).await?;
        }
        if TABLE.changed(prior, planned, "suspended_processes") {
            set_processes(c, name, prior, planned).await?;
        }
        if TABLE.changed(prior, planned, "enabled_metrics") {
            set_metrics(c, name, prior, planned).await?;
        }
        // A new launch template (or policy) starts an instance refresh when configured.
        let template_changed = ["launch_template", "mixed_instances_policy"]
            .iter()
            .any(|k| val::changed(prior, planned, k));
        if let (true, Some(r)) = (
            template_changed,
            val::first_block(planned, "instance_refresh"),
        ) {
            c.ec2_autoscaling
                .get()
                .await
                .start_instance_refresh()
                .auto_scaling_group_name(name)
                .set_strategy(val::str_attr(r, "strategy").map(Into::into))
                .set_preferences(val::first_block(r, "preferences").map(refresh_preferences))
                .send()
                .await
                .map_err(err("StartInstanceRefresh"))?;
        }
        if updated {
            wait_capacity(c, name, planned).await?;
        }
        Ok(None)
    }

    /// Scales the group to zero and waits for its instances to go (unless
    /// `force_delete`, which has AWS terminate them), then deletes it.
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let force = val::bool_attr(prior, "force_delete").unwrap_or(false);
        let Some(g) = describe_one(c, name).await? else {
            return Ok(());
        };
        if !force && !g.instances().is_empty() {
            // Instances protected from scale-in would never leave: the protection goes
            // first, as the Terraform provider does.
            let protected: Vec<String> = g
                .instances()
                .iter()
                .filter(|i| i.protected_from_scale_in() == Some(true))
                .filter_map(|i| i.instance_id().map(str::to_string))
                .collect();
            for chunk in protected.chunks(50) {
                c.ec2_autoscaling
                    .get()
                    .await
                    .set_instance_protection()
                    .auto_scaling_group_name(name)
                    .set_instance_ids(Some(chunk.to_vec()))
                    .protected_from_scale_in(false)
                    .send()
                    .await
                    .map_err(err("SetInstanceProtection"))?;
            }
            c.ec2_autoscaling
                .get()
                .await
                .update_auto_scaling_group()
                .auto_scaling_group_name(name)
                .min_size(0)
                .max_size(0)
                .desired_capacity(0)
                .send()
                .await
                .map_err(err("UpdateAutoScalingGroup"))?;
            wait_for("auto scaling group instances", "none", t, || async {
                Ok(match describe_one(c, name).await? {
                    Some(g) if !g.instances().is_empty() => {
                        Err(format!("{} instances", g.instances().len()))
                    }
                    _ => Ok(()),
                })
            })
            .await?;
        }
        let out = c
            .ec2_autoscaling
            .get()
            .await
            .delete_auto_scaling_group()
            .auto_scaling_group_name(name)
            .force_delete(force)
            .send()
            .await
            .map_err(err("DeleteAutoScalingGroup"));
        match out {
            Err(e) if !(e.is_not_found() || e.to_string().contains("not found")) => return Err(e),
            _ => {}
        }
        wait_for("auto scaling group", "deleted", t, || async {
            Ok(match describe_one(c, name).await? {
                Some(_) => Err("deleting".to_string()),
                None => Ok(()),
            })
        })
        .await
    }
}
