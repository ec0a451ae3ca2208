//! Elastic Load Balancing v2 (application load balancers): `aws_lb`, `aws_lb_target_group`,
//! `aws_lb_listener` and `aws_lb_listener_rule`, each also under its older `aws_alb*` name.
//! Shared here: tags (DescribeTags takes 20 ARNs a call), ARN helpers, the batched
//! describe-by-ARN with its fallback, and the table-driven `Key`/`Value` attributes that
//! load balancers and target groups keep apart from their Describe results. Listener
//! actions, shared by listeners and rules, are in `action`; the `aws_lb` data source is
//! in `lb_data`.

/// Sends a paginated Describe request and collects every item of every page, naming the
/// operation in errors: `all_pages!(elb.describe_rules().listener_arn(l), "DescribeRules")`.
macro_rules! all_pages {
    ($req:expr, $op:literal) => {
        $req.into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err($crate::error::err($op))
    };
}

pub mod action;
pub mod auth;
pub mod lb;
pub mod lb_data;
pub mod listener;
pub mod listener_rule;
pub mod target_group;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerAttribute, Tag, TargetGroupAttribute};
use terrane_engine::lang::Value;
use terrane_engine::provider::AttributeSchema;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{name_prefix_from_name, tag_changes, AwsResource};
use crate::schema::{opt_comp, opt_default, BOOL, NUM, STR};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(lb::LoadBalancer("aws_lb")),
        Box::new(lb::LoadBalancer("aws_alb")),
        Box::new(target_group::TargetGroup("aws_lb_target_group")),
        Box::new(target_group::TargetGroup("aws_alb_target_group")),
        Box::new(listener::Listener("aws_lb_listener")),
        Box::new(listener::Listener("aws_alb_listener")),
        Box::new(listener_rule::ListenerRule("aws_lb_listener_rule")),
        Box::new(listener_rule::ListenerRule("aws_alb_listener_rule")),
    ]
}

pub fn data_sources() -> Vec<Box<dyn crate::data::AwsDataSource>> {
    vec![
        Box::new(lb_data::LbData("aws_lb")),
        Box::new(lb_data::LbData("aws_alb")),
    ]
}

/// The most ARNs DescribeTags, DescribeLoadBalancers and DescribeTargetGroups accept in
/// one call.
const ARNS_PER_CALL: usize = 20;

/// Describes objects by ARN, 20 a call (`describe(None)` lists them all). ELBv2 fails a whole call with `*NotFound` when one
/// ARN no longer exists; then everything is listed once instead (`all`, paged), so the
/// objects that still exist are read and the missing ones come back as deleted.
pub async fn describe_arns<T, F, Fut>(arns: &[String], describe: F) -> Result<Vec<T>, AwsError>
where
    F: Fn(Option<Vec<String>>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let mut out = Vec::new();
    for chunk in arns.chunks(ARNS_PER_CALL) {
        match describe(Some(chunk.to_vec())).await {
            Ok(found) => out.extend(found),
            Err(e) if e.is_not_found() => return describe(None).await,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Describes the children (listeners, rules) of each parent with one paged call per
/// parent. A parent that is gone (`*NotFound`) took its children with it: none are
/// returned for it, so they read as deleted.
pub async fn describe_per_parent<'a, T, F, Fut>(
    parents: &'a std::collections::BTreeSet<String>,
    describe: F,
) -> Result<Vec<T>, AwsError>
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let mut out = Vec::new();
    for p in parents {
        match describe(p).await {
            Ok(children) => out.extend(children),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Reads objects named by ARN (`id`): [`describe_arns`], then [`found`].
pub async fn read_by_arn<T, F, Fut>(
    c: &Clients,
    current: &[Value],
    describe: F,
    arn_of: impl Fn(&T) -> Option<&str>,
    attrs: Option<AttrsOf>,
) -> Result<Found<T>, AwsError>
where
    F: Fn(Option<Vec<String>>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let all = describe_arns(&crate::ec2::ids(current), describe).await?;
    found(c, current, all, arn_of, attrs).await
}

/// What a refresh found of one kind of object: those asked for that still exist, with
/// their Key/Value attributes (for kinds that have them) and tags, by ARN.
pub struct Found<T> {
    pub items: Vec<T>,
    pub attrs: HashMap<String, HashMap<String, String>>,
    pub tags: HashMap<String, BTreeMap<String, String>>,
}

/// The attributes of `arn` in a [`Found`]'s `attrs` (empty when it has none).
pub fn attrs_of(
    attrs: &HashMap<String, HashMap<String, String>>,
    arn: &str,
) -> HashMap<String, String> {
    attrs.get(arn).cloned().unwrap_or_default()
}

/// Keeps the described objects that `current` asks for (by `id`), then reads their
/// attributes (one call each: the API has no batch form) and tags (20 a call).
pub async fn found<T>(
    c: &Clients,
    current: &[Value],
    items: Vec<T>,
    arn_of: impl Fn(&T) -> Option<&str>,
    attrs: Option<AttrsOf>,
) -> Result<Found<T>, AwsError> {
    let wanted: std::collections::HashSet<&str> = current
        .iter()
        .filter_map(|v| val::str_attr(v, "id"))
        .collect();
    let items: Vec<T> = items
        .into_iter()
        .filter(|x| arn_of(x).is_some_and(|a| wanted.contains(a)))
        .collect();
    let arns: Vec<String> = items
        .iter()
        .filter_map(|x| arn_of(x).map(str::to_string))
        .collect();
    let mut by_arn = HashMap::new();
    if let Some(of) = attrs {
        let elb = c.elbv2.get().await;
        for arn in &arns {
            by_arn.insert(arn.clone(), describe_attributes(&elb, of, arn).await?);
        }
    }
    let tags = read_tags(c, &arns).await?;
    Ok(Found {
        items,
        attrs: by_arn,
        tags,
    })
}

/// The kinds of object with a Key/Value attribute list.
#[derive(Clone, Copy)]
pub enum AttrsOf {
    LoadBalancer,
    TargetGroup,
}

type Elb = aws_sdk_elasticloadbalancingv2::Client;

/// The Key/Value attributes of one load balancer or target group.
pub async fn describe_attributes(
    elb: &Elb,
    of: AttrsOf,
    arn: &str,
) -> Result<HashMap<String, String>, AwsError> {
    let pair = |k: Option<&str>, v: Option<&str>| Some((k?.to_string(), v?.to_string()));
    Ok(match of {
        AttrsOf::LoadBalancer => elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(err("DescribeLoadBalancerAttributes"))?
            .attributes()
            .iter()
            .filter_map(|a| pair(a.key(), a.value()))
            .collect(),
        AttrsOf::TargetGroup => elb
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(err("DescribeTargetGroupAttributes"))?
            .attributes()
            .iter()
            .filter_map(|a| pair(a.key(), a.value()))
            .collect(),
    })
}

/// Sets Key/Value attributes of one load balancer or target group; nothing to send is
/// no call.
pub async fn put_attributes(
    elb: &Elb,
    of: AttrsOf,
    arn: &str,
    changes: Vec<(String, String)>,
) -> Result<(), AwsError> {
    if changes.is_empty() {
        return Ok(());
    }
    match of {
        AttrsOf::LoadBalancer => elb
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(
                changes
                    .into_iter()
                    .map(|(k, v)| LoadBalancerAttribute::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(err("ModifyLoadBalancerAttributes")),
        AttrsOf::TargetGroup => elb
            .modify_target_group_attributes()
            .target_group_arn(arn)
            .set_attributes(Some(
                changes
                    .into_iter()
                    .map(|(k, v)| TargetGroupAttribute::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(err("ModifyTargetGroupAttributes")),
    }
}

/// The ARN a Create call returned, or an error naming the call.
pub fn created_arn(arn: Option<&str>, operation: &str) -> Result<String, AwsError> {
    arn.map(str::to_string)
        .ok_or_else(|| AwsError::Invalid(format!("{operation} returned no ARN")))
}

/// The tags of many resources, 20 ARNs per DescribeTags call.
pub async fn read_tags(
    c: &Clients,
    arns: &[String],
) -> Result<HashMap<String, BTreeMap<String, String>>, AwsError> {
    let elb = c.elbv2.get().await;
    let mut out = HashMap::new();
    for chunk in arns.chunks(ARNS_PER_CALL) {
        let got = elb
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("DescribeTags"))?;
        for d in got.tag_descriptions() {
            let tags = d
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_string(),
                        t.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect();
            if let Some(arn) = d.resource_arn() {
                out.insert(arn.to_string(), tags);
            }
        }
    }
    Ok(out)
}

/// The `tags_all` value of `arn` from [`read_tags`]'s result.
pub fn tags_value(tags: &HashMap<String, BTreeMap<String, String>>, arn: &str) -> Value {
    val::str_map(&tags.get(arn).cloned().unwrap_or_default())
}

/// The planned `tags_all` as tags for a create call; `None` when there are none.
pub fn create_tags(planned: &Value) -> Option<Vec<Tag>> {
    let all = val::string_map(planned, "tags_all");
    (!all.is_empty()).then(|| {
        all.iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    })
}

/// Brings the tags of `arn` from the prior `tags_all` to the planned one.
pub async fn update_tags(
    c: &Clients,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    if !val::changed(prior, planned, "tags_all") {
        return Ok(());
    }
    let (removed, set) = tag_changes(
        &val::string_map(prior, "tags_all"),
        &val::string_map(planned, "tags_all"),
    );
    let elb = c.elbv2.get().await;
    if !removed.is_empty() {
        elb.remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(err("RemoveTags"))?;
    }
    if !set.is_empty() {
        elb.add_tags()
            .resource_arns(arn)
            .set_tags(Some(
                set.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(err("AddTags"))?;
    }
    Ok(())
}

/// The resource part of an ARN after `marker` (`loadbalancer/`, `targetgroup/`): what
/// Terraform calls `arn_suffix` and CloudWatch calls the dimension value.
pub fn arn_suffix(arn: &str, marker: &str) -> String {
    arn.find(marker)
        .map(|i| {
            let rest = &arn[i..];
            if marker == "loadbalancer/" {
                rest[marker.len()..].to_string()
            } else {
                rest.to_string()
            }
        })
        .unwrap_or_default()
}

/// The ARN of the parent of a listener or rule: a listener's load balancer
/// (`…:listener/app/n/1/2` -> `…:loadbalancer/app/n/1`) or a rule's listener
/// (`…:listener-rule/app/n/1/2/3` -> `…:listener/app/n/1/2`). `None` when `arn` is not of
/// the kind `child`.
pub fn parent_arn(arn: &str, child: &str, parent: &str) -> Option<String> {
    let marker = format!(":{child}/");
    if !arn.contains(&marker) {
        return None;
    }
    let (head, _) = arn.rsplit_once('/')?;
    Some(head.replacen(&marker, &format!(":{parent}/"), 1))
}

/// The import stub of a listener or rule: its ARN, and its parent's ARN (`parent_attr`)
/// derived from it, so the batched read knows which parent to describe.
pub fn child_import_stub(
    id: &str,
    stub: &mut Obj,
    child: &str,
    parent: &str,
    parent_attr: &str,
) -> Result<(), String> {
    let p = parent_arn(id, child, parent).ok_or_else(|| {
        format!("{id:?} is not a {child} ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:{child}/app/...).")
    })?;
    stub.set("id", Value::string(id))
        .set(parent_attr, Value::string(p));
    Ok(())
}

/// How an attribute of the Key/Value attribute list maps onto a Terraform argument.
pub struct AttrSpec {
    /// The Terraform argument.
    pub tf: &'static str,
    /// The AWS attribute key.
    pub key: &'static str,
    pub kind: Kind,
    /// Terraform's default, which is also what AWS holds when it does not report the key
    /// (emulators omit some); `None` for optional and computed arguments.
    pub default: Option<&'static str>,
}

impl AttrSpec {
    pub const fn new(
        tf: &'static str,
        key: &'static str,
        kind: Kind,
        default: &'static str,
    ) -> AttrSpec {
        AttrSpec {
            tf,
            key,
            kind,
            default: Some(default),
        }
    }

    /// An optional and computed argument: unset, AWS's value is kept.
    pub const fn computed(tf: &'static str, key: &'static str, kind: Kind) -> AttrSpec {
        AttrSpec {
            tf,
            key,
            kind,
            default: None,
        }
    }

    fn value(&self, raw: &str) -> Value {
        match self.kind {
            Kind::Num => raw
                .parse::<f64>()
                .map_or_else(|_| Value::string(raw), Value::Number),
            Kind::Bool => Value::Bool(raw.eq_ignore_ascii_case("true")),
            Kind::Str => Value::string(raw),
        }
    }
}

#[derive(Clone, Copy)]
pub enum Kind {
    Num,
    Bool,
    /// Strings, and numbers Terraform keeps as strings (`deregistration_delay`).
    Str,
}

/// The schema of the arguments in `specs`, with their defaults.
pub fn attrs_schema(specs: &[AttrSpec]) -> BTreeMap<String, AttributeSchema> {
    specs
        .iter()
        .map(|s| {
            let ty = match s.kind {
                Kind::Num => NUM,
                Kind::Bool => BOOL,
                Kind::Str => STR,
            };
            let a = match s.default {
                Some(d) => opt_default(ty, s.value(d)),
                None => opt_comp(ty),
            };
            (s.tf.to_string(), a)
        })
        .collect()
}

/// The Terraform values of `specs` from an attribute map.
pub fn attrs_to_values(
    specs: &[AttrSpec],
    attrs: &HashMap<String, String>,
) -> Vec<(&'static str, Value)> {
    specs
        .iter()
        .map(|s| {
            let v = attrs
                .get(s.key)
                .map(String::as_str)
                .or(s.default)
                .map_or(Value::Null, |raw| s.value(raw));
            (s.tf, v)
        })
        .collect()
}

/// The `(key, value)` pairs to send for `specs` whose planned value differs from `prior`
/// (every configured one on create, when `prior` is `None`).
pub fn changed_attrs(
    specs: &[AttrSpec],
    prior: Option<&Value>,
    planned: &Value,
) -> Vec<(String, String)> {
    specs
        .iter()
        .filter(|s| prior.is_none_or(|p| val::changed(p, planned, s.tf)))
        .filter_map(|s| {
            let v = planned.get_attr(s.tf)?;
            let raw = match v.unmark() {
                Value::Number(n) => format!("{n}"),
                Value::Bool(b) => b.to_string(),
                Value::String(x) => x.clone(),
                _ => return None,
            };
            Some((s.key.to_string(), raw))
        })
        .collect()
}

/// A string attribute that keeps its prior value when it is known (`protocol_version`
/// of non-HTTP groups), else null.
pub fn keep_prior(cur: &Value, k: &str) -> Value {
    match cur.get_attr(k) {
        Some(v) if !v.is_unknown() => v.clone(),
        _ => Value::Null,
    }
}

/// `name_prefix`, which AWS does not report: the prior value when set, else derived from
/// a generated name (after an import).
pub fn name_prefix(cur: &Value, name: Option<&str>) -> Value {
    match cur.get_attr("name_prefix") {
        Some(v) if !v.is_unknown() && !v.is_null() => v.clone(),
        _ => val::opt_str(name.and_then(name_prefix_from_name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let lb = "arn:aws:elasticloadbalancing:us-east-1:123:loadbalancer/app/web/50dc6c495c0c9188";
        assert_eq!(arn_suffix(lb, "loadbalancer/"), "app/web/50dc6c495c0c9188");
        let tg = "arn:aws:elasticloadbalancing:us-east-1:123:targetgroup/app/73e2d6bc24d8a067";
        assert_eq!(
            arn_suffix(tg, "targetgroup/"),
            "targetgroup/app/73e2d6bc24d8a067"
        );
        let l = "arn:aws:elasticloadbalancing:us-east-1:123:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2";
        assert_eq!(
            parent_arn(l, "listener", "loadbalancer").as_deref(),
            Some(lb)
        );
        let r = "arn:aws:elasticloadbalancing:us-east-1:123:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee";
        assert_eq!(
            parent_arn(r, "listener-rule", "listener").as_deref(),
            Some(l)
        );
        assert_eq!(parent_arn("nonsense", "listener", "loadbalancer"), None);
    }
}
