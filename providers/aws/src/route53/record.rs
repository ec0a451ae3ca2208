//! `aws_route53_record`: one record set of a zone, simple (`ttl` + `records`) or an alias
//! (`alias`, as the ALB modules point a name at a load balancer), with the weighted,
//! failover, latency, geolocation and multivalue routing policies. Its ID and import ID
//! are `ZONEID_NAME_TYPE[_SETIDENTIFIER]`, as Terraform's. A change of anything but the
//! zone and the name is one atomic change batch: UPSERT when the set keeps its name, type
//! and identifier, else DELETE of the old set and CREATE of the new one (a new ID).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_route53::types::builders::ResourceRecordSetBuilder;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, GeoLocation, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetFailover, ResourceRecordSetRegion, RrType,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{Identity, Nesting};

use super::{clean_name, clean_zone_id, wait_insync};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, identity_of, invalid, known_set, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct RecordRes;

type RecordTable = Table<ResourceRecordSet, ResourceRecordSetBuilder>;

const TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV",
    "SSHFP", "SVCB", "TLSA", "TXT",
];

/// TXT and SPF values are quoted strings in DNS; Terraform's configuration writes them
/// without the quotes, and adds them when sending.
fn quoted(ty: &str) -> bool {
    ty == "TXT" || ty == "SPF"
}

fn record_values(s: &ResourceRecordSet) -> Value {
    if s.resource_records().is_empty() {
        return Value::Null;
    }
    let q = quoted(s.r#type().as_str());
    Value::set(
        s.resource_records()
            .iter()
            .map(|r| {
                let v = r.value();
                let v = if q && v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
                    &v[1..v.len() - 1]
                } else {
                    v
                };
                Value::string(v)
            })
            .collect(),
    )
}

/// A block of at most one item, as read: an empty list when AWS has none.
fn one(item: Option<Value>) -> Value {
    Value::List(item.into_iter().collect())
}

fn first<'a>(v: Arg<'a>) -> Option<&'a Value> {
    v.value().as_seq().and_then(<[Value]>::first)
}

static TABLE: LazyLock<RecordTable> = LazyLock::new(|| {
    RecordTable::new(|| {
        ResourceRecordSet::builder()
            .name("")
            .r#type(RrType::A)
            .build()
            .ok()
    })
    .attr("id", comp(STR))
    // Kept from the configuration (an import sets them from the ID).
    .attr("zone_id", req(STR).force_new())
    .attr("name", req(STR).force_new())
    .attr("fqdn", comp(STR))
    .read(|s, _| Value::string(clean_name(s.name())))
    .attr("type", req(STR))
    .read(|s, _| Value::string(s.r#type().as_str()))
    .create(|b, v| b.set_type(v.str().map(|t| RrType::from(t.as_str()))))
    .updated_by_hand()
    .attr("ttl", opt(NUM))
    .read(|s, _| s.ttl().map_or(Value::Null, Value::number))
    .create(|b, v| b.set_ttl(v.i64()))
    .updated_by_hand()
    // Sent by hand: TXT values are quoted according to `type`.
    .attr("records", opt(set_of(STR)))
    .read(|s, _| record_values(s))
    .updated_by_hand()
    .attr("set_identifier", opt(STR))
    .read(|s, _| val::opt_str(s.set_identifier()))
    .create(|b, v| b.set_set_identifier(v.str()))
    .updated_by_hand()
    .attr("health_check_id", opt(STR))
    .read(|s, _| val::opt_str(s.health_check_id()))
    .create(|b, v| b.set_health_check_id(v.str()))
    .updated_by_hand()
    .attr("multivalue_answer_routing_policy", opt(BOOL))
    .read(|s, _| s.multi_value_answer().map_or(Value::Null, Value::Bool))
    .create(|b, v| b.set_multi_value_answer(v.bool()))
    .updated_by_hand()
    // Terrane's own: UPSERT rather than CREATE, so an existing set is taken over.
    .attr("allow_overwrite", opt_default(BOOL, Value::Bool(false)))
    .updated_by_hand()
    .block(
        "alias",
        Nesting::List,
        S::new()
            .attr("name", req(STR))
            .attr("zone_id", req(STR))
            .attr("evaluate_target_health", req(BOOL)),
    )
    .max_items(1)
    .read(|s, _| {
        one(s.alias_target().map(|a| {
            Value::object([
                ("name", Value::string(clean_name(a.dns_name()))),
                ("zone_id", Value::string(a.hosted_zone_id())),
                (
                    "evaluate_target_health",
                    Value::Bool(a.evaluate_target_health()),
                ),
            ])
        }))
    })
    .create(|b, v| {
        b.set_alias_target(first(v).and_then(|a| {
            AliasTarget::builder()
                .set_dns_name(val::str_attr(a, "name").map(str::to_string))
                .set_hosted_zone_id(val::str_attr(a, "zone_id").map(str::to_string))
                .evaluate_target_health(
                    val::bool_attr(a, "evaluate_target_health").unwrap_or(false),
                )
                .build()
                .ok()
        }))
    })
    .updated_by_hand()
    .block(
        "failover_routing_policy",
        Nesting::List,
        S::new().attr("type", req(STR)),
    )
    .max_items(1)
    .read(|s, _| {
        one(s
            .failover()
            .map(|f| Value::object([("type", Value::string(f.as_str()))])))
    })
    .create(|b, v| {
        b.set_failover(
            first(v)
                .and_then(|f| val::str_attr(f, "type"))
                .map(ResourceRecordSetFailover::from),
        )
    })
    .updated_by_hand()
    .block(
        "geolocation_routing_policy",
        Nesting::List,
        S::new()
            .attr("continent", opt(STR))
            .attr("country", opt(STR))
            .attr("subdivision", opt(STR)),
    )
    .max_items(1)
    .read(|s, _| {
        one(s.geo_location().map(|g| {
            Value::object([
                ("continent", val::opt_str(g.continent_code())),
                ("country", val::opt_str(g.country_code())),
                ("subdivision", val::opt_str(g.subdivision_code())),
            ])
        }))
    })
    .create(|b, v| {
        b.set_geo_location(first(v).map(|g| {
            GeoLocation::builder()
                .set_continent_code(val::str_attr(g, "continent").map(str::to_string))
                .set_country_code(val::str_attr(g, "country").map(str::to_string))
                .set_subdivision_code(val::str_attr(g, "subdivision").map(str::to_string))
                .build()
        }))
    })
    .updated_by_hand()
    .block(
        "latency_routing_policy",
        Nesting::List,
        S::new().attr("region", req(STR)),
    )
    .max_items(1)
    .read(|s, _| {
        one(s
            .region()
            .map(|r| Value::object([("region", Value::string(r.as_str()))])))
    })
    .create(|b, v| {
        b.set_region(
            first(v)
                .and_then(|r| val::str_attr(r, "region"))
                .map(ResourceRecordSetRegion::from),
        )
    })
    .updated_by_hand()
    .block(
        "weighted_routing_policy",
        Nesting::List,
        S::new().attr("weight", req(NUM)),
    )
    .max_items(1)
    .read(|s, _| {
        one(s
            .weight()
            .map(|w| Value::object([("weight", Value::number(w))])))
    })
    .create(|b, v| b.set_weight(first(v).and_then(|w| val::num_attr(w, "weight"))))
    .updated_by_hand()
});

/// The record's full name, as Terraform expands it (in Route 53's form, `clean_name`): a
/// name outside the zone gets the zone's name appended; an empty name is the apex.
pub fn expand_name(name: &str, zone: &str) -> String {
    let name = clean_name(name);
    let zone = clean_name(zone);
    if name.is_empty() {
        zone
    } else if name.ends_with(&zone) {
        name
    } else {
        format!("{name}.{zone}")
    }
}

/// The ID Terraform gives a record: `ZONEID_NAME_TYPE`, then `_SETIDENTIFIER` if any.
fn record_id(v: &Value) -> String {
    let mut id = format!(
        "{}_{}_{}",
        val::str_attr(v, "zone_id").unwrap_or_default(),
        val::str_attr(v, "name").unwrap_or_default().to_lowercase(),
        val::str_attr(v, "type").unwrap_or_default()
    );
    if let Some(s) = val::str_attr(v, "set_identifier") {
        id.push('_');
        id.push_str(s);
    }
    id
}

/// A change batch of these changes.
pub fn change_batch(
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> Result<ChangeBatch, AwsError> {
    let changes = changes
        .into_iter()
        .map(|(action, set)| {
            Change::builder()
                .action(action)
                .resource_record_set(set)
                .build()
                .map_err(|e| AwsError::Invalid(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    ChangeBatch::builder()
        .set_changes(Some(changes))
        .build()
        .map_err(|e| AwsError::Invalid(e.to_string()))
}

/// The zone's name (`None` when the zone is gone).
async fn zone_name(c: &Clients, zone_id: &str) -> Result<Option<String>, AwsError> {
    match c
        .route53
        .get()
        .await
        .get_hosted_zone()
        .id(zone_id)
        .send()
        .await
    {
        Ok(o) => Ok(o.hosted_zone().map(|h| h.name().to_string())),
        Err(e) => {
            let e = AwsError::sdk("GetHostedZone", e);
            if e.is_not_found() {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// The set of `fqdn`, `ty` and `set_id` in the zone, if it exists. Sets are listed in
/// name and type order from the one asked for, so the answer is on the first page
/// unless many sets share the name and type (weighted records): then the next pages.
async fn find_set(
    c: &Clients,
    zone_id: &str,
    fqdn: &str,
    ty: &str,
    set_id: Option<&str>,
) -> Result<Option<ResourceRecordSet>, AwsError> {
    let mut start = Some((fqdn.to_string(), RrType::from(ty), None::<String>));
    while let Some((name, rtype, ident)) = start.take() {
        let out = c
            .route53
            .get()
            .await
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .start_record_name(name)
            .start_record_type(rtype)
            .set_start_record_identifier(ident)
            .max_items(100)
            .send()
            .await
            .map_err(err("ListResourceRecordSets"))?;
        let sets = out.resource_record_sets();
        if let Some(s) = sets.iter().find(|s| {
            clean_name(s.name()) == fqdn
                && s.r#type().as_str() == ty
                && s.set_identifier() == set_id
        }) {
            return Ok(Some(s.clone()));
        }
        // Past the name and type asked for: it does not exist.
        let still_same = sets
            .last()
            .is_some_and(|s| clean_name(s.name()) == fqdn && s.r#type().as_str() == ty);
        if out.is_truncated() && still_same {
            start = out.next_record_name().map(|n| {
                (
                    n.to_string(),
                    out.next_record_type()
                        .cloned()
                        .unwrap_or_else(|| RrType::from(ty)),
                    out.next_record_identifier().map(str::to_string),
                )
            });
        }
    }
    Ok(None)
}

/// The record set the planned object describes, under its full name.
fn planned_set(planned: &Value, fqdn: &str) -> Result<ResourceRecordSet, AwsError> {
    let ty = val::str_attr(planned, "type").unwrap_or_default();
    let records: Vec<ResourceRecord> = val::strings(planned, "records")
        .into_iter()
        .filter_map(|r| {
            let v = if quoted(ty) && !(r.starts_with('"') && r.ends_with('"')) {
                format!("\"{r}\"")
            } else {
                r
            };
            ResourceRecord::builder().value(v).build().ok()
        })
        .collect();
    TABLE
        .create_request(ResourceRecordSet::builder().name(fqdn), planned)
        .set_resource_records((!records.is_empty()).then_some(records))
        .build()
        .map_err(|e| AwsError::Invalid(e.to_string()))
}

async fn send(
    c: &Clients,
    zone_id: &str,
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
    t: Timeout,
) -> Result<(), AwsError> {
    let out = c
        .route53
        .get()
        .await
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(change_batch(changes)?)
        .send()
        .await
        .map_err(err("ChangeResourceRecordSets"))?;
    match out.change_info() {
        Some(info) => wait_insync(c, info.id(), t).await,
        None => Ok(()),
    }
}

/// The full name of a planned or recorded record (one GetHostedZone).
async fn fqdn_of(c: &Clients, v: &Value) -> Result<String, AwsError> {
    let zone_id = val::str_attr(v, "zone_id").unwrap_or_default();
    let zone = zone_name(c, zone_id)
        .await?
        .ok_or_else(|| AwsError::Invalid(format!("hosted zone {zone_id} does not exist")))?;
    Ok(expand_name(
        val::str_attr(v, "name").unwrap_or_default(),
        &zone,
    ))
}

/// `ZONEID_NAME_TYPE[_SETIDENTIFIER]`: the type is the last part that names a record
/// type, so names with underscores (`_acme-challenge`) split right.
fn parse_id(id: &str) -> Option<(&str, String, &str, Option<String>)> {
    let parts: Vec<&str> = id.split('_').collect();
    let at = (2..parts.len())
        .rev()
        .find(|i| TYPES.contains(&parts[*i]))?;
    let set_id = (at + 1 < parts.len()).then(|| parts[at + 1..].join("_"));
    Some((parts[0], parts[1..at].join("_"), parts[at], set_id))
}

const POLICIES: [&str; 4] = [
    "failover_routing_policy",
    "geolocation_routing_policy",
    "latency_routing_policy",
    "weighted_routing_policy",
];

#[async_trait]
impl AwsResource for RecordRes {
    fn type_name(&self) -> &'static str {
        "aws_route53_record"
    }

    fn regional(&self) -> bool {
        false
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(30, 30, 30))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "type", TYPES, diags);
        let alias = !val::blocks(config, "alias").is_empty();
        for k in ["records", "ttl"] {
            if alias && known_set(config, k) {
                invalid(diags, k, format!("\"{k}\": conflicts with alias"));
            }
        }
        if !alias
            && config.get_attr("records").is_some_and(Value::is_null)
            && !config.get_attr("alias").is_some_and(Value::is_unknown)
        {
            invalid(
                diags,
                "records",
                "one of `alias,records` must be specified".into(),
            );
        }
        let policies = POLICIES
            .iter()
            .filter(|p| !val::blocks(config, p).is_empty())
            .count()
            + usize::from(val::bool_attr(config, "multivalue_answer_routing_policy") == Some(true));
        if policies > 1 {
            invalid(
                diags,
                "weighted_routing_policy",
                "only one routing policy may be set on a record".into(),
            );
        }
        if policies > 0 && !known_set(config, "set_identifier") {
            invalid(
                diags,
                "set_identifier",
                "\"set_identifier\": required with a routing policy".into(),
            );
        }
    }

    /// Names as Terraform's StateFuncs keep them: lower case, no trailing dot. A new type
    /// or set identifier makes a new ID.
    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if let Some(n) = val::str_attr(planned, "name") {
            let n = Value::string(n.trim_end_matches('.').to_lowercase());
            val::set_attr(planned, "name", n);
        }
        if let Some(Value::List(items)) = planned.get_attr("alias").cloned() {
            let items = items
                .into_iter()
                .map(|mut a| {
                    if let Some(n) = val::str_attr(&a, "name") {
                        let n = Value::string(clean_name(n));
                        val::set_attr(&mut a, "name", n);
                    }
                    a
                })
                .collect();
            val::set_attr(planned, "alias", Value::List(items));
        }
        if let Some(prior) = prior {
            if val::changed(prior, planned, "type")
                || val::changed(prior, planned, "set_identifier")
            {
                val::set_attr(planned, "id", Value::Unknown);
            }
        }
        PlanExtra::default()
    }

    /// Crash recovery: the zone, name, type and set identifier name the set.
    fn identity(&self, planned: &Value) -> Option<Identity> {
        identity_of(planned, &["zone_id", "name", "type"], &["set_identifier"])
    }

    async fn find(&self, _c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        let mut v = Obj::from(&Value::Null);
        for (k, x) in &identity.0 {
            v.set(k, Value::string(x));
        }
        Ok(Some(record_id(&v.done())))
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (zone, name, ty, set_id) = parse_id(id).ok_or_else(|| {
            format!("unexpected format of ID ({id}), expected ZONEID_RECORDNAME_TYPE_SET-IDENTIFIER (e.g. Z4KAPRWWNC7JR_dev.example.com_NS_dev), where SET-IDENTIFIER is optional")
        })?;
        stub.set("id", Value::string(id));
        stub.set("zone_id", Value::string(zone));
        stub.set(
            "name",
            Value::string(name.trim_end_matches('.').to_lowercase()),
        );
        stub.set("type", Value::string(ty));
        stub.set("set_identifier", val::opt_str(set_id.as_deref()));
        Ok(())
    }

    /// One GetHostedZone per zone (for its name), then one ListResourceRecordSets per
    /// record starting at its name and type, concurrently.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut zones: BTreeMap<&str, Option<String>> = BTreeMap::new();
        for cur in current {
            if let Some(z) = val::str_attr(cur, "zone_id") {
                zones.entry(clean_zone_id(z)).or_default();
            }
        }
        let names = futures::future::join_all(zones.keys().map(|z| zone_name(c, z))).await;
        for (slot, name) in zones.values_mut().zip(names) {
            *slot = name?;
        }
        let jobs = current.iter().map(|cur| {
            let zones = &zones;
            async move {
                let zone_id = clean_zone_id(val::str_attr(cur, "zone_id").unwrap_or_default());
                let Some(Some(zone)) = zones.get(zone_id) else {
                    return Ok(None);
                };
                let fqdn = expand_name(val::str_attr(cur, "name").unwrap_or_default(), zone);
                let ty = val::str_attr(cur, "type").unwrap_or_default();
                let set_id = val::str_attr(cur, "set_identifier");
                let Some(set) = find_set(c, zone_id, &fqdn, ty, set_id).await? else {
                    return Ok(None);
                };
                Ok(Some(TABLE.read_value(&set, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let zone_id = clean_zone_id(val::str_attr(planned, "zone_id").unwrap_or_default());
        let fqdn = fqdn_of(c, planned).await?;
        let action = if val::bool_attr(planned, "allow_overwrite") == Some(true) {
            ChangeAction::Upsert
        } else {
            ChangeAction::Create
        };
        send(c, zone_id, vec![(action, planned_set(planned, &fqdn)?)], t).await?;
        Ok(record_id(planned))
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let zone_id = clean_zone_id(val::str_attr(prior, "zone_id").unwrap_or_default());
        let fqdn = fqdn_of(c, prior).await?;
        let new = planned_set(planned, &fqdn)?;
        let same_set = !TABLE.changed(prior, planned, "type")
            && !TABLE.changed(prior, planned, "set_identifier");
        let changes = if same_set {
            vec![(ChangeAction::Upsert, new)]
        } else {
            let ty = val::str_attr(prior, "type").unwrap_or_default();
            let set_id = val::str_attr(prior, "set_identifier");
            let old = find_set(c, zone_id, &fqdn, ty, set_id).await?;
            old.map(|o| (ChangeAction::Delete, o))
                .into_iter()
                .chain([(ChangeAction::Create, new)])
                .collect()
        };
        send(c, zone_id, changes, t).await?;
        Ok((!same_set).then(|| record_id(planned)))
    }

    /// Deletes the set as Route 53 holds it (a DELETE must repeat every value).
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let zone_id = clean_zone_id(val::str_attr(prior, "zone_id").unwrap_or_default());
        let Some(zone) = zone_name(c, zone_id).await? else {
            return Ok(());
        };
        let fqdn = expand_name(val::str_attr(prior, "name").unwrap_or_default(), &zone);
        let ty = val::str_attr(prior, "type").unwrap_or_default();
        let set_id = val::str_attr(prior, "set_identifier");
        let Some(set) = find_set(c, zone_id, &fqdn, ty, set_id).await? else {
            return Ok(());
        };
        send(c, zone_id, vec![(ChangeAction::Delete, set)], t).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_expand_into_the_zone() {
        assert_eq!(expand_name("www", "example.com."), "www.example.com");
        assert_eq!(
            expand_name("WWW.example.com.", "example.com"),
            "www.example.com"
        );
        assert_eq!(expand_name("", "example.com."), "example.com");
        assert_eq!(expand_name("*", "example.com."), "\\052.example.com");
    }

    #[test]
    fn import_ids_split_at_the_record_type() {
        assert_eq!(
            parse_id("Z1_dev.example.com_NS"),
            Some(("Z1", "dev.example.com".into(), "NS", None))
        );
        assert_eq!(
            parse_id("Z1__acme-challenge.example.com_TXT_live_1"),
            Some((
                "Z1",
                "_acme-challenge.example.com".into(),
                "TXT",
                Some("live_1".into())
            ))
        );
        assert_eq!(parse_id("Z1_nothing"), None);
    }
}
