//! `aws_ecs_task_set`: a set of tasks of a service whose deployments are EXTERNAL (blue/green
//! driven from outside ECS). Only `scale` and the tags change in place; every other
//! argument replaces. The ID and import ID are `TASK_SET_ID,SERVICE,CLUSTER`, as
//! Terraform's.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ecs::operation::create_task_set::builders::CreateTaskSetFluentBuilder;
use aws_sdk_ecs::operation::update_task_set::builders::UpdateTaskSetFluentBuilder;
use aws_sdk_ecs::types::{
    AssignPublicIp, LaunchType, LoadBalancer, Scale, ScaleUnit, StabilityStatus, TaskSet,
    TaskSetField,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::duration::parse_timeout;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::service_blocks::{
    self as blocks, capacity_provider_strategy, network_schema, registries_schema,
    registries_value, service_registries, strategy_value,
};
use super::{same_form, tags_of, TAG_CALLS};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, invalid, plan_all_blocks, tags_value, wait_for, AwsResource, Failed, PlanExtra,
    TagCalls, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct TaskSetRes;

type TaskSetTable = Table<TaskSet, CreateTaskSetFluentBuilder, UpdateTaskSetFluentBuilder>;

/// `v`'s block value under `name`, as the service helpers read a whole object.
fn wrapped(name: &str, v: Arg) -> Value {
    Value::object([(name, v.value().clone())])
}

fn network_value(t: &TaskSet) -> Value {
    let vpc = t
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    Value::List(
        vpc.map(|n| {
            Value::object([
                ("subnets", val::str_set(n.subnets())),
                // None reads as unset (AWS lists none for a configuration without).
                (
                    "security_groups",
                    if n.security_groups().is_empty() {
                        Value::Null
                    } else {
                        val::str_set(n.security_groups())
                    },
                ),
                (
                    "assign_public_ip",
                    Value::Bool(n.assign_public_ip() == Some(&AssignPublicIp::Enabled)),
                ),
            ])
        })
        .into_iter()
        .collect(),
    )
}

fn load_balancer_value(lb: &LoadBalancer) -> Value {
    Value::object([
        ("container_name", val::opt_str(lb.container_name())),
        (
            "container_port",
            lb.container_port().map_or(Value::Null, val::num),
        ),
        ("load_balancer_name", val::opt_str(lb.load_balancer_name())),
        ("target_group_arn", val::opt_str(lb.target_group_arn())),
    ])
}

fn scale_request(v: Arg) -> Option<Scale> {
    let s = v.value().as_seq()?.first()?;
    Some(
        Scale::builder()
            .unit(ScaleUnit::from(
                val::str_attr(s, "unit").unwrap_or("PERCENT"),
            ))
            .set_value(s.get_attr("value").and_then(Value::as_f64))
            .build(),
    )
}

static TABLE: LazyLock<TaskSetTable> = LazyLock::new(|| {
    TaskSetTable::new(|| Some(TaskSet::builder().build()))
        .tags_all(|t| tags_value(t.tags()))
        // `TASK_SET_ID,SERVICE,CLUSTER`, kept as created or imported.
        .attr("id", comp(STR))
        .attr("arn", comp(STR))
        .read(|t, _| val::opt_str(t.task_set_arn()))
        .attr("task_set_id", comp(STR))
        .read(|t, _| val::opt_str(t.id()))
        .attr("cluster", req(STR).force_new())
        .create(|b, v| b.set_cluster(v.str()))
        .attr("service", req(STR).force_new())
        .create(|b, v| b.set_service(v.str()))
        .attr("task_definition", req(STR).force_new())
        // In the configuration's form; the ARN after an import, as Terraform reads it.
        .read(|t, cx| {
            let known = val::str_attr(cx.current, "task_definition").unwrap_or("arn:");
            t.task_definition()
                .map_or(Value::Null, |d| same_form(Some(known), d))
        })
        .create(|b, v| b.set_task_definition(v.str()))
        .attr("external_id", opt_comp(STR).force_new())
        .read(|t, _| Value::string(t.external_id().unwrap_or_default()))
        .create(|b, v| b.set_external_id(v.str()))
        .attr("launch_type", opt_comp(STR).force_new())
        .read(|t, _| val::opt_str(t.launch_type().map(LaunchType::as_str)))
        .create(|b, v| b.set_launch_type(v.str().map(|l| LaunchType::from(l.as_str()))))
        .attr("platform_version", opt_comp(STR).force_new())
        .read(|t, _| val::opt_str(t.platform_version()))
        .create(|b, v| b.set_platform_version(v.str()))
        .block(
            "capacity_provider_strategy",
            Nesting::Set,
            S::new()
                .attr("base", opt(NUM))
                .attr("capacity_provider", req(STR))
                .attr("weight", req(NUM)),
        )
        .force_new_block()
        .read(|t, _| Value::set(strategy_value(t.capacity_provider_strategy())))
        .create(|b, v| {
            let w = wrapped("capacity_provider_strategy", v);
            b.set_capacity_provider_strategy(
                capacity_provider_strategy(&w, "capacity_provider_strategy")
                    .ok()
                    .flatten(),
            )
        })
        .block(
            "load_balancer",
            Nesting::Set,
            S::new()
                .attr("container_name", req(STR))
                .attr("container_port", opt(NUM))
                .attr("load_balancer_name", opt(STR))
                .attr("target_group_arn", opt(STR)),
        )
        .force_new_block()
        .read(|t, _| Value::set(t.load_balancers().iter().map(load_balancer_value).collect()))
        .create(|b, v| {
            let lbs: Vec<LoadBalancer> = v
                .value()
                .as_seq()
                .unwrap_or_default()
                .iter()
                .map(|lb| {
                    let s = |k| val::str_attr(lb, k).map(str::to_string);
                    LoadBalancer::builder()
                        .set_container_name(s("container_name"))
                        .set_container_port(val::i32_attr(lb, "container_port"))
                        .set_load_balancer_name(s("load_balancer_name"))
                        .set_target_group_arn(s("target_group_arn"))
                        .build()
                })
                .collect();
            b.set_load_balancers((!lbs.is_empty()).then_some(lbs))
        })
        .block("network_configuration", Nesting::List, network_schema())
        .max_items(1)
        .force_new_block()
        .read(|t, _| network_value(t))
        // The request fails to build only without subnets, which the schema requires.
        .create(|b, v| {
            let n = blocks::network(&wrapped("network_configuration", v));
            b.set_network_configuration(n.ok().flatten())
        })
        .block("service_registries", Nesting::List, registries_schema())
        .max_items(1)
        .force_new_block()
        .read(|t, _| Value::List(registries_value(t.service_registries())))
        .create(|b, v| {
            let r = service_registries(v.items());
            b.set_service_registries((!r.is_empty()).then_some(r))
        })
        // Read while configured (or being imported): ECS reports 100 PERCENT for a task
        // set created without.
        .block(
            "scale",
            Nesting::List,
            S::new()
                .attr("unit", opt_default(STR, Value::string("PERCENT")))
                .attr("value", opt_default(NUM, val::num(0))),
        )
        .max_items(1)
        .read(|t, cx| {
            let importing = cx.current.get_attr("scale").is_some_and(Value::is_unknown);
            if !importing && val::blocks(cx.current, "scale").is_empty() {
                return Value::List(Vec::new());
            }
            Value::List(
                t.scale()
                    .map(|s| {
                        Value::object([
                            ("unit", val::opt_str(s.unit().map(ScaleUnit::as_str))),
                            ("value", val::num(s.value())),
                        ])
                    })
                    .into_iter()
                    .collect(),
            )
        })
        .create(|b, v| b.set_scale(scale_request(v)))
        .update(|b, v| b.set_scale(scale_request(v)))
        // Terrane's own settings, used when deleting and creating.
        .attr("force_delete", opt(BOOL))
        .updated_by_hand()
        .attr("wait_until_stable", opt_default(BOOL, Value::Bool(false)))
        .updated_by_hand()
        .attr(
            "wait_until_stable_timeout",
            opt_default(STR, Value::string("10m")),
        )
        .updated_by_hand()
        .attr("stability_status", comp(STR))
        .read(|t, _| val::opt_str(t.stability_status().map(StabilityStatus::as_str)))
        .attr("status", comp(STR))
        .read(|t, _| val::opt_str(t.status()))
});

/// `(task set ID, service, cluster)` of an ID.
fn parts(id: &str) -> Option<(&str, &str, &str)> {
    let mut p = id.splitn(3, ',');
    Some((p.next()?, p.next()?, p.next()?))
}

async fn describe(
    c: &Clients,
    cluster: &str,
    service: &str,
    ids: &[String],
) -> Result<Vec<TaskSet>, AwsError> {
    let out = c
        .ecs
        .get()
        .await
        .describe_task_sets()
        .cluster(cluster)
        .service(service)
        .set_task_sets(Some(ids.to_vec()))
        .include(TaskSetField::Tags)
        .send()
        .await
        .map_err(err("DescribeTaskSets"));
    match out {
        Ok(o) => Ok(o.task_sets().to_vec()),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl AwsResource for TaskSetRes {
    fn type_name(&self) -> &'static str {
        "aws_ecs_task_set"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&TAG_CALLS)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "launch_type",
            &["EC2", "FARGATE", "EXTERNAL"],
            diags,
        );
        if crate::resource::known_set(config, "launch_type")
            && !val::blocks(config, "capacity_provider_strategy").is_empty()
        {
            invalid(
                diags,
                "launch_type",
                "\"launch_type\": conflicts with capacity_provider_strategy".into(),
            );
        }
        if let Some(t) = val::str_attr(config, "wait_until_stable_timeout") {
            if parse_timeout(t).is_err() {
                invalid(
                    diags,
                    "wait_until_stable_timeout",
                    format!("wait_until_stable_timeout: {t:?} is not a duration (e.g. \"10m\")"),
                );
            }
        }
    }

    /// Defaults inside the blocks (`assign_public_ip`, `scale`'s unit and value).
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (_, service, cluster) = parts(id).ok_or_else(|| {
            format!("unexpected format of ID ({id}), expected TASK_SET_ID,SERVICE,CLUSTER")
        })?;
        stub.set("id", Value::string(id));
        stub.set("service", Value::string(service));
        stub.set("cluster", Value::string(cluster));
        stub.set("scale", Value::Unknown);
        Ok(())
    }

    /// One DescribeTaskSets per service (task sets belong to one), for all its sets.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut by_service: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for cur in current {
            if let Some((id, service, cluster)) = val::str_attr(cur, "id").and_then(parts) {
                by_service
                    .entry((cluster, service))
                    .or_default()
                    .push(id.to_string());
            }
        }
        let mut found: Vec<TaskSet> = Vec::new();
        for ((cluster, service), ids) in &by_service {
            for chunk in ids.chunks(10) {
                found.extend(describe(c, cluster, service, chunk).await?);
            }
        }
        Ok(current
            .iter()
            .map(|cur| {
                let (id, _, _) = val::str_attr(cur, "id").and_then(parts)?;
                let t = found
                    .iter()
                    .find(|t| t.id() == Some(id) && t.status() != Some("INACTIVE"))?;
                Some(TABLE.read_value(t, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.ecs.get().await.create_task_set(), planned)
            .set_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("CreateTaskSet"))?;
        let task_set_id = out
            .task_set()
            .and_then(TaskSet::id)
            .ok_or_else(|| AwsError::Invalid("CreateTaskSet returned no task set".into()))?;
        let cluster = val::str_attr(planned, "cluster").unwrap_or_default();
        let service = val::str_attr(planned, "service").unwrap_or_default();
        let id = format!("{task_set_id},{service},{cluster}");
        if val::bool_attr(planned, "wait_until_stable") == Some(true) {
            let limit = val::str_attr(planned, "wait_until_stable_timeout")
                .and_then(|t| parse_timeout(t).ok())
                .unwrap_or(Duration::from_secs(600));
            let ids = [task_set_id.to_string()];
            wait_for("task set", "STEADY_STATE", Timeout(limit), || async {
                let found = describe(c, cluster, service, &ids).await?;
                let s = found.first().and_then(|t| t.stability_status().cloned());
                Ok(match s {
                    Some(StabilityStatus::SteadyState) => Ok(()),
                    other => Err(other.map_or_else(|| "none".into(), |s| s.as_str().to_string())),
                })
            })
            .await
            .map_err(|e| e.after_create(&id))?;
        }
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let Some((task_set, service, cluster)) = parts(id) else {
            return Ok(None);
        };
        let ecs = c.ecs.get().await;
        for req in TABLE.update_requests(prior, planned, || {
            ecs.update_task_set()
                .cluster(cluster)
                .service(service)
                .task_set(task_set)
        }) {
            req.send().await.map_err(err("UpdateTaskSet"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let Some((task_set, service, cluster)) = parts(id) else {
            return Ok(());
        };
        let out = c
            .ecs
            .get()
            .await
            .delete_task_set()
            .cluster(cluster)
            .service(service)
            .task_set(task_set)
            .set_force(val::bool_attr(prior, "force_delete"))
            .send()
            .await
            .map_err(err("DeleteTaskSet"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }
}
