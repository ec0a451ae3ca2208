//! Terraform's proposed new state (`objchange.ProposedNew`): what the configuration asks
//! for, with the prior value kept for computed attributes the configuration leaves unset.
//! On create the prior object is all null, so those attributes are null (the provider,
//! not terrane, decides which become unknown).

use std::collections::BTreeMap;

use terrane_engine::lang::Value;
use terrane_engine::provider::{AttributeSchema, BlockSchema, Nesting};

use crate::schema::{NestedObject, NestedTypes};

/// The proposed new object for `config`, given the `prior` object (`None` on create);
/// `nested` has the block's protocol-6 nested attribute types, whose inner computed
/// attributes keep their prior values the same way.
pub fn proposed_new(
    schema: &BlockSchema,
    nested: Option<&NestedTypes>,
    prior: Option<&Value>,
    config: &Value,
) -> Value {
    if config.is_null() || config.is_unknown() {
        return config.clone();
    }
    let prior = prior.filter(|p| !p.is_null() && !p.is_unknown());
    let attr = |v: Option<&Value>, name: &str| {
        v.and_then(|v| v.get_attr(name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut out = BTreeMap::new();
    for (name, a) in &schema.attributes {
        let object = nested.and_then(|n| n.attributes.get(name));
        let v = proposed_attribute(a, object, &attr(prior, name), attr(Some(config), name));
        out.insert(name.clone(), v);
    }
    for (name, nb) in &schema.blocks {
        let cfg = attr(Some(config), name);
        let pri = attr(prior, name);
        let nested = nested.and_then(|n| n.blocks.get(name));
        let proposed_new = |schema: &BlockSchema, prior: Option<&Value>, config: &Value| {
            proposed_new(schema, nested, prior, config)
        };
        let v = match nb.nesting {
            Nesting::Single | Nesting::Group => {
                if pri.is_null() {
                    proposed_new(&nb.block, None, &cfg)
                } else {
                    proposed_new(&nb.block, Some(&pri), &cfg)
                }
            }
            Nesting::List => match cfg.as_seq() {
                Some(items) if !cfg.is_unknown() => {
                    let prior_items = pri.as_seq().unwrap_or_default();
                    Value::List(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, c)| proposed_new(&nb.block, prior_items.get(i), c))
                            .collect(),
                    )
                }
                _ => cfg,
            },
            Nesting::Set => match cfg.as_seq() {
                Some(items) if !cfg.is_unknown() => {
                    let prior_items = pri.as_seq().unwrap_or_default();
                    Value::set(
                        items
                            .iter()
                            .map(|c| {
                                let matching = prior_items
                                    .iter()
                                    .find(|p| same_set_element(&nb.block, p, c));
                                proposed_new(&nb.block, matching, c)
                            })
                            .collect(),
                    )
                }
                _ => cfg,
            },
            // Blocks of a map correspond by key.
            Nesting::Map => match cfg.unmark() {
                Value::Map(items) => Value::Map(
                    items
                        .iter()
                        .map(|(k, c)| {
                            let prior = pri.unmark().as_map().and_then(|m| m.get(k));
                            (k.clone(), proposed_new(&nb.block, prior, c))
                        })
                        .collect(),
                ),
                _ => cfg,
            },
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// One attribute's proposed value (`objchange.proposedNewAttributes`): the prior value
/// for a computed one the configuration leaves unset (unless the prior holds arguments
/// only a configuration sets), a nested attribute's inner attributes the same way.
fn proposed_attribute(
    a: &AttributeSchema,
    object: Option<&NestedObject>,
    prior: &Value,
    config: Value,
) -> Value {
    if a.computed && config.is_null() {
        let not_computable = a.optional && object.is_some_and(|o| holds_configured(o, prior));
        return if not_computable {
            config
        } else {
            prior.clone()
        };
    }
    match object {
        Some(o) => proposed_nested(o, prior, config),
        None => config,
    }
}

/// Whether a nested attribute's value holds a non-computed inner argument: then it
/// came from a configuration, and an unset configuration removes it.
fn holds_configured(o: &NestedObject, v: &Value) -> bool {
    let object = |e: &Value| {
        o.attributes.iter().any(|(name, inner)| {
            let x = e.get_attr(name).unwrap_or(&Value::Null);
            !x.is_null()
                && (!inner.schema.computed
                    || inner
                        .nested
                        .as_ref()
                        .is_some_and(|n| holds_configured(n, x)))
        })
    };
    match o.nesting {
        Nesting::Single | Nesting::Group => !v.is_null() && object(v.unmark()),
        _ => match v.unmark() {
            Value::List(items) | Value::Set(items) => items.iter().any(object),
            Value::Map(items) => items.values().any(object),
            _ => false,
        },
    }
}

/// A configured nested attribute's proposed value (`objchange.proposedNewNestedType`):
/// each configured object paired with its prior one (by position, key, or a set element
/// equal in what the configuration sets) for its inner attributes.
fn proposed_nested(o: &NestedObject, prior: &Value, config: Value) -> Value {
    if config.is_null() || config.is_unknown() {
        return config;
    }
    let prior = prior.unmark();
    let inner = |prior: &Value, config: &Value| {
        if config.is_null() || config.is_unknown() {
            return config.clone();
        }
        Value::Object(
            o.attributes
                .iter()
                .map(|(name, a)| {
                    let p = if prior.is_unknown() {
                        Value::Unknown
                    } else {
                        prior.get_attr(name).cloned().unwrap_or_default()
                    };
                    let c = config.get_attr(name).cloned().unwrap_or_default();
                    (
                        name.clone(),
                        proposed_attribute(&a.schema, a.nested.as_ref(), &p, c),
                    )
                })
                .collect(),
        )
    };
    match (o.nesting, config.unmark()) {
        (Nesting::Single | Nesting::Group, c) => inner(prior, c),
        (Nesting::List, Value::List(items)) => {
            let priors = prior.as_seq().unwrap_or_default();
            Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| match priors.get(i) {
                        Some(p) => inner(p, c),
                        None if prior.is_unknown() => inner(&Value::Unknown, c),
                        None => c.clone(),
                    })
                    .collect(),
            )
        }
        (Nesting::Map, Value::Map(items)) => Value::Map(
            items
                .iter()
                .map(|(k, c)| {
                    let p = match prior.as_map().and_then(|m| m.get(k)) {
                        Some(p) => p.clone(),
                        None if prior.is_unknown() => Value::Unknown,
                        None => Value::Null,
                    };
                    (k.clone(), inner(&p, c))
                })
                .collect(),
        ),
        (Nesting::Set, Value::Set(items)) => {
            let priors = prior.as_seq().unwrap_or_default();
            let mut used = vec![false; priors.len()];
            Value::set(
                items
                    .iter()
                    .map(|c| {
                        let found = (0..priors.len())
                            .find(|&i| !used[i] && same_nested_element(o, &priors[i], c));
                        let p = found.map_or(Value::Null, |i| {
                            used[i] = true;
                            priors[i].clone()
                        });
                        inner(&p, c)
                    })
                    .collect(),
            )
        }
        _ => config.clone(),
    }
}

/// A prior element of a set of nested objects corresponds to a configured one when every
/// inner attribute the configuration sets is equal.
fn same_nested_element(o: &NestedObject, prior: &Value, config: &Value) -> bool {
    o.attributes.iter().all(|(name, a)| {
        let c = config.get_attr(name).unwrap_or(&Value::Null);
        (a.schema.computed && c.is_null())
            || prior.get_attr(name).unwrap_or(&Value::Null).unmark() == c.unmark()
    })
}

/// A prior set element corresponds to a configured one when every attribute the
/// configuration sets (every non-computed one) is equal.
fn same_set_element(schema: &BlockSchema, prior: &Value, config: &Value) -> bool {
    schema.attributes.iter().all(|(name, a)| {
        let c = config.get_attr(name).unwrap_or(&Value::Null);
        if a.computed && c.is_null() {
            return true;
        }
        prior.get_attr(name).unwrap_or(&Value::Null).unmark() == c.unmark()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use terrane_engine::lang::Type;
    use terrane_engine::provider::NestedBlock;

    fn schema() -> BlockSchema {
        let mut inner = BlockSchema::default();
        inner
            .attributes
            .insert("port".into(), AttributeSchema::required(Type::Number));
        inner
            .attributes
            .insert("arn".into(), AttributeSchema::computed(Type::String));
        let mut b = BlockSchema::default();
        b.attributes
            .insert("id".into(), AttributeSchema::computed(Type::String));
        b.attributes.insert(
            "name".into(),
            AttributeSchema::optional_computed(Type::String),
        );
        b.blocks.insert(
            "rule".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: inner,
                min_items: 0,
                max_items: None,
                force_new: false,
            },
        );
        b
    }

    fn rule(port: f64, arn: Value) -> Value {
        Value::object([("port", Value::number(port)), ("arn", arn)])
    }

    #[test]
    fn computed_attributes_are_null_on_create() {
        let config = Value::object([
            ("id", Value::Null),
            ("name", Value::Null),
            ("rule", Value::List(vec![rule(80.0, Value::Null)])),
        ]);
        assert_eq!(proposed_new(&schema(), None, None, &config), config);
    }

    #[test]
    fn prior_values_are_kept_for_unset_computed_attributes_at_any_depth() {
        let prior = Value::object([
            ("id", Value::string("i-1")),
            ("name", Value::string("given")),
            (
                "rule",
                Value::List(vec![rule(80.0, Value::string("arn:1"))]),
            ),
        ]);
        let config = Value::object([
            ("id", Value::Null),
            ("name", Value::string("mine")),
            (
                "rule",
                Value::List(vec![rule(81.0, Value::Null), rule(82.0, Value::Null)]),
            ),
        ]);
        let want = Value::object([
            ("id", Value::string("i-1")),
            ("name", Value::string("mine")),
            (
                "rule",
                Value::List(vec![
                    rule(81.0, Value::string("arn:1")),
                    rule(82.0, Value::Null),
                ]),
            ),
        ]);
        assert_eq!(proposed_new(&schema(), None, Some(&prior), &config), want);
    }

    /// A resource with a list nested attribute `rules` (`port` required, `id` computed)
    /// and a set one `members` (`name` required, `uid` computed), from the plugin's
    /// schema as it comes.
    fn nested_schema() -> (BlockSchema, NestedTypes) {
        use crate::proto;
        use prost::Message as _;
        let attr = |name: &str, ty: &str, required: bool| proto::Attribute6 {
            name: name.into(),
            r#type: ty.as_bytes().to_vec(),
            required,
            computed: !required,
            ..proto::Attribute6::default()
        };
        let nested = |name: &str, nesting, inner: Vec<proto::Attribute6>| proto::Attribute6 {
            name: name.into(),
            optional: true,
            nested_type: Some(proto::Object6 {
                attributes: inner,
                nesting,
            }),
            ..proto::Attribute6::default()
        };
        let block = proto::Block {
            attributes: vec![
                nested(
                    "rules",
                    2,
                    vec![
                        attr("port", "\"number\"", true),
                        attr("id", "\"string\"", false),
                    ],
                )
                .encode_to_vec(),
                nested(
                    "members",
                    3,
                    vec![
                        attr("name", "\"string\"", true),
                        attr("uid", "\"string\"", false),
                    ],
                )
                .encode_to_vec(),
            ],
            ..proto::Block::default()
        };
        let mut engine = BlockSchema::default();
        for raw in &block.attributes {
            let a = proto::Attribute6::decode(raw.as_slice()).unwrap();
            let ty = crate::schema::nested_types(&block, 6).unwrap().attributes[&a.name].ty();
            engine
                .attributes
                .insert(a.name, AttributeSchema::optional(ty));
        }
        (engine, crate::schema::nested_types(&block, 6).unwrap())
    }

    #[test]
    fn computed_inner_attributes_of_nested_attributes_keep_their_prior_values() {
        let (schema, nested) = nested_schema();
        let rule =
            |port: f64, id: Value| Value::object([("port", Value::number(port)), ("id", id)]);
        let member =
            |name: &str, uid: Value| Value::object([("name", Value::string(name)), ("uid", uid)]);
        let prior = Value::object([
            ("rules", Value::List(vec![rule(80.0, Value::string("r-1"))])),
            (
                "members",
                Value::set(vec![
                    member("ann", Value::string("u-1")),
                    member("bob", Value::string("u-2")),
                ]),
            ),
        ]);
        let config = Value::object([
            (
                "rules",
                Value::List(vec![rule(81.0, Value::Null), rule(90.0, Value::Null)]),
            ),
            (
                "members",
                Value::set(vec![member("bob", Value::Null), member("cy", Value::Null)]),
            ),
        ]);
        let want = Value::object([
            (
                "rules",
                Value::List(vec![
                    rule(81.0, Value::string("r-1")),
                    rule(90.0, Value::Null),
                ]),
            ),
            (
                "members",
                Value::set(vec![
                    member("bob", Value::string("u-2")),
                    member("cy", Value::Null),
                ]),
            ),
        ]);
        assert_eq!(
            proposed_new(&schema, Some(&nested), Some(&prior), &config),
            want
        );
        // On create every inner computed attribute is null.
        assert_eq!(proposed_new(&schema, Some(&nested), None, &config), config);
    }
}
