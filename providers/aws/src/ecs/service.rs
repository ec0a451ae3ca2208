//! `aws_ecs_service`. The ID is the service's ARN. The name, cluster, launch type and
//! scheduling strategy force replacement; everything else goes through UpdateService.
//! Placement, deployment and discovery blocks are in `service_blocks`, Service Connect in
//! `service_connect`, EBS volumes in `service_volumes`.
//! `cluster` and `task_definition` keep the form the user wrote (name or ARN, `family:rev`
//! or ARN). A refresh describes ten services per call, grouped by cluster (the API's limit).
//! Delete scales to zero, deletes, and waits until ECS reports the service INACTIVE.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AdvancedConfiguration, AssignPublicIp, AwsVpcConfiguration, DeploymentCircuitBreaker,
    DeploymentConfiguration, LoadBalancer, NetworkConfiguration, ServiceField,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use super::raw::Capture;
use super::service_blocks as blocks;
use super::service_connect;
use super::service_volumes;
use super::{same_form, tags_of};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_block_enum, check_enum, plan_block, unique_name, wait_for, AwsResource, DefaultTimeouts,
    Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct Service;

/// DescribeServices takes at most 10 services per call, all of one cluster.
pub const DESCRIBE_MAX: usize = 10;

/// A described service with its raw JSON (to tell "absent" from "false"/"0": fields moto
/// never reports keep their known values instead of reading as defaults).
struct Described {
    svc: aws_sdk_ecs::types::Service,
    raw: serde_json::Value,
}

fn cluster_of(v: &Value) -> &str {
    val::str_attr(v, "cluster").unwrap_or("default")
}

/// Describes `ids` (ARNs or names) of one cluster, 10 per call. A missing cluster means
/// its services are gone too.
async fn describe(c: &Clients, cluster: &str, ids: &[String]) -> Result<Vec<Described>, AwsError> {
    let ecs = c.ecs.get().await;
    let mut out = Vec::new();
    for chunk in ids.chunks(DESCRIBE_MAX) {
        let capture = Capture::default();
        let got = ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .include(ServiceField::Tags)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        let got = match got {
            Ok(g) => g,
            Err(e) => {
                let e = AwsError::sdk("DescribeServices", e);
                if e.code() == Some("ClusterNotFoundException") {
                    return Ok(Vec::new());
                }
                return Err(e);
            }
        };
        let raws = capture.json()["services"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for svc in got.services() {
            let raw = raws
                .iter()
                .find(|r| r["serviceArn"].as_str() == svc.service_arn())
                .cloned()
                .unwrap_or_default();
            out.push(Described {
                svc: svc.clone(),
                raw,
            });
        }
    }
    Ok(out)
}

/// One service by ARN, whatever its status (`None` when ECS does not know it).
async fn describe_one(
    c: &Clients,
    cluster: &str,
    arn: &str,
) -> Result<Option<aws_sdk_ecs::types::Service>, AwsError> {
    Ok(describe(c, cluster, &[arn.to_string()])
        .await?
        .into_iter()
        .next()
        .map(|d| d.svc))
}

/// Waits until the service is steady, as the AWS `ServicesStable` waiter defines it: one
/// deployment, and as many tasks running as desired.
async fn wait_stable(c: &Clients, cluster: &str, arn: &str, t: Timeout) -> Result<(), AwsError> {
    wait_for(&format!("ECS service {arn}"), "steady", t, || async move {
        let Some(s) = describe_one(c, cluster, arn).await? else {
            return Err(AwsError::Invalid(format!(
                "ECS service {arn} disappeared while waiting for it to become steady"
            )));
        };
        if matches!(s.status(), Some("INACTIVE" | "DRAINING")) {
            return Err(AwsError::Invalid(format!(
                "ECS service {arn} is {} while waiting for it to become steady",
                s.status().unwrap_or_default()
            )));
        }
        let steady = s.deployments().len() == 1 && s.running_count() == s.desired_count();
        Ok(if steady {
            Ok(())
        } else {
            Err(format!(
                "{} deployment(s), {} of {} tasks running",
                s.deployments().len(),
                s.running_count(),
                s.desired_count()
            ))
        })
    })
    .await
}

fn network_of(v: &Value) -> Result<Option<NetworkConfiguration>, AwsError> {
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
        .map_err(|e| AwsError::Invalid(format!("network_configuration: {e}")))?;
    Ok(Some(
        NetworkConfiguration::builder()
            .awsvpc_configuration(vpc)
            .build(),
    ))
}

fn load_balancers_of(v: &Value) -> Vec<LoadBalancer> {
    v.get_attr("load_balancer")
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|lb| {
            LoadBalancer::builder()
                .set_target_group_arn(val::str_attr(lb, "target_group_arn").map(str::to_string))
                .set_load_balancer_name(val::str_attr(lb, "elb_name").map(str::to_string))
                .set_container_name(val::str_attr(lb, "container_name").map(str::to_string))
                .set_container_port(
                    val::num_attr(lb, "container_port").and_then(|n| i32::try_from(n).ok()),
                )
                .set_advanced_configuration(val::first_block(lb, "advanced_configuration").map(
                    |a| {
                        let s = |k| val::str_attr(a, k).map(str::to_string);
                        AdvancedConfiguration::builder()
                            .set_alternate_target_group_arn(s("alternate_target_group_arn"))
                            .set_production_listener_rule(s("production_listener_rule"))
                            .set_role_arn(s("role_arn"))
                            .set_test_listener_rule(s("test_listener_rule"))
                            .build()
                    },
                ))
                .build()
        })
        .collect()
}

/// The deployment configuration: percentages, the circuit breaker (an empty breaker
/// removes one that was set), and the alarms and strategy of `service_blocks`.
fn deployment_of(v: &Value, prior: Option<&Value>) -> Result<DeploymentConfiguration, AwsError> {
    let cb = val::first_block(v, "deployment_circuit_breaker").map_or_else(
        || {
            DeploymentCircuitBreaker::builder()
                .enable(false)
                .rollback(false)
                .build()
        },
        |b| {
            DeploymentCircuitBreaker::builder()
                .enable(val::bool_attr(b, "enable").unwrap_or(false))
                .rollback(val::bool_attr(b, "rollback").unwrap_or(false))
                .build()
        },
    );
    let b = DeploymentConfiguration::builder()
        .set_maximum_percent(val::i32_attr(v, "deployment_maximum_percent"))
        .set_minimum_healthy_percent(val::i32_attr(v, "deployment_minimum_healthy_percent"))
        .deployment_circuit_breaker(cb);
    Ok(blocks::with_deployment(b, v, prior)?.build())
}

/// `task_definition` as the user wrote it when it names the revision ECS runs (an ARN,
/// `family:revision`, or the bare family of that revision), else `family:revision`.
fn task_definition_value(cur: &Value, arn: &str) -> Value {
    let fam_rev = arn
        .rsplit_once("task-definition/")
        .map_or(arn, |(_, fr)| fr);
    let family = fam_rev.split(':').next().unwrap_or(fam_rev);
    match val::str_attr(cur, "task_definition") {
        Some(w) if w.starts_with("arn:") => Value::string(arn),
        Some(w) if w == fam_rev || w == family => Value::string(w),
        _ => Value::string(fam_rev),
    }
}

/// The value to store for an attribute AWS reports under `key` of the raw service: AWS's
/// value when reported, else the current one (moto leaves some fields out).
fn reported(o: &mut Obj, raw: &serde_json::Value, key: &str, attr: &str, v: Value) {
    if raw.get(key).is_some_and(|x| !x.is_null()) {
        o.set(attr, v);
    }
}

/// The object to store for a described service.
fn to_state(cur: &Value, d: &Described) -> Value {
    let s = &d.svc;
    let mut o = Obj::from(cur);
    o.set("id", val::opt_str(s.service_arn()))
        .set("name", val::opt_str(s.service_name()))
        .set(
            "cluster",
            match s.cluster_arn() {
                Some(a) => same_form(val::str_attr(cur, "cluster"), a),
                None => cur.get_attr("cluster").cloned().unwrap_or_default(),
            },
        )
        .set("desired_count", val::num(s.desired_count()))
        .set("tags_all", tags_value(s.tags()));
    if let Some(td) = s.task_definition() {
        o.set("task_definition", task_definition_value(cur, td));
    }
    o.set(
        "launch_type",
        val::opt_str(s.launch_type().map(|l| l.as_str())),
    )
    .set("platform_version", val::opt_str(s.platform_version()))
    .set(
        "iam_role",
        match s.role_arn() {
            Some(a) if val::str_attr(cur, "iam_role").is_some_and(|r| r.starts_with("arn:")) => {
                Value::string(a)
            }
            Some(a) => Value::string(a.rsplit('/').next().unwrap_or(a)),
            None => cur
                .get_attr("iam_role")
                .filter(|v| !v.is_unknown())
                .cloned()
                .unwrap_or_default(),
        },
    );
    if let Some(ss) = s.scheduling_strategy() {
        o.set("scheduling_strategy", Value::string(ss.as_str()));
    }
    // NONE is what AWS reports when nothing is propagated; an unset argument means the same.
    match s.propagate_tags().map(|p| p.as_str()) {
        Some("NONE") if val::str_attr(cur, "propagate_tags").is_none() => {}
        Some(p) => {
            o.set("propagate_tags", Value::string(p));
        }
        None => {}
    }
    let raw = &d.raw;
    reported(
        &mut o,
        raw,
        "enableExecuteCommand",
        "enable_execute_command",
        Value::Bool(s.enable_execute_command()),
    );
    reported(
        &mut o,
        raw,
        "enableECSManagedTags",
        "enable_ecs_managed_tags",
        Value::Bool(s.enable_ecs_managed_tags()),
    );
    if let Some(g) = s.health_check_grace_period_seconds() {
        let keep_null = g == 0 && val::num_attr(cur, "health_check_grace_period_seconds").is_none();
        if !keep_null {
            o.set("health_check_grace_period_seconds", val::num(g));
        }
    }
    if let Some(dc) = s.deployment_configuration() {
        if let Some(m) = dc.maximum_percent() {
            o.set("deployment_maximum_percent", val::num(m));
        }
        if let Some(m) = dc.minimum_healthy_percent() {
            o.set("deployment_minimum_healthy_percent", val::num(m));
        }
        if raw["deploymentConfiguration"]
            .get("deploymentCircuitBreaker")
            .is_some()
        {
            let cb = dc.deployment_circuit_breaker().filter(|b| {
                b.enable()
                    || b.rollback()
                    || val::first_block(cur, "deployment_circuit_breaker").is_some()
            });
            o.set(
                "deployment_circuit_breaker",
                Value::List(cb.map_or_else(Vec::new, |b| {
                    vec![Value::object([
                        ("enable", Value::Bool(b.enable())),
                        ("rollback", Value::Bool(b.rollback())),
                    ])]
                })),
            );
        }
    }
    let net = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    if net.is_some() || raw.get("networkConfiguration").is_some() {
        o.set(
            "network_configuration",
            Value::List(net.map_or_else(Vec::new, |n| {
                let sgs = n.security_groups();
                vec![Value::object([
                    ("subnets", val::str_set(n.subnets())),
                    (
                        "security_groups",
                        if sgs.is_empty() {
                            val::first_block(cur, "network_configuration")
                                .and_then(|c| c.get_attr("security_groups").cloned())
                                .filter(Value::is_null)
                                .unwrap_or_else(|| val::str_set(sgs))
                        } else {
                            val::str_set(sgs)
                        },
                    ),
                    (
                        "assign_public_ip",
                        Value::Bool(n.assign_public_ip() == Some(&AssignPublicIp::Enabled)),
                    ),
                ])]
            })),
        );
    }
    o.set(
        "load_balancer",
        Value::set(
            s.load_balancers()
                .iter()
                .map(|lb| {
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
                            Value::List(
                                lb.advanced_configuration()
                                    .map(|a| {
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
                                            (
                                                "test_listener_rule",
                                                val::opt_str(a.test_listener_rule()),
                                            ),
                                        ])
                                    })
                                    .into_iter()
                                    .collect(),
                            ),
                        ),
                    ])
                })
                .collect(),
        ),
    );
    for (k, v) in blocks::read(cur, s, raw) {
        o.set(k, v);
    }
    // ECS reports Service Connect and EBS volumes only on deployments (moto not at all):
    // the known blocks are kept.
    for k in ["service_connect_configuration", "volume_configuration"] {
        o.set(
            k,
            match cur.get_attr(k) {
                Some(v) if !v.is_unknown() && !v.is_null() => val::unknown_as_null(v),
                _ => Value::List(Vec::new()),
            },
        );
    }
    reported(
        &mut o,
        raw,
        "availabilityZoneRebalancing",
        "availability_zone_rebalancing",
        val::opt_str(s.availability_zone_rebalancing().map(|a| a.as_str())),
    );
    if o.get("availability_zone_rebalancing")
        .is_some_and(Value::is_unknown)
    {
        o.set("availability_zone_rebalancing", Value::Null);
    }
    // Defaults for what AWS did not report (moto leaves these out; an import starts null).
    o.default("wait_for_steady_state", Value::Bool(false))
        .default("deployment_maximum_percent", val::num(200))
        .default("deployment_minimum_healthy_percent", val::num(100))
        .default("enable_execute_command", Value::Bool(false))
        .default("enable_ecs_managed_tags", Value::Bool(false))
        .default("scheduling_strategy", Value::string("REPLICA"));
    o.done()
}

/// Fills the nested defaults the engine does not apply inside blocks
/// (`network_configuration.assign_public_ip = false`).
fn normalise_blocks(planned: &mut Value) {
    let Some(Value::List(items)) = planned.get_attr("network_configuration").cloned() else {
        return;
    };
    let items = items
        .into_iter()
        .map(|mut n| {
            if n.get_attr("assign_public_ip").is_none_or(Value::is_null) {
                val::set_attr(&mut n, "assign_public_ip", Value::Bool(false));
            }
            n
        })
        .collect();
    val::set_attr(planned, "network_configuration", Value::List(items));
}

#[async_trait]
impl AwsResource for Service {
    fn type_name(&self) -> &'static str {
        "aws_ecs_service"
    }

    fn schema(&self) -> BlockSchema {
        let s = S::new()
            .attr("id", comp(STR))
            .attr("name", req(STR).force_new())
            .attr("cluster", opt_comp(STR).force_new())
            .attr("task_definition", opt(STR))
            .attr("desired_count", opt_default(NUM, val::num(0)))
            .attr("launch_type", opt_comp(STR).force_new())
            .attr("platform_version", opt_comp(STR))
            .attr(
                "scheduling_strategy",
                opt_default(STR, Value::string("REPLICA")).force_new(),
            )
            .attr(
                "deployment_minimum_healthy_percent",
                opt_default(NUM, val::num(100)),
            )
            .attr(
                "deployment_maximum_percent",
                opt_default(NUM, val::num(200)),
            )
            .attr("health_check_grace_period_seconds", opt(NUM))
            .attr(
                "enable_execute_command",
                opt_default(BOOL, Value::Bool(false)),
            )
            .attr(
                "enable_ecs_managed_tags",
                opt_default(BOOL, Value::Bool(false)),
            )
            .attr("propagate_tags", opt(STR))
            .attr(
                "wait_for_steady_state",
                opt_default(BOOL, Value::Bool(false)),
            )
            .attr("force_new_deployment", opt(BOOL))
            .attr("iam_role", opt_comp(STR).force_new())
            .attr("triggers", opt(map_of(STR)))
            .attr("availability_zone_rebalancing", opt_comp(STR))
            // Passed to DeleteService: delete without scaling to zero first.
            .attr("force_delete", opt(BOOL))
            // Terraform's own: roll a blue/green deployment back when the wait for a
            // steady state is interrupted. AWS holds nothing for it; terrane keeps it.
            .attr("sigint_rollback", opt(BOOL))
            .block(
                "network_configuration",
                Nesting::List,
                S::new()
                    .attr("subnets", req(set_of(STR)))
                    .attr("security_groups", opt(set_of(STR)))
                    .attr("assign_public_ip", opt_default(BOOL, Value::Bool(false))),
            )
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
            .block(
                "deployment_circuit_breaker",
                Nesting::List,
                S::new()
                    .attr("enable", req(BOOL))
                    .attr("rollback", req(BOOL)),
            );
        let s = s.block(
            "service_connect_configuration",
            Nesting::List,
            service_connect::schema(),
        );
        let s = s.block(
            "volume_configuration",
            Nesting::List,
            service_volumes::schema(),
        );
        let mut s = blocks::schema(s).build();
        let single = ["service_connect_configuration", "volume_configuration"].map(|b| (b, 1));
        for (b, max) in blocks::MAX_ITEMS.into_iter().chain(single) {
            if let Some(b) = s.blocks.get_mut(b) {
                b.max_items = Some(max);
            }
        }
        s
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(20, 20, 20))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "launch_type",
            &["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"],
            diags,
        );
        check_enum(config, "scheduling_strategy", &["REPLICA", "DAEMON"], diags);
        check_enum(
            config,
            "propagate_tags",
            &["SERVICE", "TASK_DEFINITION", "NONE"],
            diags,
        );
        check_enum(
            config,
            "availability_zone_rebalancing",
            &["ENABLED", "DISABLED"],
            diags,
        );
        check_block_enum(
            config,
            "deployment_controller",
            "type",
            &["ECS", "CODE_DEPLOY", "EXTERNAL"],
            diags,
        );
        check_block_enum(
            config,
            "deployment_configuration",
            "strategy",
            &["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"],
            diags,
        );
        if let Some(g) = val::num_attr(config, "health_check_grace_period_seconds") {
            if !(0..=i64::from(i32::MAX)).contains(&g) {
                crate::resource::invalid(diags, "health_check_grace_period_seconds", format!("expected health_check_grace_period_seconds to be in the range (0 - 2147483647), got {g}"));
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        normalise_blocks(planned);
        let schema = self.schema();
        for name in ["deployment_controller", "deployment_configuration"] {
            let c = config.get_attr(name).cloned().unwrap_or_default();
            let p = plan_block(
                &schema.blocks[name],
                prior.and_then(|p| p.get_attr(name)),
                &c,
            );
            val::set_attr(planned, name, p);
        }
        // As in Terraform, `triggers` redeploy only together with force_new_deployment;
        // without it (or when they are removed) a change to them is not planned.
        if let Some(prior) = prior {
            let removed = val::string_map(planned, "triggers").is_empty();
            if val::bool_attr(planned, "force_new_deployment") != Some(true) || removed {
                let keep = prior.get_attr("triggers").cloned().unwrap_or_default();
                val::set_attr(planned, "triggers", keep);
            }
        }
        // The cluster by name or by ARN is the same cluster: no replacement (an import
        // records the name; configurations often use the ARN).
        if let (Some(old), Some(new)) = (
            prior.and_then(|p| val::str_attr(p, "cluster")),
            val::str_attr(planned, "cluster"),
        ) {
            if old != new && super::name_from_arn(old) == super::name_from_arn(new) {
                let keep = Value::string(old);
                val::set_attr(planned, "cluster", keep);
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut by_cluster: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for cur in current {
            if let Some(id) = val::str_attr(cur, "id") {
                by_cluster
                    .entry(cluster_of(cur))
                    .or_default()
                    .push(id.to_string());
            }
        }
        let mut found: Vec<(&str, Described)> = Vec::new();
        for (cluster, ids) in by_cluster {
            found.extend(
                describe(c, cluster, &ids)
                    .await?
                    .into_iter()
                    .map(|d| (cluster, d)),
            );
        }
        Ok(current
            .iter()
            .map(|cur| {
                let id = val::str_attr(cur, "id")?;
                let (_, d) = found.iter().find(|(cl, d)| {
                    *cl == cluster_of(cur)
                        && (d.svc.service_arn() == Some(id)
                            || d.svc.service_name() == Some(super::name_from_arn(id)))
                })?;
                (d.svc.status() == Some("ACTIVE")).then(|| to_state(cur, d))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let name = val::str_attr(planned, "name").unwrap_or_default();
        let cluster = val::str_attr(planned, "cluster");
        let replica = val::str_attr(planned, "scheduling_strategy") != Some("DAEMON");
        let lbs = load_balancers_of(planned);
        let out = c
            .ecs
            .get()
            .await
            .create_service()
            .service_name(name)
            .client_token(unique_name(""))
            .set_cluster(cluster.map(str::to_string))
            .set_task_definition(val::str_attr(planned, "task_definition").map(str::to_string))
            .set_desired_count(if replica {
                val::i32_attr(planned, "desired_count")
            } else {
                None
            })
            .set_launch_type(val::str_attr(planned, "launch_type").map(Into::into))
            .set_role(val::str_attr(planned, "iam_role").map(str::to_string))
            .set_platform_version(val::str_attr(planned, "platform_version").map(str::to_string))
            .set_scheduling_strategy(val::str_attr(planned, "scheduling_strategy").map(Into::into))
            .deployment_configuration(deployment_of(planned, None)?)
            .set_capacity_provider_strategy(blocks::capacity_provider_strategy(
                planned,
                "capacity_provider_strategy",
            )?)
            .set_placement_constraints(Some(blocks::placement_constraints(planned)))
            .set_placement_strategy(Some(blocks::placement_strategy(planned)))
            .set_service_registries(Some(blocks::service_registries(planned)))
            .set_deployment_controller(blocks::deployment_controller(planned)?)
            .set_vpc_lattice_configurations(Some(blocks::vpc_lattice(planned)?))
            .set_availability_zone_rebalancing(
                val::str_attr(planned, "availability_zone_rebalancing").map(Into::into),
            )
            .set_service_connect_configuration(service_connect::to_sdk(planned, false)?)
            .set_volume_configurations(service_volumes::to_sdk(planned)?)
            .set_health_check_grace_period_seconds(val::i32_attr(
                planned,
                "health_check_grace_period_seconds",
            ))
            .enable_execute_command(val::bool_attr(planned, "enable_execute_command") == Some(true))
            .enable_ecs_managed_tags(
                val::bool_attr(planned, "enable_ecs_managed_tags") == Some(true),
            )
            .set_propagate_tags(val::str_attr(planned, "propagate_tags").map(Into::into))
            .set_network_configuration(network_of(planned)?)
            .set_load_balancers((!lbs.is_empty()).then_some(lbs))
            .set_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("CreateService"))?;
        let arn = out
            .service()
            .and_then(|s| s.service_arn())
            .ok_or_else(|| AwsError::Invalid("CreateService returned no service ARN".into()))?
            .to_string();
        if val::bool_attr(planned, "wait_for_steady_state") == Some(true) {
            wait_stable(c, cluster.unwrap_or("default"), &arn, t)
                .await
                .map_err(|e| e.after_create(&arn))?;
        }
        Ok(arn)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let cluster = cluster_of(prior);
        let ch = |k: &str| val::changed(prior, planned, k);
        let force = val::bool_attr(planned, "force_new_deployment") == Some(true);
        // Tags are the framework's; force_delete and sigint_rollback are terrane's own
        // (used on delete and while waiting): none of them is an UpdateService.
        let not_updated = ["tags", "tags_all", "force_delete", "sigint_rollback"];
        let others = planned
            .as_map()
            .into_iter()
            .flatten()
            .any(|(k, _)| !not_updated.contains(&k.as_str()) && ch(k));
        if others {
            let deployment = [
                "deployment_maximum_percent",
                "deployment_minimum_healthy_percent",
                "deployment_circuit_breaker",
                "alarms",
                "deployment_configuration",
            ]
            .iter()
            .any(|k| ch(k));
            let lbs = load_balancers_of(planned);
            c.ecs
                .get()
                .await
                .update_service()
                .cluster(cluster)
                .service(arn)
                .force_new_deployment(force)
                .set_task_definition(if ch("task_definition") {
                    val::str_attr(planned, "task_definition").map(str::to_string)
                } else {
                    None
                })
                .set_desired_count(if ch("desired_count") {
                    val::i32_attr(planned, "desired_count")
                } else {
                    None
                })
                .set_deployment_configuration(if deployment {
                    Some(deployment_of(planned, Some(prior))?)
                } else {
                    None
                })
                .set_capacity_provider_strategy(if ch("capacity_provider_strategy") {
                    Some(
                        blocks::capacity_provider_strategy(planned, "capacity_provider_strategy")?
                            .unwrap_or_default(),
                    )
                } else {
                    None
                })
                .set_placement_constraints(
                    ch("placement_constraints").then(|| blocks::placement_constraints(planned)),
                )
                .set_placement_strategy(
                    ch("ordered_placement_strategy").then(|| blocks::placement_strategy(planned)),
                )
                .set_service_registries(
                    ch("service_registries").then(|| blocks::service_registries(planned)),
                )
                .set_deployment_controller(if ch("deployment_controller") {
                    blocks::deployment_controller(planned)?
                } else {
                    None
                })
                .set_service_connect_configuration(if ch("service_connect_configuration") {
                    service_connect::to_sdk(planned, true)?
                } else {
                    None
                })
                .set_volume_configurations(if ch("volume_configuration") {
                    Some(service_volumes::to_sdk(planned)?.unwrap_or_default())
                } else {
                    None
                })
                .set_vpc_lattice_configurations(if ch("vpc_lattice_configurations") {
                    Some(blocks::vpc_lattice(planned)?)
                } else {
                    None
                })
                .set_availability_zone_rebalancing(if ch("availability_zone_rebalancing") {
                    val::str_attr(planned, "availability_zone_rebalancing").map(Into::into)
                } else {
                    None
                })
                .set_health_check_grace_period_seconds(if ch("health_check_grace_period_seconds") {
                    val::i32_attr(planned, "health_check_grace_period_seconds").or(Some(0))
                } else {
                    None
                })
                .set_enable_execute_command(
                    ch("enable_execute_command")
                        .then(|| val::bool_attr(planned, "enable_execute_command") == Some(true)),
                )
                .set_enable_ecs_managed_tags(
                    ch("enable_ecs_managed_tags")
                        .then(|| val::bool_attr(planned, "enable_ecs_managed_tags") == Some(true)),
                )
                .set_platform_version(if ch("platform_version") {
                    val::str_attr(planned, "platform_version").map(str::to_string)
                } else {
                    None
                })
                .set_propagate_tags(if ch("propagate_tags") {
                    Some(
                        val::str_attr(planned, "propagate_tags")
                            .unwrap_or("NONE")
                            .into(),
                    )
                } else {
                    None
                })
                .set_network_configuration(if ch("network_configuration") {
                    network_of(planned)?
                } else {
                    None
                })
                .set_load_balancers(ch("load_balancer").then_some(lbs))
                .send()
                .await
                .map_err(err("UpdateService"))?;
            if val::bool_attr(planned, "wait_for_steady_state") == Some(true) {
                wait_stable(c, cluster, arn, t).await?;
            }
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::ecs::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let cluster = cluster_of(prior);
        let Some(s) = describe_one(c, cluster, arn).await? else {
            return Ok(());
        };
        if s.status() == Some("INACTIVE") {
            return Ok(());
        }
        let ecs = c.ecs.get().await;
        let replica = s
            .scheduling_strategy()
            .is_none_or(|x| x.as_str() != "DAEMON");
        if s.status() == Some("ACTIVE") && replica && s.desired_count() > 0 {
            ecs.update_service()
                .cluster(cluster)
                .service(arn)
                .desired_count(0)
                .send()
                .await
                .map_err(err("UpdateService"))?;
        }
        ecs.delete_service()
            .cluster(cluster)
            .service(arn)
            .set_force(val::bool_attr(prior, "force_delete"))
            .send()
            .await
            .map_err(err("DeleteService"))?;
        drop(ecs);
        wait_for(
            &format!("ECS service {arn}"),
            "INACTIVE",
            t,
            || async move {
                Ok(match describe_one(c, cluster, arn).await? {
                    Some(s) if s.status() != Some("INACTIVE") => {
                        Err(s.status().unwrap_or("unknown").to_string())
                    }
                    _ => Ok(()),
                })
            },
        )
        .await
    }

    /// Terraform's import ID: `CLUSTER/SERVICE`.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (cluster, name) = id
            .split_once('/')
            .filter(|(c, n)| !c.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| format!("unexpected format of ID ({id:?}), expected CLUSTER/SERVICE"))?;
        stub.set("id", Value::string(name));
        stub.set("name", Value::string(name));
        stub.set("cluster", Value::string(cluster));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_definition_keeps_the_written_form() {
        let arn = "arn:aws:ecs:us-east-1:1:task-definition/web:3";
        let cur = |s: &str| Value::object([("task_definition", Value::string(s))]);
        assert_eq!(
            task_definition_value(&cur("web:3"), arn),
            Value::string("web:3")
        );
        assert_eq!(
            task_definition_value(&cur("web"), arn),
            Value::string("web")
        );
        assert_eq!(
            task_definition_value(&cur("web:2"), arn),
            Value::string("web:3")
        );
        assert_eq!(
            task_definition_value(&cur("arn:aws:ecs:x"), arn),
            Value::string(arn)
        );
        assert_eq!(
            task_definition_value(&Value::Null, arn),
            Value::string("web:3")
        );
    }
}
