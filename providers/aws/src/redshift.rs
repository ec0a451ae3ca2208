//! Redshift: `aws_redshift_subnet_group`, the subnets a Redshift cluster may use. The name
//! is the ID and the import ID. ModifyClusterSubnetGroup takes the subnets every time, so
//! description and subnets are sent together whichever changed. DescribeClusterSubnetGroups
//! carries the tags but no ARN: the ARN is built as the Terraform provider builds it, and
//! tags are written by it (CreateTags/DeleteTags).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_redshift::operation::create_cluster_subnet_group::builders::CreateClusterSubnetGroupFluentBuilder;
use aws_sdk_redshift::types::{ClusterSubnetGroup, Tag};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::rds::{import_by_name, NameRule, MANAGED};
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

const NAME: NameRule = NameRule {
    what: "Redshift subnet group",
    allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    allowed_text: "lowercase alphanumeric characters and hyphens",
    letter_first: false,
    no_double_hyphen: false,
    max: 255,
    reserved: &["default"],
};

/// A group as DescribeClusterSubnetGroups gives it, with the ARN built for it.
struct Described {
    group: ClusterSubnetGroup,
    arn: String,
}

type GroupTable = Table<Described, CreateClusterSubnetGroupFluentBuilder>;

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    GroupTable::new(|| {
        Some(Described {
            group: ClusterSubnetGroup::builder().build(),
            arn: String::new(),
        })
    })
    .tags_all(|d| tags_value(d.group.tags()))
    .attr("id", comp(STR))
    .read(|d, _| val::str_or_empty(d.group.cluster_subnet_group_name()))
    .attr("arn", comp(STR))
    .read(|d, _| Value::string(&d.arn))
    .attr("name", req(STR).force_new())
    .read(|d, _| val::str_or_empty(d.group.cluster_subnet_group_name()))
    .create(|b, v| b.set_cluster_subnet_group_name(v.str()))
    .attr("description", opt_default(STR, Value::string(MANAGED)))
    .read(|d, _| val::str_or_empty(d.group.description()))
    .create(|b, v| b.description(v.str().unwrap_or_else(|| MANAGED.into())))
    .updated_by_hand()
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
    .updated_by_hand()
});

fn tag_list(tags: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

static TAG_CALLS: TagCalls = tag_calls!(redshift, "arn",
    tag "CreateTags": |rs, arn, tags| rs.create_tags().resource_name(arn).set_tags(Some(tag_list(tags))),
    untag "DeleteTags": |rs, arn, keys| rs.delete_tags().resource_name(arn).set_tag_keys(Some(keys)),
);

#[async_trait]
impl AwsResource for SubnetGroup {
    fn type_name(&self) -> &'static str {
        "aws_redshift_subnet_group"
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

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        NAME.check(config, "name", false, diags);
    }

    /// One paginated DescribeClusterSubnetGroups for all groups (tags included).
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let groups = c
            .redshift
            .get()
            .await
            .describe_cluster_subnet_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeClusterSubnetGroups"))?;
        let account = if groups.is_empty() {
            String::new()
        } else {
            c.account_id().await?.to_string()
        };
        Ok(crate::ec2::match_by(
            current,
            groups,
            |cur| val::str_attr(cur, "id").map(str::to_string),
            |g| g.cluster_subnet_group_name().map(str::to_string),
            |cur, g| {
                let name = g.cluster_subnet_group_name().unwrap_or_default();
                let arn = format!(
                    "arn:{}:redshift:{}:{account}:subnetgroup:{name}",
                    c.partition(),
                    c.region
                );
                let d = Described {
                    group: g.clone(),
                    arn,
                };
                TABLE.read_value(&d, cur, &c.region)
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let tags = tag_list(val::string_map(planned, "tags_all"));
        let out = TABLE
            .create_request(
                c.redshift.get().await.create_cluster_subnet_group(),
                planned,
            )
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("CreateClusterSubnetGroup"))?;
        let id = out
            .cluster_subnet_group()
            .and_then(|g| g.cluster_subnet_group_name())
            .ok_or_else(|| AwsError::Invalid("CreateClusterSubnetGroup returned no name".into()))?;
        Ok(id.to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if TABLE.changed(prior, planned, "description")
            || TABLE.changed(prior, planned, "subnet_ids")
        {
            c.redshift
                .get()
                .await
                .modify_cluster_subnet_group()
                .cluster_subnet_group_name(val::str_attr(prior, "id").unwrap_or_default())
                .description(val::str_attr(planned, "description").unwrap_or(MANAGED))
                .set_subnet_ids(Some(val::strings(planned, "subnet_ids")))
                .send()
                .await
                .map_err(err("ModifyClusterSubnetGroup"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .redshift
            .get()
            .await
            .delete_cluster_subnet_group()
            .cluster_subnet_group_name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteClusterSubnetGroup"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        import_by_name(id, stub)
    }
}
