//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one
//! rule (one source) each, identified by its `sgr-` ID. Only the group replaces; every
//! other argument changes in place with ModifySecurityGroupRules, and tags are the rule's
//! own EC2 tags.

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    ResourceType, SecurityGroupRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::security_group::{authorize, describe_rules, ip_permission, protocol, revoke};
use super::{ids, match_ids, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_exactly_one, check_ipv4_cidr, invalid, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

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

#[async_trait]
impl AwsResource for VpcSgRule {
    fn type_name(&self) -> &'static str {
        if self.egress {
            "aws_vpc_security_group_egress_rule"
        } else {
            "aws_vpc_security_group_ingress_rule"
        }
    }

    fn schema(&self) -> BlockSchema {
        let mut s = S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("security_group_rule_id", comp(STR))
            .attr("security_group_id", req(STR).force_new())
            .attr("ip_protocol", req(STR))
            .attr("from_port", opt(NUM))
            .attr("to_port", opt(NUM))
            .attr("description", opt(STR));
        for (a, _) in SOURCES {
            s = s.attr(a, opt(STR));
        }
        s.build()
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
        keep_equivalent_protocol(prior, planned, "ip_protocol");
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
        Ok(match_ids(
            current,
            found,
            |r| r.security_group_rule_id(),
            |cur, r| build(c, cur, r),
        ))
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
        if !args.iter().any(|k| val::changed(prior, planned, k)) {
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

fn build(c: &Clients, cur: &Value, r: &SecurityGroupRule) -> Value {
    let id = r.security_group_rule_id().unwrap_or_default();
    let proto = protocol(r.ip_protocol().unwrap_or("-1")).unwrap_or_else(|| "-1".into());
    // AWS reports -1 ports for all protocols; Terraform leaves them null then.
    let port = |p: Option<i32>| match p {
        Some(n) if !(proto == "-1" && n == -1) => val::num(n),
        _ => Value::Null,
    };
    let arn = r.security_group_rule_arn().map_or_else(
        || {
            c.ec2_arn(
                r.group_owner_id().unwrap_or_default(),
                &format!("security-group-rule/{id}"),
            )
        },
        str::to_string,
    );
    let mut o = Obj::from(cur);
    o.set("id", Value::string(id))
        .set("security_group_rule_id", Value::string(id))
        .set("arn", Value::string(arn))
        .set("security_group_id", val::opt_str(r.group_id()))
        .set(
            "ip_protocol",
            Value::string(same_protocol(cur, "ip_protocol", &proto)),
        )
        .set("from_port", port(r.from_port()))
        .set("to_port", port(r.to_port()))
        .set("description", val::opt_str(r.description()))
        .set("cidr_ipv4", val::opt_str(r.cidr_ipv4()))
        .set("cidr_ipv6", val::opt_str(r.cidr_ipv6()))
        .set("prefix_list_id", val::opt_str(r.prefix_list_id()))
        .set(
            "referenced_security_group_id",
            val::opt_str(r.referenced_group_info().and_then(|g| g.group_id())),
        )
        .set("tags_all", tags_value(r.tags()));
    o.done()
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

/// The protocol as the configuration or state spells it when it means what AWS reports
/// ("6" for "tcp", "all" for "-1"), so an equivalent spelling is not a change.
pub fn same_protocol(cur: &Value, attr: &str, aws: &str) -> String {
    match val::str_attr(cur, attr) {
        Some(p) if protocol(p).as_deref() == Some(aws) => p.to_string(),
        _ => aws.to_string(),
    }
}

/// Plans the prior spelling of the protocol when the new one means the same.
pub fn keep_equivalent_protocol(prior: Option<&Value>, planned: &mut Value, attr: &str) {
    let Some(old) = prior.and_then(|p| val::str_attr(p, attr)) else {
        return;
    };
    let Some(new) = val::str_attr(planned, attr) else {
        return;
    };
    if old != new && protocol(old).is_some() && protocol(old) == protocol(new) {
        let old = old.to_string();
        val::set_attr(planned, attr, Value::string(old));
    }
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
