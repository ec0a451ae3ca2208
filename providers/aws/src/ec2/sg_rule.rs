//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one
//! rule (one source) each, identified by its `sgr-` ID. Only the group replaces; every
//! other argument changes in place with ModifySecurityGroupRules, and tags are the rule's
//! own EC2 tags.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    ResourceType, SecurityGroupRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::security_group::{authorize, describe_rules, ip_permission, protocol, revoke};
use super::{ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_exactly_one, check_ipv4_cidr, invalid, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table};
use crate::val;

/// The ingress or the egress rule type; they differ only in direction.
pub struct VpcSgRule {
    pub egress: bool,
}

/// The source attributes (exactly one is set) and the kind [`ip_permission`] calls them.
const SOURCES: [(&str, &str); 4] = [
    ("cidr_ipv4", "cidr"),
    ("cidr_ipv6", "ipv6"),
    ("prefix_list_id", "pl"),
    ("referenced_security_group_id", "sg"),
];

/// No create or update request from the rows: the rule is one `IpPermission` for
/// AuthorizeSecurityGroupIngress/Egress and one `SecurityGroupRuleRequest` for
/// ModifySecurityGroupRules, each built whole from the planned object.
static TABLE: LazyLock<Table<SecurityGroupRule, ()>> = LazyLock::new(|| {
    Table::new(|| Some(SecurityGroupRule::builder().build()))
        .tags_all(|r| tags_value(r.tags()))
        .attr("id", comp(STR))
        .read(|r, _| val::str_or_empty(r.security_group_rule_id()))
        .attr("arn", comp(STR))
        .read(|r, cx| {
            let id = r.security_group_rule_id().unwrap_or_default();
            Value::string(r.security_group_rule_arn().map_or_else(
                || {
                    cx.ec2_arn(
                        r.group_owner_id().unwrap_or_default(),
                        &format!("security-group-rule/{id}"),
                    )
                },
                str::to_string,
            ))
        })
        .attr("security_group_rule_id", comp(STR))
        .read(|r, _| val::str_or_empty(r.security_group_rule_id()))
        .attr("security_group_id", req(STR).force_new())
        .read(|r, _| val::opt_str(r.group_id()))
        // "6" and "tcp", "all" and "-1" are the same protocol: the known spelling stays.
        .attr("ip_protocol", req(STR))
        .read(|r, _| Value::string(rule_protocol(r)))
        .normalise(Normalise::Equivalent(same_protocol_name))
        .updated_by_hand()
        .attr("from_port", opt(NUM))
        .read(|r, _| port_value(r, r.from_port()))
        .updated_by_hand()
        .attr("to_port", opt(NUM))
        .read(|r, _| port_value(r, r.to_port()))
        .updated_by_hand()
        .attr("description", opt(STR))
        .read(|r, _| val::opt_str(r.description()))
        .updated_by_hand()
        .attr("cidr_ipv4", opt(STR))
        .read(|r, _| val::opt_str(r.cidr_ipv4()))
        .updated_by_hand()
        .attr("cidr_ipv6", opt(STR))
        .read(|r, _| val::opt_str(r.cidr_ipv6()))
        .updated_by_hand()
        .attr("prefix_list_id", opt(STR))
        .read(|r, _| val::opt_str(r.prefix_list_id()))
        .updated_by_hand()
        .attr("referenced_security_group_id", opt(STR))
        .read(|r, _| val::opt_str(r.referenced_group_info().and_then(|g| g.group_id())))
        .updated_by_hand()
});

/// The rule's protocol in AWS's form ("-1" when AWS names none).
fn rule_protocol(r: &SecurityGroupRule) -> String {
    protocol(r.ip_protocol().unwrap_or("-1")).unwrap_or_else(|| "-1".into())
}

/// AWS reports -1 ports for all protocols; Terraform leaves them null then.
fn port_value(r: &SecurityGroupRule, port: Option<i32>) -> Value {
    match port {
        Some(n) if !(rule_protocol(r) == "-1" && n == -1) => val::num(n),
        _ => Value::Null,
    }
}

/// Two spellings of one protocol ("6" and "tcp").
pub fn same_protocol_name(a: &str, b: &str) -> bool {
    protocol(a).is_some() && protocol(a) == protocol(b)
}

#[async_trait]
impl AwsResource for VpcSgRule {
    fn type_name(&self) -> &'static str {
        if self.egress {
            "aws_vpc_security_group_egress_rule"
        } else {
            "aws_vpc_security_group_ingress_rule"
        }
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_ipv4_cidr(config, "cidr_ipv4", 0..=32, diags);
        let sources: Vec<&str> = SOURCES.iter().map(|(a, _)| *a).collect();
        check_exactly_one(config, &sources, diags);
        check_protocol_ports(config, "ip_protocol", diags);
    }

    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if prior.is_some_and(|p| val::changed(p, planned, "security_group_id")) {
            for k in ["id", "arn", "security_group_rule_id"] {
                val::set_attr(planned, k, Value::Unknown);
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_rules(c, "security-group-rule-id", &ids(current)).await?;
        // A rule of the other direction is not this type's object (an import of the
        // wrong ID, say).
        let found: Vec<SecurityGroupRule> = found
            .into_iter()
            .filter(|r| r.is_egress() == Some(self.egress))
            .collect();
        Ok(read_table(&TABLE, c, current, found, |r| {
            r.security_group_rule_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let group = val::str_attr(planned, "security_group_id").unwrap_or_default();
        let (from, to) = ports(planned);
        let sources: Vec<(&str, &str)> = SOURCES
            .iter()
            .filter_map(|(a, kind)| val::str_attr(planned, a).map(|s| (*kind, s)))
            .collect();
        let perm = ip_permission(
            &wire_protocol(planned),
            from,
            to,
            val::str_attr(planned, "description").unwrap_or_default(),
            &sources,
        );
        let tags = tags::spec(ResourceType::SecurityGroupRule, planned);
        let rules = authorize(c, group, self.egress, vec![perm], tags).await?;
        Ok(rules
            .first()
            .and_then(|r| r.security_group_rule_id())
            .ok_or_else(|| AwsError::Invalid("AWS returned no security group rule ID".into()))?
            .to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let args = [
            "ip_protocol",
            "from_port",
            "to_port",
            "description",
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
            "referenced_security_group_id",
        ];
        if !args.iter().any(|k| TABLE.changed(prior, planned, k)) {
            return Ok(None);
        }
        let f = |k: &str| val::str_attr(planned, k).map(str::to_string);
        let (from, to) = ports(planned);
        let rule = SecurityGroupRuleRequest::builder()
            .ip_protocol(wire_protocol(planned))
            .from_port(from)
            .to_port(to)
            .set_cidr_ipv4(f("cidr_ipv4"))
            .set_cidr_ipv6(f("cidr_ipv6"))
            .set_prefix_list_id(f("prefix_list_id"))
            .set_referenced_group_id(f("referenced_security_group_id"))
            .set_description(f("description"))
            .build();
        c.ec2
            .get()
            .await
            .modify_security_group_rules()
            .set_group_id(f("security_group_id"))
            .security_group_rules(
                SecurityGroupRuleUpdate::builder()
                    .set_security_group_rule_id(val::str_attr(prior, "id").map(str::to_string))
                    .security_group_rule(rule)
                    .build(),
            )
            .send()
            .await
            .map_err(err("ModifySecurityGroupRules"))?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        revoke(
            c,
            val::str_attr(prior, "security_group_id").unwrap_or_default(),
            self.egress,
            None,
            Some(vec![id.to_string()]),
        )
        .await
    }
}

/// The configured protocol in AWS's form ("tcp", "-1", a number).
fn wire_protocol(v: &Value) -> String {
    let p = val::str_attr(v, "ip_protocol").unwrap_or("-1");
    protocol(p).unwrap_or_else(|| p.to_string())
}

/// The ports to send: -1 when unset (all protocols, or all ICMP types).
fn ports(v: &Value) -> (i32, i32) {
    let n = |k| {
        val::num_attr(v, k)
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(-1)
    };
    (n("from_port"), n("to_port"))
}

/// The protocol is one AWS knows, and TCP/UDP rules name their ports.
pub fn check_protocol_ports(config: &Value, attr: &str, diags: &mut Diagnostics) {
    let Some(p) = config.get_attr(attr).and_then(Value::as_str) else {
        return;
    };
    match protocol(p).as_deref() {
        None => invalid(
            diags,
            attr,
            format!("{p:?} is not a protocol: use tcp, udp, icmp, icmpv6, -1 (all) or a protocol number."),
        ),
        Some("tcp" | "udp") => {
            for k in ["from_port", "to_port"] {
                if config.get_attr(k).is_none_or(Value::is_null) {
                    invalid(diags, k, format!("{k} must be set for protocol {p:?}."));
                }
            }
        }
        _ => {}
    }
}
