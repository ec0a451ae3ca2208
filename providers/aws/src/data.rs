//! Data sources: aws_availability_zones, aws_caller_identity, aws_region, aws_partition, aws_vpc,
//! aws_subnets (the service modules hold their own, such as `rds::data_source`,
//! `ec2::subnet_data`, `ec2::endpoint_service_data` and `secrets::SecretData`).

use async_trait::async_trait;
use aws_sdk_ec2::types::Filter;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use crate::clients::Clients;
use crate::ec2::filter;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::schema::*;
use crate::val::{self, Obj};

#[async_trait]
pub trait AwsDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> BlockSchema;
    /// Whether it reads one region (AWS provider 6.x gives it a `region` argument); IAM,
    /// policy documents and `aws_region` (whose `region` means the region described) are
    /// not.
    fn regional(&self) -> bool {
        true
    }
    /// Reads the data source; `config` holds every attribute (null when unset).
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError>;
}

/// The full schema of a data source: its own plus `region` for regional ones.
pub fn full_schema(d: &dyn AwsDataSource) -> BlockSchema {
    let mut s = d.schema();
    if d.regional() {
        s.attributes
            .insert(crate::region::REGION.into(), opt_comp(STR));
    }
    s
}

pub fn all() -> Vec<Box<dyn AwsDataSource>> {
    vec![
        Box::new(AvailabilityZones),
        Box::new(CallerIdentity),
        Box::new(Region),
        Box::new(Partition),
        Box::new(VpcData),
        Box::new(Subnets),
        Box::new(crate::ec2::subnet_data::SubnetData),
        Box::new(crate::secrets::SecretData),
        Box::new(crate::ec2::endpoint_service_data::EndpointServiceData),
        Box::new(crate::iam::document::PolicyDocument),
        Box::new(crate::rds::data_source::DbInstanceData),
        Box::new(crate::ecs::data::ClusterData),
    ]
}

/// The `filter {}` blocks of a data source's configuration as EC2 filters.
pub fn filters(config: &Value) -> Vec<Filter> {
    config
        .get_attr("filter")
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| Some(filter(val::str_attr(f, "name")?, val::strings(f, "values"))))
        .collect()
}

/// `tags = {...}` arguments of a data source as `tag:KEY` filters.
pub fn tag_filters(config: &Value) -> Vec<Filter> {
    val::string_map(config, "tags")
        .into_iter()
        .map(|(k, v)| filter(&format!("tag:{k}"), [v]))
        .collect()
}

pub struct AvailabilityZones;

#[async_trait]
impl AwsDataSource for AvailabilityZones {
    fn type_name(&self) -> &'static str {
        "aws_availability_zones"
    }
    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("all_availability_zones", opt(BOOL))
            .attr("exclude_names", opt(set_of(STR)))
            .attr("exclude_zone_ids", opt(set_of(STR)))
            .attr("state", opt(STR))
            .attr("names", comp(list_of(STR)))
            .attr("zone_ids", comp(list_of(STR)))
            .attr("group_names", comp(set_of(STR)))
            .filter_block()
            .build()
    }
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let mut fs = filters(config);
        if let Some(s) = val::str_attr(config, "state") {
            fs.push(filter("state", [s]));
        }
        let out = c
            .ec2
            .get()
            .await
            .describe_availability_zones()
            .set_all_availability_zones(val::bool_attr(config, "all_availability_zones"))
            .set_filters((!fs.is_empty()).then_some(fs))
            .send()
            .await
            .map_err(err("DescribeAvailabilityZones"))?;
        let ex_names = val::strings(config, "exclude_names");
        let ex_ids = val::strings(config, "exclude_zone_ids");
        let mut zones: Vec<_> = out
            .availability_zones()
            .iter()
            .filter(|z| {
                !z.zone_name()
                    .is_some_and(|n| ex_names.iter().any(|x| x == n))
            })
            .filter(|z| !z.zone_id().is_some_and(|n| ex_ids.iter().any(|x| x == n)))
            .collect();
        zones.sort_by_key(|z| z.zone_name().unwrap_or_default().to_string());
        let mut o = Obj::from(config);
        o.set("id", Value::string(&c.region))
            .set(
                "names",
                val::str_list(zones.iter().filter_map(|z| z.zone_name())),
            )
            .set(
                "zone_ids",
                val::str_list(zones.iter().filter_map(|z| z.zone_id())),
            )
            .set(
                "group_names",
                val::str_set(zones.iter().filter_map(|z| z.group_name())),
            );
        Ok(o.done())
    }
}

pub struct CallerIdentity;

#[async_trait]
impl AwsDataSource for CallerIdentity {
    fn type_name(&self) -> &'static str {
        "aws_caller_identity"
    }
    fn regional(&self) -> bool {
        false
    }
    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("account_id", comp(STR))
            .attr("arn", comp(STR))
            .attr("user_id", comp(STR))
            .build()
    }
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let out = c
            .sts
            .get()
            .await
            .get_caller_identity()
            .send()
            .await
            .map_err(err("GetCallerIdentity"))?;
        let mut o = Obj::from(config);
        o.set("id", val::opt_str(out.account()))
            .set("account_id", val::opt_str(out.account()))
            .set("arn", val::opt_str(out.arn()))
            .set("user_id", val::opt_str(out.user_id()));
        Ok(o.done())
    }
}

pub struct Region;

#[async_trait]
impl AwsDataSource for Region {
    fn type_name(&self) -> &'static str {
        "aws_region"
    }
    fn regional(&self) -> bool {
        false
    }
    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("name", opt_comp(STR))
            .attr("region", opt_comp(STR))
            .attr("endpoint", comp(STR))
            .attr("description", comp(STR))
            .build()
    }
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let name = val::str_attr(config, "name")
            .or_else(|| val::str_attr(config, "region"))
            .unwrap_or(&c.region)
            .to_string();
        let suffix = crate::region::dns_suffix(&name);
        let mut o = Obj::from(config);
        o.set("id", Value::string(&name))
            .set("name", Value::string(&name))
            .set("region", Value::string(&name))
            .set("endpoint", Value::string(format!("ec2.{name}.{suffix}")))
            .set("description", Value::string(""));
        Ok(o.done())
    }
}

/// `aws_partition`: the partition of the provider's region.
pub struct Partition;

#[async_trait]
impl AwsDataSource for Partition {
    fn type_name(&self) -> &'static str {
        "aws_partition"
    }
    fn regional(&self) -> bool {
        false
    }
    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", opt_comp(STR))
            .attr("partition", comp(STR))
            .attr("dns_suffix", comp(STR))
            .attr("reverse_dns_prefix", comp(STR))
            .build()
    }
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let partition = crate::region::partition(&c.region);
        let mut o = Obj::from(config);
        o.set("id", Value::string(partition))
            .set("partition", Value::string(partition))
            .set(
                "dns_suffix",
                Value::string(crate::region::dns_suffix(&c.region)),
            )
            .set(
                "reverse_dns_prefix",
                Value::string(crate::region::reverse_dns_prefix(&c.region)),
            );
        Ok(o.done())
    }
}

pub struct VpcData;

#[async_trait]
impl AwsDataSource for VpcData {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }
    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", opt_comp(STR))
            .attr("cidr_block", opt_comp(STR))
            .attr("default", opt_comp(BOOL))
            .attr("state", opt_comp(STR))
            .attr("tags", opt_comp(map_of(STR)))
            .attr("arn", comp(STR))
            .attr("dhcp_options_id", comp(STR))
            .attr("instance_tenancy", comp(STR))
            .attr("owner_id", comp(STR))
            .attr("main_route_table_id", comp(STR))
            .filter_block()
            .build()
    }
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let mut fs = filters(config);
        fs.extend(tag_filters(config));
        if let Some(id) = val::str_attr(config, "id") {
            fs.push(filter("vpc-id", [id]));
        }
        if let Some(x) = val::str_attr(config, "cidr_block") {
            fs.push(filter("cidr", [x]));
        }
        if let Some(x) = val::str_attr(config, "state") {
            fs.push(filter("state", [x]));
        }
        if let Some(x) = val::bool_attr(config, "default") {
            fs.push(filter("is-default", [x.to_string()]));
        }
        let ec2 = c.ec2.get().await;
        let vpcs = ec2
            .describe_vpcs()
            .set_filters((!fs.is_empty()).then_some(fs))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeVpcs"))?;
        let [v] = vpcs.as_slice() else {
            return Err(AwsError::Invalid(format!(
                "no matching EC2 VPC found: the query returned {} VPCs, and exactly one is needed",
                vpcs.len()
            )));
        };
        let id = v.vpc_id().unwrap_or_default();
        let owner = v.owner_id().unwrap_or_default();
        let main = ec2
            .describe_route_tables()
            .filters(filter("vpc-id", [id]))
            .filters(filter("association.main", ["true"]))
            .send()
            .await
            .map_err(err("DescribeRouteTables"))?;
        let mut o = Obj::from(config);
        o.set("id", Value::string(id))
            .set("arn", Value::string(c.ec2_arn(owner, &format!("vpc/{id}"))))
            .set("cidr_block", val::opt_str(v.cidr_block()))
            .set("default", Value::Bool(v.is_default().unwrap_or(false)))
            .set("state", val::opt_str(v.state().map(|s| s.as_str())))
            .set("tags", tags_value(v.tags()))
            .set("dhcp_options_id", val::str_or_empty(v.dhcp_options_id()))
            .set(
                "instance_tenancy",
                val::opt_str(v.instance_tenancy().map(|t| t.as_str())),
            )
            .set("owner_id", Value::string(owner))
            .set(
                "main_route_table_id",
                val::str_or_empty(main.route_tables().first().and_then(|r| r.route_table_id())),
            );
        Ok(o.done())
    }
}

pub struct Subnets;

#[async_trait]
impl AwsDataSource for Subnets {
    fn type_name(&self) -> &'static str {
        "aws_subnets"
    }
    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("ids", comp(list_of(STR)))
            .attr("tags", opt(map_of(STR)))
            .filter_block()
            .build()
    }
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let mut fs = filters(config);
        fs.extend(tag_filters(config));
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
        let mut ids: Vec<&str> = subnets.iter().filter_map(|s| s.subnet_id()).collect();
        ids.sort_unstable();
        let mut o = Obj::from(config);
        o.set("id", Value::string(&c.region))
            .set("ids", val::str_list(ids));
        Ok(o.done())
    }
}
