//! Values as the protocol's JSON (used for raw state and accepted in any `DynamicValue`),
//! and the runtime type of a value of dynamic type.

use std::collections::BTreeMap;

use terrane_engine::lang::types::ObjectAttr;
use terrane_engine::lang::{Type, Value};

use crate::schema::{type_from_json, type_to_json};

/// The exact type of a value, for encoding a value whose schema type is dynamic.
pub fn runtime_type(v: &Value) -> Type {
    let elem = |items: &[Value]| items.first().map_or(Type::Any, runtime_type);
    match v.unmark() {
        Value::Null | Value::Unknown | Value::Sensitive(_) => Type::Any,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::List(Box::new(elem(items))),
        Value::Set(items) => Type::Set(Box::new(elem(items))),
        Value::Tuple(items) => Type::Tuple(items.iter().map(runtime_type).collect()),
        Value::Map(m) => Type::Map(Box::new(m.values().next().map_or(Type::Any, runtime_type))),
        Value::Object(m) => Type::Object(
            m.iter()
                .map(|(k, x)| {
                    (
                        k.clone(),
                        ObjectAttr {
                            ty: runtime_type(x),
                            optional: false,
                            default: None,
                        },
                    )
                })
                .collect(),
        ),
    }
}

/// Encodes a known value as type `ty`; a value of dynamic type is `{"value":..,"type":..}`.
pub fn to_json(v: &Value, ty: &Type) -> serde_json::Value {
    let v = v.unmark();
    if v.is_null() || v.is_unknown() {
        return serde_json::Value::Null;
    }
    match ty {
        Type::Any => {
            let actual = runtime_type(v);
            serde_json::json!({"value": to_json(v, &actual), "type": type_to_json(&actual)})
        }
        Type::Object(attrs) => serde_json::Value::Object(
            attrs
                .iter()
                .map(|(k, a)| {
                    let x = v.get_attr(k).unwrap_or(&Value::Null);
                    (k.clone(), to_json(x, &a.ty))
                })
                .collect(),
        ),
        Type::List(t) | Type::Set(t) => serde_json::Value::Array(
            v.as_seq()
                .unwrap_or_default()
                .iter()
                .map(|x| to_json(x, t))
                .collect(),
        ),
        Type::Tuple(ts) => serde_json::Value::Array(
            v.as_seq()
                .unwrap_or_default()
                .iter()
                .zip(ts)
                .map(|(x, t)| to_json(x, t))
                .collect(),
        ),
        Type::Map(t) => serde_json::Value::Object(
            v.as_map()
                .map(|m| m.iter().map(|(k, x)| (k.clone(), to_json(x, t))).collect())
                .unwrap_or_default(),
        ),
        Type::Bool | Type::Number | Type::String => v.to_json(),
    }
}

/// Decodes JSON of type `ty`.
pub fn from_json(j: &serde_json::Value, ty: &Type) -> Value {
    use serde_json::Value as J;
    match (j, ty) {
        (J::Null, _) => Value::Null,
        (J::Object(o), Type::Any) => match (o.get("value"), o.get("type")) {
            (Some(v), Some(t)) => {
                type_from_json(t).map_or_else(|_| Value::from_json(v), |t| from_json(v, &t))
            }
            _ => Value::from_json(j),
        },
        (J::Object(o), Type::Object(attrs)) => Value::Object(
            attrs
                .iter()
                .map(|(k, a)| {
                    (
                        k.clone(),
                        o.get(k).map_or(Value::Null, |x| from_json(x, &a.ty)),
                    )
                })
                .collect(),
        ),
        (J::Object(o), Type::Map(t)) => Value::Map(
            o.iter()
                .map(|(k, x)| (k.clone(), from_json(x, t)))
                .collect::<BTreeMap<_, _>>(),
        ),
        (J::Array(items), Type::List(t)) => {
            Value::List(items.iter().map(|x| from_json(x, t)).collect())
        }
        (J::Array(items), Type::Set(t)) => {
            Value::set(items.iter().map(|x| from_json(x, t)).collect())
        }
        (J::Array(items), Type::Tuple(ts)) => Value::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| from_json(x, ts.get(i).unwrap_or(&Type::Any)))
                .collect(),
        ),
        (J::String(s), Type::Number) => terrane_engine::lang::number::Number::parse(s)
            .map_or(Value::String(s.clone()), Value::Number),
        _ => Value::from_json(j),
    }
}

/// Removes from stored JSON the object attributes type `ty` no longer has, as Terraform
/// does before it sends an object of the current schema version to be upgraded; all else
/// (numbers as written, above all) stays as stored. Returns whether anything was removed.
pub fn strip_removed_attributes(j: &mut serde_json::Value, ty: &Type) -> bool {
    use serde_json::Value as J;
    match (j, ty) {
        (J::Object(o), Type::Object(attrs)) => {
            let before = o.len();
            o.retain(|k, _| attrs.contains_key(k));
            let mut removed = o.len() != before;
            for (k, x) in o.iter_mut() {
                removed |= strip_removed_attributes(x, &attrs[k].ty);
            }
            removed
        }
        (J::Object(o), Type::Map(t)) => o
            .values_mut()
            .fold(false, |r, x| strip_removed_attributes(x, t) | r),
        (J::Array(items), Type::List(t) | Type::Set(t)) => items
            .iter_mut()
            .fold(false, |r, x| strip_removed_attributes(x, t) | r),
        (J::Array(items), Type::Tuple(ts)) => items
            .iter_mut()
            .zip(ts)
            .fold(false, |r, (x, t)| strip_removed_attributes(x, t) | r),
        // A dynamic value carries its own type; whatever it holds is the value.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse_type;

    #[test]
    fn dynamic_attributes_carry_their_type_in_json() {
        let ty = parse_type(br#"["object",{"input":"dynamic","n":"number"}]"#).unwrap();
        let v = Value::object([("input", Value::string("x")), ("n", Value::number(2))]);
        let j = to_json(&v, &ty);
        assert_eq!(
            j.to_string(),
            r#"{"input":{"value":"x","type":"string"},"n":2}"#
        );
        assert_eq!(from_json(&j, &ty), v);
    }

    #[test]
    fn removed_attributes_are_stripped_and_numbers_kept_as_written() {
        let ty = parse_type(br#"["object",{"n":"number","rules":["list",["object",{"port":"number"}]],"extra":"dynamic"}]"#).unwrap();
        let mut j: serde_json::Value = serde_json::from_str(
            r#"{"n":1.50,"gone":1,"rules":[{"port":80,"old":true}],"extra":{"value":{"x":1},"type":["object",{"x":"number"}]}}"#,
        )
        .unwrap();
        assert!(strip_removed_attributes(&mut j, &ty));
        assert_eq!(
            j.to_string(),
            r#"{"n":1.50,"rules":[{"port":80}],"extra":{"value":{"x":1},"type":["object",{"x":"number"}]}}"#
        );
        assert!(!strip_removed_attributes(&mut j, &ty));
    }
}
