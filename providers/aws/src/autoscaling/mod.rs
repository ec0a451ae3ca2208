//! Application Auto Scaling: `aws_appautoscaling_target`, `aws_appautoscaling_policy`
//! (target tracking and step scaling) and `aws_appautoscaling_scheduled_action`
//! (its own module). A target is identified by namespace, resource ID and dimension, a
//! policy also by its name; the import IDs join them with `/` as Terraform does
//! (`ecs/service/CLUSTER/SERVICE/ecs:service:DesiredCount[/POLICY]`). Both refresh
//! with one Describe call per service namespace (and page), matching the rest locally.
//! A target's tags are set when it is registered and changed with TagResource; the API
//! has no batch tag read, so a refresh keeps the tags terrane wrote (drift in them is
//! not seen). Predictive scaling policies are declared but refused: moto 5.2.5 rejects
//! them (PutScalingPolicy with PolicyType PredictiveScaling is a ValidationException) and
//! keeps no predictive configuration, so sending them could not be tested.

mod customized_metric;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_applicationautoscaling::operation::put_scaling_policy::builders::PutScalingPolicyFluentBuilder;
use aws_sdk_applicationautoscaling::operation::register_scalable_target::builders::RegisterScalableTargetFluentBuilder;
use aws_sdk_applicationautoscaling::types::{
    PolicyType, PredefinedMetricSpecification, ScalableTarget, ScalingPolicy, StepAdjustment,
    StepScalingPolicyConfiguration, SuspendedState, TargetTrackingScalingPolicyConfiguration,
};
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{check_enum, wait_for, AwsResource, Failed, Tagging, Timeout};

/// The three switches of a target's `suspended_state`.
const SUSPENDED: [&str; 3] = [
    "dynamic_scaling_in_suspended",
    "dynamic_scaling_out_suspended",
    "scheduled_scaling_suspended",
];

/// The planned `suspended_state` for RegisterScalableTarget: the block's switches, all
/// off when the block was removed since `prior`, nothing when it was never there.
fn suspended_of(planned: &Value, prior: &Value) -> Option<SuspendedState> {
    let on = |k| {
        val::first_block(planned, "suspended_state")
            .and_then(|b| val::bool_attr(b, k))
            .unwrap_or(false)
    };
    let had = !val::blocks(prior, "suspended_state").is_empty();
    (had || !val::blocks(planned, "suspended_state").is_empty()).then(|| {
        SuspendedState::builder()
            .dynamic_scaling_in_suspended(on(SUSPENDED[0]))
            .dynamic_scaling_out_suspended(on(SUSPENDED[1]))
            .scheduled_scaling_suspended(on(SUSPENDED[2]))
            .build()
    })
}

/// `suspended_state` as AWS reports it, while the configuration has the block (AWS
/// reports all switches off for a target that never had one).
fn suspended_value(cur: &Value, t: &ScalableTarget) -> Value {
    if val::blocks(cur, "suspended_state").is_empty() {
        return Value::List(Vec::new());
    }
    let s = t.suspended_state();
    let flags = [
        s.and_then(SuspendedState::dynamic_scaling_in_suspended),
        s.and_then(SuspendedState::dynamic_scaling_out_suspended),
        s.and_then(SuspendedState::scheduled_scaling_suspended),
    ];
    Value::List(vec![Value::object(
        SUSPENDED
            .iter()
            .zip(flags)
            .map(|(k, f)| (*k, Value::Bool(f.unwrap_or(false)))),
    )])
}
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub mod scheduled_action;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Target),
        Box::new(Policy),
        Box::new(scheduled_action::ScheduledActionRes),
    ]
}

/// DescribeScalableTargets and DescribeScalingPolicies take at most 50 resource IDs or
/// policy names per call.
const PER_CALL: usize = 50;

const NAMESPACES: &[&str] = &[
    "ecs",
    "elasticmapreduce",
    "ec2",
    "appstream",
    "dynamodb",
    "rds",
    "sagemaker",
    "custom-resource",
    "comprehend",
    "lambda",
    "cassandra",
    "kafka",
    "elasticache",
    "neptune",
    "workspaces",
];

/// The identifying triple of a target or policy.
fn key(v: &Value) -> Option<(&str, &str, &str)> {
    Some((
        val::str_attr(v, "service_namespace")?,
        val::str_attr(v, "resource_id")?,
        val::str_attr(v, "scalable_dimension")?,
    ))
}

/// Splits `NAMESPACE/RESOURCE/ID/DIMENSION[/NAME]` (the resource ID has slashes itself):
/// the namespace is the first part, the dimension (and name) the last, the rest the
/// resource ID.
fn split_import(id: &str, with_name: bool) -> Option<(String, String, String, Option<String>)> {
    let parts: Vec<&str> = id.split('/').collect();
    let tail = if with_name { 2 } else { 1 };
    if parts.len() < 2 + tail || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let ns = parts[0].to_string();
    let dim = parts[parts.len() - tail].to_string();
    let name = with_name.then(|| parts[parts.len() - 1].to_string());
    let rid = parts[1..parts.len() - tail].join("/");
    Some((ns, rid, dim, name))
}

/// Groups the objects to read by service namespace.
fn by_namespace(current: &[Value]) -> BTreeMap<&str, Vec<&Value>> {
    let mut m: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for cur in current {
        if let Some((ns, _, _)) = key(cur) {
            m.entry(ns).or_default().push(cur);
        }
    }
    m
}

/// Describes the objects to read, one call per service namespace and chunk of the
/// distinct values of `attr` (resource IDs or policy names) and page; `describe` makes one
/// such call.
async fn describe_grouped<T, E, F, Fut>(
    current: &[Value],
    attr: &str,
    describe: F,
) -> Result<Vec<T>, E>
where
    F: Fn(String, Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, E>>,
{
    let mut found = Vec::new();
    for (ns, items) in by_namespace(current) {
        let mut keys: Vec<String> = items
            .iter()
            .filter_map(|v| val::str_attr(v, attr).map(str::to_string))
            .collect();
        keys.sort();
        keys.dedup();
        for chunk in keys.chunks(PER_CALL) {
            found.extend(describe(ns.to_string(), chunk.to_vec()).await?);
        }
    }
    Ok(found)
}

/// How long a new ECS service or IAM role may take to become visible.
const PROPAGATION: Timeout = Timeout(std::time::Duration::from_secs(120));

/// The errors Application Auto Scaling gives for a service or role it cannot see yet.
fn propagating(e: &AwsError) -> bool {
    let text = e.to_string();
    e.code() == Some("ValidationException")
        && (text.contains("ECS service doesn't exist")
            || text.contains("Unable to assume IAM role"))
}

/// "Not found" as Application Auto Scaling reports it on deregister/delete.
fn gone(e: &AwsError) -> bool {
    e.is_not_found()
        || e.code() == Some("ObjectNotFoundException")
        || (e.code() == Some("ValidationException") && e.to_string().contains("No scal"))
}

fn ignore_gone(r: Result<(), AwsError>) -> Result<(), AwsError> {
    match r {
        Err(e) if gone(&e) => Ok(()),
        other => other,
    }
}

fn check_namespace(config: &Value, diags: &mut Diagnostics) {
    check_enum(config, "service_namespace", NAMESPACES, diags);
}

pub struct Target;

/// A target as DescribeScalableTargets gives it, with the tags known (see the module
/// documentation: there is no batch tag read).
struct DescribedTarget {
    target: ScalableTarget,
    tags: Value,
}

type TargetTable = Table<DescribedTarget, RegisterScalableTargetFluentBuilder>;

/// RegisterScalableTarget creates and updates alike, with every argument: the rows set
/// the request for both, and an update registers the whole planned target again.
static TARGET: LazyLock<TargetTable> = LazyLock::new(|| {
    TargetTable::new(|| {
        Some(DescribedTarget {
            target: ScalableTarget::builder()
                .service_namespace("ecs".into())
                .resource_id("")
                .scalable_dimension("ecs:service:DesiredCount".into())
                .min_capacity(0)
                .max_capacity(0)
                .role_arn("")
                .creation_time(aws_smithy_types::DateTime::from_secs(0))
                .build()
                .ok()?,
            tags: Value::Map(BTreeMap::new()),
        })
    })
    .tags_all(|d| d.tags.clone())
    .attr("id", comp(STR))
    .read(|d, _| Value::string(d.target.resource_id()))
    .attr("arn", comp(STR))
    .read(|d, _| val::opt_str(d.target.scalable_target_arn()))
    .attr("service_namespace", req(STR).force_new())
    .read(|d, _| Value::string(d.target.service_namespace().as_str()))
    .create(|b, v| b.set_service_namespace(v.str().map(|s| s.as_str().into())))
    .attr("resource_id", req(STR).force_new())
    .read(|d, _| Value::string(d.target.resource_id()))
    .create(|b, v| b.set_resource_id(v.str()))
    .attr("scalable_dimension", req(STR).force_new())
    .read(|d, _| Value::string(d.target.scalable_dimension().as_str()))
    .create(|b, v| b.set_scalable_dimension(v.str().map(|s| s.as_str().into())))
    .attr("min_capacity", req(NUM))
    .read(|d, _| val::num(d.target.min_capacity()))
    .create(|b, v| b.set_min_capacity(v.i32()))
    .updated_by_hand()
    .attr("max_capacity", req(NUM))
    .read(|d, _| val::num(d.target.max_capacity()))
    .create(|b, v| b.set_max_capacity(v.i32()))
    .updated_by_hand()
    .attr("role_arn", opt_comp(STR))
    .read(|d, _| Value::string(d.target.role_arn()))
    .create(|b, v| b.set_role_arn(v.str()))
    .updated_by_hand()
    // All switches off when the block is removed: `suspended_of`, which needs the prior.
    .block(
        "suspended_state",
        Nesting::List,
        SUSPENDED.iter().fold(S::new(), |s, k| {
            s.attr(k, opt_default(BOOL, Value::Bool(false)))
        }),
    )
    .read(|d, cx| suspended_value(cx.current, &d.target))
    .updated_by_hand()
});

static TAG_CALLS: crate::resource::TagCalls = crate::resource::arn_tag_calls!(autoscaling);

#[async_trait]
impl AwsResource for Target {
    fn type_name(&self) -> &'static str {
        "aws_appautoscaling_target"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TARGET)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn plan(
        &self,
        prior: Option<&Value>,
        config: &Value,
        planned: &mut Value,
    ) -> crate::resource::PlanExtra {
        crate::resource::plan_all_blocks(&TARGET.schema(), prior, config, planned);
        crate::resource::PlanExtra::default()
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&TAG_CALLS)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_namespace(config, diags);
        if let (Some(min), Some(max)) = (
            val::num_attr(config, "min_capacity"),
            val::num_attr(config, "max_capacity"),
        ) {
            if min > max {
                crate::resource::invalid(
                    diags,
                    "min_capacity",
                    format!("min_capacity ({min}) must not be greater than max_capacity ({max})."),
                );
            }
        }
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let aas = c.autoscaling.get().await;
        let found: Vec<ScalableTarget> = describe_grouped(current, "resource_id", |ns, ids| {
            aas.describe_scalable_targets()
                .service_namespace(ns.as_str().into())
                .set_resource_ids(Some(ids))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(err("DescribeScalableTargets"))?;
        Ok(current
            .iter()
            .map(|cur| {
                let (ns, rid, dim) = key(cur)?;
                let t = found.iter().find(|t| {
                    t.service_namespace().as_str() == ns
                        && t.resource_id() == rid
                        && t.scalable_dimension().as_str() == dim
                })?;
                // No batch tag read (see the module documentation): the tags known,
                // none after an import.
                let tags = cur
                    .get_attr("tags_all")
                    .filter(|v| !v.is_unknown() && !v.is_null())
                    .cloned()
                    .unwrap_or_else(|| Value::Map(BTreeMap::new()));
                let d = DescribedTarget {
                    target: t.clone(),
                    tags,
                };
                Some(TARGET.read_value(&d, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        register(c, &Value::Null, planned, true).await?;
        Ok(val::str_attr(planned, "resource_id")
            .unwrap_or_default()
            .to_string())
    }

    /// RegisterScalableTarget creates or updates.
    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        register(c, prior, planned, false).await?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let (ns, rid, dim) = key(prior).unwrap_or_default();
        ignore_gone(
            c.autoscaling
                .get()
                .await
                .deregister_scalable_target()
                .service_namespace(ns.into())
                .resource_id(rid)
                .scalable_dimension(dim.into())
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeregisterScalableTarget")),
        )
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (ns, rid, dim, _) = split_import(id, false).ok_or_else(|| {
            format!("unexpected format of ID ({id:?}), expected service-namespace/resource-id/scalable-dimension")
        })?;
        stub.set("id", Value::string(&rid))
            .set("service_namespace", Value::string(ns))
            .set("resource_id", Value::string(rid))
            .set("scalable_dimension", Value::string(dim));
        Ok(())
    }
}

/// RegisterScalableTarget (which creates or updates), with the tags on create only (the
/// framework changes them later).
async fn register(
    c: &Clients,
    prior: &Value,
    planned: &Value,
    create: bool,
) -> Result<(), AwsError> {
    let rid = val::str_attr(planned, "resource_id").unwrap_or_default();
    let tags = val::string_map(planned, "tags_all");
    let tags = (create && !tags.is_empty()).then(|| tags.into_iter().collect());
    // A service or role created just before may not be visible to Application Auto
    // Scaling yet: retry those two answers for a while, as the Terraform provider does.
    let request = TARGET
        .create_request(
            c.autoscaling.get().await.register_scalable_target(),
            planned,
        )
        .set_suspended_state(suspended_of(planned, prior))
        .set_tags(tags);
    wait_for(
        &format!("scalable target {rid}"),
        "registered",
        PROPAGATION,
        || async {
            let sent = request
                .clone()
                .send()
                .await
                .map_err(err("RegisterScalableTarget"));
            match sent {
                Ok(_) => Ok(Ok(())),
                Err(e) if propagating(&e) => Ok(Err(e.to_string())),
                Err(e) => Err(e),
            }
        },
    )
    .await
}

/// The schema of a predictive scaling policy (declared so configurations without one
/// validate; refused when set, see the policy's `validate`).
fn predictive_schema() -> S {
    let customized = || {
        let metric = S::new()
            .attr("metric_name", opt(STR))
            .attr("namespace", opt(STR))
            .block(
                "dimension",
                Nesting::Set,
                S::new().attr("name", req(STR)).attr("value", req(STR)),
            );
        let stat = S::new()
            .attr("stat", req(STR))
            .attr("unit", opt(STR))
            .block("metric", Nesting::List, metric);
        S::new().block(
            "metric_data_query",
            Nesting::List,
            S::new()
                .attr("id", req(STR))
                .attr("expression", opt(STR))
                .attr("label", opt(STR))
                .attr("return_data", opt(BOOL))
                .block("metric_stat", Nesting::List, stat),
        )
    };
    let spec = ["pair", "load", "scaling"].iter().fold(
        S::new().attr("target_value", req(NUM)),
        |s, kind| {
            let name = if *kind == "pair" {
                "predefined_metric_pair_specification".to_string()
            } else {
                format!("predefined_{kind}_metric_specification")
            };
            s.block(&name, Nesting::List, predefined_metric_schema())
        },
    );
    let spec = ["capacity", "load", "scaling"]
        .iter()
        .fold(spec, |s, kind| {
            s.block(
                &format!("customized_{kind}_metric_specification"),
                Nesting::List,
                customized(),
            )
        });
    S::new()
        .attr("max_capacity_breach_behavior", opt_comp(STR))
        .attr("max_capacity_buffer", opt_comp(NUM))
        .attr("mode", opt_comp(STR))
        .attr("scheduling_buffer_time", opt_comp(NUM))
        .block("metric_specification", Nesting::List, spec)
}

pub struct Policy;

type PolicyTable = Table<ScalingPolicy, PutScalingPolicyFluentBuilder>;

/// PutScalingPolicy creates the policy and replaces its configuration alike, with every
/// argument: the rows set the request for both, and an update puts the whole planned
/// policy again. Its configuration blocks are built by hand (`stepping_of`, `tracking_of`:
/// a step without its adjustment is an error the request cannot carry).
static POLICY: LazyLock<PolicyTable> = LazyLock::new(|| {
    PolicyTable::new(|| {
        ScalingPolicy::builder()
            .policy_arn("")
            .policy_name("")
            .service_namespace("ecs".into())
            .resource_id("")
            .scalable_dimension("ecs:service:DesiredCount".into())
            .policy_type(PolicyType::StepScaling)
            .creation_time(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .ok()
    })
    .attr("id", comp(STR))
    .read(|p, _| Value::string(p.policy_name()))
    .attr("arn", comp(STR))
    .read(|p, _| Value::string(p.policy_arn()))
    .attr("alarm_arns", comp(list_of(STR)))
    .read(|p, _| val::str_list(p.alarms().iter().map(|a| a.alarm_arn())))
    .attr("name", req(STR).force_new())
    .read(|p, _| Value::string(p.policy_name()))
    .create(|b, v| b.set_policy_name(v.str()))
    .attr(
        "policy_type",
        opt_default(STR, Value::string("StepScaling")),
    )
    .read(|p, _| Value::string(p.policy_type().as_str()))
    .create(|b, v| b.set_policy_type(v.str().map(|s| PolicyType::from(s.as_str()))))
    .updated_by_hand()
    .attr("service_namespace", req(STR).force_new())
    .read(|p, _| Value::string(p.service_namespace().as_str()))
    .create(|b, v| b.set_service_namespace(v.str().map(|s| s.as_str().into())))
    .attr("resource_id", req(STR).force_new())
    .read(|p, _| Value::string(p.resource_id()))
    .create(|b, v| b.set_resource_id(v.str()))
    .attr("scalable_dimension", req(STR).force_new())
    .read(|p, _| Value::string(p.scalable_dimension().as_str()))
    .create(|b, v| b.set_scalable_dimension(v.str().map(|s| s.as_str().into())))
    .block(
        "step_scaling_policy_configuration",
        Nesting::List,
        S::new()
            .attr("adjustment_type", opt(STR))
            .attr("cooldown", opt(NUM))
            .attr("metric_aggregation_type", opt(STR))
            .attr("min_adjustment_magnitude", opt(NUM))
            .block("step_adjustment", Nesting::Set, step_adjustment_schema()),
    )
    .read(|p, cx| {
        p.step_scaling_policy_configuration()
            .map_or(Value::List(Vec::new()), |s| stepping_value(cx.current, s))
    })
    .updated_by_hand()
    .block(
        "target_tracking_scaling_policy_configuration",
        Nesting::List,
        S::new()
            .attr("target_value", req(NUM))
            .attr("disable_scale_in", opt_default(BOOL, Value::Bool(false)))
            .attr("scale_in_cooldown", opt(NUM))
            .attr("scale_out_cooldown", opt(NUM))
            .block(
                "customized_metric_specification",
                Nesting::List,
                customized_metric::schema(),
            )
            .block(
                "predefined_metric_specification",
                Nesting::List,
                predefined_metric_schema(),
            ),
    )
    .read(|p, cx| {
        p.target_tracking_scaling_policy_configuration()
            .map_or(Value::List(Vec::new()), |t| tracking_value(cx.current, t))
    })
    .updated_by_hand()
    .block(
        "predictive_scaling_policy_configuration",
        Nesting::List,
        predictive_schema(),
    )
    // Refused when configured (not sent yet): there is never one.
    .read(|_, _| Value::List(Vec::new()))
    .updated_by_hand()
});

/// A predefined metric of a target tracking or predictive policy; shared with EC2 Auto
/// Scaling's target tracking policies.
pub(crate) fn predefined_metric_schema() -> S {
    S::new()
        .attr("predefined_metric_type", req(STR))
        .attr("resource_label", opt(STR))
}

/// A step of a step scaling policy; shared with EC2 Auto Scaling's step policies.
pub(crate) fn step_adjustment_schema() -> S {
    S::new()
        .attr("metric_interval_lower_bound", opt(STR))
        .attr("metric_interval_upper_bound", opt(STR))
        .attr("scaling_adjustment", req(NUM))
}

/// A step bound as Terraform keeps it: a string, so that "no bound" and 0 differ.
pub(crate) fn bound_of(v: &Value, k: &str) -> Option<f64> {
    val::str_attr(v, k).and_then(|s| s.trim().parse().ok())
}

/// A step bound AWS reports, spelt as a known step spells the same number ("10" and
/// "10.0"), else in its shortest form; null for no bound. Shared with EC2 Auto Scaling's
/// step policies, which keep bounds the same way.
pub(crate) fn step_bound(known_steps: &[&Value], k: &str, n: Option<f64>) -> Value {
    let Some(n) = n else { return Value::Null };
    known_steps
        .iter()
        .find(|c| bound_of(c, k) == Some(n))
        .and_then(|c| c.get_attr(k).cloned())
        .unwrap_or_else(|| Value::string(Value::number(n).to_string()))
}

/// The configured step scaling block as the API's structure.
fn stepping_of(v: &Value) -> Result<Option<StepScalingPolicyConfiguration>, AwsError> {
    let Some(b) = val::first_block(v, "step_scaling_policy_configuration") else {
        return Ok(None);
    };
    let int = |k| val::num_attr(b, k).and_then(|n| i32::try_from(n).ok());
    let steps = b
        .get_attr("step_adjustment")
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|st| {
            StepAdjustment::builder()
                .set_metric_interval_lower_bound(bound_of(st, "metric_interval_lower_bound"))
                .set_metric_interval_upper_bound(bound_of(st, "metric_interval_upper_bound"))
                .set_scaling_adjustment(
                    val::num_attr(st, "scaling_adjustment").and_then(|n| i32::try_from(n).ok()),
                )
                .build()
                .map_err(|e| AwsError::Invalid(format!("step_adjustment: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        StepScalingPolicyConfiguration::builder()
            .set_adjustment_type(val::str_attr(b, "adjustment_type").map(Into::into))
            .set_cooldown(int("cooldown"))
            .set_metric_aggregation_type(
                val::str_attr(b, "metric_aggregation_type").map(Into::into),
            )
            .set_min_adjustment_magnitude(int("min_adjustment_magnitude"))
            .set_step_adjustments((!steps.is_empty()).then_some(steps))
            .build(),
    ))
}

/// The step scaling block to store. Bounds keep the configured spelling when they mean the
/// same number; AWS's default aggregation (Average) stays unset when it was not configured.
fn stepping_value(cur: &Value, s: &StepScalingPolicyConfiguration) -> Value {
    let cur_b = val::first_block(cur, "step_scaling_policy_configuration");
    let cur_steps: Vec<&Value> = cur_b
        .and_then(|b| b.get_attr("step_adjustment"))
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .collect();
    let bound = |k: &str, n: Option<f64>| step_bound(&cur_steps, k, n);
    let steps = s
        .step_adjustments()
        .iter()
        .map(|st| {
            Value::object([
                (
                    "metric_interval_lower_bound",
                    bound(
                        "metric_interval_lower_bound",
                        st.metric_interval_lower_bound(),
                    ),
                ),
                (
                    "metric_interval_upper_bound",
                    bound(
                        "metric_interval_upper_bound",
                        st.metric_interval_upper_bound(),
                    ),
                ),
                ("scaling_adjustment", val::num(st.scaling_adjustment())),
            ])
        })
        .collect();
    let aggregation = match s.metric_aggregation_type().map(|m| m.as_str()) {
        Some("Average")
            if cur_b
                .and_then(|b| val::str_attr(b, "metric_aggregation_type"))
                .is_none() =>
        {
            Value::Null
        }
        m => val::opt_str(m),
    };
    let opt_int = |n: Option<i32>| n.map_or(Value::Null, val::num);
    Value::List(vec![Value::object([
        (
            "adjustment_type",
            val::opt_str(s.adjustment_type().map(|a| a.as_str())),
        ),
        ("cooldown", opt_int(s.cooldown())),
        ("metric_aggregation_type", aggregation),
        (
            "min_adjustment_magnitude",
            opt_int(s.min_adjustment_magnitude()),
        ),
        ("step_adjustment", Value::set(steps)),
    ])])
}

/// The configured target tracking block as the API's structure.
fn tracking_of(v: &Value) -> Result<Option<TargetTrackingScalingPolicyConfiguration>, AwsError> {
    let Some(b) = val::first_block(v, "target_tracking_scaling_policy_configuration") else {
        return Ok(None);
    };
    let int = |k| val::num_attr(b, k).and_then(|n| i32::try_from(n).ok());
    let predefined = val::first_block(b, "predefined_metric_specification")
        .map(|p| {
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(
                    val::str_attr(p, "predefined_metric_type")
                        .unwrap_or_default()
                        .into(),
                )
                .set_resource_label(val::str_attr(p, "resource_label").map(str::to_string))
                .build()
        })
        .transpose()
        .map_err(|e| AwsError::Invalid(format!("predefined_metric_specification: {e}")))?;
    TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(
            b.get_attr("target_value")
                .and_then(Value::as_f64)
                .unwrap_or_default(),
        )
        .set_predefined_metric_specification(predefined)
        .set_customized_metric_specification(customized_metric::of(b)?)
        .set_scale_in_cooldown(int("scale_in_cooldown"))
        .set_scale_out_cooldown(int("scale_out_cooldown"))
        .set_disable_scale_in(val::bool_attr(b, "disable_scale_in"))
        .build()
        .map(Some)
        .map_err(|e| {
            AwsError::Invalid(format!("target_tracking_scaling_policy_configuration: {e}"))
        })
}

/// The target tracking block to store. Optional numbers AWS leaves out keep the current
/// (null) value; `disable_scale_in` defaults to false.
fn tracking_value(cur: &Value, t: &TargetTrackingScalingPolicyConfiguration) -> Value {
    let cur_b = val::first_block(cur, "target_tracking_scaling_policy_configuration");
    let opt_num = |k: &str, n: Option<i32>| match n {
        Some(n) => val::num(n),
        None => cur_b
            .and_then(|b| b.get_attr(k).cloned())
            .unwrap_or_default(),
    };
    let predefined = t
        .predefined_metric_specification()
        .map_or_else(Vec::new, |p| {
            vec![Value::object([
                (
                    "predefined_metric_type",
                    Value::string(p.predefined_metric_type().as_str()),
                ),
                ("resource_label", val::opt_str(p.resource_label())),
            ])]
        });
    Value::List(vec![Value::object([
        ("target_value", val::num(t.target_value())),
        (
            "disable_scale_in",
            Value::Bool(t.disable_scale_in().unwrap_or(false)),
        ),
        (
            "scale_in_cooldown",
            opt_num("scale_in_cooldown", t.scale_in_cooldown()),
        ),
        (
            "scale_out_cooldown",
            opt_num("scale_out_cooldown", t.scale_out_cooldown()),
        ),
        ("predefined_metric_specification", Value::List(predefined)),
        (
            "customized_metric_specification",
            customized_metric::value(t.customized_metric_specification()),
        ),
    ])])
}

#[async_trait]
impl AwsResource for Policy {
    fn type_name(&self) -> &'static str {
        "aws_appautoscaling_policy"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*POLICY)
    }

    fn tagging(&self) -> Tagging {
        Tagging::None
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_namespace(config, diags);
        if !val::blocks(config, "predictive_scaling_policy_configuration").is_empty() {
            diags.push(
                Diagnostic::error("predictive_scaling_policy_configuration is not supported yet")
                    .detail("terrane's aws_appautoscaling_policy does not send predictive scaling to AWS yet. Remove the block, or manage this policy with the hashicorp/aws provider plugin.")
                    .attribute("predictive_scaling_policy_configuration"),
            );
        }
        check_enum(
            config,
            "policy_type",
            &["StepScaling", "TargetTrackingScaling", "PredictiveScaling"],
            diags,
        );
        // Each policy type needs its configuration block; say so before any call.
        if !config
            .get_attr("policy_type")
            .is_some_and(Value::is_unknown)
        {
            let ty = val::str_attr(config, "policy_type").unwrap_or("StepScaling");
            let block = match ty {
                "StepScaling" => "step_scaling_policy_configuration",
                "TargetTrackingScaling" => "target_tracking_scaling_policy_configuration",
                _ => {
                    crate::resource::invalid(
                        diags,
                        "policy_type",
                        format!("terrane does not support policy_type = {ty:?} yet (StepScaling and TargetTrackingScaling are)."),
                    );
                    return;
                }
            };
            if val::first_block(config, block).is_none() {
                crate::resource::invalid(
                    diags,
                    block,
                    format!("a {ty} policy needs a {block} block (StepScaling is the default policy_type)."),
                );
            }
        }
    }

    fn plan(
        &self,
        prior: Option<&Value>,
        _config: &Value,
        planned: &mut Value,
    ) -> crate::resource::PlanExtra {
        // The engine does not apply defaults inside blocks: disable_scale_in = false.
        if let Some(Value::List(items)) = planned
            .get_attr("target_tracking_scaling_policy_configuration")
            .cloned()
        {
            let items = items
                .into_iter()
                .map(|mut b| {
                    if b.get_attr("disable_scale_in").is_none_or(Value::is_null) {
                        val::set_attr(&mut b, "disable_scale_in", Value::Bool(false));
                    }
                    b
                })
                .collect();
            val::set_attr(
                planned,
                "target_tracking_scaling_policy_configuration",
                Value::List(items),
            );
        }
        // PutScalingPolicy replaces the policy's alarms (and moto its ARN too).
        if let Some(prior) = prior {
            let k = [
                "policy_type",
                "step_scaling_policy_configuration",
                "target_tracking_scaling_policy_configuration",
            ];
            if k.iter().any(|k| val::changed(prior, planned, k)) {
                val::set_attr(planned, "arn", Value::Unknown);
                val::set_attr(planned, "alarm_arns", Value::Unknown);
            }
        }
        crate::resource::PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let aas = c.autoscaling.get().await;
        let found: Vec<ScalingPolicy> = describe_grouped(current, "name", |ns, names| {
            aas.describe_scaling_policies()
                .service_namespace(ns.as_str().into())
                .set_policy_names(Some(names))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(err("DescribeScalingPolicies"))?;
        Ok(current
            .iter()
            .map(|cur| {
                let (ns, rid, dim) = key(cur)?;
                let name = val::str_attr(cur, "name")?;
                let p = found.iter().find(|p| {
                    p.policy_name() == name
                        && p.service_namespace().as_str() == ns
                        && p.resource_id() == rid
                        && p.scalable_dimension().as_str() == dim
                })?;
                Some(POLICY.read_value(p, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        self.update(c, &Value::Null, planned, t).await?;
        Ok(val::str_attr(planned, "name")
            .unwrap_or_default()
            .to_string())
    }

    /// PutScalingPolicy creates or replaces the policy's configuration.
    async fn update(
        &self,
        c: &Clients,
        _prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        POLICY
            .create_request(c.autoscaling.get().await.put_scaling_policy(), planned)
            .set_step_scaling_policy_configuration(stepping_of(planned)?)
            .set_target_tracking_scaling_policy_configuration(tracking_of(planned)?)
            .send()
            .await
            .map_err(err("PutScalingPolicy"))?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let (ns, rid, dim) = key(prior).unwrap_or_default();
        ignore_gone(
            c.autoscaling
                .get()
                .await
                .delete_scaling_policy()
                .policy_name(val::str_attr(prior, "name").unwrap_or_default())
                .service_namespace(ns.into())
                .resource_id(rid)
                .scalable_dimension(dim.into())
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteScalingPolicy")),
        )
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (ns, rid, dim, name) = split_import(id, true).ok_or_else(|| {
            format!("unexpected format of ID ({id:?}), expected service-namespace/resource-id/scalable-dimension/policy-name")
        })?;
        let name = name.unwrap_or_default();
        stub.set("id", Value::string(&name))
            .set("name", Value::string(name))
            .set("service_namespace", Value::string(ns))
            .set("resource_id", Value::string(rid))
            .set("scalable_dimension", Value::string(dim));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids() {
        let (ns, rid, dim, name) =
            split_import("ecs/service/c/web/ecs:service:DesiredCount/cpu", true).unwrap();
        assert_eq!(
            (ns.as_str(), rid.as_str(), dim.as_str(), name.as_deref()),
            (
                "ecs",
                "service/c/web",
                "ecs:service:DesiredCount",
                Some("cpu")
            )
        );
        let (_, rid, dim, name) =
            split_import("ecs/service/c/web/ecs:service:DesiredCount", false).unwrap();
        assert_eq!(
            (rid.as_str(), dim.as_str(), name),
            ("service/c/web", "ecs:service:DesiredCount", None)
        );
        assert!(split_import("ecs/x", false).is_none());
    }
}
