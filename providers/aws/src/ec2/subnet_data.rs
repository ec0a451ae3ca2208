//! The `aws_subnet` data source: one subnet found by ID, attributes or filters, with the
//! attributes the `aws_subnet` resource computes (read through the resource's table, so
//! the two never disagree) and the few only the data source has.

use async_trait::async_trait;
use terrane_engine::lang::Value;
use terrane_engine::provider::{AttributeSchema, BlockSchema};

use super::filter;
use crate::clients::Clients;
use crate::data::{filters, tag_filters, AwsDataSource};
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::schema::*;
use crate::val::{self, Obj};

pub struct SubnetData;

/// The arguments that narrow the search, with the EC2 filter each becomes.
const SEARCH: &[(&str, &str)] = &[
    ("id", "subnet-id"),
    ("vpc_id", "vpc-id"),
    ("cidr_block", "cidr-block"),
    (
        "ipv6_cidr_block",
        "ipv6-cidr-block-association.ipv6-cidr-block",
    ),
    ("availability_zone", "availability-zone"),
    ("availability_zone_id", "availability-zone-id"),
    ("default_for_az", "default-for-az"),
    ("state", "state"),
];

#[async_trait]
impl AwsDataSource for SubnetData {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
    }

    /// The resource's attributes, computed; the search arguments optional too.
    fn schema(&self) -> BlockSchema {
        let mut s = super::subnet::table_schema();
        for (name, a) in &mut s.attributes {
            let searchable = SEARCH.iter().any(|(k, _)| *k == name.as_str());
            *a = if searchable {
                opt_comp(a.ty.clone())
            } else {
                AttributeSchema::computed(a.ty.clone())
            };
        }
        let extra = S::new()
            .attr("default_for_az", opt_comp(BOOL))
            .attr("state", opt_comp(STR))
            .attr("tags", opt_comp(map_of(STR)))
            .attr("available_ip_address_count", comp(NUM))
            .attr("enable_lni_at_device_index", comp(NUM))
            .filter_block()
            .build();
        s.attributes.extend(extra.attributes);
        s.blocks.extend(extra.blocks);
        s
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let mut fs = filters(config);
        fs.extend(tag_filters(config));
        for (arg, name) in SEARCH {
            match config.get_attr(arg) {
                Some(Value::Bool(b)) => fs.push(filter(name, [b.to_string()])),
                Some(v) => {
                    if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                        fs.push(filter(name, [s]));
                    }
                }
                None => {}
            }
        }
        let subnets = c
            .ec2
            .get()
            .await
            .describe_subnets()
            .set_filters((!fs.is_empty()).then_some(fs))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeSubnets"))?;
        let s = match subnets.as_slice() {
            [s] => s,
            [] => return Err(AwsError::Invalid("no matching EC2 Subnet found".into())),
            _ => {
                return Err(AwsError::Invalid(
                    "multiple EC2 Subnets matched; use additional constraints to reduce matches to a single EC2 Subnet".into(),
                ))
            }
        };
        let mut o: Obj = super::subnet::read_subnet(s, config, &c.region);
        o.0.remove("tags_all");
        o.set("tags", tags_value(s.tags()))
            .set(
                "default_for_az",
                Value::Bool(s.default_for_az().unwrap_or(false)),
            )
            .set("state", val::opt_str(s.state().map(|x| x.as_str())))
            .set(
                "available_ip_address_count",
                val::num(s.available_ip_address_count().unwrap_or(0)),
            )
            .set(
                "enable_lni_at_device_index",
                val::num(s.enable_lni_at_device_index().unwrap_or(0)),
            );
        Ok(o.done())
    }
}
