//! `aws_security_group_rule`: one permission (protocol, ports, possibly several sources) of
//! a group, in one direction. Everything but the description replaces. AWS keeps one rule
//! per source, so the object exists while every configured source does. The ID is
//! Terraform's `sgrule-<crc32 of the permission>`.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, SecurityGroupRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::attr_values;
use super::route::crc32;
use super::security_group::{authorize, describe_rules, ip_permission, protocol, revoke};
use super::sg_rule::{check_protocol_ports, same_protocol_name};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, check_ipv4_cidrs, invalid, known_set, AwsResource, Failed, Timeout,
};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct SecurityGroupRuleRes;

/// The rules AWS keeps for the object's sources (one per source), with the ID and the
/// protocol the object's arguments give.
struct Matched {
    id: String,
    protocol: String,
    rules: Vec<SecurityGroupRule>,
}

/// The permission's arguments are the object's identity (they replace): kept as known,
/// since AWS holds them spread over one rule per source. The create and the description
/// update are built whole from the planned object (`permission`, `rule_request`).
static TABLE: LazyLock<Table<Matched, ()>> = LazyLock::new(|| {
    Table::new(|| {
        Some(Matched {
            id: String::new(),
            protocol: "-1".into(),
            rules: Vec::new(),
        })
    })
    .attr("id", comp(STR))
    .read(|m, _| Value::string(&m.id))
    // A rule of one source has an `sgr-` ID of its own; several sources have several.
    .attr("security_group_rule_id", comp(STR))
    .read(|m, _| match m.rules.as_slice() {
        [one] => val::str_or_empty(one.security_group_rule_id()),
        _ => Value::string(""),
    })
    .attr("type", req(STR).force_new())
    .attr("security_group_id", req(STR).force_new())
    // "6" and "tcp", "all" and "-1" are the same protocol: the known spelling stays.
    .attr("protocol", req(STR).force_new())
    .read(|m, _| Value::string(&m.protocol))
    .normalise(Normalise::Equivalent(same_protocol_name))
    .attr("from_port", req(NUM).force_new())
    .attr("to_port", req(NUM).force_new())
    .attr("cidr_blocks", opt(list_of(STR)).force_new())
    .attr("ipv6_cidr_blocks", opt(list_of(STR)).force_new())
    .attr("prefix_list_ids", opt(list_of(STR)).force_new())
    .attr("source_security_group_id", opt_comp(STR).force_new())
    .attr("self", opt_default(BOOL, Value::Bool(false)).force_new())
    .attr("description", opt(STR))
    .read(|m, _| val::opt_str(m.rules.first().and_then(|r| r.description())))
    // ModifySecurityGroupRules, one update per source.
    .updated_by_hand()
});

#[async_trait]
impl AwsResource for SecurityGroupRuleRes {
    fn type_name(&self) -> &'static str {
        "aws_security_group_rule"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "type", &["ingress", "egress"], diags);
        check_ipv4_cidrs(config, "cidr_blocks", diags);
        check_protocol_ports(config, "protocol", diags);
        let set = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_null());
        let has_self = val::bool_attr(config, "self") == Some(true);
        // Computed, so unknown at apply when not configured: only a known value conflicts.
        if known_set(config, "source_security_group_id")
            && (has_self
                || known_set(config, "cidr_blocks")
                || known_set(config, "ipv6_cidr_blocks"))
        {
            invalid(
                diags,
                "source_security_group_id",
                "source_security_group_id conflicts with self, cidr_blocks and ipv6_cidr_blocks."
                    .into(),
            );
        }
        let any = ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"]
            .iter()
            .any(|k| set(k))
            || set("source_security_group_id")
            || has_self;
        if !any {
            invalid(
                diags,
                "cidr_blocks",
                "one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, self or source_security_group_id must be set.".into(),
            );
        }
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let groups = attr_values(current, "security_group_id");
        // Every rule of every group of the batch, in one filtered call per 200 groups.
        let found = describe_rules(c, "group-id", &groups).await?;
        Ok(current
            .iter()
            .map(|cur| {
                let rules = matched_rules(cur, &found)?;
                if rules.is_empty() {
                    return None;
                }
                let m = Matched {
                    id: rule_id(cur),
                    protocol: proto(cur),
                    rules: rules.into_iter().cloned().collect(),
                };
                Some(TABLE.read_value(&m, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let group = val::str_attr(planned, "security_group_id").unwrap_or_default();
        authorize(c, group, egress(planned), vec![permission(planned)], None).await?;
        Ok(rule_id(planned))
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if !TABLE.changed(prior, planned, "description") {
            return Ok(None);
        }
        // ModifySecurityGroupRules by each source's sgr- ID: it updates rules that
        // reference a group too, which not every implementation of
        // UpdateSecurityGroupRuleDescriptions* does (moto leaves them unchanged).
        let group = val::str_attr(prior, "security_group_id").unwrap_or_default();
        let found = describe_rules(c, "group-id", &[group.to_string()]).await?;
        let rules = matched_rules(prior, &found).ok_or_else(|| {
            AwsError::Invalid(format!("a source of rule {} is gone", rule_id(prior)))
        })?;
        let desc = val::str_attr(planned, "description").unwrap_or_default();
        let updates = rules
            .iter()
            .map(|r| {
                SecurityGroupRuleUpdate::builder()
                    .set_security_group_rule_id(r.security_group_rule_id().map(str::to_string))
                    .security_group_rule(rule_request(r, desc))
                    .build()
            })
            .collect();
        c.ec2
            .get()
            .await
            .modify_security_group_rules()
            .group_id(group)
            .set_security_group_rules(Some(updates))
            .send()
            .await
            .map_err(err("ModifySecurityGroupRules"))?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let group = val::str_attr(prior, "security_group_id").unwrap_or_default();
        revoke(c, group, egress(prior), Some(vec![permission(prior)]), None).await
    }

    /// `SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE]*`, a source being a CIDR block,
    /// a prefix list, a group ID or `self`, as Terraform imports it.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let usage = || {
            format!("expected SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE]* (sg-1_ingress_tcp_443_443_10.0.0.0/16), got {id:?}")
        };
        let parts: Vec<&str> = id.split('_').collect();
        let [sg, ty, proto, from, to, sources @ ..] = parts.as_slice() else {
            return Err(usage());
        };
        if !sg.starts_with("sg-") || !["ingress", "egress"].contains(ty) || sources.is_empty() {
            return Err(usage());
        }
        let proto = protocol(proto).ok_or_else(usage)?;
        let port = |p: &str| p.parse::<i32>().map(val::num).map_err(|_| usage());
        stub.set("security_group_id", Value::string(*sg))
            .set("type", Value::string(*ty))
            .set("protocol", Value::string(proto))
            .set("from_port", port(from)?)
            .set("to_port", port(to)?)
            .set("self", Value::Bool(false));
        let mut lists: [(&str, Vec<&str>); 3] = [
            ("cidr_blocks", vec![]),
            ("ipv6_cidr_blocks", vec![]),
            ("prefix_list_ids", vec![]),
        ];
        for s in sources {
            if *s == "self" || s == sg {
                stub.set("self", Value::Bool(true));
            } else if s.starts_with("sg-") {
                stub.set("source_security_group_id", Value::string(*s));
            } else if s.starts_with("pl-") {
                lists[2].1.push(s);
            } else if s.contains(':') {
                lists[1].1.push(s);
            } else if s.contains('/') {
                lists[0].1.push(s);
            } else {
                return Err(usage());
            }
        }
        for (k, v) in lists {
            if !v.is_empty() {
                stub.set(k, val::str_list(v));
            }
        }
        Ok(())
    }
}

fn egress(v: &Value) -> bool {
    val::str_attr(v, "type") == Some("egress")
}

fn proto(v: &Value) -> String {
    let p = val::str_attr(v, "protocol").unwrap_or("-1");
    protocol(p).unwrap_or_else(|| p.to_string())
}

fn port(v: &Value, k: &str) -> i32 {
    val::num_attr(v, k)
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(0)
}

/// The configured sources as `(kind, source)`; `self` is the group's own ID.
fn sources(v: &Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (k, kind) in [
        ("cidr_blocks", "cidr"),
        ("ipv6_cidr_blocks", "ipv6"),
        ("prefix_list_ids", "pl"),
    ] {
        out.extend(val::strings(v, k).into_iter().map(|s| (kind, s)));
    }
    if let Some(g) = val::str_attr(v, "source_security_group_id") {
        out.push(("sg", g.to_string()));
    }
    if val::bool_attr(v, "self") == Some(true) {
        let own = val::str_attr(v, "security_group_id").unwrap_or_default();
        out.push(("sg", own.to_string()));
    }
    out
}

fn permission(v: &Value) -> IpPermission {
    let src = sources(v);
    let src: Vec<(&str, &str)> = src.iter().map(|(k, s)| (*k, s.as_str())).collect();
    ip_permission(
        &proto(v),
        port(v, "from_port"),
        port(v, "to_port"),
        val::str_attr(v, "description").unwrap_or_default(),
        &src,
    )
}

/// Terraform's ID for the rule: `sgrule-` + CRC-32 of "group-[from-][to-]protocol-type-"
/// followed by the sorted IPv4, IPv6, prefix list and group sources (each group followed
/// by its absent name), so IDs agree with state written by Terraform.
pub fn rule_id(v: &Value) -> String {
    let mut s = format!(
        "{}-",
        val::str_attr(v, "security_group_id").unwrap_or_default()
    );
    for k in ["from_port", "to_port"] {
        let n = port(v, k);
        if n > 0 {
            s.push_str(&format!("{n}-"));
        }
    }
    s.push_str(&format!(
        "{}-{}-",
        proto(v),
        val::str_attr(v, "type").unwrap_or_default()
    ));
    let src = sources(v);
    for kind in ["cidr", "ipv6", "pl", "sg"] {
        let mut of: Vec<&str> = src
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, s)| s.as_str())
            .collect();
        of.sort_unstable();
        for x in of {
            s.push_str(x);
            s.push_str(if kind == "sg" { "--" } else { "-" });
        }
    }
    format!("sgrule-{}", crc32(s.as_bytes()))
}

/// The rule with every other field as AWS holds it and a new description.
fn rule_request(r: &SecurityGroupRule, description: &str) -> SecurityGroupRuleRequest {
    SecurityGroupRuleRequest::builder()
        .set_ip_protocol(r.ip_protocol().map(str::to_string))
        .set_from_port(r.from_port())
        .set_to_port(r.to_port())
        .set_cidr_ipv4(r.cidr_ipv4().map(str::to_string))
        .set_cidr_ipv6(r.cidr_ipv6().map(str::to_string))
        .set_prefix_list_id(r.prefix_list_id().map(str::to_string))
        .set_referenced_group_id(
            r.referenced_group_info()
                .and_then(|g| g.group_id())
                .map(str::to_string),
        )
        .description(description)
        .build()
}

/// The rules AWS keeps for the configured sources (one per source), or `None` when any
/// configured source is gone.
fn matched_rules<'a>(
    cur: &Value,
    found: &'a [SecurityGroupRule],
) -> Option<Vec<&'a SecurityGroupRule>> {
    let group = val::str_attr(cur, "security_group_id")?;
    let want_proto = proto(cur);
    let (from, to) = (port(cur, "from_port"), port(cur, "to_port"));
    let matching = |kind: &str, source: &str| {
        found.iter().find(|r| {
            r.group_id() == Some(group)
                && r.is_egress() == Some(egress(cur))
                && protocol(r.ip_protocol().unwrap_or("-1")).as_deref() == Some(&*want_proto)
                // Ports mean nothing for all protocols.
                && (want_proto == "-1"
                    || (r.from_port() == Some(from) && r.to_port() == Some(to)))
                && match kind {
                    "cidr" => r.cidr_ipv4() == Some(source),
                    "ipv6" => r.cidr_ipv6() == Some(source),
                    "pl" => r.prefix_list_id() == Some(source),
                    _ => r.referenced_group_info().and_then(|g| g.group_id()) == Some(source),
                }
        })
    };
    sources(cur).iter().map(|(k, s)| matching(k, s)).collect()
}
