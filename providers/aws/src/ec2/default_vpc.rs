//! `aws_default_vpc`: adopts the region's default VPC (creating one when the region has
//! none) and manages its DNS settings and tags. Destroy forgets it, as the Terraform
//! provider does, unless `force_destroy` is set.

use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex};

use async_trait::async_trait;
use aws_sdk_ec2::types::Tenancy;
use terrane_engine::lang::Value;

use super::vpc::{common_rows, delete_vpc, modify_attributes, read_vpcs, VpcTable};
use super::{filter, flag, tags, wait_state};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{AwsResource, Failed, Tagging, Timeout};
use crate::schema::*;
use crate::table::ResourceTable;
use crate::val::{self, Obj};

pub struct DefaultVpc;

static TABLE: LazyLock<VpcTable> = LazyLock::new(|| {
    common_rows()
        // The default VPC's block and tenancy are AWS's.
        .attr("cidr_block", comp(STR))
        .read(|d, _| val::opt_str(d.vpc.cidr_block()))
        .attr("instance_tenancy", comp(STR))
        .read(|d, _| val::opt_str(d.vpc.instance_tenancy().map(Tenancy::as_str)))
        // On in a default VPC.
        .attr("enable_dns_hostnames", opt_default(BOOL, Value::Bool(true)))
        .read(|d, _| Value::Bool(d.flags[0]))
        .update(|b, v| b.enable_dns_hostnames(flag(v)))
        // Set by the create that adopted the VPC (true) or made it (false); null after
        // an import, as in Terraform.
        .attr("existing_default_vpc", comp(BOOL))
        .read(|d, cx| match cx.current.get_attr("existing_default_vpc") {
            Some(Value::Unknown) => Value::Bool(!d.created_here),
            Some(known) => known.clone(),
            None => Value::Null,
        })
        .attr("force_destroy", opt_default(BOOL, Value::Bool(false)))
        // Only read by destroy: changing it calls nothing.
        .updated_by_hand()
});

/// Default VPCs this process created with CreateDefaultVpc: the read right after the
/// create tells `existing_default_vpc` by it (the create returns only the ID, and AWS
/// does not remember who made a default VPC).
static CREATED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

pub(super) fn created_here(id: &str) -> bool {
    CREATED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(id)
}

/// The region's default VPC, if it has one.
async fn find_default(c: &Clients) -> Result<Option<aws_sdk_ec2::types::Vpc>, AwsError> {
    let out = c
        .ec2
        .get()
        .await
        .describe_vpcs()
        .filters(filter("is-default", ["true"]))
        .send()
        .await
        .map_err(err("DescribeVpcs"))?;
    Ok(out.vpcs().first().cloned())
}

#[async_trait]
impl AwsResource for DefaultVpc {
    fn type_name(&self) -> &'static str {
        "aws_default_vpc"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        read_vpcs(&TABLE, c, current).await
    }

    /// Adopts the default VPC, or creates one; then brings its DNS settings and tags to
    /// the configuration.
    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let (vpc, created) = match find_default(c).await? {
            Some(vpc) => (vpc, false),
            None => {
                let out = c
                    .ec2
                    .get()
                    .await
                    .create_default_vpc()
                    .send()
                    .await
                    .map_err(err("CreateDefaultVpc"))?;
                let vpc = out
                    .vpc()
                    .cloned()
                    .ok_or_else(|| AwsError::Invalid("CreateDefaultVpc returned no VPC".into()))?;
                (vpc, true)
            }
        };
        let id = vpc.vpc_id().unwrap_or_default().to_string();
        if created {
            CREATED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(id.clone());
            wait_state("default VPC", "available", t, || async {
                Ok(find_default(c)
                    .await?
                    .and_then(|v| v.state().map(|s| s.as_str().to_string())))
            })
            .await
            .map_err(|e| e.after_create(&id))?;
        }
        let mut stub = Obj::from(&Value::Null);
        stub.set("id", Value::string(&id));
        let before = read_vpcs(&TABLE, c, &[stub.done()])
            .await
            .map_err(|e| e.after_create(&id))?
            .pop()
            .flatten()
            .unwrap_or_default();
        modify_attributes(&TABLE, c, &id, &before, planned)
            .await
            .map_err(|e| e.after_create(&id))?;
        tags::adopt(c, &id, vpc.tags(), planned)
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    /// DNS settings through ModifyVpcAttribute; `force_destroy` needs no call.
    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        modify_attributes(&TABLE, c, id, prior, planned).await?;
        Ok(None)
    }

    /// Forgotten, unless `force_destroy` is set.
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        if val::bool_attr(prior, "force_destroy") != Some(true) {
            return Ok(());
        }
        delete_vpc(c, val::str_attr(prior, "id").unwrap_or_default(), t).await
    }
}
