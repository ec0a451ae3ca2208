//! `aws_eip`. Allocation arguments replace; the instance or network interface it is
//! associated with updates in place.

use async_trait::async_trait;
use aws_sdk_ec2::types::{DomainType, ResourceType};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{describe_chunks, filter, ids, match_ids, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct Eip;

/// Attributes that follow the association and are unknown when it changes.
const ASSOCIATED: &[&str] = &["association_id", "private_ip", "private_dns"];

#[async_trait]
impl AwsResource for Eip {
    fn type_name(&self) -> &'static str {
        "aws_eip"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("allocation_id", comp(STR))
            .attr("association_id", comp(STR))
            .attr("domain", opt_comp(STR).force_new())
            .attr("address", opt(STR).force_new())
            .attr("associate_with_private_ip", opt(STR))
            .attr("instance", opt_comp(STR))
            .attr("network_interface", opt_comp(STR))
            .attr("network_border_group", opt_comp(STR).force_new())
            .attr("public_ipv4_pool", opt_comp(STR).force_new())
            .attr("customer_owned_ipv4_pool", opt(STR).force_new())
            .attr("customer_owned_ip", comp(STR))
            .attr("carrier_ip", comp(STR))
            .attr("public_ip", comp(STR))
            .attr("public_dns", comp(STR))
            .attr("private_ip", comp(STR))
            .attr("private_dns", comp(STR))
            .attr("ptr_record", comp(STR))
            .build()
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
            if val::changed(p, planned, "instance") || val::changed(p, planned, "network_interface")
            {
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
        Ok(match_ids(
            current,
            found,
            |a| a.allocation_id(),
            |cur, a| {
                let public = a.public_ip().unwrap_or_default();
                let private = a.private_ip_address().unwrap_or_default();
                let mut o = Obj::from(cur);
                o.set("id", val::opt_str(a.allocation_id()))
                    .set("allocation_id", val::opt_str(a.allocation_id()))
                    .set("association_id", val::str_or_empty(a.association_id()))
                    .set("domain", val::opt_str(a.domain().map(DomainType::as_str)))
                    .set("instance", val::str_or_empty(a.instance_id()))
                    .set(
                        "network_interface",
                        val::str_or_empty(a.network_interface_id()),
                    )
                    .set(
                        "network_border_group",
                        val::str_or_empty(a.network_border_group()),
                    )
                    .set("public_ipv4_pool", val::str_or_empty(a.public_ipv4_pool()))
                    .set(
                        "customer_owned_ip",
                        val::str_or_empty(a.customer_owned_ip()),
                    )
                    .set("carrier_ip", val::str_or_empty(a.carrier_ip()))
                    .set("public_ip", Value::string(public))
                    .set("private_ip", Value::string(private))
                    .set(
                        "public_dns",
                        Value::string(dns_name(&c.region, public, true)),
                    )
                    .set(
                        "private_dns",
                        Value::string(dns_name(&c.region, private, false)),
                    )
                    .set("ptr_record", Value::string(""))
                    .set("tags_all", tags_value(a.tags()));
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let s = |k| val::str_attr(planned, k).map(str::to_string);
        let out = c
            .ec2
            .get()
            .await
            .allocate_address()
            .domain(DomainType::from(
                val::str_attr(planned, "domain").unwrap_or("vpc"),
            ))
            .set_address(s("address"))
            .set_public_ipv4_pool(s("public_ipv4_pool"))
            .set_network_border_group(s("network_border_group"))
            .set_customer_owned_ipv4_pool(s("customer_owned_ipv4_pool"))
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
        if val::changed(prior, planned, "instance")
            || val::changed(prior, planned, "network_interface")
        {
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
