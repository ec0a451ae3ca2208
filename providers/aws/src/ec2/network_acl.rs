//! `aws_network_acl` and `aws_default_network_acl`: a VPC's network ACLs, with inline
//! `ingress`/`egress` rule blocks and the subnets they guard. The default ACL is adopted
//! on create (its rules become exactly the configured ones) and only forgotten on
//! destroy, as the Terraform AWS provider does; a subnet leaving an ordinary ACL goes
//! back to its VPC's default ACL (a subnet always has one).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::{IcmpTypeCode, NetworkAcl, NetworkAclEntry, PortRange, ResourceType};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{AttributeSchema, Nesting};

use super::{describe_by_ids, filter, identity, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_ipv4_cidr, invalid, tags_value, while_dependent, AwsResource, Failed, PlanExtra, Tagging,
    Timeout,
};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table};
use crate::val;

/// `aws_network_acl` (`default: false`) or `aws_default_network_acl`.
pub struct NetworkAclRes {
    pub default: bool,
}

/// The rule blocks of an ACL.
const RULE_BLOCKS: [&str; 2] = ["ingress", "egress"];

/// The rules AWS puts in every ACL (deny everything else, IPv4 and IPv6), which cannot
/// be changed and are not shown.
const CATCH_ALL_RULES: [i32; 2] = [32767, 32768];

type AclTable = Table<NetworkAcl, ()>;

fn rule_block() -> S {
    S::new()
        .attr("action", req(STR))
        .attr("cidr_block", opt(STR))
        .attr("from_port", req(NUM))
        .attr("icmp_code", opt(NUM))
        .attr("icmp_type", opt(NUM))
        .attr("ipv6_cidr_block", opt(STR))
        .attr("protocol", req(STR))
        .attr("rule_no", req(NUM))
        .attr("to_port", req(NUM))
}

/// The rows both types share; `scope` adds what differs (how the VPC is named).
fn acl_table(scope: fn(AclTable) -> AclTable, subnets: AttributeSchema) -> AclTable {
    let t = identity(AclTable::new(|| Some(NetworkAcl::builder().build())))
        .tags_all(|n| tags_value(n.tags()))
        .attr("subnet_ids", subnets)
        .read(|n, _| val::str_set(n.associations().iter().filter_map(|a| a.subnet_id())))
        .normalise(Normalise::ZeroAsNull)
        // ReplaceNetworkAclAssociation.
        .updated_by_hand()
        .block("ingress", Nesting::Set, rule_block())
        .read(|n, _| rules(n, false))
        // CreateNetworkAclEntry / DeleteNetworkAclEntry.
        .updated_by_hand()
        .block("egress", Nesting::Set, rule_block())
        .read(|n, _| rules(n, true))
        .updated_by_hand();
    scope(t)
}

static ACL: LazyLock<AclTable> = LazyLock::new(|| {
    acl_table(
        |t| {
            t.attr("vpc_id", req(STR).force_new())
                .read(|n, _| val::str_or_empty(n.vpc_id()))
        },
        opt_comp(set_of(STR)),
    )
});

static DEFAULT_ACL: LazyLock<AclTable> = LazyLock::new(|| {
    acl_table(
        |t| {
            t.attr("vpc_id", comp(STR))
                .read(|n, _| val::str_or_empty(n.vpc_id()))
                .attr("default_network_acl_id", req(STR).force_new())
                .read(|n, _| val::str_or_empty(n.network_acl_id()))
        },
        // Optional and computed, unlike the Terraform provider's (optional only), where
        // leaving it out plans to remove every subnet of the VPC forever (a subnet cannot
        // leave the default ACL except by joining another); the VPC module ignores its
        // changes for that reason.
        opt_comp(set_of(STR)),
    )
});

impl NetworkAclRes {
    fn table(&self) -> &'static AclTable {
        if self.default {
            &DEFAULT_ACL
        } else {
            &ACL
        }
    }
}

#[async_trait]
impl AwsResource for NetworkAclRes {
    fn type_name(&self) -> &'static str {
        if self.default {
            "aws_default_network_acl"
        } else {
            "aws_network_acl"
        }
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(NetworkAclRes::table(self))
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for b in RULE_BLOCKS {
            for r in val::blocks(config, b) {
                check_rule(r, "rule_no", "action", diags);
            }
        }
    }

    /// Configured rule blocks as AWS stores them. An ordinary ACL without rule blocks
    /// keeps what AWS holds (rules may come from `aws_network_acl_rule`); the default ACL
    /// has exactly the configured rules, none when there are no blocks.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        for b in RULE_BLOCKS {
            let configured = val::blocks(config, b);
            let v = if configured.is_empty() && !self.default {
                prior
                    .and_then(|p| p.get_attr(b).cloned())
                    .unwrap_or(Value::Set(Vec::new()))
            } else {
                Value::set(configured.iter().map(normalise_block).collect())
            };
            val::set_attr(planned, b, v);
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_acls(c, &ids(current)).await?;
        Ok(read_table(self.table(), c, current, found, |n| {
            n.network_acl_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let empty = Value::Null;
        let (id, held) = if self.default {
            let id = val::str_attr(planned, "default_network_acl_id").unwrap_or_default();
            let out = ec2
                .describe_network_acls()
                .network_acl_ids(id)
                .send()
                .await
                .map_err(err("DescribeNetworkAcls"))?;
            let acl = out
                .network_acls()
                .iter()
                .find(|n| n.is_default() == Some(true))
                .ok_or_else(|| {
                    AwsError::Invalid(format!(
                        "{id:?} is not a default network ACL: use the aws_network_acl resource"
                    ))
                })?;
            tags::adopt(c, id, acl.tags(), planned)
                .await
                .map_err(|e| e.after_create(id))?;
            (
                id.to_string(),
                DEFAULT_ACL.read_value(acl, &empty, &c.region),
            )
        } else {
            let out = ec2
                .create_network_acl()
                .set_vpc_id(val::str_attr(planned, "vpc_id").map(str::to_string))
                .set_tag_specifications(
                    tags::spec(ResourceType::NetworkAcl, planned).map(|s| vec![s]),
                )
                .send()
                .await
                .map_err(err("CreateNetworkAcl"))?;
            let id = out
                .network_acl()
                .and_then(|n| n.network_acl_id())
                .ok_or_else(|| AwsError::Invalid("CreateNetworkAcl returned no ID".into()))?;
            (id.to_string(), Value::Null)
        };
        drop(ec2);
        sync(c, &id, &held, planned, !self.default)
            .await
            .map_err(|e| e.after_create(&id))?;
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
        // Subnets cannot leave the default ACL except by joining another one.
        sync(c, id, prior, planned, !self.default).await?;
        Ok(None)
    }

    /// The default ACL is only forgotten (AWS deletes it with its VPC); an ordinary one
    /// gives its subnets back to the default ACL first.
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        if self.default {
            return Ok(());
        }
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let vpc = val::str_attr(prior, "vpc_id").unwrap_or_default();
        let ec2 = c.ec2.get().await;
        let out = ec2
            .describe_network_acls()
            .filters(filter("vpc-id", [vpc]))
            .send()
            .await
            .map_err(err("DescribeNetworkAcls"))?;
        let subnets: Vec<String> = out
            .network_acls()
            .iter()
            .filter(|n| n.network_acl_id() == Some(id))
            .flat_map(|n| n.associations())
            .filter_map(|a| a.subnet_id().map(str::to_string))
            .collect();
        drop(ec2);
        to_default_acl(c, vpc, &subnets).await?;
        let ec2 = c.ec2.get().await;
        while_dependent("network ACL", t, || async {
            ec2.delete_network_acl()
                .network_acl_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteNetworkAcl"))
        })
        .await
    }
}

/// The ACLs with these IDs (not every EC2 endpoint filters on `network-acl-id`).
pub async fn describe_acls(c: &Clients, acl_ids: &[String]) -> Result<Vec<NetworkAcl>, AwsError> {
    let ec2 = c.ec2.get().await;
    describe_by_ids(acl_ids, |ids| {
        let ec2 = &ec2;
        async move {
            ec2.describe_network_acls()
                .set_network_acl_ids(Some(ids))
                .send()
                .await
                .map(|out| out.network_acls().to_vec())
                .map_err(err("DescribeNetworkAcls"))
        }
    })
    .await
}

/// Brings an ACL's rules and subnets from `prior` to `planned`. Subnets that leave go to
/// the VPC's default ACL when `release_subnets` (not for the default ACL itself).
async fn sync(
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
    release_subnets: bool,
) -> Result<(), AwsError> {
    for (b, egress) in [("ingress", false), ("egress", true)] {
        let old: Vec<&Value> = val::blocks(prior, b).iter().collect();
        let new: Vec<&Value> = val::blocks(planned, b).iter().collect();
        for r in old.iter().filter(|r| !new.contains(r)) {
            delete_entry(c, id, egress, val::i32_attr(r, "rule_no").unwrap_or(0)).await?;
        }
        for r in new.iter().filter(|r| !old.contains(r)) {
            create_entry(c, id, egress, &Entry::from_block(r)).await?;
        }
    }
    let old: BTreeSet<String> = val::strings(prior, "subnet_ids").into_iter().collect();
    let new: BTreeSet<String> = val::strings(planned, "subnet_ids").into_iter().collect();
    let joining: Vec<String> = new.difference(&old).cloned().collect();
    let leaving: Vec<String> = old.difference(&new).cloned().collect();
    if release_subnets && !leaving.is_empty() {
        let vpc = val::str_attr(prior, "vpc_id").unwrap_or_default();
        to_default_acl(c, vpc, &leaving).await?;
    }
    associate(c, id, &joining).await
}

/// Moves `subnets` to ACL `acl`: each subnet's current association is replaced.
pub async fn associate(c: &Clients, acl: &str, subnets: &[String]) -> Result<(), AwsError> {
    if subnets.is_empty() {
        return Ok(());
    }
    let held = describe_filtered!(
        c,
        describe_network_acls,
        filters,
        "association.subnet-id",
        subnets,
        "DescribeNetworkAcls"
    )?;
    let ec2 = c.ec2.get().await;
    for s in subnets {
        let assoc = held
            .iter()
            .flat_map(|n| n.associations())
            .find(|a| a.subnet_id() == Some(s.as_str()))
            .and_then(|a| a.network_acl_association_id())
            .ok_or_else(|| AwsError::Invalid(format!("subnet {s} has no network ACL")))?;
        ec2.replace_network_acl_association()
            .association_id(assoc)
            .network_acl_id(acl)
            .send()
            .await
            .map_err(err("ReplaceNetworkAclAssociation"))?;
    }
    Ok(())
}

/// Gives `subnets` back to the default ACL of `vpc`.
async fn to_default_acl(c: &Clients, vpc: &str, subnets: &[String]) -> Result<(), AwsError> {
    if subnets.is_empty() {
        return Ok(());
    }
    let out = c
        .ec2
        .get()
        .await
        .describe_network_acls()
        .filters(filter("vpc-id", [vpc]))
        .filters(filter("default", ["true"]))
        .send()
        .await
        .map_err(err("DescribeNetworkAcls"))?;
    let default = out
        .network_acls()
        .first()
        .and_then(|n| n.network_acl_id())
        .ok_or_else(|| AwsError::Invalid(format!("VPC {vpc} has no default network ACL")))?
        .to_string();
    associate(c, &default, subnets).await
}

/// The rules of one direction as blocks, without AWS's catch-all rules.
fn rules(n: &NetworkAcl, egress: bool) -> Value {
    Value::set(
        n.entries()
            .iter()
            .filter(|e| e.egress() == Some(egress))
            .filter(|e| !CATCH_ALL_RULES.contains(&e.rule_number().unwrap_or(0)))
            .map(|e| Entry::from_sdk(e).block())
            .collect(),
    )
}

/// One ACL rule, as an inline block and `aws_network_acl_rule` both hold it.
pub struct Entry {
    pub rule_no: i32,
    /// "allow" or "deny".
    pub action: String,
    /// The protocol number as a string (-1 for all).
    pub protocol: String,
    pub cidr_block: String,
    pub ipv6_cidr_block: String,
    pub from_port: i32,
    pub to_port: i32,
    pub icmp_type: i32,
    pub icmp_code: i32,
}

impl Entry {
    pub fn from_sdk(e: &NetworkAclEntry) -> Entry {
        let ports = e.port_range();
        let icmp = e.icmp_type_code();
        let protocol = e.protocol().unwrap_or("-1");
        Entry {
            rule_no: e.rule_number().unwrap_or(0),
            action: e
                .rule_action()
                .map(|a| a.as_str().to_ascii_lowercase())
                .unwrap_or_default(),
            protocol: protocol_number(protocol).map_or(protocol.to_string(), |n| n.to_string()),
            cidr_block: e.cidr_block().unwrap_or_default().to_string(),
            ipv6_cidr_block: e.ipv6_cidr_block().unwrap_or_default().to_string(),
            from_port: ports.and_then(PortRange::from).unwrap_or(0),
            to_port: ports.and_then(PortRange::to).unwrap_or(0),
            icmp_type: icmp.and_then(IcmpTypeCode::r#type).unwrap_or(0),
            icmp_code: icmp.and_then(IcmpTypeCode::code).unwrap_or(0),
        }
    }

    /// From a configured (or stored) rule block; unset values are AWS's zero values.
    fn from_block(r: &Value) -> Entry {
        let s = |k| val::str_attr(r, k).unwrap_or_default().to_string();
        let n = |k| val::i32_attr(r, k).unwrap_or(0);
        let protocol = s("protocol");
        Entry {
            rule_no: n("rule_no"),
            action: s("action").to_ascii_lowercase(),
            protocol: protocol_number(&protocol).map_or(protocol, |n| n.to_string()),
            cidr_block: s("cidr_block"),
            ipv6_cidr_block: s("ipv6_cidr_block"),
            from_port: n("from_port"),
            to_port: n("to_port"),
            icmp_type: n("icmp_type"),
            icmp_code: n("icmp_code"),
        }
    }

    fn block(&self) -> Value {
        Value::object([
            ("rule_no", val::num(self.rule_no)),
            ("action", Value::string(&self.action)),
            ("protocol", Value::string(&self.protocol)),
            ("cidr_block", Value::string(&self.cidr_block)),
            ("ipv6_cidr_block", Value::string(&self.ipv6_cidr_block)),
            ("from_port", val::num(self.from_port)),
            ("to_port", val::num(self.to_port)),
            ("icmp_type", val::num(self.icmp_type)),
            ("icmp_code", val::num(self.icmp_code)),
        ])
    }

    fn is_icmp(&self) -> bool {
        matches!(self.protocol.as_str(), "1" | "58")
    }
}

/// A configured rule block as AWS stores it (unknown values stay unknown).
fn normalise_block(r: &Value) -> Value {
    if r.contains_unknown() {
        return r.clone();
    }
    Entry::from_block(r).block()
}

/// Creates one rule; ICMP type and code go only with ICMP, as AWS wants.
pub async fn create_entry(c: &Clients, acl: &str, egress: bool, e: &Entry) -> Result<(), AwsError> {
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let icmp = e.is_icmp().then(|| {
        IcmpTypeCode::builder()
            .r#type(e.icmp_type)
            .code(e.icmp_code)
            .build()
    });
    c.ec2
        .get()
        .await
        .create_network_acl_entry()
        .network_acl_id(acl)
        .egress(egress)
        .rule_number(e.rule_no)
        .rule_action(e.action.as_str().into())
        .protocol(&e.protocol)
        .set_cidr_block(nonempty(&e.cidr_block))
        .set_ipv6_cidr_block(nonempty(&e.ipv6_cidr_block))
        .port_range(PortRange::builder().from(e.from_port).to(e.to_port).build())
        .set_icmp_type_code(icmp)
        .send()
        .await
        .map_err(err("CreateNetworkAclEntry"))?;
    Ok(())
}

/// Deletes one rule; a rule (or ACL) already gone is no error.
pub async fn delete_entry(
    c: &Clients,
    acl: &str,
    egress: bool,
    rule_no: i32,
) -> Result<(), AwsError> {
    let res = c
        .ec2
        .get()
        .await
        .delete_network_acl_entry()
        .network_acl_id(acl)
        .egress(egress)
        .rule_number(rule_no)
        .send()
        .await
        .map_err(err("DeleteNetworkAclEntry"));
    match res {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

/// The protocol number of a name or number (`tcp` is 6, `all` is -1), for the names
/// configurations use; `None` for anything else.
pub fn protocol_number(p: &str) -> Option<i32> {
    let p = p.trim().to_ascii_lowercase();
    if let Ok(n) = p.parse::<i32>() {
        return (-1..=255).contains(&n).then_some(n);
    }
    Some(match p.as_str() {
        "all" => -1,
        "icmp" => 1,
        "igmp" => 2,
        "ipv4" => 4,
        "tcp" => 6,
        "udp" => 17,
        "ipv6" => 41,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "ipv6-icmp" | "icmpv6" => 58,
        "sctp" => 132,
        _ => return None,
    })
}

/// Checks one rule's protocol, action, rule number and CIDR block (attribute names as
/// the rule spells them: inline blocks say `rule_no`/`action`, `aws_network_acl_rule`
/// says `rule_number`/`rule_action`).
pub fn check_rule(r: &Value, rule_no: &str, action: &str, diags: &mut Diagnostics) {
    if let Some(p) = r.get_attr("protocol").and_then(Value::as_str) {
        if protocol_number(p).is_none() {
            invalid(diags, "protocol", format!("{p:?} is not a protocol: use a protocol number (-1 for all) or tcp, udp, icmp, icmpv6, esp, ah, gre or sctp."));
        }
    }
    if let Some(a) = r.get_attr(action).and_then(Value::as_str) {
        if !a.eq_ignore_ascii_case("allow") && !a.eq_ignore_ascii_case("deny") {
            invalid(
                diags,
                action,
                format!("expected {action} to be one of [allow, deny], got {a:?}."),
            );
        }
    }
    crate::resource::check_range(r, rule_no, rule_no, 1..=32766, diags);
    // A planned block holds "" for an unset block (IPv6 rules).
    if val::str_attr(r, "cidr_block").is_some() {
        check_ipv4_cidr(r, "cidr_block", 0..=32, diags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_are_stored_as_numbers() {
        assert_eq!(protocol_number("TCP"), Some(6));
        assert_eq!(protocol_number("-1"), Some(-1));
        assert_eq!(protocol_number("all"), Some(-1));
        assert_eq!(protocol_number("300"), None);
        assert_eq!(protocol_number("tcpx"), None);
    }

    #[test]
    fn a_planned_ipv6_rule_passes_the_checks_made_again_at_apply() {
        let block = Value::object([
            ("rule_no", val::num(101)),
            ("action", Value::string("allow")),
            ("protocol", Value::string("-1")),
            ("ipv6_cidr_block", Value::string("::/0")),
            ("from_port", val::num(0)),
            ("to_port", val::num(0)),
        ]);
        let mut diags = Diagnostics::new();
        check_rule(&normalise_block(&block), "rule_no", "action", &mut diags);
        assert!(!diags.has_errors(), "{diags:?}");
    }

    #[test]
    fn a_configured_rule_block_is_planned_as_aws_stores_it() {
        let block = Value::object([
            ("rule_no", val::num(100)),
            ("action", Value::string("ALLOW")),
            ("protocol", Value::string("tcp")),
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("from_port", val::num(443)),
            ("to_port", val::num(443)),
        ]);
        let planned = normalise_block(&block);
        assert_eq!(val::str_attr(&planned, "protocol"), Some("6"));
        assert_eq!(val::str_attr(&planned, "action"), Some("allow"));
        assert_eq!(
            planned.get_attr("ipv6_cidr_block"),
            Some(&Value::string(""))
        );
        assert_eq!(planned.get_attr("icmp_code"), Some(&val::num(0)));
    }
}
