//! `aws_nat_gateway`. The secondary addresses change in place (associate/disassociate
//! for public gateways, assign/unassign for private ones), as in Terraform; everything
//! else but tags replaces. Create, update and delete wait within the `timeouts`.

use async_trait::async_trait;
use aws_sdk_ec2::types::{ConnectivityType, NatGateway, NatGatewayAddress, ResourceType};

use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{ids, match_ids, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, invalid, known_set, wait_for, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct NatGatewayRes;

const COUNT: &str = "secondary_private_ip_address_count";

#[async_trait]
impl AwsResource for NatGatewayRes {
    fn type_name(&self) -> &'static str {
        "aws_nat_gateway"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("allocation_id", opt(STR).force_new())
            .attr("association_id", comp(STR))
            .attr(
                "connectivity_type",
                opt_default(STR, Value::string("public")).force_new(),
            )
            .attr("network_interface_id", comp(STR))
            .attr("private_ip", opt_comp(STR).force_new())
            .attr("public_ip", comp(STR))
            .attr("secondary_allocation_ids", opt(set_of(STR)))
            // Replaces when configured differently (see `plan`); not `force_new` in the
            // schema, because a new secondary Elastic IP makes it unknown in place.
            .attr(COUNT, opt_comp(NUM))
            .attr("secondary_private_ip_addresses", opt_comp(set_of(STR)))
            .attr("subnet_id", req(STR).force_new())
            .build()
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
        Ok(match_ids(
            current,
            found,
            |g| g.nat_gateway_id(),
            |cur, g| {
                let addrs = g.nat_gateway_addresses();
                let primary = addrs
                    .iter()
                    .find(|a| a.is_primary() == Some(true) || addrs.len() == 1);
                let secondary: Vec<_> = addrs
                    .iter()
                    .filter(|a| a.is_primary() == Some(false) && addrs.len() > 1)
                    .collect();
                let sec_alloc: Vec<&str> =
                    secondary.iter().filter_map(|a| a.allocation_id()).collect();
                let sec_ips: Vec<&str> = secondary.iter().filter_map(|a| a.private_ip()).collect();
                let mut o = Obj::from(cur);
                o.set("id", val::opt_str(g.nat_gateway_id()))
                    .set("subnet_id", val::opt_str(g.subnet_id()))
                    .set(
                        "connectivity_type",
                        val::opt_str(g.connectivity_type().map(ConnectivityType::as_str)),
                    )
                    .set(
                        "allocation_id",
                        val::opt_str(primary.and_then(|a| a.allocation_id())),
                    )
                    .set(
                        "association_id",
                        val::str_or_empty(primary.and_then(|a| a.association_id())),
                    )
                    .set(
                        "network_interface_id",
                        val::str_or_empty(primary.and_then(|a| a.network_interface_id())),
                    )
                    .set(
                        "private_ip",
                        val::str_or_empty(primary.and_then(|a| a.private_ip())),
                    )
                    .set(
                        "public_ip",
                        val::str_or_empty(primary.and_then(|a| a.public_ip())),
                    )
                    .set(
                        "secondary_allocation_ids",
                        if sec_alloc.is_empty()
                            && cur
                                .get_attr("secondary_allocation_ids")
                                .is_none_or(Value::is_null)
                        {
                            Value::Null
                        } else {
                            val::str_set(sec_alloc)
                        },
                    )
                    .set(
                        "secondary_private_ip_address_count",
                        val::num(u32::try_from(sec_ips.len()).unwrap_or(0)),
                    )
                    .set("secondary_private_ip_addresses", val::str_set(sec_ips))
                    .set("tags_all", tags_value(g.tags()));
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let s = |k| val::str_attr(planned, k).map(str::to_string);
        let out = c
            .ec2
            .get()
            .await
            .create_nat_gateway()
            .set_subnet_id(s("subnet_id"))
            .set_allocation_id(s("allocation_id"))
            .set_connectivity_type(
                s("connectivity_type").map(|x| ConnectivityType::from(x.as_str())),
            )
            .set_private_ip_address(s("private_ip"))
            .set_secondary_allocation_ids(
                Some(val::strings(planned, "secondary_allocation_ids")).filter(|v| !v.is_empty()),
            )
            .set_secondary_private_ip_address_count(
                val::num_attr(planned, "secondary_private_ip_address_count")
                    .and_then(|n| i32::try_from(n).ok())
                    .filter(|n| *n > 0),
            )
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
