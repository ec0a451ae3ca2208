//! `aws_vpc_dhcp_options` (every option replaces the set; tags update) and
//! `aws_vpc_dhcp_options_association` (which VPC uses which set; a VPC is never without
//! one, so removing an association gives the VPC the `default` set again).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_dhcp_options::builders::CreateDhcpOptionsFluentBuilder;
use aws_sdk_ec2::types::{DhcpOptions, NewDhcpConfiguration, Vpc};
use terrane_engine::lang::Value;

use super::{attr_values, identity, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    tags_value, while_dependent, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, Normalise, ResourceTable, Table};
use crate::val::{self, Obj};

/// The options set AWS gives a VPC that has no other.
const DEFAULT_SET: &str = "default";

pub struct DhcpOptionsRes;

type OptionsTable = Table<DhcpOptions, CreateDhcpOptionsFluentBuilder>;

/// The values AWS holds for option `key` (`domain-name-servers`).
fn option<'a>(d: &'a DhcpOptions, key: &str) -> Vec<&'a str> {
    d.dhcp_configurations()
        .iter()
        .filter(|c| c.key() == Some(key))
        .flat_map(|c| c.values())
        .filter_map(|v| v.value())
        .collect()
}

/// Adds option `key` to the create request when the argument has values.
fn with_option(
    b: CreateDhcpOptionsFluentBuilder,
    key: &str,
    values: Option<Vec<String>>,
) -> CreateDhcpOptionsFluentBuilder {
    match values {
        Some(v) if !v.is_empty() => b.dhcp_configurations(
            NewDhcpConfiguration::builder()
                .key(key)
                .set_values(Some(v))
                .build(),
        ),
        _ => b,
    }
}

fn one(v: Arg) -> Option<Vec<String>> {
    v.str().map(|s| vec![s])
}

static TABLE: LazyLock<OptionsTable> = LazyLock::new(|| {
    identity(OptionsTable::new(|| Some(DhcpOptions::builder().build())))
        .tags_all(|d| tags_value(d.tags()))
        .attr("domain_name", opt(STR).force_new())
        .read(|d, _| val::str_or_empty(option(d, "domain-name").first().copied()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| with_option(b, "domain-name", one(v)))
        .attr("domain_name_servers", opt(list_of(STR)).force_new())
        .read(|d, _| val::str_list(option(d, "domain-name-servers")))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| with_option(b, "domain-name-servers", v.strings()))
        .attr("ipv6_address_preferred_lease_time", opt(STR).force_new())
        .read(|d, _| {
            val::str_or_empty(
                option(d, "ipv6-address-preferred-lease-time")
                    .first()
                    .copied(),
            )
        })
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| with_option(b, "ipv6-address-preferred-lease-time", one(v)))
        .attr("netbios_name_servers", opt(list_of(STR)).force_new())
        .read(|d, _| val::str_list(option(d, "netbios-name-servers")))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| with_option(b, "netbios-name-servers", v.strings()))
        .attr("netbios_node_type", opt(STR).force_new())
        .read(|d, _| val::str_or_empty(option(d, "netbios-node-type").first().copied()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| with_option(b, "netbios-node-type", one(v)))
        .attr("ntp_servers", opt(list_of(STR)).force_new())
        .read(|d, _| val::str_list(option(d, "ntp-servers")))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| with_option(b, "ntp-servers", v.strings()))
});

#[async_trait]
impl AwsResource for DhcpOptionsRes {
    fn type_name(&self) -> &'static str {
        "aws_vpc_dhcp_options"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_filtered!(
            c,
            describe_dhcp_options,
            filters,
            "dhcp-options-id",
            &ids(current),
            "DescribeDhcpOptions"
        )?;
        Ok(read_table(&TABLE, c, current, found, |d| {
            d.dhcp_options_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = TABLE
            .create_request(ec2.create_dhcp_options(), planned)
            .send()
            .await
            .map_err(err("CreateDhcpOptions"))?;
        let id = out
            .dhcp_options()
            .and_then(|d| d.dhcp_options_id())
            .ok_or_else(|| AwsError::Invalid("CreateDhcpOptions returned no ID".into()))?
            .to_string();
        // Tagged by CreateTags rather than TagSpecifications, which not every EC2
        // endpoint honours on this call (moto drops them).
        tags::adopt(c, &id, &[], planned)
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    /// VPCs still using the set get the default set first.
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let users = describe_filtered!(
            c,
            describe_vpcs,
            filters,
            "dhcp-options-id",
            &[id.to_string()],
            "DescribeVpcs"
        )?;
        for vpc in users.iter().filter_map(|v| v.vpc_id()) {
            associate(c, vpc, DEFAULT_SET).await?;
        }
        let ec2 = c.ec2.get().await;
        while_dependent("DHCP options set", t, || async {
            ec2.delete_dhcp_options()
                .dhcp_options_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteDhcpOptions"))
        })
        .await
    }
}

async fn associate(c: &Clients, vpc: &str, set: &str) -> Result<(), AwsError> {
    c.ec2
        .get()
        .await
        .associate_dhcp_options()
        .vpc_id(vpc)
        .dhcp_options_id(set)
        .send()
        .await
        .map_err(err("AssociateDhcpOptions"))?;
    Ok(())
}

pub struct DhcpOptionsAssociation;

type AssociationTable = Table<Vpc, ()>;

static ASSOCIATION: LazyLock<AssociationTable> = LazyLock::new(|| {
    AssociationTable::new(|| Some(Vpc::builder().build()))
        // Terraform's ID: the set's ID, a dash, the VPC's ID.
        .attr("id", comp(STR))
        .read(|v, _| {
            let set = v.dhcp_options_id().unwrap_or_default();
            Value::string(format!("{set}-{}", v.vpc_id().unwrap_or_default()))
        })
        .attr("vpc_id", req(STR).force_new())
        .read(|v, _| val::str_or_empty(v.vpc_id()))
        .attr("dhcp_options_id", req(STR))
        .read(|v, _| val::str_or_empty(v.dhcp_options_id()))
        // AssociateDhcpOptions with the new set.
        .updated_by_hand()
});

#[async_trait]
impl AwsResource for DhcpOptionsAssociation {
    fn type_name(&self) -> &'static str {
        "aws_vpc_dhcp_options_association"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*ASSOCIATION)
    }

    /// The ID names the set: a new set gives a new ID.
    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if prior.is_some_and(|p| val::changed(p, planned, "dhcp_options_id")) {
            val::set_attr(planned, "id", Value::Unknown);
        }
        PlanExtra::default()
    }

    /// The VPCs, one filtered call for all. An association whose VPC now uses another
    /// set is gone (the Terraform provider's reading): the plan associates it again.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let vpcs = describe_filtered!(
            c,
            describe_vpcs,
            filters,
            "vpc-id",
            &attr_values(current, "vpc_id"),
            "DescribeVpcs"
        )?;
        Ok(current
            .iter()
            .map(|cur| {
                let vpc = vpcs
                    .iter()
                    .find(|v| v.vpc_id() == val::str_attr(cur, "vpc_id"))?;
                let want = val::str_attr(cur, "dhcp_options_id");
                if want.is_some_and(|w| Some(w) != vpc.dhcp_options_id()) {
                    return None;
                }
                Some(ASSOCIATION.read_value(vpc, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let vpc = val::str_attr(planned, "vpc_id").unwrap_or_default();
        let set = val::str_attr(planned, "dhcp_options_id").unwrap_or_default();
        associate(c, vpc, set).await?;
        Ok(format!("{set}-{vpc}"))
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let vpc = val::str_attr(prior, "vpc_id").unwrap_or_default();
        let set = val::str_attr(planned, "dhcp_options_id").unwrap_or_default();
        if ASSOCIATION.changed(prior, planned, "dhcp_options_id") {
            associate(c, vpc, set).await?;
        }
        Ok(Some(format!("{set}-{vpc}")))
    }

    /// The VPC goes back to the default set (there is no call to leave a VPC without
    /// one); a VPC already gone is no error.
    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let vpc = val::str_attr(prior, "vpc_id").unwrap_or_default();
        if val::str_attr(prior, "dhcp_options_id") == Some(DEFAULT_SET) {
            return Ok(());
        }
        match associate(c, vpc, DEFAULT_SET).await {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    /// Imported by the VPC's ID, as in Terraform.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("vpc_id", Value::string(id));
        Ok(())
    }
}
