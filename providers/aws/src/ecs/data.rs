//! `data "aws_ecs_cluster"`: a cluster by name, with its status, counts, settings and tags.

use async_trait::async_trait;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use super::cluster::{aws_settings, describe, setting_value};
use crate::clients::Clients;
use crate::data::AwsDataSource;
use crate::error::AwsError;
use crate::resource::tags_value;
use crate::schema::*;
use crate::val::{self, Obj};

pub struct ClusterData;

#[async_trait]
impl AwsDataSource for ClusterData {
    fn type_name(&self) -> &'static str {
        "aws_ecs_cluster"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("cluster_name", req(STR))
            .attr("arn", comp(STR))
            .attr("status", comp(STR))
            .attr("pending_tasks_count", comp(NUM))
            .attr("running_tasks_count", comp(NUM))
            .attr("registered_container_instances_count", comp(NUM))
            .attr("tags", opt_comp(map_of(STR)))
            .block(
                "setting",
                Nesting::Set,
                S::new().attr("name", comp(STR)).attr("value", comp(STR)),
            )
            .build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let name = val::str_attr(config, "cluster_name").unwrap_or_default();
        let found = describe(c, &[name.to_string()]).await?;
        let cl = found
            .iter()
            .find(|cl| cl.status() != Some("INACTIVE"))
            .ok_or_else(|| AwsError::Invalid(format!("no ECS cluster named {name:?} was found")))?;
        let mut o = Obj::from(config);
        o.set("id", val::opt_str(cl.cluster_arn()))
            .set("arn", val::opt_str(cl.cluster_arn()))
            .set("status", val::opt_str(cl.status()))
            .set("pending_tasks_count", val::num(cl.pending_tasks_count()))
            .set("running_tasks_count", val::num(cl.running_tasks_count()))
            .set(
                "registered_container_instances_count",
                val::num(cl.registered_container_instances_count()),
            )
            // The data source reports every setting, AWS's default included.
            .set("setting", setting_value(&aws_settings(cl)))
            .set("tags", tags_value(cl.tags()));
        Ok(o.done())
    }
}
