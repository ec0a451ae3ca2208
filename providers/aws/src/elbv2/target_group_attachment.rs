//! `aws_lb_target_group_attachment` (also `aws_alb_target_group_attachment`): one target
//! (an instance, an IP address, a Lambda function or a load balancer) registered with a
//! target group. Every argument replaces. The ID is the group's ARN with a unique suffix,
//! as Terraform makes it. A refresh lists the registered targets of each group with one
//! DescribeTargetHealth call, whatever the number of attachments.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::register_targets::builders::RegisterTargetsFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{TargetDescription, TargetHealthDescription};
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{unique_name, AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct TargetGroupAttachment(pub &'static str);

type AttachmentTable = Table<TargetDescription, RegisterTargetsFluentBuilder>;

/// The target's own arguments make one `TargetDescription`, built whole by `target_of`
/// for RegisterTargets and DeregisterTargets.
static TABLE: LazyLock<AttachmentTable> = LazyLock::new(|| {
    AttachmentTable::new(|| Some(TargetDescription::builder().build()))
        // The group's ARN with a unique suffix, made at create: AWS has no ID for it.
        .attr("id", comp(STR))
        .attr("target_group_arn", req(STR).force_new())
        .create(|b, v| b.set_target_group_arn(v.str()))
        .attr("target_id", req(STR).force_new())
        .read(|t, _| val::opt_str(t.id()))
        // AWS reports the port and zone a target is registered with even when the
        // attachment names none: read only when configured.
        .attr("port", opt(NUM).force_new())
        .read(|t, cx| match val::i32_attr(cx.current, "port") {
            Some(_) => t.port().map_or(Value::Null, val::num),
            None => Value::Null,
        })
        .attr("availability_zone", opt(STR).force_new())
        .read(
            |t, cx| match val::str_attr(cx.current, "availability_zone") {
                Some(_) => val::opt_str(t.availability_zone()),
                None => Value::Null,
            },
        )
});

/// The target as the API names it.
fn target_of(v: &Value) -> TargetDescription {
    TargetDescription::builder()
        .set_id(val::str_attr(v, "target_id").map(str::to_string))
        .set_port(val::i32_attr(v, "port"))
        .set_availability_zone(val::str_attr(v, "availability_zone").map(str::to_string))
        .build()
}

/// Whether a registered target is the attachment's: the same ID, and the same port when
/// the attachment names one.
fn is_attachment(cur: &Value, t: &TargetDescription) -> bool {
    t.id() == val::str_attr(cur, "target_id")
        && val::i32_attr(cur, "port").is_none_or(|p| t.port() == Some(p))
}

#[async_trait]
impl AwsResource for TargetGroupAttachment {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let groups: BTreeSet<String> = current
            .iter()
            .filter_map(|v| val::str_attr(v, "target_group_arn").map(str::to_string))
            .collect();
        let mut by_group: BTreeMap<String, Vec<TargetHealthDescription>> = BTreeMap::new();
        for tg in groups {
            let listed = c
                .elbv2
                .get()
                .await
                .describe_target_health()
                .target_group_arn(&tg)
                .send()
                .await
                .map_err(err("DescribeTargetHealth"));
            let targets = match listed {
                Ok(o) => o.target_health_descriptions().to_vec(),
                // A group that is gone took its targets with it.
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(e),
            };
            by_group.insert(tg, targets);
        }
        Ok(current
            .iter()
            .map(|cur| {
                let tg = val::str_attr(cur, "target_group_arn")?;
                let t = by_group
                    .get(tg)?
                    .iter()
                    .filter_map(TargetHealthDescription::target)
                    .find(|t| is_attachment(cur, t))?;
                Some(TABLE.read_value(t, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let tg = val::str_attr(planned, "target_group_arn").unwrap_or_default();
        TABLE
            .create_request(c.elbv2.get().await.register_targets(), planned)
            .targets(target_of(planned))
            .send()
            .await
            .map_err(err("RegisterTargets"))?;
        Ok(unique_name(&format!("{tg}-")))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let tg = val::str_attr(prior, "target_group_arn").unwrap_or_default();
        let gone = c
            .elbv2
            .get()
            .await
            .deregister_targets()
            .target_group_arn(tg)
            .targets(target_of(prior))
            .send()
            .await
            .map_err(err("DeregisterTargets"));
        match gone {
            Err(e) if e.is_not_found() || e.code() == Some("InvalidTarget") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}
