//! `aws_vpn_gateway` (the AWS end of a site-to-site VPN; its VPC attachment changes in
//! place, everything else replaces) and `aws_vpn_gateway_attachment` (attaches a gateway
//! managed elsewhere to a VPC).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_vpn_gateway::builders::CreateVpnGatewayFluentBuilder;
use aws_sdk_ec2::types::{AttachmentStatus, GatewayType, ResourceType, VpnGateway, VpnState};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::customer_gateway::check_asn;
use super::route::crc32;
use super::{
    attr_values, filter, id_and_arn, ids, import_pair, read_pairs, read_table, tags, wait_state,
    InAccount, Pair,
};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{retry_while_code, tags_value, AwsResource, Failed, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct VpnGatewayRes;

type GatewayTable = Table<InAccount<VpnGateway>, CreateVpnGatewayFluentBuilder>;

/// The VPC the gateway is attached to (attachments being detached, or detached, do not
/// count).
fn attached_vpc(g: &VpnGateway) -> Option<&str> {
    g.vpc_attachments()
        .iter()
        .find(|a| a.state() == Some(&AttachmentStatus::Attached))
        .and_then(|a| a.vpc_id())
}

static TABLE: LazyLock<GatewayTable> = LazyLock::new(|| {
    id_and_arn(GatewayTable::new(|| {
        InAccount::sample(VpnGateway::builder().build())
    }))
    .tags_all(|g| tags_value(g.item.tags()))
    .attr("amazon_side_asn", opt_comp(STR).force_new())
    .read(|g, _| match g.item.amazon_side_asn() {
        Some(n) => Value::string(n.to_string()),
        None => Value::Null,
    })
    .create(|b, v| b.set_amazon_side_asn(v.parsed()))
    // Kept as configured when AWS reports none (gateways not in a zone).
    .attr("availability_zone", opt(STR).force_new())
    .read(|g, cx| match g.item.availability_zone() {
        Some(z) if !z.is_empty() => Value::string(z),
        _ => cx
            .current
            .get_attr("availability_zone")
            .cloned()
            .unwrap_or_default(),
    })
    .create(|b, v| b.set_availability_zone(v.str()))
    .attr("vpc_id", opt_comp(STR))
    .read(|g, _| val::opt_str(attached_vpc(&g.item)))
    // Detached from the old VPC and attached to the new one.
    .updated_by_hand()
});

/// Gateways by ID; deleted ones (visible for a while) are left out.
async fn describe(
    c: &Clients,
    filter_name: &str,
    values: &[String],
) -> Result<Vec<VpnGateway>, AwsError> {
    let mut out = Vec::new();
    for chunk in values.chunks(200) {
        let page = c
            .ec2
            .get()
            .await
            .describe_vpn_gateways()
            .filters(filter(filter_name, chunk.iter().cloned()))
            .send()
            .await
            .map_err(err("DescribeVpnGateways"))?;
        out.extend(
            page.vpn_gateways()
                .iter()
                .filter(|g| g.state() != Some(&VpnState::Deleted))
                .cloned(),
        );
    }
    Ok(out)
}

/// The state of the gateway's attachment to `vpc` (`None` when there is none).
async fn attachment_state(
    c: &Clients,
    gateway: &str,
    vpc: &str,
) -> Result<Option<String>, AwsError> {
    let found = describe(c, "vpn-gateway-id", &[gateway.to_string()]).await?;
    Ok(found
        .iter()
        .flat_map(|g| g.vpc_attachments())
        .find(|a| a.vpc_id() == Some(vpc))
        .and_then(|a| a.state())
        .map(|s| s.as_str().to_string()))
}

async fn attach(c: &Clients, gateway: &str, vpc: &str, t: Timeout) -> Result<(), AwsError> {
    c.ec2
        .get()
        .await
        .attach_vpn_gateway()
        .vpn_gateway_id(gateway)
        .vpc_id(vpc)
        .send()
        .await
        .map_err(err("AttachVpnGateway"))?;
    wait_state("VPN gateway attachment", "attached", t, || {
        attachment_state(c, gateway, vpc)
    })
    .await
}

/// Detaches the gateway; an attachment (or gateway) already gone is no error.
async fn detach(c: &Clients, gateway: &str, vpc: &str, t: Timeout) -> Result<(), AwsError> {
    let out = c
        .ec2
        .get()
        .await
        .detach_vpn_gateway()
        .vpn_gateway_id(gateway)
        .vpc_id(vpc)
        .send()
        .await
        .map_err(err("DetachVpnGateway"));
    match out {
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    wait_for_detached(c, gateway, vpc, t).await
}

async fn wait_for_detached(
    c: &Clients,
    gateway: &str,
    vpc: &str,
    t: Timeout,
) -> Result<(), AwsError> {
    wait_state("VPN gateway attachment", "detached", t, || async {
        // No attachment at all is as good as detached.
        Ok(Some(
            attachment_state(c, gateway, vpc)
                .await?
                .unwrap_or_else(|| "detached".into()),
        ))
    })
    .await
}

#[async_trait]
impl AwsResource for VpnGatewayRes {
    fn type_name(&self) -> &'static str {
        "aws_vpn_gateway"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_asn(config, "amazon_side_asn", diags);
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, "vpn-gateway-id", &ids(current)).await?;
        let found = InAccount::all(c, found).await?;
        Ok(read_table(&TABLE, c, current, found, |g| {
            g.item.vpn_gateway_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = TABLE
            .create_request(
                ec2.create_vpn_gateway().r#type(GatewayType::Ipsec1),
                planned,
            )
            .set_tag_specifications(tags::spec(ResourceType::VpnGateway, planned).map(|s| vec![s]))
            .send()
            .await
            .map_err(err("CreateVpnGateway"))?;
        drop(ec2);
        let id = out
            .vpn_gateway()
            .and_then(|g| g.vpn_gateway_id())
            .ok_or_else(|| AwsError::Invalid("CreateVpnGateway returned no ID".into()))?
            .to_string();
        wait_state("VPN gateway", "available", t, || async {
            let found = describe(c, "vpn-gateway-id", std::slice::from_ref(&id)).await?;
            Ok(found
                .first()
                .and_then(|g| g.state())
                .map(|s| s.as_str().to_string()))
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        if let Some(vpc) = val::str_attr(planned, "vpc_id") {
            attach(c, &id, vpc, t)
                .await
                .map_err(|e| e.after_create(&id))?;
        }
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if TABLE.changed(prior, planned, "vpc_id") {
            let id = val::str_attr(prior, "id").unwrap_or_default();
            if let Some(old) = val::str_attr(prior, "vpc_id") {
                detach(c, id, old, t).await?;
            }
            if let Some(new) = val::str_attr(planned, "vpc_id") {
                attach(c, id, new, t).await?;
            }
        }
        Ok(None)
    }

    /// Detached first; AWS answers IncorrectState while the detachment completes.
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        if let Some(vpc) = val::str_attr(prior, "vpc_id") {
            detach(c, id, vpc, t).await?;
        }
        let ec2 = c.ec2.get().await;
        let out = retry_while_code("VPN gateway", "IncorrectState", t, || async {
            ec2.delete_vpn_gateway()
                .vpn_gateway_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteVpnGateway"))
        })
        .await;
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }
}

pub struct VpnGatewayAttachment;

/// The gateway (first) and the VPC it is attached to (second).
type AttachmentTable = Table<Pair, ()>;

const ATTACHED: [&str; 2] = ["vpn_gateway_id", "vpc_id"];

/// Terraform's ID: `vpn-attachment-` and the CRC-32 (hex) of `VPC-GATEWAY`.
fn attachment_id(gateway: &str, vpc: &str) -> String {
    format!(
        "vpn-attachment-{:x}",
        crc32(format!("{vpc}-{gateway}").as_bytes())
    )
}

static ATTACHMENT: LazyLock<AttachmentTable> = LazyLock::new(|| {
    AttachmentTable::new(Pair::sample)
        .attr("id", comp(STR))
        .read(|a, _| Value::string(attachment_id(&a.first, &a.second)))
        .attr("vpc_id", req(STR).force_new())
        .read(|a, _| Value::string(&a.second))
        .attr("vpn_gateway_id", req(STR).force_new())
        .read(|a, _| Value::string(&a.first))
});

#[async_trait]
impl AwsResource for VpnGatewayAttachment {
    fn type_name(&self) -> &'static str {
        "aws_vpn_gateway_attachment"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*ATTACHMENT)
    }

    /// The gateways, one filtered call for all; an attachment exists while its gateway
    /// is attached to its VPC.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let gateways =
            describe(c, "vpn-gateway-id", &attr_values(current, "vpn_gateway_id")).await?;
        Ok(read_pairs(
            &ATTACHMENT,
            c,
            current,
            ATTACHED,
            |gateway, vpc| {
                gateways
                    .iter()
                    .any(|g| g.vpn_gateway_id() == Some(gateway) && attached_vpc(g) == Some(vpc))
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let gateway = val::str_attr(planned, "vpn_gateway_id").unwrap_or_default();
        let vpc = val::str_attr(planned, "vpc_id").unwrap_or_default();
        attach(c, gateway, vpc, t).await?;
        Ok(attachment_id(gateway, vpc))
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let gateway = val::str_attr(prior, "vpn_gateway_id").unwrap_or_default();
        let vpc = val::str_attr(prior, "vpc_id").unwrap_or_default();
        detach(c, gateway, vpc, t).await
    }

    /// The Terraform provider has no importer for attachments.
    fn import_stub(&self, _id: &str, _stub: &mut Obj) -> Result<(), String> {
        Err("resource aws_vpn_gateway_attachment doesn't support import".into())
    }
}

/// `aws_vpn_gateway_route_propagation`: a route table learns the routes of a VPN gateway.
/// (moto has no EnableVgwRoutePropagation, so this type is not tested against it.)
pub struct RoutePropagation;

/// The gateway (first) and the route table propagating its routes (second).
type PropagationTable = Table<Pair, ()>;

const PROPAGATING: [&str; 2] = ["vpn_gateway_id", "route_table_id"];

/// Terraform's ID: `GATEWAY_ROUTETABLE`.
fn propagation_id(gateway: &str, route_table: &str) -> String {
    format!("{gateway}_{route_table}")
}

static PROPAGATION: LazyLock<PropagationTable> = LazyLock::new(|| {
    PropagationTable::new(Pair::sample)
        .attr("id", comp(STR))
        .read(|p, _| Value::string(propagation_id(&p.first, &p.second)))
        .attr("route_table_id", req(STR).force_new())
        .read(|p, _| Value::string(&p.second))
        .attr("vpn_gateway_id", req(STR).force_new())
        .read(|p, _| Value::string(&p.first))
});

#[async_trait]
impl AwsResource for RoutePropagation {
    fn type_name(&self) -> &'static str {
        "aws_vpn_gateway_route_propagation"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*PROPAGATION)
    }

    fn timeouts(&self) -> Option<crate::resource::DefaultTimeouts> {
        Some(crate::resource::DefaultTimeouts::minutes(2, 2, 2))
    }

    /// The route tables, one filtered call for all; a propagation exists while its
    /// table lists the gateway among its propagating gateways.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let tables = describe_filtered!(
            c,
            describe_route_tables,
            filters,
            "route-table-id",
            &attr_values(current, "route_table_id"),
            "DescribeRouteTables"
        )?;
        Ok(read_pairs(
            &PROPAGATION,
            c,
            current,
            PROPAGATING,
            |gateway, table| {
                tables.iter().any(|t| {
                    t.route_table_id() == Some(table)
                        && t.propagating_vgws()
                            .iter()
                            .any(|v| v.gateway_id() == Some(gateway))
                })
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let gateway = val::str_attr(planned, "vpn_gateway_id").unwrap_or_default();
        let route_table = val::str_attr(planned, "route_table_id").unwrap_or_default();
        c.ec2
            .get()
            .await
            .enable_vgw_route_propagation()
            .gateway_id(gateway)
            .route_table_id(route_table)
            .send()
            .await
            .map_err(err("EnableVgwRoutePropagation"))?;
        Ok(propagation_id(gateway, route_table))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .ec2
            .get()
            .await
            .disable_vgw_route_propagation()
            .gateway_id(val::str_attr(prior, "vpn_gateway_id").unwrap_or_default())
            .route_table_id(val::str_attr(prior, "route_table_id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DisableVgwRoutePropagation"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    /// `GATEWAY_ROUTETABLE`.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        import_pair(id, '_', PROPAGATING, stub)
    }
}
