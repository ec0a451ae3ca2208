//! The nested blocks of `aws_ecs_service` that say where and how tasks run: capacity
//! provider strategy, placement, deployment controller, deployment configuration
//! (strategy, bake time, lifecycle hooks, alarms, circuit breaker), service discovery
//! registries and VPC Lattice target groups. Their rows are in `service_table`; their SDK
//! forms and their reads (the rows' `read_named` functions) are here.
//!
//! A block is read from AWS only while the configuration has one: AWS fills in defaults
//! for some (the `ECS` deployment controller, alarms that are off), which Terraform
//! ignores when the block is left out.

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CanaryConfiguration, CapacityProviderStrategyItem,
    DeploymentAlarms, DeploymentConfiguration, DeploymentController, DeploymentControllerType,
    DeploymentLifecycleHook, DeploymentLifecycleHookStage, DeploymentStrategy, LinearConfiguration,
    NetworkConfiguration, PlacementConstraint, PlacementConstraintType, PlacementStrategy,
    PlacementStrategyType, ServiceRegistry, VpcLatticeConfiguration,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::service_table::{known, Described};
use crate::error::AwsError;
use crate::schema::*;
use crate::table::ReadCtx;
use crate::val;

/// The `deployment_configuration` block: the strategy and what goes with it.
pub fn deployment_configuration_schema() -> S {
    S::new()
        .attr("strategy", opt_comp(STR))
        .attr("bake_time_in_minutes", opt_comp(STR))
        .block(
            "lifecycle_hook",
            Nesting::Set,
            S::new()
                .attr("hook_target_arn", req(STR))
                .attr("role_arn", req(STR))
                .attr("lifecycle_stages", req(list_of(STR)))
                .attr("hook_details", opt(STR)),
        )
        .block(
            "linear_configuration",
            Nesting::List,
            S::new()
                .attr("step_percent", opt(NUM))
                .attr("step_bake_time_in_minutes", opt(STR)),
        )
        .block(
            "canary_configuration",
            Nesting::List,
            S::new()
                .attr("canary_percent", opt(NUM))
                .attr("canary_bake_time_in_minutes", opt(STR)),
        )
}

/// The `network_configuration` block of a service or task set (awsvpc networking).
pub fn network_schema() -> S {
    S::new()
        .attr("subnets", req(set_of(STR)))
        .attr("security_groups", opt(set_of(STR)))
        .attr("assign_public_ip", opt_default(BOOL, Value::Bool(false)))
}

/// The `service_registries` block of a service or task set: where Cloud Map finds its tasks.
pub fn registries_schema() -> S {
    S::new()
        .attr("registry_arn", req(STR))
        .attr("port", opt(NUM))
        .attr("container_port", opt(NUM))
        .attr("container_name", opt(STR))
}

fn s(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

/// A whole number Terraform keeps as a string (bake times).
fn minutes(v: &Value, k: &str) -> Option<i32> {
    val::str_attr(v, k).and_then(|m| m.parse().ok())
}

fn invalid(block: &str, e: impl std::fmt::Display) -> AwsError {
    AwsError::Invalid(format!("{block}: {e}"))
}

/// The capacity provider strategy of the `block` blocks of `v` (a service's
/// `capacity_provider_strategy`, a cluster's `default_capacity_provider_strategy`); `None`
/// when there are none.
pub fn capacity_provider_strategy(
    v: &Value,
    block: &str,
) -> Result<Option<Vec<CapacityProviderStrategyItem>>, AwsError> {
    let items = val::blocks(v, block);
    if items.is_empty() {
        return Ok(None);
    }
    items
        .iter()
        .map(|i| {
            CapacityProviderStrategyItem::builder()
                .set_capacity_provider(s(i, "capacity_provider"))
                .set_base(val::i32_attr(i, "base"))
                .set_weight(val::i32_attr(i, "weight"))
                .build()
                .map_err(|e| invalid(block, e))
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// The planned `network_configuration` of a service or task set (none without one).
pub fn network(v: &Value) -> Result<Option<NetworkConfiguration>, AwsError> {
    let Some(n) = val::first_block(v, "network_configuration") else {
        return Ok(None);
    };
    let public = if val::bool_attr(n, "assign_public_ip") == Some(true) {
        AssignPublicIp::Enabled
    } else {
        AssignPublicIp::Disabled
    };
    let sgs = val::strings(n, "security_groups");
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(val::strings(n, "subnets")))
        .set_security_groups((!sgs.is_empty()).then_some(sgs))
        .assign_public_ip(public)
        .build()
        .map_err(|e| invalid("network_configuration", e))?;
    Ok(Some(
        NetworkConfiguration::builder()
            .awsvpc_configuration(vpc)
            .build(),
    ))
}

pub fn placement_constraints(items: &[Value]) -> Vec<PlacementConstraint> {
    items
        .iter()
        .map(|c| {
            PlacementConstraint::builder()
                .set_type(val::str_attr(c, "type").map(PlacementConstraintType::from))
                .set_expression(s(c, "expression"))
                .build()
        })
        .collect()
}

pub fn placement_strategy(items: &[Value]) -> Vec<PlacementStrategy> {
    items
        .iter()
        .map(|p| {
            PlacementStrategy::builder()
                .set_type(val::str_attr(p, "type").map(PlacementStrategyType::from))
                .set_field(s(p, "field"))
                .build()
        })
        .collect()
}

pub fn deployment_controller(v: &Value) -> Result<Option<DeploymentController>, AwsError> {
    val::first_block(v, "deployment_controller")
        .map(|d| {
            DeploymentController::builder()
                .r#type(DeploymentControllerType::from(
                    val::str_attr(d, "type").unwrap_or("ECS"),
                ))
                .build()
                .map_err(|e| invalid("deployment_controller", e))
        })
        .transpose()
}

pub fn service_registries(items: &[Value]) -> Vec<ServiceRegistry> {
    items
        .iter()
        .map(|r| {
            ServiceRegistry::builder()
                .set_registry_arn(s(r, "registry_arn"))
                .set_port(val::i32_attr(r, "port"))
                .set_container_port(val::i32_attr(r, "container_port"))
                .set_container_name(s(r, "container_name"))
                .build()
        })
        .collect()
}

pub fn vpc_lattice(v: &Value) -> Result<Vec<VpcLatticeConfiguration>, AwsError> {
    val::blocks(v, "vpc_lattice_configurations")
        .iter()
        .map(|c| {
            VpcLatticeConfiguration::builder()
                .set_role_arn(s(c, "role_arn"))
                .set_target_group_arn(s(c, "target_group_arn"))
                .set_port_name(s(c, "port_name"))
                .build()
                .map_err(|e| invalid("vpc_lattice_configurations", e))
        })
        .collect()
}

/// Adds the alarms and the `deployment_configuration` block to the percentages and
/// circuit breaker `service` sets. Alarms removed since `prior` are turned off.
pub fn with_deployment(
    b: aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder,
    v: &Value,
    prior: Option<&Value>,
) -> Result<aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder, AwsError> {
    let alarms = match val::first_block(v, "alarms") {
        Some(a) => Some(
            DeploymentAlarms::builder()
                .set_alarm_names(Some(val::strings(a, "alarm_names")))
                .enable(val::bool_attr(a, "enable").unwrap_or(false))
                .rollback(val::bool_attr(a, "rollback").unwrap_or(false)),
        ),
        None if prior.is_some_and(|p| !val::blocks(p, "alarms").is_empty()) => Some(
            DeploymentAlarms::builder()
                .set_alarm_names(Some(Vec::new()))
                .enable(false)
                .rollback(false),
        ),
        None => None,
    };
    let alarms = alarms
        .map(|a| a.build().map_err(|e| invalid("alarms", e)))
        .transpose()?;
    let b = b.set_alarms(alarms);
    let Some(d) = val::first_block(v, "deployment_configuration") else {
        return Ok(b);
    };
    let hooks = val::blocks(d, "lifecycle_hook")
        .iter()
        .map(|h| {
            let details = match val::str_attr(h, "hook_details") {
                Some(j) => Some(document(
                    &serde_json::from_str(j)
                        .map_err(|e| invalid("lifecycle_hook.hook_details", e))?,
                )),
                None => None,
            };
            Ok(DeploymentLifecycleHook::builder()
                .set_hook_target_arn(s(h, "hook_target_arn"))
                .set_role_arn(s(h, "role_arn"))
                .set_lifecycle_stages(Some(
                    val::strings(h, "lifecycle_stages")
                        .iter()
                        .map(|x| DeploymentLifecycleHookStage::from(x.as_str()))
                        .collect(),
                ))
                .set_hook_details(details)
                .build())
        })
        .collect::<Result<Vec<_>, AwsError>>()?;
    let num = |v: &Value, k: &str| v.get_attr(k).and_then(Value::as_f64);
    Ok(
        b.set_strategy(val::str_attr(d, "strategy").map(DeploymentStrategy::from))
            .set_bake_time_in_minutes(minutes(d, "bake_time_in_minutes"))
            .set_lifecycle_hooks((!hooks.is_empty()).then_some(hooks))
            .set_linear_configuration(val::first_block(d, "linear_configuration").map(|l| {
                LinearConfiguration::builder()
                    .set_step_percent(num(l, "step_percent"))
                    .set_step_bake_time_in_minutes(minutes(l, "step_bake_time_in_minutes"))
                    .build()
            }))
            .set_canary_configuration(val::first_block(d, "canary_configuration").map(|c| {
                CanaryConfiguration::builder()
                    .set_canary_percent(num(c, "canary_percent"))
                    .set_canary_bake_time_in_minutes(minutes(c, "canary_bake_time_in_minutes"))
                    .build()
            })),
    )
}

/// A JSON value as the SDK's document type (lifecycle hook details).
fn document(j: &serde_json::Value) -> aws_smithy_types::Document {
    use aws_smithy_types::{Document, Number};
    match j {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (_, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or_default()),
        }),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(a) => Document::Array(a.iter().map(document).collect()),
        serde_json::Value::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), document(v))).collect())
        }
    }
}

/// `deployment_circuit_breaker` as ECS reports it (a breaker that is off reads as none
/// unless one is configured); the known block when moto leaves the field out.
pub fn circuit_breaker_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    let dc = d.svc.deployment_configuration();
    let reported = d.raw["deploymentConfiguration"]
        .get("deploymentCircuitBreaker")
        .is_some();
    let Some(dc) = dc.filter(|_| reported) else {
        return known(cx, name);
    };
    let cb = dc
        .deployment_circuit_breaker()
        .filter(|b| b.enable() || b.rollback() || val::first_block(cx.current, name).is_some());
    Value::List(cb.map_or_else(Vec::new, |b| {
        vec![Value::object([
            ("enable", Value::Bool(b.enable())),
            ("rollback", Value::Bool(b.rollback())),
        ])]
    }))
}

pub fn alarms_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    let reported = d.raw["deploymentConfiguration"].get("alarms").is_some();
    configured(cx, name, reported, || {
        d.svc
            .deployment_configuration()
            .and_then(DeploymentConfiguration::alarms)
            .map(|a| {
                Value::object([
                    ("alarm_names", val::str_set(a.alarm_names())),
                    ("enable", Value::Bool(a.enable())),
                    ("rollback", Value::Bool(a.rollback())),
                ])
            })
            .into_iter()
            .collect()
    })
}

pub fn capacity_provider_strategy_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    configured(cx, name, d.reported("capacityProviderStrategy"), || {
        strategy_value(d.svc.capacity_provider_strategy())
    })
}

pub fn deployment_controller_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    configured(cx, name, d.reported("deploymentController"), || {
        d.svc
            .deployment_controller()
            .map(|c| Value::object([("type", Value::string(c.r#type().as_str()))]))
            .into_iter()
            .collect()
    })
}

pub fn deployment_configuration_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    let reported = d.raw["deploymentConfiguration"].get("strategy").is_some();
    configured(cx, name, reported, || {
        let known = val::first_block(cx.current, name);
        d.svc
            .deployment_configuration()
            .map(|c| deployment_value(c, known))
            .into_iter()
            .collect()
    })
}

pub fn placement_strategy_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    configured(cx, name, d.reported("placementStrategy"), || {
        d.svc
            .placement_strategy()
            .iter()
            .map(|p| typed(p.r#type().map(|t| t.as_str()), "field", p.field()))
            .collect()
    })
}

pub fn placement_constraints_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    configured(cx, name, d.reported("placementConstraints"), || {
        d.svc
            .placement_constraints()
            .iter()
            .map(|p| typed(p.r#type().map(|t| t.as_str()), "expression", p.expression()))
            .collect()
    })
}

pub fn service_registries_value(d: &Described, cx: &ReadCtx, name: &str) -> Value {
    configured(cx, name, d.reported("serviceRegistries"), || {
        registries_value(d.svc.service_registries())
    })
}

/// The Cloud Map registries of a service or task set, as ECS reports them.
pub fn registries_value(items: &[ServiceRegistry]) -> Vec<Value> {
    let n = |x: Option<i32>| x.map_or(Value::Null, val::num);
    items
        .iter()
        .map(|r| {
            Value::object([
                ("registry_arn", val::opt_str(r.registry_arn())),
                ("port", n(r.port())),
                ("container_port", n(r.container_port())),
                ("container_name", val::opt_str(r.container_name())),
            ])
        })
        .collect()
}

/// A block ECS reports only on a service's deployments (moto not at all): Service
/// Connect, EBS volumes, VPC Lattice target groups. The known block is kept.
pub fn kept(_: &Described, cx: &ReadCtx, name: &str) -> Value {
    configured(cx, name, false, Vec::new)
}

/// Capacity provider strategy blocks as AWS reports the items.
pub fn strategy_value(items: &[CapacityProviderStrategyItem]) -> Vec<Value> {
    items
        .iter()
        .map(|c| {
            Value::object([
                ("base", val::num(c.base())),
                ("capacity_provider", Value::string(c.capacity_provider())),
                ("weight", val::num(c.weight())),
            ])
        })
        .collect()
}

/// A placement block: its `type` and the one argument that goes with it.
fn typed(ty: Option<&str>, k: &'static str, v: Option<&str>) -> Value {
    Value::object([("type", val::opt_str(ty)), (k, val::opt_str(v))])
}

/// A block's value: none when the configuration has none; AWS's items when it reports
/// the field; else the known items.
fn configured(
    cx: &ReadCtx,
    name: &str,
    reported: bool,
    items: impl FnOnce() -> Vec<Value>,
) -> Value {
    let known = cx
        .current
        .get_attr(name)
        .filter(|v| !v.is_unknown() && !v.is_null());
    let set = matches!(known, Some(Value::Set(_)));
    let wrap = |v: Vec<Value>| if set { Value::set(v) } else { Value::List(v) };
    match known {
        Some(k) if k.as_seq().is_some_and(|s| !s.is_empty()) => {
            if reported {
                wrap(items())
            } else {
                val::unknown_as_null(k)
            }
        }
        Some(k) => k.clone(),
        None => Value::List(Vec::new()),
    }
}

/// `deployment_configuration` from AWS; the hook details keep the known JSON's spelling.
fn deployment_value(d: &DeploymentConfiguration, known: Option<&Value>) -> Value {
    let mins = |m: Option<i32>| m.map_or(Value::Null, |m| Value::string(m.to_string()));
    let pct = |p: Option<f64>| p.map_or(Value::Null, Value::number);
    let known_hooks = known
        .map(|k| val::blocks(k, "lifecycle_hook"))
        .unwrap_or_default();
    let hooks = d
        .lifecycle_hooks()
        .iter()
        .map(|h| {
            let details = known_hooks
                .iter()
                .find(|k| val::str_attr(k, "hook_target_arn") == h.hook_target_arn())
                .and_then(|k| k.get_attr("hook_details").cloned())
                .unwrap_or_default();
            Value::object([
                ("hook_target_arn", val::opt_str(h.hook_target_arn())),
                ("role_arn", val::opt_str(h.role_arn())),
                (
                    "lifecycle_stages",
                    val::str_list(h.lifecycle_stages().iter().map(|s| s.as_str())),
                ),
                ("hook_details", details),
            ])
        })
        .collect();
    Value::object([
        ("strategy", val::opt_str(d.strategy().map(|s| s.as_str()))),
        ("bake_time_in_minutes", mins(d.bake_time_in_minutes())),
        ("lifecycle_hook", Value::set(hooks)),
        (
            "linear_configuration",
            Value::List(
                d.linear_configuration()
                    .map(|l| {
                        Value::object([
                            ("step_percent", pct(l.step_percent())),
                            (
                                "step_bake_time_in_minutes",
                                mins(l.step_bake_time_in_minutes()),
                            ),
                        ])
                    })
                    .into_iter()
                    .collect(),
            ),
        ),
        (
            "canary_configuration",
            Value::List(
                d.canary_configuration()
                    .map(|c| {
                        Value::object([
                            ("canary_percent", pct(c.canary_percent())),
                            (
                                "canary_bake_time_in_minutes",
                                mins(c.canary_bake_time_in_minutes()),
                            ),
                        ])
                    })
                    .into_iter()
                    .collect(),
            ),
        ),
    ])
}
