//! `aws_subnet`. The VPC, CIDR block and zone replace; launch settings and tags update.

use async_trait::async_trait;
use std::sync::LazyLock;

use aws_sdk_ec2::operation::create_subnet::builders::CreateSubnetFluentBuilder;
use aws_sdk_ec2::operation::modify_subnet_attribute::builders::ModifySubnetAttributeFluentBuilder;
use aws_sdk_ec2::types::{
    HostnameType, PrivateDnsNameOptionsOnLaunch, ResourceType, SubnetIpv6CidrBlockAssociation,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{filter, flag, ids, read_table, tags, wait_state};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, check_ipv4_cidr, while_dependent, AwsResource, DefaultTimeouts, Failed, Tagging,
    Timeout,
};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table, UpdateCalls};
use crate::val;

pub struct Subnet;

type SubnetTable = Table<
    aws_sdk_ec2::types::Subnet,
    CreateSubnetFluentBuilder,
    ModifySubnetAttributeFluentBuilder,
>;

fn ipv6(s: &aws_sdk_ec2::types::Subnet) -> Option<&SubnetIpv6CidrBlockAssociation> {
    s.ipv6_cidr_block_association_set().first()
}

fn dns(s: &aws_sdk_ec2::types::Subnet) -> Option<&PrivateDnsNameOptionsOnLaunch> {
    s.private_dns_name_options_on_launch()
}

static TABLE: LazyLock<SubnetTable> = LazyLock::new(|| {
    let off = || opt_default(BOOL, Value::Bool(false));
    SubnetTable::new(|| Some(aws_sdk_ec2::types::Subnet::builder().build()))
        .update_calls(UpdateCalls::EachAttribute)
        .tags_all(|s| tags_value(s.tags()))
        .attr("id", comp(STR))
        .read(|s, _| val::opt_str(s.subnet_id()))
        .attr("arn", comp(STR))
        .read(|s, cx| {
            s.subnet_arn().map_or_else(
                || {
                    let id = s.subnet_id().unwrap_or_default();
                    let owner = s.owner_id().unwrap_or_default();
                    Value::string(cx.ec2_arn(owner, &format!("subnet/{id}")))
                },
                Value::string,
            )
        })
        .attr("owner_id", comp(STR))
        .read(|s, _| val::str_or_empty(s.owner_id()))
        .attr("vpc_id", req(STR).force_new())
        .read(|s, _| val::opt_str(s.vpc_id()))
        .create(|b, v| b.set_vpc_id(v.str()))
        .attr("cidr_block", opt(STR).force_new())
        .read(|s, _| val::opt_str(s.cidr_block()))
        .create(|b, v| b.set_cidr_block(v.str()))
        .attr("availability_zone", opt_comp(STR).force_new())
        .read(|s, _| val::opt_str(s.availability_zone()))
        .create(|b, v| b.set_availability_zone(v.str()))
        .attr("availability_zone_id", opt_comp(STR).force_new())
        .read(|s, _| val::opt_str(s.availability_zone_id()))
        .create(|b, v| b.set_availability_zone_id(v.str()))
        .attr("ipv6_cidr_block", opt_comp(STR))
        .read(|s, _| val::str_or_empty(ipv6(s).and_then(|a| a.ipv6_cidr_block())))
        .create(|b, v| b.set_ipv6_cidr_block(v.str()))
        // Associating another IPv6 block to an existing subnet is not supported yet.
        .update_unsupported()
        .attr("ipv6_cidr_block_association_id", comp(STR))
        .read(|s, _| val::str_or_empty(ipv6(s).and_then(|a| a.association_id())))
        .attr("ipv6_native", off().force_new())
        .read(|s, _| Value::Bool(s.ipv6_native().unwrap_or(false)))
        .create(|b, v| b.set_ipv6_native(v.true_only()))
        .attr("outpost_arn", opt(STR).force_new())
        .read(|s, _| val::str_or_empty(s.outpost_arn()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_outpost_arn(v.str()))
        .attr("customer_owned_ipv4_pool", opt(STR))
        .read(|s, _| val::str_or_empty(s.customer_owned_ipv4_pool()))
        .normalise(Normalise::ZeroAsNull)
        // Outposts only: the pool and the flag go together in one request, which the
        // table cannot say yet.
        .update_unsupported()
        .attr("map_customer_owned_ip_on_launch", opt(BOOL))
        .read(|s, _| Value::Bool(s.map_customer_owned_ip_on_launch().unwrap_or(false)))
        .normalise(Normalise::ZeroAsNull)
        .update_unsupported()
        .attr("map_public_ip_on_launch", off())
        .read(|s, _| Value::Bool(s.map_public_ip_on_launch().unwrap_or(false)))
        .update(|b, v| b.map_public_ip_on_launch(flag(v)))
        .attr("assign_ipv6_address_on_creation", off())
        .read(|s, _| Value::Bool(s.assign_ipv6_address_on_creation().unwrap_or(false)))
        .update(|b, v| b.assign_ipv6_address_on_creation(flag(v)))
        .attr("enable_dns64", off())
        .read(|s, _| Value::Bool(s.enable_dns64().unwrap_or(false)))
        .update(|b, v| b.enable_dns64(flag(v)))
        .attr("enable_resource_name_dns_a_record_on_launch", off())
        .read(|s, _| {
            let on = dns(s).and_then(|d| d.enable_resource_name_dns_a_record());
            Value::Bool(on.unwrap_or(false))
        })
        .update(|b, v| b.enable_resource_name_dns_a_record_on_launch(flag(v)))
        .attr("enable_resource_name_dns_aaaa_record_on_launch", off())
        .read(|s, _| {
            let on = dns(s).and_then(|d| d.enable_resource_name_dns_aaaa_record());
            Value::Bool(on.unwrap_or(false))
        })
        .update(|b, v| b.enable_resource_name_dns_aaaa_record_on_launch(flag(v)))
        .attr("private_dns_hostname_type_on_launch", opt_comp(STR))
        // AWS's default when it does not say.
        .read(|s, _| {
            let t = dns(s).and_then(|d| d.hostname_type());
            Value::string(t.map_or("ip-name", HostnameType::as_str))
        })
        .update(|b, v| {
            b.set_private_dns_hostname_type_on_launch(
                v.str().map(|s| HostnameType::from(s.as_str())),
            )
        })
});

/// The subnet resource's attributes as the `aws_subnet` data source reads them: its
/// schema, and a described subnet read through the same rows.
pub fn table_schema() -> terrane_engine::provider::BlockSchema {
    TABLE.schema()
}

pub fn read_subnet(s: &aws_sdk_ec2::types::Subnet, current: &Value, region: &str) -> val::Obj {
    TABLE.read_object(s, current, region)
}

#[async_trait]
impl AwsResource for Subnet {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 20))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_ipv4_cidr(config, "cidr_block", 16..=28, diags);
        check_enum(
            config,
            "private_dns_hostname_type_on_launch",
            &["ip-name", "resource-name"],
            diags,
        );
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let subnets = describe_filtered!(
            c,
            describe_subnets,
            filters,
            "subnet-id",
            &ids(current),
            "DescribeSubnets"
        )?;
        Ok(read_table(&TABLE, c, current, subnets, |s| s.subnet_id()))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = TABLE
            .create_request(ec2.create_subnet(), planned)
            .set_tag_specifications(tags::spec(ResourceType::Subnet, planned).map(|s| vec![s]))
            .send()
            .await
            .map_err(err("CreateSubnet"))?;
        let id = out
            .subnet()
            .and_then(|s| s.subnet_id())
            .ok_or_else(|| AwsError::Invalid("CreateSubnet returned no subnet ID".into()))?
            .to_string();
        wait_state("subnet", "available", t, || async {
            let out = ec2
                .describe_subnets()
                .filters(filter("subnet-id", [id.clone()]))
                .send()
                .await
                .map_err(err("DescribeSubnets"))?;
            Ok(out
                .subnets()
                .first()
                .and_then(|x| x.state())
                .map(|s| s.as_str().to_string()))
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        drop(ec2);
        // A new subnet has every flag off and ip-name hostnames: what a read of a
        // description that says nothing gives.
        let before = TABLE.read_value(
            &aws_sdk_ec2::types::Subnet::builder().build(),
            &Value::Null,
            &c.region,
        );
        modify(c, &id, &before, planned)
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        modify(
            c,
            val::str_attr(prior, "id").unwrap_or_default(),
            prior,
            planned,
        )
        .await?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let ec2 = c.ec2.get().await;
        // ENIs left by deleted NAT gateways or load balancers keep the subnet busy a while.
        while_dependent("subnet", t, || async {
            ec2.delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteSubnet"))
        })
        .await
    }
}

/// ModifySubnetAttribute takes one attribute per call; only changed ones are sent.
async fn modify(c: &Clients, id: &str, prior: &Value, planned: &Value) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    for req in TABLE.update_requests(prior, planned, || {
        ec2.modify_subnet_attribute().subnet_id(id)
    }) {
        req.send().await.map_err(err("ModifySubnetAttribute"))?;
    }
    Ok(())
}
