//! `aws_vpc`. CIDR and IPAM arguments replace; DNS settings, tenancy and tags update.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_vpc::builders::CreateVpcFluentBuilder;
use aws_sdk_ec2::operation::modify_vpc_attribute::builders::ModifyVpcAttributeFluentBuilder;
use aws_sdk_ec2::types::{
    ResourceType, Tenancy, VpcAttributeName, VpcIpv6CidrBlockAssociation, VpcTenancy,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{filter, flag, ids, match_ids, tags, wait_state};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, check_ipv4_cidr, while_dependent, AwsResource, Failed, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table, UpdateCalls};
use crate::val;

pub struct Vpc;

/// A VPC as DescribeVpcs describes it, with what other calls of the same batch add.
pub(super) struct Described {
    pub(super) vpc: aws_sdk_ec2::types::Vpc,
    /// enableDnsHostnames, enableDnsSupport, enableNetworkAddressUsageMetrics: only
    /// DescribeVpcAttribute reports them.
    pub(super) flags: [bool; 3],
    main_route_table: Option<String>,
    default_security_group: Option<String>,
    default_network_acl: Option<String>,
    /// A default VPC that terrane created (CreateDefaultVpc) rather than adopted.
    pub(super) created_here: bool,
}

impl Described {
    /// A new VPC: DNS support on, hostnames and usage metrics off.
    pub(super) fn new(vpc: aws_sdk_ec2::types::Vpc) -> Described {
        Described {
            vpc,
            flags: [false, true, false],
            main_route_table: None,
            default_security_group: None,
            default_network_acl: None,
            created_here: false,
        }
    }

    fn ipv6(&self) -> Option<&VpcIpv6CidrBlockAssociation> {
        self.vpc.ipv6_cidr_block_association_set().iter().find(|a| {
            a.ipv6_cidr_block_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str() == "associated")
        })
    }
}

pub(super) type VpcTable =
    Table<Described, CreateVpcFluentBuilder, ModifyVpcAttributeFluentBuilder>;

static TABLE: LazyLock<VpcTable> = LazyLock::new(|| own_rows(common_rows()));

/// The rows `aws_vpc` and `aws_default_vpc` share: identity, DNS settings (updated in
/// place), the VPC's default objects and IPv6.
pub(super) fn common_rows() -> VpcTable {
    VpcTable::new(|| Some(Described::new(aws_sdk_ec2::types::Vpc::builder().build())))
        .update_calls(UpdateCalls::EachAttribute)
        .tags_all(|d| tags_value(d.vpc.tags()))
        .attr("id", comp(STR))
        .read(|d, _| val::str_or_empty(d.vpc.vpc_id()))
        .attr("arn", comp(STR))
        .read(|d, cx| {
            let id = d.vpc.vpc_id().unwrap_or_default();
            let owner = d.vpc.owner_id().unwrap_or_default();
            Value::string(cx.ec2_arn(owner, &format!("vpc/{id}")))
        })
        .attr("owner_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.vpc.owner_id()))
        .attr("dhcp_options_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.vpc.dhcp_options_id()))
        .attr("enable_dns_support", opt_default(BOOL, Value::Bool(true)))
        .read(|d, _| Value::Bool(d.flags[1]))
        .update(|b, v| b.enable_dns_support(flag(v)))
        .attr("enable_network_address_usage_metrics", opt_comp(BOOL))
        .read(|d, _| Value::Bool(d.flags[2]))
        .update(|b, v| b.enable_network_address_usage_metrics(flag(v)))
        .attr("main_route_table_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.main_route_table.as_deref()))
        .attr("default_route_table_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.main_route_table.as_deref()))
        .attr("default_security_group_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.default_security_group.as_deref()))
        .attr("default_network_acl_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.default_network_acl.as_deref()))
        .attr("assign_generated_ipv6_cidr_block", opt(BOOL))
        .read(|d, _| Value::Bool(d.ipv6().is_some()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_amazon_provided_ipv6_cidr_block(v.bool()))
        // Associating or disassociating IPv6 blocks of an existing VPC is not supported
        // yet (the same for the three below).
        .update_unsupported()
        .attr("ipv6_association_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.ipv6().and_then(|a| a.association_id())))
        .attr("ipv6_cidr_block", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.ipv6().and_then(|a| a.ipv6_cidr_block())))
        .update_unsupported()
        .attr("ipv6_cidr_block_network_border_group", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.ipv6().and_then(|a| a.network_border_group())))
        .update_unsupported()
        .attr("ipv6_ipam_pool_id", opt(STR))
        .update_unsupported()
        .attr("ipv6_netmask_length", opt(NUM))
        .update_unsupported()
}

/// `aws_vpc`'s own rows: the IPv4 block is chosen at create, tenancy changes in place.
fn own_rows(t: VpcTable) -> VpcTable {
    t.attr("cidr_block", opt_comp(STR).force_new())
        .read(|d, _| val::opt_str(d.vpc.cidr_block()))
        .create(|b, v| b.set_cidr_block(v.str()))
        .attr("ipv4_ipam_pool_id", opt(STR).force_new())
        .create(|b, v| b.set_ipv4_ipam_pool_id(v.str()))
        .attr("ipv4_netmask_length", opt(NUM).force_new())
        .create(|b, v| b.set_ipv4_netmask_length(v.i32()))
        .attr(
            "instance_tenancy",
            opt_default(STR, Value::string("default")),
        )
        .read(|d, _| val::opt_str(d.vpc.instance_tenancy().map(Tenancy::as_str)))
        .create(|b, v| b.set_instance_tenancy(v.str().map(|t| Tenancy::from(t.as_str()))))
        // ModifyVpcTenancy.
        .updated_by_hand()
        .attr("enable_dns_hostnames", opt_comp(BOOL))
        .read(|d, _| Value::Bool(d.flags[0]))
        .update(|b, v| b.enable_dns_hostnames(flag(v)))
}

#[async_trait]
impl AwsResource for Vpc {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_ipv4_cidr(config, "cidr_block", 16..=28, diags);
        check_enum(config, "instance_tenancy", &["default", "dedicated"], diags);
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        read_vpcs(&TABLE, c, current).await
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let id = {
            let ec2 = c.ec2.get().await;
            let out = TABLE
                .create_request(ec2.create_vpc(), planned)
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
        // What a new VPC has (DNS support on, hostnames and usage metrics off), read.
        let before = TABLE.read_value(
            &Described::new(aws_sdk_ec2::types::Vpc::builder().build()),
            &Value::Null,
            &c.region,
        );
        modify_attributes(&TABLE, c, &id, &before, planned)
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
        modify_attributes(&TABLE, c, id, prior, planned).await?;
        if TABLE.changed(prior, planned, "instance_tenancy") {
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
        delete_vpc(c, val::str_attr(prior, "id").unwrap_or_default(), t).await
    }
}

/// Deletes a VPC; dependent objects (ENIs of a NAT gateway being deleted) may take a
/// while to go.
pub(super) async fn delete_vpc(c: &Clients, id: &str, t: Timeout) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
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
    Ok(v.and_then(aws_sdk_ec2::types::AttributeBooleanValue::value)
        .unwrap_or(false))
}

/// ModifyVpcAttribute takes one attribute per call; only changed ones are sent.
pub(super) async fn modify_attributes(
    table: &VpcTable,
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    for req in table.update_requests(prior, planned, || ec2.modify_vpc_attribute().vpc_id(id)) {
        req.send().await.map_err(err("ModifyVpcAttribute"))?;
    }
    Ok(())
}

/// VPCs with their attributes, main route tables, default security groups and network
/// ACLs: one filtered call of each kind for the batch, and DescribeVpcAttribute per VPC.
pub(super) async fn read_vpcs(
    table: &VpcTable,
    c: &Clients,
    current: &[Value],
) -> Result<Vec<Option<Value>>, AwsError> {
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
    let by_vpc = |pairs: Vec<(Option<&str>, Option<&str>)>| -> HashMap<String, String> {
        pairs
            .into_iter()
            .filter_map(|(vpc, id)| Some((vpc?.to_string(), id?.to_string())))
            .collect()
    };
    let main_rt = by_vpc(
        mains
            .iter()
            .map(|r| (r.vpc_id(), r.route_table_id()))
            .collect(),
    );
    let default_sg = by_vpc(sgs.iter().map(|g| (g.vpc_id(), g.group_id())).collect());
    let default_nacl = by_vpc(
        nacls
            .iter()
            .map(|n| (n.vpc_id(), n.network_acl_id()))
            .collect(),
    );
    // DescribeVpcAttribute takes one VPC and one attribute: the only per-object calls,
    // run concurrently.
    let ec2 = c.ec2.get().await;
    let attrs = futures::future::try_join_all(found.iter().map(|id| {
        let ec2 = &ec2;
        async move {
            let hostnames = vpc_attribute(ec2, id, VpcAttributeName::EnableDnsHostnames).await?;
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
            let mut d = Described::new(v.clone());
            if let Some(flags) = attrs.get(id) {
                d.flags = *flags;
            }
            d.main_route_table = main_rt.get(id).cloned();
            d.default_security_group = default_sg.get(id).cloned();
            d.default_network_acl = default_nacl.get(id).cloned();
            d.created_here = super::default_vpc::created_here(id);
            table.read_value(&d, cur, &c.region)
        },
    ))
}
