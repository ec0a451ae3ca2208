//! `aws_vpc_ipv4_cidr_block_association`: a secondary IPv4 block of a VPC. Every
//! argument replaces it.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::VpcCidrBlockAssociation;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{filter, ids, read_table, wait_state};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{check_ipv4_cidr, AwsResource, DefaultTimeouts, Failed, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct VpcIpv4CidrBlockAssociation;

/// An association as DescribeVpcs describes it, with its VPC.
struct Described {
    vpc: String,
    association: VpcCidrBlockAssociation,
}

type AssociationTable = Table<Described, ()>;

static TABLE: LazyLock<AssociationTable> = LazyLock::new(|| {
    AssociationTable::new(|| {
        Some(Described {
            vpc: String::new(),
            association: VpcCidrBlockAssociation::builder().build(),
        })
    })
    .attr("id", comp(STR))
    .read(|d, _| val::str_or_empty(d.association.association_id()))
    .attr("vpc_id", req(STR).force_new())
    .read(|d, _| Value::string(&d.vpc))
    .attr("cidr_block", opt_comp(STR).force_new())
    .read(|d, _| val::str_or_empty(d.association.cidr_block()))
    // IPAM allocations: AWS does not say which pool a block came from.
    .attr("ipv4_ipam_pool_id", opt(STR).force_new())
    .attr("ipv4_netmask_length", opt(NUM).force_new())
});

/// The state of an association that still holds its block.
fn live(a: &VpcCidrBlockAssociation) -> bool {
    a.cidr_block_state()
        .and_then(|s| s.state())
        .is_none_or(|s| matches!(s.as_str(), "associated" | "associating"))
}

#[async_trait]
impl AwsResource for VpcIpv4CidrBlockAssociation {
    fn type_name(&self) -> &'static str {
        "aws_vpc_ipv4_cidr_block_association"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 10))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_ipv4_cidr(config, "cidr_block", 16..=28, diags);
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let vpcs = describe_filtered!(
            c,
            describe_vpcs,
            filters,
            "cidr-block-association.association-id",
            &ids(current),
            "DescribeVpcs"
        )?;
        let found: Vec<Described> = vpcs
            .iter()
            .flat_map(|v| {
                v.cidr_block_association_set()
                    .iter()
                    .filter(|a| live(a))
                    .map(|a| Described {
                        vpc: v.vpc_id().unwrap_or_default().to_string(),
                        association: a.clone(),
                    })
            })
            .collect();
        Ok(read_table(&TABLE, c, current, found, |d| {
            d.association.association_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = ec2
            .associate_vpc_cidr_block()
            .set_vpc_id(val::str_attr(planned, "vpc_id").map(str::to_string))
            .set_cidr_block(val::str_attr(planned, "cidr_block").map(str::to_string))
            .set_ipv4_ipam_pool_id(val::str_attr(planned, "ipv4_ipam_pool_id").map(str::to_string))
            .set_ipv4_netmask_length(val::i32_attr(planned, "ipv4_netmask_length"))
            .send()
            .await
            .map_err(err("AssociateVpcCidrBlock"))?;
        let id = out
            .cidr_block_association()
            .and_then(|a| a.association_id())
            .ok_or_else(|| AwsError::Invalid("AssociateVpcCidrBlock returned no ID".into()))?
            .to_string();
        wait_for_state(&ec2, &id, "associated", t)
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let ec2 = c.ec2.get().await;
        ec2.disassociate_vpc_cidr_block()
            .association_id(id)
            .send()
            .await
            .map_err(err("DisassociateVpcCidrBlock"))?;
        wait_for_state(&ec2, id, "disassociated", t).await
    }

    /// `ID`, `ID,IPAM_POOL` or `ID,IPAM_POOL,NETMASK_LENGTH`, as in Terraform.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let parts: Vec<&str> = id.split(',').collect();
        stub.set("id", Value::string(parts[0]));
        if let Some(pool) = parts.get(1) {
            stub.set("ipv4_ipam_pool_id", Value::string(*pool));
        }
        if let Some(len) = parts.get(2) {
            let n: u8 = len
                .parse()
                .map_err(|_| format!("{id:?}: {len:?} is not a netmask length"))?;
            stub.set("ipv4_netmask_length", val::num(n));
        }
        if parts.len() > 3 {
            return Err(format!(
                "{id:?}: expected ID[,IPAM_POOL_ID[,NETMASK_LENGTH]]"
            ));
        }
        Ok(())
    }
}

/// Waits until association `id` is in `wanted` ("associated", "disassociated"); an
/// association no longer listed counts as disassociated.
async fn wait_for_state(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    wanted: &str,
    t: Timeout,
) -> Result<(), AwsError> {
    wait_state("VPC CIDR block association", wanted, t, || async {
        let out = ec2
            .describe_vpcs()
            .filters(filter("cidr-block-association.association-id", [id]))
            .send()
            .await
            .map_err(err("DescribeVpcs"))?;
        let state = out
            .vpcs()
            .iter()
            .flat_map(|v| v.cidr_block_association_set())
            .find(|a| a.association_id() == Some(id))
            .and_then(|a| a.cidr_block_state())
            .and_then(|s| s.state())
            .map(|s| s.as_str().to_string());
        Ok(state.or_else(|| (wanted == "disassociated").then(|| wanted.to_string())))
    })
    .await
}
