//! `aws_vpc`. CIDR and IPAM arguments replace; DNS settings, tenancy and tags update.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, ResourceType, Tenancy, VpcAttributeName, VpcTenancy,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{bool_keep_null, filter, ids, match_ids, tags, wait_state};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, check_ipv4_cidr, while_dependent, AwsResource, Failed, Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct Vpc;

/// The three VPC attributes that only DescribeVpcAttribute reports.
const DNS_HOSTNAMES: &str = "enable_dns_hostnames";
const DNS_SUPPORT: &str = "enable_dns_support";
const NAU_METRICS: &str = "enable_network_address_usage_metrics";

#[async_trait]
impl AwsResource for Vpc {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("assign_generated_ipv6_cidr_block", opt(BOOL))
            .attr("cidr_block", opt_comp(STR).force_new())
            .attr("default_network_acl_id", comp(STR))
            .attr("default_route_table_id", comp(STR))
            .attr("default_security_group_id", comp(STR))
            .attr("dhcp_options_id", comp(STR))
            .attr(DNS_HOSTNAMES, opt_comp(BOOL))
            .attr(DNS_SUPPORT, opt_default(BOOL, Value::Bool(true)))
            .attr(NAU_METRICS, opt_comp(BOOL))
            .attr(
                "instance_tenancy",
                opt_default(STR, Value::string("default")),
            )
            .attr("ipv4_ipam_pool_id", opt(STR).force_new())
            .attr("ipv4_netmask_length", opt(NUM).force_new())
            .attr("ipv6_association_id", comp(STR))
            .attr("ipv6_cidr_block", opt_comp(STR))
            .attr("ipv6_cidr_block_network_border_group", opt_comp(STR))
            .attr("ipv6_ipam_pool_id", opt(STR))
            .attr("ipv6_netmask_length", opt(NUM))
            .attr("main_route_table_id", comp(STR))
            .attr("owner_id", comp(STR))
            .build()
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_ipv4_cidr(config, "cidr_block", 16..=28, diags);
        check_enum(config, "instance_tenancy", &["default", "dedicated"], diags);
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let ids = ids(current);
        if ids.is_empty() {
            return Ok(vec![None; current.len()]);
        }
        let vpcs = describe_filtered!(c, describe_vpcs, filters, "vpc-id", &ids, "DescribeVpcs")?;
        let found: Vec<String> = vpcs
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_string))
            .collect();
        if found.is_empty() {
            return Ok(vec![None; current.len()]);
        }
        // Main route tables, default security groups and default NACLs: one filtered
        // call each for the whole batch.
        let mains = describe_filtered!(
            c,
            describe_route_tables,
            filters,
            "vpc-id",
            &found,
            "DescribeRouteTables",
            filter("association.main", ["true"])
        )?;
        let sgs = describe_filtered!(
            c,
            describe_security_groups,
            filters,
            "vpc-id",
            &found,
            "DescribeSecurityGroups",
            filter("group-name", ["default"])
        )?;
        let nacls = describe_filtered!(
            c,
            describe_network_acls,
            filters,
            "vpc-id",
            &found,
            "DescribeNetworkAcls",
            filter("default", ["true"])
        )?;
        let main_rt: HashMap<&str, &str> = mains
            .iter()
            .filter_map(|r| Some((r.vpc_id()?, r.route_table_id()?)))
            .collect();
        let default_sg: HashMap<&str, &str> = sgs
            .iter()
            .filter_map(|g| Some((g.vpc_id()?, g.group_id()?)))
            .collect();
        let default_nacl: HashMap<&str, &str> = nacls
            .iter()
            .filter_map(|n| Some((n.vpc_id()?, n.network_acl_id()?)))
            .collect();
        // DescribeVpcAttribute takes one VPC and one attribute: the only per-object calls,
        // run concurrently.
        let ec2 = c.ec2.get().await;
        let attrs = futures::future::try_join_all(found.iter().map(|id| {
            let ec2 = &ec2;
            async move {
                let hostnames =
                    vpc_attribute(ec2, id, VpcAttributeName::EnableDnsHostnames).await?;
                let support = vpc_attribute(ec2, id, VpcAttributeName::EnableDnsSupport).await?;
                // Not every EC2 endpoint (or emulator) knows this one: absent means off.
                let metrics =
                    vpc_attribute(ec2, id, VpcAttributeName::EnableNetworkAddressUsageMetrics)
                        .await
                        .unwrap_or(false);
                Ok::<_, AwsError>((id.clone(), [hostnames, support, metrics]))
            }
        }))
        .await?;
        let attrs: HashMap<String, [bool; 3]> = attrs.into_iter().collect();
        Ok(match_ids(
            current,
            vpcs,
            |v| v.vpc_id(),
            |cur, v| {
                let id = v.vpc_id().unwrap_or_default();
                let owner = v.owner_id().unwrap_or_default();
                let [hostnames, support, metrics] =
                    attrs.get(id).copied().unwrap_or([false, true, false]);
                let ipv6 = v.ipv6_cidr_block_association_set().iter().find(|a| {
                    a.ipv6_cidr_block_state()
                        .and_then(|s| s.state())
                        .is_none_or(|s| s.as_str() == "associated")
                });
                let mut o = Obj::from(cur);
                o.set("id", Value::string(id))
                    .set("arn", Value::string(c.ec2_arn(owner, &format!("vpc/{id}"))))
                    .set("cidr_block", val::opt_str(v.cidr_block()))
                    .set("dhcp_options_id", val::str_or_empty(v.dhcp_options_id()))
                    .set(
                        "instance_tenancy",
                        val::opt_str(v.instance_tenancy().map(Tenancy::as_str)),
                    )
                    .set("owner_id", Value::string(owner))
                    .set(DNS_HOSTNAMES, Value::Bool(hostnames))
                    .set(DNS_SUPPORT, Value::Bool(support))
                    .set(NAU_METRICS, Value::Bool(metrics))
                    .set(
                        "main_route_table_id",
                        val::str_or_empty(main_rt.get(id).copied()),
                    )
                    .set(
                        "default_route_table_id",
                        val::str_or_empty(main_rt.get(id).copied()),
                    )
                    .set(
                        "default_security_group_id",
                        val::str_or_empty(default_sg.get(id).copied()),
                    )
                    .set(
                        "default_network_acl_id",
                        val::str_or_empty(default_nacl.get(id).copied()),
                    )
                    .set(
                        "ipv6_association_id",
                        val::str_or_empty(ipv6.and_then(|a| a.association_id())),
                    )
                    .set(
                        "ipv6_cidr_block",
                        val::str_or_empty(ipv6.and_then(|a| a.ipv6_cidr_block())),
                    )
                    .set(
                        "ipv6_cidr_block_network_border_group",
                        val::str_or_empty(ipv6.and_then(|a| a.network_border_group())),
                    )
                    .set(
                        "assign_generated_ipv6_cidr_block",
                        bool_keep_null(
                            cur,
                            "assign_generated_ipv6_cidr_block",
                            Some(ipv6.is_some()),
                        ),
                    )
                    .set("tags_all", tags_value(v.tags()));
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let id = {
            let ec2 = c.ec2.get().await;
            let out = ec2
                .create_vpc()
                .set_cidr_block(val::str_attr(planned, "cidr_block").map(str::to_string))
                .set_ipv4_ipam_pool_id(
                    val::str_attr(planned, "ipv4_ipam_pool_id").map(str::to_string),
                )
                .set_ipv4_netmask_length(
                    val::num_attr(planned, "ipv4_netmask_length")
                        .and_then(|n| i32::try_from(n).ok()),
                )
                .set_amazon_provided_ipv6_cidr_block(val::bool_attr(
                    planned,
                    "assign_generated_ipv6_cidr_block",
                ))
                .set_instance_tenancy(val::str_attr(planned, "instance_tenancy").map(Tenancy::from))
                .set_tag_specifications(tags::spec(ResourceType::Vpc, planned).map(|s| vec![s]))
                .send()
                .await
                .map_err(err("CreateVpc"))?;
            out.vpc()
                .and_then(|v| v.vpc_id())
                .ok_or_else(|| AwsError::Invalid("CreateVpc returned no VPC ID".into()))?
                .to_string()
        };
        let ec2 = c.ec2.get().await;
        wait_state("VPC", "available", t, || async {
            let out = ec2
                .describe_vpcs()
                .filters(filter("vpc-id", [id.clone()]))
                .send()
                .await
                .map_err(err("DescribeVpcs"))?;
            Ok(out
                .vpcs()
                .first()
                .and_then(|x| x.state())
                .map(|s| s.as_str().to_string()))
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        drop(ec2);
        // New VPCs have DNS support on, hostnames and usage metrics off.
        let mut before = Obj::from(&Value::Null);
        before
            .set(DNS_HOSTNAMES, Value::Bool(false))
            .set(DNS_SUPPORT, Value::Bool(true))
            .set(NAU_METRICS, Value::Bool(false));
        modify_attributes(c, &id, &before.done(), planned)
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
        let id = val::str_attr(prior, "id").unwrap_or_default();
        modify_attributes(c, id, prior, planned).await?;
        if val::changed(prior, planned, "instance_tenancy") {
            if let Some(t) = val::str_attr(planned, "instance_tenancy") {
                c.ec2
                    .get()
                    .await
                    .modify_vpc_tenancy()
                    .vpc_id(id)
                    .instance_tenancy(VpcTenancy::from(t))
                    .send()
                    .await
                    .map_err(err("ModifyVpcTenancy"))?;
            }
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let ec2 = c.ec2.get().await;
        // Dependent objects (ENIs of a NAT gateway being deleted) may take a while to go.
        while_dependent("VPC", t, || async {
            ec2.delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteVpc"))
        })
        .await
    }
}

async fn vpc_attribute(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    name: VpcAttributeName,
) -> Result<bool, AwsError> {
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(err("DescribeVpcAttribute"))?;
    let v = match name {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        _ => out.enable_network_address_usage_metrics(),
    };
    Ok(v.and_then(AttributeBooleanValue::value).unwrap_or(false))
}

/// ModifyVpcAttribute takes one attribute per call.
async fn modify_attributes(
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    for name in [DNS_SUPPORT, DNS_HOSTNAMES, NAU_METRICS] {
        let Some(want) = val::bool_attr(planned, name) else {
            continue;
        };
        if val::bool_attr(prior, name) == Some(want) {
            continue;
        }
        let b = AttributeBooleanValue::builder().value(want).build();
        let req = ec2.modify_vpc_attribute().vpc_id(id);
        let req = match name {
            DNS_SUPPORT => req.enable_dns_support(b),
            DNS_HOSTNAMES => req.enable_dns_hostnames(b),
            _ => req.enable_network_address_usage_metrics(b),
        };
        req.send().await.map_err(err("ModifyVpcAttribute"))?;
    }
    Ok(())
}
