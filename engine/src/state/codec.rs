//! State JSON to values and back, guided by provider schemas: the schema says whether a
//! JSON array is a list or a set, which attributes are sensitive, and which attributes are
//! of dynamic type (Terraform stores those as `{"value": ..., "type": ...}`).

use std::collections::BTreeMap;

use crate::addr::InstanceAddr;
use crate::lang::{convert, Type, Value};
use crate::provider::{BlockSchema, Nesting, ResourceSchema};
use crate::state::{Attributes, InstanceState};

/// Converts a JSON value to `ty`'s shape.
pub fn typed_from_json(j: &serde_json::Value, ty: &Type) -> Value {
    let generic = Value::from_json(j);
    match ty {
        // Terraform stores a value of dynamic type with its type: {"value": .., "type": ..}.
        Type::Any => match j.as_object() {
            Some(o) if o.len() == 2 && o.contains_key("value") && o.contains_key("type") => {
                Value::from_json(&o["value"])
            }
            _ => generic,
        },
        other => convert(&generic, other).unwrap_or(generic),
    }
}

/// A root output's value read from state with its recorded type, so a set stays a set
/// (plain JSON would make every array a tuple, and the next plan would see a change).
pub fn output_value(o: &crate::state::model::OutputState) -> Value {
    let ty = crate::lang::types::type_from_json(&o.ty).unwrap_or(Type::Any);
    typed_from_json(&o.value, &ty)
}

/// Writes an object as state `attributes`: dynamic-typed attributes carry their type, as
/// Terraform writes them; nested blocks recurse.
pub fn object_to_json(v: &Value, schema: &BlockSchema) -> serde_json::Value {
    let Some(m) = v.as_map() else {
        return v.to_json();
    };
    let mut out = serde_json::Map::new();
    for (name, x) in m {
        let j = match (schema.attributes.get(name), schema.blocks.get(name)) {
            (Some(a), _) if a.ty == Type::Any && !x.is_null() => {
                serde_json::json!({"value": x.to_json(), "type": type_json(x)})
            }
            (_, Some(nb)) => match x.unmark() {
                Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                    serde_json::Value::Array(
                        items.iter().map(|i| object_to_json(i, &nb.block)).collect(),
                    )
                }
                Value::Map(entries) if nb.nesting == Nesting::Map => serde_json::Value::Object(
                    entries
                        .iter()
                        .map(|(k, i)| (k.clone(), object_to_json(i, &nb.block)))
                        .collect(),
                ),
                Value::Null => serde_json::Value::Null,
                single => object_to_json(single, &nb.block),
            },
            _ => x.to_json(),
        };
        out.insert(name.clone(), j);
    }
    serde_json::Value::Object(out)
}

/// Reads a state object's `attributes` with its schema.
pub fn object_from_json(j: &serde_json::Value, schema: &BlockSchema) -> Value {
    let mut out = BTreeMap::new();
    for (name, attr) in &schema.attributes {
        let v = j
            .get(name)
            .map_or(Value::Null, |v| typed_from_json(v, &attr.ty));
        out.insert(
            name.clone(),
            if attr.sensitive && !v.is_null() {
                v.sensitive()
            } else {
                v
            },
        );
    }
    for (name, nb) in &schema.blocks {
        let v = match j.get(name) {
            None | Some(serde_json::Value::Null) => nb.empty_value(),
            Some(serde_json::Value::Array(items)) => {
                let items: Vec<Value> = items
                    .iter()
                    .map(|i| object_from_json(i, &nb.block))
                    .collect();
                match nb.nesting {
                    Nesting::Set => Value::set(items),
                    Nesting::List => Value::List(items),
                    Nesting::Single | Nesting::Group | Nesting::Map => {
                        items.into_iter().next().unwrap_or_else(|| nb.empty_value())
                    }
                }
            }
            Some(serde_json::Value::Object(entries)) if nb.nesting == Nesting::Map => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), object_from_json(v, &nb.block)))
                    .collect(),
            ),
            Some(obj) => object_from_json(obj, &nb.block),
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// Paths (top-level attribute names, in Terraform's path JSON) of sensitive values.
pub fn sensitive_paths(v: &Value) -> Vec<serde_json::Value> {
    let Some(m) = v.as_map() else {
        return Vec::new();
    };
    m.iter()
        .filter(|(_, v)| v.contains_sensitive())
        .map(|(k, _)| serde_json::json!([{"type": "get_attr", "value": k}]))
        .collect()
}

/// `paths` plus every top-level attribute the schema calls sensitive that has a value, as
/// Terraform records them: it marks such attributes whether or not the configuration set
/// them (a password the provider generated, say).
fn with_schema_sensitive(
    mut paths: Vec<serde_json::Value>,
    value: &Value,
    schema: &BlockSchema,
) -> Vec<serde_json::Value> {
    for (name, attr) in &schema.attributes {
        let set = value.get_attr(name).is_some_and(|v| !v.is_null());
        let path = serde_json::json!([{"type": "get_attr", "value": name}]);
        if attr.sensitive && set && !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// A state instance's object, read with its schema and with the sensitive marks state
/// recorded for it.
pub fn instance_value(i: &crate::state::InstanceState, schema: &BlockSchema) -> Value {
    match super::decode::object_from_text(i.attributes.text(), schema) {
        Some(v) => mark_paths(v, &i.sensitive_attributes),
        None => instance_value_and_tree(i, schema).0,
    }
}

/// [`instance_value`] and the stored attributes as a JSON tree, from one parse of their
/// text: the tree is what a provider that upgrades stored objects is sent
/// ([`crate::provider::ReadRequest::stored`]).
pub fn instance_value_and_tree(
    i: &crate::state::InstanceState,
    schema: &BlockSchema,
) -> (Value, serde_json::Value) {
    let tree = i.attributes.to_json();
    let value = mark_paths(object_from_json(&tree, schema), &i.sensitive_attributes);
    (value, tree)
}

/// Re-applies the sensitive marks recorded in state.
pub fn mark_paths(v: Value, paths: &[serde_json::Value]) -> Value {
    let Value::Object(mut m) = v else { return v };
    for p in paths {
        if let Some(name) = p
            .get(0)
            .and_then(|s| s.get("value"))
            .and_then(|n| n.as_str())
        {
            if let Some(x) = m.remove(name) {
                m.insert(name.to_string(), x.sensitive());
            }
        }
    }
    Value::Object(m)
}

/// Terraform's JSON type description of a value, as stored with outputs.
pub fn type_json(v: &Value) -> serde_json::Value {
    use serde_json::json;
    match v.unmark() {
        Value::Null | Value::Unknown => json!("dynamic"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::List(items) => json!(["list", items.first().map_or(json!("dynamic"), type_json)]),
        Value::Set(items) => json!(["set", items.first().map_or(json!("dynamic"), type_json)]),
        Value::Tuple(items) => json!(["tuple", items.iter().map(type_json).collect::<Vec<_>>()]),
        Value::Map(m) => json!(["map", m.values().next().map_or(json!("dynamic"), type_json)]),
        Value::Object(m) => json!([
            "object",
            m.iter()
                .map(|(k, v)| (k.clone(), type_json(v)))
                .collect::<serde_json::Map<_, _>>()
        ]),
        Value::Sensitive(_) => unreachable!("unmarked above"),
    }
}

/// The state record of an instance holding `value` (sensitive attributes noted as paths).
///
/// With the schema, attributes of dynamic type are written as Terraform writes them
/// (`{"value": ..., "type": ...}`), so Terraform can read the state too.
pub fn instance_state(
    addr: &InstanceAddr,
    value: &Value,
    schema: Option<&ResourceSchema>,
    dependencies: Vec<String>,
    private: Option<String>,
    cbd: bool,
) -> InstanceState {
    InstanceState {
        index_key: addr.key.clone(),
        status: None,
        schema_version: schema.map_or(0, |s| s.version),
        attributes: Attributes::from_json(&match schema {
            Some(s) => object_to_json(value, &s.block),
            None => value.to_json(),
        }),
        sensitive_attributes: match schema {
            Some(s) => with_schema_sensitive(sensitive_paths(value), value, &s.block),
            None => sensitive_paths(value),
        },
        identity_schema_version: 0,
        identity: None,
        private,
        dependencies,
        create_before_destroy: cbd,
        deposed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::AttributeSchema;

    #[test]
    fn an_object_survives_state_json_with_its_dynamic_and_sensitive_attributes() {
        let mut schema = BlockSchema::default();
        schema
            .attributes
            .insert("input".into(), AttributeSchema::optional(Type::Any));
        schema
            .attributes
            .insert("secret".into(), AttributeSchema::optional(Type::String));
        let value = Value::Object(BTreeMap::from([
            ("input".into(), Value::String("v".into())),
            ("secret".into(), Value::String("s".into()).sensitive()),
        ]));
        let addr: InstanceAddr = "terraform_data.x".parse().expect("address");
        let rs = ResourceSchema {
            version: 0,
            block: schema,
        };
        let i = instance_state(&addr, &value, Some(&rs), Vec::new(), None, false);
        assert_eq!(
            i.attributes.to_json()["input"],
            serde_json::json!({"value": "v", "type": "string"})
        );
        assert_eq!(
            i.sensitive_attributes,
            vec![serde_json::json!([{"type": "get_attr", "value": "secret"}])]
        );
        assert_eq!(instance_value(&i, &rs.block), value);
    }
}
