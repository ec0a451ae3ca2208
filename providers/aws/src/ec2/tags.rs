//! EC2 tags: set at create through TagSpecifications, changed with CreateTags/DeleteTags,
//! and read from every Describe result into `tags_all`.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::val;

/// The TagSpecification for a create call, from the planned `tags_all`; `None` when there
/// are no tags (EC2 rejects an empty specification).
pub fn spec(rt: ResourceType, planned: &Value) -> Option<TagSpecification> {
    let all = val::string_map(planned, "tags_all");
    if all.is_empty() {
        return None;
    }
    Some(
        TagSpecification::builder()
            .resource_type(rt)
            .set_tags(Some(to_sdk(&all)))
            .build(),
    )
}

fn to_sdk(m: &BTreeMap<String, String>) -> Vec<Tag> {
    m.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Brings the tags of `id` from `old` to `new`.
pub async fn update(
    c: &Clients,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    let removed: Vec<Tag> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .map(|k| Tag::builder().key(k).build())
        .collect();
    if !removed.is_empty() {
        ec2.delete_tags()
            .resources(id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(err("DeleteTags"))?;
    }
    let changed: BTreeMap<String, String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        ec2.create_tags()
            .resources(id)
            .set_tags(Some(to_sdk(&changed)))
            .send()
            .await
            .map_err(err("CreateTags"))?;
    }
    Ok(())
}

/// Gives an object exactly the planned tags, from `existing`: one that terrane adopts
/// rather than creates (a VPC's default security group, route table or network ACL), or
/// a new one whose create call could not tag it.
pub async fn adopt(
    c: &Clients,
    id: &str,
    existing: &[Tag],
    planned: &Value,
) -> Result<(), AwsError> {
    let old: BTreeMap<String, String> = existing
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    update(c, id, &old, &val::string_map(planned, "tags_all")).await
}
