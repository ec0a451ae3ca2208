//! `aws_ecs_cluster_capacity_providers`: the capacity providers a cluster may use and its
//! default strategy, set together with PutClusterCapacityProviders (create and update
//! alike; delete empties both). The ID is the cluster's name. A refresh reads the
//! clusters with DescribeClusters, 100 a call.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ecs::types::Cluster;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::cluster::describe;
use super::name_from_arn;
use super::service_blocks::{capacity_provider_strategy, strategy_value};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{plan_all_blocks, AwsResource, Failed, PlanExtra, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct ClusterCapacityProviders;

const STRATEGY: &str = "default_capacity_provider_strategy";

/// No create request: the providers and the strategy go to PutClusterCapacityProviders
/// together (`put`, which also checks the strategy), on create and update alike.
static TABLE: LazyLock<Table<Cluster, ()>> = LazyLock::new(|| {
    Table::new(|| Some(Cluster::builder().build()))
        .attr("id", comp(STR))
        .read(|cl, _| val::opt_str(cl.cluster_name()))
        // As configured (a name or an ARN).
        .attr("cluster_name", req(STR).force_new())
        .attr("capacity_providers", opt(set_of(STR)))
        .read(|cl, cx| providers_value(cx.current, cl.capacity_providers()))
        .updated_by_hand()
        .block(
            STRATEGY,
            Nesting::Set,
            S::new()
                .attr("base", opt_default(NUM, val::num(0)))
                .attr("capacity_provider", req(STR))
                .attr("weight", opt_default(NUM, val::num(0))),
        )
        .read(|cl, _| Value::set(strategy_value(cl.default_capacity_provider_strategy())))
        .updated_by_hand()
});

/// Sets the cluster's providers and default strategy to the planned ones (none of
/// either when `planned` has none).
async fn put(c: &Clients, cluster: &str, planned: &Value) -> Result<(), AwsError> {
    c.ecs
        .get()
        .await
        .put_cluster_capacity_providers()
        .cluster(cluster)
        .set_capacity_providers(Some(val::strings(planned, "capacity_providers")))
        .set_default_capacity_provider_strategy(Some(
            capacity_provider_strategy(planned, STRATEGY)?.unwrap_or_default(),
        ))
        .send()
        .await
        .map_err(err("PutClusterCapacityProviders"))?;
    Ok(())
}

/// The providers AWS holds; none reads as the known value (an empty set and an unset
/// argument are the same to ECS).
fn providers_value(cur: &Value, providers: &[String]) -> Value {
    if !providers.is_empty() {
        return val::str_set(providers);
    }
    match cur.get_attr("capacity_providers") {
        Some(v) if !v.is_unknown() => v.clone(),
        _ => Value::Null,
    }
}

#[async_trait]
impl AwsResource for ClusterCapacityProviders {
    fn type_name(&self) -> &'static str {
        "aws_ecs_cluster_capacity_providers"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let names: Vec<String> = current
            .iter()
            .filter_map(|v| val::str_attr(v, "cluster_name").or(val::str_attr(v, "id")))
            .map(str::to_string)
            .collect();
        let found = describe(c, &names).await?;
        Ok(current
            .iter()
            .map(|cur| {
                let name = val::str_attr(cur, "cluster_name").or(val::str_attr(cur, "id"))?;
                let cl = found.iter().find(|cl| {
                    cl.cluster_name() == Some(name_from_arn(name))
                        && cl.status() != Some("INACTIVE")
                })?;
                Some(TABLE.read_value(cl, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let cluster = val::str_attr(planned, "cluster_name").unwrap_or_default();
        put(c, cluster, planned).await?;
        Ok(name_from_arn(cluster).to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if TABLE.changed(prior, planned, "capacity_providers")
            || TABLE.changed(prior, planned, STRATEGY)
        {
            let cluster = val::str_attr(prior, "cluster_name").unwrap_or_default();
            put(c, cluster, planned).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let cluster = val::str_attr(prior, "cluster_name").unwrap_or_default();
        match put(c, cluster, &Value::Null).await {
            Err(e) if e.code() == Some("ClusterNotFoundException") => Ok(()),
            other => other,
        }
    }

    /// Terraform's import ID: the cluster's name.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id))
            .set("cluster_name", Value::string(id));
        Ok(())
    }
}
