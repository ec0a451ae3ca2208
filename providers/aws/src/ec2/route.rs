//! `aws_route`: one route of a route table, outside the table's inline `route` blocks. The
//! table and the destination replace; the target changes in place (ReplaceRoute). The ID
//! is Terraform's `r-<table><crc32 of the destination>`; imports name the route
//! `rtb-1_0.0.0.0/0`.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_route::builders::CreateRouteFluentBuilder;
use aws_sdk_ec2::operation::replace_route::builders::ReplaceRouteFluentBuilder;
use aws_sdk_ec2::types::Route;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::attr_values;
use super::route_table::{delete_route, describe_tables, ROUTE_FIELDS};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_exactly_one, check_ipv4_cidr, AwsResource, DefaultTimeouts, Failed, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct RouteRes;

/// A route found in its table, with the destination the object names it by.
struct Found {
    table: String,
    destination: String,
    route: Route,
}

/// A string AWS reports, null when it reports none ("" included), as configured.
fn reported(s: Option<&str>) -> Value {
    val::opt_str(s.filter(|s| !s.is_empty()))
}

/// Gateway endpoints come back as gateway IDs; Terraform shows them as vpc_endpoint_id.
fn is_endpoint(r: &Route) -> bool {
    r.gateway_id().is_some_and(|g| g.starts_with("vpce-"))
}

type RouteTable = Table<Found, CreateRouteFluentBuilder, ReplaceRouteFluentBuilder>;

/// ReplaceRoute names the route by table and destination (`replace_request`); the rows
/// add the changed targets (a target removed sends nothing: the new one replaces it).
static TABLE: LazyLock<RouteTable> = LazyLock::new(|| {
    RouteTable::new(|| {
        Some(Found {
            table: String::new(),
            destination: String::new(),
            route: Route::builder().build(),
        })
    })
    .attr("id", comp(STR))
    .read(|f, _| Value::string(route_id(&f.table, &f.destination)))
    .attr("route_table_id", req(STR).force_new())
    .read(|f, _| Value::string(&f.table))
    .create(|b, v| b.set_route_table_id(v.str()))
    .attr("instance_id", comp(STR))
    .read(|f, _| val::str_or_empty(f.route.instance_id()))
    .attr("instance_owner_id", comp(STR))
    .read(|f, _| val::str_or_empty(f.route.instance_owner_id()))
    .attr("origin", comp(STR))
    .read(|f, _| val::str_or_empty(f.route.origin().map(|o| o.as_str())))
    .attr("state", comp(STR))
    .read(|f, _| val::str_or_empty(f.route.state().map(|s| s.as_str())))
    // Destinations (exactly one is set).
    .attr("destination_cidr_block", opt(STR).force_new())
    .read(|f, _| reported(f.route.destination_cidr_block()))
    .create(|b, v| b.set_destination_cidr_block(v.str()))
    .attr("destination_ipv6_cidr_block", opt(STR).force_new())
    .read(|f, _| reported(f.route.destination_ipv6_cidr_block()))
    .create(|b, v| b.set_destination_ipv6_cidr_block(v.str()))
    .attr("destination_prefix_list_id", opt(STR).force_new())
    .read(|f, _| reported(f.route.destination_prefix_list_id()))
    .create(|b, v| b.set_destination_prefix_list_id(v.str()))
    // Targets (exactly one is set), changed in place by ReplaceRoute.
    .attr("carrier_gateway_id", opt(STR))
    .read(|f, _| reported(f.route.carrier_gateway_id()))
    .create(|b, v| b.set_carrier_gateway_id(v.str()))
    .update(|b, v| b.set_carrier_gateway_id(v.str()))
    .attr("core_network_arn", opt(STR))
    .read(|f, _| reported(f.route.core_network_arn()))
    .create(|b, v| b.set_core_network_arn(v.str()))
    .update(|b, v| b.set_core_network_arn(v.str()))
    .attr("egress_only_gateway_id", opt(STR))
    .read(|f, _| reported(f.route.egress_only_internet_gateway_id()))
    .create(|b, v| b.set_egress_only_internet_gateway_id(v.str()))
    .update(|b, v| b.set_egress_only_internet_gateway_id(v.str()))
    .attr("gateway_id", opt(STR))
    .read(|f, _| reported(f.route.gateway_id().filter(|_| !is_endpoint(&f.route))))
    .create(|b, v| b.set_gateway_id(v.str()))
    .update(|b, v| b.set_gateway_id(v.str()))
    .attr("local_gateway_id", opt(STR))
    .read(|f, _| reported(f.route.local_gateway_id()))
    .create(|b, v| b.set_local_gateway_id(v.str()))
    .update(|b, v| b.set_local_gateway_id(v.str()))
    .attr("nat_gateway_id", opt(STR))
    .read(|f, _| reported(f.route.nat_gateway_id()))
    .create(|b, v| b.set_nat_gateway_id(v.str()))
    .update(|b, v| b.set_nat_gateway_id(v.str()))
    // An instance's route reports its ENI, so AWS may fill this one in.
    .attr("network_interface_id", opt_comp(STR))
    .read(|f, _| reported(f.route.network_interface_id()))
    .create(|b, v| b.set_network_interface_id(v.str()))
    .update(|b, v| b.set_network_interface_id(v.str()))
    .attr("transit_gateway_id", opt(STR))
    .read(|f, _| reported(f.route.transit_gateway_id()))
    .create(|b, v| b.set_transit_gateway_id(v.str()))
    .update(|b, v| b.set_transit_gateway_id(v.str()))
    .attr("vpc_endpoint_id", opt(STR))
    .read(|f, _| reported(f.route.gateway_id().filter(|_| is_endpoint(&f.route))))
    .create(|b, v| b.set_vpc_endpoint_id(v.str()))
    .update(|b, v| b.set_vpc_endpoint_id(v.str()))
    .attr("vpc_peering_connection_id", opt(STR))
    .read(|f, _| reported(f.route.vpc_peering_connection_id()))
    .create(|b, v| b.set_vpc_peering_connection_id(v.str()))
    .update(|b, v| b.set_vpc_peering_connection_id(v.str()))
});

const DESTINATIONS: [&str; 3] = [
    "destination_cidr_block",
    "destination_ipv6_cidr_block",
    "destination_prefix_list_id",
];

/// The targets, named as in the route table's `route` blocks (everything after the
/// destinations in [`ROUTE_FIELDS`]).
fn targets() -> &'static [&'static str] {
    &ROUTE_FIELDS[3..]
}

#[async_trait]
impl AwsResource for RouteRes {
    fn type_name(&self) -> &'static str {
        "aws_route"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(5, 2, 5))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_ipv4_cidr(config, "destination_cidr_block", 0..=32, diags);
        check_exactly_one(config, &DESTINATIONS, diags);
        check_exactly_one(config, targets(), diags);
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        // One filtered Describe for every table of the batch: a refresh of N routes costs
        // one call per 200 tables, and a deleted table just drops out of the answer.
        let found =
            describe_tables(c, "route-table-id", &attr_values(current, "route_table_id")).await?;
        Ok(current
            .iter()
            .map(|cur| {
                let rtb = val::str_attr(cur, "route_table_id")?;
                let (attr, dest) = destination(cur)?;
                let route = found
                    .iter()
                    .filter(|t| t.route_table_id() == Some(rtb))
                    .flat_map(|t| t.routes())
                    .find(|r| route_destination(r, attr) == Some(dest))?;
                let f = Found {
                    table: rtb.to_string(),
                    destination: dest.to_string(),
                    route: route.clone(),
                };
                Some(TABLE.read_value(&f, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let rtb = val::str_attr(planned, "route_table_id").unwrap_or_default();
        let (_, dest) = destination(planned)
            .ok_or_else(|| AwsError::Invalid("aws_route has no destination".into()))?;
        TABLE
            .create_request(c.ec2.get().await.create_route(), planned)
            .send()
            .await
            .map_err(err("CreateRoute"))?;
        Ok(route_id(rtb, dest))
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let f = |k: &str| val::str_attr(planned, k).map(str::to_string);
        let ec2 = c.ec2.get().await;
        for req in TABLE.update_requests(prior, planned, || {
            ec2.replace_route()
                .set_route_table_id(f("route_table_id"))
                .set_destination_cidr_block(f("destination_cidr_block"))
                .set_destination_ipv6_cidr_block(f("destination_ipv6_cidr_block"))
                .set_destination_prefix_list_id(f("destination_prefix_list_id"))
        }) {
            req.send().await.map_err(err("ReplaceRoute"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        delete_route(
            c,
            val::str_attr(prior, "route_table_id").unwrap_or_default(),
            prior,
        )
        .await
    }

    /// `ROUTETABLEID_DESTINATION`, the destination being an IPv4 or IPv6 CIDR block or a
    /// prefix list ID.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (rtb, dest) = id
            .split_once('_')
            .filter(|(r, d)| r.starts_with("rtb-") && !d.is_empty())
            .ok_or_else(|| {
                format!("expected ROUTETABLEID_DESTINATION (rtb-1234_0.0.0.0/0), got {id:?}")
            })?;
        let attr = if dest.starts_with("pl-") {
            "destination_prefix_list_id"
        } else if dest.contains(':') {
            "destination_ipv6_cidr_block"
        } else {
            "destination_cidr_block"
        };
        stub.set("route_table_id", Value::string(rtb))
            .set(attr, Value::string(dest));
        Ok(())
    }
}

/// The configured destination: (attribute, value).
fn destination(v: &Value) -> Option<(&'static str, &str)> {
    DESTINATIONS
        .iter()
        .find_map(|d| val::str_attr(v, d).map(|s| (*d, s)))
}

fn route_destination<'a>(r: &'a Route, attr: &str) -> Option<&'a str> {
    match attr {
        "destination_cidr_block" => r.destination_cidr_block(),
        "destination_ipv6_cidr_block" => r.destination_ipv6_cidr_block(),
        _ => r.destination_prefix_list_id(),
    }
}

/// Terraform's route ID: `r-` + table ID + the CRC-32 (IEEE) of the destination, so state
/// moved between Terraform and terrane keeps its IDs.
pub fn route_id(rtb: &str, dest: &str) -> String {
    format!("r-{rtb}{}", crc32(dest.as_bytes()))
}

/// CRC-32 (IEEE 802.3, as Go's `hash/crc32.ChecksumIEEE`), bit by bit: IDs hash a few
/// bytes, so a table is not worth it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_terraform() {
        // crc32("123456789") is the standard check value.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(route_id("rtb-1", "0.0.0.0/0"), "r-rtb-11080289494");
    }

    #[test]
    fn import_ids() {
        let r = RouteRes;
        let mut o = Obj(Default::default());
        r.import_stub("rtb-1_::/0", &mut o).unwrap();
        assert_eq!(
            o.get("destination_ipv6_cidr_block").and_then(Value::as_str),
            Some("::/0")
        );
        assert!(r.import_stub("0.0.0.0/0", &mut o).is_err());
    }
}
