//! Terraform's proposed new state (`objchange.ProposedNew`): what the configuration asks
//! for, with the prior value kept for computed attributes the configuration leaves unset.
//! On create the prior object is all null, so those attributes are null (the provider,
//! not terrane, decides which become unknown).

use std::collections::BTreeMap;

use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

/// The proposed new object for `config`, given the `prior` object (`None` on create).
pub fn proposed_new(schema: &BlockSchema, prior: Option<&Value>, config: &Value) -> Value {
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
        let cfg = attr(Some(config), name);
        let v = if a.computed && cfg.is_null() {
            attr(prior, name)
        } else {
            cfg
        };
        out.insert(name.clone(), v);
    }
    for (name, nb) in &schema.blocks {
        let cfg = attr(Some(config), name);
        let pri = attr(prior, name);
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
    use terrane_engine::provider::{AttributeSchema, NestedBlock};

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
        assert_eq!(proposed_new(&schema(), None, &config), config);
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
        assert_eq!(proposed_new(&schema(), Some(&prior), &config), want);
    }
}
