//! `aws_security_group` with inline `ingress`/`egress` blocks. Name, description and VPC
//! replace; rules and tags update. AWS groups rules by (protocol, ports); Terraform's
//! blocks group sources by (protocol, ports, description). Rules are compared as "atoms"
//! (one source each) so the blocks a configuration wrote are kept as written whenever
//! AWS holds exactly their sources.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_security_group::builders::CreateSecurityGroupFluentBuilder;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroupRule,
    TagSpecification, UserIdGroupPair,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{identity, ids, read_table, tags};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_ipv4_cidrs, invalid, while_dependent, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    Tagging, Timeout,
};
use crate::resource::{name_or_prefix, tags_value};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct SecurityGroup;

type SdkGroup = aws_sdk_ec2::types::SecurityGroup;

type GroupTable = Table<SdkGroup, CreateSecurityGroupFluentBuilder>;

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    let table = identity(GroupTable::new(|| Some(SdkGroup::builder().build())))
        .tags_all(|g| tags_value(g.tags()))
        // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
        .attr("name", opt_comp(STR).force_new())
        .read(|g, _| val::opt_str(g.group_name()))
        // AWS does not hold it: the known value, "" when there is none (see `plan`).
        .attr("name_prefix", opt_comp(STR).force_new())
        .read(|_, cx| match cx.current.get_attr("name_prefix") {
            Some(v) if !v.is_null() && !v.is_unknown() => v.clone(),
            _ => Value::string(""),
        })
        .attr(
            "description",
            opt_default(STR, Value::string("Managed by Terraform")).force_new(),
        )
        .read(|g, _| val::opt_str(g.description()))
        .create(|b, v| b.set_description(v.str()))
        .attr("vpc_id", opt_comp(STR).force_new())
        .read(|g, _| val::str_or_empty(g.vpc_id()))
        .create(|b, v| b.set_vpc_id(v.str()))
        // Used by destroy only.
        .attr(
            "revoke_rules_on_delete",
            opt_default(BOOL, Value::Bool(false)),
        )
        .updated_by_hand();
    rule_rows(table)
});

/// The `ingress` and `egress` rows of a security group (or the default one): rules read
/// as the configuration's blocks group them (`reconcile`), authorized and revoked by hand
/// (`sync_rules`, after the create too).
pub fn rule_rows<C, U>(table: Table<SdkGroup, C, U>) -> Table<SdkGroup, C, U> {
    table
        .block("ingress", Nesting::Set, rule_block())
        .read(|g, cx| {
            let id = g.group_id().unwrap_or_default();
            reconcile(id, g.ip_permissions(), cx.current.get_attr("ingress"))
        })
        .updated_by_hand()
        .block("egress", Nesting::Set, rule_block())
        .read(|g, cx| {
            let id = g.group_id().unwrap_or_default();
            reconcile(id, g.ip_permissions_egress(), cx.current.get_attr("egress"))
        })
        .updated_by_hand()
}

#[async_trait]
impl AwsResource for SecurityGroup {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    /// Found again by name and VPC after a crash (names are unique in a VPC; a group
    /// created without `vpc_id` is in the default VPC). Only a configured name is known
    /// before the create: a generated one is not, so such a group has no identity.
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &["vpc_id"])
    }

    async fn find(
        &self,
        c: &Clients,
        identity: &terrane_engine::provider::Identity,
    ) -> Result<Option<String>, AwsError> {
        let Some(name) = identity.get("name") else {
            return Ok(None);
        };
        let mut filters = vec![super::filter("group-name", [name])];
        if let Some(vpc) = identity.get("vpc_id") {
            filters.push(super::filter("vpc-id", [vpc]));
        }
        let ec2 = c.ec2.get().await;
        let out = ec2
            .describe_security_groups()
            .set_filters(Some(filters))
            .send()
            .await
            .map_err(err("DescribeSecurityGroups"))?;
        // Without a VPC in the identity, groups of that name in several VPCs cannot be
        // told apart: none is adopted rather than the wrong one.
        Ok(match out.security_groups() {
            [one] => one.group_id().map(str::to_string),
            _ => None,
        })
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 15))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(n) = config.get_attr("name").and_then(Value::as_str) {
            if n.len() > 255 || n.starts_with("sg-") {
                invalid(diags, "name", format!("{n:?}: a security group name is at most 255 characters and cannot start with \"sg-\"."));
            }
        }
        for b in RULE_BLOCKS {
            for r in config
                .get_attr(b)
                .and_then(Value::as_seq)
                .unwrap_or_default()
            {
                check_ipv4_cidrs(r, "cidr_blocks", diags);
                if let Some(p) = r.get_attr("protocol").and_then(Value::as_str) {
                    if protocol(p).is_none() {
                        invalid(diags, "protocol", format!("{p:?} is not a protocol: use tcp, udp, icmp, icmpv6, all (-1) or a protocol number."));
                    }
                }
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_rule_blocks(prior, config, planned);
        // The name of an unnamed group is generated at create, as Terraform's provider does
        // ("known after apply"): a name chosen here would be chosen again, differently, when
        // the apply plans the instance once more with the values learned so far.
        if prior.is_none()
            && planned
                .get_attr("name_prefix")
                .is_some_and(Value::is_unknown)
        {
            let prefix = config.get_attr("name_prefix").filter(|v| !v.is_null());
            val::set_attr(
                planned,
                "name_prefix",
                prefix.cloned().unwrap_or_else(|| Value::string("")),
            );
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_filtered!(
            c,
            describe_security_groups,
            filters,
            "group-id",
            &ids(current),
            "DescribeSecurityGroups"
        )?;
        Ok(read_table(&TABLE, c, current, found, |g| g.group_id()))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = TABLE
            .create_request(ec2.create_security_group(), planned)
            .group_name(name_or_prefix(planned))
            .set_tag_specifications(
                tags::spec(ResourceType::SecurityGroup, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(err("CreateSecurityGroup"))?;
        let id = out
            .group_id()
            .ok_or_else(|| AwsError::Invalid("CreateSecurityGroup returned no group ID".into()))?
            .to_string();
        drop(ec2);
        // AWS adds an allow-all egress rule to every new VPC group; Terraform removes it so
        // that egress is exactly what the configuration says.
        let allow_all = Value::object([
            ("cidr_blocks", val::str_list(["0.0.0.0/0"])),
            ("from_port", val::num(0)),
            ("to_port", val::num(0)),
            ("protocol", Value::string("-1")),
        ]);
        let default_egress: BTreeSet<Atom> =
            atoms(&id, &normalize(&allow_all)).into_iter().collect();
        let empty = Value::Null;
        let mut prior = Obj::from(&empty);
        prior.set("ingress", Value::Set(Vec::new()));
        prior.set("egress", Value::Set(Vec::new()));
        let prior = prior.done();
        let res = async {
            if val::str_attr(planned, "vpc_id").is_some() {
                change_rules(c, &id, "egress", &default_egress, &BTreeSet::new()).await?;
            }
            sync_rules(c, &id, &prior, planned).await
        }
        .await;
        res.map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if TABLE.changed(prior, planned, "ingress") || TABLE.changed(prior, planned, "egress") {
            sync_rules(
                c,
                val::str_attr(prior, "id").unwrap_or_default(),
                prior,
                planned,
            )
            .await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        if val::bool_attr(prior, "revoke_rules_on_delete") == Some(true) {
            let none = Value::object([
                ("ingress", Value::Set(Vec::new())),
                ("egress", Value::Set(Vec::new())),
            ]);
            sync_rules(c, id, prior, &none).await?;
        }
        let ec2 = c.ec2.get().await;
        // ENIs of deleted load balancers and references from other groups go away late.
        while_dependent("security group", t, || async {
            ec2.delete_security_group()
                .group_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteSecurityGroup"))
        })
        .await
    }
}

/// Plans the `ingress` and `egress` blocks of a security group (or the default one):
/// configured blocks normalised as AWS stores them; no blocks means the rules are managed
/// elsewhere (aws_vpc_security_group_*_rule), so whatever AWS holds is kept.
pub fn plan_rule_blocks(prior: Option<&Value>, config: &Value, planned: &mut Value) {
    for b in RULE_BLOCKS {
        let rules = config
            .get_attr(b)
            .and_then(Value::as_seq)
            .unwrap_or_default();
        let v = if rules.is_empty() {
            prior
                .and_then(|p| p.get_attr(b).cloned())
                .unwrap_or(Value::Set(Vec::new()))
        } else {
            Value::set(rules.iter().map(normalize).collect())
        };
        val::set_attr(planned, b, v);
    }
}

/// The rule blocks of a security group.
pub const RULE_BLOCKS: [&str; 2] = ["ingress", "egress"];

/// The attributes of an `ingress`/`egress` block.
pub fn rule_block() -> S {
    S::new()
        .attr("cidr_blocks", opt(list_of(STR)))
        .attr("description", opt(STR))
        .attr("from_port", req(NUM))
        .attr("to_port", req(NUM))
        .attr("protocol", req(STR))
        .attr("ipv6_cidr_blocks", opt(list_of(STR)))
        .attr("prefix_list_ids", opt(list_of(STR)))
        .attr("security_groups", opt(set_of(STR)))
        .attr("self", opt(BOOL))
}

/// Protocol as AWS reports it: names for tcp/udp/icmp, "-1" for all, numbers otherwise.
pub fn protocol(p: &str) -> Option<String> {
    let p = p.trim().to_ascii_lowercase();
    Some(match p.as_str() {
        "all" | "-1" => "-1".into(),
        "tcp" | "6" => "tcp".into(),
        "udp" | "17" => "udp".into(),
        "icmp" | "1" => "icmp".into(),
        "icmpv6" | "58" => "icmpv6".into(),
        n if n.parse::<u8>().is_ok() => n.into(),
        _ => return None,
    })
}

/// A rule block with every attribute set (empty lists, "", false), as Terraform stores it.
fn normalize(r: &Value) -> Value {
    let list = |k: &str| {
        r.get_attr(k)
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::List(Vec::new()))
    };
    let proto = r
        .get_attr("protocol")
        .and_then(Value::as_str)
        .unwrap_or("-1");
    Value::object([
        ("cidr_blocks", list("cidr_blocks")),
        ("ipv6_cidr_blocks", list("ipv6_cidr_blocks")),
        ("prefix_list_ids", list("prefix_list_ids")),
        (
            "security_groups",
            r.get_attr("security_groups")
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or(Value::Set(Vec::new())),
        ),
        (
            "description",
            Value::string(
                r.get_attr("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            ),
        ),
        (
            "from_port",
            r.get_attr("from_port").cloned().unwrap_or(val::num(0)),
        ),
        (
            "to_port",
            r.get_attr("to_port").cloned().unwrap_or(val::num(0)),
        ),
        (
            "protocol",
            Value::string(protocol(proto).unwrap_or_else(|| proto.to_string())),
        ),
        (
            "self",
            Value::Bool(r.get_attr("self").and_then(Value::as_bool).unwrap_or(false)),
        ),
    ])
}

/// One source of one rule: (protocol, from, to, description, kind, source).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Atom {
    proto: String,
    from: i32,
    to: i32,
    desc: String,
    kind: &'static str,
    source: String,
}

/// The atoms of a (normalised) rule block. `self = true` is the group's own ID.
fn atoms(own_id: &str, r: &Value) -> Vec<Atom> {
    let n = |k| {
        val::num_attr(r, k)
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0)
    };
    let proto = r
        .get_attr("protocol")
        .and_then(Value::as_str)
        .unwrap_or("-1")
        .to_string();
    let desc = r
        .get_attr("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mk = |kind, source: String| Atom {
        proto: proto.clone(),
        from: n("from_port"),
        to: n("to_port"),
        desc: desc.clone(),
        kind,
        source,
    };
    let mut out = Vec::new();
    for (k, kind) in [
        ("cidr_blocks", "cidr"),
        ("ipv6_cidr_blocks", "ipv6"),
        ("prefix_list_ids", "pl"),
        ("security_groups", "sg"),
    ] {
        out.extend(val::strings(r, k).into_iter().map(|s| mk(kind, s)));
    }
    if val::bool_attr(r, "self") == Some(true) {
        out.push(mk("sg", own_id.to_string()));
    }
    out
}

/// The atoms AWS reports for a list of permissions.
fn permission_atoms(perms: &[IpPermission]) -> Vec<Atom> {
    let mut out = Vec::new();
    for p in perms {
        let proto = protocol(p.ip_protocol().unwrap_or("-1")).unwrap_or_else(|| "-1".into());
        let all = proto == "-1";
        let mk = |desc: Option<&str>, kind, source: &str| Atom {
            proto: proto.clone(),
            from: if all { 0 } else { p.from_port().unwrap_or(0) },
            to: if all { 0 } else { p.to_port().unwrap_or(0) },
            desc: desc.unwrap_or_default().to_string(),
            kind,
            source: source.to_string(),
        };
        for r in p.ip_ranges() {
            out.push(mk(r.description(), "cidr", r.cidr_ip().unwrap_or_default()));
        }
        for r in p.ipv6_ranges() {
            out.push(mk(
                r.description(),
                "ipv6",
                r.cidr_ipv6().unwrap_or_default(),
            ));
        }
        for r in p.prefix_list_ids() {
            out.push(mk(
                r.description(),
                "pl",
                r.prefix_list_id().unwrap_or_default(),
            ));
        }
        for r in p.user_id_group_pairs() {
            out.push(mk(r.description(), "sg", r.group_id().unwrap_or_default()));
        }
    }
    out
}

/// Rule blocks for what AWS holds: prior blocks whose every source is still there are kept
/// as they are; remaining sources are grouped by (protocol, ports, description).
pub fn reconcile(own_id: &str, perms: &[IpPermission], prior: Option<&Value>) -> Value {
    let actual: BTreeSet<Atom> = permission_atoms(perms).into_iter().collect();
    let mut left = actual.clone();
    let mut rules = Vec::new();
    for r in prior.and_then(Value::as_seq).unwrap_or_default() {
        let a = atoms(own_id, r);
        if !a.is_empty() && a.iter().all(|x| actual.contains(x)) {
            for x in &a {
                left.remove(x);
            }
            rules.push(r.clone());
        }
    }
    let mut groups: std::collections::BTreeMap<(String, i32, i32, String), Vec<Atom>> =
        Default::default();
    for a in left {
        groups
            .entry((a.proto.clone(), a.from, a.to, a.desc.clone()))
            .or_default()
            .push(a);
    }
    for ((proto, from, to, desc), atoms) in groups {
        let of = |kind: &str| {
            atoms
                .iter()
                .filter(|a| a.kind == kind && a.source != own_id)
                .map(|a| a.source.clone())
                .collect::<Vec<_>>()
        };
        let is_self = atoms.iter().any(|a| a.kind == "sg" && a.source == own_id);
        rules.push(Value::object([
            ("cidr_blocks", val::str_list(of("cidr"))),
            ("ipv6_cidr_blocks", val::str_list(of("ipv6"))),
            ("prefix_list_ids", val::str_list(of("pl"))),
            ("security_groups", val::str_set(of("sg"))),
            ("description", Value::string(desc)),
            ("from_port", val::num(from)),
            ("to_port", val::num(to)),
            ("protocol", Value::string(proto)),
            ("self", Value::Bool(is_self)),
        ]));
    }
    Value::set(rules)
}

fn rule_atoms(own_id: &str, v: &Value, block: &str) -> BTreeSet<Atom> {
    v.get_attr(block)
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .flat_map(|r| atoms(own_id, r))
        .collect()
}

/// Revokes sources that are gone and authorises new ones, for both directions.
pub async fn sync_rules(
    c: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    for b in RULE_BLOCKS {
        let old = rule_atoms(id, prior, b);
        let new = rule_atoms(id, planned, b);
        let removed: BTreeSet<Atom> = old.difference(&new).cloned().collect();
        let added: BTreeSet<Atom> = new.difference(&old).cloned().collect();
        change_rules(c, id, b, &removed, &added).await?;
    }
    Ok(())
}

fn permission(a: &Atom) -> IpPermission {
    ip_permission(&a.proto, a.from, a.to, &a.desc, &[(a.kind, &a.source)])
}

/// One permission of protocol and ports with the given sources, each `(kind, source)`
/// with kind "cidr", "ipv6", "pl" or "sg"; every source carries the description. Ports
/// are left out for all protocols (-1), which AWS rejects them with.
pub fn ip_permission(
    proto: &str,
    from: i32,
    to: i32,
    desc: &str,
    sources: &[(&str, &str)],
) -> IpPermission {
    let desc = (!desc.is_empty()).then(|| desc.to_string());
    let mut p = IpPermission::builder().ip_protocol(proto);
    if proto != "-1" {
        p = p.from_port(from).to_port(to);
    }
    for (kind, source) in sources {
        p = match *kind {
            "cidr" => p.ip_ranges(
                IpRange::builder()
                    .cidr_ip(*source)
                    .set_description(desc.clone())
                    .build(),
            ),
            "ipv6" => p.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(*source)
                    .set_description(desc.clone())
                    .build(),
            ),
            "pl" => p.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(*source)
                    .set_description(desc.clone())
                    .build(),
            ),
            _ => p.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(*source)
                    .set_description(desc.clone())
                    .build(),
            ),
        };
    }
    p.build()
}

/// Authorises permissions on a group in one direction and returns the rules AWS created
/// (one per source, each with its `sgr-` ID).
pub async fn authorize(
    c: &Clients,
    group: &str,
    egress: bool,
    perms: Vec<IpPermission>,
    tags: Option<TagSpecification>,
) -> Result<Vec<SecurityGroupRule>, AwsError> {
    let ec2 = c.ec2.get().await;
    let tags = tags.map(|t| vec![t]);
    Ok(if egress {
        ec2.authorize_security_group_egress()
            .group_id(group)
            .set_ip_permissions(Some(perms))
            .set_tag_specifications(tags)
            .send()
            .await
            .map_err(err("AuthorizeSecurityGroupEgress"))?
            .security_group_rules
    } else {
        ec2.authorize_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(Some(perms))
            .set_tag_specifications(tags)
            .send()
            .await
            .map_err(err("AuthorizeSecurityGroupIngress"))?
            .security_group_rules
    }
    .unwrap_or_default())
}

/// Revokes permissions, or rules by ID, in one direction. Rules already gone are not an
/// error: the goal (no such rule) is reached.
pub async fn revoke(
    c: &Clients,
    group: &str,
    egress: bool,
    perms: Option<Vec<IpPermission>>,
    rule_ids: Option<Vec<String>>,
) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    let res = if egress {
        ec2.revoke_security_group_egress()
            .group_id(group)
            .set_ip_permissions(perms)
            .set_security_group_rule_ids(rule_ids)
            .send()
            .await
            .map(|_| ())
            .map_err(err("RevokeSecurityGroupEgress"))
    } else {
        ec2.revoke_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(perms)
            .set_security_group_rule_ids(rule_ids)
            .send()
            .await
            .map(|_| ())
            .map_err(err("RevokeSecurityGroupIngress"))
    };
    match res {
        Err(e) if e.code() != Some("InvalidPermission.NotFound") && !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

/// The rules matching a filter (`security-group-rule-id` or `group-id`) on `ids`, in
/// filtered chunks so a batch costs one call per 200 IDs and missing IDs just drop out.
pub async fn describe_rules(
    c: &Clients,
    filter_name: &str,
    ids: &[String],
) -> Result<Vec<SecurityGroupRule>, AwsError> {
    let mut rules = describe_filtered!(
        c,
        describe_security_group_rules,
        filters,
        filter_name,
        ids,
        "DescribeSecurityGroupRules"
    )?;
    fill_group_pair_descriptions(c, &mut rules).await?;
    Ok(rules)
}

/// Some implementations of the EC2 API (moto) leave the description out of the rules
/// that reference another group in DescribeSecurityGroupRules, while the groups'
/// permissions from DescribeSecurityGroups (which the Terraform provider reads) carry it.
/// Without it a rule's description would read back as null after every apply. Only when
/// such a rule came back without one is the extra call made, for its groups.
async fn fill_group_pair_descriptions(
    c: &Clients,
    rules: &mut [SecurityGroupRule],
) -> Result<(), AwsError> {
    let lacking =
        |r: &SecurityGroupRule| r.referenced_group_info().is_some() && r.description().is_none();
    let mut groups: Vec<String> = rules
        .iter()
        .filter(|r| lacking(r))
        .filter_map(|r| r.group_id().map(str::to_string))
        .collect();
    if groups.is_empty() {
        return Ok(());
    }
    groups.sort();
    groups.dedup();
    let found = describe_filtered!(
        c,
        describe_security_groups,
        filters,
        "group-id",
        &groups,
        "DescribeSecurityGroups"
    )?;
    for r in rules.iter_mut().filter(|r| lacking(r)) {
        let Some(g) = found.iter().find(|g| g.group_id() == r.group_id()) else {
            continue;
        };
        let perms = if r.is_egress() == Some(true) {
            g.ip_permissions_egress()
        } else {
            g.ip_permissions()
        };
        let proto = r.ip_protocol().unwrap_or("-1");
        let referenced = r.referenced_group_info().and_then(|i| i.group_id());
        r.description = perms
            .iter()
            .filter(|p| p.ip_protocol() == Some(proto))
            .filter(|p| {
                proto == "-1" || (p.from_port() == r.from_port() && p.to_port() == r.to_port())
            })
            .flat_map(|p| p.user_id_group_pairs())
            .find(|pair| pair.group_id() == referenced)
            .and_then(|pair| pair.description().map(str::to_string));
    }
    Ok(())
}

async fn change_rules(
    c: &Clients,
    id: &str,
    block: &str,
    removed: &BTreeSet<Atom>,
    added: &BTreeSet<Atom>,
) -> Result<(), AwsError> {
    let rm: Vec<IpPermission> = removed.iter().map(permission).collect();
    let add: Vec<IpPermission> = added.iter().map(permission).collect();
    let egress = block == "egress";
    if !rm.is_empty() {
        revoke(c, id, egress, Some(rm), None).await?;
    }
    if !add.is_empty() {
        authorize(c, id, egress, add, None).await?;
    }
    Ok(())
}
