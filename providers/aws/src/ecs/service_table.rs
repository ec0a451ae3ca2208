//! The attribute table of `aws_ecs_service` (see [`crate::table`]): every argument and
//! attribute once, with its schema, its read from DescribeServices and, where the SDK
//! value cannot fail to build, its CreateService and UpdateService setters. The rest is
//! `updated_by_hand` and sent by `service`: the deployment configuration (built from
//! several rows: the percentages, the circuit breaker, `alarms` and
//! `deployment_configuration`), and the blocks whose SDK builders can refuse a value
//! (network, capacity provider strategy, deployment controller, VPC Lattice, Service
//! Connect, volumes).
//!
//! moto leaves some fields out of a described service: a row then keeps the known value
//! (`Described::reported` tells "absent" from "false" or 0 in the raw JSON), and a block
//! is read only while the configuration has one (`service_blocks`).

use std::sync::LazyLock;

use aws_sdk_ecs::operation::create_service::builders::CreateServiceFluentBuilder;
use aws_sdk_ecs::operation::update_service::builders::UpdateServiceFluentBuilder;
use aws_sdk_ecs::types::{AdvancedConfiguration, AssignPublicIp, LoadBalancer};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::service_blocks as blocks;
use super::{same_form, service_connect, service_volumes};
use crate::resource::tags_value;
use crate::schema::*;
use crate::table::{item_i32, item_str, Arg, ReadCtx, Table, UpdateCalls};
use crate::val;

/// A described service with its raw JSON (to tell "absent" from "false"/"0": fields moto
/// never reports keep their known values instead of reading as defaults).
pub struct Described {
    pub svc: aws_sdk_ecs::types::Service,
    pub raw: serde_json::Value,
}

impl Described {
    /// Whether DescribeServices reported the field `key` of the service.
    pub fn reported(&self, key: &str) -> bool {
        self.raw.get(key).is_some_and(|x| !x.is_null())
    }
}

pub type ServiceTable = Table<Described, CreateServiceFluentBuilder, UpdateServiceFluentBuilder>;

/// The attribute's known value (null when there is none).
pub fn known(cx: &ReadCtx, name: &str) -> Value {
    cx.current.get_attr(name).cloned().unwrap_or_default()
}

/// The known value, or `default` while it is null or unknown (an import, or a create
/// whose planned value AWS did not report).
fn known_or(cx: &ReadCtx, name: &str, default: Value) -> Value {
    match cx.current.get_attr(name) {
        Some(v) if !v.is_null() && !v.is_unknown() => v.clone(),
        _ => default,
    }
}

/// A boolean ECS reports under `key`, else the known value (false by default).
fn reported_bool(d: &Described, cx: &ReadCtx, name: &str, key: &str, b: bool) -> Value {
    if d.reported(key) {
        Value::Bool(b)
    } else {
        known_or(cx, name, Value::Bool(false))
    }
}

/// A deployment percentage as ECS reports it, else the known value or the default.
fn percent(cx: &ReadCtx, name: &str, got: Option<i32>, default: i32) -> Value {
    got.map_or_else(|| known_or(cx, name, val::num(default)), val::num)
}

pub static TABLE: LazyLock<ServiceTable> = LazyLock::new(|| {
    ServiceTable::new(|| {
        Some(Described {
            svc: aws_sdk_ecs::types::Service::builder().build(),
            raw: serde_json::Value::Null,
        })
    })
    .tags_all(|d| tags_value(d.svc.tags()))
    .update_calls(UpdateCalls::Together)
    .attr("id", comp(STR))
    .read(|d, _| val::opt_str(d.svc.service_arn()))
    .attr("name", req(STR).force_new())
    .read(|d, _| val::opt_str(d.svc.service_name()))
    .create(|b, v| b.set_service_name(v.str()))
    // The name or the ARN, as the configuration wrote it.
    .attr("cluster", opt_comp(STR).force_new())
    .read_named(|d, cx, name| match d.svc.cluster_arn() {
        Some(a) => same_form(val::str_attr(cx.current, name), a),
        None => known(cx, name),
    })
    .create(|b, v| b.set_cluster(v.str()))
    .attr("task_definition", opt(STR))
    .read_named(|d, cx, name| match d.svc.task_definition() {
        Some(td) => task_definition_value(cx.current, name, td),
        None => known(cx, name),
    })
    .create(|b, v| b.set_task_definition(v.str()))
    .update(|b, v| b.set_task_definition(v.str()))
    // Sent on create by `service` (not for DAEMON services, which run one task per instance).
    .attr("desired_count", opt_default(NUM, val::num(0)))
    .read(|d, _| val::num(d.svc.desired_count()))
    .update(|b, v| b.set_desired_count(v.i32()))
    .attr("launch_type", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.svc.launch_type().map(|l| l.as_str())))
    .create(|b, v| b.set_launch_type(v.str().as_deref().map(Into::into)))
    .attr("platform_version", opt_comp(STR))
    .read(|d, _| val::opt_str(d.svc.platform_version()))
    .create(|b, v| b.set_platform_version(v.str()))
    .update(|b, v| b.set_platform_version(v.str()))
    .attr(
        "scheduling_strategy",
        opt_default(STR, Value::string("REPLICA")).force_new(),
    )
    .read_named(|d, cx, name| match d.svc.scheduling_strategy() {
        Some(s) => Value::string(s.as_str()),
        None => known_or(cx, name, Value::string("REPLICA")),
    })
    .create(|b, v| b.set_scheduling_strategy(v.str().as_deref().map(Into::into)))
    .attr(
        "deployment_minimum_healthy_percent",
        opt_default(NUM, val::num(100)),
    )
    .read_named(|d, cx, name| {
        let dc = d.svc.deployment_configuration();
        percent(cx, name, dc.and_then(|c| c.minimum_healthy_percent()), 100)
    })
    .updated_by_hand()
    .attr(
        "deployment_maximum_percent",
        opt_default(NUM, val::num(200)),
    )
    .read_named(|d, cx, name| {
        let dc = d.svc.deployment_configuration();
        percent(cx, name, dc.and_then(|c| c.maximum_percent()), 200)
    })
    .updated_by_hand()
    // ECS reports 0 for a service without a grace period: null stays null.
    .attr("health_check_grace_period_seconds", opt(NUM))
    .read_named(
        |d, cx, name| match d.svc.health_check_grace_period_seconds() {
            Some(g) if g != 0 || val::num_attr(cx.current, name).is_some() => val::num(g),
            _ => known(cx, name),
        },
    )
    .create(|b, v| b.set_health_check_grace_period_seconds(v.i32()))
    // Removing the argument sets the period back to none.
    .update(|b, v| b.set_health_check_grace_period_seconds(v.i32().or(Some(0))))
    .attr(
        "enable_execute_command",
        opt_default(BOOL, Value::Bool(false)),
    )
    .read_named(|d, cx, name| {
        let on = d.svc.enable_execute_command();
        reported_bool(d, cx, name, "enableExecuteCommand", on)
    })
    .create(|b, v| b.enable_execute_command(v.bool() == Some(true)))
    .update(|b, v| b.enable_execute_command(v.bool() == Some(true)))
    .attr(
        "enable_ecs_managed_tags",
        opt_default(BOOL, Value::Bool(false)),
    )
    .read_named(|d, cx, name| {
        let on = d.svc.enable_ecs_managed_tags();
        reported_bool(d, cx, name, "enableECSManagedTags", on)
    })
    .create(|b, v| b.enable_ecs_managed_tags(v.bool() == Some(true)))
    .update(|b, v| b.enable_ecs_managed_tags(v.bool() == Some(true)))
    // NONE is what AWS reports when nothing is propagated; an unset argument means the same.
    .attr("propagate_tags", opt(STR))
    .read_named(
        |d, cx, name| match d.svc.propagate_tags().map(|p| p.as_str()) {
            Some("NONE") if val::str_attr(cx.current, name).is_none() => known(cx, name),
            Some(p) => Value::string(p),
            None => known(cx, name),
        },
    )
    .create(|b, v| b.set_propagate_tags(v.str().as_deref().map(Into::into)))
    .update(|b, v| b.propagate_tags(v.str().as_deref().unwrap_or("NONE").into()))
    // Terraform's own: whether create and update wait for the service to be steady.
    .attr(
        "wait_for_steady_state",
        opt_default(BOOL, Value::Bool(false)),
    )
    .updated_by_hand()
    // Sent with every UpdateService (see `service::update`).
    .attr("force_new_deployment", opt(BOOL))
    .updated_by_hand()
    // The role's name or ARN, as the configuration wrote it.
    .attr("iam_role", opt_comp(STR).force_new())
    .read_named(|d, cx, name| match d.svc.role_arn() {
        Some(a) if val::str_attr(cx.current, name).is_some_and(|r| r.starts_with("arn:")) => {
            Value::string(a)
        }
        Some(a) => Value::string(a.rsplit('/').next().unwrap_or(a)),
        None => known_or(cx, name, Value::Null),
    })
    .create(|b, v| b.set_role(v.str()))
    // Redeploys together with force_new_deployment (see `service::plan`).
    .attr("triggers", opt(map_of(STR)))
    .updated_by_hand()
    .attr("availability_zone_rebalancing", opt_comp(STR))
    .read_named(|d, cx, name| {
        let got = d.svc.availability_zone_rebalancing().map(|a| a.as_str());
        if d.reported("availabilityZoneRebalancing") {
            val::opt_str(got)
        } else {
            known_or(cx, name, Value::Null)
        }
    })
    .create(|b, v| b.set_availability_zone_rebalancing(v.str().as_deref().map(Into::into)))
    .update(|b, v| b.set_availability_zone_rebalancing(v.str().as_deref().map(Into::into)))
    // Passed to DeleteService: delete without scaling to zero first.
    .attr("force_delete", opt(BOOL))
    .updated_by_hand()
    // Terraform's own: roll a blue/green deployment back when the wait for a steady state
    // is interrupted. AWS holds nothing for it; terrane keeps it.
    .attr("sigint_rollback", opt(BOOL))
    .updated_by_hand()
    .block(
        "network_configuration",
        Nesting::List,
        blocks::network_schema(),
    )
    .read_named(network_value)
    .updated_by_hand()
    .block(
        "load_balancer",
        Nesting::Set,
        S::new()
            .attr("target_group_arn", opt(STR))
            .attr("elb_name", opt(STR))
            .attr("container_name", req(STR))
            .attr("container_port", req(NUM))
            // Blue/green deployments: the second group and the listener rules.
            .block(
                "advanced_configuration",
                Nesting::List,
                S::new()
                    .attr("alternate_target_group_arn", req(STR))
                    .attr("production_listener_rule", req(STR))
                    .attr("role_arn", req(STR))
                    .attr("test_listener_rule", opt(STR)),
            ),
    )
    .read(|d, _| Value::set(d.svc.load_balancers().iter().map(lb_value).collect()))
    .create(|b, v| {
        let lbs = load_balancers(v);
        b.set_load_balancers((!lbs.is_empty()).then_some(lbs))
    })
    .update(|b, v| b.set_load_balancers(Some(load_balancers(v))))
    .block(
        "deployment_circuit_breaker",
        Nesting::List,
        S::new()
            .attr("enable", req(BOOL))
            .attr("rollback", req(BOOL)),
    )
    .read_named(blocks::circuit_breaker_value)
    .updated_by_hand()
    .block(
        "alarms",
        Nesting::List,
        S::new()
            .attr("alarm_names", req(set_of(STR)))
            .attr("enable", req(BOOL))
            .attr("rollback", req(BOOL)),
    )
    .max_items(1)
    .read_named(blocks::alarms_value)
    .updated_by_hand()
    .block(
        "capacity_provider_strategy",
        Nesting::Set,
        S::new()
            .attr("base", opt(NUM))
            .attr("capacity_provider", req(STR))
            .attr("weight", opt(NUM)),
    )
    .read_named(blocks::capacity_provider_strategy_value)
    .updated_by_hand()
    .block(
        "deployment_controller",
        Nesting::List,
        S::new().attr("type", opt_default(STR, Value::string("ECS"))),
    )
    .max_items(1)
    .read_named(blocks::deployment_controller_value)
    .updated_by_hand()
    .block(
        "deployment_configuration",
        Nesting::List,
        blocks::deployment_configuration_schema(),
    )
    .max_items(1)
    .read_named(blocks::deployment_configuration_value)
    .updated_by_hand()
    .block(
        "ordered_placement_strategy",
        Nesting::List,
        S::new().attr("type", req(STR)).attr("field", opt(STR)),
    )
    .max_items(5)
    .read_named(blocks::placement_strategy_value)
    .create(|b, v| b.set_placement_strategy(Some(blocks::placement_strategy(v.items()))))
    .update(|b, v| b.set_placement_strategy(Some(blocks::placement_strategy(v.items()))))
    .block(
        "placement_constraints",
        Nesting::Set,
        S::new().attr("type", req(STR)).attr("expression", opt(STR)),
    )
    .max_items(10)
    .read_named(blocks::placement_constraints_value)
    .create(|b, v| b.set_placement_constraints(Some(blocks::placement_constraints(v.items()))))
    .update(|b, v| b.set_placement_constraints(Some(blocks::placement_constraints(v.items()))))
    .block(
        "service_registries",
        Nesting::List,
        blocks::registries_schema(),
    )
    .max_items(1)
    .read_named(blocks::service_registries_value)
    .create(|b, v| b.set_service_registries(Some(blocks::service_registries(v.items()))))
    .update(|b, v| b.set_service_registries(Some(blocks::service_registries(v.items()))))
    .block(
        "vpc_lattice_configurations",
        Nesting::Set,
        S::new()
            .attr("role_arn", req(STR))
            .attr("target_group_arn", req(STR))
            .attr("port_name", req(STR)),
    )
    .read_named(blocks::kept)
    .updated_by_hand()
    .block(
        "service_connect_configuration",
        Nesting::List,
        service_connect::schema(),
    )
    .max_items(1)
    .read_named(blocks::kept)
    .updated_by_hand()
    .block(
        "volume_configuration",
        Nesting::List,
        service_volumes::schema(),
    )
    .max_items(1)
    .read_named(blocks::kept)
    .updated_by_hand()
});

/// `task_definition` as the user wrote it when it names the revision ECS runs (an ARN,
/// `family:revision`, or the bare family of that revision), else `family:revision`.
fn task_definition_value(cur: &Value, name: &str, arn: &str) -> Value {
    let fam_rev = arn
        .rsplit_once("task-definition/")
        .map_or(arn, |(_, fr)| fr);
    let family = fam_rev.split(':').next().unwrap_or(fam_rev);
    match val::str_attr(cur, name) {
        Some(w) if w.starts_with("arn:") => Value::string(arn),
        Some(w) if w == fam_rev || w == family => Value::string(w),
        _ => Value::string(fam_rev),
    }
}

/// The awsvpc network as ECS reports it; no security groups reported keeps a null
/// (unset) argument null. A service moto reports without the field keeps the known block.
fn network_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    let net = d
        .svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    if net.is_none() && d.raw.get("networkConfiguration").is_none() {
        return known(cx, name);
    }
    Value::List(net.map_or_else(Vec::new, |n| {
        let sgs = n.security_groups();
        let groups = if sgs.is_empty() {
            val::first_block(cx.current, name)
                .and_then(|c| c.get_attr("security_groups").cloned())
                .filter(Value::is_null)
                .unwrap_or_else(|| val::str_set(sgs))
        } else {
            val::str_set(sgs)
        };
        vec![Value::object([
            ("subnets", val::str_set(n.subnets())),
            ("security_groups", groups),
            (
                "assign_public_ip",
                Value::Bool(n.assign_public_ip() == Some(&AssignPublicIp::Enabled)),
            ),
        ])]
    }))
}

fn lb_value(lb: &LoadBalancer) -> Value {
    let advanced = lb.advanced_configuration().map(|a| {
        Value::object([
            (
                "alternate_target_group_arn",
                val::opt_str(a.alternate_target_group_arn()),
            ),
            (
                "production_listener_rule",
                val::opt_str(a.production_listener_rule()),
            ),
            ("role_arn", val::opt_str(a.role_arn())),
            ("test_listener_rule", val::opt_str(a.test_listener_rule())),
        ])
    });
    Value::object([
        ("target_group_arn", val::opt_str(lb.target_group_arn())),
        ("elb_name", val::opt_str(lb.load_balancer_name())),
        ("container_name", val::opt_str(lb.container_name())),
        (
            "container_port",
            lb.container_port().map_or(Value::Null, val::num),
        ),
        (
            "advanced_configuration",
            Value::List(advanced.into_iter().collect()),
        ),
    ])
}

fn load_balancers(v: Arg) -> Vec<LoadBalancer> {
    v.items()
        .iter()
        .map(|lb| {
            let advanced = val::first_block(lb, "advanced_configuration").map(|a| {
                AdvancedConfiguration::builder()
                    .set_alternate_target_group_arn(item_str(a, "alternate_target_group_arn"))
                    .set_production_listener_rule(item_str(a, "production_listener_rule"))
                    .set_role_arn(item_str(a, "role_arn"))
                    .set_test_listener_rule(item_str(a, "test_listener_rule"))
                    .build()
            });
            LoadBalancer::builder()
                .set_target_group_arn(item_str(lb, "target_group_arn"))
                .set_load_balancer_name(item_str(lb, "elb_name"))
                .set_container_name(item_str(lb, "container_name"))
                .set_container_port(item_i32(lb, "container_port"))
                .set_advanced_configuration(advanced)
                .build()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_definition_keeps_the_written_form() {
        let arn = "arn:aws:ecs:us-east-1:1:task-definition/web:3";
        let td = "task_definition";
        let cur = |s: &str| Value::object([(td, Value::string(s))]);
        let read = |cur: &Value| task_definition_value(cur, td, arn);
        assert_eq!(read(&cur("web:3")), Value::string("web:3"));
        assert_eq!(read(&cur("web")), Value::string("web"));
        assert_eq!(read(&cur("web:2")), Value::string("web:3"));
        assert_eq!(read(&cur("arn:aws:ecs:x")), Value::string(arn));
        assert_eq!(read(&Value::Null), Value::string("web:3"));
    }
}
