//! `aws_ecs_cluster`. The ID is the cluster's ARN; the import ID is its name. Settings,
//! the ECS Exec and managed storage configuration and the Service Connect defaults update
//! in place (UpdateCluster; the last two are in `cluster_configuration`). ECS (unlike
//! moto) refuses to delete a cluster that still has services; terrane checks first and
//! names the services, so the error says what to do.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ecs::operation::create_cluster::builders::CreateClusterFluentBuilder;
use aws_sdk_ecs::types::{ClusterField, ClusterSetting, ClusterSettingName};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::cluster_configuration as configuration;
use super::{name_from_arn, tags_of};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, invalid, wait_for, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct Cluster;

type ClusterTable = Table<aws_sdk_ecs::types::Cluster, CreateClusterFluentBuilder>;

/// UpdateCluster takes the settings apart from the configuration blocks, so `update` makes
/// its calls by hand; `service_connect_defaults` is built by hand on create too (its
/// namespace is required by the SDK, an error the request cannot carry).
static TABLE: LazyLock<ClusterTable> = LazyLock::new(|| {
    ClusterTable::new(|| Some(aws_sdk_ecs::types::Cluster::builder().build()))
        .tags_all(|cl| tags_value(cl.tags()))
        .attr("id", comp(STR))
        .read(|cl, _| val::opt_str(cl.cluster_arn()))
        .attr("arn", comp(STR))
        .read(|cl, _| val::opt_str(cl.cluster_arn()))
        .attr("name", req(STR).force_new())
        .read(|cl, _| val::opt_str(cl.cluster_name()))
        .create(|b, v| b.set_cluster_name(v.str()))
        // Optional and computed in effect: see `plan`.
        .block(
            "setting",
            Nesting::Set,
            S::new().attr("name", req(STR)).attr("value", req(STR)),
        )
        .read(|cl, _| setting_value(&aws_settings(cl)))
        .create(|b, v| {
            let s = setting_pairs(v);
            b.set_settings((!s.is_empty()).then(|| to_sdk(&s)))
        })
        .updated_by_hand()
        .block(
            "configuration",
            Nesting::List,
            configuration::configuration_schema(),
        )
        .max_items(1)
        .read(|cl, cx| configuration::read_configuration(cx.current, cl))
        .create(|b, v| b.set_configuration(configuration::configuration(v)))
        .updated_by_hand()
        .block(
            "service_connect_defaults",
            Nesting::List,
            configuration::defaults_schema(),
        )
        .max_items(1)
        .read(|cl, cx| configuration::read_defaults(cx.current, cl))
        .updated_by_hand()
});

/// DescribeClusters takes at most 100 clusters per call.
const DESCRIBE_MAX: usize = 100;

/// What `UpdateCluster` sends when the configuration drops its settings: ECS's default.
const DEFAULT_SETTING: (&str, &str) = ("containerInsights", "disabled");

/// The `setting` blocks of a configuration or state object as (name, value) pairs.
fn settings(v: &Value) -> Vec<(String, String)> {
    setting_pairs(Arg(v.get_attr("setting")))
}

fn setting_pairs(blocks: Arg) -> Vec<(String, String)> {
    blocks
        .items()
        .iter()
        .filter_map(|s| {
            Some((
                val::str_attr(s, "name")?.to_string(),
                val::str_attr(s, "value").unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

pub fn setting_value(pairs: &[(String, String)]) -> Value {
    Value::set(
        pairs
            .iter()
            .map(|(n, v)| Value::object([("name", Value::string(n)), ("value", Value::string(v))]))
            .collect(),
    )
}

fn to_sdk(pairs: &[(String, String)]) -> Vec<ClusterSetting> {
    pairs
        .iter()
        .map(|(n, v)| {
            ClusterSetting::builder()
                .name(ClusterSettingName::from(n.as_str()))
                .value(v)
                .build()
        })
        .collect()
}

/// The clusters named by `ids` (names or ARNs), 100 per call, with settings and tags.
pub async fn describe(
    c: &Clients,
    ids: &[String],
) -> Result<Vec<aws_sdk_ecs::types::Cluster>, AwsError> {
    let ecs = c.ecs.get().await;
    let mut out = Vec::new();
    for chunk in ids.chunks(DESCRIBE_MAX) {
        let got = ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Settings)
            .include(ClusterField::Configurations)
            .include(ClusterField::Tags)
            .send()
            .await
            .map_err(err("DescribeClusters"))?;
        out.extend(got.clusters().iter().cloned());
    }
    Ok(out)
}

/// The cluster's settings as AWS reports them.
pub fn aws_settings(cl: &aws_sdk_ecs::types::Cluster) -> Vec<(String, String)> {
    cl.settings()
        .iter()
        .filter_map(|s| Some((s.name()?.as_str().to_string(), s.value()?.to_string())))
        .collect()
}

/// How long a delete waits for DRAINING services of the cluster to finish.
const DRAINING_WAIT: Timeout = Timeout(std::time::Duration::from_secs(600));

/// The services of a cluster that still exist, as (name, ACTIVE or DRAINING), by name.
async fn remaining_services(c: &Clients, cluster: &str) -> Result<Vec<(String, String)>, AwsError> {
    let ecs = c.ecs.get().await;
    let arns: Vec<String> = ecs
        .list_services()
        .cluster(cluster)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(err("ListServices"))?;
    let mut names = Vec::new();
    for chunk in arns.chunks(super::service::DESCRIBE_MAX) {
        let got = ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("DescribeServices"))?;
        names.extend(
            got.services()
                .iter()
                .filter(|s| s.status() != Some("INACTIVE"))
                .filter_map(|s| {
                    Some((
                        s.service_name()?.to_string(),
                        s.status().unwrap_or_default().to_string(),
                    ))
                }),
        );
    }
    names.sort();
    Ok(names)
}

#[async_trait]
impl AwsResource for Cluster {
    fn type_name(&self) -> &'static str {
        "aws_ecs_cluster"
    }

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for s in config
            .get_attr("setting")
            .and_then(Value::as_seq)
            .unwrap_or_default()
        {
            if let Some(n) = val::str_attr(s, "name") {
                if n != "containerInsights" {
                    invalid(
                        diags,
                        "setting",
                        format!(
                            "expected setting.name to be one of [containerInsights], got {n:?}."
                        ),
                    );
                }
            }
            check_enum(s, "value", &["enabled", "disabled", "enhanced"], diags);
        }
    }

    /// `setting` is optional and computed, as in Terraform: without `setting` blocks in the
    /// configuration, whatever ECS holds (its default is insights disabled) is kept.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        if settings(config).is_empty() {
            let keep = prior
                .and_then(|p| p.get_attr("setting").cloned())
                .unwrap_or(Value::Unknown);
            val::set_attr(planned, "setting", keep);
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let ids = crate::ec2::ids(current);
        let found = describe(c, &ids).await?;
        Ok(current
            .iter()
            .map(|cur| {
                let id = val::str_attr(cur, "id")?;
                let cl = found.iter().find(|cl| {
                    cl.cluster_arn() == Some(id) || cl.cluster_name() == Some(name_from_arn(id))
                })?;
                if cl.status() == Some("INACTIVE") {
                    return None;
                }
                Some(TABLE.read_value(cl, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.ecs.get().await.create_cluster(), planned)
            .set_service_connect_defaults(
                if val::blocks(planned, "service_connect_defaults").is_empty() {
                    None
                } else {
                    Some(configuration::service_connect_defaults(planned)?)
                },
            )
            .set_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("CreateCluster"))?;
        out.cluster()
            .and_then(|cl| cl.cluster_arn())
            .map(str::to_string)
            .ok_or_else(|| AwsError::Invalid("CreateCluster returned no cluster ARN".into()).into())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let changed = |k| TABLE.changed(prior, planned, k);
        if changed("configuration") || changed("service_connect_defaults") {
            c.ecs
                .get()
                .await
                .update_cluster()
                .cluster(arn)
                .set_configuration(if changed("configuration") {
                    // An empty configuration clears what was set.
                    let block = Arg(planned.get_attr("configuration"));
                    Some(configuration::configuration(block).unwrap_or_else(|| {
                        aws_sdk_ecs::types::ClusterConfiguration::builder().build()
                    }))
                } else {
                    None
                })
                .set_service_connect_defaults(if changed("service_connect_defaults") {
                    Some(configuration::service_connect_defaults(planned)?)
                } else {
                    None
                })
                .send()
                .await
                .map_err(err("UpdateCluster"))?;
        }
        if changed("setting") {
            let mut s = settings(planned);
            if s.is_empty() {
                s.push((DEFAULT_SETTING.0.into(), DEFAULT_SETTING.1.into()));
            }
            c.ecs
                .get()
                .await
                .update_cluster()
                .cluster(arn)
                .set_settings(Some(to_sdk(&s)))
                .send()
                .await
                .map_err(err("UpdateCluster"))?;
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::ecs::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        // Services being deleted (DRAINING) go away by themselves; active ones block the
        // delete, and ECS would only say "contains services" without naming them.
        wait_for(
            &format!("ECS cluster {}", name_from_arn(arn)),
            "free of services",
            DRAINING_WAIT,
            || async {
                let left = remaining_services(c, arn).await?;
                let active: Vec<&str> = left
                    .iter()
                    .filter(|(_, st)| st != "DRAINING")
                    .map(|(n, _)| n.as_str())
                    .collect();
                if !active.is_empty() {
                    return Err(AwsError::Invalid(format!(
                        "ECS cluster {:?} still has {} service(s): {}. Delete or move the services first (ECS refuses to delete a cluster that contains services).",
                        name_from_arn(arn),
                        active.len(),
                        active.join(", ")
                    )));
                }
                Ok(if left.is_empty() {
                    Ok(())
                } else {
                    let names: Vec<&str> = left.iter().map(|(n, _)| n.as_str()).collect();
                    Err(format!("services draining: {}", names.join(", ")))
                })
            },
        )
        .await?;
        c.ecs
            .get()
            .await
            .delete_cluster()
            .cluster(arn)
            .send()
            .await
            .map_err(err("DeleteCluster"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id));
        stub.set("name", Value::string(name_from_arn(id)));
        Ok(())
    }
}
