//! `terrane providers schema -json`: the schemas of the providers the configuration uses,
//! in Terraform's JSON format (`format_version` 1.0, `provider_schemas` keyed by source
//! address). A provider served by its installed plugin shows the plugin's schema as the
//! plugin gave it (descriptions, deprecation, nested attribute types); one served natively
//! shows terrane's built-in schema.

use serde_json::{json, Map, Value};
use terrane_engine::config::Module;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::provider::{
    AttributeSchema, BlockSchema, Nesting, ProviderSchema, ResourceSchema,
};
use terrane_provider_plugin::schema::type_to_json;

use super::providers_common::{load_module, uses_builtin_terraform};
use crate::cli::ProvidersSchemaArgs;
use crate::output::{print_diagnostics, use_color};

const BUILTIN_TERRAFORM: &str = "terraform.io/builtin/terraform";

pub async fn run(a: ProvidersSchemaArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    let mut diags = Diagnostics::new();
    if !a.json {
        diags.push(
            Diagnostic::error("The -json flag is required")
                .detail("The `terrane providers schema` command requires the `-json` flag."),
        );
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    let Some(module) = load_module(&mut diags) else {
        print_diagnostics(&diags, color);
        return Ok(1);
    };
    diags.extend(crate::setup::check_required_providers(&module));
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    let schemas = provider_schemas(&module, &mut diags);
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    println!(
        "{}",
        json!({ "format_version": "1.0", "provider_schemas": schemas })
    );
    Ok(0)
}

/// The schemas of the providers `module` uses, keyed by source address as Terraform
/// prints them (also what `terrane test -json -verbose` sends with a plan or state).
pub fn provider_schemas(module: &Module, diags: &mut Diagnostics) -> Map<String, Value> {
    let (plugins, _) = crate::plugins::installed(module, &[]);
    let built_in = crate::setup::providers();
    let mut sources: Vec<String> = crate::plugins::required_sources(module)
        .into_iter()
        .map(|(s, _)| s.to_string())
        .collect();
    if uses_builtin_terraform(module) {
        sources.push(BUILTIN_TERRAFORM.to_string());
    }
    sources.sort();
    let mut schemas = Map::new();
    for source in sources {
        let plugin = plugins.iter().find(|p| p.source.to_string() == source);
        let entry = match plugin {
            // The plugin's own answer, with what the engine's schema leaves out.
            Some(p) => match p.schema.to_json() {
                Ok(j) => j,
                Err(e) => {
                    diags.push(
                        Diagnostic::error("Failed to load plugin schemas")
                            .detail(format!("Provider {source}: {e}.")),
                    );
                    continue;
                }
            },
            None => match built_in
                .iter()
                .find(|(names, _)| names.contains(&source.as_str()))
            {
                Some((_, f)) => provider_json(f().schema()),
                None => continue,
            },
        };
        schemas.insert(source, entry);
    }
    schemas
}

fn provider_json(s: &ProviderSchema) -> Value {
    let mut out = Map::new();
    out.insert(
        "provider".into(),
        json!({ "version": 0, "block": block_json(&s.provider) }),
    );
    for (key, map) in [
        ("resource_schemas", &s.resources),
        ("data_source_schemas", &s.data_sources),
    ] {
        if !map.is_empty() {
            let listed: Map<String, Value> = map
                .iter()
                .map(|(name, r)| (name.clone(), resource_json(r)))
                .collect();
            out.insert(key.into(), Value::Object(listed));
        }
    }
    Value::Object(out)
}

fn resource_json(r: &ResourceSchema) -> Value {
    json!({ "version": r.version, "block": block_json(&r.block) })
}

/// A block as Terraform's `jsonprovider` writes it: empty parts left out. terrane's
/// schemas carry no descriptions, so every `description_kind` is "plain".
fn block_json(b: &BlockSchema) -> Value {
    let mut out = Map::new();
    if !b.attributes.is_empty() {
        let attrs: Map<String, Value> = b
            .attributes
            .iter()
            .map(|(name, a)| (name.clone(), attribute_json(a)))
            .collect();
        out.insert("attributes".into(), Value::Object(attrs));
    }
    if !b.blocks.is_empty() {
        let blocks: Map<String, Value> = b
            .blocks
            .iter()
            .map(|(name, nb)| {
                let mut t = Map::new();
                let mode = match nb.nesting {
                    Nesting::Single => "single",
                    Nesting::List => "list",
                    Nesting::Set => "set",
                    Nesting::Map => "map",
                    Nesting::Group => "group",
                };
                t.insert("nesting_mode".into(), json!(mode));
                t.insert("block".into(), block_json(&nb.block));
                if nb.min_items > 0 {
                    t.insert("min_items".into(), json!(nb.min_items));
                }
                if let Some(max) = nb.max_items.filter(|m| *m > 0) {
                    t.insert("max_items".into(), json!(max));
                }
                (name.clone(), Value::Object(t))
            })
            .collect();
        out.insert("block_types".into(), Value::Object(blocks));
    }
    out.insert("description_kind".into(), json!("plain"));
    Value::Object(out)
}

fn attribute_json(a: &AttributeSchema) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), type_to_json(&a.ty));
    out.insert("description_kind".into(), json!("plain"));
    for (key, set) in [
        ("required", a.required),
        ("optional", a.optional),
        ("computed", a.computed),
        ("sensitive", a.sensitive),
    ] {
        if set {
            out.insert(key.into(), json!(true));
        }
    }
    Value::Object(out)
}
