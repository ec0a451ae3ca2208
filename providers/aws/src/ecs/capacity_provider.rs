//! `aws_ecs_capacity_provider`: an Auto Scaling group that ECS scales for a cluster's
//! tasks. The name and the group replace; managed scaling, termination protection and
//! draining update (UpdateCapacityProvider); tags through ECS's TagResource. The ID is
//! the provider's ARN. A refresh describes all the providers in one call (and page).
//! Managed instances providers are declared, so configurations without one validate,
//! and refused when set (not sent yet).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ecs::operation::create_capacity_provider::builders::CreateCapacityProviderFluentBuilder;
use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, CapacityProvider,
    CapacityProviderField, ManagedDraining, ManagedScaling, ManagedScalingStatus,
    ManagedTerminationProtection,
};
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::tags_of;
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_block_enum, plan_all_blocks, tags_value, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct CapacityProviderResource;

const ASG: &str = "auto_scaling_group_provider";

/// The arguments of `managed_scaling`, by their SDK names' order.
const SCALING: [&str; 5] = [
    "instance_warmup_period",
    "maximum_scaling_step_size",
    "minimum_scaling_step_size",
    "status",
    "target_capacity",
];

fn managed_instances() -> S {
    S::new()
        .attr("infrastructure_role_arn", req(STR))
        .attr("propagate_tags", opt(STR))
        .block(
            "instance_launch_template",
            Nesting::List,
            S::new()
                .attr("ec2_instance_profile_arn", req(STR))
                .attr("monitoring", opt(STR))
                .block(
                    "network_configuration",
                    Nesting::List,
                    S::new()
                        .attr("subnets", req(set_of(STR)))
                        .attr("security_groups", opt(set_of(STR))),
                )
                .block(
                    "storage_configuration",
                    Nesting::List,
                    S::new().attr("storage_size_gib", req(NUM)),
                ),
        )
}

fn managed_scaling(asg: &Value) -> Option<ManagedScaling> {
    let m = val::first_block(asg, "managed_scaling")?;
    Some(
        ManagedScaling::builder()
            .set_instance_warmup_period(val::i32_attr(m, SCALING[0]))
            .set_maximum_scaling_step_size(val::i32_attr(m, SCALING[1]))
            .set_minimum_scaling_step_size(val::i32_attr(m, SCALING[2]))
            .set_status(val::str_attr(m, SCALING[3]).map(ManagedScalingStatus::from))
            .set_target_capacity(val::i32_attr(m, SCALING[4]))
            .build(),
    )
}

fn protection(asg: &Value) -> Option<ManagedTerminationProtection> {
    val::str_attr(asg, "managed_termination_protection").map(Into::into)
}

fn draining(asg: &Value) -> Option<ManagedDraining> {
    val::str_attr(asg, "managed_draining").map(Into::into)
}

fn asg_value(a: &AutoScalingGroupProvider) -> Value {
    let n = |x: Option<i32>| x.map_or(Value::Null, val::num);
    let scaling = a.managed_scaling().map(|m| {
        Value::object([
            (SCALING[0], n(m.instance_warmup_period())),
            (SCALING[1], n(m.maximum_scaling_step_size())),
            (SCALING[2], n(m.minimum_scaling_step_size())),
            (SCALING[3], val::opt_str(m.status().map(|s| s.as_str()))),
            (SCALING[4], n(m.target_capacity())),
        ])
    });
    Value::List(vec![Value::object([
        (
            "auto_scaling_group_arn",
            Value::string(a.auto_scaling_group_arn()),
        ),
        (
            "managed_draining",
            val::opt_str(a.managed_draining().map(|d| d.as_str())),
        ),
        (
            "managed_termination_protection",
            val::opt_str(a.managed_termination_protection().map(|p| p.as_str())),
        ),
        (
            "managed_scaling",
            Value::List(scaling.into_iter().collect()),
        ),
    ])])
}

type ProviderTable = Table<CapacityProvider, CreateCapacityProviderFluentBuilder>;

static TABLE: LazyLock<ProviderTable> = LazyLock::new(|| {
    let scaling = SCALING.iter().fold(S::new(), |s, k| {
        let ty = if *k == "status" { STR } else { NUM };
        s.attr(k, opt_comp(ty))
    });
    ProviderTable::new(|| Some(CapacityProvider::builder().build()))
        .tags_all(|p| tags_value(p.tags()))
        .attr("id", comp(STR))
        .read(|p, _| val::opt_str(p.capacity_provider_arn()))
        .attr("arn", comp(STR))
        .read(|p, _| val::opt_str(p.capacity_provider_arn()))
        .attr("name", req(STR).force_new())
        .read(|p, _| val::opt_str(p.name()))
        .create(|b, v| b.set_name(v.str()))
        // Only managed instances providers name their cluster: the known value otherwise.
        .attr("cluster", opt(STR).force_new())
        .read(|p, cx| match p.cluster() {
            Some(c) => Value::string(c),
            None => cx.current.get_attr("cluster").cloned().unwrap_or_default(),
        })
        .create(|b, v| b.set_cluster(v.str()))
        .block(
            ASG,
            Nesting::List,
            S::new()
                .attr("auto_scaling_group_arn", req(STR).force_new())
                .attr("managed_draining", opt_comp(STR))
                .attr("managed_termination_protection", opt_comp(STR))
                .block("managed_scaling", Nesting::List, scaling),
        )
        .max_items(1)
        .read(|p, _| {
            p.auto_scaling_group_provider()
                .map_or(Value::List(Vec::new()), asg_value)
        })
        // Built whole (`asg_provider`) for the create; UpdateCapacityProvider.
        .updated_by_hand()
        .block(
            "managed_instances_provider",
            Nesting::List,
            managed_instances(),
        )
        .max_items(1)
        .read(|_, _| Value::List(Vec::new()))
        // Refused when set (see `validate`).
        .update_unsupported()
});

/// The configured group provider for CreateCapacityProvider.
fn asg_provider(a: &Value) -> Result<AutoScalingGroupProvider, AwsError> {
    AutoScalingGroupProvider::builder()
        .set_auto_scaling_group_arn(val::str_attr(a, "auto_scaling_group_arn").map(str::to_string))
        .set_managed_scaling(managed_scaling(a))
        .set_managed_termination_protection(protection(a))
        .set_managed_draining(draining(a))
        .build()
        .map_err(|e| AwsError::Invalid(format!("{ASG}: {e}")))
}

#[async_trait]
impl AwsResource for CapacityProviderResource {
    fn type_name(&self) -> &'static str {
        "aws_ecs_capacity_provider"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let on_off = &["ENABLED", "DISABLED"];
        check_block_enum(config, ASG, "managed_draining", on_off, diags);
        check_block_enum(config, ASG, "managed_termination_protection", on_off, diags);
        if !val::blocks(config, "managed_instances_provider").is_empty() {
            diags.push(
                Diagnostic::error("managed_instances_provider is not supported yet")
                    .detail("terrane's aws_ecs_capacity_provider does not send managed instances providers to AWS yet. Remove the block, or manage this capacity provider with the hashicorp/aws provider plugin.")
                    .attribute("managed_instances_provider"),
            );
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let names: Vec<String> = current
            .iter()
            .filter_map(|v| val::str_attr(v, "name").or(val::str_attr(v, "id")))
            .map(str::to_string)
            .collect();
        let mut found: Vec<CapacityProvider> = Vec::new();
        let ecs = c.ecs.get().await;
        // DescribeCapacityProviders takes at most 100 names or ARNs.
        for chunk in names.chunks(100) {
            let mut token = None;
            loop {
                let page = ecs
                    .describe_capacity_providers()
                    .set_capacity_providers(Some(chunk.to_vec()))
                    .include(CapacityProviderField::Tags)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(err("DescribeCapacityProviders"))?;
                found.extend(page.capacity_providers().iter().cloned());
                match page.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
        }
        Ok(current
            .iter()
            .map(|cur| {
                let key = val::str_attr(cur, "name").or(val::str_attr(cur, "id"))?;
                let p = found.iter().find(|p| {
                    p.name() == Some(super::name_from_arn(key))
                        || p.capacity_provider_arn() == Some(key)
                })?;
                let gone = matches!(p.status().map(|s| s.as_str()), Some("INACTIVE"));
                (!gone).then(|| TABLE.read_value(p, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let asg = val::first_block(planned, ASG)
            .map(asg_provider)
            .transpose()?;
        let out = TABLE
            .create_request(c.ecs.get().await.create_capacity_provider(), planned)
            .set_auto_scaling_group_provider(asg)
            .set_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("CreateCapacityProvider"))?;
        out.capacity_provider()
            .and_then(CapacityProvider::capacity_provider_arn)
            .map(str::to_string)
            .ok_or_else(|| {
                AwsError::Invalid("CreateCapacityProvider returned no ARN".into()).into()
            })
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if !TABLE.changed(prior, planned, ASG) {
            return Ok(None);
        }
        let Some(a) = val::first_block(planned, ASG) else {
            return Ok(None);
        };
        c.ecs
            .get()
            .await
            .update_capacity_provider()
            .set_name(val::str_attr(prior, "name").map(str::to_string))
            .auto_scaling_group_provider(
                AutoScalingGroupProviderUpdate::builder()
                    .set_managed_scaling(managed_scaling(a))
                    .set_managed_termination_protection(protection(a))
                    .set_managed_draining(draining(a))
                    .build(),
            )
            .send()
            .await
            .map_err(err("UpdateCapacityProvider"))?;
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::ecs::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let gone = c
            .ecs
            .get()
            .await
            .delete_capacity_provider()
            .capacity_provider(val::str_attr(prior, "arn").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteCapacityProvider"));
        match gone {
            Err(e) if e.is_not_found() => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// Terraform's import ID: the provider's ARN.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id))
            .set("arn", Value::string(id))
            .set("name", Value::string(super::name_from_arn(id)));
        Ok(())
    }
}
