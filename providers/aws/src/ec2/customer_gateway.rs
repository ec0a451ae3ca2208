//! `aws_customer_gateway`: the on-premises end of a site-to-site VPN, as AWS knows it.
//! Every argument replaces; only tags update.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_customer_gateway::builders::CreateCustomerGatewayFluentBuilder;
use aws_sdk_ec2::types::{CustomerGateway, GatewayType, ResourceType};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{id_and_arn, ids, read_table, tags, wait_state, InAccount};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{check_enum, invalid, tags_value, AwsResource, Failed, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct CustomerGatewayRes;

type GatewayTable = Table<InAccount<CustomerGateway>, CreateCustomerGatewayFluentBuilder>;

static TABLE: LazyLock<GatewayTable> = LazyLock::new(|| {
    id_and_arn(GatewayTable::new(|| {
        InAccount::sample(CustomerGateway::builder().build())
    }))
    .tags_all(|g| tags_value(g.item.tags()))
    // ASNs are strings in Terraform's schema: 4-byte ASNs do not fit its integers.
    .attr("bgp_asn", opt(STR).force_new())
    .read(|g, _| val::opt_str(g.item.bgp_asn()))
    .create(|b, v| b.set_bgp_asn(v.parsed()))
    .attr("bgp_asn_extended", opt(STR).force_new())
    .read(|g, _| val::opt_str(g.item.bgp_asn_extended()))
    .create(|b, v| b.set_bgp_asn_extended(v.parsed()))
    .attr("certificate_arn", opt(STR).force_new())
    .read(|g, _| val::opt_str(g.item.certificate_arn()))
    .create(|b, v| b.set_certificate_arn(v.str()))
    .attr("device_name", opt(STR).force_new())
    .read(|g, _| val::opt_str(g.item.device_name()))
    .create(|b, v| b.set_device_name(v.str()))
    .attr("ip_address", opt(STR).force_new())
    .read(|g, _| val::opt_str(g.item.ip_address()))
    .create(|b, v| b.set_ip_address(v.str()))
    .attr("type", req(STR).force_new())
    .read(|g, _| val::opt_str(g.item.r#type()))
    .create(|b, v| b.set_type(v.str().map(|t| GatewayType::from(t.as_str()))))
});

/// A deleted gateway stays visible for a while in state `deleted`.
fn exists(g: &CustomerGateway) -> bool {
    g.state() != Some("deleted")
}

/// An autonomous system number as the Terraform provider accepts it: 1 to 4294967294.
pub fn check_asn(v: &Value, attr: &str, diags: &mut Diagnostics) {
    if let Some(s) = val::str_attr(v, attr) {
        if !s
            .parse::<u64>()
            .is_ok_and(|n| (1..=4_294_967_294).contains(&n))
        {
            invalid(
                diags,
                attr,
                format!("{attr} must be an ASN between 1 and 4294967294, got {s:?}."),
            );
        }
    }
}

async fn describe(c: &Clients, ids: &[String]) -> Result<Vec<CustomerGateway>, AwsError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = c
        .ec2
        .get()
        .await
        .describe_customer_gateways()
        .filters(super::filter("customer-gateway-id", ids.iter().cloned()))
        .send()
        .await
        .map_err(err("DescribeCustomerGateways"))?;
    Ok(out
        .customer_gateways()
        .iter()
        .filter(|g| exists(g))
        .cloned()
        .collect())
}

#[async_trait]
impl AwsResource for CustomerGatewayRes {
    fn type_name(&self) -> &'static str {
        "aws_customer_gateway"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "type", &["ipsec.1"], diags);
        check_asn(config, "bgp_asn", diags);
        check_asn(config, "bgp_asn_extended", diags);
        if val::str_attr(config, "bgp_asn").is_some()
            && val::str_attr(config, "bgp_asn_extended").is_some()
        {
            invalid(
                diags,
                "bgp_asn_extended",
                "\"bgp_asn_extended\": conflicts with bgp_asn".into(),
            );
        }
    }

    /// One filtered call per 200 gateways (DescribeCustomerGateways does not page).
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut found = Vec::new();
        for chunk in ids(current).chunks(200) {
            found.extend(describe(c, chunk).await?);
        }
        let found = InAccount::all(c, found).await?;
        Ok(read_table(&TABLE, c, current, found, |g| {
            g.item.customer_gateway_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = TABLE
            .create_request(ec2.create_customer_gateway(), planned)
            .set_tag_specifications(
                tags::spec(ResourceType::CustomerGateway, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(err("CreateCustomerGateway"))?;
        drop(ec2);
        let id = out
            .customer_gateway()
            .and_then(|g| g.customer_gateway_id())
            .ok_or_else(|| AwsError::Invalid("CreateCustomerGateway returned no ID".into()))?
            .to_string();
        wait_state("customer gateway", "available", t, || async {
            let found = describe(c, std::slice::from_ref(&id)).await?;
            Ok(found.first().and_then(|g| g.state()).map(str::to_string))
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .ec2
            .get()
            .await
            .delete_customer_gateway()
            .customer_gateway_id(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteCustomerGateway"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }
}
