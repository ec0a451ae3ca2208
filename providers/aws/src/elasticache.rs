//! ElastiCache: `aws_elasticache_subnet_group`, the subnets a cache cluster may use. The
//! name is the ID and the import ID; AWS stores it lowercased (the configured spelling is
//! kept). Description and subnets change in place (ModifyCacheSubnetGroup); tags are
//! written by ARN (AddTagsToResource/RemoveTagsFromResource) and read with
//! ListTagsForResource, as DescribeCacheSubnetGroups carries none.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_elasticache::operation::create_cache_subnet_group::builders::CreateCacheSubnetGroupFluentBuilder;
use aws_sdk_elasticache::operation::modify_cache_subnet_group::builders::ModifyCacheSubnetGroupFluentBuilder;
use aws_sdk_elasticache::types::{CacheSubnetGroup, Tag};
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::rds::{import_by_name, keep_spelling, name_key, MANAGED};
use crate::resource::tag_calls;
use crate::resource::{tags_value, AwsResource, Failed, SdkTag, TagCalls, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(SubnetGroup)]
}

pub struct SubnetGroup;

impl SdkTag for Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (self.key(), self.value())
    }
}

/// A group as DescribeCacheSubnetGroups gives it, with its tags.
struct Described {
    group: CacheSubnetGroup,
    tags: Value,
}

type GroupTable =
    Table<Described, CreateCacheSubnetGroupFluentBuilder, ModifyCacheSubnetGroupFluentBuilder>;

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    GroupTable::new(|| {
        Some(Described {
            group: CacheSubnetGroup::builder().build(),
            tags: Value::Map(BTreeMap::new()),
        })
    })
    .tags_all(|d| d.tags.clone())
    .attr("id", comp(STR))
    .read(|d, _| val::str_or_empty(d.group.cache_subnet_group_name()))
    .attr("arn", comp(STR))
    .read(|d, _| val::str_or_empty(d.group.arn()))
    .attr("name", req(STR).force_new())
    .read(|d, cx| {
        let name = d.group.cache_subnet_group_name().unwrap_or_default();
        keep_spelling(cx.current, "name", name)
    })
    .create(|b, v| b.set_cache_subnet_group_name(v.str().map(|n| n.to_lowercase())))
    .attr("description", opt_default(STR, Value::string(MANAGED)))
    .read(|d, _| val::str_or_empty(d.group.cache_subnet_group_description()))
    .create(|b, v| b.cache_subnet_group_description(v.str().unwrap_or_else(|| MANAGED.into())))
    .update(|b, v| b.cache_subnet_group_description(v.str().unwrap_or_else(|| MANAGED.into())))
    .attr("subnet_ids", req(set_of(STR)))
    .read(|d, _| {
        val::str_set(
            d.group
                .subnets()
                .iter()
                .filter_map(|s| s.subnet_identifier()),
        )
    })
    .create(|b, v| b.set_subnet_ids(v.strings()))
    .update(|b, v| b.set_subnet_ids(v.strings()))
    .attr("vpc_id", comp(STR))
    .read(|d, _| val::str_or_empty(d.group.vpc_id()))
});

static TAG_CALLS: TagCalls = tag_calls!(elasticache, "arn",
    tag "AddTagsToResource": |ec, arn, tags| ec
        .add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(tags.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect())),
    untag "RemoveTagsFromResource": |ec, arn, keys| ec
        .remove_tags_from_resource()
        .resource_name(arn)
        .set_tag_keys(Some(keys)),
);

async fn tags_of(c: &Clients, arn: &str) -> Result<Value, AwsError> {
    let out = c
        .elasticache
        .get()
        .await
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(err("ListTagsForResource"))?;
    Ok(tags_value(out.tag_list()))
}

#[async_trait]
impl AwsResource for SubnetGroup {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_subnet_group"
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

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    /// One paginated DescribeCacheSubnetGroups for all groups, then the tags of each group
    /// found (side by side: there is no batch tag read).
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let groups: BTreeMap<String, CacheSubnetGroup> = c
            .elasticache
            .get()
            .await
            .describe_cache_subnet_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeCacheSubnetGroups"))?
            .into_iter()
            .filter_map(|g| Some((g.cache_subnet_group_name()?.to_lowercase(), g)))
            .collect();
        let jobs = current.iter().map(|cur| {
            let group = name_key(cur, "name").and_then(|n| groups.get(&n)).cloned();
            async move {
                let Some(group) = group else { return Ok(None) };
                let tags = tags_of(c, group.arn().unwrap_or_default()).await?;
                Ok(Some(TABLE.read_value(
                    &Described { group, tags },
                    cur,
                    &c.region,
                )))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let tags: Vec<Tag> = val::string_map(planned, "tags_all")
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        let out = TABLE
            .create_request(
                c.elasticache.get().await.create_cache_subnet_group(),
                planned,
            )
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("CreateCacheSubnetGroup"))?;
        let id = out
            .cache_subnet_group()
            .and_then(|g| g.cache_subnet_group_name())
            .ok_or_else(|| AwsError::Invalid("CreateCacheSubnetGroup returned no name".into()))?;
        Ok(id.to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default().to_string();
        let client = c.elasticache.get().await;
        for req in TABLE.update_requests(prior, planned, || {
            client
                .modify_cache_subnet_group()
                .cache_subnet_group_name(&name)
        }) {
            req.send().await.map_err(err("ModifyCacheSubnetGroup"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .elasticache
            .get()
            .await
            .delete_cache_subnet_group()
            .cache_subnet_group_name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteCacheSubnetGroup"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        import_by_name(id, stub)
    }
}
