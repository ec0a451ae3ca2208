//! `aws_appautoscaling_scheduled_action`: a capacity change on a schedule (cron, rate or
//! at). Name, namespace, resource and dimension replace; the schedule, time zone, times
//! and capacities change in place through PutScheduledAction, which creates and updates.
//! The ID is `NAME-NAMESPACE-RESOURCE_ID`, as the Terraform provider sets it; like it,
//! the type has no import. Refreshed with one DescribeScheduledActions per namespace,
//! 50 names a call (and page).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_applicationautoscaling::operation::put_scheduled_action::builders::PutScheduledActionFluentBuilder;
use aws_sdk_applicationautoscaling::primitives::{DateTime, DateTimeFormat};
use aws_sdk_applicationautoscaling::types::{ScalableTargetAction, ScheduledAction};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{check_namespace, describe_grouped, ignore_gone, key};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{invalid, plan_all_blocks, AwsResource, Failed, PlanExtra, Timeout};
use crate::schema::*;
use crate::table::{Arg, Normalise, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct ScheduledActionRes;

type ActionTable =
    Table<ScheduledAction, PutScheduledActionFluentBuilder, PutScheduledActionFluentBuilder>;

const CAPACITIES: [&str; 2] = ["min_capacity", "max_capacity"];

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Two RFC 3339 times that name the same instant (AWS answers in UTC whatever zone the
/// configuration wrote).
fn same_instant(a: &str, b: &str) -> bool {
    match (parse_time(a), parse_time(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn sdk_time(v: Arg) -> Option<DateTime> {
    let t = parse_time(&v.str()?)?;
    Some(DateTime::from_secs(t.unix_timestamp()))
}

fn time_value(t: Option<&DateTime>) -> Value {
    val::opt_str(
        t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
            .as_deref(),
    )
}

/// `scalable_target_action` as PutScheduledAction takes it. The capacities are strings in
/// Terraform's schema (so that an unset one is not 0).
fn target_action(v: Arg) -> Option<ScalableTargetAction> {
    let item = v.value().as_seq()?.first()?;
    let cap = |k| Arg(item.get_attr(k)).parsed::<i32>();
    Some(
        ScalableTargetAction::builder()
            .set_min_capacity(cap("min_capacity"))
            .set_max_capacity(cap("max_capacity"))
            .build(),
    )
}

fn target_action_value(a: &ScheduledAction) -> Value {
    let Some(t) = a.scalable_target_action() else {
        return Value::List(Vec::new());
    };
    let cap = |n: Option<i32>| n.map_or(Value::Null, |n| Value::string(n.to_string()));
    Value::List(vec![Value::object([
        ("min_capacity", cap(t.min_capacity())),
        ("max_capacity", cap(t.max_capacity())),
    ])])
}

static TABLE: LazyLock<ActionTable> = LazyLock::new(|| {
    let time_row = |t: ActionTable, name| {
        t.attr(name, opt(STR))
            .normalise(Normalise::Equivalent(same_instant))
    };
    let t = ActionTable::new(|| {
        ScheduledAction::builder()
            .scheduled_action_name("")
            .scheduled_action_arn("")
            .service_namespace("ecs".into())
            .schedule("")
            .resource_id("")
            .creation_time(DateTime::from_secs(0))
            .build()
            .ok()
    })
    .attr("id", comp(STR))
    .read(|a, _| {
        Value::string(format!(
            "{}-{}-{}",
            a.scheduled_action_name(),
            a.service_namespace().as_str(),
            a.resource_id()
        ))
    })
    .attr("arn", comp(STR))
    .read(|a, _| Value::string(a.scheduled_action_arn()))
    .attr("name", req(STR).force_new())
    .read(|a, _| Value::string(a.scheduled_action_name()))
    .create(|b, v| b.set_scheduled_action_name(v.str()))
    .attr("service_namespace", req(STR).force_new())
    .read(|a, _| Value::string(a.service_namespace().as_str()))
    .create(|b, v| b.set_service_namespace(v.str().map(|s| s.as_str().into())))
    .attr("resource_id", req(STR).force_new())
    .read(|a, _| Value::string(a.resource_id()))
    .create(|b, v| b.set_resource_id(v.str()))
    .attr("scalable_dimension", req(STR).force_new())
    .read(|a, _| val::opt_str(a.scalable_dimension().map(|d| d.as_str())))
    .create(|b, v| b.set_scalable_dimension(v.str().map(|s| s.as_str().into())))
    .attr("schedule", req(STR))
    .read(|a, _| Value::string(a.schedule()))
    .create(|b, v| b.set_schedule(v.str()))
    .update(|b, v| b.set_schedule(v.str()))
    .attr("timezone", opt_default(STR, Value::string("UTC")))
    .read(|a, _| Value::string(a.timezone().unwrap_or("UTC")))
    .create(|b, v| b.timezone(v.str().unwrap_or_else(|| "UTC".into())))
    .update(|b, v| b.timezone(v.str().unwrap_or_else(|| "UTC".into())));
    // Sent with every put (see `update`).
    let t = time_row(t, "start_time")
        .read(|a, _| time_value(a.start_time()))
        .create(|b, v| b.set_start_time(sdk_time(v)))
        .updated_by_hand();
    time_row(t, "end_time")
        .read(|a, _| time_value(a.end_time()))
        .create(|b, v| b.set_end_time(sdk_time(v)))
        .updated_by_hand()
        .block(
            "scalable_target_action",
            Nesting::List,
            CAPACITIES.iter().fold(S::new(), |s, k| s.attr(k, opt(STR))),
        )
        .max_items(1)
        .read(|a, _| target_action_value(a))
        .create(|b, v| b.set_scalable_target_action(target_action(v)))
        .update(|b, v| b.set_scalable_target_action(target_action(v)))
});

/// The identifying four of an action: namespace, resource, dimension and name.
fn action_key(v: &Value) -> Option<(&str, &str, &str, &str)> {
    let (ns, rid, dim) = key(v)?;
    Some((ns, rid, dim, val::str_attr(v, "name")?))
}

/// An update's put with the planned start and end times.
fn with_times(
    builder: PutScheduledActionFluentBuilder,
    planned: &Value,
) -> PutScheduledActionFluentBuilder {
    // Start and end times go with every put: moto clears them on a put without them
    // (AWS keeps them), and sending them again changes nothing.
    builder
        .set_start_time(sdk_time(Arg(planned.get_attr("start_time"))))
        .set_end_time(sdk_time(Arg(planned.get_attr("end_time"))))
}

#[async_trait]
impl AwsResource for ScheduledActionRes {
    fn type_name(&self) -> &'static str {
        "aws_appautoscaling_scheduled_action"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_namespace(config, diags);
        for k in ["start_time", "end_time"] {
            if let Some(s) = val::str_attr(config, k) {
                if parse_time(s).is_none() {
                    invalid(
                        diags,
                        k,
                        format!("\"{k}\" must be a valid RFC3339 date, got {s:?}."),
                    );
                }
            }
        }
        match config.get_attr("scalable_target_action").and_then(Value::as_seq) {
            Some([]) | None => invalid(
                diags,
                "scalable_target_action",
                "Insufficient scalable_target_action blocks: at least 1 \"scalable_target_action\" block is required.".into(),
            ),
            Some([item, ..]) => {
                let set = CAPACITIES.iter().filter(|k| item.get_attr(k).is_some_and(|v| !v.is_null())).count();
                if set == 0 {
                    invalid(
                        diags,
                        "scalable_target_action",
                        "one of `scalable_target_action.0.max_capacity,scalable_target_action.0.min_capacity` must be specified".into(),
                    );
                }
                for k in CAPACITIES {
                    if let Some(s) = val::str_attr(item, k) {
                        if !s.parse::<i64>().is_ok_and(|n| n >= 0) {
                            invalid(
                                diags,
                                &format!("scalable_target_action.0.{k}"),
                                format!("{k} must be a whole number of at least 0, got {s:?}."),
                            );
                        }
                    }
                }
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let aas = c.autoscaling.get().await;
        let found: Vec<ScheduledAction> = describe_grouped(current, "name", |ns, names| {
            aas.describe_scheduled_actions()
                .service_namespace(ns.as_str().into())
                .set_scheduled_action_names(Some(names))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(err("DescribeScheduledActions"))?;
        Ok(current
            .iter()
            .map(|cur| {
                let (ns, rid, dim, name) = action_key(cur)?;
                let a = found.iter().find(|a| {
                    a.service_namespace().as_str() == ns
                        && a.resource_id() == rid
                        && a.scalable_dimension().map(|d| d.as_str()) == Some(dim)
                        && a.scheduled_action_name() == name
                })?;
                Some(TABLE.read_value(a, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let aas = c.autoscaling.get().await;
        TABLE
            .create_request(aas.put_scheduled_action(), planned)
            .send()
            .await
            .map_err(err("PutScheduledAction"))?;
        let (ns, rid, _, name) = action_key(planned).unwrap_or_default();
        Ok(format!("{name}-{ns}-{rid}"))
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let aas = c.autoscaling.get().await;
        let (ns, rid, dim, name) = action_key(prior).unwrap_or_default();
        let start = || {
            aas.put_scheduled_action()
                .service_namespace(ns.into())
                .resource_id(rid)
                .scalable_dimension(dim.into())
                .scheduled_action_name(name)
        };
        let mut reqs = TABLE.update_requests(prior, planned, &start);
        if reqs.is_empty()
            && (TABLE.changed(prior, planned, "start_time")
                || TABLE.changed(prior, planned, "end_time"))
        {
            reqs.push(start());
        }
        for req in reqs {
            with_times(req, planned)
                .send()
                .await
                .map_err(err("PutScheduledAction"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let (ns, rid, dim, name) = action_key(prior).unwrap_or_default();
        ignore_gone(
            c.autoscaling
                .get()
                .await
                .delete_scheduled_action()
                .service_namespace(ns.into())
                .resource_id(rid)
                .scalable_dimension(dim.into())
                .scheduled_action_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteScheduledAction")),
        )
    }

    fn import_stub(&self, _id: &str, _stub: &mut Obj) -> Result<(), String> {
        Err("resource aws_appautoscaling_scheduled_action doesn't support import".into())
    }
}
