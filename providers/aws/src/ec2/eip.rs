//! `aws_eip`. Allocation arguments replace; the association (instance or network
//! interface, and the private address) updates in place by disassociating and
//! associating again.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::allocate_address::builders::AllocateAddressFluentBuilder;
use aws_sdk_ec2::types::{Address, DomainType, ResourceType};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{describe_chunks, filter, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct Eip;

type EipTable = Table<Address, AllocateAddressFluentBuilder>;

static TABLE: LazyLock<EipTable> = LazyLock::new(|| {
    EipTable::new(|| Some(Address::builder().build()))
        .tags_all(|a| tags_value(a.tags()))
        .attr("id", comp(STR))
        .read(|a, _| val::opt_str(a.allocation_id()))
        .attr("allocation_id", comp(STR))
        .read(|a, _| val::opt_str(a.allocation_id()))
        .attr("association_id", comp(STR))
        .read(|a, _| val::str_or_empty(a.association_id()))
        .attr("domain", opt_comp(STR).force_new())
        .read(|a, _| val::opt_str(a.domain().map(DomainType::as_str)))
        .create(|b, v| b.domain(DomainType::from(v.str().as_deref().unwrap_or("vpc"))))
        .attr("address", opt(STR).force_new())
        .create(|b, v| b.set_address(v.str()))
        // The association: disassociate and associate again (after the create too).
        .attr("associate_with_private_ip", opt(STR))
        .updated_by_hand()
        .attr("instance", opt_comp(STR))
        .read(|a, _| val::str_or_empty(a.instance_id()))
        .updated_by_hand()
        .attr("network_interface", opt_comp(STR))
        .read(|a, _| val::str_or_empty(a.network_interface_id()))
        .updated_by_hand()
        .attr("network_border_group", opt_comp(STR).force_new())
        .read(|a, _| val::str_or_empty(a.network_border_group()))
        .create(|b, v| b.set_network_border_group(v.str()))
        .attr("public_ipv4_pool", opt_comp(STR).force_new())
        .read(|a, _| val::str_or_empty(a.public_ipv4_pool()))
        .create(|b, v| b.set_public_ipv4_pool(v.str()))
        .attr("customer_owned_ipv4_pool", opt(STR).force_new())
        .create(|b, v| b.set_customer_owned_ipv4_pool(v.str()))
        .attr("customer_owned_ip", comp(STR))
        .read(|a, _| val::str_or_empty(a.customer_owned_ip()))
        .attr("carrier_ip", comp(STR))
        .read(|a, _| val::str_or_empty(a.carrier_ip()))
        .attr("public_ip", comp(STR))
        .read(|a, _| val::str_or_empty(a.public_ip()))
        .attr("public_dns", comp(STR))
        .read(|a, cx| Value::string(dns_name(cx.region, a.public_ip().unwrap_or_default(), true)))
        .attr("private_ip", comp(STR))
        .read(|a, _| val::str_or_empty(a.private_ip_address()))
        .attr("private_dns", comp(STR))
        .read(|a, cx| {
            Value::string(dns_name(
                cx.region,
                a.private_ip_address().unwrap_or_default(),
                false,
            ))
        })
        // Set by ModifyAddressAttribute, which terrane does not call: always empty.
        .attr("ptr_record", comp(STR))
        .read(|_, _| Value::string(""))
});

/// The arguments whose change re-associates the address.
const ASSOCIATION: &[&str] = &["instance", "network_interface", "associate_with_private_ip"];

fn association_changed(prior: &Value, planned: &Value) -> bool {
    ASSOCIATION.iter().any(|k| TABLE.changed(prior, planned, k))
}

/// Attributes that follow the association and are unknown when it changes.
const ASSOCIATED: &[&str] = &["association_id", "private_ip", "private_dns"];

#[async_trait]
impl AwsResource for Eip {
    fn type_name(&self) -> &'static str {
        "aws_eip"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(15, 5, 3))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "domain", &["vpc", "standard"], diags);
    }

    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if let Some(p) = prior {
            if association_changed(p, planned) {
                for k in ASSOCIATED {
                    val::set_attr(planned, k, Value::Unknown);
                }
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let ids = ids(current);
        if ids.is_empty() {
            return Ok(vec![None; current.len()]);
        }
        let ec2 = c.ec2.get().await;
        // DescribeAddresses has no pagination: one call per chunk of filter values.
        let found = describe_chunks(&ids, |chunk| {
            let ec2 = &ec2;
            async move {
                ec2.describe_addresses()
                    .filters(filter("allocation-id", chunk))
                    .send()
                    .await
                    .map(|out| out.addresses().to_vec())
                    .map_err(err("DescribeAddresses"))
            }
        })
        .await?;
        Ok(read_table(&TABLE, c, current, found, |a| a.allocation_id()))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.ec2.get().await.allocate_address(), planned)
            .set_tag_specifications(tags::spec(ResourceType::ElasticIp, planned).map(|s| vec![s]))
            .send()
            .await
            .map_err(err("AllocateAddress"))?;
        let id = out
            .allocation_id()
            .ok_or_else(|| AwsError::Invalid("AllocateAddress returned no allocation ID".into()))?
            .to_string();
        associate(c, &id, planned, t)
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if association_changed(prior, planned) {
            disassociate(c, prior).await?;
            associate(
                c,
                val::str_attr(prior, "id").unwrap_or_default(),
                planned,
                t,
            )
            .await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        disassociate(c, prior).await?;
        c.ec2
            .get()
            .await
            .release_address()
            .set_allocation_id(val::str_attr(prior, "id").map(str::to_string))
            .send()
            .await
            .map_err(err("ReleaseAddress"))?;
        Ok(())
    }
}

/// Terraform's derived DNS names: `ec2-1-2-3-4.compute-1.amazonaws.com` in us-east-1.
fn dns_name(region: &str, ip: &str, public: bool) -> String {
    if ip.is_empty() {
        return String::new();
    }
    let dashed = ip.replace('.', "-");
    match (public, region) {
        (true, "us-east-1") => format!("ec2-{dashed}.compute-1.amazonaws.com"),
        (true, r) => format!("ec2-{dashed}.{r}.compute.amazonaws.com"),
        (false, "us-east-1") => format!("ip-{dashed}.ec2.internal"),
        (false, r) => format!("ip-{dashed}.{r}.compute.internal"),
    }
}

async fn associate(c: &Clients, id: &str, planned: &Value, _t: Timeout) -> Result<(), AwsError> {
    let instance = val::str_attr(planned, "instance");
    let eni = val::str_attr(planned, "network_interface");
    if instance.is_none() && eni.is_none() {
        return Ok(());
    }
    c.ec2
        .get()
        .await
        .associate_address()
        .allocation_id(id)
        .set_instance_id(instance.map(str::to_string))
        .set_network_interface_id(eni.map(str::to_string))
        .set_private_ip_address(
            val::str_attr(planned, "associate_with_private_ip").map(str::to_string),
        )
        .send()
        .await
        .map_err(err("AssociateAddress"))?;
    Ok(())
}

async fn disassociate(c: &Clients, prior: &Value) -> Result<(), AwsError> {
    let Some(assoc) = val::str_attr(prior, "association_id") else {
        return Ok(());
    };
    let res = c
        .ec2
        .get()
        .await
        .disassociate_address()
        .association_id(assoc)
        .send()
        .await
        .map_err(err("DisassociateAddress"));
    match res {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}
