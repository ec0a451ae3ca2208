//! `aws_autoscaling_schedule`: a scheduled change of an Auto Scaling group's sizes.
//! PutScheduledUpdateGroupAction creates it and, given the whole action again, updates it
//! (as the Terraform provider does). The ID is the action's name; the import ID is
//! `GROUP/NAME`. Refreshed with one DescribeScheduledActions per 50 names (and page).
//!
//! A size left out is sent as 0 and one set to -1 is not sent; AWS's "no size" reads
//! back as -1 — the provider's convention, so that a schedule can leave a size alone.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_autoscaling::operation::put_scheduled_update_group_action::builders::PutScheduledUpdateGroupActionFluentBuilder as Put;
use aws_sdk_autoscaling::primitives::{DateTime, DateTimeFormat};
use aws_sdk_autoscaling::types::ScheduledUpdateGroupAction as Action;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Identity;
use time::macros::format_description;
use time::PrimitiveDateTime;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{identity_of, invalid, AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::table::{Arg, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct ScheduleRes;

type ScheduleTable = Table<Action, Put>;

const TIMES: [&str; 2] = ["start_time", "end_time"];

/// The provider's only time layout, `2006-01-02T15:04:05Z`.
fn parse_time(s: &str) -> Option<DateTime> {
    let layout = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let t = PrimitiveDateTime::parse(s, layout).ok()?;
    Some(DateTime::from_secs(t.assume_utc().unix_timestamp()))
}

fn time_value(t: Option<&DateTime>) -> Value {
    Value::string(
        t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
            .unwrap_or_default(),
    )
}

/// A size as the put sends it: an unknown (left out) size is 0, and -1 is "leave alone".
fn size(v: Arg) -> Option<i32> {
    Some(v.i32().unwrap_or(0)).filter(|n| *n != -1)
}

fn size_value(n: Option<i32>) -> Value {
    val::num(n.unwrap_or(-1))
}

static TABLE: LazyLock<ScheduleTable> = LazyLock::new(|| {
    ScheduleTable::new(|| Some(Action::builder().build()))
        .attr("id", comp(STR))
        .read(|a, _| val::opt_str(a.scheduled_action_name()))
        .attr("arn", comp(STR))
        .read(|a, _| val::str_or_empty(a.scheduled_action_arn()))
        .attr("autoscaling_group_name", req(STR).force_new())
        .read(|a, _| val::opt_str(a.auto_scaling_group_name()))
        .create(|b, v| b.set_auto_scaling_group_name(v.str()))
        .attr("scheduled_action_name", req(STR).force_new())
        .read(|a, _| val::opt_str(a.scheduled_action_name()))
        .create(|b, v| b.set_scheduled_action_name(v.str()))
        // Every put carries the whole action (see `update`).
        .attr("desired_capacity", opt_comp(NUM))
        .read(|a, _| size_value(a.desired_capacity()))
        .create(|b, v| b.set_desired_capacity(size(v)))
        .updated_by_hand()
        .attr("min_size", opt_comp(NUM))
        .read(|a, _| size_value(a.min_size()))
        .create(|b, v| b.set_min_size(size(v)))
        .updated_by_hand()
        .attr("max_size", opt_comp(NUM))
        .read(|a, _| size_value(a.max_size()))
        .create(|b, v| b.set_max_size(size(v)))
        .updated_by_hand()
        .attr("recurrence", opt_comp(STR))
        .read(|a, _| val::str_or_empty(a.recurrence()))
        .create(|b, v| b.set_recurrence(v.str()))
        .updated_by_hand()
        .attr("start_time", opt_comp(STR))
        .read(|a, _| time_value(a.start_time()))
        .create(|b, v| b.set_start_time(v.str().as_deref().and_then(parse_time)))
        .updated_by_hand()
        .attr("end_time", opt_comp(STR))
        .read(|a, _| time_value(a.end_time()))
        .create(|b, v| b.set_end_time(v.str().as_deref().and_then(parse_time)))
        .updated_by_hand()
        .attr("time_zone", opt_comp(STR))
        .read(|a, _| val::str_or_empty(a.time_zone()))
        .create(|b, v| b.set_time_zone(v.str()))
        .updated_by_hand()
});

/// The actions of `current` (by group and name), 50 names a call.
async fn describe(c: &Clients, current: &[Value]) -> Result<Vec<Action>, AwsError> {
    let asg = c.ec2_autoscaling.get().await;
    let names: Vec<String> = current
        .iter()
        .filter_map(|v| val::str_attr(v, "id").map(str::to_string))
        .collect();
    let mut found = Vec::new();
    for chunk in names.chunks(50) {
        let mut pages = asg
            .describe_scheduled_actions()
            .set_scheduled_action_names(Some(chunk.to_vec()))
            .into_paginator()
            .items()
            .send();
        while let Some(a) = pages.next().await {
            found.push(a.map_err(err("DescribeScheduledActions"))?);
        }
    }
    Ok(found)
}

/// Creates the action or replaces it whole (what the put does to an existing one).
async fn put(c: &Clients, planned: &Value) -> Result<(), AwsError> {
    let asg = c.ec2_autoscaling.get().await;
    TABLE
        .create_request(asg.put_scheduled_update_group_action(), planned)
        .send()
        .await
        .map_err(err("PutScheduledUpdateGroupAction"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for ScheduleRes {
    fn type_name(&self) -> &'static str {
        "aws_autoscaling_schedule"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for k in TIMES {
            if let Some(s) = val::str_attr(config, k) {
                if parse_time(s).is_none() {
                    invalid(
                        diags,
                        k,
                        format!("{s:?} cannot be parsed as iso8601 Timestamp Format"),
                    );
                }
            }
        }
    }

    fn identity(&self, planned: &Value) -> Option<Identity> {
        identity_of(
            planned,
            &["autoscaling_group_name", "scheduled_action_name"],
            &[],
        )
    }

    async fn find(&self, _c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        Ok(super::group_and_name(identity, "scheduled_action_name"))
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let Some((group, name)) = super::split_group_and_name(id) else {
            return Err(format!(
                "wrong format of import ID ({id}), use: 'asg-name/action-name'"
            ));
        };
        stub.set("id", Value::string(name));
        stub.set("autoscaling_group_name", Value::string(group));
        stub.set("scheduled_action_name", Value::string(name));
        Ok(())
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, current).await?;
        Ok(super::read_in_group(&TABLE, c, current, &found, |a| {
            (a.auto_scaling_group_name(), a.scheduled_action_name())
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        put(c, planned).await?;
        Ok(val::str_attr(planned, "scheduled_action_name")
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
            .delete_scheduled_action()
            .set_auto_scaling_group_name(
                val::str_attr(prior, "autoscaling_group_name").map(str::to_string),
            )
            .set_scheduled_action_name(val::str_attr(prior, "id").map(str::to_string))
            .send()
            .await
            .map_err(err("DeleteScheduledAction"));
        super::deleted(out)
    }
}
