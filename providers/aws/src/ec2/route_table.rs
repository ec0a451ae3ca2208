//! `aws_route_table` with inline `route` blocks. Routes are compared as a set; without
//! any `route` block the table's routes are not managed here (they may come from
//! `aws_route`), as in Terraform. Propagating virtual private gateways are enabled and
//! disabled in place.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, Route};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{filter, identity, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_ipv4_cidr, AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct RouteTable;

type RouteTableTable = Table<aws_sdk_ec2::types::RouteTable, ()>;

static TABLE: LazyLock<RouteTableTable> = LazyLock::new(|| {
    identity(RouteTableTable::new(|| {
        Some(aws_sdk_ec2::types::RouteTable::builder().build())
    }))
    .tags_all(|t| tags_value(t.tags()))
    .attr("vpc_id", req(STR).force_new())
    .read(|t, _| val::opt_str(t.vpc_id()))
    .attr("propagating_vgws", opt_comp(set_of(STR)))
    .read(|t, _| val::str_set(t.propagating_vgws().iter().filter_map(|p| p.gateway_id())))
    // EnableVgwRoutePropagation / DisableVgwRoutePropagation (after the create too).
    .updated_by_hand()
    .block("route", Nesting::Set, route_block(ROUTE_FIELDS))
    .read(|t, _| {
        let routes = t.routes().iter().filter(|r| managed(r));
        Value::set(routes.map(|r| route_value(r, ROUTE_FIELDS)).collect())
    })
    // CreateRoute / DeleteRoute (after the create too).
    .updated_by_hand()
});

/// The string attributes of a `route` block: destinations, then targets.
pub const ROUTE_FIELDS: &[&str] = &[
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// The string attributes of an `aws_default_route_table`'s `route` block: the default
/// table allows fewer targets, and still has `instance_id`.
pub const DEFAULT_ROUTE_FIELDS: &[&str] = &[
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "instance_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// A `route` block with the given fields, every one an optional string.
pub fn route_block(fields: &[&str]) -> S {
    fields.iter().fold(S::new(), |b, f| b.attr(f, opt(STR)))
}

#[async_trait]
impl AwsResource for RouteTable {
    fn type_name(&self) -> &'static str {
        "aws_route_table"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(5, 2, 5))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for r in config
            .get_attr("route")
            .and_then(Value::as_seq)
            .unwrap_or_default()
        {
            check_ipv4_cidr(r, "cidr_block", 0..=32, diags);
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_routes(prior, config, planned, ROUTE_FIELDS);
        if planned
            .get_attr("propagating_vgws")
            .is_some_and(Value::is_unknown)
        {
            val::set_attr(planned, "propagating_vgws", Value::Set(Vec::new()));
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_tables(c, "route-table-id", &ids(current)).await?;
        Ok(read_table(&TABLE, c, current, found, |t| {
            t.route_table_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = c
            .ec2
            .get()
            .await
            .create_route_table()
            .set_vpc_id(val::str_attr(planned, "vpc_id").map(str::to_string))
            .set_tag_specifications(tags::spec(ResourceType::RouteTable, planned).map(|s| vec![s]))
            .send()
            .await
            .map_err(err("CreateRouteTable"))?;
        let id = out
            .route_table()
            .and_then(|t| t.route_table_id())
            .ok_or_else(|| AwsError::Invalid("CreateRouteTable returned no ID".into()))?
            .to_string();
        for r in planned
            .get_attr("route")
            .and_then(Value::as_seq)
            .unwrap_or_default()
        {
            create_route(c, &id, r)
                .await
                .map_err(|e| e.after_create(&id))?;
        }
        if !val::strings(planned, "propagating_vgws").is_empty() {
            sync_propagation(c, &id, &Value::Null, planned)
                .await
                .map_err(|e| e.after_create(&id))?;
        }
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        if TABLE.changed(prior, planned, "route") {
            sync_routes(c, id, prior, planned).await?;
        }
        if TABLE.changed(prior, planned, "propagating_vgws")
            && !planned
                .get_attr("propagating_vgws")
                .is_some_and(Value::is_unknown)
        {
            sync_propagation(c, id, prior, planned).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let ec2 = c.ec2.get().await;
        // Associations made outside this resource would block the delete.
        let tables = ec2
            .describe_route_tables()
            .filters(filter("route-table-id", [id]))
            .send()
            .await
            .map_err(err("DescribeRouteTables"))?;
        for a in tables.route_tables().iter().flat_map(|t| t.associations()) {
            if a.main() == Some(true) {
                continue;
            }
            ec2.disassociate_route_table()
                .set_association_id(a.route_table_association_id().map(str::to_string))
                .send()
                .await
                .map_err(err("DisassociateRouteTable"))?;
        }
        ec2.delete_route_table()
            .route_table_id(id)
            .send()
            .await
            .map_err(err("DeleteRouteTable"))?;
        Ok(())
    }
}

/// The route tables matching a filter on `ids`, in filtered chunks (one call per 200 IDs;
/// IDs that no longer exist just drop out).
pub async fn describe_tables(
    c: &Clients,
    filter_name: &str,
    ids: &[String],
) -> Result<Vec<aws_sdk_ec2::types::RouteTable>, AwsError> {
    describe_filtered!(
        c,
        describe_route_tables,
        filters,
        filter_name,
        ids,
        "DescribeRouteTables"
    )
}

/// Plans the `route` blocks of a route table with `fields`: configured blocks as
/// Terraform stores them; no blocks means the routes are managed elsewhere (`aws_route`),
/// so whatever AWS holds is kept.
pub fn plan_routes(prior: Option<&Value>, config: &Value, planned: &mut Value, fields: &[&str]) {
    let routes = config
        .get_attr("route")
        .and_then(Value::as_seq)
        .unwrap_or_default();
    let v = if routes.is_empty() {
        prior
            .and_then(|p| p.get_attr("route").cloned())
            .unwrap_or(Value::Set(Vec::new()))
    } else {
        Value::set(routes.iter().map(|r| normalize(r, fields)).collect())
    };
    val::set_attr(planned, "route", v);
}

/// Brings the routes of table `id` from the prior object's `route` blocks to the planned
/// object's.
pub async fn sync_routes(
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let old = val::blocks(prior, "route");
    let new = val::blocks(planned, "route");
    for r in old.iter().filter(|r| !new.contains(r)) {
        delete_route(c, id, r).await?;
    }
    for r in new.iter().filter(|r| !old.contains(r)) {
        create_route(c, id, r).await?;
    }
    Ok(())
}

/// Brings the virtual private gateways that propagate routes to table `id` from the prior
/// object's `propagating_vgws` to the planned object's.
pub async fn sync_propagation(
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let old = val::strings(prior, "propagating_vgws");
    let new = val::strings(planned, "propagating_vgws");
    for g in old.iter().filter(|g| !new.contains(g)) {
        propagate(c, id, g, false).await?;
    }
    for g in new.iter().filter(|g| !old.contains(g)) {
        propagate(c, id, g, true).await?;
    }
    Ok(())
}

/// Turns route propagation from virtual private gateway `gateway` to table `table` on or
/// off.
pub async fn propagate(c: &Clients, table: &str, gateway: &str, on: bool) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    if on {
        ec2.enable_vgw_route_propagation()
            .route_table_id(table)
            .gateway_id(gateway)
            .send()
            .await
            .map_err(err("EnableVgwRoutePropagation"))?;
    } else {
        ec2.disable_vgw_route_propagation()
            .route_table_id(table)
            .gateway_id(gateway)
            .send()
            .await
            .map_err(err("DisableVgwRoutePropagation"))?;
    }
    Ok(())
}

/// Routes Terraform does not manage in a table's `route` blocks: the VPC's local route,
/// propagated routes, and the prefix-list routes of gateway endpoints (`aws_vpc_endpoint`
/// owns them).
pub fn managed(r: &Route) -> bool {
    let endpoint = r.destination_prefix_list_id().is_some()
        && r.gateway_id().is_some_and(|g| g.starts_with("vpce-"));
    r.gateway_id() != Some("local")
        && r.origin().map(|o| o.as_str()) != Some("EnableVgwRoutePropagation")
        && !endpoint
}

/// A route block with every field a string ("" when unset), as Terraform stores it.
pub fn normalize(r: &Value, fields: &[&str]) -> Value {
    Value::object(fields.iter().map(|f| {
        let v = match r.get_attr(f) {
            None | Some(Value::Null) => Value::string(""),
            // Unknown (an ID known after apply) stays unknown.
            Some(v) => v.clone(),
        };
        (*f, v)
    }))
}

/// A route as a `route` block with `fields` ("" for what the route does not have).
pub fn route_value(r: &Route, fields: &[&str]) -> Value {
    let gw = r.gateway_id().unwrap_or_default();
    // Gateway endpoints come back as gateway IDs; Terraform shows them as vpc_endpoint_id.
    let (gateway, endpoint) = if gw.starts_with("vpce-") {
        ("", gw)
    } else {
        (gw, "")
    };
    let field = |f: &str| match f {
        "cidr_block" => r.destination_cidr_block(),
        "ipv6_cidr_block" => r.destination_ipv6_cidr_block(),
        "destination_prefix_list_id" => r.destination_prefix_list_id(),
        "carrier_gateway_id" => r.carrier_gateway_id(),
        "core_network_arn" => r.core_network_arn(),
        "egress_only_gateway_id" => r.egress_only_internet_gateway_id(),
        "gateway_id" => Some(gateway),
        "instance_id" => r.instance_id(),
        "local_gateway_id" => r.local_gateway_id(),
        "nat_gateway_id" => r.nat_gateway_id(),
        "network_interface_id" => r.network_interface_id(),
        "transit_gateway_id" => r.transit_gateway_id(),
        "vpc_endpoint_id" => Some(endpoint),
        "vpc_peering_connection_id" => r.vpc_peering_connection_id(),
        _ => None,
    };
    Value::object(
        fields
            .iter()
            .map(|f| (*f, Value::string(field(f).unwrap_or_default()))),
    )
}

fn field(r: &Value, k: &str) -> Option<String> {
    val::str_attr(r, k).map(str::to_string)
}

/// Creates a route from a `route` block or an `aws_route` (whose destinations are named
/// `destination_*`).
pub async fn create_route(c: &Clients, table: &str, r: &Value) -> Result<(), AwsError> {
    c.ec2
        .get()
        .await
        .create_route()
        .route_table_id(table)
        .set_destination_cidr_block(
            field(r, "cidr_block").or_else(|| field(r, "destination_cidr_block")),
        )
        .set_destination_ipv6_cidr_block(
            field(r, "ipv6_cidr_block").or_else(|| field(r, "destination_ipv6_cidr_block")),
        )
        .set_destination_prefix_list_id(field(r, "destination_prefix_list_id"))
        .set_carrier_gateway_id(field(r, "carrier_gateway_id"))
        .set_core_network_arn(field(r, "core_network_arn"))
        .set_egress_only_internet_gateway_id(field(r, "egress_only_gateway_id"))
        .set_gateway_id(field(r, "gateway_id"))
        .set_instance_id(field(r, "instance_id"))
        .set_local_gateway_id(field(r, "local_gateway_id"))
        .set_nat_gateway_id(field(r, "nat_gateway_id"))
        .set_network_interface_id(field(r, "network_interface_id"))
        .set_transit_gateway_id(field(r, "transit_gateway_id"))
        .set_vpc_endpoint_id(field(r, "vpc_endpoint_id"))
        .set_vpc_peering_connection_id(field(r, "vpc_peering_connection_id"))
        .send()
        .await
        .map_err(err("CreateRoute"))?;
    Ok(())
}

pub async fn delete_route(c: &Clients, table: &str, r: &Value) -> Result<(), AwsError> {
    let res = c
        .ec2
        .get()
        .await
        .delete_route()
        .route_table_id(table)
        .set_destination_cidr_block(
            field(r, "cidr_block").or_else(|| field(r, "destination_cidr_block")),
        )
        .set_destination_ipv6_cidr_block(
            field(r, "ipv6_cidr_block").or_else(|| field(r, "destination_ipv6_cidr_block")),
        )
        .set_destination_prefix_list_id(field(r, "destination_prefix_list_id"))
        .send()
        .await
        .map_err(err("DeleteRoute"));
    match res {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}
