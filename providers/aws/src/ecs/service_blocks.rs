//! The nested blocks of `aws_ecs_service` that say where and how tasks run beyond the
//! basics in `service`: capacity provider strategy, placement, deployment controller,
//! deployment configuration (strategy, bake time, lifecycle hooks, alarms), service
//! discovery registries and VPC Lattice target groups. Each has its schema, its SDK form
//! and its value read back from AWS here.
//!
//! A block is read from AWS only while the configuration has one: AWS fills in defaults
//! for some (the `ECS` deployment controller, alarms that are off), which Terraform
//! ignores when the block is left out.

use aws_sdk_ecs::types::{
    CanaryConfiguration, CapacityProviderStrategyItem, DeploymentAlarms, DeploymentConfiguration,
    DeploymentController, DeploymentControllerType, DeploymentLifecycleHook,
    DeploymentLifecycleHookStage, DeploymentStrategy, LinearConfiguration, PlacementConstraint,
    PlacementConstraintType, PlacementStrategy, PlacementStrategyType, ServiceRegistry,
    VpcLatticeConfiguration,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::error::AwsError;
use crate::schema::*;
use crate::val;

/// Adds the blocks this module owns to the service's schema.
pub fn schema(s: S) -> S {
    s.block(
        "alarms",
        Nesting::List,
        S::new()
            .attr("alarm_names", req(set_of(STR)))
            .attr("enable", req(BOOL))
            .attr("rollback", req(BOOL)),
    )
    .block(
        "capacity_provider_strategy",
        Nesting::Set,
        S::new()
            .attr("base", opt(NUM))
            .attr("capacity_provider", req(STR))
            .attr("weight", opt(NUM)),
    )
    .block(
        "deployment_controller",
        Nesting::List,
        S::new().attr("type", opt_default(STR, Value::string("ECS"))),
    )
    .block(
        "deployment_configuration",
        Nesting::List,
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
            ),
    )
    .block(
        "ordered_placement_strategy",
        Nesting::List,
        S::new().attr("type", req(STR)).attr("field", opt(STR)),
    )
    .block(
        "placement_constraints",
        Nesting::Set,
        S::new().attr("type", req(STR)).attr("expression", opt(STR)),
    )
    .block(
        "service_registries",
        Nesting::List,
        S::new()
            .attr("registry_arn", req(STR))
            .attr("port", opt(NUM))
            .attr("container_port", opt(NUM))
            .attr("container_name", opt(STR)),
    )
    .block(
        "vpc_lattice_configurations",
        Nesting::Set,
        S::new()
            .attr("role_arn", req(STR))
            .attr("target_group_arn", req(STR))
            .attr("port_name", req(STR)),
    )
}

/// The blocks with at most one item, and their limit.
pub const MAX_ITEMS: [(&str, usize); 6] = [
    ("alarms", 1),
    ("deployment_controller", 1),
    ("deployment_configuration", 1),
    ("ordered_placement_strategy", 5),
    ("placement_constraints", 10),
    ("service_registries", 1),
];

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

pub fn placement_constraints(v: &Value) -> Vec<PlacementConstraint> {
    val::blocks(v, "placement_constraints")
        .iter()
        .map(|c| {
            PlacementConstraint::builder()
                .set_type(val::str_attr(c, "type").map(PlacementConstraintType::from))
                .set_expression(s(c, "expression"))
                .build()
        })
        .collect()
}

pub fn placement_strategy(v: &Value) -> Vec<PlacementStrategy> {
    val::blocks(v, "ordered_placement_strategy")
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

pub fn service_registries(v: &Value) -> Vec<ServiceRegistry> {
    val::blocks(v, "service_registries")
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

/// The blocks as AWS reports them, for the blocks the configuration has. `raw` is the
/// service's JSON: a field AWS (or moto) leaves out keeps the block as known.
pub fn read(
    cur: &Value,
    svc: &aws_sdk_ecs::types::Service,
    raw: &serde_json::Value,
) -> Vec<(&'static str, Value)> {
    let dc = svc.deployment_configuration();
    let raw_dc = &raw["deploymentConfiguration"];
    let reported = |key: &str| raw.get(key).is_some_and(|x| !x.is_null());
    vec![
        (
            "alarms",
            configured(cur, "alarms", raw_dc.get("alarms").is_some(), || {
                dc.and_then(DeploymentConfiguration::alarms)
                    .map(|a| {
                        Value::object([
                            ("alarm_names", val::str_set(a.alarm_names())),
                            ("enable", Value::Bool(a.enable())),
                            ("rollback", Value::Bool(a.rollback())),
                        ])
                    })
                    .into_iter()
                    .collect()
            }),
        ),
        (
            "capacity_provider_strategy",
            configured(
                cur,
                "capacity_provider_strategy",
                reported("capacityProviderStrategy"),
                || strategy_value(svc.capacity_provider_strategy()),
            ),
        ),
        (
            "deployment_controller",
            configured(
                cur,
                "deployment_controller",
                reported("deploymentController"),
                || {
                    svc.deployment_controller()
                        .map(|d| Value::object([("type", Value::string(d.r#type().as_str()))]))
                        .into_iter()
                        .collect()
                },
            ),
        ),
        (
            "deployment_configuration",
            configured(
                cur,
                "deployment_configuration",
                raw_dc.get("strategy").is_some(),
                || {
                    let known = val::first_block(cur, "deployment_configuration");
                    dc.map(|d| deployment_value(d, known)).into_iter().collect()
                },
            ),
        ),
        (
            "ordered_placement_strategy",
            configured(
                cur,
                "ordered_placement_strategy",
                reported("placementStrategy"),
                || {
                    svc.placement_strategy()
                        .iter()
                        .map(|p| typed(p.r#type().map(|t| t.as_str()), "field", p.field()))
                        .collect()
                },
            ),
        ),
        (
            "placement_constraints",
            configured(
                cur,
                "placement_constraints",
                reported("placementConstraints"),
                || {
                    svc.placement_constraints()
                        .iter()
                        .map(|p| {
                            typed(p.r#type().map(|t| t.as_str()), "expression", p.expression())
                        })
                        .collect()
                },
            ),
        ),
        (
            "service_registries",
            configured(
                cur,
                "service_registries",
                reported("serviceRegistries"),
                || {
                    svc.service_registries()
                        .iter()
                        .map(|r| {
                            let n = |x: Option<i32>| x.map_or(Value::Null, val::num);
                            Value::object([
                                ("registry_arn", val::opt_str(r.registry_arn())),
                                ("port", n(r.port())),
                                ("container_port", n(r.container_port())),
                                ("container_name", val::opt_str(r.container_name())),
                            ])
                        })
                        .collect()
                },
            ),
        ),
        // A service reports its Lattice target groups only on its deployments: the
        // configured ones are kept.
        (
            "vpc_lattice_configurations",
            configured(cur, "vpc_lattice_configurations", false, Vec::new),
        ),
    ]
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
    cur: &Value,
    name: &str,
    reported: bool,
    items: impl FnOnce() -> Vec<Value>,
) -> Value {
    let known = cur
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
