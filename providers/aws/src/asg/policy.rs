//! `aws_autoscaling_policy`: a scaling policy of an EC2 Auto Scaling group — simple,
//! step or target tracking (on a predefined metric, a CloudWatch metric or a metric math
//! query) or predictive (`predictive`), as the autoscaling community module declares
//! it. PutScalingPolicy creates it and, given the whole policy again, updates it, as the
//! Terraform provider does. The ID is the policy's name; the import ID `GROUP/NAME`.
//! Refreshed with one DescribePolicies per group (and page).
//!
//! Which arguments a put carries depends on the policy type (a step policy takes no
//! `scaling_adjustment`, ...): `for_policy_type` leaves out what the type does not take,
//! as the provider does, and `validate` says when a configuration sets one anyway.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_autoscaling::operation::put_scaling_policy::builders::PutScalingPolicyFluentBuilder as Put;
use aws_sdk_autoscaling::types::{
    CustomizedMetricSpecification, Metric, MetricDimension, MetricStatistic, MetricType,
    PredefinedMetricSpecification, ScalingPolicy, StepAdjustment, TargetTrackingConfiguration,
    TargetTrackingMetricDataQuery, TargetTrackingMetricStat,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{Identity, Nesting};

use super::predictive;
use crate::autoscaling::{bound_of, predefined_metric_schema, step_adjustment_schema, step_bound};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, identity_of, invalid, plan_all_blocks, AwsResource, Failed, PlanExtra, Timeout,
};
use crate::schema::*;
use crate::table::{item_i32, item_str, Arg, Normalise, ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct PolicyRes;

const SIMPLE: &str = "SimpleScaling";
const STEP: &str = "StepScaling";
const TRACKING: &str = "TargetTrackingScaling";
const PREDICTIVE: &str = "PredictiveScaling";

const TRACKING_BLOCK: &str = "target_tracking_configuration";

/// The arguments each policy type takes besides the group, name, type and `enabled`
/// (`cooldown` 0 is accepted by every type, as the provider sends it).
fn takes(policy_type: &str, attr: &str) -> bool {
    match attr {
        "adjustment_type" | "min_adjustment_magnitude" => {
            policy_type == SIMPLE || policy_type == STEP
        }
        "cooldown" | "scaling_adjustment" => policy_type == SIMPLE,
        "estimated_instance_warmup" => policy_type == STEP || policy_type == TRACKING,
        "metric_aggregation_type" | "step_adjustment" => policy_type == STEP,
        TRACKING_BLOCK => policy_type == TRACKING,
        predictive::BLOCK => policy_type == PREDICTIVE,
        _ => true,
    }
}

/// The arguments whose use depends on the policy type.
const TYPED: [&str; 9] = [
    "adjustment_type",
    "min_adjustment_magnitude",
    "cooldown",
    "scaling_adjustment",
    "estimated_instance_warmup",
    "metric_aggregation_type",
    "step_adjustment",
    TRACKING_BLOCK,
    predictive::BLOCK,
];

fn policy_type(v: &Value) -> &str {
    val::str_attr(v, "policy_type").unwrap_or(SIMPLE)
}

/// The planned object with what its policy type does not take left out (and a
/// `cooldown` or `min_adjustment_magnitude` of 0, which the provider never sends for a
/// type that does not use it).
fn for_policy_type(planned: &Value) -> Value {
    let ty = policy_type(planned).to_string();
    let mut v = planned.clone();
    for k in TYPED {
        let zero = val::num_attr(planned, k) == Some(0);
        let keep = takes(&ty, k) && !(k == "min_adjustment_magnitude" && zero);
        let placeholder = k == "cooldown" && zero;
        if !keep && !placeholder {
            val::set_attr(&mut v, k, Value::Null);
        }
    }
    v
}

pub(super) fn dimension_schema() -> S {
    S::new().attr("name", req(STR)).attr("value", req(STR))
}

/// `customized_metric_specification`: a CloudWatch metric, or a metric math query.
fn customized_schema() -> S {
    let metric = S::new()
        .attr("metric_name", req(STR))
        .attr("namespace", req(STR))
        .block("dimensions", Nesting::Set, dimension_schema());
    let metric_stat = S::new()
        .attr("stat", req(STR))
        .attr("unit", opt(STR))
        .block("metric", Nesting::List, metric);
    let metrics = S::new()
        .attr("expression", opt(STR))
        .attr("id", req(STR))
        .attr("label", opt(STR))
        .attr("return_data", opt_default(BOOL, Value::Bool(true)))
        .block("metric_stat", Nesting::List, metric_stat);
    S::new()
        .attr("metric_name", opt(STR))
        .attr("namespace", opt(STR))
        .attr("statistic", opt(STR))
        .attr("unit", opt(STR))
        .block("metric_dimension", Nesting::List, dimension_schema())
        .block("metrics", Nesting::Set, metrics)
}

fn tracking_schema() -> S {
    S::new()
        .attr("target_value", req(NUM))
        .attr("disable_scale_in", opt_default(BOOL, Value::Bool(false)))
        .block(
            "predefined_metric_specification",
            Nesting::List,
            predefined_metric_schema(),
        )
        .block(
            "customized_metric_specification",
            Nesting::List,
            customized_schema(),
        )
}

// ---- to the API ----

pub(super) fn dimensions_of(items: &[Value]) -> Vec<MetricDimension> {
    items
        .iter()
        .map(|d| {
            MetricDimension::builder()
                .set_name(item_str(d, "name"))
                .set_value(item_str(d, "value"))
                .build()
        })
        .collect()
}

/// The CloudWatch metric of a `metric_stat` block.
pub(super) fn metric_of(stat: &Value) -> Option<Metric> {
    val::first_block(stat, "metric").map(|m| {
        Metric::builder()
            .set_metric_name(item_str(m, "metric_name"))
            .set_namespace(item_str(m, "namespace"))
            .set_dimensions(Some(dimensions_of(val::blocks(m, "dimensions"))))
            .build()
    })
}

fn steps_of(v: Arg) -> Option<Vec<StepAdjustment>> {
    let steps: Vec<StepAdjustment> = v
        .items()
        .iter()
        .map(|st| {
            StepAdjustment::builder()
                .set_metric_interval_lower_bound(bound_of(st, "metric_interval_lower_bound"))
                .set_metric_interval_upper_bound(bound_of(st, "metric_interval_upper_bound"))
                .set_scaling_adjustment(item_i32(st, "scaling_adjustment"))
                .build()
        })
        .collect();
    (!steps.is_empty()).then_some(steps)
}

/// A metric math query block as the SDK's `$query` (with its `$stat`): target tracking
/// and predictive policies take the same members in two types.
macro_rules! query_request {
    ($query:ty, $stat:ty, $q:expr) => {{
        use $crate::table::item_str;
        let q: &Value = $q;
        let stat = $crate::val::first_block(q, "metric_stat").map(|st| {
            <$stat>::builder()
                .set_metric($crate::asg::policy::metric_of(st))
                .set_stat(item_str(st, "stat"))
                .set_unit(item_str(st, "unit"))
                .build()
        });
        <$query>::builder()
            .set_id(item_str(q, "id"))
            .set_expression(item_str(q, "expression"))
            .set_label(item_str(q, "label"))
            .set_return_data($crate::val::bool_attr(q, "return_data"))
            .set_metric_stat(stat)
            .build()
    }};
}
pub(super) use query_request;

fn query_of(q: &Value) -> TargetTrackingMetricDataQuery {
    query_request!(TargetTrackingMetricDataQuery, TargetTrackingMetricStat, q)
}

/// A customized metric: the math query when `metrics` is set, else the metric itself.
fn customized_of(c: &Value) -> CustomizedMetricSpecification {
    let queries = val::blocks(c, "metrics");
    let b = CustomizedMetricSpecification::builder();
    if !queries.is_empty() {
        return b
            .set_metrics(Some(queries.iter().map(query_of).collect()))
            .build();
    }
    b.set_metric_name(item_str(c, "metric_name"))
        .set_namespace(item_str(c, "namespace"))
        .set_statistic(item_str(c, "statistic").map(|s| MetricStatistic::from(s.as_str())))
        .set_unit(item_str(c, "unit"))
        .set_dimensions(Some(dimensions_of(val::blocks(c, "metric_dimension"))))
        .build()
}

fn tracking_of(v: Arg) -> Option<TargetTrackingConfiguration> {
    let t = v.first()?;
    let predefined = val::first_block(t, "predefined_metric_specification").map(|p| {
        PredefinedMetricSpecification::builder()
            .set_predefined_metric_type(
                item_str(p, "predefined_metric_type").map(|s| MetricType::from(s.as_str())),
            )
            .set_resource_label(item_str(p, "resource_label"))
            .build()
    });
    Some(
        TargetTrackingConfiguration::builder()
            .set_target_value(t.get_attr("target_value").and_then(Value::as_f64))
            .set_disable_scale_in(val::bool_attr(t, "disable_scale_in"))
            .set_predefined_metric_specification(predefined)
            .set_customized_metric_specification(
                val::first_block(t, "customized_metric_specification").map(customized_of),
            )
            .build(),
    )
}

// ---- from the API ----

pub(super) fn dimensions_value(ds: &[MetricDimension]) -> Vec<Value> {
    ds.iter()
        .map(|d| {
            Value::object([
                ("name", val::str_or_empty(d.name())),
                ("value", val::str_or_empty(d.value())),
            ])
        })
        .collect()
}

fn steps_value(p: &ScalingPolicy, cx: &ReadCtx) -> Value {
    let known: Vec<&Value> = val::blocks(cx.current, "step_adjustment").iter().collect();
    Value::set(
        p.step_adjustments()
            .iter()
            .map(|st| {
                Value::object([
                    (
                        "metric_interval_lower_bound",
                        step_bound(
                            &known,
                            "metric_interval_lower_bound",
                            st.metric_interval_lower_bound(),
                        ),
                    ),
                    (
                        "metric_interval_upper_bound",
                        step_bound(
                            &known,
                            "metric_interval_upper_bound",
                            st.metric_interval_upper_bound(),
                        ),
                    ),
                    (
                        "scaling_adjustment",
                        val::num(st.scaling_adjustment().unwrap_or(0)),
                    ),
                ])
            })
            .collect(),
    )
}

/// A CloudWatch metric as the `metric` block.
fn metric_value(m: &Metric) -> Value {
    Value::object([
        ("metric_name", val::str_or_empty(m.metric_name())),
        ("namespace", val::str_or_empty(m.namespace())),
        ("dimensions", Value::set(dimensions_value(m.dimensions()))),
    ])
}

/// A metric math query's block. Target tracking and predictive policies have the same
/// query in two SDK types: `query` gives its ID, expression, label and whether it returns
/// data, `stat` its statistic, unit and metric.
pub(super) fn query_object(
    query: [Option<&str>; 3],
    return_data: Option<bool>,
    stat: Option<(Option<&str>, Option<&str>, Option<&Metric>)>,
) -> Value {
    let [id, expression, label] = query;
    let stat = stat.map(|(stat, unit, metric)| {
        Value::object([
            ("stat", val::str_or_empty(stat)),
            ("unit", val::opt_str(unit)),
            (
                "metric",
                Value::List(metric.map(metric_value).into_iter().collect()),
            ),
        ])
    });
    Value::object([
        ("id", val::str_or_empty(id)),
        ("expression", val::opt_str(expression)),
        ("label", val::opt_str(label)),
        ("return_data", Value::Bool(return_data.unwrap_or(true))),
        ("metric_stat", Value::List(stat.into_iter().collect())),
    ])
}

fn query_value(q: &TargetTrackingMetricDataQuery) -> Value {
    query_object(
        [q.id(), q.expression(), q.label()],
        q.return_data(),
        q.metric_stat()
            .map(|st| (st.stat(), st.unit(), st.metric())),
    )
}

fn customized_value(c: &CustomizedMetricSpecification) -> Value {
    Value::object([
        ("metric_name", val::opt_str(c.metric_name())),
        ("namespace", val::opt_str(c.namespace())),
        ("statistic", val::opt_str(c.statistic().map(|s| s.as_str()))),
        ("unit", val::opt_str(c.unit())),
        (
            "metric_dimension",
            Value::List(dimensions_value(c.dimensions())),
        ),
        (
            "metrics",
            Value::set(c.metrics().iter().map(query_value).collect()),
        ),
    ])
}

fn tracking_value(p: &ScalingPolicy) -> Value {
    let Some(t) = p.target_tracking_configuration() else {
        return Value::List(Vec::new());
    };
    let predefined = t.predefined_metric_specification().map(|m| {
        Value::object([
            (
                "predefined_metric_type",
                val::opt_str(m.predefined_metric_type().map(|t| t.as_str())),
            ),
            ("resource_label", val::opt_str(m.resource_label())),
        ])
    });
    let customized = t.customized_metric_specification().map(customized_value);
    Value::List(vec![Value::object([
        ("target_value", val::num(t.target_value().unwrap_or(0.0))),
        (
            "disable_scale_in",
            Value::Bool(t.disable_scale_in().unwrap_or(false)),
        ),
        (
            "predefined_metric_specification",
            Value::List(predefined.into_iter().collect()),
        ),
        (
            "customized_metric_specification",
            Value::List(customized.into_iter().collect()),
        ),
    ])])
}

fn opt_int(n: Option<i32>) -> Value {
    n.map_or(Value::Null, val::num)
}

type PolicyTable = Table<ScalingPolicy, Put>;

/// Every put carries the whole policy (see `put`), so every argument is updated by hand.
static TABLE: LazyLock<PolicyTable> = LazyLock::new(|| {
    PolicyTable::new(|| Some(ScalingPolicy::builder().build()))
        .attr("id", comp(STR))
        .read(|p, _| val::opt_str(p.policy_name()))
        .attr("arn", comp(STR))
        .read(|p, _| val::str_or_empty(p.policy_arn()))
        .attr("name", req(STR).force_new())
        .read(|p, _| val::opt_str(p.policy_name()))
        .create(|b, v| b.set_policy_name(v.str()))
        .attr("autoscaling_group_name", req(STR).force_new())
        .read(|p, _| val::opt_str(p.auto_scaling_group_name()))
        .create(|b, v| b.set_auto_scaling_group_name(v.str()))
        .attr("policy_type", opt_default(STR, Value::string(SIMPLE)))
        .read(|p, _| val::opt_str(p.policy_type()))
        .create(|b, v| b.set_policy_type(v.str()))
        .updated_by_hand()
        .attr("enabled", opt_default(BOOL, Value::Bool(true)))
        // Not reported by every implementation (moto): the known value then.
        .read(|p, cx| match p.enabled() {
            Some(e) => Value::Bool(e),
            None => cx
                .current
                .get_attr("enabled")
                .filter(|v| v.as_bool().is_some())
                .cloned()
                .unwrap_or(Value::Bool(true)),
        })
        .create(|b, v| b.set_enabled(v.bool()))
        .updated_by_hand()
        .attr("adjustment_type", opt(STR))
        .read(|p, _| val::str_or_empty(p.adjustment_type()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_adjustment_type(v.str()))
        .updated_by_hand()
        .attr("cooldown", opt(NUM))
        .read(|p, _| val::num(p.cooldown().unwrap_or(0)))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_cooldown(v.i32()))
        .updated_by_hand()
        .attr("estimated_instance_warmup", opt(NUM))
        .read(|p, _| val::num(p.estimated_instance_warmup().unwrap_or(0)))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_estimated_instance_warmup(v.i32()))
        .updated_by_hand()
        .attr("metric_aggregation_type", opt_comp(STR))
        .read(|p, _| val::str_or_empty(p.metric_aggregation_type()))
        .create(|b, v| b.set_metric_aggregation_type(v.str()))
        .updated_by_hand()
        .attr("min_adjustment_magnitude", opt(NUM))
        .read(|p, _| opt_int(p.min_adjustment_magnitude()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_min_adjustment_magnitude(v.i32()))
        .updated_by_hand()
        .attr("scaling_adjustment", opt(NUM))
        .read(|p, _| opt_int(p.scaling_adjustment()))
        .create(|b, v| b.set_scaling_adjustment(v.i32()))
        .updated_by_hand()
        .block("step_adjustment", Nesting::Set, step_adjustment_schema())
        .read(steps_value)
        .create(|b, v| b.set_step_adjustments(steps_of(v)))
        .updated_by_hand()
        .block(TRACKING_BLOCK, Nesting::List, tracking_schema())
        .max_items(1)
        .read(|p, _| tracking_value(p))
        .create(|b, v| b.set_target_tracking_configuration(tracking_of(v)))
        .updated_by_hand()
        .block(predictive::BLOCK, Nesting::List, predictive::schema())
        .max_items(1)
        .read(|p, _| predictive::value(p.predictive_scaling_configuration()))
        .create(|b, v| b.set_predictive_scaling_configuration(predictive::to_sdk(v)))
        .updated_by_hand()
});

/// Creates the policy or replaces it whole (what the put does to an existing one).
async fn put(c: &Clients, planned: &Value) -> Result<(), AwsError> {
    let asg = c.ec2_autoscaling.get().await;
    TABLE
        .create_request(asg.put_scaling_policy(), &for_policy_type(planned))
        .send()
        .await
        .map_err(err("PutScalingPolicy"))?;
    Ok(())
}

/// The policies of `current`, one DescribePolicies per group (and page).
async fn describe(c: &Clients, current: &[Value]) -> Result<Vec<ScalingPolicy>, AwsError> {
    let mut by_group: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for cur in current {
        if let (Some(g), Some(n)) = (
            val::str_attr(cur, "autoscaling_group_name"),
            val::str_attr(cur, "id"),
        ) {
            by_group.entry(g).or_default().push(n.to_string());
        }
    }
    let asg = c.ec2_autoscaling.get().await;
    let mut found = Vec::new();
    for (group, names) in by_group {
        let mut pages = asg
            .describe_policies()
            .auto_scaling_group_name(group)
            .set_policy_names(Some(names))
            .into_paginator()
            .items()
            .send();
        while let Some(p) = pages.next().await {
            match p.map_err(err("DescribePolicies")) {
                Ok(p) => found.push(p),
                // A group that is gone took its policies with it.
                Err(e) if e.is_not_found() || e.to_string().contains("not found") => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(found)
}

/// A configuration that sets what its policy type does not take, or leaves out what it
/// needs: the provider's errors, at plan time instead of halfway through an apply.
fn check_policy_type(config: &Value, diags: &mut Diagnostics) {
    if config
        .get_attr("policy_type")
        .is_some_and(Value::is_unknown)
    {
        return;
    }
    let ty = policy_type(config);
    let set = |k: &str| match config.get_attr(k) {
        Some(Value::List(v) | Value::Set(v)) => !v.is_empty(),
        Some(v) => !v.is_null(),
        None => false,
    };
    let nonzero = |k: &str| set(k) && val::num_attr(config, k) != Some(0);
    for (k, types) in [
        ("cooldown", "SimpleScaling"),
        ("scaling_adjustment", "SimpleScaling"),
        (
            "estimated_instance_warmup",
            "StepScaling and TargetTrackingScaling",
        ),
        ("step_adjustment", "StepScaling"),
        (TRACKING_BLOCK, "TargetTrackingScaling"),
        (predictive::BLOCK, "PredictiveScaling"),
    ] {
        if nonzero(k) && !takes(ty, k) {
            invalid(
                diags,
                k,
                format!("{k} is only supported for policy type {types}"),
            );
        }
    }
    for (k, needs) in [
        ("scaling_adjustment", SIMPLE),
        ("step_adjustment", STEP),
        (TRACKING_BLOCK, TRACKING),
        (predictive::BLOCK, PREDICTIVE),
    ] {
        if ty == needs && !set(k) {
            invalid(diags, k, format!("{k} is required for policy type {ty}"));
        }
    }
}

#[async_trait]
impl AwsResource for PolicyRes {
    fn type_name(&self) -> &'static str {
        "aws_autoscaling_policy"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "policy_type",
            &[SIMPLE, STEP, TRACKING, PREDICTIVE],
            diags,
        );
        if let Some(n) = val::num_attr(config, "min_adjustment_magnitude") {
            if n < 1 {
                invalid(
                    diags,
                    "min_adjustment_magnitude",
                    format!("expected min_adjustment_magnitude to be at least (1), got {n}"),
                );
            }
        }
        check_policy_type(config, diags);
        predictive::validate(config, diags);
    }

    /// Defaults inside the blocks (`disable_scale_in`, `return_data`).
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    fn identity(&self, planned: &Value) -> Option<Identity> {
        identity_of(planned, &["autoscaling_group_name", "name"], &[])
    }

    /// The import ID, `GROUP/NAME` (the read finds out whether it exists).
    async fn find(&self, _c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        Ok(super::group_and_name(identity, "name"))
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let Some((group, name)) = super::split_group_and_name(id) else {
            return Err(format!(
                "unexpected format ({id:?}), expected <asg-name>/<policy-name>"
            ));
        };
        stub.set("id", Value::string(name))
            .set("name", Value::string(name))
            .set("autoscaling_group_name", Value::string(group));
        Ok(())
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, current).await?;
        Ok(super::read_in_group(&TABLE, c, current, &found, |p| {
            (p.auto_scaling_group_name(), p.policy_name())
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        put(c, planned).await?;
        Ok(val::str_attr(planned, "name")
            .unwrap_or_default()
            .to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        _prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        put(c, planned).await?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .ec2_autoscaling
            .get()
            .await
            .delete_policy()
            .set_auto_scaling_group_name(
                val::str_attr(prior, "autoscaling_group_name").map(str::to_string),
            )
            .set_policy_name(val::str_attr(prior, "id").map(str::to_string))
            .send()
            .await
            .map_err(err("DeletePolicy"));
        super::deleted(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_put_carries_only_what_the_policy_type_takes() {
        let planned = Value::object([
            ("policy_type", Value::string(TRACKING)),
            ("adjustment_type", Value::string("ChangeInCapacity")),
            ("cooldown", val::num(0)),
            ("estimated_instance_warmup", val::num(60)),
            ("scaling_adjustment", val::num(2)),
        ]);
        let sent = for_policy_type(&planned);
        assert_eq!(sent.get_attr("adjustment_type"), Some(&Value::Null));
        assert_eq!(sent.get_attr("scaling_adjustment"), Some(&Value::Null));
        // A 0 cooldown is the provider's placeholder, sent whatever the type.
        assert_eq!(sent.get_attr("cooldown"), Some(&val::num(0)));
        assert_eq!(
            sent.get_attr("estimated_instance_warmup"),
            Some(&val::num(60))
        );
    }

    #[test]
    fn a_simple_policy_without_its_adjustment_is_refused_at_plan_time() {
        let mut diags = Diagnostics::new();
        check_policy_type(
            &Value::object([("policy_type", Value::string(SIMPLE))]),
            &mut diags,
        );
        assert!(diags.has_errors());
        assert!(format!("{diags:?}").contains("scaling_adjustment is required"));
    }
}
