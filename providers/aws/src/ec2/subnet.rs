//! `aws_subnet`. The VPC, CIDR block and zone replace; launch settings and tags update.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, HostnameType, ResourceType};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{bool_keep_null, filter, ids, match_ids, tags, wait_state};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, check_ipv4_cidr, while_dependent, AwsResource, DefaultTimeouts, Failed, Tagging,
    Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct Subnet;

/// Boolean subnet attributes that ModifySubnetAttribute changes one per call.
const BOOLS: &[&str] = &[
    "map_public_ip_on_launch",
    "assign_ipv6_address_on_creation",
    "enable_dns64",
    "enable_resource_name_dns_a_record_on_launch",
    "enable_resource_name_dns_aaaa_record_on_launch",
];

#[async_trait]
impl AwsResource for Subnet {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
    }

    fn schema(&self) -> BlockSchema {
        let mut s = S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("owner_id", comp(STR))
            .attr("vpc_id", req(STR).force_new())
            .attr("cidr_block", opt(STR).force_new())
            .attr("availability_zone", opt_comp(STR).force_new())
            .attr("availability_zone_id", opt_comp(STR).force_new())
            .attr("ipv6_cidr_block", opt_comp(STR))
            .attr("ipv6_cidr_block_association_id", comp(STR))
            .attr(
                "ipv6_native",
                opt_default(BOOL, Value::Bool(false)).force_new(),
            )
            .attr("outpost_arn", opt(STR).force_new())
            .attr("customer_owned_ipv4_pool", opt(STR))
            .attr("map_customer_owned_ip_on_launch", opt(BOOL))
            .attr("private_dns_hostname_type_on_launch", opt_comp(STR));
        for b in BOOLS {
            s = s.attr(b, opt_default(BOOL, Value::Bool(false)));
        }
        s.build()
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 20))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_ipv4_cidr(config, "cidr_block", 16..=28, diags);
        check_enum(
            config,
            "private_dns_hostname_type_on_launch",
            &["ip-name", "resource-name"],
            diags,
        );
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let subnets = describe_filtered!(
            c,
            describe_subnets,
            filters,
            "subnet-id",
            &ids(current),
            "DescribeSubnets"
        )?;
        Ok(match_ids(
            current,
            subnets,
            |s| s.subnet_id(),
            |cur, s| {
                let id = s.subnet_id().unwrap_or_default();
                let owner = s.owner_id().unwrap_or_default();
                let ipv6 = s.ipv6_cidr_block_association_set().first();
                let dns = s.private_dns_name_options_on_launch();
                let mut o = Obj::from(cur);
                o.set("id", Value::string(id))
                    .set(
                        "arn",
                        s.subnet_arn().map_or_else(
                            || Value::string(c.ec2_arn(owner, &format!("subnet/{id}"))),
                            Value::string,
                        ),
                    )
                    .set("owner_id", Value::string(owner))
                    .set("vpc_id", val::opt_str(s.vpc_id()))
                    .set("cidr_block", val::opt_str(s.cidr_block()))
                    .set("availability_zone", val::opt_str(s.availability_zone()))
                    .set(
                        "availability_zone_id",
                        val::opt_str(s.availability_zone_id()),
                    )
                    .set(
                        "ipv6_cidr_block",
                        val::str_or_empty(ipv6.and_then(|a| a.ipv6_cidr_block())),
                    )
                    .set(
                        "ipv6_cidr_block_association_id",
                        val::str_or_empty(ipv6.and_then(|a| a.association_id())),
                    )
                    .set("ipv6_native", Value::Bool(s.ipv6_native().unwrap_or(false)))
                    .set("outpost_arn", val::str_or_empty(s.outpost_arn()))
                    .set(
                        "customer_owned_ipv4_pool",
                        val::str_or_empty(s.customer_owned_ipv4_pool()),
                    )
                    .set(
                        "map_customer_owned_ip_on_launch",
                        bool_keep_null(
                            cur,
                            "map_customer_owned_ip_on_launch",
                            s.map_customer_owned_ip_on_launch(),
                        ),
                    )
                    .set(
                        "map_public_ip_on_launch",
                        Value::Bool(s.map_public_ip_on_launch().unwrap_or(false)),
                    )
                    .set(
                        "assign_ipv6_address_on_creation",
                        Value::Bool(s.assign_ipv6_address_on_creation().unwrap_or(false)),
                    )
                    .set(
                        "enable_dns64",
                        Value::Bool(s.enable_dns64().unwrap_or(false)),
                    )
                    .set(
                        "enable_resource_name_dns_a_record_on_launch",
                        Value::Bool(
                            dns.and_then(|d| d.enable_resource_name_dns_a_record())
                                .unwrap_or(false),
                        ),
                    )
                    .set(
                        "enable_resource_name_dns_aaaa_record_on_launch",
                        Value::Bool(
                            dns.and_then(|d| d.enable_resource_name_dns_aaaa_record())
                                .unwrap_or(false),
                        ),
                    )
                    .set(
                        "private_dns_hostname_type_on_launch",
                        // AWS's default when it does not say.
                        Value::string(
                            dns.and_then(|d| d.hostname_type())
                                .map_or("ip-name", HostnameType::as_str),
                        ),
                    )
                    .set("tags_all", tags::value(s.tags()));
                // "" for unset optional strings that Terraform keeps null when unconfigured.
                for k in ["outpost_arn", "customer_owned_ipv4_pool"] {
                    if o.get(k).and_then(Value::as_str) == Some("")
                        && cur.get_attr(k).is_none_or(Value::is_null)
                    {
                        o.set(k, Value::Null);
                    }
                }
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let s = |k| val::str_attr(planned, k).map(str::to_string);
        let out = ec2
            .create_subnet()
            .set_vpc_id(s("vpc_id"))
            .set_cidr_block(s("cidr_block"))
            .set_availability_zone(s("availability_zone"))
            .set_availability_zone_id(s("availability_zone_id"))
            .set_ipv6_cidr_block(s("ipv6_cidr_block"))
            .set_outpost_arn(s("outpost_arn"))
            .set_ipv6_native(val::bool_attr(planned, "ipv6_native").filter(|b| *b))
            .set_tag_specifications(tags::spec(ResourceType::Subnet, planned).map(|s| vec![s]))
            .send()
            .await
            .map_err(err("CreateSubnet"))?;
        let id = out
            .subnet()
            .and_then(|s| s.subnet_id())
            .ok_or_else(|| AwsError::Invalid("CreateSubnet returned no subnet ID".into()))?
            .to_string();
        wait_state("subnet", "available", t, || async {
            let out = ec2
                .describe_subnets()
                .filters(filter("subnet-id", [id.clone()]))
                .send()
                .await
                .map_err(err("DescribeSubnets"))?;
            Ok(out
                .subnets()
                .first()
                .and_then(|x| x.state())
                .map(|s| s.as_str().to_string()))
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        drop(ec2);
        // A new subnet has every flag off and ip-name hostnames.
        let mut before = Obj::from(&Value::Null);
        for b in BOOLS {
            before.set(b, Value::Bool(false));
        }
        before.set(
            "private_dns_hostname_type_on_launch",
            Value::string("ip-name"),
        );
        modify(c, &id, &before.done(), planned)
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
        modify(
            c,
            val::str_attr(prior, "id").unwrap_or_default(),
            prior,
            planned,
        )
        .await?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let ec2 = c.ec2.get().await;
        // ENIs left by deleted NAT gateways or load balancers keep the subnet busy a while.
        while_dependent("subnet", t, || async {
            ec2.delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteSubnet"))
        })
        .await
    }
}

/// ModifySubnetAttribute takes one attribute per call; only changed ones are sent.
async fn modify(c: &Clients, id: &str, prior: &Value, planned: &Value) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    for name in BOOLS {
        let Some(want) = val::bool_attr(planned, name) else {
            continue;
        };
        if val::bool_attr(prior, name) == Some(want) {
            continue;
        }
        let b = AttributeBooleanValue::builder().value(want).build();
        let req = ec2.modify_subnet_attribute().subnet_id(id);
        let req = match *name {
            "map_public_ip_on_launch" => req.map_public_ip_on_launch(b),
            "assign_ipv6_address_on_creation" => req.assign_ipv6_address_on_creation(b),
            "enable_dns64" => req.enable_dns64(b),
            "enable_resource_name_dns_a_record_on_launch" => {
                req.enable_resource_name_dns_a_record_on_launch(b)
            }
            _ => req.enable_resource_name_dns_aaaa_record_on_launch(b),
        };
        req.send().await.map_err(err("ModifySubnetAttribute"))?;
    }
    if let Some(h) = val::str_attr(planned, "private_dns_hostname_type_on_launch") {
        if val::str_attr(prior, "private_dns_hostname_type_on_launch") != Some(h) {
            ec2.modify_subnet_attribute()
                .subnet_id(id)
                .private_dns_hostname_type_on_launch(HostnameType::from(h))
                .send()
                .await
                .map_err(err("ModifySubnetAttribute"))?;
        }
    }
    Ok(())
}
