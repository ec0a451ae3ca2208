//! `aws_egress_only_internet_gateway`: IPv6 egress for a VPC. The VPC replaces it; only
//! its tags update.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_egress_only_internet_gateway::builders::CreateEgressOnlyInternetGatewayFluentBuilder;
use aws_sdk_ec2::types::{EgressOnlyInternetGateway, ResourceType};
use terrane_engine::lang::Value;

use super::{describe_by_ids, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{tags_value, AwsResource, Failed, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct EgressOnlyInternetGatewayRes;

type GatewayTable = Table<EgressOnlyInternetGateway, CreateEgressOnlyInternetGatewayFluentBuilder>;

static TABLE: LazyLock<GatewayTable> = LazyLock::new(|| {
    GatewayTable::new(|| Some(EgressOnlyInternetGateway::builder().build()))
        .tags_all(|g| tags_value(g.tags()))
        .attr("id", comp(STR))
        .read(|g, _| val::str_or_empty(g.egress_only_internet_gateway_id()))
        .attr("vpc_id", req(STR).force_new())
        .read(|g, _| val::opt_str(g.attachments().first().and_then(|a| a.vpc_id())))
        .create(|b, v| b.set_vpc_id(v.str()))
});

#[async_trait]
impl AwsResource for EgressOnlyInternetGatewayRes {
    fn type_name(&self) -> &'static str {
        "aws_egress_only_internet_gateway"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    /// By ID: the API has no ID filter.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let ec2 = c.ec2.get().await;
        let found = describe_by_ids(&ids(current), |ids| {
            let ec2 = &ec2;
            async move {
                ec2.describe_egress_only_internet_gateways()
                    .set_egress_only_internet_gateway_ids(Some(ids))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(err("DescribeEgressOnlyInternetGateways"))
            }
        })
        .await?;
        Ok(read_table(&TABLE, c, current, found, |g| {
            g.egress_only_internet_gateway_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = TABLE
            .create_request(ec2.create_egress_only_internet_gateway(), planned)
            .set_tag_specifications(
                tags::spec(ResourceType::EgressOnlyInternetGateway, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(err("CreateEgressOnlyInternetGateway"))?;
        Ok(out
            .egress_only_internet_gateway()
            .and_then(|g| g.egress_only_internet_gateway_id())
            .ok_or_else(|| {
                AwsError::Invalid("CreateEgressOnlyInternetGateway returned no ID".into())
            })?
            .to_string())
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        c.ec2
            .get()
            .await
            .delete_egress_only_internet_gateway()
            .egress_only_internet_gateway_id(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteEgressOnlyInternetGateway"))?;
        Ok(())
    }
}
