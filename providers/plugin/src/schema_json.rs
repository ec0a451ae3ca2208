//! A plugin's schema as `terraform providers schema -json` prints it (Terraform's
//! `jsonprovider`), from the plugin's own answer: descriptions and their kind,
//! deprecation, write-only, and protocol 6 nested attributes as `nested_type`, none of
//! which the engine's schema keeps. Keys come out sorted, as Go's JSON maps do.

use std::collections::{BTreeMap, HashMap};

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
    let attrs = b
        .attributes
        .iter()
        .map(|raw| proto::Attribute6::decode_version(raw, version))
        .collect::<Result<Vec<_>, _>>()?;
    if !attrs.is_empty() {
        out.insert("attributes".into(), Value::Object(attributes_json(&attrs)));
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

fn attribute_json(a: &proto::Attribute6) -> Value {
    let mut out = Map::new();
    if let Ok(ty) = serde_json::from_slice::<Value>(&a.r#type) {
        out.insert("type".into(), ty);
    }
    if let Some(o) = &a.nested_type {
        out.insert(
            "nested_type".into(),
            json!({ "attributes": attributes_json(&o.attributes), "nesting_mode": nesting(o.nesting) }),
        );
    }
    describe(
        &mut out,
        &a.description,
        a.description_kind,
        a.deprecated,
        &a.deprecation_message,
    );
    for (key, set) in [
        ("required", a.required),
        ("optional", a.optional),
        ("computed", a.computed),
        ("sensitive", a.sensitive),
        ("write_only", a.write_only),
    ] {
        if set {
            out.insert(key.into(), json!(true));
        }
    }
    Value::Object(out)
}

/// Attributes by name.
fn attributes_json(attrs: &[proto::Attribute6]) -> Map<String, Value> {
    let mut sorted: Vec<&proto::Attribute6> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted
        .into_iter()
        .map(|a| (a.name.clone(), attribute_json(a)))
        .collect()
}
