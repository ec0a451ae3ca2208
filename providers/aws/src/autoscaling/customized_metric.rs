//! The `customized_metric_specification` block of a target tracking policy: a CloudWatch
//! metric (name, namespace, dimensions, statistic) or a metric math query (`metrics`), as
//! the Terraform provider lays it out. The ECS service module declares it on every policy.

use aws_sdk_applicationautoscaling::types::{
    CustomizedMetricSpecification, MetricDimension, MetricStatistic, TargetTrackingMetric,
    TargetTrackingMetricDataQuery, TargetTrackingMetricDimension, TargetTrackingMetricStat,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::error::AwsError;
use crate::schema::*;
use crate::val;

fn dimensions() -> S {
    S::new().attr("name", req(STR)).attr("value", req(STR))
}

/// The block's schema.
pub fn schema() -> S {
    let metric = S::new()
        .attr("metric_name", opt(STR))
        .attr("namespace", opt(STR))
        .block("dimensions", Nesting::Set, dimensions());
    let metric_stat = S::new()
        .attr("stat", req(STR))
        .attr("unit", opt(STR))
        .block("metric", Nesting::List, metric);
    let metrics = S::new()
        .attr("expression", opt(STR))
        .attr("id", req(STR))
        .attr("label", opt(STR))
        .attr("return_data", opt(BOOL))
        .block("metric_stat", Nesting::List, metric_stat);
    S::new()
        .attr("metric_name", opt(STR))
        .attr("namespace", opt(STR))
        .attr("statistic", opt(STR))
        .attr("unit", opt(STR))
        .block("dimensions", Nesting::Set, dimensions())
        .block("metrics", Nesting::Set, metrics)
}

fn s(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

fn invalid(e: impl std::fmt::Display) -> AwsError {
    AwsError::Invalid(format!("customized_metric_specification: {e}"))
}

/// The configured block (of a `target_tracking_scaling_policy_configuration`) as the API's.
pub fn of(tracking: &Value) -> Result<Option<CustomizedMetricSpecification>, AwsError> {
    let Some(b) = val::first_block(tracking, "customized_metric_specification") else {
        return Ok(None);
    };
    let dims = val::blocks(b, "dimensions")
        .iter()
        .map(|d| {
            MetricDimension::builder()
                .set_name(s(d, "name"))
                .set_value(s(d, "value"))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let metrics = val::blocks(b, "metrics")
        .iter()
        .map(|m| {
            let stat = val::first_block(m, "metric_stat")
                .map(|st| {
                    let metric = val::first_block(st, "metric").map(|x| {
                        let dims = val::blocks(x, "dimensions").iter().map(|d| {
                            TargetTrackingMetricDimension::builder()
                                .set_name(s(d, "name"))
                                .set_value(s(d, "value"))
                                .build()
                        });
                        Ok::<_, AwsError>(
                            TargetTrackingMetric::builder()
                                .set_metric_name(s(x, "metric_name"))
                                .set_namespace(s(x, "namespace"))
                                .set_dimensions(Some(
                                    dims.collect::<Result<Vec<_>, _>>().map_err(invalid)?,
                                ))
                                .build(),
                        )
                    });
                    TargetTrackingMetricStat::builder()
                        .set_metric(metric.transpose()?)
                        .set_stat(s(st, "stat"))
                        .set_unit(s(st, "unit"))
                        .build()
                        .map_err(invalid)
                })
                .transpose()?;
            TargetTrackingMetricDataQuery::builder()
                .set_expression(s(m, "expression"))
                .set_id(s(m, "id"))
                .set_label(s(m, "label"))
                .set_return_data(val::bool_attr(m, "return_data"))
                .set_metric_stat(stat)
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        CustomizedMetricSpecification::builder()
            .set_metric_name(s(b, "metric_name"))
            .set_namespace(s(b, "namespace"))
            .set_statistic(s(b, "statistic").map(|x| MetricStatistic::from(x.as_str())))
            .set_unit(s(b, "unit"))
            .set_dimensions((!dims.is_empty()).then_some(dims))
            .set_metrics((!metrics.is_empty()).then_some(metrics))
            .build(),
    ))
}

fn dimension_set<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    Value::set(
        pairs
            .map(|(n, v)| Value::object([("name", Value::string(n)), ("value", Value::string(v))]))
            .collect(),
    )
}

/// The block to store for what AWS holds (an empty list when there is none).
pub fn value(c: Option<&CustomizedMetricSpecification>) -> Value {
    let Some(c) = c else {
        return Value::List(Vec::new());
    };
    let metrics = c.metrics().iter().map(|m| {
        let stat = m.metric_stat().map(|st| {
            let metric = st.metric().map(|x| {
                Value::object([
                    ("metric_name", val::opt_str(x.metric_name())),
                    ("namespace", val::opt_str(x.namespace())),
                    (
                        "dimensions",
                        dimension_set(x.dimensions().iter().map(|d| (d.name(), d.value()))),
                    ),
                ])
            });
            Value::object([
                ("stat", Value::string(st.stat())),
                ("unit", val::opt_str(st.unit())),
                ("metric", Value::List(metric.into_iter().collect())),
            ])
        });
        Value::object([
            ("expression", val::opt_str(m.expression())),
            ("id", Value::string(m.id())),
            ("label", val::opt_str(m.label())),
            (
                "return_data",
                m.return_data().map_or(Value::Null, Value::Bool),
            ),
            ("metric_stat", Value::List(stat.into_iter().collect())),
        ])
    });
    Value::List(vec![Value::object([
        ("metric_name", val::opt_str(c.metric_name())),
        ("namespace", val::opt_str(c.namespace())),
        (
            "statistic",
            val::opt_str(c.statistic().map(MetricStatistic::as_str)),
        ),
        ("unit", val::opt_str(c.unit())),
        (
            "dimensions",
            dimension_set(c.dimensions().iter().map(|d| (d.name(), d.value()))),
        ),
        ("metrics", Value::set(metrics.collect())),
    ])])
}
