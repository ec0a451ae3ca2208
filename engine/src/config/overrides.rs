//! Override files (`override.tf`, `*_override.tf` and their `.tf.json` forms), merged into
//! the module the way Terraform documents it: each block in an override file changes the
//! block of the same kind and name from a primary file, argument by argument; a nested
//! block type the override writes replaces all the base's blocks of that type (`dynamic`
//! blocks count as their type); `locals` entries and outputs merge one by one; the
//! `terraform` block's `required_version`, backend and each `required_providers` entry
//! replace the base's. Blocks that record history (`moved`, `import`) cannot be
//! overridden, and neither can `depends_on`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use hcl_edit::structure::{Block, Body, Structure};

use super::model::{IgnoreChanges, Module, SrcBody};
use crate::addr::{Mode, ResourceAddr};
use crate::diag::{Diagnostic, Diagnostics, Origin, Segment, SourceFile, Span};

/// Whether `path` names an override file.
pub(super) fn is_override(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

/// Merges the blocks of one override file into `m`.
/// `o` is the file decoded on its own (from [`decodable`]), `body` its text.
pub(super) fn merge_file(
    m: &mut Module,
    o: Module,
    body: &Body,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    let blocks: Vec<&Block> = body.blocks().collect();
    let raw = |kind: &str, labels: &[&str]| -> Option<&Block> {
        blocks.iter().copied().find(|b| {
            b.ident.as_str() == kind
                && b.labels
                    .iter()
                    .map(|l| l.as_str())
                    .eq(labels.iter().copied())
        })
    };
    merge_terraform(m, &o, &blocks);
    for p in o.providers {
        let base = m
            .providers
            .iter_mut()
            .find(|b| b.name == p.name && b.alias == p.alias);
        match (base, &p.alias) {
            (Some(base), _) => base.body = merge_bodies(&base.body, &p.body),
            (None, None) => m.providers.push(p),
            (None, Some(alias)) => diags.push(
                Diagnostic::error("Missing base provider configuration for override")
                    .detail(format!("There is no {} provider configuration with alias {alias:?} to override: an override file changes configurations the primary files declare.", p.name))
                    .span(p.span.clone()),
            ),
        }
    }
    for (name, v) in o.variables {
        let Some(base) = m.variables.get_mut(&name) else {
            diags.push(missing(
                "variable",
                &name,
                "Missing base variable declaration to override",
                v.span.clone(),
            ));
            continue;
        };
        let set =
            |attr: &str| raw("variable", &[&name]).is_some_and(|b| b.body.has_attribute(attr));
        if set("type") {
            base.ty = v.ty;
        }
        if set("default") {
            base.default = v.default;
        }
        if set("description") {
            base.description = v.description;
        }
        if set("sensitive") {
            base.sensitive = v.sensitive;
        }
        if set("nullable") {
            base.nullable = v.nullable;
        }
    }
    for (name, l) in o.locals {
        let Some(base) = m.locals.get_mut(&name) else {
            diags.push(missing(
                "local value",
                &name,
                "Missing base local value definition to override",
                l.span.clone(),
            ));
            continue;
        };
        *base = l;
    }
    for (name, out) in o.outputs {
        let Some(base) = m.outputs.get_mut(&name) else {
            diags.push(missing(
                "output",
                &name,
                "Missing base output definition to override",
                out.span.clone(),
            ));
            continue;
        };
        let block = raw("output", &[&name]);
        let set = |attr: &str| block.is_some_and(|b| b.body.has_attribute(attr));
        if set("depends_on") {
            diags.push(no_depends_on(block, file));
        }
        if set("value") {
            base.value = out.value;
        }
        if set("description") {
            base.description = out.description;
        }
        if set("sensitive") {
            base.sensitive = out.sensitive;
        }
    }
    for (name, call) in o.module_calls {
        let Some(base) = m.module_calls.get_mut(&name) else {
            diags.push(missing(
                "module call",
                &name,
                "Missing module call to override",
                call.span.clone(),
            ));
            continue;
        };
        let block = raw("module", &[&name]);
        let set = |attr: &str| block.is_some_and(|b| b.body.has_attribute(attr));
        if set("depends_on") {
            diags.push(no_depends_on(block, file));
        }
        if set("source") {
            base.source = call.source;
        }
        if set("version") {
            base.version = call.version;
        }
        if call.count.is_some() {
            base.count = call.count;
        }
        if call.for_each.is_some() {
            base.for_each = call.for_each;
        }
        if !call.providers.is_empty() {
            base.providers = call.providers;
        }
        base.inputs.extend(call.inputs);
    }
    for (addr, r) in o.resources {
        merge_resource(
            m,
            &addr,
            *r,
            raw(kind_of(&addr), &[&addr.ty, &addr.name]),
            file,
            diags,
        );
    }
    for u in o.actions {
        // An override may change an action's provider and config, and must have a base
        // to change.
        match m
            .actions
            .iter_mut()
            .find(|b| b.ty == u.ty && b.name == u.name)
        {
            Some(base) => {
                if u.provider.is_some() {
                    base.provider = u.provider;
                }
                // A nested block in an override replaces the base's, as for resources.
                if u.config.is_some() {
                    base.config = u.config;
                }
            }
            None => diags.push(missing(
                &format!("{} action", u.ty),
                &u.name,
                "Missing base configuration to override",
                u.span.clone(),
            )),
        }
    }
    for (kind, what, span) in o
        .moved
        .iter()
        .map(|x| ("moved", "Records of moved objects", x.span.clone()))
        .chain(
            o.imports
                .iter()
                .map(|x| ("import", "Import blocks", x.span.clone())),
        )
    {
        diags.push(
            Diagnostic::error(format!("Cannot override '{kind}' blocks"))
                .detail(format!(
                    "{what} belong in primary configuration files, not in override files."
                ))
                .span(span),
        );
    }
}

/// `body` with a stand-in for the arguments primary files must write and override files
/// may leave out (an output's `value`, a module call's `source`), so the blocks decode;
/// merging copies only what the override file wrote.
pub(super) fn decodable(body: &Body) -> Body {
    let stand_in = |kind: &str| match kind {
        "output" => Some(("value", "value = null\n")),
        "module" => Some(("source", "source = \"./\"\n")),
        _ => None,
    };
    let mut out = Body::new();
    for s in body.iter() {
        let mut s = s.clone();
        if let Structure::Block(b) = &mut s {
            if let Some((attr, text)) = stand_in(b.ident.as_str()) {
                if !b.body.has_attribute(attr) {
                    if let Ok(extra) = text.parse::<Body>() {
                        b.body.extend(extra);
                    }
                }
            }
        }
        out.push(s);
    }
    out
}

fn kind_of(addr: &ResourceAddr) -> &'static str {
    if addr.mode == Mode::Managed {
        "resource"
    } else {
        "data"
    }
}

fn missing(what: &str, name: &str, summary: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::error(summary)
        .detail(format!("There is no {what} named {name:?} to override: an override file changes what the primary configuration files declare."))
        .span(span)
}

fn no_depends_on(block: Option<&Block>, file: &Arc<SourceFile>) -> Diagnostic {
    let at = block
        .and_then(|b| b.body.get_attribute("depends_on"))
        .and_then(|a| super::span_of(a, file));
    Diagnostic::error("Unsupported override")
        .detail("depends_on cannot be overridden: set it in the primary configuration file.")
        .span(at)
}

fn merge_terraform(m: &mut Module, o: &Module, blocks: &[&Block]) {
    let t = &o.terraform;
    let wrote = |attr: &str| {
        blocks
            .iter()
            .any(|b| b.ident.as_str() == "terraform" && b.body.has_attribute(attr))
    };
    if wrote("required_version") {
        m.terraform.required_version.clone_from(&t.required_version);
    }
    if t.backend.is_some() || t.cloud.is_some() {
        m.terraform.backend.clone_from(&t.backend);
        m.terraform.cloud.clone_from(&t.cloud);
    }
    for (name, rp) in &t.required_providers {
        m.terraform
            .required_providers
            .insert(name.clone(), rp.clone());
    }
}

fn merge_resource(
    m: &mut Module,
    addr: &ResourceAddr,
    r: super::model::Resource,
    block: Option<&Block>,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    let Some(base) = m.resources.get_mut(addr) else {
        let (summary, what) = if addr.mode == Mode::Managed {
            (
                "Missing resource to override",
                format!("{} resource", addr.ty),
            )
        } else {
            (
                "Missing data resource to override",
                format!("{} data source", addr.ty),
            )
        };
        diags.push(missing(&what, &addr.name, summary, r.span.clone()));
        return;
    };
    if block.is_some_and(|b| b.body.has_attribute("depends_on")) {
        diags.push(no_depends_on(block, file));
    }
    if r.count.is_some() {
        base.count = r.count;
    }
    if r.for_each.is_some() {
        base.for_each = r.for_each;
    }
    if r.provider.is_some() {
        base.provider = r.provider;
    }
    let lifecycle_sets = |attr: &str| {
        block.is_some_and(|b| {
            b.body
                .get_blocks("lifecycle")
                .any(|l| l.body.has_attribute(attr))
        })
    };
    if lifecycle_sets("create_before_destroy") {
        base.lifecycle.create_before_destroy = r.lifecycle.create_before_destroy;
    }
    if lifecycle_sets("prevent_destroy") {
        base.lifecycle.prevent_destroy = r.lifecycle.prevent_destroy;
    }
    if r.lifecycle.ignore_changes != IgnoreChanges::None
        && r.lifecycle.ignore_changes != IgnoreChanges::Attributes(Vec::new())
    {
        base.lifecycle.ignore_changes = r.lifecycle.ignore_changes;
        base.lifecycle.ignore_changes_spans = r.lifecycle.ignore_changes_spans;
    }
    if !r.lifecycle.action_triggers.is_empty() {
        base.lifecycle.action_triggers = r.lifecycle.action_triggers;
    }
    base.body = merge_bodies(&base.body, &r.body);
}

/// `base` with `over`'s arguments replacing the base's of the same name, and each nested
/// block type `over` writes replacing all of the base's blocks of that type. The result
/// is a generated file copied from both, so every span still points where it was written.
fn merge_bodies(base: &SrcBody, over: &SrcBody) -> SrcBody {
    let block_type = |b: &Block| -> String {
        if b.ident.as_str() == "dynamic" {
            b.labels
                .first()
                .map_or_else(String::new, |l| l.as_str().to_string())
        } else {
            b.ident.as_str().to_string()
        }
    };
    let replaced_attrs: BTreeSet<&str> = over.body.attributes().map(|a| a.key.as_str()).collect();
    let replaced_blocks: BTreeSet<String> = over.body.blocks().map(block_type).collect();
    let kept = base.body.iter().filter(|s| match s {
        Structure::Attribute(a) => !replaced_attrs.contains(a.key.as_str()),
        Structure::Block(b) => !replaced_blocks.contains(&block_type(b)),
    });
    let mut text = String::new();
    let mut segments = Vec::new();
    let pieces = kept
        .map(|s| (s, &base.file))
        .chain(over.body.iter().map(|s| (s, &over.file)));
    for (s, file) in pieces {
        let Some(range) = hcl_edit::Span::span(s) else {
            continue;
        };
        let Some(piece) = file.text.get(range.clone()) else {
            continue;
        };
        segments.push(Segment {
            generated: text.len(),
            file: Arc::clone(file),
            original: range.start,
            len: piece.len(),
        });
        text.push_str(piece);
        text.push('\n');
    }
    if segments.is_empty() {
        return SrcBody {
            body: Body::new(),
            file: Arc::clone(&base.file),
        };
    }
    let generated = SourceFile::generated(text, Origin { segments });
    // Every piece parsed before, alone and in the same syntax, so the whole parses.
    let mut body = hcl_edit::parser::parse_body(&generated.text).unwrap_or_default();
    crate::lang::heredoc::flush_body(&mut body, &generated.text);
    SrcBody {
        body,
        file: generated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_file_names() {
        for (name, yes) in [
            ("override.tf", true),
            ("override.tf.json", true),
            ("db_override.tf", true),
            ("db_override.tf.json", true),
            ("overrides.tf", false),
            ("main.tf", false),
            ("myoverride.tf", false),
        ] {
            assert_eq!(is_override(Path::new(name)), yes, "{name}");
        }
    }
}
