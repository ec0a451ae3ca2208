//! `aws_default_route_table`: a VPC's main route table. terrane adopts it on create (its
//! routes and propagating gateways become exactly the configured ones, its tags the
//! planned ones) and only forgets it on destroy, as the Terraform AWS provider does.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::RouteTable;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::route_table::{
    describe_tables, managed, plan_routes, route_block, route_value, sync_propagation, sync_routes,
    DEFAULT_ROUTE_FIELDS,
};
use super::{attr_values, filter, identity, ids, tags};
use crate::clients::Clients;
use crate::error::AwsError;
use crate::resource::{
    tags_value, AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct DefaultRouteTable;

type RouteTableTable = Table<RouteTable, ()>;

static TABLE: LazyLock<RouteTableTable> = LazyLock::new(|| {
    identity(RouteTableTable::new(|| Some(RouteTable::builder().build())))
        .tags_all(|t| tags_value(t.tags()))
        .attr("vpc_id", comp(STR))
        .read(|t, _| val::str_or_empty(t.vpc_id()))
        .attr("default_route_table_id", req(STR).force_new())
        .read(|t, _| val::str_or_empty(t.route_table_id()))
        .attr("propagating_vgws", opt(set_of(STR)))
        .read(|t, _| val::str_set(t.propagating_vgws().iter().filter_map(|p| p.gateway_id())))
        .normalise(crate::table::Normalise::ZeroAsNull)
        // EnableVgwRoutePropagation / DisableVgwRoutePropagation.
        .updated_by_hand()
        .block("route", Nesting::Set, route_block(DEFAULT_ROUTE_FIELDS))
        .read(|t, _| {
            let routes = t.routes().iter().filter(|r| managed(r));
            Value::set(
                routes
                    .map(|r| route_value(r, DEFAULT_ROUTE_FIELDS))
                    .collect(),
            )
        })
        // CreateRoute / DeleteRoute.
        .updated_by_hand()
});

#[async_trait]
impl AwsResource for DefaultRouteTable {
    fn type_name(&self) -> &'static str {
        "aws_default_route_table"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::create_update_minutes(2, 2))
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_routes(prior, config, planned, DEFAULT_ROUTE_FIELDS);
        PlanExtra::default()
    }

    /// One filtered call for the tables; an import names the VPC, whose main table is
    /// described by a second call.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut found = describe_tables(c, "route-table-id", &ids(current)).await?;
        let imported: Vec<Value> = current
            .iter()
            .filter(|cur| val::str_attr(cur, "id").is_none())
            .cloned()
            .collect();
        if !imported.is_empty() {
            found.extend(describe_filtered!(
                c,
                describe_route_tables,
                filters,
                "vpc-id",
                &attr_values(&imported, "vpc_id"),
                "DescribeRouteTables",
                filter("association.main", ["true"])
            )?);
        }
        Ok(current
            .iter()
            .map(|cur| {
                let table = match val::str_attr(cur, "id") {
                    Some(id) => found.iter().find(|t| t.route_table_id() == Some(id)),
                    None => found.iter().find(|t| {
                        t.vpc_id() == val::str_attr(cur, "vpc_id")
                            && t.associations().iter().any(|a| a.main() == Some(true))
                    }),
                }?;
                Some(TABLE.read_value(table, cur, &c.region))
            })
            .collect())
    }

    /// Imported by its VPC's ID, as in Terraform.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("vpc_id", Value::string(id));
        Ok(())
    }

    /// Adopts the table named by `default_route_table_id`: its routes and propagating
    /// gateways are brought from what AWS holds to the configuration.
    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let id = val::str_attr(planned, "default_route_table_id")
            .unwrap_or_default()
            .to_string();
        let found = describe_tables(c, "route-table-id", std::slice::from_ref(&id)).await?;
        let table = found
            .first()
            .ok_or_else(|| AwsError::Invalid(format!("the route table {id:?} was not found")))?;
        let adopted = async {
            tags::adopt(c, &id, table.tags(), planned).await?;
            let held = TABLE.read_value(table, &Value::Null, &c.region);
            sync_propagation(c, &id, &held, planned).await?;
            sync_routes(c, &id, &held, planned).await
        };
        adopted.await.map_err(|e| e.after_create(&id))?;
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
        if TABLE.changed(prior, planned, "propagating_vgws") {
            sync_propagation(c, id, prior, planned).await?;
        }
        if TABLE.changed(prior, planned, "route") {
            sync_routes(c, id, prior, planned).await?;
        }
        Ok(None)
    }

    /// Destroying only forgets the table: AWS deletes it with its VPC.
    async fn delete(&self, _c: &Clients, _prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        Ok(())
    }
}
