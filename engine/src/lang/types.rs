//! Type constraints (`string`, `list(object({...}))`, `optional(T, default)`) and Terraform's
//! implicit conversions between values.

use std::collections::BTreeMap;
use std::fmt;

use super::number::Number;
use super::value::Value;

/// A type constraint as written in a `variable` block or used by a function.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `any`: accepts every value unchanged.
    Any,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, ObjectAttr>),
}

/// One attribute of an object type constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    pub ty: Type,
    /// Declared with `optional(...)`: may be omitted.
    pub optional: bool,
    /// The second argument of `optional(T, default)`.
    pub default: Option<Value>,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::List(t) => write!(f, "list of {t}"),
            Type::Set(t) => write!(f, "set of {t}"),
            Type::Map(t) => write!(f, "map of {t}"),
            Type::Tuple(_) => f.write_str("tuple"),
            Type::Object(_) => f.write_str("object"),
        }
    }
}

/// Reads a type in Terraform's JSON encoding (`"string"`, `["list","number"]`,
/// `["object",{"a":"bool"}]`), as state stores it beside each output. `dynamic` is `any`.
pub fn type_from_json(j: &serde_json::Value) -> Option<Type> {
    use serde_json::Value as J;
    Some(match j {
        J::String(s) => match s.as_str() {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            "dynamic" => Type::Any,
            _ => return None,
        },
        J::Array(parts) => match (parts.first()?.as_str()?, parts.get(1)?) {
            ("list", e) => Type::List(Box::new(type_from_json(e)?)),
            ("set", e) => Type::Set(Box::new(type_from_json(e)?)),
            ("map", e) => Type::Map(Box::new(type_from_json(e)?)),
            ("tuple", J::Array(items)) => {
                Type::Tuple(items.iter().map(type_from_json).collect::<Option<_>>()?)
            }
            ("object", J::Object(attrs)) => Type::Object(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let ty = type_from_json(t)?;
                        Some((
                            k.clone(),
                            ObjectAttr {
                                ty,
                                optional: false,
                                default: None,
                            },
                        ))
                    })
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        },
        _ => return None,
    })
}

/// Converts `value` to `ty` the way Terraform does implicitly (for variables, function
/// arguments and resource arguments). Unknown and null pass through; sensitive marks are kept.
///
/// # Errors
/// A sentence saying what was required, for example `"a number is required"`.
pub fn convert(value: &Value, ty: &Type) -> Result<Value, String> {
    match value {
        Value::Sensitive(inner) => return convert(inner, ty).map(Value::sensitive),
        Value::Unknown => return Ok(Value::Unknown),
        Value::Null => return Ok(Value::Null),
        _ => {}
    }
    match ty {
        Type::Any => Ok(value.clone()),
        Type::Bool => to_bool(value),
        Type::Number => to_number(value),
        Type::String => to_string(value),
        Type::List(elem) => {
            let items = seq_for(value, ty)?;
            let items = items
                .iter()
                .map(|v| convert(v, elem))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::List(unify_any(items, elem)))
        }
        Type::Set(elem) => {
            let items = seq_for(value, ty)?;
            let items = items
                .iter()
                .map(|v| convert(v, elem))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::set(unify_any(items, elem)))
        }
        Type::Map(elem) => {
            let m = value
                .as_map()
                .ok_or_else(|| format!("{} required", describe(ty)))?;
            let mut out = BTreeMap::new();
            for (k, v) in m {
                out.insert(
                    k.clone(),
                    convert(v, elem).map_err(|e| format!("element {k:?}: {e}"))?,
                );
            }
            if matches!(**elem, Type::Any) {
                let keys: Vec<String> = out.keys().cloned().collect();
                let vals = unify_any(out.into_values().collect(), elem);
                return Ok(Value::Map(keys.into_iter().zip(vals).collect()));
            }
            Ok(Value::Map(out))
        }
        Type::Tuple(types) => {
            let items = seq_for(value, ty)?;
            if items.len() != types.len() {
                return Err(format!(
                    "tuple required with exactly {} elements",
                    types.len()
                ));
            }
            let items = items
                .iter()
                .zip(types)
                .enumerate()
                .map(|(i, (v, t))| convert(v, t).map_err(|e| format!("element {i}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(items))
        }
        Type::Object(attrs) => {
            let m = value
                .as_map()
                .ok_or_else(|| "object required".to_string())?;
            let mut out = BTreeMap::new();
            for (name, attr) in attrs {
                match m.get(name) {
                    Some(v) if !v.is_null() => {
                        let c =
                            convert(v, &attr.ty).map_err(|e| format!("attribute {name:?}: {e}"))?;
                        out.insert(name.clone(), c);
                    }
                    Some(_) | None if attr.optional => {
                        let d = match &attr.default {
                            Some(d) => convert(d, &attr.ty)?,
                            None => Value::Null,
                        };
                        out.insert(name.clone(), d);
                    }
                    Some(v) => {
                        out.insert(name.clone(), v.clone());
                    }
                    None => return Err(format!("attribute {name:?} is required")),
                }
            }
            Ok(Value::Object(out))
        }
    }
}

fn describe(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        other => other.to_string(),
    }
}

fn seq_for<'a>(value: &'a Value, ty: &Type) -> Result<&'a [Value], String> {
    value
        .as_seq()
        .ok_or_else(|| format!("{} required", describe(ty)))
}

fn to_bool(value: &Value) -> Result<Value, String> {
    match value {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        _ => Err("a bool is required".into()),
    }
}

fn to_number(value: &Value) -> Result<Value, String> {
    match value {
        Value::Number(n) => Ok(Value::Number(n.clone())),
        Value::String(s) => parse_number(s)
            .map(Value::Number)
            .ok_or_else(|| format!("a number is required; cannot convert {s:?} to number")),
        _ => Err("a number is required".into()),
    }
}

/// Parses a number the way Terraform accepts it from a string.
pub fn parse_number(s: &str) -> Option<Number> {
    Number::parse(s).ok().filter(|n| !n.is_infinite())
}

fn to_string(value: &Value) -> Result<Value, String> {
    match value {
        Value::String(s) => Ok(Value::String(s.clone())),
        Value::Number(n) => Ok(Value::String(n.to_string())),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        _ => Err("a string is required".into()),
    }
}

/// For `list(any)`, `set(any)` and `map(any)` every element must end with one common type:
/// mixed primitives unify to string, as Terraform does.
fn unify_any(items: Vec<Value>, elem: &Type) -> Vec<Value> {
    if !matches!(elem, Type::Any) {
        return items;
    }
    let kinds: std::collections::BTreeSet<&str> = items
        .iter()
        .filter(|v| !v.is_null() && !v.is_unknown())
        .map(|v| v.unmark().type_name())
        .collect();
    let all_primitive = kinds
        .iter()
        .all(|k| matches!(*k, "string" | "number" | "bool"));
    if kinds.len() > 1 && all_primitive {
        return items
            .iter()
            .map(|v| convert(v, &Type::String).unwrap_or_else(|_| v.clone()))
            .collect();
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_to_number_and_back() {
        assert_eq!(
            convert(&Value::string("42"), &Type::Number),
            Ok(Value::number(42))
        );
        assert_eq!(
            convert(&Value::number(1.5), &Type::String),
            Ok(Value::string("1.5"))
        );
        assert!(convert(&Value::string("abc"), &Type::Number).is_err());
    }

    #[test]
    fn optional_attributes_get_defaults() {
        let mut attrs = BTreeMap::new();
        attrs.insert(
            "name".into(),
            ObjectAttr {
                ty: Type::String,
                optional: false,
                default: None,
            },
        );
        attrs.insert(
            "size".into(),
            ObjectAttr {
                ty: Type::Number,
                optional: true,
                default: Some(Value::number(3)),
            },
        );
        let v = Value::object([("name", Value::string("a"))]);
        let c = convert(&v, &Type::Object(attrs.clone())).unwrap();
        assert_eq!(c.get_attr("size"), Some(&Value::number(3)));
        let missing = convert(&Value::object::<&str>([]), &Type::Object(attrs));
        assert_eq!(missing, Err("attribute \"name\" is required".into()));
    }

    #[test]
    fn mixed_list_of_any_unifies_to_string() {
        let v = Value::Tuple(vec![Value::number(1), Value::string("a")]);
        let c = convert(&v, &Type::List(Box::new(Type::Any))).unwrap();
        assert_eq!(c, Value::List(vec![Value::string("1"), Value::string("a")]));
    }

    #[test]
    fn sensitive_mark_survives_conversion() {
        let v = Value::string("5").sensitive();
        assert_eq!(convert(&v, &Type::Number), Ok(Value::number(5).sensitive()));
    }
}
