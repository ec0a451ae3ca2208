//! The `configuration` part of Terraform's plan JSON (`show -json PLANFILE`), as its
//! `jsonconfig` package shapes it: the provider configurations, and per module the
//! resources, outputs, module calls and variables, each argument an `expressions` entry
//! holding either the constant it is (`constant_value`) or what it refers to
//! (`references`, each reference unwrapped step by step). Policy tools read these to see
//! what an argument is set from without evaluating anything.

use std::collections::BTreeMap;
use std::path::Path;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};
use serde_json::{json, Map, Value as J};

use crate::addr::Mode;
use crate::config::{Expr, Module, SrcBody};
use crate::lang::refs::{references, Reference};
use crate::lang::{convert, eval_constant};
use crate::provider::{BlockSchema, NestedBlock, Nesting};
use crate::run::Providers;

/// `configuration` for the root module `root`, with the schemas `providers` knows.
pub fn configuration(root: &Module, providers: &Providers) -> J {
    let mut configs: BTreeMap<String, ProviderEntry> = BTreeMap::new();
    provider_configs(root, None, providers, &mut configs);
    let root_module = module_json(root, providers, &configs);
    let provider_config: Map<String, J> = configs
        .into_iter()
        .filter(|(_, p)| p.parent_key.is_none())
        .map(|(k, p)| (k, p.json))
        .collect();
    let mut out = Map::new();
    if !provider_config.is_empty() {
        out.insert("provider_config".into(), J::Object(provider_config));
    }
    out.insert("root_module".into(), root_module);
    J::Object(out)
}

/// A provider configuration as the document lists it, and for one a child module
/// inherits, the key of its configuration in the calling module.
struct ProviderEntry {
    full_name: String,
    parent_key: Option<String>,
    json: J,
}

/// `null`, or `module.a.module.b:null` inside a child module, as Terraform keys them.
fn opaque_key(provider: &str, module_path: &str) -> String {
    if module_path.is_empty() {
        provider.to_string()
    } else {
        format!("{module_path}:{provider}")
    }
}

/// `module.a.module.b` for the module at `path` ["a", "b"].
fn module_path(m: &Module) -> String {
    m.path
        .iter()
        .map(|p| format!("module.{p}"))
        .collect::<Vec<_>>()
        .join(".")
}

/// The provider a local name stands for in `m` (`registry.terraform.io/hashicorp/null`).
fn full_name(m: &Module, local: &str) -> String {
    if let Some(rp) = m.terraform.required_providers.get(local) {
        let parts: Vec<&str> = rp.source.split('/').collect();
        return match parts.as_slice() {
            [name] => format!("registry.terraform.io/hashicorp/{name}"),
            [ns, name] => format!("registry.terraform.io/{ns}/{name}"),
            _ => rp.source.to_ascii_lowercase(),
        };
    }
    if local == "terraform" {
        return "terraform.io/builtin/terraform".into();
    }
    format!("registry.terraform.io/hashicorp/{local}")
}

/// The topmost configuration of `full_name` reached from `key` through the parents the
/// entries name; none when `key` itself is not one.
fn source_key(
    key: &str,
    full_name: &str,
    configs: &BTreeMap<String, ProviderEntry>,
) -> Option<String> {
    let mut found = None;
    let mut at = Some(key.to_string());
    while let Some(k) = at {
        match configs.get(&k) {
            Some(p) if p.full_name == full_name => {
                at = p.parent_key.clone();
                found = Some(k);
            }
            _ => break,
        }
    }
    found
}

/// Every provider configuration of `m` and the modules it calls: its `provider` blocks,
/// its `required_providers`, the providers its resources imply, and those its module
/// calls pass on. An implied one of a child module points at the configuration it
/// inherits (and is left out of the document when that exists).
fn provider_configs(
    m: &Module,
    parent: Option<&Module>,
    providers: &Providers,
    configs: &mut BTreeMap<String, ProviderEntry>,
) {
    let path = module_path(m);
    let constraint = |local: &str| {
        m.terraform
            .required_providers
            .get(local)
            .and_then(|rp| rp.version.clone())
    };
    let entry = |local: &str, full: &str| {
        let mut j = Map::new();
        j.insert("name".into(), json!(local));
        j.insert("full_name".into(), json!(full));
        j
    };
    let finish = |mut j: Map<String, J>, local: &str| {
        if let Some(v) = constraint(local) {
            j.insert("version_constraint".into(), json!(v));
        }
        if !path.is_empty() {
            j.insert("module_address".into(), json!(path));
        }
        j
    };
    for p in &m.providers {
        let full = full_name(m, &p.name);
        let mut j = entry(&p.name, &full);
        if let Some(a) = &p.alias {
            j.insert("alias".into(), json!(a));
        }
        let mut j = finish(j, &p.name);
        let schema = providers
            .provider_schema(&full)
            .map_or_else(BlockSchema::default, |s| s.provider.clone());
        let exprs = expressions(&p.body, &schema, &m.dir);
        if exprs.as_object().is_some_and(|o| !o.is_empty()) {
            j.insert("expressions".into(), exprs);
        }
        let key = match &p.alias {
            Some(a) => format!("{}.{a}", p.name),
            None => p.name.clone(),
        };
        configs.insert(
            opaque_key(&key, &path),
            ProviderEntry {
                full_name: full,
                parent_key: None,
                json: J::Object(j),
            },
        );
    }
    let parent_key = |local: &str, full: &str, configs: &BTreeMap<String, ProviderEntry>| {
        parent.and_then(|p| source_key(&opaque_key(local, &module_path(p)), full, configs))
    };
    let mut implied: Vec<String> = m.terraform.required_providers.keys().cloned().collect();
    implied.extend(m.resources.values().map(|r| r.provider_name().to_string()));
    for local in implied {
        let key = opaque_key(&local, &path);
        if configs.contains_key(&key) {
            continue;
        }
        let full = full_name(m, &local);
        let j = finish(entry(&local, &full), &local);
        let parent_key = parent_key(&local, &full, configs);
        configs.insert(
            key,
            ProviderEntry {
                full_name: full,
                parent_key,
                json: J::Object(j),
            },
        );
    }
    for (name, call) in &m.module_calls {
        let Some(child) = m.children.get(name) else {
            continue;
        };
        let child_path = module_path(child);
        for (in_child, in_parent) in &call.providers {
            let full = full_name(child, in_child.split('.').next().unwrap_or(in_child));
            let parent_name = match &in_parent.alias {
                Some(a) => format!("{}.{a}", in_parent.name),
                None => in_parent.name.clone(),
            };
            let mut j = entry(in_child, &full);
            j.insert("module_address".into(), json!(child_path));
            let parent_key = source_key(&opaque_key(&parent_name, &path), &full, configs);
            configs.insert(
                opaque_key(in_child, &child_path),
                ProviderEntry {
                    full_name: full,
                    parent_key,
                    json: J::Object(j),
                },
            );
        }
        provider_configs(child, Some(m), providers, configs);
    }
}

fn module_json(m: &Module, providers: &Providers, configs: &BTreeMap<String, ProviderEntry>) -> J {
    let path = module_path(m);
    let mut out = Map::new();
    let outputs: Map<String, J> = m
        .outputs
        .values()
        .map(|o| {
            let mut j = Map::new();
            if o.sensitive {
                j.insert("sensitive".into(), json!(true));
            }
            j.insert("expression".into(), expression(&o.value, &m.dir));
            if !o.depends_on.is_empty() {
                j.insert("depends_on".into(), depends_on(&o.depends_on));
            }
            if let Some(d) = o.description.as_ref().filter(|d| !d.is_empty()) {
                j.insert("description".into(), json!(d));
            }
            (o.name.clone(), J::Object(j))
        })
        .collect();
    if !outputs.is_empty() {
        out.insert("outputs".into(), J::Object(outputs));
    }
    // Managed resources, then data sources, each sorted by address, as Terraform lists them.
    let mut resources = Vec::new();
    for mode in [Mode::Managed, Mode::Data] {
        let mut of_mode: Vec<(String, J)> = m
            .resources
            .values()
            .filter(|r| r.addr.mode == mode)
            .map(|r| {
                let address = format!("{}{}.{}", mode.address_prefix(), r.addr.ty, r.addr.name);
                (
                    address.clone(),
                    resource_json(m, r, address, &path, providers, configs),
                )
            })
            .collect();
        of_mode.sort_by(|a, b| a.0.cmp(&b.0));
        resources.extend(of_mode.into_iter().map(|(_, j)| j));
    }
    if !resources.is_empty() {
        out.insert("resources".into(), J::Array(resources));
    }
    let calls: Map<String, J> = m
        .module_calls
        .iter()
        .filter_map(|(name, call)| {
            let child = m.children.get(name)?;
            let mut j = Map::new();
            j.insert("source".into(), json!(call.source));
            let inputs: Map<String, J> = call
                .inputs
                .iter()
                .filter(|(k, _)| child.variables.contains_key(*k))
                .map(|(k, e)| (k.clone(), expression(e, &m.dir)))
                .collect();
            if !inputs.is_empty() {
                j.insert("expressions".into(), J::Object(inputs));
            }
            count_or_for_each(&mut j, call.count.as_ref(), call.for_each.as_ref(), &m.dir);
            j.insert("module".into(), module_json(child, providers, configs));
            if let Some(v) = &call.version {
                j.insert("version_constraint".into(), json!(v));
            }
            if !call.depends_on.is_empty() {
                j.insert("depends_on".into(), depends_on(&call.depends_on));
            }
            Some((name.clone(), J::Object(j)))
        })
        .collect();
    if !calls.is_empty() {
        out.insert("module_calls".into(), J::Object(calls));
    }
    let variables: Map<String, J> = m
        .variables
        .values()
        .map(|v| {
            let mut j = Map::new();
            let default = v.default.as_ref().and_then(|d| {
                let value = eval_constant(&d.expr, &d.file, &m.dir).ok()?;
                Some(convert(&value, &v.ty).unwrap_or(value))
            });
            if let Some(d) = default {
                j.insert("default".into(), d.unmark_deep().0.to_json());
            }
            if let Some(d) = v.description.as_ref().filter(|d| !d.is_empty()) {
                j.insert("description".into(), json!(d));
            }
            if v.sensitive {
                j.insert("sensitive".into(), json!(true));
            }
            (v.name.clone(), J::Object(j))
        })
        .collect();
    if !variables.is_empty() {
        out.insert("variables".into(), J::Object(variables));
    }
    J::Object(out)
}

fn resource_json(
    m: &Module,
    r: &crate::config::Resource,
    address: String,
    path: &str,
    providers: &Providers,
    configs: &BTreeMap<String, ProviderEntry>,
) -> J {
    let local = match &r.provider {
        Some(p) => match &p.alias {
            Some(a) => format!("{}.{a}", p.name),
            None => p.name.clone(),
        },
        None => r.provider_name().to_string(),
    };
    let mut key = opaque_key(&local, path);
    // A child module's resource names the configuration it inherits.
    if let Some(parent) = configs.get(&key).and_then(|p| p.parent_key.as_ref()) {
        if configs.contains_key(parent) {
            key = parent.clone();
        }
    }
    let schema = providers.schema(r.addr.mode, &r.addr.ty);
    let mut j = Map::new();
    j.insert("address".into(), json!(address));
    j.insert(
        "mode".into(),
        json!(if r.addr.mode == Mode::Data {
            "data"
        } else {
            "managed"
        }),
    );
    j.insert("type".into(), json!(r.addr.ty));
    j.insert("name".into(), json!(r.addr.name));
    j.insert("provider_config_key".into(), json!(key));
    if !r.provisioners.is_empty() {
        let list: Vec<J> = r
            .provisioners
            .iter()
            .map(|p| {
                let mut pj = Map::new();
                pj.insert("type".into(), json!(p.kind));
                let exprs = arguments(&p.body, &m.dir);
                if exprs.as_object().is_some_and(|o| !o.is_empty()) {
                    pj.insert("expressions".into(), exprs);
                }
                J::Object(pj)
            })
            .collect();
        j.insert("provisioners".into(), J::Array(list));
    }
    let exprs = schema.map_or_else(|| json!({}), |s| expressions(&r.body, &s.block, &m.dir));
    if exprs.as_object().is_some_and(|o| !o.is_empty()) {
        j.insert("expressions".into(), exprs);
    }
    j.insert(
        "schema_version".into(),
        json!(schema.map_or(0, |s| s.version)),
    );
    count_or_for_each(&mut j, r.count.as_ref(), r.for_each.as_ref(), &m.dir);
    if !r.depends_on.is_empty() {
        j.insert("depends_on".into(), depends_on(&r.depends_on));
    }
    J::Object(j)
}

/// `count_expression`, else `for_each_expression`, as Terraform gives one of them.
fn count_or_for_each(
    j: &mut Map<String, J>,
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    dir: &Path,
) {
    if let Some(c) = count {
        j.insert("count_expression".into(), expression(c, dir));
    } else if let Some(f) = for_each {
        j.insert("for_each_expression".into(), expression(f, dir));
    }
}

fn depends_on(refs: &[Reference]) -> J {
    refs.iter().map(Reference::subject_text).collect()
}

/// The arguments of `body` that `schema` declares, and its nested blocks: a block of
/// single nesting as an object of its expressions, list and set blocks as arrays, map
/// blocks by label. `dynamic` blocks are left out, as Terraform leaves them.
pub fn expressions(body: &SrcBody, schema: &BlockSchema, dir: &Path) -> J {
    let mut out: BTreeMap<String, J> = BTreeMap::new();
    for s in body.body.iter() {
        match s {
            Structure::Attribute(a) if schema.attributes.contains_key(a.key.as_str()) => {
                let e = Expr {
                    expr: a.value.clone(),
                    file: body.file.clone(),
                };
                out.insert(a.key.as_str().to_string(), expression(&e, dir));
            }
            Structure::Block(b) => {
                if let Some(nested) = schema.blocks.get(b.ident.as_str()) {
                    nested_block(&mut out, b, &body.file, nested, dir);
                }
            }
            Structure::Attribute(_) => {}
        }
    }
    J::Object(out.into_iter().collect())
}

/// The arguments of a provisioner's `body`: every attribute but the meta-arguments
/// `when` and `on_failure` (`connection` and other blocks are not in its schema).
fn arguments(body: &SrcBody, dir: &Path) -> J {
    let mut out: BTreeMap<String, J> = BTreeMap::new();
    for s in body.body.iter() {
        let Structure::Attribute(a) = s else {
            continue;
        };
        if !matches!(a.key.as_str(), "when" | "on_failure") {
            let e = Expr {
                expr: a.value.clone(),
                file: body.file.clone(),
            };
            out.insert(a.key.as_str().to_string(), expression(&e, dir));
        }
    }
    J::Object(out.into_iter().collect())
}

fn nested_block(
    out: &mut BTreeMap<String, J>,
    b: &Block,
    file: &std::sync::Arc<crate::diag::SourceFile>,
    nested: &NestedBlock,
    dir: &Path,
) {
    let inner = expressions(
        &SrcBody {
            body: b.body.clone(),
            file: file.clone(),
        },
        &nested.block,
        dir,
    );
    let name = b.ident.as_str().to_string();
    match nested.nesting {
        Nesting::Single | Nesting::Group => {
            out.insert(name, inner);
        }
        Nesting::List | Nesting::Set => {
            if let J::Array(list) = out.entry(name).or_insert_with(|| json!([])) {
                list.push(inner);
            }
        }
        Nesting::Map => {
            let label = b
                .labels
                .first()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default();
            if let J::Object(map) = out.entry(name).or_insert_with(|| json!({})) {
                // Keyed by label in order, as Terraform's maps are written.
                let mut sorted: BTreeMap<String, J> = std::mem::take(map).into_iter().collect();
                sorted.insert(label, inner);
                *map = sorted.into_iter().collect();
            }
        }
    }
}

/// One expression: the constant it is when it refers to nothing and calls no function
/// (Terraform evaluates it without any context), else the references it makes.
pub fn expression(e: &Expr, dir: &Path) -> J {
    let refs = references(&e.expr, &e.file);
    let mut out = Map::new();
    if refs.is_empty() && !calls_a_function(&e.expr) {
        if let Ok(v) = eval_constant(&e.expr, &e.file, dir) {
            out.insert("constant_value".into(), v.unmark_deep().0.to_json());
        }
    }
    if !refs.is_empty() {
        let strings: Vec<String> = refs.iter().flat_map(Reference::terraform_strings).collect();
        out.insert("references".into(), json!(strings));
    }
    J::Object(out)
}

/// Whether a function call appears anywhere in `e` (which Terraform's context-free
/// evaluation cannot make).
fn calls_a_function(e: &Expression) -> bool {
    use hcl_edit::template::{Directive, Element, Template};
    fn template(t: &Template) -> bool {
        t.iter().any(element)
    }
    fn element(el: &Element) -> bool {
        match el {
            Element::Literal(_) => false,
            Element::Interpolation(i) => calls_a_function(&i.expr),
            Element::Directive(d) => match &**d {
                Directive::If(i) => {
                    calls_a_function(&i.if_expr.cond_expr)
                        || template(&i.if_expr.template)
                        || i.else_expr.as_ref().is_some_and(|e| template(&e.template))
                }
                Directive::For(f) => {
                    calls_a_function(&f.for_expr.collection_expr) || template(&f.for_expr.template)
                }
            },
        }
    }
    match e {
        Expression::FuncCall(_) => true,
        Expression::Array(a) => a.iter().any(calls_a_function),
        Expression::Object(o) => o.iter().any(|(k, v)| {
            matches!(k, hcl_edit::expr::ObjectKey::Expression(k) if calls_a_function(k))
                || calls_a_function(v.expr())
        }),
        Expression::StringTemplate(t) => t.iter().any(element),
        Expression::HeredocTemplate(h) => template(&h.template),
        Expression::Parenthesis(p) => calls_a_function(p.inner()),
        Expression::Conditional(c) => {
            calls_a_function(&c.cond_expr)
                || calls_a_function(&c.true_expr)
                || calls_a_function(&c.false_expr)
        }
        Expression::UnaryOp(u) => calls_a_function(&u.expr),
        Expression::BinaryOp(b) => calls_a_function(&b.lhs_expr) || calls_a_function(&b.rhs_expr),
        Expression::ForExpr(f) => {
            calls_a_function(&f.intro.collection_expr)
                || f.key_expr.as_ref().is_some_and(calls_a_function)
                || calls_a_function(&f.value_expr)
                || f.cond.as_ref().is_some_and(|c| calls_a_function(&c.expr))
        }
        Expression::Traversal(t) => {
            calls_a_function(&t.expr)
                || t.operators.iter().any(|op| {
                    matches!(op.value(), hcl_edit::expr::TraversalOperator::Index(i) if calls_a_function(i))
                })
        }
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_)
        | Expression::Variable(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Type;
    use crate::provider::{AttributeSchema, NestedBlock};

    fn nested(nesting: Nesting, block: BlockSchema) -> NestedBlock {
        NestedBlock {
            nesting,
            block,
            min_items: 0,
            max_items: None,
            force_new: false,
        }
    }

    /// Arguments the schema declares are expressions; nested blocks are objects (single),
    /// arrays (list, set) or maps by label; `dynamic` blocks and meta-arguments are left
    /// out; a function call has no constant value, as Terraform evaluates nothing.
    #[test]
    fn expressions_follow_the_schema_and_nesting() {
        let rule = BlockSchema {
            attributes: [("port".to_string(), AttributeSchema::required(Type::Number))].into(),
            blocks: BTreeMap::new(),
        };
        let schema = BlockSchema {
            attributes: [
                ("name".to_string(), AttributeSchema::required(Type::String)),
                (
                    "tags".to_string(),
                    AttributeSchema::required(Type::Map(Box::new(Type::String))),
                ),
            ]
            .into(),
            blocks: [
                ("ingress".to_string(), nested(Nesting::List, rule.clone())),
                ("setting".to_string(), nested(Nesting::Single, rule.clone())),
                ("named".to_string(), nested(Nesting::Map, rule)),
            ]
            .into(),
        };
        let text = r#"
count = 2
name  = var.name
tags  = { env = upper("x") }
ingress {
  port = 80
}
ingress {
  port = local.port
}
setting {
  port = 1
}
named "b" {
  port = 2
}
named "a" {
  port = 3
}
dynamic "ingress" {
  for_each = []
  content {}
}
"#;
        let file = crate::diag::SourceFile::new("main.tf", text.to_string());
        let body = SrcBody {
            body: hcl_edit::parser::parse_body(text).expect("a body"),
            file,
        };
        assert_eq!(
            expressions(&body, &schema, Path::new(".")),
            json!({
                "ingress": [
                    {"port": {"constant_value": 80}},
                    {"port": {"references": ["local.port"]}}
                ],
                "name": {"references": ["var.name"]},
                "named": {
                    "a": {"port": {"constant_value": 3}},
                    "b": {"port": {"constant_value": 2}}
                },
                "setting": {"port": {"constant_value": 1}},
                "tags": {}
            })
        );
    }
}
