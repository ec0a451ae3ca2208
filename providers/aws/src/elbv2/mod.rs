//! Elastic Load Balancing v2 (application load balancers): `aws_lb`, `aws_lb_target_group`,
//! `aws_lb_target_group_attachment`, `aws_lb_listener`, `aws_lb_listener_certificate` and
//! `aws_lb_listener_rule`, each also under its older `aws_alb*` name.
//! Shared by the types: batched reads (`read`), tags (`tags`), the Key/Value attribute
//! tables (`attrs`), listener actions (`action`, `auth`), rule transforms (`transform`),
//! and the ARN helpers here. The `aws_lb` data source is in `lb_data`.

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
pub mod attrs;
pub mod auth;
pub mod lb;
pub mod lb_data;
pub mod listener;
pub mod listener_certificate;
pub mod listener_rule;
pub mod read;
pub mod tags;
pub mod target_group;
pub mod target_group_attachment;
pub mod transform;

use terrane_engine::lang::Value;

pub use attrs::{
    attr_block_changes, attr_block_value, attr_value, attrs_schema, attrs_to_values, changed_attrs,
    put_attributes, AttrSpec, AttrsOf, Kind,
};
pub use read::{arn_rows, attr_rows, attrs_of, describe_per_parent, found, read_by_arn, Described};
pub use tags::{create_tags, tag, untag};

use crate::error::AwsError;
use crate::resource::{name_prefix_from_name, AwsResource};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(lb::LoadBalancer("aws_lb")),
        Box::new(lb::LoadBalancer("aws_alb")),
        Box::new(target_group::TargetGroup("aws_lb_target_group")),
        Box::new(target_group::TargetGroup("aws_alb_target_group")),
        Box::new(target_group_attachment::TargetGroupAttachment(
            "aws_lb_target_group_attachment",
        )),
        Box::new(target_group_attachment::TargetGroupAttachment(
            "aws_alb_target_group_attachment",
        )),
        Box::new(listener::Listener("aws_lb_listener")),
        Box::new(listener::Listener("aws_alb_listener")),
        Box::new(listener_certificate::ListenerCertificate(
            "aws_lb_listener_certificate",
        )),
        Box::new(listener_certificate::ListenerCertificate(
            "aws_alb_listener_certificate",
        )),
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

/// The ARN a Create call returned, or an error naming the call.
pub fn created_arn(arn: Option<&str>, operation: &str) -> Result<String, AwsError> {
    arn.map(str::to_string)
        .ok_or_else(|| AwsError::Invalid(format!("{operation} returned no ARN")))
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

/// A string attribute that keeps its prior value when it is known (`protocol_version`
/// of non-HTTP groups), else null.
pub fn keep_prior(cur: &Value, k: &str) -> Value {
    match cur.get_attr(k) {
        Some(v) if !v.is_unknown() => v.clone(),
        _ => Value::Null,
    }
}

/// What AWS reported for an attribute, or, where it reports nothing (moto leaves some
/// fields out), the value last known: the configured one after a create, with what AWS
/// would have computed null. An unknown or missing value reads as null.
pub fn reported_or_known(cur: &Value, k: &str, reported: Option<Value>) -> Value {
    reported.unwrap_or_else(|| val::unknown_as_null(&keep_prior(cur, k)))
}

/// [`reported_or_known`] for a list block: no blocks rather than null.
pub fn blocks_reported_or_known(cur: &Value, k: &str, reported: Option<Value>) -> Value {
    match reported_or_known(cur, k, reported) {
        Value::Null => Value::List(Vec::new()),
        v => v,
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

/// How every elbv2 resource type changes its tags (see [`crate::resource::TagCalls`]).
pub static TAG_CALLS: crate::resource::TagCalls = crate::resource::TagCalls {
    tag: |c, prior, tags| Box::pin(tags::tag(c, prior, tags)),
    untag: |c, prior, keys| Box::pin(tags::untag(c, prior, keys)),
};

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
