//! ECS: `aws_ecs_cluster`, `aws_ecs_capacity_provider`, `aws_ecs_cluster_capacity_providers`,
//! `aws_ecs_task_definition`, `aws_ecs_service` and the `aws_ecs_cluster` data source, plus
//! what they share: ECS tags (one tagging API keyed by ARN for every ECS object) and the
//! raw-JSON bridge that lets a task definition's `container_definitions` travel as the
//! JSON the user wrote (see [`raw`]).

pub mod capacity_provider;
pub mod cluster;
pub mod cluster_capacity_providers;
pub mod cluster_configuration;
pub mod container_definitions;
pub mod data;
pub mod raw;
pub mod service;
pub mod service_blocks;
pub mod service_connect;
pub mod service_table;
pub mod service_volumes;
pub mod task_definition;
pub mod task_set;
pub mod task_volume;

use std::collections::BTreeMap;

use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::AwsResource;
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(cluster::Cluster),
        Box::new(capacity_provider::CapacityProviderResource),
        Box::new(cluster_capacity_providers::ClusterCapacityProviders),
        Box::new(task_definition::TaskDefinition),
        Box::new(service::Service),
        Box::new(task_set::TaskSetRes),
    ]
}

/// The planned `tags_all` as ECS tags; `None` when empty (ECS rejects an empty tag list).
pub fn tags_of(planned: &Value) -> Option<Vec<aws_sdk_ecs::types::Tag>> {
    tags_of_map(val::string_map(planned, "tags_all"))
}

/// Tags as ECS takes them; `None` when there are none.
pub fn tags_of_map(m: BTreeMap<String, String>) -> Option<Vec<aws_sdk_ecs::types::Tag>> {
    (!m.is_empty()).then(|| m.into_iter().map(|(k, v)| tag_of(k, v)).collect())
}

fn tag_of(k: String, v: String) -> aws_sdk_ecs::types::Tag {
    aws_sdk_ecs::types::Tag::builder().key(k).value(v).build()
}

/// The ARN of an ECS object: its `arn`, or its `id` for a service (whose ID is its ARN).
fn arn_of(prior: &Value) -> &str {
    val::str_attr(prior, "arn")
        .or_else(|| val::str_attr(prior, "id"))
        .unwrap_or_default()
}

/// Adds or overwrites tags on an ECS object.
pub async fn tag(
    c: &Clients,
    prior: &Value,
    tags: BTreeMap<String, String>,
) -> Result<(), AwsError> {
    c.ecs
        .get()
        .await
        .tag_resource()
        .resource_arn(arn_of(prior))
        .set_tags(Some(tags.into_iter().map(|(k, v)| tag_of(k, v)).collect()))
        .send()
        .await
        .map_err(err("TagResource"))?;
    Ok(())
}

/// Removes tag keys from an ECS object.
pub async fn untag(c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
    c.ecs
        .get()
        .await
        .untag_resource()
        .resource_arn(arn_of(prior))
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(err("UntagResource"))?;
    Ok(())
}

/// The last part of an ECS ARN's resource (`...:cluster/NAME` -> `NAME`,
/// `...:service/CLUSTER/NAME` -> `NAME`); other strings are returned as they are.
pub fn name_from_arn(s: &str) -> &str {
    if s.starts_with("arn:") {
        s.rsplit('/').next().unwrap_or(s)
    } else {
        s
    }
}

/// A string attribute that may be written as a name or an ARN, as AWS reports it: the ARN
/// when the configuration used one, else the name (Terraform keeps the user's form).
pub fn same_form(current: Option<&str>, arn: &str) -> Value {
    match current {
        Some(c) if c.starts_with("arn:") => Value::string(arn),
        _ => Value::string(name_from_arn(arn)),
    }
}

/// How every ecs resource type changes its tags (see [`crate::resource::TagCalls`]).
pub static TAG_CALLS: crate::resource::TagCalls = crate::resource::TagCalls {
    tag: |c, prior, tags| Box::pin(tag(c, prior, tags)),
    untag: |c, prior, keys| Box::pin(untag(c, prior, keys)),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_arns() {
        assert_eq!(
            name_from_arn("arn:aws:ecs:us-east-1:1:service/c/web"),
            "web"
        );
        assert_eq!(name_from_arn("arn:aws:ecs:us-east-1:1:cluster/c"), "c");
        assert_eq!(name_from_arn("c"), "c");
        assert_eq!(
            same_form(Some("arn:x"), "arn:aws:ecs:r:1:cluster/c"),
            Value::string("arn:aws:ecs:r:1:cluster/c")
        );
        assert_eq!(
            same_form(Some("c"), "arn:aws:ecs:r:1:cluster/c"),
            Value::string("c")
        );
    }
}
