//! The Key/Value attribute lists of load balancers, target groups and listeners (idle
//! timeout, deregistration delay, stickiness, response headers, ...), which AWS keeps
//! apart from the Describe results: one table per type maps them onto Terraform
//! arguments, for the schema, reads and updates alike. An attribute may apply to some
//! objects only (a load balancer type, a listener protocol): [`AttrSpec::when`].

use std::collections::{BTreeMap, HashMap};

use aws_sdk_elasticloadbalancingv2::types::{
    ListenerAttribute, LoadBalancerAttribute, TargetGroupAttribute,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::AttributeSchema;

use crate::error::{err, AwsError};
use crate::schema::{opt_comp, opt_default, BOOL, NUM, STR};
use crate::val;

/// The kinds of object with a Key/Value attribute list.
#[derive(Clone, Copy)]
pub enum AttrsOf {
    LoadBalancer,
    TargetGroup,
    Listener,
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
        AttrsOf::Listener => elb
            .describe_listener_attributes()
            .listener_arn(arn)
            .send()
            .await
            .map_err(err("DescribeListenerAttributes"))?
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
        AttrsOf::Listener => elb
            .modify_listener_attributes()
            .listener_arn(arn)
            .set_attributes(Some(
                changes
                    .into_iter()
                    .map(|(k, v)| ListenerAttribute::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(err("ModifyListenerAttributes")),
    }
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
    /// Whether the attribute applies to an object (by its type or protocol, which the
    /// object passed carries); AWS refuses the others, so they are neither sent nor read.
    pub applies: fn(&Value) -> bool,
}

fn always(_: &Value) -> bool {
    true
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
            applies: always,
        }
    }

    /// An optional and computed argument: unset, AWS's value is kept.
    pub const fn computed(tf: &'static str, key: &'static str, kind: Kind) -> AttrSpec {
        AttrSpec {
            tf,
            key,
            kind,
            default: None,
            applies: always,
        }
    }

    /// Limits the attribute to the objects `applies` accepts.
    pub const fn when(self, applies: fn(&Value) -> bool) -> AttrSpec {
        AttrSpec { applies, ..self }
    }

    fn value(&self, raw: &str) -> Value {
        match self.kind {
            Kind::Num => raw
                .parse::<f64>()
                .map_or_else(|_| Value::string(raw), Value::number),
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
        .map(|s| (s.tf.to_string(), s.schema()))
        .collect()
}

impl AttrSpec {
    /// The argument's schema, with its default.
    pub fn schema(&self) -> AttributeSchema {
        let ty = match self.kind {
            Kind::Num => NUM,
            Kind::Bool => BOOL,
            Kind::Str => STR,
        };
        match self.default {
            Some(d) => opt_default(ty, self.value(d)),
            None => opt_comp(ty),
        }
    }
}

/// The Terraform values of `specs` from an attribute map, for `object` (which carries
/// what [`AttrSpec::applies`] looks at). An attribute that does not apply keeps its
/// value in `current` (the configuration's), else its default.
pub fn attrs_to_values(
    specs: &[AttrSpec],
    attrs: &HashMap<String, String>,
    object: &Value,
    current: &Value,
) -> Vec<(&'static str, Value)> {
    specs
        .iter()
        .map(|s| {
            let raw = if (s.applies)(object) {
                attrs.get(s.key).map(String::as_str)
            } else {
                match current.get_attr(s.tf) {
                    Some(v) if !v.is_unknown() && !v.is_null() => return (s.tf, v.clone()),
                    _ => None,
                }
            };
            (s.tf, raw.or(s.default).map_or(Value::Null, |r| s.value(r)))
        })
        .collect()
}

/// The value of the one spec of `specs` named `tf`, as [`attrs_to_values`] reads it (for
/// a table row read by name); null when no spec has that name.
pub fn attr_value(
    specs: &[AttrSpec],
    tf: &str,
    attrs: &HashMap<String, String>,
    object: &Value,
    current: &Value,
) -> Value {
    let Some(i) = specs.iter().position(|s| s.tf == tf) else {
        return Value::Null;
    };
    attrs_to_values(&specs[i..=i], attrs, object, current)
        .pop()
        .map_or(Value::Null, |(_, v)| v)
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
        .filter(|s| (s.applies)(planned))
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

/// One item of a block whose arguments are Key/Value attributes (`target_failover`),
/// each mapped by an [`AttrSpec`]; `None` when AWS reports none of them.
pub fn attr_block_value(fields: &[AttrSpec], attrs: &HashMap<String, String>) -> Option<Value> {
    fields.iter().any(|f| attrs.contains_key(f.key)).then(|| {
        Value::object(fields.iter().map(|f| {
            let v = attrs
                .get(f.key)
                .map(String::as_str)
                .or(f.default)
                .map_or(Value::Null, |raw| f.value(raw));
            (f.tf, v)
        }))
    })
}

/// The `(key, value)` pairs of one planned block item (unset arguments are not sent).
pub fn attr_block_changes(fields: &[AttrSpec], item: &Value) -> Vec<(String, String)> {
    changed_attrs(fields, None, item)
}
