//! The plugin's schema, turned into the engine's: attribute types from their JSON type
//! constraints, nested blocks and (protocol 6) nested attributes. Also the type of a whole
//! block, which drives the msgpack and JSON encodings of its values.

use std::collections::BTreeMap;

use terrane_engine::lang::types::ObjectAttr;
use terrane_engine::lang::Type;
use terrane_engine::provider::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, ProviderSchema, ResourceSchema,
};

use crate::proto;
use crate::Error;

/// Converts a `GetProviderSchema` answer for plugin protocol `version` (5 or 6).
pub fn provider_schema(
    resp: &proto::GetSchemaResponse,
    version: u32,
) -> Result<ProviderSchema, Error> {
    let convert = |m: &std::collections::HashMap<String, proto::Schema>| {
        m.iter()
            .map(|(name, s)| Ok((name.clone(), resource_schema(s, version)?)))
            .collect::<Result<BTreeMap<_, _>, Error>>()
    };
    Ok(ProviderSchema {
        provider: match &resp.provider {
            Some(s) => resource_schema(s, version)?.block,
            None => BlockSchema::default(),
        },
        resources: convert(&resp.resource_schemas)?,
        data_sources: convert(&resp.data_source_schemas)?,
        ephemeral_resources: convert(&resp.ephemeral_resource_schemas)?,
        actions: resp
            .action_schemas
            .iter()
            .map(|(name, a)| {
                let schema = a.schema.clone().unwrap_or_default();
                Ok((name.clone(), resource_schema(&schema, version)?))
            })
            .collect::<Result<BTreeMap<_, _>, Error>>()?,
    })
}

fn resource_schema(s: &proto::Schema, version: u32) -> Result<ResourceSchema, Error> {
    Ok(ResourceSchema {
        version: u64::try_from(s.version).unwrap_or(0),
        block: match &s.block {
            Some(b) => block(b, version)?,
            None => BlockSchema::default(),
        },
    })
}

fn block(b: &proto::Block, version: u32) -> Result<BlockSchema, Error> {
    let mut out = BlockSchema::default();
    for raw in &b.attributes {
        let (name, attr) = attribute(raw, version)?;
        out.attributes.insert(name, attr);
    }
    for nb in &b.block_types {
        let inner = match &nb.block {
            Some(b) => block(b, version)?,
            None => BlockSchema::default(),
        };
        let nesting = match nb.nesting {
            1 => Nesting::Single,
            2 => Nesting::List,
            3 => Nesting::Set,
            4 => Nesting::Map,
            5 => Nesting::Group,
            n => {
                return Err(Error::Schema(format!(
                    "block type {:?} uses nesting mode {n}, which terrane does not support",
                    nb.type_name
                )))
            }
        };
        out.blocks.insert(
            nb.type_name.clone(),
            NestedBlock {
                nesting,
                block: inner,
                min_items: usize::try_from(nb.min_items).unwrap_or(0),
                max_items: usize::try_from(nb.max_items).ok().filter(|n| *n > 0),
                force_new: false,
            },
        );
    }
    Ok(out)
}

fn attribute(raw: &[u8], version: u32) -> Result<(String, AttributeSchema), Error> {
    let a = proto::Attribute6::decode_version(raw, version)?;
    Ok((a.name.clone(), attribute_schema(&a)?))
}

/// An attribute's type and flags; a nested attribute's type is the object of its inner
/// attributes, collected by its nesting mode.
fn attribute_schema(a: &proto::Attribute6) -> Result<AttributeSchema, Error> {
    let ty = match &a.nested_type {
        Some(o) => nested_object(o)?.ty(),
        None => parse_type(&a.r#type)?,
    };
    Ok(AttributeSchema {
        ty,
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        force_new: false,
        sensitive: a.sensitive,
        default: None,
        write_only: a.write_only,
    })
}

/// What the engine's [`BlockSchema`] leaves out of a protocol-6 block: the schema of each
/// nested attribute (its inner attributes with their own flags), in the block and in its
/// nested blocks. Terraform checks plans inner attribute by inner attribute with it.
#[derive(Debug, Clone, Default)]
pub struct NestedTypes {
    pub attributes: BTreeMap<String, NestedObject>,
    pub blocks: BTreeMap<String, NestedTypes>,
}

impl NestedTypes {
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.blocks.is_empty()
    }
}

/// A nested attribute's type: its inner attributes and how their objects are collected.
#[derive(Debug, Clone)]
pub struct NestedObject {
    pub nesting: Nesting,
    pub attributes: BTreeMap<String, InnerAttribute>,
}

#[derive(Debug, Clone)]
pub struct InnerAttribute {
    /// Its type and its own required, optional, computed, sensitive and write-only flags.
    pub schema: AttributeSchema,
    /// Its type when it is a nested attribute itself.
    pub nested: Option<NestedObject>,
}

impl NestedObject {
    /// The value type: an object of the inner attributes, collected by the nesting mode.
    pub fn ty(&self) -> Type {
        let obj = Type::Object(
            self.attributes
                .iter()
                .map(|(name, a)| {
                    let attr = ObjectAttr {
                        ty: a.schema.ty.clone(),
                        optional: !a.schema.required,
                        default: None,
                    };
                    (name.clone(), attr)
                })
                .collect(),
        );
        match self.nesting {
            Nesting::List => Type::List(Box::new(obj)),
            Nesting::Set => Type::Set(Box::new(obj)),
            Nesting::Map => Type::Map(Box::new(obj)),
            Nesting::Single | Nesting::Group => obj,
        }
    }
}

fn nested_object(o: &proto::Object6) -> Result<NestedObject, Error> {
    let nesting = match o.nesting {
        2 => Nesting::List,
        3 => Nesting::Set,
        4 => Nesting::Map,
        _ => Nesting::Single,
    };
    let attributes = o
        .attributes
        .iter()
        .map(|a| {
            let inner = InnerAttribute {
                schema: attribute_schema(a)?,
                nested: a.nested_type.as_ref().map(nested_object).transpose()?,
            };
            Ok((a.name.clone(), inner))
        })
        .collect::<Result<_, Error>>()?;
    Ok(NestedObject {
        nesting,
        attributes,
    })
}

/// The nested attribute types of block `b` of plugin protocol `version` (protocol 5 has
/// none).
pub fn nested_types(b: &proto::Block, version: u32) -> Result<NestedTypes, Error> {
    let mut out = NestedTypes::default();
    if version < 6 {
        return Ok(out);
    }
    for raw in &b.attributes {
        let a = proto::Attribute6::decode_version(raw, version)?;
        if let Some(o) = &a.nested_type {
            out.attributes.insert(a.name.clone(), nested_object(o)?);
        }
    }
    for nb in &b.block_types {
        if let Some(inner) = &nb.block {
            let inner = nested_types(inner, version)?;
            if !inner.is_empty() {
                out.blocks.insert(nb.type_name.clone(), inner);
            }
        }
    }
    Ok(out)
}

/// Parses a JSON type constraint: `"string"`, `["list","number"]`, `["object",{...}]`.
pub fn parse_type(json: &[u8]) -> Result<Type, Error> {
    let v: serde_json::Value = serde_json::from_slice(json)
        .map_err(|e| Error::Schema(format!("invalid type constraint: {e}")))?;
    type_from_json(&v)
}

pub fn type_from_json(v: &serde_json::Value) -> Result<Type, Error> {
    let bad = || Error::Schema(format!("invalid type constraint {v}"));
    match v {
        serde_json::Value::String(s) => match s.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Any),
            _ => Err(bad()),
        },
        serde_json::Value::Array(parts) => {
            let (kind, arg) = match parts.as_slice() {
                [serde_json::Value::String(k), arg, ..] => (k.as_str(), arg),
                _ => return Err(bad()),
            };
            match kind {
                "list" => Ok(Type::List(Box::new(type_from_json(arg)?))),
                "set" => Ok(Type::Set(Box::new(type_from_json(arg)?))),
                "map" => Ok(Type::Map(Box::new(type_from_json(arg)?))),
                "tuple" => {
                    let items = arg.as_array().ok_or_else(bad)?;
                    Ok(Type::Tuple(
                        items.iter().map(type_from_json).collect::<Result<_, _>>()?,
                    ))
                }
                "object" => {
                    let attrs = arg.as_object().ok_or_else(bad)?;
                    let optional: Vec<&str> = parts
                        .get(2)
                        .and_then(|o| o.as_array())
                        .map(|o| o.iter().filter_map(|s| s.as_str()).collect())
                        .unwrap_or_default();
                    let mut out = BTreeMap::new();
                    for (k, t) in attrs {
                        out.insert(
                            k.clone(),
                            ObjectAttr {
                                ty: type_from_json(t)?,
                                optional: optional.contains(&k.as_str()),
                                default: None,
                            },
                        );
                    }
                    Ok(Type::Object(out))
                }
                _ => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

/// The JSON type constraint of `ty`, as the protocol writes it.
pub fn type_to_json(ty: &Type) -> serde_json::Value {
    use serde_json::json;
    match ty {
        Type::Any => json!("dynamic"),
        Type::Bool => json!("bool"),
        Type::Number => json!("number"),
        Type::String => json!("string"),
        Type::List(t) => json!(["list", type_to_json(t)]),
        Type::Set(t) => json!(["set", type_to_json(t)]),
        Type::Map(t) => json!(["map", type_to_json(t)]),
        Type::Tuple(ts) => json!(["tuple", ts.iter().map(type_to_json).collect::<Vec<_>>()]),
        Type::Object(attrs) => {
            let m: serde_json::Map<String, serde_json::Value> = attrs
                .iter()
                .map(|(k, a)| (k.clone(), type_to_json(&a.ty)))
                .collect();
            json!(["object", m])
        }
    }
}

/// The object type of a block's values: its attributes, and each nested block type as an
/// object, a list or a set of objects.
pub fn block_type(b: &BlockSchema) -> Type {
    let mut attrs = BTreeMap::new();
    for (name, a) in &b.attributes {
        attrs.insert(
            name.clone(),
            ObjectAttr {
                ty: a.ty.clone(),
                optional: !a.required,
                default: None,
            },
        );
    }
    for (name, nb) in &b.blocks {
        let obj = block_type(&nb.block);
        let ty = match nb.nesting {
            Nesting::Single | Nesting::Group => obj,
            Nesting::List => Type::List(Box::new(obj)),
            Nesting::Set => Type::Set(Box::new(obj)),
            Nesting::Map => Type::Map(Box::new(obj)),
        };
        attrs.insert(
            name.clone(),
            ObjectAttr {
                ty,
                optional: true,
                default: None,
            },
        );
    }
    Type::Object(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_constraints_round_trip() {
        for src in [
            r#""string""#,
            r#"["list","number"]"#,
            r#"["map",["set","bool"]]"#,
            r#"["object",{"a":"string","b":["tuple",["number","dynamic"]]}]"#,
        ] {
            let ty = parse_type(src.as_bytes()).unwrap();
            assert_eq!(type_to_json(&ty).to_string(), src);
        }
    }

    #[test]
    fn unknown_type_names_are_refused() {
        let err = parse_type(br#"["tree","string"]"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"the plugin's schema is invalid: invalid type constraint ["tree","string"]"#
        );
    }
}
