//! `aws_network_acl_rule`: one rule of a network ACL. Every argument replaces it. Its ID
//! is the Terraform provider's (`nacl-` and a CRC-32 of ACL, rule number, direction and
//! protocol), so state moves between Terraform and terrane unchanged; it is imported as
//! `ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS`.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::NetworkAclEntry;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::attr_values;
use super::network_acl::{
    check_rule, create_entry, delete_entry, describe_acls, protocol_number, Entry,
};
use super::route::crc32;
use crate::clients::Clients;
use crate::error::AwsError;
use crate::resource::{check_exactly_one, AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct NetworkAclRule;

/// A rule as DescribeNetworkAcls describes it, with its ACL.
struct Described {
    acl: String,
    entry: NetworkAclEntry,
}

type RuleTable = Table<Described, ()>;

fn same_protocol(a: &str, b: &str) -> bool {
    protocol_number(a).is_some() && protocol_number(a) == protocol_number(b)
}

static TABLE: LazyLock<RuleTable> = LazyLock::new(|| {
    RuleTable::new(|| {
        Some(Described {
            acl: String::new(),
            entry: NetworkAclEntry::builder().build(),
        })
    })
    .attr("id", comp(STR))
    .read(|d, cx| {
        let e = Entry::from_sdk(&d.entry);
        // The ID hashes the protocol as configured ("tcp" or "6").
        let protocol = val::str_attr(cx.current, "protocol").unwrap_or(&e.protocol);
        let egress = d.entry.egress().unwrap_or(false);
        Value::string(rule_id(&d.acl, e.rule_no, egress, protocol))
    })
    .attr("network_acl_id", req(STR).force_new())
    .read(|d, _| Value::string(&d.acl))
    .attr("rule_number", req(NUM).force_new())
    .read(|d, _| val::num(Entry::from_sdk(&d.entry).rule_no))
    .attr("egress", opt_default(BOOL, Value::Bool(false)).force_new())
    .read(|d, _| Value::Bool(d.entry.egress().unwrap_or(false)))
    .attr("protocol", req(STR).force_new())
    .read(|d, _| Value::string(Entry::from_sdk(&d.entry).protocol))
    .normalise(Normalise::Equivalent(same_protocol))
    .attr("rule_action", req(STR).force_new())
    .read(|d, _| Value::string(Entry::from_sdk(&d.entry).action))
    .normalise(Normalise::Equivalent(|a, b| a.eq_ignore_ascii_case(b)))
    .attr("cidr_block", opt(STR).force_new())
    .read(|d, _| Value::string(Entry::from_sdk(&d.entry).cidr_block))
    .normalise(Normalise::ZeroAsNull)
    .attr("ipv6_cidr_block", opt(STR).force_new())
    .read(|d, _| Value::string(Entry::from_sdk(&d.entry).ipv6_cidr_block))
    .normalise(Normalise::ZeroAsNull)
    .attr("from_port", opt(NUM).force_new())
    .read(|d, _| val::num(Entry::from_sdk(&d.entry).from_port))
    .normalise(Normalise::ZeroAsNull)
    .attr("to_port", opt(NUM).force_new())
    .read(|d, _| val::num(Entry::from_sdk(&d.entry).to_port))
    .normalise(Normalise::ZeroAsNull)
    .attr("icmp_type", opt(NUM).force_new())
    .read(|d, _| val::num(Entry::from_sdk(&d.entry).icmp_type))
    .normalise(Normalise::ZeroAsNull)
    .attr("icmp_code", opt(NUM).force_new())
    .read(|d, _| val::num(Entry::from_sdk(&d.entry).icmp_code))
    .normalise(Normalise::ZeroAsNull)
});

/// Terraform's ID of a rule.
fn rule_id(acl: &str, rule_no: i32, egress: bool, protocol: &str) -> String {
    format!(
        "nacl-{}",
        crc32(format!("{acl}-{rule_no}-{egress}-{protocol}-").as_bytes())
    )
}

#[async_trait]
impl AwsResource for NetworkAclRule {
    fn type_name(&self) -> &'static str {
        "aws_network_acl_rule"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_rule(config, "rule_number", "rule_action", diags);
        check_exactly_one(config, &["cidr_block", "ipv6_cidr_block"], diags);
    }

    /// One DescribeNetworkAcls for the ACLs of every rule read.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let acls = describe_acls(c, &attr_values(current, "network_acl_id")).await?;
        Ok(current
            .iter()
            .map(|cur| {
                let acl = val::str_attr(cur, "network_acl_id")?;
                let rule_no = val::i32_attr(cur, "rule_number")?;
                let egress = val::bool_attr(cur, "egress").unwrap_or(false);
                let entry = acls
                    .iter()
                    .filter(|n| n.network_acl_id() == Some(acl))
                    .flat_map(|n| n.entries())
                    .find(|e| e.rule_number() == Some(rule_no) && e.egress() == Some(egress))?;
                let d = Described {
                    acl: acl.to_string(),
                    entry: entry.clone(),
                };
                Some(TABLE.read_value(&d, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let acl = val::str_attr(planned, "network_acl_id").unwrap_or_default();
        let egress = val::bool_attr(planned, "egress").unwrap_or(false);
        let configured = val::str_attr(planned, "protocol").unwrap_or_default();
        let s = |k| val::str_attr(planned, k).unwrap_or_default().to_string();
        let n = |k| val::i32_attr(planned, k).unwrap_or(0);
        let e = Entry {
            rule_no: n("rule_number"),
            action: s("rule_action").to_ascii_lowercase(),
            protocol: protocol_number(configured).unwrap_or(-1).to_string(),
            cidr_block: s("cidr_block"),
            ipv6_cidr_block: s("ipv6_cidr_block"),
            from_port: n("from_port"),
            to_port: n("to_port"),
            icmp_type: n("icmp_type"),
            icmp_code: n("icmp_code"),
        };
        create_entry(c, acl, egress, &e).await?;
        Ok(rule_id(acl, e.rule_no, egress, configured))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let acl = val::str_attr(prior, "network_acl_id").unwrap_or_default();
        let egress = val::bool_attr(prior, "egress").unwrap_or(false);
        delete_entry(
            c,
            acl,
            egress,
            val::i32_attr(prior, "rule_number").unwrap_or(0),
        )
        .await
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let parts: Vec<&str> = id.split(':').collect();
        let [acl, rule_no, protocol, egress] = parts[..] else {
            return Err(format!(
                "{id:?}: expected NETWORK_ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS"
            ));
        };
        let rule_no: i32 = rule_no
            .parse()
            .map_err(|_| format!("{id:?}: {rule_no:?} is not a rule number"))?;
        let egress: bool = egress
            .parse()
            .map_err(|_| format!("{id:?}: {egress:?} is not true or false"))?;
        stub.set("id", Value::string(rule_id(acl, rule_no, egress, protocol)))
            .set("network_acl_id", Value::string(acl))
            .set("rule_number", val::num(rule_no))
            .set("egress", Value::Bool(egress))
            .set("protocol", Value::string(protocol));
        Ok(())
    }
}
