//! The `predictive_scaling_configuration` block of `aws_autoscaling_policy`: a forecast
//! of the group's load from a metric pair or a load metric, and whether the group is
//! scaled by it (`mode`). The two numbers the Terraform provider keeps as strings
//! (`max_capacity_buffer`, `scheduling_buffer_time`) are whole numbers to AWS, checked at
//! plan time.

use aws_sdk_autoscaling::types::{
    MetricDataQuery, MetricStat, PredictiveScalingConfiguration,
    PredictiveScalingCustomizedCapacityMetric, PredictiveScalingCustomizedLoadMetric,
    PredictiveScalingCustomizedScalingMetric, PredictiveScalingMetricSpecification,
    PredictiveScalingPredefinedLoadMetric, PredictiveScalingPredefinedMetricPair,
    PredictiveScalingPredefinedScalingMetric,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::policy::{dimension_schema, query_object, query_request};
use crate::resource::invalid;
use crate::schema::*;
use crate::table::{item_str, Arg};
use crate::val;

pub const BLOCK: &str = "predictive_scaling_configuration";

/// What AWS does when the block leaves these out (and the provider's defaults).
const MODE: &str = "ForecastOnly";
const BREACH: &str = "HonorMaxCapacity";

/// The customized metric blocks: a list of metric math queries each.
const CUSTOMIZED: [&str; 3] = [
    "customized_capacity_metric_specification",
    "customized_load_metric_specification",
    "customized_scaling_metric_specification",
];

/// The predefined metric blocks: a metric type and a resource label each.
const PREDEFINED: [&str; 3] = [
    "predefined_load_metric_specification",
    "predefined_metric_pair_specification",
    "predefined_scaling_metric_specification",
];

pub fn schema() -> S {
    let metric = || {
        S::new()
            .attr("metric_name", req(STR))
            .attr("namespace", req(STR))
            .block("dimensions", Nesting::Set, dimension_schema())
    };
    let queries = || {
        S::new().block(
            "metric_data_queries",
            Nesting::List,
            S::new()
                .attr("expression", opt(STR))
                .attr("id", req(STR))
                .attr("label", opt(STR))
                .attr("return_data", opt_default(BOOL, Value::Bool(true)))
                .block(
                    "metric_stat",
                    Nesting::List,
                    S::new()
                        .attr("stat", req(STR))
                        .attr("unit", opt(STR))
                        .block("metric", Nesting::List, metric()),
                ),
        )
    };
    let predefined = || {
        S::new()
            .attr("predefined_metric_type", req(STR))
            .attr("resource_label", opt(STR))
    };
    let spec = CUSTOMIZED
        .iter()
        .fold(S::new().attr("target_value", req(NUM)), |s, k| {
            s.block(k, Nesting::List, queries())
        });
    let spec = PREDEFINED
        .iter()
        .fold(spec, |s, k| s.block(k, Nesting::List, predefined()));
    S::new()
        .attr(
            "max_capacity_breach_behavior",
            opt_default(STR, Value::string(BREACH)),
        )
        .attr("max_capacity_buffer", opt(STR))
        .attr("mode", opt_default(STR, Value::string(MODE)))
        .attr("scheduling_buffer_time", opt(STR))
        .block("metric_specification", Nesting::List, spec)
}

/// The two numbers kept as strings, with the range AWS takes.
const NUMBERS: [(&str, i64, i64); 2] = [
    ("max_capacity_buffer", 0, 100),
    ("scheduling_buffer_time", 0, 3600),
];

/// A buffer that is not a whole number in range is refused at plan time (AWS's error
/// would come halfway through an apply).
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let Some(c) = val::first_block(config, BLOCK) else {
        return;
    };
    for (k, min, max) in NUMBERS {
        let Some(s) = val::str_attr(c, k) else {
            continue;
        };
        if !s.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)) {
            invalid(
                diags,
                BLOCK,
                format!("{k} must be a whole number from {min} to {max}, got {s:?}"),
            );
        }
    }
}

// ---- to the API ----

fn queries_of(spec: &Value, k: &str) -> Option<Vec<MetricDataQuery>> {
    let c = val::first_block(spec, k)?;
    let queries = val::blocks(c, "metric_data_queries").iter();
    Some(
        queries
            .map(|q| query_request!(MetricDataQuery, MetricStat, q))
            .collect(),
    )
}

/// A predefined metric block's type and label.
fn predefined_of(spec: &Value, k: &str) -> Option<(String, Option<String>)> {
    let p = val::first_block(spec, k)?;
    Some((
        item_str(p, "predefined_metric_type").unwrap_or_default(),
        item_str(p, "resource_label"),
    ))
}

fn spec_of(s: &Value) -> PredictiveScalingMetricSpecification {
    let [load, pair, scaling] = PREDEFINED.map(|k| predefined_of(s, k));
    let [capacity_q, load_q, scaling_q] = CUSTOMIZED.map(|k| queries_of(s, k));
    PredictiveScalingMetricSpecification::builder()
        .set_target_value(s.get_attr("target_value").and_then(Value::as_f64))
        .set_predefined_load_metric_specification(load.map(|(t, l)| {
            PredictiveScalingPredefinedLoadMetric::builder()
                .predefined_metric_type(t.as_str().into())
                .set_resource_label(l)
                .build()
        }))
        .set_predefined_metric_pair_specification(pair.map(|(t, l)| {
            PredictiveScalingPredefinedMetricPair::builder()
                .predefined_metric_type(t.as_str().into())
                .set_resource_label(l)
                .build()
        }))
        .set_predefined_scaling_metric_specification(scaling.map(|(t, l)| {
            PredictiveScalingPredefinedScalingMetric::builder()
                .predefined_metric_type(t.as_str().into())
                .set_resource_label(l)
                .build()
        }))
        .set_customized_capacity_metric_specification(capacity_q.map(|q| {
            PredictiveScalingCustomizedCapacityMetric::builder()
                .set_metric_data_queries(Some(q))
                .build()
        }))
        .set_customized_load_metric_specification(load_q.map(|q| {
            PredictiveScalingCustomizedLoadMetric::builder()
                .set_metric_data_queries(Some(q))
                .build()
        }))
        .set_customized_scaling_metric_specification(scaling_q.map(|q| {
            PredictiveScalingCustomizedScalingMetric::builder()
                .set_metric_data_queries(Some(q))
                .build()
        }))
        .build()
}

/// The block for PutScalingPolicy (none when unset).
pub fn to_sdk(v: Arg) -> Option<PredictiveScalingConfiguration> {
    let c = v.first()?;
    let number = |k: &str| Arg(c.get_attr(k)).parsed::<i32>();
    let specs: Vec<_> = val::blocks(c, "metric_specification")
        .iter()
        .map(spec_of)
        .collect();
    Some(
        PredictiveScalingConfiguration::builder()
            .set_metric_specifications(Some(specs))
            .set_mode(item_str(c, "mode").map(|m| m.as_str().into()))
            .set_max_capacity_breach_behavior(
                item_str(c, "max_capacity_breach_behavior").map(|b| b.as_str().into()),
            )
            .set_max_capacity_buffer(number("max_capacity_buffer"))
            .set_scheduling_buffer_time(number("scheduling_buffer_time"))
            .build(),
    )
}

// ---- from the API ----

fn queries_value(queries: &[MetricDataQuery]) -> Value {
    let query = |q: &MetricDataQuery| {
        query_object(
            [q.id(), q.expression(), q.label()],
            q.return_data(),
            q.metric_stat()
                .map(|st| (st.stat(), st.unit(), st.metric())),
        )
    };
    Value::List(vec![Value::object([(
        "metric_data_queries",
        Value::List(queries.iter().map(query).collect()),
    )])])
}

fn predefined_value(t: &str, label: Option<&str>) -> Value {
    Value::List(vec![Value::object([
        ("predefined_metric_type", Value::string(t)),
        ("resource_label", val::opt_str(label)),
    ])])
}

fn spec_value(s: &PredictiveScalingMetricSpecification) -> Value {
    let none = || Value::List(Vec::new());
    let customized = [
        s.customized_capacity_metric_specification()
            .map(|c| c.metric_data_queries()),
        s.customized_load_metric_specification()
            .map(|c| c.metric_data_queries()),
        s.customized_scaling_metric_specification()
            .map(|c| c.metric_data_queries()),
    ];
    let predefined = [
        s.predefined_load_metric_specification().map(|p| {
            predefined_value(
                p.predefined_metric_type().map_or("", |t| t.as_str()),
                p.resource_label(),
            )
        }),
        s.predefined_metric_pair_specification().map(|p| {
            predefined_value(
                p.predefined_metric_type().map_or("", |t| t.as_str()),
                p.resource_label(),
            )
        }),
        s.predefined_scaling_metric_specification().map(|p| {
            predefined_value(
                p.predefined_metric_type().map_or("", |t| t.as_str()),
                p.resource_label(),
            )
        }),
    ];
    let mut o = val::Obj(Default::default());
    o.set("target_value", val::num(s.target_value().unwrap_or(0.0)));
    for (k, q) in CUSTOMIZED.iter().zip(customized) {
        o.set(k, q.map_or_else(none, queries_value));
    }
    for (k, p) in PREDEFINED.iter().zip(predefined) {
        o.set(k, p.unwrap_or_else(none));
    }
    o.done()
}

/// The block as DescribePolicies reports it. A configuration without metric
/// specifications is none: moto reports an empty one for every other policy type.
pub fn value(c: Option<&PredictiveScalingConfiguration>) -> Value {
    let Some(c) = c.filter(|c| !c.metric_specifications().is_empty()) else {
        return Value::List(Vec::new());
    };
    let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::string(n.to_string()));
    Value::List(vec![Value::object([
        (
            "metric_specification",
            Value::List(c.metric_specifications().iter().map(spec_value).collect()),
        ),
        ("mode", Value::string(c.mode().map_or(MODE, |m| m.as_str()))),
        (
            "max_capacity_breach_behavior",
            Value::string(
                c.max_capacity_breach_behavior()
                    .map_or(BREACH, |b| b.as_str()),
            ),
        ),
        ("max_capacity_buffer", number(c.max_capacity_buffer())),
        ("scheduling_buffer_time", number(c.scheduling_buffer_time())),
    ])])
}
