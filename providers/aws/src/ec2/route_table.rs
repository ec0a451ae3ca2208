//! `aws_route_table` with inline `route` blocks. Routes are compared as a set; without
//! any `route` block the table's routes are not managed here (they may come from
//! `aws_route`), as in Terraform.

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, Route};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use super::{filter, ids, match_ids, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_ipv4_cidr, AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct RouteTable;

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

#[async_trait]
impl AwsResource for RouteTable {
    fn type_name(&self) -> &'static str {
        "aws_route_table"
    }

    fn schema(&self) -> BlockSchema {
        let mut route = S::new();
        for f in ROUTE_FIELDS {
            route = route.attr(f, opt(STR));
        }
        S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("owner_id", comp(STR))
            .attr("vpc_id", req(STR).force_new())
            .attr("propagating_vgws", opt_comp(set_of(STR)))
            .block("route", Nesting::Set, route)
            .build()
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
        let routes = config
            .get_attr("route")
            .and_then(Value::as_seq)
            .unwrap_or_default();
        let v = if routes.is_empty() {
            prior
                .and_then(|p| p.get_attr("route").cloned())
                .unwrap_or(Value::Set(Vec::new()))
        } else {
            Value::set(routes.iter().map(normalize).collect())
        };
        val::set_attr(planned, "route", v);
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
        Ok(match_ids(
            current,
            found,
            |t| t.route_table_id(),
            |cur, t| {
                let id = t.route_table_id().unwrap_or_default();
                let owner = t.owner_id().unwrap_or_default();
                let routes: Vec<Value> = t
                    .routes()
                    .iter()
                    .filter(|r| managed(r))
                    .map(route_value)
                    .collect();
                let mut o = Obj::from(cur);
                o.set("id", Value::string(id))
                    .set(
                        "arn",
                        Value::string(c.ec2_arn(owner, &format!("route-table/{id}"))),
                    )
                    .set("owner_id", Value::string(owner))
                    .set("vpc_id", val::opt_str(t.vpc_id()))
                    .set("route", Value::set(routes))
                    .set(
                        "propagating_vgws",
                        val::str_set(t.propagating_vgws().iter().filter_map(|p| p.gateway_id())),
                    )
                    .set("tags_all", tags_value(t.tags()));
                o.done()
            },
        ))
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
        let old = prior
            .get_attr("route")
            .and_then(Value::as_seq)
            .unwrap_or_default();
        let new = planned
            .get_attr("route")
            .and_then(Value::as_seq)
            .unwrap_or_default();
        for r in old.iter().filter(|r| !new.contains(r)) {
            delete_route(c, id, r).await?;
        }
        for r in new.iter().filter(|r| !old.contains(r)) {
            create_route(c, id, r).await?;
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

/// Routes Terraform does not manage: the VPC's local route and propagated routes.
fn managed(r: &Route) -> bool {
    r.gateway_id() != Some("local")
        && r.origin().map(|o| o.as_str()) != Some("EnableVgwRoutePropagation")
}

/// A route block with every field a string ("" when unset), as Terraform stores it.
pub fn normalize(r: &Value) -> Value {
    Value::object(ROUTE_FIELDS.iter().map(|f| {
        let v = match r.get_attr(f) {
            None | Some(Value::Null) => Value::string(""),
            // Unknown (an ID known after apply) stays unknown.
            Some(v) => v.clone(),
        };
        (*f, v)
    }))
}

pub fn route_value(r: &Route) -> Value {
    let gw = r.gateway_id().unwrap_or_default();
    // Gateway endpoints come back as gateway IDs; Terraform shows them as vpc_endpoint_id.
    let (gateway, endpoint) = if gw.starts_with("vpce-") {
        ("", gw)
    } else {
        (gw, "")
    };
    let fields = [
        r.destination_cidr_block().unwrap_or_default(),
        r.destination_ipv6_cidr_block().unwrap_or_default(),
        r.destination_prefix_list_id().unwrap_or_default(),
        r.carrier_gateway_id().unwrap_or_default(),
        r.core_network_arn().unwrap_or_default(),
        r.egress_only_internet_gateway_id().unwrap_or_default(),
        gateway,
        r.local_gateway_id().unwrap_or_default(),
        r.nat_gateway_id().unwrap_or_default(),
        r.network_interface_id().unwrap_or_default(),
        r.transit_gateway_id().unwrap_or_default(),
        endpoint,
        r.vpc_peering_connection_id().unwrap_or_default(),
    ];
    Value::object(
        ROUTE_FIELDS
            .iter()
            .zip(fields)
            .map(|(k, v)| (*k, Value::string(v))),
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
