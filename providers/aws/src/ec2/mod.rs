//! EC2 (VPC networking) resources. Each module is one resource type: a schema and its SDK
//! calls; shared EC2 helpers (filters, batched describes, tags) are here and in `tags`.

/// Every object an EC2 Describe returns for a filter on `ids`: all pages, in chunks of
/// 200 values (see [`describe_chunks`]), with errors named after the operation. The SDK's
/// builders share no trait, so this is a macro rather than a generic function:
/// `describe_filtered!(c, describe_vpcs, filters, "vpc-id", &ids, "DescribeVpcs")`, with
/// further fixed filters after the operation name. `filters` is the builder's filter method
/// (`filter` for DescribeNatGateways).
macro_rules! describe_filtered {
    ($c:expr, $op:ident, $filters:ident, $name:expr, $ids:expr, $opname:literal $(, $extra:expr)* $(,)?) => {{
        let ec2 = $c.ec2.get().await;
        $crate::ec2::describe_chunks($ids, |chunk| {
            let ec2 = &ec2;
            async move {
                ec2.$op()
                    .$filters($crate::ec2::filter($name, chunk))
                    $(.$filters($extra))*
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err($crate::error::err($opname))
            }
        })
        .await
    }};
}

pub mod customer_gateway;
pub mod default_route_table;
pub mod default_security_group;
pub mod default_vpc;
pub mod dhcp_options;
pub mod egress_only_igw;
pub mod eip;
pub mod endpoint_service_data;
pub mod flow_log;
pub mod igw;
pub mod instance;
pub mod launch_template;
pub mod nat;
pub mod network_acl;
pub mod network_acl_rule;
pub mod route;
pub mod route_table;
pub mod rta;
pub mod security_group;
pub mod sg_rule;
pub mod sg_rule_legacy;
pub mod subnet;
pub mod subnet_data;
pub mod tags;
pub mod vpc;
pub mod vpc_cidr_association;
pub mod vpc_endpoint;
pub mod vpn_gateway;

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter};
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::AwsError;
use crate::resource::{wait_for, AwsResource, Timeout};
use crate::schema::{comp, STR};
use crate::table::{Arg, Table};
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(vpc::Vpc),
        Box::new(subnet::Subnet),
        Box::new(igw::InternetGateway),
        Box::new(eip::Eip),
        Box::new(nat::NatGatewayRes),
        Box::new(route_table::RouteTable),
        Box::new(rta::RouteTableAssociation),
        Box::new(security_group::SecurityGroup),
        Box::new(route::RouteRes),
        Box::new(sg_rule::VpcSgRule { egress: false }),
        Box::new(sg_rule::VpcSgRule { egress: true }),
        Box::new(sg_rule_legacy::SecurityGroupRuleRes),
        Box::new(default_security_group::DefaultSecurityGroup),
        Box::new(default_route_table::DefaultRouteTable),
        Box::new(network_acl::NetworkAclRes { default: false }),
        Box::new(network_acl::NetworkAclRes { default: true }),
        Box::new(network_acl_rule::NetworkAclRule),
        Box::new(egress_only_igw::EgressOnlyInternetGatewayRes),
        Box::new(dhcp_options::DhcpOptionsRes),
        Box::new(dhcp_options::DhcpOptionsAssociation),
        Box::new(vpc_cidr_association::VpcIpv4CidrBlockAssociation),
        Box::new(flow_log::FlowLogRes),
        Box::new(default_vpc::DefaultVpc),
        Box::new(vpc_endpoint::VpcEndpointRes),
        Box::new(vpc_endpoint::RouteTableAssociation),
        Box::new(vpn_gateway::RoutePropagation),
        Box::new(customer_gateway::CustomerGatewayRes),
        Box::new(vpn_gateway::VpnGatewayRes),
        Box::new(vpn_gateway::VpnGatewayAttachment),
        Box::new(instance::InstanceRes),
        Box::new(launch_template::LaunchTemplateRes),
    ]
}

/// EC2 accepts at most 200 values per filter.
const FILTER_VALUES: usize = 200;

pub fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// The `id`s of objects to read.
pub fn ids(current: &[Value]) -> Vec<String> {
    attr_values(current, "id")
}

/// The distinct values of a string attribute over objects to read (the parents a batch
/// describes, such as the route tables of routes).
pub fn attr_values(current: &[Value], attr: &str) -> Vec<String> {
    let mut v: Vec<String> = current
        .iter()
        .filter_map(|c| val::str_attr(c, attr).map(str::to_string))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Runs a filtered Describe for `ids` in chunks of 200 (the filter limit), so a refresh
/// of N objects costs N/200 calls (times pages), never N. A filter (unlike the `XxxIds`
/// parameters) returns what exists and ignores the rest, which is how deletions outside
/// terrane are noticed without failing the whole batch.
pub async fn describe_chunks<T, F, Fut>(ids: &[String], describe: F) -> Result<Vec<T>, AwsError>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        out.extend(describe(chunk.to_vec()).await?);
    }
    Ok(out)
}

/// Describes objects by ID, for APIs that cannot filter on it (network ACLs on some
/// endpoints, egress-only internet gateways): one call per 200 IDs, or, when one of them
/// no longer exists and the whole call fails, one call per ID of that chunk, a missing
/// one dropping out.
pub async fn describe_by_ids<T, F, Fut>(ids: &[String], describe: F) -> Result<Vec<T>, AwsError>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        match describe(chunk.to_vec()).await {
            Ok(found) => {
                out.extend(found);
                continue;
            }
            Err(e) if !e.is_not_found() => return Err(e),
            Err(_) => {}
        }
        for id in chunk {
            match describe(vec![id.clone()]).await {
                Ok(found) => out.extend(found),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(out)
}

/// Waits until `state_of` (one Describe of the new object) reports `wanted`; "not found"
/// (eventual consistency right after a create) counts as not there yet.
pub async fn wait_state<F, Fut>(
    what: &str,
    wanted: &str,
    t: Timeout,
    mut state_of: F,
) -> Result<(), AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>, AwsError>>,
{
    wait_for(what, wanted, t, || {
        let f = state_of();
        async move {
            Ok(match f.await?.as_deref() {
                Some(s) if s == wanted => Ok(()),
                other => Err(other.unwrap_or("not found").to_string()),
            })
        }
    })
    .await
}

/// An EC2 object with an ID and an owning account, from which Terraform builds its ARN
/// (`arn:aws:ec2:REGION:OWNER:KIND/ID`).
pub trait Owned {
    /// The ARN's resource type (`security-group`).
    const KIND: &'static str;
    fn id(&self) -> Option<&str>;
    fn owner(&self) -> Option<&str>;
}

macro_rules! owned {
    ($($t:ty: $kind:literal, $id:ident;)*) => {$(
        impl Owned for $t {
            const KIND: &'static str = $kind;
            fn id(&self) -> Option<&str> {
                self.$id()
            }
            fn owner(&self) -> Option<&str> {
                self.owner_id()
            }
        }
    )*};
}

owned! {
    aws_sdk_ec2::types::InternetGateway: "internet-gateway", internet_gateway_id;
    aws_sdk_ec2::types::SecurityGroup: "security-group", group_id;
    aws_sdk_ec2::types::RouteTable: "route-table", route_table_id;
    aws_sdk_ec2::types::NetworkAcl: "network-acl", network_acl_id;
    aws_sdk_ec2::types::DhcpOptions: "dhcp-options", dhcp_options_id;
}

/// An EC2 object whose description names no owner (flow logs, customer and VPN
/// gateways), with the account that read it: Terraform builds their ARNs with the
/// caller's account.
pub struct InAccount<T> {
    pub item: T,
    pub account: String,
}

impl<T> InAccount<T> {
    /// The described objects, each with the clients' account.
    pub async fn all(c: &Clients, items: Vec<T>) -> Result<Vec<InAccount<T>>, AwsError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let account = c.account_id().await?;
        Ok(items
            .into_iter()
            .map(|item| InAccount {
                item,
                account: account.to_string(),
            })
            .collect())
    }

    /// A described object with nothing set, for the table test.
    pub fn sample(item: T) -> Option<InAccount<T>> {
        Some(InAccount {
            item,
            account: String::new(),
        })
    }
}

macro_rules! in_account {
    ($($t:ty: $kind:literal, $id:ident;)*) => {$(
        impl Owned for InAccount<$t> {
            const KIND: &'static str = $kind;
            fn id(&self) -> Option<&str> {
                self.item.$id()
            }
            fn owner(&self) -> Option<&str> {
                Some(&self.account)
            }
        }
    )*};
}

in_account! {
    aws_sdk_ec2::types::FlowLog: "vpc-flow-log", flow_log_id;
    aws_sdk_ec2::types::CustomerGateway: "customer-gateway", customer_gateway_id;
    aws_sdk_ec2::types::VpnGateway: "vpn-gateway", vpn_gateway_id;
}

/// Adds the `id`, `arn` and `owner_id` rows every owned EC2 object has.
pub fn identity<T: Owned, C, U>(table: Table<T, C, U>) -> Table<T, C, U> {
    id_and_arn(table)
        .attr("owner_id", comp(STR))
        .read(|t: &T, _| val::str_or_empty(t.owner()))
}

/// Adds the `id` and `arn` rows (objects whose state has no `owner_id`).
pub fn id_and_arn<T: Owned, C, U>(table: Table<T, C, U>) -> Table<T, C, U> {
    table
        .attr("id", comp(STR))
        .read(|t: &T, _| val::str_or_empty(t.id()))
        .attr("arn", comp(STR))
        .read(|t: &T, cx| {
            let resource = format!("{}/{}", T::KIND, t.id().unwrap_or_default());
            Value::string(cx.ec2_arn(t.owner().unwrap_or_default(), &resource))
        })
}

/// The objects a batched Describe found, matched back to the requests by ID and read
/// through the resource's table.
pub fn read_table<T, C, U>(
    table: &Table<T, C, U>,
    c: &Clients,
    current: &[Value],
    found: Vec<T>,
    id_of: impl Fn(&T) -> Option<&str>,
) -> Vec<Option<Value>> {
    match_ids(current, found, id_of, |cur, t| {
        table.read_value(t, cur, &c.region)
    })
}

/// Matches described objects back to the requests by ID and builds each result.
pub fn match_ids<T>(
    current: &[Value],
    found: Vec<T>,
    id_of: impl Fn(&T) -> Option<&str>,
    build: impl Fn(&Value, &T) -> Value,
) -> Vec<Option<Value>> {
    match_by(
        current,
        found,
        |c| val::str_attr(c, "id").map(str::to_string),
        |t| id_of(t).map(str::to_string),
        build,
    )
}

/// Matches described objects back to the requests by a key derived from each side (an
/// ID, or a name AWS stores lowercased) and builds each result.
pub fn match_by<T>(
    current: &[Value],
    found: Vec<T>,
    key_of_current: impl Fn(&Value) -> Option<String>,
    key_of: impl Fn(&T) -> Option<String>,
    build: impl Fn(&Value, &T) -> Value,
) -> Vec<Option<Value>> {
    let by_key: HashMap<String, T> = found
        .into_iter()
        .filter_map(|t| key_of(&t).map(|k| (k, t)))
        .collect();
    current
        .iter()
        .map(|c| {
            key_of_current(c)
                .and_then(|k| by_key.get(&k))
                .map(|t| build(c, t))
        })
        .collect()
}

/// A flag as ModifyVpcAttribute and ModifySubnetAttribute take it.
pub fn flag(v: Arg) -> AttributeBooleanValue {
    AttributeBooleanValue::builder()
        .value(v.bool().unwrap_or(false))
        .build()
}

/// A bool that Terraform leaves null in state until it is configured: `false` from AWS
/// keeps a null current value null.
pub fn bool_keep_null(current: &Value, k: &str, v: Option<bool>) -> Value {
    match (v.unwrap_or(false), current.get_attr(k)) {
        (false, Some(Value::Null) | None) => Value::Null,
        (b, _) => Value::Bool(b),
    }
}

/// An association of two objects, each named by an argument (a VPN gateway and a VPC, a
/// route table and a gateway): what the association types read.
pub struct Pair {
    pub first: String,
    pub second: String,
}

impl Pair {
    /// An empty pair, for the table test.
    pub fn sample() -> Option<Pair> {
        Some(Pair {
            first: String::new(),
            second: String::new(),
        })
    }
}

/// Reads associations from their parents, described in one batch by the caller: each
/// object of `current` whose two arguments `attrs` are a pair that `held` finds.
pub fn read_pairs(
    table: &Table<Pair, ()>,
    c: &Clients,
    current: &[Value],
    attrs: [&str; 2],
    held: impl Fn(&str, &str) -> bool,
) -> Vec<Option<Value>> {
    current
        .iter()
        .map(|cur| {
            let first = val::str_attr(cur, attrs[0])?;
            let second = val::str_attr(cur, attrs[1])?;
            if !held(first, second) {
                return None;
            }
            let pair = Pair {
                first: first.to_string(),
                second: second.to_string(),
            };
            Some(table.read_value(&pair, cur, &c.region))
        })
        .collect()
}

/// An import ID `FIRST<sep>SECOND` into the two arguments `attrs`.
pub fn import_pair(
    id: &str,
    sep: char,
    attrs: [&str; 2],
    stub: &mut val::Obj,
) -> Result<(), String> {
    let (first, second) = id
        .split_once(sep)
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| {
            let want = format!("{}{sep}{}", attrs[0], attrs[1]).to_uppercase();
            format!("expected {want}, got {id:?}")
        })?;
    stub.set(attrs[0], Value::string(first))
        .set(attrs[1], Value::string(second));
    Ok(())
}
