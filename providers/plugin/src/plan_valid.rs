//! Terraform's check of a provider's plan against the configuration
//! (`objchange.AssertPlanValid`): the arguments whose planned value contradicts what the
//! configuration says, by path (`rule[0].port`). Nested blocks and protocol-6 nested
//! attributes are checked inside, each inner argument by its own flags.

use terrane_engine::lang::Value;
use terrane_engine::provider::{AttributeSchema, BlockSchema, Nesting};

use crate::schema::{NestedObject, NestedTypes};

/// The invalid paths of `planned`. An argument set in the configuration must be planned
/// as written, or as its prior value (the provider judged the two equal, as semantic
/// equality does); an optional and computed one left unset may be planned as anything, a
/// computed-only one always; a write-only one is planned null (it is never planned nor
/// stored). Lists of nested blocks or objects must keep the configuration's count and are
/// checked by position, maps keep its keys and are checked by key; a set keeps its count
/// (set elements cannot be paired, so Terraform checks no deeper).
pub fn invalid_plan_attributes(
    block: &BlockSchema,
    nested: Option<&NestedTypes>,
    config: &Value,
    prior: Option<&Value>,
    planned: &Value,
) -> Vec<String> {
    let mut out = Vec::new();
    in_block(block, nested, config, prior, planned, "", &mut out);
    out
}

fn bare(v: Option<&Value>) -> Value {
    v.map(|v| v.unmark_deep().0).unwrap_or_default()
}

fn in_block(
    block: &BlockSchema,
    nested: Option<&NestedTypes>,
    config: &Value,
    prior: Option<&Value>,
    planned: &Value,
    path: &str,
    out: &mut Vec<String>,
) {
    for (name, a) in &block.attributes {
        let values = Planned {
            config: bare(config.get_attr(name)),
            prior: bare(prior.and_then(|v| v.get_attr(name))),
            planned: bare(planned.get_attr(name)),
        };
        let object = nested.and_then(|n| n.attributes.get(name));
        in_attribute(a, object, &values, &format!("{path}{name}"), out);
    }
    for (name, nb) in &block.blocks {
        let c = bare(config.get_attr(name));
        let p = bare(planned.get_attr(name));
        // Blocks still unknown (a dynamic block over an unknown collection) are checked
        // when they are known.
        if c.is_unknown() || p.is_unknown() {
            continue;
        }
        let before = prior.and_then(|v| v.get_attr(name)).map(|v| bare(Some(v)));
        let inner = nested.and_then(|n| n.blocks.get(name));
        let at = format!("{path}{name}");
        let mut each = |c: &Value, prior: Option<&Value>, p: &Value, at: String| {
            in_block(&nb.block, inner, c, prior, p, &format!("{at}."), out);
        };
        match nb.nesting {
            Nesting::Single | Nesting::Group => match (&c, &p) {
                (Value::Null, Value::Null) => {}
                (Value::Object(_), Value::Object(_)) => each(&c, before.as_ref(), &p, at),
                _ => out.push(at),
            },
            Nesting::List => {
                let priors = before.as_ref().and_then(Value::as_seq).unwrap_or_default();
                if !by_position(&c, &p, |i, ce, pe| {
                    each(ce, priors.get(i), pe, format!("{at}[{i}]"));
                }) {
                    out.push(at);
                }
            }
            Nesting::Map => {
                let priors = before.as_ref().and_then(Value::as_map);
                if !by_key(&c, &p, |k, ce, pe| {
                    let prior = priors.and_then(|m| m.get(k));
                    each(ce, prior, pe, format!("{at}[{k:?}]"));
                }) {
                    out.push(at);
                }
            }
            Nesting::Set => {
                if !same_count(&c, &p) {
                    out.push(at);
                }
            }
        }
    }
}

/// One argument's configured, prior and planned values, without their marks.
struct Planned {
    config: Value,
    prior: Value,
    planned: Value,
}

/// Checks one argument (`objchange.assertPlannedValueValid`); `object` is its type when
/// it is a nested attribute, whose inner arguments are then checked by their own flags.
fn in_attribute(
    a: &AttributeSchema,
    object: Option<&NestedObject>,
    v: &Planned,
    at: &str,
    out: &mut Vec<String>,
) {
    if a.write_only {
        if !v.planned.is_null() {
            out.push(at.to_string());
        }
        return;
    }
    let as_prior = v.planned == v.prior && !v.prior.is_null() && !v.config.is_null();
    if v.planned == v.config || as_prior || (a.computed && (!a.optional || v.config.is_null())) {
        return;
    }
    if v.config.is_null() {
        // Planned a value for an argument the configuration leaves unset, and the
        // provider may not compute.
        out.push(at.to_string());
        return;
    }
    match object {
        Some(o) => in_nested_attribute(o, v, at, out),
        // The engine and the plugin may shape an unknown value differently (refinements,
        // an unknown collection for one with unknown elements): what is not known yet is
        // checked once it is.
        None if v.config.contains_unknown() => {}
        None => out.push(at.to_string()),
    }
}

/// A configured nested attribute (`objchange.assertPlannedObjectValid`).
fn in_nested_attribute(o: &NestedObject, v: &Planned, at: &str, out: &mut Vec<String>) {
    if v.config.is_unknown() {
        return;
    }
    if v.planned.is_null() || v.planned.is_unknown() {
        out.push(at.to_string());
        return;
    }
    let mut each = |c: &Value, prior: Option<&Value>, p: &Value, at: &str| {
        in_inner_attributes(o, c, prior.unwrap_or(&Value::Null), p, at, out);
    };
    let (c, p) = (&v.config, &v.planned);
    let whole = match o.nesting {
        Nesting::Single | Nesting::Group => {
            each(c, Some(&v.prior), p, at);
            true
        }
        Nesting::List => {
            let priors = v.prior.as_seq().unwrap_or_default();
            by_position(c, p, |i, ce, pe| {
                each(ce, priors.get(i), pe, &format!("{at}[{i}]"));
            })
        }
        Nesting::Map => {
            let priors = v.prior.as_map();
            by_key(c, p, |k, ce, pe| {
                each(
                    ce,
                    priors.and_then(|m| m.get(k)),
                    pe,
                    &format!("{at}[{k:?}]"),
                );
            })
        }
        Nesting::Set => same_count(c, p),
    };
    if !whole {
        out.push(at.to_string());
    }
}

fn in_inner_attributes(
    o: &NestedObject,
    config: &Value,
    prior: &Value,
    planned: &Value,
    at: &str,
    out: &mut Vec<String>,
) {
    if config.is_unknown() {
        return;
    }
    for (name, inner) in &o.attributes {
        let values = Planned {
            config: bare(config.get_attr(name)),
            prior: bare(prior.get_attr(name)),
            planned: bare(planned.get_attr(name)),
        };
        let path = format!("{at}.{name}");
        in_attribute(&inner.schema, inner.nested.as_ref(), &values, &path, out);
    }
}

/// Calls `each` with the index and the configured and planned elements of two lists;
/// false (and no calls) when their lengths differ.
fn by_position(c: &Value, p: &Value, mut each: impl FnMut(usize, &Value, &Value)) -> bool {
    let (cs, ps) = (
        c.as_seq().unwrap_or_default(),
        p.as_seq().unwrap_or_default(),
    );
    if cs.len() != ps.len() {
        return false;
    }
    for (i, (ce, pe)) in cs.iter().zip(ps).enumerate() {
        each(i, ce, pe);
    }
    true
}

/// Calls `each` with the key and the configured and planned elements of two maps; false
/// (and no calls) when their keys differ. Both null is no difference.
fn by_key(c: &Value, p: &Value, mut each: impl FnMut(&str, &Value, &Value)) -> bool {
    let (Some(cm), Some(pm)) = (c.as_map(), p.as_map()) else {
        return c.is_null() && p.is_null();
    };
    if cm.keys().ne(pm.keys()) {
        return false;
    }
    for (k, ce) in cm {
        each(k, ce, &pm[k]);
    }
    true
}

/// Whether two sets hold as many elements; unknown elements may yet turn out equal to
/// others, so a set holding any is not counted.
fn same_count(c: &Value, p: &Value) -> bool {
    let count = |v: &Value| v.as_seq().map_or(0, <[Value]>::len);
    c.contains_unknown() || p.contains_unknown() || count(c) == count(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto;
    use terrane_engine::lang::Type;

    fn block() -> BlockSchema {
        let mut b = BlockSchema::default();
        b.attributes
            .insert("name".into(), AttributeSchema::required(Type::String));
        b.attributes.insert(
            "arn".into(),
            AttributeSchema::optional_computed(Type::String),
        );
        let mut secret = AttributeSchema::optional(Type::String);
        secret.write_only = true;
        b.attributes.insert("secret".into(), secret);
        b
    }

    fn obj(name: &str, arn: Option<&str>, secret: Option<&str>) -> Value {
        let s = |v: Option<&str>| v.map_or(Value::Null, Value::string);
        Value::object([
            ("name", Value::string(name)),
            ("arn", s(arn)),
            ("secret", s(secret)),
        ])
    }

    #[test]
    fn a_plan_must_keep_the_configuration_or_the_prior_value_it_equals() {
        let config = obj("FIRST", None, Some("pw"));
        let prior = obj("first", Some("arn:1"), None);
        // The configuration as written, or the prior value the provider judged equal;
        // a computed attribute left unset may be anything.
        for planned in [obj("FIRST", None, None), obj("first", Some("arn:2"), None)] {
            let bad = invalid_plan_attributes(&block(), None, &config, Some(&prior), &planned);
            assert!(bad.is_empty(), "{planned:?}: {bad:?}");
        }
        // Anything else, a prior value on create, or a write-only value, is invalid.
        let bad = invalid_plan_attributes(
            &block(),
            None,
            &config,
            Some(&prior),
            &obj("other", None, Some("pw")),
        );
        assert_eq!(bad, ["name", "secret"]);
        let bad = invalid_plan_attributes(&block(), None, &config, None, &obj("first", None, None));
        assert_eq!(bad, ["name"]);
    }

    fn with_rules(nesting: Nesting) -> BlockSchema {
        let mut rule = BlockSchema::default();
        rule.attributes
            .insert("port".into(), AttributeSchema::required(Type::Number));
        rule.attributes.insert(
            "id".into(),
            AttributeSchema::optional_computed(Type::String),
        );
        let mut b = block();
        b.blocks.insert(
            "rule".into(),
            terrane_engine::provider::NestedBlock {
                nesting,
                block: rule,
                min_items: 0,
                max_items: None,
                force_new: false,
            },
        );
        b
    }

    fn rule(port: i64, id: Option<&str>) -> Value {
        Value::object([
            ("port", Value::number(port as f64)),
            ("id", id.map_or(Value::Null, Value::string)),
        ])
    }

    fn with(rules: Value) -> Value {
        Value::object([
            ("name", Value::string("a")),
            ("arn", Value::Null),
            ("secret", Value::Null),
            ("rule", rules),
        ])
    }

    #[test]
    fn nested_blocks_are_checked_inside_as_terraform_checks_them() {
        let list = with_rules(Nesting::List);
        let config = with(Value::List(vec![rule(80, None)]));
        // A computed argument inside a block may be filled in.
        let ok = with(Value::List(vec![rule(80, Some("r-1"))]));
        assert!(invalid_plan_attributes(&list, None, &config, None, &ok).is_empty());
        // A configured one may not change, and the count must stay.
        let changed = with(Value::List(vec![rule(81, None)]));
        assert_eq!(
            invalid_plan_attributes(&list, None, &config, None, &changed),
            ["rule[0].port"]
        );
        let more = with(Value::List(vec![rule(80, None), rule(90, None)]));
        assert_eq!(
            invalid_plan_attributes(&list, None, &config, None, &more),
            ["rule"]
        );
        // Sets: only the count is checked (elements cannot be paired).
        let set = with_rules(Nesting::Set);
        let config = with(Value::Set(vec![rule(80, None)]));
        let other = with(Value::Set(vec![rule(81, Some("x"))]));
        assert!(invalid_plan_attributes(&set, None, &config, None, &other).is_empty());
        let none = with(Value::Set(vec![]));
        assert_eq!(
            invalid_plan_attributes(&set, None, &config, None, &none),
            ["rule"]
        );
    }

    /// A protocol-6 attribute: `flags` has `r`equired, `o`ptional, `c`omputed.
    fn attr(name: &str, ty: &str, flags: &str) -> proto::Attribute6 {
        proto::Attribute6 {
            name: name.into(),
            r#type: ty.as_bytes().to_vec(),
            required: flags.contains('r'),
            optional: flags.contains('o'),
            computed: flags.contains('c'),
            ..proto::Attribute6::default()
        }
    }

    /// A resource with one nested attribute `rules` of `nesting` (1 single, 2 list, 3
    /// set, 4 map): `port` required, `protocol` optional, `zone` optional and computed,
    /// `id` computed; its schemas as the engine and the plan check get them.
    fn nested_schema(nesting: i32) -> (BlockSchema, NestedTypes) {
        use prost::Message as _;
        let rules = proto::Attribute6 {
            nested_type: Some(proto::Object6 {
                attributes: vec![
                    attr("port", "\"number\"", "r"),
                    attr("protocol", "\"string\"", "o"),
                    attr("zone", "\"string\"", "oc"),
                    attr("id", "\"string\"", "c"),
                ],
                nesting,
            }),
            ..attr("rules", "", "o")
        };
        let block = proto::Block {
            attributes: vec![
                attr("name", "\"string\"", "r").encode_to_vec(),
                rules.encode_to_vec(),
            ],
            ..proto::Block::default()
        };
        let schema = proto::GetSchemaResponse {
            resource_schemas: [(
                "t".to_string(),
                proto::Schema {
                    version: 0,
                    block: Some(block.clone()),
                },
            )]
            .into(),
            ..Default::default()
        };
        let engine = crate::schema::provider_schema(&schema, 6).unwrap();
        let nested = crate::schema::nested_types(&block, 6).unwrap();
        (engine.resources["t"].block.clone(), nested)
    }

    fn inner(port: i64, protocol: Option<&str>, zone: Option<&str>, id: Option<&str>) -> Value {
        let s = |v: Option<&str>| v.map_or(Value::Null, Value::string);
        Value::object([
            ("port", Value::number(port as f64)),
            ("protocol", s(protocol)),
            ("zone", s(zone)),
            ("id", s(id)),
        ])
    }

    fn named(rules: Value) -> Value {
        Value::object([("name", Value::string("a")), ("rules", rules)])
    }

    fn check(nesting: i32, config: &Value, prior: Option<&Value>, planned: &Value) -> Vec<String> {
        let (block, nested) = nested_schema(nesting);
        invalid_plan_attributes(&block, Some(&nested), config, prior, planned)
    }

    #[test]
    fn a_nested_attribute_is_checked_by_each_inner_arguments_flags() {
        let list = |items: Vec<Value>| named(Value::List(items));
        let config = list(vec![inner(80, None, None, None)]);
        // Computed inner arguments left unset may be filled in.
        let filled = list(vec![inner(80, None, Some("eu"), Some("r-1"))]);
        assert!(check(2, &config, None, &filled).is_empty());
        let unknown = list(vec![Value::object([
            ("port", Value::number(80.0)),
            ("protocol", Value::Null),
            ("zone", Value::Unknown),
            ("id", Value::Unknown),
        ])]);
        assert!(check(2, &config, None, &unknown).is_empty());
        // An optional, not computed one may not be filled in, nor a required one changed.
        let protocol = list(vec![inner(80, Some("tcp"), None, None)]);
        assert_eq!(check(2, &config, None, &protocol), ["rules[0].protocol"]);
        let port = list(vec![inner(81, None, None, None)]);
        assert_eq!(check(2, &config, None, &port), ["rules[0].port"]);
        // An optional and computed one that is configured must be planned as written.
        let config = list(vec![inner(80, None, Some("eu"), None)]);
        let zone = list(vec![inner(80, None, Some("us"), None)]);
        assert_eq!(check(2, &config, None, &zone), ["rules[0].zone"]);
        // ... or as its prior value, which the provider judged equal.
        let prior = list(vec![inner(80, None, Some("EU"), Some("r-1"))]);
        assert!(check(2, &config, Some(&prior), &prior).is_empty());
        // The count of a list stays.
        let more = list(vec![
            inner(80, None, None, None),
            inner(90, None, None, None),
        ]);
        assert_eq!(check(2, &config, None, &more), ["rules"]);
    }

    #[test]
    fn nested_attributes_of_each_nesting_are_paired_as_terraform_pairs_them() {
        let config = named(inner(80, None, None, None));
        let bad = named(inner(80, Some("udp"), Some("eu"), Some("x")));
        assert_eq!(check(1, &config, None, &bad), ["rules.protocol"]);
        assert_eq!(
            check(1, &config, None, &named(Value::Null)),
            ["rules"],
            "a configured object planned null"
        );

        let map = |items: Vec<(&str, Value)>| {
            named(Value::Map(
                items.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            ))
        };
        let config = map(vec![("web", inner(80, None, None, None))]);
        let bad = map(vec![("web", inner(80, Some("udp"), Some("eu"), None))]);
        assert_eq!(check(4, &config, None, &bad), [r#"rules["web"].protocol"#]);
        let other_key = map(vec![("db", inner(80, None, None, None))]);
        assert_eq!(check(4, &config, None, &other_key), ["rules"]);

        // Sets by count only: their elements cannot be paired.
        let config = named(Value::Set(vec![inner(80, None, None, None)]));
        let filled = named(Value::Set(vec![inner(80, Some("udp"), None, None)]));
        assert!(check(3, &config, None, &filled).is_empty());
        assert_eq!(
            check(3, &config, None, &named(Value::Set(vec![]))),
            ["rules"]
        );
    }

    #[test]
    fn an_unset_nested_attribute_that_is_not_computed_must_be_planned_null() {
        let config = named(Value::Null);
        let planned = named(Value::List(vec![inner(80, None, None, None)]));
        assert_eq!(check(2, &config, None, &planned), ["rules"]);
        assert!(check(2, &config, None, &config).is_empty());
    }
}
