//! Reads a stored object's JSON text straight into an engine value, guided by its schema.
//!
//! [`super::codec::object_from_json`] does the same from a `serde_json::Value` tree; going
//! through the tree first allocated every key and string twice and was the larger part of
//! decoding a state of ten thousand objects. Here each member is taken as a slice of the
//! text (`RawValue`) and turned into a value once: strings without escapes are copied
//! straight out of the text, numbers are parsed from their digits, and only what the
//! schema leaves open (attributes of dynamic type, collections) is decoded generically.
//! The result is the one `object_from_json` gives on the same text; a unit test compares
//! them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::lang::number::Number;
use crate::lang::{convert, Type, Value};
use crate::provider::{BlockSchema, Nesting};

/// `text` (one object's `attributes`) read with `schema`; `None` when the text is not a
/// JSON object, which the caller reads the slow way.
pub fn object_from_text(text: &str, schema: &BlockSchema) -> Option<Value> {
    let raw: &RawValue = serde_json::from_str(text).ok()?;
    object_from_raw(raw, schema)
}

fn object_from_raw(raw: &RawValue, schema: &BlockSchema) -> Option<Value> {
    let Members(members) = serde_json::from_str(raw.get()).ok()?;
    let mut out = BTreeMap::new();
    for (name, raw) in members {
        let name = name.0;
        let v = if let Some(attr) = schema.attributes.get(name.as_ref()) {
            let v = typed(raw, &attr.ty)?;
            if attr.sensitive && !v.is_null() {
                v.sensitive()
            } else {
                v
            }
        } else if let Some(nb) = schema.blocks.get(name.as_ref()) {
            let text = raw.get();
            match text.as_bytes()[0] {
                b'n' => nb.empty_value(),
                b'[' => {
                    let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
                    let items = items
                        .into_iter()
                        .map(|i| object_from_raw(i, &nb.block))
                        .collect::<Option<Vec<_>>>()?;
                    match nb.nesting {
                        Nesting::Set => Value::set(items),
                        Nesting::List => Value::List(items),
                        Nesting::Single | Nesting::Group | Nesting::Map => {
                            items.into_iter().next().unwrap_or_else(|| nb.empty_value())
                        }
                    }
                }
                b'{' if nb.nesting == Nesting::Map => {
                    let Members(entries) = serde_json::from_str(text).ok()?;
                    let mut m = BTreeMap::new();
                    for (k, v) in entries {
                        m.insert(k.0.into_owned(), object_from_raw(v, &nb.block)?);
                    }
                    Value::Map(m)
                }
                b'{' => object_from_raw(raw, &nb.block)?,
                // A primitive where a block belongs: what the tree reader makes of it.
                _ => return None,
            }
        } else {
            // Not in the schema (an attribute a provider dropped): left out, as the tree
            // reader leaves it.
            continue;
        };
        out.insert(name.into_owned(), v);
    }
    for name in schema.attributes.keys() {
        if !out.contains_key(name) {
            out.insert(name.clone(), Value::Null);
        }
    }
    for (name, nb) in &schema.blocks {
        if !out.contains_key(name) {
            out.insert(name.clone(), nb.empty_value());
        }
    }
    Some(Value::Object(out))
}

/// A member's value converted to `ty`, as [`super::codec::typed_from_json`] converts it.
fn typed(raw: &RawValue, ty: &Type) -> Option<Value> {
    let generic = generic(raw)?;
    Some(match ty {
        // Terraform stores a value of dynamic type with its type: {"value": .., "type": ..}.
        Type::Any => match generic {
            Value::Object(mut m)
                if m.len() == 2 && m.contains_key("value") && m.contains_key("type") =>
            {
                m.remove("value").unwrap_or(Value::Null)
            }
            other => other,
        },
        // Already of its type: no copy.
        Type::String if matches!(generic, Value::String(_) | Value::Null) => generic,
        Type::Number if matches!(generic, Value::Number(_) | Value::Null) => generic,
        Type::Bool if matches!(generic, Value::Bool(_) | Value::Null) => generic,
        other => convert(&generic, other).unwrap_or(generic),
    })
}

/// A JSON value as [`Value::from_json`] reads it (arrays are tuples, objects objects).
fn generic(raw: &RawValue) -> Option<Value> {
    let text = raw.get();
    Some(match text.as_bytes()[0] {
        b'n' => Value::Null,
        b't' => Value::Bool(true),
        b'f' => Value::Bool(false),
        b'"' => Value::String(match text[1..text.len() - 1].contains('\\') {
            false => text[1..text.len() - 1].to_string(),
            true => serde_json::from_str(text).ok()?,
        }),
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
            Value::Tuple(items.into_iter().map(generic).collect::<Option<_>>()?)
        }
        b'{' => {
            let Members(members) = serde_json::from_str(text).ok()?;
            let mut m = BTreeMap::new();
            for (k, v) in members {
                m.insert(k.0.into_owned(), generic(v)?);
            }
            Value::Object(m)
        }
        _ => Value::Number(Number::parse(text).ok()?),
    })
}

/// An object's members in the order written, values unparsed.
struct Members<'a>(Vec<(Key<'a>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A member name, borrowed from the text unless it holds an escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{AttributeSchema, NestedBlock};
    use crate::state::codec::object_from_json;

    fn attr(ty: Type, sensitive: bool) -> AttributeSchema {
        let a = AttributeSchema::optional(ty);
        if sensitive {
            a.sensitive()
        } else {
            a
        }
    }

    fn schema() -> BlockSchema {
        let mut inner = BlockSchema::default();
        inner
            .attributes
            .insert("port".into(), attr(Type::Number, false));
        inner.attributes.insert(
            "cidrs".into(),
            attr(Type::List(Box::new(Type::String)), false),
        );
        let mut s = BlockSchema::default();
        for (name, ty, sensitive) in [
            ("id", Type::String, false),
            ("count", Type::Number, false),
            ("enabled", Type::Bool, false),
            ("secret", Type::String, true),
            ("input", Type::Any, false),
            ("tags", Type::Map(Box::new(Type::String)), false),
            ("names", Type::Set(Box::new(Type::String)), false),
            ("as_text", Type::String, false),
        ] {
            s.attributes.insert(name.into(), attr(ty, sensitive));
        }
        for (name, nesting) in [
            ("rule", Nesting::Set),
            ("listener", Nesting::List),
            ("config", Nesting::Single),
            ("by_name", Nesting::Map),
        ] {
            s.blocks.insert(
                name.into(),
                NestedBlock {
                    nesting,
                    block: inner.clone(),
                    min_items: 0,
                    max_items: None,
                    force_new: false,
                },
            );
        }
        s
    }

    #[test]
    fn reads_the_text_as_the_tree_reader_reads_its_json() {
        let s = schema();
        for text in [
            r#"{"id":"i-1","count":3,"enabled":true,"secret":"pw","input":{"value":"v","type":"string"}}"#,
            r#"{"id":"esc\"aped\\ \u003c","count":1.5e3,"input":{"value":{"a":[1,"x",null]},"type":["object",{"a":["tuple",["number","string","dynamic"]]}]}}"#,
            r#"{"input":{"a":1},"tags":{"k":"v","n":"2"},"names":["b","a","b"],"as_text":5}"#,
            r#"{"input":{"value":1,"type":"number","extra":true},"secret":null,"count":"7"}"#,
            r#"{"rule":[{"port":443,"cidrs":["10.0.0.0/8"]},{"port":80,"cidrs":[]}],"listener":[{"port":1}],"config":[{"port":2}],"by_name":{"x":{"port":3}}}"#,
            r#"{"rule":null,"listener":[],"config":null,"dropped":{"deep":[1,2]},"k\u00e9y":1}"#,
            r#"{"count":12345678901234567890123,"input":[true,false,-0.25]}"#,
            r#"{}"#,
        ] {
            let tree: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                object_from_text(text, &s),
                Some(object_from_json(&tree, &s)),
                "{text}"
            );
        }
    }

    #[test]
    fn text_that_is_not_an_object_is_left_to_the_tree_reader() {
        assert_eq!(object_from_text("[1]", &schema()), None);
        assert_eq!(object_from_text(r#"{"config":"x"}"#, &schema()), None);
    }
}
