//! A plugin's schema as `terraform providers schema -json` prints it (Terraform's
//! `jsonprovider`), from the plugin's own answer: descriptions and their kind,
//! deprecation, write-only, and protocol 6 nested attributes as `nested_type`, none of
//! which the engine's schema keeps. Keys come out sorted, as Go's JSON maps do.

use std::collections::{BTreeMap, HashMap};

use prost::Message;
use serde_json::{json, Map, Value};

use crate::proto;
use crate::Error;

/// The provider's entry under `provider_schemas`, keeping the resource and data source
/// types `keep` accepts (those the plugin serves rather than terrane).
pub fn provider_json(
    resp: &proto::GetSchemaResponse,
    version: u32,
    keep: impl Fn(&str, &str) -> bool,
) -> Result<Value, Error> {
    let mut out = Map::new();
    let provider = resp.provider.clone().unwrap_or_default();
    out.insert("provider".into(), schema_json(&provider, version)?);
    for (key, map) in [
        ("resource_schemas", &resp.resource_schemas),
        ("data_source_schemas", &resp.data_source_schemas),
        (
            "ephemeral_resource_schemas",
            &resp.ephemeral_resource_schemas,
        ),
    ] {
        let listed = sorted(map)
            .into_iter()
            .filter(|(name, _)| keep(key, name))
            .map(|(name, s)| Ok((name.clone(), schema_json(s, version)?)))
            .collect::<Result<Map<_, _>, Error>>()?;
        if !listed.is_empty() {
            out.insert(key.into(), Value::Object(listed));
        }
    }
    let actions = sorted(&resp.action_schemas)
        .into_iter()
        .map(|(name, a)| {
            let block = a
                .schema
                .clone()
                .unwrap_or_default()
                .block
                .unwrap_or_default();
            Ok((
                name.clone(),
                json!({ "block": block_json(&block, version)? }),
            ))
        })
        .collect::<Result<Map<_, _>, Error>>()?;
    if !actions.is_empty() {
        out.insert("action_schemas".into(), Value::Object(actions));
    }
    Ok(Value::Object(out))
}

fn sorted<V>(m: &HashMap<String, V>) -> BTreeMap<&String, &V> {
    m.iter().collect()
}

fn schema_json(s: &proto::Schema, version: u32) -> Result<Value, Error> {
    let block = s.block.clone().unwrap_or_default();
    Ok(json!({ "version": s.version, "block": block_json(&block, version)? }))
}

fn kind(k: i32) -> &'static str {
    if k == 1 {
        "markdown"
    } else {
        "plain"
    }
}

/// Terraform's `description`, `description_kind`, `deprecated`, `deprecation_message`.
fn describe(out: &mut Map<String, Value>, description: &str, k: i32, deprecated: bool, why: &str) {
    if !description.is_empty() {
        out.insert("description".into(), json!(description));
    }
    out.insert("description_kind".into(), json!(kind(k)));
    if deprecated {
        out.insert("deprecated".into(), json!(true));
    }
    if !why.is_empty() {
        out.insert("deprecation_message".into(), json!(why));
    }
}

fn block_json(b: &proto::Block, version: u32) -> Result<Value, Error> {
    let mut out = Map::new();
    let mut attrs = b
        .attributes
        .iter()
        .map(|raw| Attr::decode(raw, version))
        .collect::<Result<Vec<_>, Error>>()?;
    attrs.sort_by(|a, b| a.name.cmp(&b.name));
    if !attrs.is_empty() {
        let m = attrs.iter().map(|a| (a.name.clone(), a.json())).collect();
        out.insert("attributes".into(), Value::Object(m));
    }
    let mut blocks: Vec<&proto::NestedBlock> = b.block_types.iter().collect();
    blocks.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    if !blocks.is_empty() {
        let mut m = Map::new();
        for nb in blocks {
            let mut t = Map::new();
            t.insert("nesting_mode".into(), json!(nesting(nb.nesting)));
            let inner = nb.block.clone().unwrap_or_default();
            t.insert("block".into(), block_json(&inner, version)?);
            if nb.min_items > 0 {
                t.insert("min_items".into(), json!(nb.min_items));
            }
            if nb.max_items > 0 {
                t.insert("max_items".into(), json!(nb.max_items));
            }
            m.insert(nb.type_name.clone(), Value::Object(t));
        }
        out.insert("block_types".into(), Value::Object(m));
    }
    describe(
        &mut out,
        &b.description,
        b.description_kind,
        b.deprecated,
        &b.deprecation_message,
    );
    Ok(Value::Object(out))
}

fn nesting(n: i32) -> &'static str {
    match n {
        1 => "single",
        2 => "list",
        3 => "set",
        4 => "map",
        5 => "group",
        _ => "invalid",
    }
}

/// An attribute of either protocol version.
struct Attr {
    name: String,
    ty: Vec<u8>,
    nested: Option<proto::Object6>,
    description: String,
    description_kind: i32,
    deprecated: bool,
    deprecation_message: String,
    flags: [(&'static str, bool); 5],
}

impl Attr {
    fn decode(raw: &[u8], version: u32) -> Result<Attr, Error> {
        Ok(if version == 6 {
            Attr::from(proto::Attribute6::decode(raw)?)
        } else {
            let a = proto::Attribute5::decode(raw)?;
            Attr {
                flags: [
                    ("required", a.required),
                    ("optional", a.optional),
                    ("computed", a.computed),
                    ("sensitive", a.sensitive),
                    ("write_only", a.write_only),
                ],
                name: a.name,
                ty: a.r#type,
                nested: None,
                description: a.description,
                description_kind: a.description_kind,
                deprecated: a.deprecated,
                deprecation_message: a.deprecation_message,
            }
        })
    }

    fn json(&self) -> Value {
        let mut out = Map::new();
        if let Ok(ty) = serde_json::from_slice::<Value>(&self.ty) {
            out.insert("type".into(), ty);
        }
        if let Some(o) = &self.nested {
            let mut attrs: Vec<Attr> = o.attributes.iter().cloned().map(Attr::from).collect();
            attrs.sort_by(|a, b| a.name.cmp(&b.name));
            let m: Map<String, Value> = attrs.iter().map(|a| (a.name.clone(), a.json())).collect();
            out.insert(
                "nested_type".into(),
                json!({ "attributes": m, "nesting_mode": nesting(o.nesting) }),
            );
        }
        describe(
            &mut out,
            &self.description,
            self.description_kind,
            self.deprecated,
            &self.deprecation_message,
        );
        for (key, set) in self.flags {
            if set {
                out.insert(key.into(), json!(true));
            }
        }
        Value::Object(out)
    }
}

impl From<proto::Attribute6> for Attr {
    fn from(a: proto::Attribute6) -> Attr {
        Attr {
            flags: [
                ("required", a.required),
                ("optional", a.optional),
                ("computed", a.computed),
                ("sensitive", a.sensitive),
                ("write_only", a.write_only),
            ],
            name: a.name,
            ty: a.r#type,
            nested: a.nested_type,
            description: a.description,
            description_kind: a.description_kind,
            deprecated: a.deprecated,
            deprecation_message: a.deprecation_message,
        }
    }
}
