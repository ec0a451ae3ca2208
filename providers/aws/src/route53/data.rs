//! Data `aws_route53_zone`: one hosted zone, by `zone_id`, or by `name` (with
//! `private_zone`, `vpc_id` and `tags` narrowing it), as the Terraform provider finds it.

use async_trait::async_trait;
use aws_sdk_route53::types::HostedZone;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::zone::ZoneDesc;
use super::{clean_name, clean_zone_id};
use crate::clients::Clients;
use crate::data::AwsDataSource;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::schema::*;
use crate::val::{self, Obj};

pub struct ZoneData;

/// Every hosted zone of the account (ListHostedZones, page by page).
async fn all_zones(c: &Clients) -> Result<Vec<HostedZone>, AwsError> {
    let mut zones = Vec::new();
    let mut marker = None;
    loop {
        let out = c
            .route53
            .get()
            .await
            .list_hosted_zones()
            .set_marker(marker)
            .send()
            .await
            .map_err(err("ListHostedZones"))?;
        zones.extend(out.hosted_zones().iter().cloned());
        marker = out.next_marker().map(str::to_string);
        if !out.is_truncated() || marker.is_none() {
            return Ok(zones);
        }
    }
}

/// Whether a zone's details (VPCs, tags) match what the configuration asks for.
fn details_match(z: &ZoneDesc, config: &Value) -> bool {
    if let Some(vpc) = val::str_attr(config, "vpc_id") {
        if !z.out.vpcs().iter().any(|v| v.vpc_id() == Some(vpc)) {
            return false;
        }
    }
    let want = val::string_map(config, "tags");
    let have = tags_value(&z.tags);
    want.iter()
        .all(|(k, v)| have.get_attr(k).and_then(Value::as_str) == Some(v))
}

#[async_trait]
impl AwsDataSource for ZoneData {
    fn type_name(&self) -> &'static str {
        "aws_route53_zone"
    }

    fn regional(&self) -> bool {
        false
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("zone_id", opt_comp(STR))
            .attr("name", opt_comp(STR))
            .attr("private_zone", opt_default(BOOL, Value::Bool(false)))
            .attr("vpc_id", opt_comp(STR))
            .attr("tags", opt_comp(map_of(STR)))
            .attr("arn", comp(STR))
            .attr("caller_reference", comp(STR))
            .attr("comment", comp(STR))
            .attr("name_servers", comp(list_of(STR)))
            .attr("primary_name_server", comp(STR))
            .attr("resource_record_set_count", comp(NUM))
            .attr("linked_service_principal", comp(STR))
            .attr("linked_service_description", comp(STR))
            .attr("enable_accelerated_recovery", comp(BOOL))
            .build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let by_id = val::str_attr(config, "zone_id").map(|z| clean_zone_id(z).to_string());
        let name = val::str_attr(config, "name").map(clean_name);
        let private = val::bool_attr(config, "private_zone").unwrap_or(false);
        let candidates: Vec<String> = match &by_id {
            Some(id) => vec![id.clone()],
            None => all_zones(c)
                .await?
                .iter()
                .filter(|z| name.as_ref().is_none_or(|n| clean_name(z.name()) == *n))
                .filter(|z| z.config().is_some_and(|cfg| cfg.private_zone()) == private)
                .map(|z| clean_zone_id(z.id()).to_string())
                .collect(),
        };
        let mut found = Vec::new();
        for id in &candidates {
            let Some(z) = super::zone::describe(c, id).await? else {
                continue;
            };
            if by_id.is_some() || details_match(&z, config) {
                found.push(z);
            }
        }
        let Some(z) = found.pop().filter(|_| found.is_empty()) else {
            let n = found.len() + usize::from(!candidates.is_empty() && found.is_empty());
            return Err(AwsError::Invalid(format!(
                "no matching Route 53 Hosted Zone found{}",
                if n > 1 {
                    ": the query matched several zones, and exactly one is needed"
                } else {
                    ""
                }
            )));
        };
        let Some(h) = z.out.hosted_zone() else {
            return Err(AwsError::Invalid("GetHostedZone returned no zone".into()));
        };
        let id = clean_zone_id(h.id()).to_string();
        let partition = crate::region::partition(&c.region);
        let mut servers = z.name_servers.clone();
        let primary = servers.first().cloned();
        servers.sort();
        let mut o = Obj::from(config);
        o.set("id", Value::string(&id))
            .set("zone_id", Value::string(&id))
            .set("name", Value::string(clean_name(h.name())))
            .set(
                "private_zone",
                Value::Bool(h.config().is_some_and(|c| c.private_zone())),
            )
            .set(
                "arn",
                Value::string(format!("arn:{partition}:route53:::hostedzone/{id}")),
            )
            .set("caller_reference", Value::string(h.caller_reference()))
            .set(
                "comment",
                Value::string(h.config().and_then(|c| c.comment()).unwrap_or_default()),
            )
            .set("name_servers", val::str_list(servers))
            .set("primary_name_server", val::opt_str(primary.as_deref()))
            .set(
                "resource_record_set_count",
                h.resource_record_set_count()
                    .map_or(Value::Null, Value::number),
            )
            .set(
                "linked_service_principal",
                val::opt_str(h.linked_service().and_then(|l| l.service_principal())),
            )
            .set(
                "linked_service_description",
                val::opt_str(h.linked_service().and_then(|l| l.description())),
            )
            .set("tags", tags_value(&z.tags));
        let vpc = val::str_attr(config, "vpc_id").map(str::to_string);
        o.set("vpc_id", val::opt_str(vpc.as_deref()));
        let accel = super::zone::accelerated(&z);
        o.set("enable_accelerated_recovery", Value::Bool(accel));
        Ok(o.done())
    }
}
