//! Reading `.tf` files and decoding their blocks into the model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body, Structure};

use super::block::{
    check_body, expr, ident_span, labels_ok, literal_bool, literal_string, required_attr,
    unsupported_block,
};
use super::model::*;
use super::typeexpr::parse_type;
use super::{overrides, span_of};
use crate::addr::{Mode, ResourceAddr};
use crate::diag::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::lang::refs::{references, Reference};
use crate::lang::Type;

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "terraform",
    "required_providers",
    "provider",
    "resource",
    "data",
    "variable",
    "locals",
    "output",
    "module",
    "moved",
    "import",
    "removed",
    "check",
    "ephemeral",
    "action",
];

/// Loads every `*.tf` and `*.tf.json` file in `dir` (sorted by name, as Terraform does) into one module.
/// Returns the module even when there are errors, so callers can report them all at once.
pub fn load_dir(dir: &Path) -> (Module, Diagnostics) {
    let (mut module, mut diags) = load_one(dir, Vec::new());
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let installed = Installed {
        root: dir,
        manifest: super::manifest::Manifest::read(dir),
    };
    load_children(&mut module, &installed, &mut vec![canonical], &mut diags);
    (module, diags)
}

/// Loads one module directory (without its children).
fn load_one(dir: &Path, path: Vec<String>) -> (Module, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut module = Module {
        dir: dir.to_path_buf(),
        path,
        ..Module::default()
    };
    let mut names: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| is_config_file(p) && p.is_file())
            .collect(),
        Err(e) => {
            diags.push(
                Diagnostic::error("Failed to read module directory")
                    .detail(format!("{}: {e}", dir.display())),
            );
            return (module, diags);
        }
    };
    names.sort();
    let mut overrides = Vec::new();
    for path in names {
        let shown = path
            .strip_prefix(dir)
            .map_or(path.clone(), Path::to_path_buf);
        let shown = if dir == Path::new(".") {
            shown
        } else {
            normalize(&path)
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let file = SourceFile::new(shown, text);
                let parsed = if super::json::is_json(&file) {
                    super::json::parse_config(&file, &mut diags)
                } else {
                    parse_file(&file, &mut diags)
                };
                match parsed {
                    Some(parsed) if overrides::is_override(&path) => overrides.push(parsed),
                    Some((body, spans_in)) => {
                        decode_body(&mut module, &body, &spans_in, &mut diags)
                    }
                    None => {}
                }
                module.files.push(file);
            }
            Err(e) => diags.push(
                Diagnostic::error("Failed to read file").detail(format!("{}: {e}", path.display())),
            ),
        }
    }
    for (body, spans_in) in overrides {
        // Decoded on their own, so the override's blocks are checked as any block is, and
        // are not mistaken for duplicates of the blocks they override.
        let mut decoded = Module::default();
        decode_body(
            &mut decoded,
            &overrides::decodable(&body),
            &spans_in,
            &mut diags,
        );
        overrides::merge_file(&mut module, decoded, &body, &spans_in, &mut diags);
    }
    check_variable_defaults(&module, &mut diags);
    (module, diags)
}

/// `*.tf` and `*.tf.json`, the two syntaxes of a configuration file.
fn is_config_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".tf") || n.ends_with(".tf.json"))
}

/// Parses one file's text, as leniently as Terraform (see [`super::lenient`]); the body's
/// spans are in the returned file. A syntax error becomes a diagnostic at its location.
pub fn parse_file(
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<(Body, Arc<SourceFile>)> {
    let (parsed, spans_in) = super::lenient::parse(file);
    match parsed {
        Ok(b) => Some((b, spans_in)),
        Err(e) => {
            diags.push(super::syntax_error::diagnose(&spans_in, &e));
            None
        }
    }
}

pub(super) fn decode_body(
    m: &mut Module,
    body: &Body,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    let checked = check_body(body, &[], TOP_LEVEL_BLOCKS, file, diags);
    for b in checked.blocks {
        match b.ident.as_str() {
            "terraform" => super::terraform_block::decode(m, b, file, diags),
            "required_providers" => super::terraform_block::misplaced_required_providers(b, file, diags),
            "provider" => decode_provider(m, b, file, diags),
            "resource" => decode_resource(m, b, Mode::Managed, file, diags),
            "data" => decode_resource(m, b, Mode::Data, file, diags),
            "variable" => decode_variable(m, b, file, diags),
            "locals" => decode_locals(m, b, file, diags),
            "output" => decode_output(m, b, file, diags),
            "module" => decode_module_call(m, b, file, diags),
            "moved" => decode_moved(m, b, file, diags),
            "import" => decode_import(m, b, file, diags),
            "removed" => decode_removed(m, b, file, diags),
            "check" => decode_check(m, b, file, diags),
            "ephemeral" => decode_resource(m, b, Mode::Ephemeral, file, diags),
            "action" => super::action::decode_action(m, b, file, diags),
            other => diags.push(
                Diagnostic::error(format!("The {other:?} block is not supported yet"))
                    .detail(format!("terrane does not implement {other:?} blocks yet; remove the block or use Terraform for this configuration."))
                    .span(ident_span(b, file)),
            ),
        }
    }
}

pub(super) fn decode_provider(
    m: &mut Module,
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    if !labels_ok(b, 1, "provider name", file, diags) {
        return;
    }
    if let Some(d) = super::terraform_block::provider_name_error(b.labels[0].as_str()) {
        diags.push(d.span(ident_span(b, file)));
        return;
    }
    let mut alias = None;
    let mut rest = Body::new();
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) if a.key.as_str() == "alias" => {
                alias = literal_string(a, file, diags)
            }
            Structure::Attribute(a) if a.key.as_str() == "version" => diags.push(
                Diagnostic::warning(
                    "Version constraints inside provider configuration blocks are deprecated",
                )
                .detail("Move the version constraint into the required_providers block.")
                .span(span_of(&a.key, file)),
            ),
            // Names Terraform keeps for itself, whatever the provider's schema says.
            Structure::Attribute(a)
                if ["count", "depends_on", "for_each", "source"].contains(&a.key.as_str()) =>
            {
                diags.push(
                    Diagnostic::error("Reserved argument name in provider block")
                        .detail(format!("The provider argument name {:?} is reserved for use by Terraform in a future version.", a.key.as_str()))
                        .span(span_of(&a.key, file)),
                );
            }
            Structure::Block(blk) if ["lifecycle", "locals"].contains(&blk.ident.as_str()) => {
                diags.push(
                    Diagnostic::error("Reserved block type name in provider block")
                        .detail(format!("The block type name {:?} is reserved for use by Terraform in a future version.", blk.ident.as_str()))
                        .span(span_of(&blk.ident, file)),
                );
            }
            other => rest.push(other.clone()),
        }
    }
    let name = b.labels[0].as_str().to_string();
    if m.providers
        .iter()
        .any(|p| p.name == name && p.alias == alias)
    {
        let what = alias
            .as_ref()
            .map_or(name.clone(), |a| format!("{name}.{a}"));
        diags.push(
            Diagnostic::error("Duplicate provider configuration")
                .detail(format!("A default (non-aliased) or same-alias provider configuration for {what:?} was already given. Each configuration for the same provider must have a distinct alias."))
                .span(ident_span(b, file)),
        );
        return;
    }
    m.providers.push(ProviderConfig {
        name,
        alias,
        body: SrcBody {
            body: rest,
            file: Arc::clone(file),
        },
        span: ident_span(b, file),
    });
}

/// Decodes `depends_on = [a.b, ...]` into references, rejecting anything else.
pub(super) fn depends_on(
    a: &Attribute,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Vec<Reference> {
    let Expression::Array(arr) = &a.value else {
        diags.push(
            Diagnostic::error("Invalid depends_on")
                .detail("depends_on must be a list of references to resources or modules.")
                .span(span_of(&a.value, file)),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in arr.iter() {
        let unquoted = super::legacy::unquoted_reference(e, file, diags);
        let (e, file) = unquoted.as_ref().map_or((e, file), |(e, f)| (e, f));
        let refs = references(e, file);
        let valid = matches!(e, Expression::Traversal(_) | Expression::Variable(_))
            && refs.len() == 1
            && matches!(
                refs[0].subject,
                crate::lang::Subject::Resource(_) | crate::lang::Subject::Module(_)
            );
        if valid {
            out.extend(refs);
        } else {
            diags.push(
                Diagnostic::error("Invalid depends_on reference")
                    .detail("References in depends_on must be to a whole object (a resource, data source or module) without any index or attribute access.")
                    .span(span_of(e, file)),
            );
        }
    }
    out
}

/// `replace_triggered_by`, checked as Terraform checks it: each entry names exactly one
/// resource, and may index it with `count.index` or `each.key` and go on to an attribute.
fn replace_triggered_by(
    a: &Attribute,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Vec<ReplaceTrigger> {
    let Expression::Array(arr) = &a.value else {
        diags.push(
            Diagnostic::error("Invalid expression")
                .detail("A static list expression is required.")
                .span(span_of(&a.value, file)),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut found = Diagnostics::new();
    for e in arr.iter() {
        // Terraform checks the entries up to the first one in error.
        if found.has_errors() {
            break;
        }
        let unquoted = super::legacy::unquoted_reference(e, file, &mut found);
        let (e, file) = unquoted.as_ref().map_or((e, file), |(e, f)| (e, f));
        let at = span_of(e, file);
        let invalid = |summary: &str, detail: &str| {
            Diagnostic::error(summary).detail(detail).span(at.clone())
        };
        let mut resources = Vec::new();
        for r in references(e, file) {
            match r.subject {
                crate::lang::Subject::Resource(_) => resources.push(r),
                crate::lang::Subject::CountIndex | crate::lang::Subject::EachKey => {}
                crate::lang::Subject::EachValue => found.push(invalid(
                    "Invalid each reference in replace_triggered_by expression",
                    "Only each.key may be used in replace_triggered_by.",
                )),
                _ => found.push(invalid(
                    "Invalid reference in replace_triggered_by expression",
                    "Only resources, count.index, and each.key may be used in replace_triggered_by.",
                )),
            }
        }
        match resources.len() {
            0 => found.push(invalid(
                "Invalid replace_triggered_by expression",
                "Missing resource reference in replace_triggered_by expression.",
            )),
            1 => out.push(ReplaceTrigger {
                reference: resources.remove(0),
                expr: Expr {
                    expr: e.clone(),
                    file: Arc::clone(file),
                },
            }),
            _ => found.push(invalid(
                "Invalid replace_triggered_by expression",
                "Multiple resource references in replace_triggered_by expression.",
            )),
        }
    }
    diags.extend(found);
    out
}

fn decode_resource(
    m: &mut Module,
    b: &Block,
    mode: Mode,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    let Some(r) = build_resource(b, mode, file, diags) else {
        return;
    };
    if let Some(d) = duplicate_resource(m, &r, b, file) {
        diags.push(d);
        return;
    }
    m.resources.insert(r.addr.clone(), Box::new(r));
}

/// The error for a resource or data block whose address `m` already has (including the
/// scoped data sources of check blocks).
fn duplicate_resource(
    m: &Module,
    r: &Resource,
    b: &Block,
    file: &Arc<SourceFile>,
) -> Option<Diagnostic> {
    let prev = m.resources.get(&r.addr).map(|r| &**r).or_else(|| {
        m.checks
            .iter()
            .flat_map(|c| &c.data)
            .find(|d| d.addr == r.addr)
    })?;
    let kind = block_noun(r.addr.mode);
    let (ty, name) = (&r.addr.ty, &r.addr.name);
    let at = prev
        .span
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    Some(
        Diagnostic::error(format!("Duplicate {kind} {ty:?} configuration"))
            .detail(format!("A {ty} {kind} named {name:?} was already declared at {at}. Resource names must be unique per type in each module."))
            .span(ident_span(b, file)),
    )
}

/// The block keyword that declares resources of `mode`.
fn block_keyword(mode: Mode) -> &'static str {
    match mode {
        Mode::Managed => "resource",
        Mode::Data => "data",
        Mode::Ephemeral => "ephemeral",
    }
}

/// What Terraform's messages call a block of `mode` ("Invalid ephemeral resource type").
fn block_noun(mode: Mode) -> &'static str {
    match mode {
        Mode::Ephemeral => "ephemeral resource",
        _ => block_keyword(mode),
    }
}

/// Decodes a `resource`, `data` or `ephemeral` block (its meta-arguments apart from its
/// body).
fn build_resource(
    b: &Block,
    mode: Mode,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<Resource> {
    let kind = block_noun(mode);
    if !labels_ok(b, 2, "type, name", file, diags) {
        return None;
    }
    let ty = b.labels[0].as_str().to_string();
    let name = b.labels[1].as_str().to_string();
    for (label, what) in [(&b.labels[0], "type"), (&b.labels[1], "name")] {
        if !valid_name(label.as_str()) {
            diags.push(
                Diagnostic::error(format!("Invalid {kind} {what}"))
                    .detail("A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.")
                    .span(span_of(label, file)),
            );
            return None;
        }
    }
    let addr = ResourceAddr::new(mode, ty, name);
    let mut r = Resource {
        addr: addr.clone(),
        count: None,
        for_each: None,
        provider: None,
        depends_on: Vec::new(),
        lifecycle: Lifecycle::default(),
        provisioners: Vec::new(),
        body: SrcBody {
            // Sized to the block: hcl-edit's structures are 300 bytes, and a vector grown
            // from empty holds four.
            body: Body::with_capacity(b.body.len()),
            file: Arc::clone(file),
        },
        span: ident_span(b, file),
        type_span: span_of(&b.labels[0], file),
    };
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.as_str() {
                "count" => r.count = Some(expr(a, file)),
                "for_each" => r.for_each = Some(expr(a, file)),
                "depends_on" => r.depends_on = depends_on(a, file, diags),
                "provider" => r.provider = provider_ref(&a.value, file, diags),
                _ => r.body.body.push(s.clone()),
            },
            Structure::Block(blk) => match blk.ident.as_str() {
                "lifecycle" => {
                    let of = match mode {
                        Mode::Managed => LifecycleOf::Managed,
                        Mode::Data => LifecycleOf::Data,
                        Mode::Ephemeral => LifecycleOf::Ephemeral,
                    };
                    decode_lifecycle(&mut r.lifecycle, blk, of, file, diags);
                }
                "provisioner" if mode == Mode::Managed => {
                    r.provisioners
                        .extend(super::provisioner::decode(blk, file, diags));
                }
                // Only the `file` and `remote-exec` provisioners (refused above) use it.
                "connection" if mode == Mode::Managed => {}
                _ => r.body.body.push(s.clone()),
            },
        }
    }
    if r.count.is_some() && r.for_each.is_some() {
        diags.push(
            Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
                .detail("The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.")
                .span(r.for_each.as_ref().and_then(Expr::span)),
        );
    }
    Some(r)
}

pub(super) fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

pub(super) fn provider_ref(
    e: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<ProviderRef> {
    if let Some((e, file)) = super::legacy::unquoted_reference(e, file, diags) {
        return provider_ref(&e, &file, diags);
    }
    let r = provider_ref_parts(e, file, diags)?;
    if let Some(d) = super::terraform_block::provider_name_error(&r.name) {
        diags.push(d.span(span_of(e, file)));
        return None;
    }
    Some(r)
}

fn provider_ref_parts(
    e: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<ProviderRef> {
    match e {
        Expression::Variable(_) | Expression::Null(_) | Expression::Bool(_) => Some(ProviderRef {
            name: traversal_root_name(e)?,
            alias: None,
        }),
        Expression::Traversal(t) => {
            if let (Some(name), [op]) = (traversal_root_name(&t.expr), t.operators.as_slice()) {
                if let hcl_edit::expr::TraversalOperator::GetAttr(a) = op.value() {
                    return Some(ProviderRef {
                        name,
                        alias: Some(a.as_str().to_string()),
                    });
                }
            }
            diags.push(Diagnostic::error("Invalid provider reference").detail("A provider reference is a provider name, optionally followed by an alias: aws or aws.west.").span(span_of(e, file)));
            None
        }
        _ => {
            diags.push(Diagnostic::error("Invalid provider reference").detail("A provider reference is a provider name, optionally followed by an alias: aws or aws.west (not a string).").span(span_of(e, file)));
            None
        }
    }
}

/// The first name of a reference. HCL lets the keywords `null`, `true` and `false` stand
/// there (so `provider = null.foo` names the null provider's `foo` configuration).
fn traversal_root_name(e: &Expression) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Null(_) => Some("null".into()),
        Expression::Bool(b) => Some(b.value().to_string()),
        _ => None,
    }
}

/// The kind of block a `lifecycle` block belongs to: only managed resources take its
/// arguments and `action_trigger` blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LifecycleOf {
    Managed,
    Data,
    Ephemeral,
}

/// `precondition` and `postcondition` blocks.
fn decode_conditions<'b>(
    l: &mut Lifecycle,
    blocks: impl Iterator<Item = &'b &'b Block>,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    for blk in blocks {
        let cc = check_body(&blk.body, &["condition", "error_message"], &[], file, diags);
        if let (Some(cond), Some(msg)) = (
            required_attr(&cc, "condition", blk, file, diags),
            required_attr(&cc, "error_message", blk, file, diags),
        ) {
            let v = Validation {
                condition: expr(cond, file),
                error_message: expr(msg, file),
            };
            if blk.ident.as_str() == "precondition" {
                l.preconditions.push(v);
            } else {
                l.postconditions.push(v);
            }
        }
    }
}

pub(super) fn decode_lifecycle(
    l: &mut Lifecycle,
    b: &Block,
    of: LifecycleOf,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    const MANAGED_ONLY: &[&str] = &[
        "create_before_destroy",
        "prevent_destroy",
        "ignore_changes",
        "replace_triggered_by",
    ];
    let c = check_body(
        &b.body,
        MANAGED_ONLY,
        &["precondition", "postcondition", "action_trigger"],
        file,
        diags,
    );
    let kind = match of {
        LifecycleOf::Managed => None,
        LifecycleOf::Data => Some(("data", "data resources")),
        LifecycleOf::Ephemeral => Some(("ephemeral", "ephemeral resources")),
    };
    if let Some((kind, plural)) = kind {
        for (name, a) in &c.attrs {
            diags.push(
                Diagnostic::error(format!("Invalid {kind} resource lifecycle argument"))
                    .detail(format!("The lifecycle argument {name:?} is defined only for managed resources (\"resource\" blocks), and is not valid for {plural}."))
                    .span(span_of(&a.key, file)),
            );
        }
        for blk in c
            .blocks
            .iter()
            .filter(|b| b.ident.as_str() == "action_trigger")
        {
            diags.push(
                Diagnostic::error(format!("Invalid {kind} resource lifecycle nested block"))
                    .detail(format!("The lifecycle nested block \"action_trigger\" is defined only for managed resources (\"resource\" blocks), and is not valid for {plural}."))
                    .span(span_of(&blk.ident, file)),
            );
        }
        let conditions = c
            .blocks
            .iter()
            .filter(|b| b.ident.as_str() != "action_trigger");
        decode_conditions(l, conditions, file, diags);
        return;
    }
    for blk in c
        .blocks
        .iter()
        .filter(|b| b.ident.as_str() == "action_trigger")
    {
        l.action_triggers
            .extend(super::action::decode_action_trigger(blk, file, diags));
    }
    let conditions = c
        .blocks
        .iter()
        .filter(|b| b.ident.as_str() != "action_trigger");
    decode_conditions(l, conditions, file, diags);
    if let Some(a) = c.attrs.get("replace_triggered_by") {
        l.replace_triggered_by = replace_triggered_by(a, file, diags);
    }
    if let Some(a) = c.attrs.get("create_before_destroy") {
        l.create_before_destroy = literal_bool(a, file, diags);
    }
    if let Some(a) = c.attrs.get("prevent_destroy") {
        l.prevent_destroy = literal_bool(a, file, diags);
    }
    if let Some(a) = c.attrs.get("ignore_changes") {
        l.ignore_changes = match &a.value {
            Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
            Expression::Array(arr) => {
                let mut names = Vec::new();
                for e in arr.iter() {
                    if let Some((name, span)) = ignore_changes_entry(e, &a.value, file, diags) {
                        names.push(name);
                        l.ignore_changes_spans.push(span);
                    }
                }
                IgnoreChanges::Attributes(names)
            }
            other => {
                diags.push(
                    Diagnostic::error("Invalid ignore_changes")
                        .detail(
                            "ignore_changes must be a list of attribute names, or the keyword all.",
                        )
                        .span(span_of(other, file)),
                );
                IgnoreChanges::None
            }
        };
    }
}

/// The attribute one `ignore_changes` entry names (`tags`, `tags["Name"]`, or the quoted
/// form Terraform 0.11 used) and where it is written.
fn ignore_changes_entry(
    e: &Expression,
    list: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<(String, Option<Span>)> {
    if matches!(e, Expression::String(s) if s.value() == "*") {
        diags.push(
            Diagnostic::error("Invalid ignore_changes wildcard")
                .detail("The [\"*\"] form of ignoring every change is no longer accepted; write ignore_changes = all.")
                .span(span_of(list, file)),
        );
        return None;
    }
    let unquoted = super::legacy::unquoted_reference(e, file, diags);
    let (e, file) = unquoted.as_ref().map_or((e, file), |(e, f)| (e, f));
    let root = match e {
        Expression::Traversal(t) => &t.expr,
        other => other,
    };
    if let Expression::Variable(v) = root {
        return Some((v.as_str().to_string(), span_of(e, file)));
    }
    diags.push(
        Diagnostic::error("Invalid ignore_changes")
            .detail("Each entry must be an attribute name or path, like tags or tags[\"Name\"].")
            .span(span_of(e, file)),
    );
    None
}

fn decode_variable(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    if !labels_ok(b, 1, "name", file, diags) {
        return;
    }
    let name = b.labels[0].as_str().to_string();
    let reserved = [
        "source",
        "version",
        "providers",
        "count",
        "for_each",
        "lifecycle",
        "depends_on",
        "locals",
    ];
    if reserved.contains(&name.as_str()) || !valid_name(&name) {
        diags.push(Diagnostic::error("Invalid variable name").detail(format!("The name {name:?} is reserved or invalid; choose another name for this variable.")).span(span_of(&b.labels[0], file)));
        return;
    }
    let c = check_body(
        &b.body,
        &[
            "type",
            "default",
            "description",
            "sensitive",
            "nullable",
            "ephemeral",
            "const",
        ],
        &["validation"],
        file,
        diags,
    );
    let ty = c.attrs.get("type").map_or(Type::Any, |a| {
        variable_type(&a.value, file).unwrap_or_else(|d| {
            diags.push(d);
            Type::Any
        })
    });
    let flag = |attr: &str, diags: &mut Diagnostics| {
        c.attrs
            .get(attr)
            .is_some_and(|a| literal_bool(a, file, diags))
    };
    if flag("const", diags) {
        for attr in ["ephemeral", "sensitive"] {
            if flag(attr, diags) {
                diags.push(
                    Diagnostic::error(format!("Const variable cannot be {attr}"))
                        .detail(format!("Variable {name:?} is a constant, known while the configuration is loaded, so it cannot also be {attr}."))
                        .span(ident_span(b, file)),
                );
            }
        }
    }
    let mut v = Variable {
        name: name.clone(),
        ty,
        default: c.attrs.get("default").map(|a| expr(a, file)),
        description: c
            .attrs
            .get("description")
            .and_then(|a| literal_string(a, file, diags)),
        sensitive: c
            .attrs
            .get("sensitive")
            .is_some_and(|a| literal_bool(a, file, diags)),
        ephemeral: flag("ephemeral", diags),
        nullable: c
            .attrs
            .get("nullable")
            .is_none_or(|a| literal_bool(a, file, diags)),
        validations: Vec::new(),
        span: ident_span(b, file),
    };
    for blk in c.blocks {
        let vc = check_body(&blk.body, &["condition", "error_message"], &[], file, diags);
        match (vc.attrs.get("condition"), vc.attrs.get("error_message")) {
            (Some(cond), Some(_)) if !refers_to_variable(&cond.value, &name, file) => diags.push(
                Diagnostic::error("Invalid variable validation condition")
                    .detail(format!("A validation condition of variable {name:?} must use var.{name}: it tests the value given for it."))
                    .span(span_of(&cond.value, file)),
            ),
            (Some(cond), Some(msg)) => v.validations.push(Validation {
                condition: expr(cond, file),
                error_message: expr(msg, file),
            }),
            _ => diags.push(
                Diagnostic::error("Missing required argument")
                    .detail("A validation block needs both \"condition\" and \"error_message\".")
                    .span(ident_span(blk, file)),
            ),
        }
    }
    if m.variables.contains_key(&name) {
        diags.push(Diagnostic::error("Duplicate variable declaration").detail(format!("A variable named {name:?} was already declared. Variable names must be unique within a module.")).span(ident_span(b, file)));
        return;
    }
    m.variables.insert(name, v);
}

/// A variable's `type`: a type constraint, or one of the shorthands Terraform still reads
/// (bare `list` and `map` for a list or map of any one element type). The quoted 0.11
/// forms (`"string"`) are errors in Terraform 1.15 too.
fn variable_type(e: &Expression, file: &Arc<SourceFile>) -> Result<Type, Diagnostic> {
    match e {
        Expression::Variable(v) if v.as_str() == "list" => Ok(Type::List(Box::new(Type::Any))),
        Expression::Variable(v) if v.as_str() == "map" => Ok(Type::Map(Box::new(Type::Any))),
        Expression::String(s) => {
            let written = s.value();
            let d = if matches!(written.as_str(), "string" | "list" | "map") {
                let instead = if written == "string" {
                    "string".to_string()
                } else {
                    format!("{written}(string)")
                };
                Diagnostic::error("Invalid quoted type constraints").detail(format!("Type constraints were quoted before Terraform 0.12; that form is no longer accepted. Write {instead} without quotes."))
            } else {
                Diagnostic::error("Invalid legacy variable type hint").detail("A type constraint is an expression, not a string: remove the quotes and write the type, like list(string).")
            };
            Err(d.span(span_of(e, file)))
        }
        other => parse_type(other, file),
    }
}

/// Whether `e` refers to `var.<name>`.
fn refers_to_variable(e: &Expression, name: &str, file: &Arc<SourceFile>) -> bool {
    references(e, file)
        .iter()
        .any(|r| matches!(&r.subject, crate::lang::Subject::Var(n) if n == name))
}

/// As Terraform checks each variable once its file and any override are merged: a
/// default must suit the type constraint, and may be null only when the variable is
/// nullable.
fn check_variable_defaults(m: &Module, diags: &mut Diagnostics) {
    for v in m.variables.values() {
        let Some(default) = &v.default else {
            continue;
        };
        let dir = std::path::Path::new(".");
        let Ok(value) = crate::lang::eval_constant(&default.expr, &default.file, dir) else {
            continue;
        };
        // Terraform's wording (configs/named_values.go): the diagnostic's range says
        // which variable, the detail says why.
        let problem = if value.is_null() {
            (!v.nullable)
                .then(|| "A null default value is not valid when nullable=false.".to_string())
        } else {
            crate::lang::convert(&value, &v.ty).err().map(|e| {
                format!("This default value is not compatible with the variable's type constraint: {e}.")
            })
        };
        if let Some(detail) = problem {
            diags.push(
                Diagnostic::error("Invalid default value for variable")
                    .detail(detail)
                    .span(default.span()),
            );
        }
    }
}

fn decode_locals(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    if !labels_ok(b, 0, "none", file, diags) {
        return;
    }
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => {
                let name = a.key.as_str().to_string();
                if m.locals.contains_key(&name) {
                    diags.push(Diagnostic::error("Duplicate local value definition").detail(format!("A local value named {name:?} was already defined. Local value names must be unique within a module.")).span(span_of(&a.key, file)));
                    continue;
                }
                m.locals.insert(
                    name.clone(),
                    Local {
                        name,
                        value: expr(a, file),
                        span: span_of(&a.key, file),
                    },
                );
            }
            Structure::Block(blk) => diags.push(unsupported_block(blk, file, &[])),
        }
    }
}

fn decode_output(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    if !labels_ok(b, 1, "name", file, diags) {
        return;
    }
    let name = b.labels[0].as_str().to_string();
    let c = check_body(
        &b.body,
        &[
            "value",
            "description",
            "sensitive",
            "depends_on",
            "ephemeral",
            "type",
        ],
        &["precondition"],
        file,
        diags,
    );
    let Some(value) = c.attrs.get("value") else {
        diags.push(
            Diagnostic::error("Missing required argument")
                .detail("The argument \"value\" is required, but no definition was found.")
                .span(ident_span(b, file)),
        );
        return;
    };
    let o = Output {
        name: name.clone(),
        value: expr(value, file),
        description: c
            .attrs
            .get("description")
            .and_then(|a| literal_string(a, file, diags)),
        sensitive: c
            .attrs
            .get("sensitive")
            .is_some_and(|a| literal_bool(a, file, diags)),
        ephemeral: c
            .attrs
            .get("ephemeral")
            .is_some_and(|a| literal_bool(a, file, diags)),
        ty: c.attrs.get("type").and_then(|a| {
            variable_type(&a.value, file)
                .map_err(|d| diags.push(d))
                .ok()
        }),
        depends_on: c
            .attrs
            .get("depends_on")
            .map(|a| depends_on(a, file, diags))
            .unwrap_or_default(),
        preconditions: c
            .blocks
            .iter()
            .filter_map(|blk| {
                let cc = check_body(&blk.body, &["condition", "error_message"], &[], file, diags);
                let cond = required_attr(&cc, "condition", blk, file, diags)?;
                let msg = required_attr(&cc, "error_message", blk, file, diags)?;
                Some(Validation {
                    condition: expr(cond, file),
                    error_message: expr(msg, file),
                })
            })
            .collect(),
        span: ident_span(b, file),
    };
    if m.outputs.contains_key(&name) {
        diags.push(Diagnostic::error("Duplicate output definition").detail(format!("An output named {name:?} was already defined. Output names must be unique within a module.")).span(ident_span(b, file)));
        return;
    }
    m.outputs.insert(name, o);
}

fn decode_module_call(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    if !labels_ok(b, 1, "name", file, diags) {
        return;
    }
    let name = b.labels[0].as_str().to_string();
    let mut call = ModuleCall {
        name: name.clone(),
        source: String::new(),
        version: None,
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        providers: BTreeMap::new(),
        inputs: BTreeMap::new(),
        span: ident_span(b, file),
    };
    let mut has_source = false;
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.as_str() {
                "source" => {
                    has_source = true;
                    call.source = literal_string(a, file, diags).unwrap_or_default();
                }
                "version" => call.version = literal_string(a, file, diags),
                "count" => call.count = Some(expr(a, file)),
                "for_each" => call.for_each = Some(expr(a, file)),
                "depends_on" => call.depends_on = depends_on(a, file, diags),
                "providers" => match &a.value {
                    Expression::Object(o) => {
                        for (k, v) in o.iter() {
                            let key = match k {
                                hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                                hcl_edit::expr::ObjectKey::Expression(e) => match provider_ref(e, file, diags) {
                                    Some(r) => r.alias.map_or(r.name.clone(), |al| format!("{}.{al}", r.name)),
                                    None => continue,
                                },
                            };
                            if let Some(r) = provider_ref(v.expr(), file, diags) {
                                call.providers.insert(key, r);
                            }
                        }
                    }
                    other => diags.push(Diagnostic::error("Invalid providers argument").detail("providers must be a map of child provider names to provider references, like { aws = aws.west }.").span(span_of(other, file))),
                },
                _ => {
                    call.inputs.insert(a.key.as_str().to_string(), expr(a, file));
                }
            },
            Structure::Block(blk) => diags.push(unsupported_block(blk, file, &[])),
        }
    }
    if !has_source {
        diags.push(
            Diagnostic::error("Missing required argument")
                .detail("The argument \"source\" is required, but no definition was found.")
                .span(ident_span(b, file)),
        );
        return;
    }
    if call.count.is_some() && call.for_each.is_some() {
        diags.push(
            Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
                .detail("The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.")
                .span(call.for_each.as_ref().and_then(Expr::span)),
        );
    }
    if m.module_calls.contains_key(&name) {
        diags.push(
            Diagnostic::error("Duplicate module call")
                .detail(format!("A module call named {name:?} was already defined. Module calls must have unique names within a module."))
                .span(ident_span(b, file)),
        );
        return;
    }
    m.module_calls.insert(name, call);
}

/// The address an expression like `module.a["k"].null_resource.b[0]` spells, as text.
pub(super) fn address_text(
    e: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let bad = |diags: &mut Diagnostics| {
        diags.push(Diagnostic::error("Invalid address").detail("Expected a resource or module address, like null_resource.a, aws_subnet.s[0] or module.vpc.").span(span_of(e, file)));
        None
    };
    let (root, ops) = match e {
        Expression::Variable(v) => (v.as_str().to_string(), Vec::new()),
        Expression::Traversal(t) => match &t.expr {
            Expression::Variable(v) => (
                v.as_str().to_string(),
                t.operators.iter().map(|o| o.value().clone()).collect(),
            ),
            _ => return bad(diags),
        },
        _ => return bad(diags),
    };
    let mut out = root;
    for op in ops {
        match op {
            hcl_edit::expr::TraversalOperator::GetAttr(a) => {
                out.push('.');
                out.push_str(a.as_str());
            }
            hcl_edit::expr::TraversalOperator::Index(Expression::Number(n)) => {
                out.push_str(&format!("[{}]", n.value()))
            }
            hcl_edit::expr::TraversalOperator::Index(Expression::String(s)) => {
                out.push_str(&format!("[{:?}]", s.value()))
            }
            hcl_edit::expr::TraversalOperator::LegacyIndex(n) => {
                out.push_str(&format!("[{}]", n.value()))
            }
            _ => return bad(diags),
        }
    }
    Some(out)
}

fn decode_moved(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let c = check_body(&b.body, &["from", "to"], &[], file, diags);
    let (Some(from), Some(to)) = (
        required_attr(&c, "from", b, file, diags),
        required_attr(&c, "to", b, file, diags),
    ) else {
        return;
    };
    if let (Some(from), Some(to)) = (
        address_text(&from.value, file, diags),
        address_text(&to.value, file, diags),
    ) {
        m.moved.push(Moved {
            from,
            to,
            span: ident_span(b, file),
        });
    }
}

fn decode_import(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let c = check_body(
        &b.body,
        &["to", "id", "provider", "for_each", "identity"],
        &[],
        file,
        diags,
    );
    let (Some(to), Some(id)) = (
        required_attr(&c, "to", b, file, diags),
        required_attr(&c, "id", b, file, diags),
    ) else {
        return;
    };
    let for_each = c.attrs.get("for_each").map(|f| expr(f, file));
    // Without for_each the address must be static; with it, index keys are expressions
    // evaluated per element, so only the shape is checked here.
    let valid = if for_each.is_some() {
        address_shape_ok(&to.value, file, diags)
    } else {
        address_text(&to.value, file, diags).is_some()
    };
    if valid {
        m.imports.push(Import {
            to: expr(to, file),
            id: expr(id, file),
            for_each,
            span: ident_span(b, file),
        });
    }
}

/// Checks that `e` is a traversal from a name through attributes and indexes (the shape
/// of a resource address whose keys may be expressions, like `a.b[each.key]`).
fn address_shape_ok(e: &Expression, file: &Arc<SourceFile>, diags: &mut Diagnostics) -> bool {
    let ok = match e {
        Expression::Variable(_) => true,
        Expression::Traversal(t) => {
            matches!(t.expr, Expression::Variable(_))
                && t.operators.iter().all(|o| {
                    matches!(
                        o.value(),
                        hcl_edit::expr::TraversalOperator::GetAttr(_)
                            | hcl_edit::expr::TraversalOperator::Index(_)
                            | hcl_edit::expr::TraversalOperator::LegacyIndex(_)
                    )
                })
        }
        _ => false,
    };
    if !ok {
        diags.push(Diagnostic::error("Invalid address").detail("Expected a resource address, like aws_instance.a[each.key] or module.m[each.key].aws_instance.a.").span(span_of(e, file)));
    }
    ok
}

fn decode_removed(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let c = check_body(
        &b.body,
        &["from"],
        &["lifecycle", "provisioner", "connection"],
        file,
        diags,
    );
    let Some(from) = required_attr(&c, "from", b, file, diags) else {
        return;
    };
    let mut destroy = true;
    for blk in &c.blocks {
        if blk.ident.as_str() == "lifecycle" {
            let lc = check_body(&blk.body, &["destroy"], &[], file, diags);
            if let Some(d) = lc.attrs.get("destroy") {
                destroy = literal_bool(d, file, diags);
            }
        }
    }
    if let Some(from) = address_text(&from.value, file, diags) {
        m.removed.push(Removed {
            from,
            destroy,
            span: ident_span(b, file),
        });
    }
}

fn decode_check(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    if !labels_ok(b, 1, "name", file, diags) {
        return;
    }
    let c = check_body(&b.body, &[], &["assert", "data"], file, diags);
    let mut asserts = Vec::new();
    let mut data: Vec<Resource> = Vec::new();
    for blk in c.blocks {
        if blk.ident.as_str() == "data" {
            let Some(r) = build_resource(blk, Mode::Data, file, diags) else {
                continue;
            };
            if let Some(e) = r.count.as_ref().or(r.for_each.as_ref()) {
                diags.push(
                    Diagnostic::error("Invalid meta-argument in a scoped data source")
                        .detail("A data source inside a check block is read once: count and for_each are not allowed.")
                        .span(e.span()),
                );
                continue;
            }
            if let Some(d) = duplicate_resource(m, &r, blk, file).or_else(|| {
                data.iter()
                    .any(|d| d.addr == r.addr)
                    .then(|| duplicate_data(blk, file))
            }) {
                diags.push(d);
                continue;
            }
            data.push(r);
            continue;
        }
        let ac = check_body(&blk.body, &["condition", "error_message"], &[], file, diags);
        if let (Some(cond), Some(msg)) = (
            required_attr(&ac, "condition", blk, file, diags),
            required_attr(&ac, "error_message", blk, file, diags),
        ) {
            asserts.push(Validation {
                condition: expr(cond, file),
                error_message: expr(msg, file),
            });
        }
    }
    m.checks.push(Check {
        name: b.labels[0].as_str().to_string(),
        asserts,
        data,
        span: ident_span(b, file),
    });
}

fn duplicate_data(b: &Block, file: &Arc<SourceFile>) -> Diagnostic {
    Diagnostic::error("Duplicate data configuration")
        .detail("This check block already declares a data source with this type and name.")
        .span(ident_span(b, file))
}

/// Where `init` installed the remote and registry modules of the root module at `root`.
struct Installed<'a> {
    root: &'a Path,
    manifest: super::manifest::Manifest,
}

/// Loads the modules called by `m` (recursively): local paths relative to `m`'s
/// directory, other sources from where `init` installed them.
fn load_children(
    m: &mut Module,
    installed: &Installed<'_>,
    ancestors: &mut Vec<PathBuf>,
    diags: &mut Diagnostics,
) {
    for call in m.module_calls.values() {
        let src = call.source.as_str();
        let kind = SourceKind::of(src);
        let remote_dir = if matches!(kind, SourceKind::Local | SourceKind::Other) {
            None
        } else {
            let mut key = m.path.clone();
            key.push(call.name.clone());
            match installed
                .manifest
                .installed_dir(installed.root, &key.join("."), call)
            {
                Ok(d) => Some(normalize(&d)),
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            }
        };
        if remote_dir.is_none() && kind != SourceKind::Local {
            let why = super::module_source::ModuleSource::parse(src).err().unwrap_or_else(|| {
                format!("Terraform cannot detect a supported external module source type for {src}.")
            });
            let mut d = Diagnostic::error("Invalid module source address")
                .detail(format!(
                    "Failed to parse module source address of module {:?}: {why}",
                    call.name
                ))
                .span(call.span.clone());
            if kind == SourceKind::Other && !src.starts_with('/') {
                d = d.help(format!(
                    "if {src:?} is a local directory, write it as \"./{src}\""
                ));
            }
            diags.push(d);
            continue;
        }
        if call.version.is_some() && remote_dir.is_none() {
            diags.push(
                Diagnostic::error("Invalid registry module source address")
                    .detail(format!("Module {:?} has the local source {src:?} and a version constraint; the \"version\" argument applies only to registry modules. Remove it.", call.name))
                    .span(call.span.clone()),
            );
            continue;
        }
        let dir = remote_dir.unwrap_or_else(|| normalize(&m.dir.join(src)));
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if ancestors.contains(&canonical) || ancestors.len() > 32 {
            diags.push(Diagnostic::error("Module calls itself").detail(format!("Module {:?} (source {src:?}) is one of its own ancestors, which would make the module tree infinite.", call.name)).span(call.span.clone()));
            continue;
        }
        if !dir.is_dir() {
            diags.push(
                Diagnostic::error("Unreadable module directory")
                    .detail(format!(
                        "The directory {} for module {:?} does not exist.",
                        dir.display(),
                        call.name
                    ))
                    .span(call.span.clone()),
            );
            continue;
        }
        let mut path = m.path.clone();
        path.push(call.name.clone());
        let (mut child, d) = load_one(&dir, path);
        diags.extend(d);
        ancestors.push(canonical);
        load_children(&mut child, installed, ancestors, diags);
        ancestors.pop();
        m.children.insert(call.name.clone(), child);
    }
}

/// What kind of module source an address is, following Terraform's rules: local paths
/// start with `./` or `../`; explicit `git::`/`hg::`/`s3::`/`gcs::`/`http::` prefixes and
/// URLs are remote packages; GitHub/Bitbucket shorthands are git; `host/ns/name/system`
/// or `ns/name/system` is a registry address; anything else is a remote package too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Local,
    Registry,
    Git,
    Mercurial,
    Http,
    S3,
    Gcs,
    /// An absolute path or another go-getter address Terraform would download.
    Other,
}

impl SourceKind {
    fn of(src: &str) -> SourceKind {
        if src.starts_with("./") || src.starts_with("../") {
            return SourceKind::Local;
        }
        let forced = src.split_once("::").map(|(p, _)| p);
        match forced {
            Some("git") => return SourceKind::Git,
            Some("hg") => return SourceKind::Mercurial,
            Some("s3") => return SourceKind::S3,
            Some("gcs") => return SourceKind::Gcs,
            Some("http" | "https") => return SourceKind::Http,
            Some(_) => return SourceKind::Other,
            None => {}
        }
        if src.starts_with("github.com/")
            || src.starts_with("bitbucket.org/")
            || src.starts_with("git@")
            || src.ends_with(".git")
            || src.contains(".git?")
            || src.contains(".git//")
        {
            return SourceKind::Git;
        }
        if src.starts_with("http://") || src.starts_with("https://") {
            return SourceKind::Http;
        }
        if src.contains(".s3.amazonaws.com/") || src.contains(".s3-") {
            return SourceKind::S3;
        }
        if src.starts_with("www.googleapis.com/storage/") {
            return SourceKind::Gcs;
        }
        let path = src.split("//").next().unwrap_or(src);
        let parts: Vec<&str> = path.split('/').collect();
        let ident = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let registry = match parts.as_slice() {
            [ns, name, system] => ident(ns) && ident(name) && ident(system),
            [host, ns, name, system] => {
                host.contains('.') && ident(ns) && ident(name) && ident(system)
            }
            _ => false,
        };
        if registry {
            SourceKind::Registry
        } else {
            SourceKind::Other
        }
    }
}

/// `a/./b/../c` -> `a/c`, so paths shown in messages stay short.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some_and(|n| n != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(src: &str) -> (Module, Diagnostics) {
        let file = SourceFile::new("main.tf", src);
        let mut diags = Diagnostics::new();
        let mut m = Module::default();
        if let Some((b, file)) = parse_file(&file, &mut diags) {
            decode_body(&mut m, &b, &file, &mut diags);
        }
        (m, diags)
    }

    #[test]
    fn resources_with_meta_arguments() {
        let (m, d) = load(
            r#"
resource "null_resource" "a" {
  count    = 2
  triggers = { x = "y" }
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [triggers]
  }
}
"#,
        );
        assert!(d.is_empty(), "{d:?}");
        let r = m.resources.values().next().unwrap();
        assert!(r.count.is_some());
        assert!(r.lifecycle.create_before_destroy);
        assert_eq!(
            r.lifecycle.ignore_changes,
            IgnoreChanges::Attributes(vec!["triggers".into()])
        );
        assert!(r.body.body.has_attribute("triggers"));
        assert!(!r.body.body.has_attribute("count"));
    }

    #[test]
    fn misspelled_block_gets_suggestion() {
        let (_, d) = load("resourse \"null_resource\" \"a\" {}\n");
        let e = &d.0[0];
        assert_eq!(e.summary, "Unsupported block type");
        assert_eq!(e.help.as_deref(), Some("did you mean \"resource\"?"));
        assert_eq!(e.span.as_ref().unwrap().line_col(), (1, 1));
    }

    #[test]
    fn duplicate_resource_is_an_error() {
        let (_, d) =
            load("resource \"null_resource\" \"a\" {}\nresource \"null_resource\" \"a\" {}\n");
        assert_eq!(d.0.len(), 1);
        assert!(d.0[0].detail.as_ref().unwrap().contains("main.tf:1:1"));
    }

    #[test]
    fn module_sources_are_classified_as_terraform_does() {
        for (src, kind) in [
            ("./modules/x", SourceKind::Local),
            ("../shared", SourceKind::Local),
            ("hashicorp/consul/aws", SourceKind::Registry),
            ("app.terraform.io/example/vpc/aws", SourceKind::Registry),
            (
                "terraform-aws-modules/vpc/aws//modules/vpc-endpoints",
                SourceKind::Registry,
            ),
            ("github.com/hashicorp/example", SourceKind::Git),
            ("git@github.com:hashicorp/example.git", SourceKind::Git),
            (
                "git::https://example.com/vpc.git?ref=v1.2.0",
                SourceKind::Git,
            ),
            (
                "bitbucket.org/hashicorp/terraform-consul-aws",
                SourceKind::Git,
            ),
            ("hg::http://example.com/vpc.hg", SourceKind::Mercurial),
            ("https://example.com/vpc-module.zip", SourceKind::Http),
            (
                "s3::https://s3-eu-west-1.amazonaws.com/bucket/vpc.zip",
                SourceKind::S3,
            ),
            ("bucket.s3.amazonaws.com/vpc.zip", SourceKind::S3),
            (
                "gcs::https://www.googleapis.com/storage/v1/modules/foomodule.zip",
                SourceKind::Gcs,
            ),
            ("/abs/path", SourceKind::Other),
            ("modules/x", SourceKind::Other),
        ] {
            assert_eq!(SourceKind::of(src), kind, "{src}");
        }
    }

    #[test]
    fn syntax_error_has_location() {
        let (_, d) = load("resource \"a\" \"b\" {\n  x = \n}\n");
        assert_eq!(d.0[0].summary, "Invalid expression");
        assert!(d.0[0].span.is_some());
    }
}
