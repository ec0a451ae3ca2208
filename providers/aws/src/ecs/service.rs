//! `aws_ecs_service`. The ID is the service's ARN. The name, cluster, launch type and
//! scheduling strategy force replacement; everything else goes through UpdateService.
//! The attributes are a table (`service_table`); placement, deployment and discovery
//! blocks are in `service_blocks`, Service Connect in `service_connect`, EBS volumes in
//! `service_volumes`. This module holds what the table cannot say: the batched describe,
//! the waiters, the deployment configuration built from several rows, and the blocks
//! whose SDK form can be refused.
//! `cluster` and `task_definition` keep the form the user wrote (name or ARN, `family:rev`
//! or ARN). A refresh describes ten services per call, grouped by cluster (the API's limit).
//! Delete scales to zero, deletes, and waits until ECS reports the service INACTIVE.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ecs::types::{DeploymentCircuitBreaker, DeploymentConfiguration, ServiceField};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::raw::Capture;
use super::service_blocks as blocks;
use super::service_connect;
use super::service_table::{Described, TABLE};
use super::service_volumes;
use super::tags_of;
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_block_enum, check_enum, plan_block, unique_name, wait_for, AwsResource, DefaultTimeouts,
    Failed, PlanExtra, Tagging, Timeout,
};
use crate::table::ResourceTable;
use crate::val::{self, Obj};

pub struct Service;

/// DescribeServices takes at most 10 services per call, all of one cluster.
pub const DESCRIBE_MAX: usize = 10;

fn cluster_of(v: &Value) -> &str {
    val::str_attr(v, "cluster").unwrap_or("default")
}

/// Describes `ids` (ARNs or names) of one cluster, 10 per call. A missing cluster means
/// its services are gone too.
async fn describe(c: &Clients, cluster: &str, ids: &[String]) -> Result<Vec<Described>, AwsError> {
    let ecs = c.ecs.get().await;
    let mut out = Vec::new();
    for chunk in ids.chunks(DESCRIBE_MAX) {
        let capture = Capture::default();
        let got = ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .include(ServiceField::Tags)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        let got = match got {
            Ok(g) => g,
            Err(e) => {
                let e = AwsError::sdk("DescribeServices", e);
                if e.code() == Some("ClusterNotFoundException") {
                    return Ok(Vec::new());
                }
                return Err(e);
            }
        };
        let raws = capture.json()["services"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for svc in got.services() {
            let raw = raws
                .iter()
                .find(|r| r["serviceArn"].as_str() == svc.service_arn())
                .cloned()
                .unwrap_or_default();
            out.push(Described {
                svc: svc.clone(),
                raw,
            });
        }
    }
    Ok(out)
}

/// One service by ARN, whatever its status (`None` when ECS does not know it).
async fn describe_one(
    c: &Clients,
    cluster: &str,
    arn: &str,
) -> Result<Option<aws_sdk_ecs::types::Service>, AwsError> {
    Ok(describe(c, cluster, &[arn.to_string()])
        .await?
        .into_iter()
        .next()
        .map(|d| d.svc))
}

/// Waits until the service is steady, as the AWS `ServicesStable` waiter defines it: one
/// deployment, and as many tasks running as desired.
async fn wait_stable(c: &Clients, cluster: &str, arn: &str, t: Timeout) -> Result<(), AwsError> {
    wait_for(&format!("ECS service {arn}"), "steady", t, || async move {
        let Some(s) = describe_one(c, cluster, arn).await? else {
            return Err(AwsError::Invalid(format!(
                "ECS service {arn} disappeared while waiting for it to become steady"
            )));
        };
        if matches!(s.status(), Some("INACTIVE" | "DRAINING")) {
            return Err(AwsError::Invalid(format!(
                "ECS service {arn} is {} while waiting for it to become steady",
                s.status().unwrap_or_default()
            )));
        }
        let steady = s.deployments().len() == 1 && s.running_count() == s.desired_count();
        Ok(if steady {
            Ok(())
        } else {
            Err(format!(
                "{} deployment(s), {} of {} tasks running",
                s.deployments().len(),
                s.running_count(),
                s.desired_count()
            ))
        })
    })
    .await
}

/// The deployment configuration: percentages, the circuit breaker (an empty breaker
/// removes one that was set), and the alarms and strategy of `service_blocks`.
fn deployment_of(v: &Value, prior: Option<&Value>) -> Result<DeploymentConfiguration, AwsError> {
    let cb = val::first_block(v, "deployment_circuit_breaker").map_or_else(
        || {
            DeploymentCircuitBreaker::builder()
                .enable(false)
                .rollback(false)
                .build()
        },
        |b| {
            DeploymentCircuitBreaker::builder()
                .enable(val::bool_attr(b, "enable").unwrap_or(false))
                .rollback(val::bool_attr(b, "rollback").unwrap_or(false))
                .build()
        },
    );
    let b = DeploymentConfiguration::builder()
        .set_maximum_percent(val::i32_attr(v, "deployment_maximum_percent"))
        .set_minimum_healthy_percent(val::i32_attr(v, "deployment_minimum_healthy_percent"))
        .deployment_circuit_breaker(cb);
    Ok(blocks::with_deployment(b, v, prior)?.build())
}

/// Fills the nested defaults the engine does not apply inside blocks
/// (`network_configuration.assign_public_ip = false`).
fn normalise_blocks(planned: &mut Value) {
    let Some(Value::List(items)) = planned.get_attr("network_configuration").cloned() else {
        return;
    };
    let items = items
        .into_iter()
        .map(|mut n| {
            if n.get_attr("assign_public_ip").is_none_or(Value::is_null) {
                val::set_attr(&mut n, "assign_public_ip", Value::Bool(false));
            }
            n
        })
        .collect();
    val::set_attr(planned, "network_configuration", Value::List(items));
}

#[async_trait]
impl AwsResource for Service {
    fn type_name(&self) -> &'static str {
        "aws_ecs_service"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(20, 20, 20))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "launch_type",
            &["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"],
            diags,
        );
        check_enum(config, "scheduling_strategy", &["REPLICA", "DAEMON"], diags);
        check_enum(
            config,
            "propagate_tags",
            &["SERVICE", "TASK_DEFINITION", "NONE"],
            diags,
        );
        check_enum(
            config,
            "availability_zone_rebalancing",
            &["ENABLED", "DISABLED"],
            diags,
        );
        check_block_enum(
            config,
            "deployment_controller",
            "type",
            &["ECS", "CODE_DEPLOY", "EXTERNAL"],
            diags,
        );
        check_block_enum(
            config,
            "deployment_configuration",
            "strategy",
            &["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"],
            diags,
        );
        if let Some(g) = val::num_attr(config, "health_check_grace_period_seconds") {
            if !(0..=i64::from(i32::MAX)).contains(&g) {
                crate::resource::invalid(diags, "health_check_grace_period_seconds", format!("expected health_check_grace_period_seconds to be in the range (0 - 2147483647), got {g}"));
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        normalise_blocks(planned);
        let schema = TABLE.schema();
        for name in ["deployment_controller", "deployment_configuration"] {
            let c = config.get_attr(name).cloned().unwrap_or_default();
            let p = plan_block(
                &schema.blocks[name],
                prior.and_then(|p| p.get_attr(name)),
                &c,
            );
            val::set_attr(planned, name, p);
        }
        // As in Terraform, `triggers` redeploy only together with force_new_deployment;
        // without it (or when they are removed) a change to them is not planned.
        if let Some(prior) = prior {
            let removed = val::string_map(planned, "triggers").is_empty();
            if val::bool_attr(planned, "force_new_deployment") != Some(true) || removed {
                let keep = prior.get_attr("triggers").cloned().unwrap_or_default();
                val::set_attr(planned, "triggers", keep);
            }
        }
        // The cluster by name or by ARN is the same cluster: no replacement (an import
        // records the name; configurations often use the ARN).
        if let (Some(old), Some(new)) = (
            prior.and_then(|p| val::str_attr(p, "cluster")),
            val::str_attr(planned, "cluster"),
        ) {
            if old != new && super::name_from_arn(old) == super::name_from_arn(new) {
                let keep = Value::string(old);
                val::set_attr(planned, "cluster", keep);
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut by_cluster: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for cur in current {
            if let Some(id) = val::str_attr(cur, "id") {
                by_cluster
                    .entry(cluster_of(cur))
                    .or_default()
                    .push(id.to_string());
            }
        }
        let mut found: Vec<(&str, Described)> = Vec::new();
        for (cluster, ids) in by_cluster {
            found.extend(
                describe(c, cluster, &ids)
                    .await?
                    .into_iter()
                    .map(|d| (cluster, d)),
            );
        }
        Ok(current
            .iter()
            .map(|cur| {
                let id = val::str_attr(cur, "id")?;
                let (_, d) = found.iter().find(|(cl, d)| {
                    *cl == cluster_of(cur)
                        && (d.svc.service_arn() == Some(id)
                            || d.svc.service_name() == Some(super::name_from_arn(id)))
                })?;
                (d.svc.status() == Some("ACTIVE")).then(|| TABLE.read_value(d, cur, &c.region))
            })
            .collect())
    }

    /// The table's arguments, plus the rows it leaves to this resource: the deployment
    /// configuration and the blocks whose SDK builders can refuse a value.
    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let cluster = val::str_attr(planned, "cluster");
        // A DAEMON service runs one task per instance: it takes no desired count.
        let replica = val::str_attr(planned, "scheduling_strategy") != Some("DAEMON");
        let create = TABLE
            .create_request(c.ecs.get().await.create_service(), planned)
            .client_token(unique_name(""))
            .set_desired_count(
                replica
                    .then(|| val::i32_attr(planned, "desired_count"))
                    .flatten(),
            )
            .deployment_configuration(deployment_of(planned, None)?)
            .set_capacity_provider_strategy(blocks::capacity_provider_strategy(
                planned,
                "capacity_provider_strategy",
            )?)
            .set_deployment_controller(blocks::deployment_controller(planned)?)
            .set_vpc_lattice_configurations(Some(blocks::vpc_lattice(planned)?))
            .set_service_connect_configuration(service_connect::to_sdk(planned, false)?)
            .set_volume_configurations(service_volumes::to_sdk(planned)?)
            .set_network_configuration(blocks::network(planned)?)
            .set_tags(tags_of(planned));
        let out = create.send().await.map_err(err("CreateService"))?;
        let arn = out
            .service()
            .and_then(|s| s.service_arn())
            .ok_or_else(|| AwsError::Invalid("CreateService returned no service ARN".into()))?
            .to_string();
        if val::bool_attr(planned, "wait_for_steady_state") == Some(true) {
            wait_stable(c, cluster.unwrap_or("default"), &arn, t)
                .await
                .map_err(|e| e.after_create(&arn))?;
        }
        Ok(arn)
    }

    /// One UpdateService for every change but tags and terrane's own settings: the
    /// table's rows, and the rows it leaves to this resource. `force_new_deployment`
    /// goes with every call (a change of `triggers` or of the flag itself is a redeploy).
    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let cluster = cluster_of(prior);
        // Tags are the framework's; force_delete and sigint_rollback are terrane's own
        // (used on delete and while waiting): none of them is an UpdateService.
        let not_updated = ["tags", "tags_all", "force_delete", "sigint_rollback"];
        let any =
            planned.as_map().into_iter().flatten().any(|(k, _)| {
                !not_updated.contains(&k.as_str()) && val::changed(prior, planned, k)
            });
        if !any {
            return Ok(None);
        }
        let ch = |k: &str| TABLE.changed(prior, planned, k);
        let force = val::bool_attr(planned, "force_new_deployment") == Some(true);
        let ecs = c.ecs.get().await;
        let new = || {
            ecs.update_service()
                .cluster(cluster)
                .service(arn)
                .force_new_deployment(force)
        };
        let table = TABLE.update_requests(prior, planned, new).pop();
        let deployment = [
            "deployment_maximum_percent",
            "deployment_minimum_healthy_percent",
            "deployment_circuit_breaker",
            "alarms",
            "deployment_configuration",
        ]
        .iter()
        .any(|k| ch(k));
        let update = table
            .unwrap_or_else(new)
            .set_deployment_configuration(if deployment {
                Some(deployment_of(planned, Some(prior))?)
            } else {
                None
            })
            .set_capacity_provider_strategy(if ch("capacity_provider_strategy") {
                Some(
                    blocks::capacity_provider_strategy(planned, "capacity_provider_strategy")?
                        .unwrap_or_default(),
                )
            } else {
                None
            })
            .set_deployment_controller(if ch("deployment_controller") {
                blocks::deployment_controller(planned)?
            } else {
                None
            })
            .set_service_connect_configuration(if ch("service_connect_configuration") {
                service_connect::to_sdk(planned, true)?
            } else {
                None
            })
            .set_volume_configurations(if ch("volume_configuration") {
                Some(service_volumes::to_sdk(planned)?.unwrap_or_default())
            } else {
                None
            })
            .set_vpc_lattice_configurations(if ch("vpc_lattice_configurations") {
                Some(blocks::vpc_lattice(planned)?)
            } else {
                None
            })
            .set_network_configuration(if ch("network_configuration") {
                blocks::network(planned)?
            } else {
                None
            });
        update.send().await.map_err(err("UpdateService"))?;
        drop(ecs);
        if val::bool_attr(planned, "wait_for_steady_state") == Some(true) {
            wait_stable(c, cluster, arn, t).await?;
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::ecs::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let cluster = cluster_of(prior);
        let Some(s) = describe_one(c, cluster, arn).await? else {
            return Ok(());
        };
        if s.status() == Some("INACTIVE") {
            return Ok(());
        }
        let ecs = c.ecs.get().await;
        let replica = s
            .scheduling_strategy()
            .is_none_or(|x| x.as_str() != "DAEMON");
        if s.status() == Some("ACTIVE") && replica && s.desired_count() > 0 {
            ecs.update_service()
                .cluster(cluster)
                .service(arn)
                .desired_count(0)
                .send()
                .await
                .map_err(err("UpdateService"))?;
        }
        ecs.delete_service()
            .cluster(cluster)
            .service(arn)
            .set_force(val::bool_attr(prior, "force_delete"))
            .send()
            .await
            .map_err(err("DeleteService"))?;
        drop(ecs);
        wait_for(
            &format!("ECS service {arn}"),
            "INACTIVE",
            t,
            || async move {
                Ok(match describe_one(c, cluster, arn).await? {
                    Some(s) if s.status() != Some("INACTIVE") => {
                        Err(s.status().unwrap_or("unknown").to_string())
                    }
                    _ => Ok(()),
                })
            },
        )
        .await
    }

    /// Terraform's import ID: `CLUSTER/SERVICE`.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (cluster, name) = id
            .split_once('/')
            .filter(|(c, n)| !c.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| format!("unexpected format of ID ({id:?}), expected CLUSTER/SERVICE"))?;
        stub.set("id", Value::string(name));
        stub.set("name", Value::string(name));
        stub.set("cluster", Value::string(cluster));
        Ok(())
    }
}
