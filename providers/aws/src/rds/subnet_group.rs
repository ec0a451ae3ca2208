//! `aws_db_subnet_group`: the subnets an RDS instance may be placed in. Its name is its ID
//! and import ID; AWS stores it lowercased, so Terraform accepts only lowercase names.
//! ModifyDBSubnetGroup takes the description and the whole subnet list in one call
//! (`SubnetIds` is required), so both are updated by hand together.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_rds::operation::create_db_subnet_group::builders::CreateDBSubnetGroupFluentBuilder;
use aws_sdk_rds::types::DbSubnetGroup;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{import_by_name, keep_spelling, name_key, planned_tags, with_tags, NameRule, MANAGED};
use crate::clients::Clients;
use crate::ec2::match_by;
use crate::error::{err, AwsError};
use crate::resource::{invalid, name_or_prefix, AwsResource, Failed, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct SubnetGroup;

const NAME: NameRule = NameRule {
    what: "DB subnet group",
    allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || " .-_".contains(c),
    allowed_text: "lowercase alphanumeric characters, hyphens, underscores, periods, and spaces",
    letter_first: false,
    no_double_hyphen: false,
    max: 255,
    reserved: &["default"],
};

type GroupTable = Table<DbSubnetGroup, CreateDBSubnetGroupFluentBuilder>;

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    GroupTable::new(|| Some(DbSubnetGroup::builder().build()))
        // DescribeDBSubnetGroups carries no tags: `read` fills them in by ARN (`with_tags`).
        .tags_all(|_| val::str_map(&std::collections::BTreeMap::new()))
        .attr("id", comp(STR))
        .read(|g, _| val::str_or_empty(g.db_subnet_group_name()))
        .attr("arn", comp(STR))
        .read(|g, _| val::opt_str(g.db_subnet_group_arn()))
        // Created from `name` or `name_prefix` by hand (`name_or_prefix`); the configured
        // spelling is kept.
        .attr("name", opt_comp(STR).force_new())
        .read(|g, cx| {
            keep_spelling(
                cx.current,
                "name",
                g.db_subnet_group_name().unwrap_or_default(),
            )
        })
        .attr("name_prefix", opt_comp(STR).force_new())
        .attr("description", opt_default(STR, Value::string(MANAGED)))
        .read(|g, _| val::str_or_empty(g.db_subnet_group_description()))
        .create(|b, v| b.db_subnet_group_description(v.str().unwrap_or_else(|| MANAGED.into())))
        .updated_by_hand()
        .attr("subnet_ids", req(set_of(STR)))
        .read(|g, _| val::str_set(g.subnets().iter().filter_map(|s| s.subnet_identifier())))
        .create(|b, v| b.set_subnet_ids(v.strings()))
        .updated_by_hand()
        .attr("supported_network_types", comp(set_of(STR)))
        .read(|g, _| val::str_set(g.supported_network_types()))
        .attr("vpc_id", comp(STR))
        .read(|g, _| val::str_or_empty(g.vpc_id()))
});

#[async_trait]
impl AwsResource for SubnetGroup {
    fn type_name(&self) -> &'static str {
        "aws_db_subnet_group"
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
        NAME.check_pair(config, "name", "name_prefix", diags);
        if config
            .get_attr("subnet_ids")
            .and_then(Value::as_seq)
            .is_some_and(<[Value]>::is_empty)
        {
            invalid(
                diags,
                "subnet_ids",
                "at least 1 subnet ID is required.".into(),
            );
        }
    }

    /// One DescribeDBSubnetGroups for all groups (the API takes no filters), then the tags
    /// of each group found.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let groups = c
            .rds
            .get()
            .await
            .describe_db_subnet_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeDBSubnetGroups"))?;
        let found = match_by(
            current,
            groups,
            |cur| name_key(cur, "name"),
            |g| g.db_subnet_group_name().map(str::to_lowercase),
            |cur, g| TABLE.read_value(g, cur, &c.region),
        );
        with_tags(c, found).await
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned);
        let out = TABLE
            .create_request(c.rds.get().await.create_db_subnet_group(), planned)
            .db_subnet_group_name(&name)
            .set_tags(planned_tags(planned))
            .send()
            .await
            .map_err(err("CreateDBSubnetGroup"))?;
        Ok(out
            .db_subnet_group()
            .and_then(|g| g.db_subnet_group_name())
            .unwrap_or(&name)
            .to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        if TABLE.changed(prior, planned, "description")
            || TABLE.changed(prior, planned, "subnet_ids")
        {
            c.rds
                .get()
                .await
                .modify_db_subnet_group()
                .db_subnet_group_name(name)
                .db_subnet_group_description(
                    val::str_attr(planned, "description").unwrap_or(MANAGED),
                )
                .set_subnet_ids(Some(val::strings(planned, "subnet_ids")))
                .send()
                .await
                .map_err(err("ModifyDBSubnetGroup"))?;
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::rds::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        c.rds
            .get()
            .await
            .delete_db_subnet_group()
            .db_subnet_group_name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteDBSubnetGroup"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        import_by_name(id, stub)
    }
}
