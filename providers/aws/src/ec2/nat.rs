//! `aws_nat_gateway`. The secondary addresses change in place (associate/disassociate
//! for public gateways, assign/unassign for private ones), as in Terraform; everything
//! else but tags replaces. Create, update and delete wait within the `timeouts`.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_nat_gateway::builders::CreateNatGatewayFluentBuilder;
use aws_sdk_ec2::types::{ConnectivityType, NatGateway, NatGatewayAddress, ResourceType};

use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, invalid, known_set, wait_for, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct NatGatewayRes;

const COUNT: &str = "secondary_private_ip_address_count";

/// The gateway's primary address (the only one, or the one marked primary).
fn primary(g: &NatGateway) -> Option<&NatGatewayAddress> {
    let addrs = g.nat_gateway_addresses();
    addrs
        .iter()
        .find(|a| a.is_primary() == Some(true) || addrs.len() == 1)
}

/// Its secondary addresses.
fn secondary(g: &NatGateway) -> impl Iterator<Item = &NatGatewayAddress> {
    let addrs = g.nat_gateway_addresses();
    addrs
        .iter()
        .filter(move |a| a.is_primary() == Some(false) && addrs.len() > 1)
}

type GatewayTable = Table<NatGateway, CreateNatGatewayFluentBuilder>;

static TABLE: LazyLock<GatewayTable> = LazyLock::new(|| {
    GatewayTable::new(|| Some(NatGateway::builder().build()))
        .tags_all(|g| tags_value(g.tags()))
        .attr("id", comp(STR))
        .read(|g, _| val::opt_str(g.nat_gateway_id()))
        .attr("allocation_id", opt(STR).force_new())
        .read(|g, _| val::opt_str(primary(g).and_then(|a| a.allocation_id())))
        .create(|b, v| b.set_allocation_id(v.str()))
        .attr("association_id", comp(STR))
        .read(|g, _| val::str_or_empty(primary(g).and_then(|a| a.association_id())))
        .attr(
            "connectivity_type",
            opt_default(STR, Value::string("public")).force_new(),
        )
        .read(|g, _| val::opt_str(g.connectivity_type().map(ConnectivityType::as_str)))
        .create(|b, v| b.set_connectivity_type(v.str().map(|x| ConnectivityType::from(x.as_str()))))
        .attr("network_interface_id", comp(STR))
        .read(|g, _| val::str_or_empty(primary(g).and_then(|a| a.network_interface_id())))
        .attr("private_ip", opt_comp(STR).force_new())
        .read(|g, _| val::str_or_empty(primary(g).and_then(|a| a.private_ip())))
        .create(|b, v| b.set_private_ip_address(v.str()))
        .attr("public_ip", comp(STR))
        .read(|g, _| val::str_or_empty(primary(g).and_then(|a| a.public_ip())))
        // Null while never configured and AWS has none.
        .attr("secondary_allocation_ids", opt(set_of(STR)))
        .read(|g, cx| {
            let ids: Vec<&str> = secondary(g).filter_map(|a| a.allocation_id()).collect();
            let never = cx
                .current
                .get_attr("secondary_allocation_ids")
                .is_none_or(Value::is_null);
            if ids.is_empty() && never {
                Value::Null
            } else {
                val::str_set(ids)
            }
        })
        .create(|b, v| b.set_secondary_allocation_ids(v.strings().filter(|v| !v.is_empty())))
        // Associate and disassociate (public gateways).
        .updated_by_hand()
        // Replaces when configured differently (see `plan`); not `force_new` in the
        // schema, because a new secondary Elastic IP makes it unknown in place.
        .attr(COUNT, opt_comp(NUM))
        .read(|g, _| val::num(u32::try_from(secondary(g).count()).unwrap_or(0)))
        .create(|b, v| b.set_secondary_private_ip_address_count(v.i32().filter(|n| *n > 0)))
        .updated_by_hand()
        .attr("secondary_private_ip_addresses", opt_comp(set_of(STR)))
        .read(|g, _| val::str_set(secondary(g).filter_map(|a| a.private_ip())))
        // Assign and unassign (private gateways).
        .updated_by_hand()
        .attr("subnet_id", req(STR).force_new())
        .read(|g, _| val::opt_str(g.subnet_id()))
        .create(|b, v| b.set_subnet_id(v.str()))
});

#[async_trait]
impl AwsResource for NatGatewayRes {
    fn type_name(&self) -> &'static str {
        "aws_nat_gateway"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 30))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "connectivity_type", &["public", "private"], diags);
        let ty = val::str_attr(config, "connectivity_type").unwrap_or("public");
        let unsupported: &[&str] = if ty == "private" {
            &["allocation_id", "secondary_allocation_ids"]
        } else {
            &["secondary_private_ip_address_count"]
        };
        for k in unsupported {
            let set = match config.get_attr(k) {
                Some(Value::Set(v) | Value::List(v)) => !v.is_empty(),
                Some(v) => !v.is_null() && !v.is_unknown(),
                None => false,
            };
            if set {
                invalid(
                    diags,
                    k,
                    format!("{k} is not supported with connectivity_type = \"{ty}\"."),
                );
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        let mut extra = PlanExtra::default();
        let Some(prior) = prior else { return extra };
        if known_set(config, COUNT) && val::changed(prior, planned, COUNT) {
            extra.requires_replace.push(COUNT.to_string());
        }
        // New secondary addresses of a public gateway get private IPs AWS picks.
        let public = val::str_attr(planned, "connectivity_type") != Some("private");
        if public && val::changed(prior, planned, "secondary_allocation_ids") {
            val::set_attr(planned, COUNT, Value::Unknown);
            if !known_set(config, "secondary_private_ip_addresses") {
                val::set_attr(planned, "secondary_private_ip_addresses", Value::Unknown);
            }
        }
        extra
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, &ids(current)).await?;
        // Deleted gateways stay visible for a while in state "deleted": gone for us.
        let found: Vec<NatGateway> = found
            .into_iter()
            .filter(|g| {
                !matches!(
                    g.state().map(|s| s.as_str()),
                    Some("deleted" | "deleting" | "failed")
                )
            })
            .collect();
        Ok(read_table(&TABLE, c, current, found, |g| {
            g.nat_gateway_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.ec2.get().await.create_nat_gateway(), planned)
            .set_tag_specifications(tags::spec(ResourceType::Natgateway, planned).map(|s| vec![s]))
            .send()
            .await
            .map_err(err("CreateNatGateway"))?;
        let id = out
            .nat_gateway()
            .and_then(|g| g.nat_gateway_id())
            .ok_or_else(|| AwsError::Invalid("CreateNatGateway returned no ID".into()))?
            .to_string();
        wait_for("NAT gateway", "available", t, || async {
            let g = describe(c, std::slice::from_ref(&id)).await?;
            let g = g.first();
            Ok(match g.and_then(|g| g.state()).map(|s| s.as_str()) {
                Some("available") => Ok(()),
                Some("failed") => {
                    return Err(AwsError::Api {
                        operation: "CreateNatGateway".into(),
                        code: g
                            .and_then(|g| g.failure_code())
                            .unwrap_or("Failed")
                            .to_string(),
                        message: g
                            .and_then(|g| g.failure_message())
                            .unwrap_or_default()
                            .to_string(),
                    })
                }
                other => Err(other.unwrap_or("not found").to_string()),
            })
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default().to_string();
        if val::str_attr(planned, "connectivity_type") == Some("private") {
            update_private_ips(c, &id, prior, planned, t).await?;
        } else {
            update_allocations(c, &id, prior, planned, t).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default().to_string();
        c.ec2
            .get()
            .await
            .delete_nat_gateway()
            .nat_gateway_id(&id)
            .send()
            .await
            .map_err(err("DeleteNatGateway"))?;
        wait_for("NAT gateway", "deleted", t, || async {
            let g = describe(c, std::slice::from_ref(&id)).await?;
            Ok(
                match g.first().and_then(|g| g.state()).map(|s| s.as_str()) {
                    None | Some("deleted") => Ok(()),
                    Some(other) => Err(other.to_string()),
                },
            )
        })
        .await
    }
}

async fn describe(c: &Clients, ids: &[String]) -> Result<Vec<NatGateway>, AwsError> {
    describe_filtered!(
        c,
        describe_nat_gateways,
        filter,
        "nat-gateway-id",
        ids,
        "DescribeNatGateways"
    )
}

/// What is in `new` and not in `old`, and the other way round.
fn added_removed(prior: &Value, planned: &Value, k: &str) -> (Vec<String>, Vec<String>) {
    let old = val::strings(prior, k);
    let new = val::strings(planned, k);
    let added = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let removed = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    (added, removed)
}

/// Waits until every address picked by `key` (allocation ID or private IP) in `want` has
/// reached `succeeded` (`present`) or is gone (`!present`).
async fn wait_addresses(
    c: &Clients,
    id: &str,
    want: &[String],
    key: fn(&NatGatewayAddress) -> Option<&str>,
    present: bool,
    t: Timeout,
) -> Result<(), AwsError> {
    let wanted = if present { "associated" } else { "released" };
    wait_for("NAT gateway address", wanted, t, || async {
        let g = describe(c, &[id.to_string()]).await?;
        let addrs = g
            .first()
            .map(NatGateway::nat_gateway_addresses)
            .unwrap_or_default();
        for w in want {
            let a = addrs.iter().find(|a| key(a) == Some(w.as_str()));
            let status = a.and_then(|a| a.status()).map(|s| s.as_str());
            if status == Some("failed") {
                return Err(AwsError::Api {
                    operation: "NAT gateway address".into(),
                    code: "Failed".into(),
                    message: a
                        .and_then(|a| a.failure_message())
                        .unwrap_or_default()
                        .to_string(),
                });
            }
            let done = if present {
                status == Some("succeeded")
            } else {
                a.is_none()
            };
            if !done {
                return Ok(Err(format!("{w}: {}", status.unwrap_or("not listed"))));
            }
        }
        Ok(Ok(()))
    })
    .await
}

/// A public gateway's secondary Elastic IPs: associate the new, disassociate the old.
async fn update_allocations(
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
    t: Timeout,
) -> Result<(), AwsError> {
    let (add, del) = added_removed(prior, planned, "secondary_allocation_ids");
    if !add.is_empty() {
        let (ips, _) = added_removed(prior, planned, "secondary_private_ip_addresses");
        c.ec2
            .get()
            .await
            .associate_nat_gateway_address()
            .nat_gateway_id(id)
            .set_allocation_ids(Some(add.clone()))
            .set_private_ip_addresses(Some(ips).filter(|v| !v.is_empty()))
            .send()
            .await
            .map_err(err("AssociateNatGatewayAddress"))?;
        wait_addresses(c, id, &add, NatGatewayAddress::allocation_id, true, t).await?;
    }
    if !del.is_empty() {
        let g = describe(c, &[id.to_string()]).await?;
        let associations: Vec<String> = g
            .first()
            .map(NatGateway::nat_gateway_addresses)
            .unwrap_or_default()
            .iter()
            .filter(|a| {
                a.allocation_id()
                    .is_some_and(|x| del.iter().any(|d| d == x))
            })
            .filter_map(|a| a.association_id().map(str::to_string))
            .collect();
        c.ec2
            .get()
            .await
            .disassociate_nat_gateway_address()
            .nat_gateway_id(id)
            .set_association_ids(Some(associations))
            .send()
            .await
            .map_err(err("DisassociateNatGatewayAddress"))?;
        wait_addresses(c, id, &del, NatGatewayAddress::allocation_id, false, t).await?;
    }
    Ok(())
}

/// A private gateway's secondary private IPs: assign the new, unassign the old.
async fn update_private_ips(
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
    t: Timeout,
) -> Result<(), AwsError> {
    let (add, del) = added_removed(prior, planned, "secondary_private_ip_addresses");
    if !add.is_empty() {
        c.ec2
            .get()
            .await
            .assign_private_nat_gateway_address()
            .nat_gateway_id(id)
            .set_private_ip_addresses(Some(add.clone()))
            .send()
            .await
            .map_err(err("AssignPrivateNatGatewayAddress"))?;
        wait_addresses(c, id, &add, NatGatewayAddress::private_ip, true, t).await?;
    }
    if !del.is_empty() {
        c.ec2
            .get()
            .await
            .unassign_private_nat_gateway_address()
            .nat_gateway_id(id)
            .set_private_ip_addresses(Some(del.clone()))
            .send()
            .await
            .map_err(err("UnassignPrivateNatGatewayAddress"))?;
        wait_addresses(c, id, &del, NatGatewayAddress::private_ip, false, t).await?;
    }
    Ok(())
}
