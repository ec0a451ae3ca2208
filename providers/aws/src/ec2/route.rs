//! `aws_route`: one route of a route table, outside the table's inline `route` blocks. The
//! table and the destination replace; the target changes in place (ReplaceRoute). The ID
//! is Terraform's `r-<table><crc32 of the destination>`; imports name the route
//! `rtb-1_0.0.0.0/0`.

use async_trait::async_trait;
use aws_sdk_ec2::types::Route;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::attr_values;
use super::route_table::{create_route, delete_route, describe_tables, route_value, ROUTE_FIELDS};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_exactly_one, check_ipv4_cidr, AwsResource, DefaultTimeouts, Failed, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct RouteRes;

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

/// The `route` block field that holds an `aws_route` attribute.
fn block_field(attr: &str) -> &str {
    match attr {
        "destination_cidr_block" => "cidr_block",
        "destination_ipv6_cidr_block" => "ipv6_cidr_block",
        a => a,
    }
}

#[async_trait]
impl AwsResource for RouteRes {
    fn type_name(&self) -> &'static str {
        "aws_route"
    }

    fn schema(&self) -> BlockSchema {
        let mut s = S::new()
            .attr("id", comp(STR))
            .attr("route_table_id", req(STR).force_new())
            .attr("instance_id", comp(STR))
            .attr("instance_owner_id", comp(STR))
            .attr("origin", comp(STR))
            .attr("state", comp(STR));
        for d in DESTINATIONS {
            s = s.attr(d, opt(STR).force_new());
        }
        for t in targets() {
            // An instance's route reports its ENI, so AWS may fill this one in.
            s = s.attr(
                t,
                if *t == "network_interface_id" {
                    opt_comp(STR)
                } else {
                    opt(STR)
                },
            );
        }
        s.build()
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
                Some(build(cur, rtb, attr, dest, route))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let rtb = val::str_attr(planned, "route_table_id").unwrap_or_default();
        let (_, dest) = destination(planned)
            .ok_or_else(|| AwsError::Invalid("aws_route has no destination".into()))?;
        create_route(c, rtb, planned).await?;
        Ok(route_id(rtb, dest))
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if !targets().iter().any(|t| val::changed(prior, planned, t)) {
            return Ok(None);
        }
        let f = |k: &str| val::str_attr(planned, k).map(str::to_string);
        c.ec2
            .get()
            .await
            .replace_route()
            .set_route_table_id(f("route_table_id"))
            .set_destination_cidr_block(f("destination_cidr_block"))
            .set_destination_ipv6_cidr_block(f("destination_ipv6_cidr_block"))
            .set_destination_prefix_list_id(f("destination_prefix_list_id"))
            .set_carrier_gateway_id(f("carrier_gateway_id"))
            .set_core_network_arn(f("core_network_arn"))
            .set_egress_only_internet_gateway_id(f("egress_only_gateway_id"))
            .set_gateway_id(f("gateway_id"))
            .set_local_gateway_id(f("local_gateway_id"))
            .set_nat_gateway_id(f("nat_gateway_id"))
            .set_network_interface_id(f("network_interface_id"))
            .set_transit_gateway_id(f("transit_gateway_id"))
            .set_vpc_endpoint_id(f("vpc_endpoint_id"))
            .set_vpc_peering_connection_id(f("vpc_peering_connection_id"))
            .send()
            .await
            .map_err(err("ReplaceRoute"))?;
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

fn build(cur: &Value, rtb: &str, attr: &str, dest: &str, r: &Route) -> Value {
    // The route table's reading of a route gives every target (gateway endpoints moved to
    // vpc_endpoint_id); unset ones are "" there and null here, as configured.
    let fields = route_value(r, ROUTE_FIELDS);
    let mut o = Obj::from(cur);
    o.set("id", Value::string(route_id(rtb, dest)))
        .set("route_table_id", Value::string(rtb))
        .set(attr, Value::string(dest))
        .set("instance_id", val::str_or_empty(r.instance_id()))
        .set(
            "instance_owner_id",
            val::str_or_empty(r.instance_owner_id()),
        )
        .set("origin", val::str_or_empty(r.origin().map(|o| o.as_str())))
        .set("state", val::str_or_empty(r.state().map(|s| s.as_str())));
    for t in targets() {
        let v = val::str_attr(&fields, block_field(t));
        o.set(t, val::opt_str(v));
    }
    o.done()
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
