//! `aws_route_table_association`. The subnet or gateway replaces; a new route table
//! replaces the association in place (which gives it a new ID).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::associate_route_table::builders::AssociateRouteTableFluentBuilder;
use aws_sdk_ec2::types::RouteTableAssociation as Association;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::ids;
use super::route_table::describe_tables;
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{invalid, AwsResource, Failed, PlanExtra, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct RouteTableAssociation;

type AssociationTable = Table<Association, AssociateRouteTableFluentBuilder>;

static TABLE: LazyLock<AssociationTable> = LazyLock::new(|| {
    AssociationTable::new(|| Some(Association::builder().build()))
        .attr("id", comp(STR))
        .read(|a, _| val::opt_str(a.route_table_association_id()))
        .attr("subnet_id", opt(STR).force_new())
        .read(|a, _| val::opt_str(a.subnet_id()))
        .create(|b, v| b.set_subnet_id(v.str()))
        .attr("gateway_id", opt(STR).force_new())
        .read(|a, _| val::opt_str(a.gateway_id()))
        .create(|b, v| b.set_gateway_id(v.str()))
        .attr("route_table_id", req(STR))
        .read(|a, _| val::opt_str(a.route_table_id()))
        .create(|b, v| b.set_route_table_id(v.str()))
        // ReplaceRouteTableAssociation, which gives the association a new ID.
        .updated_by_hand()
});

#[async_trait]
impl AwsResource for RouteTableAssociation {
    fn type_name(&self) -> &'static str {
        "aws_route_table_association"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let subnet = config.get_attr("subnet_id").is_some_and(|v| !v.is_null());
        let gateway = config.get_attr("gateway_id").is_some_and(|v| !v.is_null());
        if subnet == gateway {
            invalid(
                diags,
                "subnet_id",
                "exactly one of subnet_id or gateway_id must be set.".into(),
            );
        }
    }

    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if prior.is_some_and(|p| TABLE.changed(p, planned, "route_table_id")) {
            val::set_attr(planned, "id", Value::Unknown);
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut tables =
            describe_tables(c, "association.route-table-association-id", &ids(current)).await?;
        // Imports name the association by subnet (or gateway) and route table instead.
        let by_table: Vec<String> = current
            .iter()
            .filter(|c| val::str_attr(c, "id").is_none())
            .filter_map(|c| val::str_attr(c, "route_table_id").map(str::to_string))
            .collect();
        if !by_table.is_empty() {
            tables.extend(describe_tables(c, "route-table-id", &by_table).await?);
        }
        let assocs: Vec<_> = tables.iter().flat_map(|t| t.associations()).collect();
        Ok(current
            .iter()
            .map(|cur| {
                let id = val::str_attr(cur, "id");
                let a = assocs.iter().find(|a| match id {
                    Some(id) => a.route_table_association_id() == Some(id),
                    None => {
                        a.route_table_id() == val::str_attr(cur, "route_table_id")
                            && (a.subnet_id() == val::str_attr(cur, "subnet_id")
                                && a.subnet_id().is_some()
                                || a.gateway_id() == val::str_attr(cur, "gateway_id")
                                    && a.gateway_id().is_some())
                    }
                })?;
                Some(TABLE.read_value(a, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.ec2.get().await.associate_route_table(), planned)
            .send()
            .await
            .map_err(err("AssociateRouteTable"))?;
        Ok(out
            .association_id()
            .ok_or_else(|| {
                AwsError::Invalid("AssociateRouteTable returned no association ID".into())
            })?
            .to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if !TABLE.changed(prior, planned, "route_table_id") {
            return Ok(None);
        }
        let out = c
            .ec2
            .get()
            .await
            .replace_route_table_association()
            .set_association_id(val::str_attr(prior, "id").map(str::to_string))
            .set_route_table_id(val::str_attr(planned, "route_table_id").map(str::to_string))
            .send()
            .await
            .map_err(err("ReplaceRouteTableAssociation"))?;
        Ok(out.new_association_id().map(str::to_string))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        c.ec2
            .get()
            .await
            .disassociate_route_table()
            .set_association_id(val::str_attr(prior, "id").map(str::to_string))
            .send()
            .await
            .map_err(err("DisassociateRouteTable"))?;
        Ok(())
    }

    /// `subnet-123/rtb-456` or `igw-123/rtb-456`, as Terraform imports them.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (target, rtb) = id.split_once('/').ok_or_else(|| {
            format!("expected SUBNET_ID/ROUTE_TABLE_ID or GATEWAY_ID/ROUTE_TABLE_ID, got {id:?}")
        })?;
        let key = if target.starts_with("subnet-") {
            "subnet_id"
        } else {
            "gateway_id"
        };
        stub.set(key, Value::string(target))
            .set("route_table_id", Value::string(rtb));
        Ok(())
    }
}
