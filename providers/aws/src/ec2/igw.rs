//! `aws_internet_gateway`. Changing `vpc_id` detaches and re-attaches in place.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use terrane_engine::lang::Value;

use super::{identity, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    wait_for, while_dependent, AwsResource, DefaultTimeouts, Failed, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct InternetGateway;

type GatewayTable = Table<aws_sdk_ec2::types::InternetGateway, ()>;

static TABLE: LazyLock<GatewayTable> = LazyLock::new(|| {
    identity(GatewayTable::new(|| {
        Some(aws_sdk_ec2::types::InternetGateway::builder().build())
    }))
    .tags_all(|g| tags_value(g.tags()))
    // Attachment state is not checked: moto reports "available", which the SDK does
    // not know; any attachment listed is to the VPC in question.
    .attr("vpc_id", opt(STR))
    .read(|g, _| val::opt_str(g.attachments().first().and_then(|a| a.vpc_id())))
    // Detach from the old VPC, attach to the new one (after the create too).
    .updated_by_hand()
});

#[async_trait]
impl AwsResource for InternetGateway {
    fn type_name(&self) -> &'static str {
        "aws_internet_gateway"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(20, 20, 20))
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_filtered!(
            c,
            describe_internet_gateways,
            filters,
            "internet-gateway-id",
            &ids(current),
            "DescribeInternetGateways"
        )?;
        Ok(read_table(&TABLE, c, current, found, |g| {
            g.internet_gateway_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let out = c
            .ec2
            .get()
            .await
            .create_internet_gateway()
            .set_tag_specifications(
                tags::spec(ResourceType::InternetGateway, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(err("CreateInternetGateway"))?;
        let id = out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .ok_or_else(|| AwsError::Invalid("CreateInternetGateway returned no ID".into()))?
            .to_string();
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
        let id = val::str_attr(prior, "id").unwrap_or_default();
        if TABLE.changed(prior, planned, "vpc_id") {
            if let Some(old) = val::str_attr(prior, "vpc_id") {
                detach(c, id, old, t).await?;
            }
            if let Some(new) = val::str_attr(planned, "vpc_id") {
                attach(c, id, new, t).await?;
            }
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        if let Some(vpc) = val::str_attr(prior, "vpc_id") {
            detach(c, id, vpc, t).await?;
        }
        let ec2 = c.ec2.get().await;
        while_dependent("internet gateway", t, || async {
            ec2.delete_internet_gateway()
                .internet_gateway_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteInternetGateway"))
        })
        .await
    }
}

async fn attach(c: &Clients, id: &str, vpc: &str, _t: Timeout) -> Result<(), AwsError> {
    c.ec2
        .get()
        .await
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc)
        .send()
        .await
        .map_err(err("AttachInternetGateway"))?;
    Ok(())
}

/// Detaching fails with DependencyViolation while public addresses are still mapped in the
/// VPC (an EIP of a NAT gateway being deleted): retried until the timeout.
async fn detach(c: &Clients, id: &str, vpc: &str, t: Timeout) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    wait_for("internet gateway", "detached", t, || async {
        match ec2
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(err("DetachInternetGateway"))
        {
            Ok(_) => Ok(Ok(())),
            Err(e) if e.code() == Some("DependencyViolation") => Ok(Err(e.to_string())),
            Err(e) if e.code() == Some("Gateway.NotAttached") || e.is_not_found() => Ok(Ok(())),
            Err(e) => Err(e),
        }
    })
    .await
}
