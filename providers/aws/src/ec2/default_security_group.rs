//! `aws_default_security_group`: the group every VPC is born with. terrane adopts it on
//! create (its rules become exactly the configured ones, its tags the planned ones) and
//! only forgets it on destroy, as the Terraform AWS provider does: AWS deletes it with
//! its VPC.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::SecurityGroup;
use terrane_engine::lang::Value;

use super::security_group::{plan_rule_blocks, rule_rows, sync_rules};
use super::{filter, identity, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{tags_value, AwsResource, Failed, PlanExtra, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct DefaultSecurityGroup;

type GroupTable = Table<SecurityGroup, ()>;

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    let table = identity(GroupTable::new(|| Some(SecurityGroup::builder().build())))
        .tags_all(|g| tags_value(g.tags()))
        .attr("name", comp(STR))
        .read(|g, _| val::str_or_empty(g.group_name()))
        // "default" was not generated from a prefix.
        .attr("name_prefix", comp(STR))
        .read(|_, _| Value::string(""))
        .attr("description", comp(STR))
        .read(|g, _| val::str_or_empty(g.description()))
        .attr("vpc_id", opt_comp(STR).force_new())
        .read(|g, _| val::str_or_empty(g.vpc_id()))
        // Kept for compatibility with aws_security_group; a default group is never
        // deleted, so it changes nothing.
        .attr(
            "revoke_rules_on_delete",
            opt_default(BOOL, Value::Bool(false)),
        )
        .updated_by_hand();
    rule_rows(table)
});

#[async_trait]
impl AwsResource for DefaultSecurityGroup {
    fn type_name(&self) -> &'static str {
        "aws_default_security_group"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_rule_blocks(prior, config, planned);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_filtered!(
            c,
            describe_security_groups,
            filters,
            "group-id",
            &ids(current),
            "DescribeSecurityGroups"
        )?;
        Ok(read_table(&TABLE, c, current, found, |g| g.group_id()))
    }

    /// Finds the VPC's default group (EC2-Classic's, described as "default group", when
    /// no VPC is named) and brings its rules and tags to the configuration.
    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let scope = match val::str_attr(planned, "vpc_id") {
            Some(vpc) => filter("vpc-id", [vpc]),
            None => filter("description", ["default group"]),
        };
        let out = c
            .ec2
            .get()
            .await
            .describe_security_groups()
            .filters(filter("group-name", ["default"]))
            .filters(scope)
            .send()
            .await
            .map_err(err("DescribeSecurityGroups"))?;
        let group = out.security_groups().first().ok_or_else(|| {
            AwsError::Invalid("no default security group was found for this VPC".into())
        })?;
        let id = group.group_id().unwrap_or_default().to_string();
        let adopted = async {
            tags::adopt(c, &id, group.tags(), planned).await?;
            let found = TABLE.read_value(group, &Value::Null, &c.region);
            sync_rules(c, &id, &found, planned).await
        };
        adopted.await.map_err(|e| e.after_create(&id))?;
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
        sync_rules(c, id, prior, planned).await?;
        Ok(None)
    }

    /// Destroying only forgets the group: AWS deletes it with its VPC.
    async fn delete(&self, _c: &Clients, _prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        Ok(())
    }
}
