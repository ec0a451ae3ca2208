//! The typed model of a module's configuration. Expressions stay unevaluated hcl-edit
//! nodes, each paired with the file it came from so any later error can point at it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

use crate::addr::ResourceAddr;
use crate::diag::{SourceFile, Span};
use crate::lang::refs::Reference;
use crate::lang::Type;

/// An expression and the file it was written in.
#[derive(Debug, Clone)]
pub struct Expr {
    pub expr: Expression,
    pub file: Arc<SourceFile>,
}

impl Expr {
    pub fn span(&self) -> Option<Span> {
        crate::config::span_of(&self.expr, &self.file)
    }
}

/// A block body (a resource's arguments, a provider's settings) and its file.
#[derive(Debug, Clone)]
pub struct SrcBody {
    pub body: Body,
    pub file: Arc<SourceFile>,
}

impl SrcBody {
    /// Where a dotted attribute path (`memory`, `health_check.path`) is written in this
    /// body: the attribute's line when it is there, else the nested block's, else `None`.
    /// Only the first block of each name is followed, which is what a one-block
    /// `health_check {}` needs; repeated blocks point at the first.
    pub fn attribute_span(&self, path: &str) -> Option<Span> {
        let mut body = &self.body;
        let mut parts = path.split('.').peekable();
        while let Some(name) = parts.next() {
            if parts.peek().is_none() {
                if let Some(a) = body.get_attribute(name) {
                    return crate::config::span_of(a, &self.file);
                }
            }
            let block = body.get_blocks(name).next()?;
            if parts.peek().is_none() {
                return crate::config::span_of(block, &self.file);
            }
            body = &block.body;
        }
        None
    }
}

/// The configuration of one module directory.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<Arc<SourceFile>>,
    pub terraform: TerraformSettings,
    pub providers: Vec<ProviderConfig>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Local>,
    pub outputs: BTreeMap<String, Output>,
    /// Managed resources and data sources, keyed by their (root-relative) address.
    /// Boxed: a `Resource` is about 760 bytes, and a B-tree node holds eleven entries
    /// inline, about half of them empty after in-order inserts (14 MB for 10,000 resources
    /// unboxed).
    pub resources: BTreeMap<ResourceAddr, Box<Resource>>,
    pub module_calls: BTreeMap<String, ModuleCall>,
    pub moved: Vec<Moved>,
    pub imports: Vec<Import>,
    pub removed: Vec<Removed>,
    pub checks: Vec<Check>,
    /// `action` blocks.
    pub actions: Vec<ActionBlock>,
    /// The modules the calls load, by call name.
    pub children: BTreeMap<String, Module>,
    /// Names of the module calls from the root to here (empty for the root module).
    pub path: Vec<String>,
}

impl Module {
    /// The module at `path` below this one.
    pub fn at(&self, path: &[String]) -> Option<&Module> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.children.get(first)?.at(rest),
        }
    }

    /// The `action` block of type `ty` named `name`.
    pub fn action(&self, ty: &str, name: &str) -> Option<&ActionBlock> {
        self.actions.iter().find(|a| a.ty == ty && a.name == name)
    }

    /// This module and every module below it, parents first.
    pub fn all(&self) -> Vec<&Module> {
        let mut out = vec![self];
        for c in self.children.values() {
            out.extend(c.all());
        }
        out
    }
}

#[derive(Debug, Clone, Default)]
pub struct TerraformSettings {
    pub required_version: Option<(String, Option<Span>)>,
    pub required_providers: BTreeMap<String, RequiredProvider>,
    /// Where the `required_providers` block is (a module may have one).
    pub required_providers_span: Option<Span>,
    pub backend: Option<BackendConfig>,
    /// `provider_meta` blocks by provider name: accepted and ignored, as Terraform does
    /// for providers without a meta schema (all of terrane's).
    pub provider_meta: BTreeMap<String, Option<Span>>,
    /// A `cloud` block (refused when loading; kept to report conflicts).
    pub cloud: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct RequiredProvider {
    pub name: String,
    /// For example `hashicorp/aws`; defaults to `hashicorp/<name>`.
    pub source: String,
    pub version: Option<String>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct BackendConfig {
    /// "local", "s3", ...
    pub kind: String,
    pub body: SrcBody,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub body: SrcBody,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub ty: Type,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    /// `ephemeral = true`: the value may be used only where nothing persists it.
    pub ephemeral: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub value: Expr,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    /// `ephemeral = true`: a child module's output that may carry ephemeral values.
    pub ephemeral: bool,
    /// `type = ...` (Terraform 1.15): the value is converted to it, or the output fails.
    pub ty: Option<crate::lang::Type>,
    pub depends_on: Vec<Reference>,
    pub preconditions: Vec<Validation>,
    pub span: Option<Span>,
}

/// `provider = aws.west` on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    pub ignore_changes: IgnoreChanges,
    /// Where each entry of `ignore_changes` is written (same order as its names).
    pub ignore_changes_spans: Vec<Option<Span>>,
    /// Checked before the instance is planned; a false condition is an error.
    pub preconditions: Vec<Validation>,
    /// Checked against the planned object (`self`); a false condition is an error.
    pub postconditions: Vec<Validation>,
    /// `replace_triggered_by`: a change to any of these replaces this one.
    pub replace_triggered_by: Vec<ReplaceTrigger>,
    /// `action_trigger` blocks (managed resources only).
    pub action_triggers: Vec<ActionTrigger>,
}

/// One `action_trigger` block: when a change of the resource instance starts the
/// actions it names, which must be declared in the same module.
#[derive(Debug, Clone)]
pub struct ActionTrigger {
    /// `before_create`, `after_update`, ...
    pub events: Vec<String>,
    /// Evaluated per instance; the actions run only when it is true.
    pub condition: Option<Expr>,
    /// Each action named: its type, its name, and where the reference is written.
    pub actions: Vec<(String, String, Option<Span>)>,
}

/// An `action "type" "name"` block (Terraform 1.14): a provider operation that
/// resources' `action_trigger` blocks start.
#[derive(Debug, Clone)]
pub struct ActionBlock {
    pub ty: String,
    pub name: String,
    pub provider: Option<ProviderRef>,
    /// The `config { ... }` block's body, evaluated when the action is planned and again
    /// when it is invoked; `None` when the block has none.
    pub config: Option<SrcBody>,
    /// Whether it sets `count` or `for_each`, which terrane does not expand for actions yet.
    pub expanded: bool,
    /// The file it is written in.
    pub file: Arc<SourceFile>,
    pub span: Option<Span>,
    /// The type label, where "unsupported type" points.
    pub type_span: Option<Span>,
}

impl ActionBlock {
    /// The provider's local name: `provider = x.y` if set, else the type's prefix.
    pub fn provider_name(&self) -> &str {
        match &self.provider {
            Some(p) => &p.name,
            None => self.ty.split('_').next().unwrap_or(&self.ty),
        }
    }

    /// The `config` block's body, empty when there is none.
    pub fn config_body(&self) -> SrcBody {
        match &self.config {
            Some(c) => c.clone(),
            None => SrcBody {
                body: hcl_edit::structure::Body::new(),
                file: Arc::clone(&self.file),
            },
        }
    }

    /// The action's address (`action.aws_lambda_invoke.notify`).
    pub fn address(&self) -> String {
        format!("action.{}.{}", self.ty, self.name)
    }
}

/// One `replace_triggered_by` entry: a resource, one of its instances
/// (`aws_x.a[count.index]`) or an attribute of one (`aws_x.a[each.key].arn`).
#[derive(Debug, Clone)]
pub struct ReplaceTrigger {
    /// The resource named, which the graph orders before the block that names it.
    pub reference: Reference,
    /// The whole entry, evaluated per instance (its index may use `count.index` and
    /// `each.key`).
    pub expr: Expr,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IgnoreChanges {
    #[default]
    None,
    /// `ignore_changes = all`
    All,
    /// Top-level attribute names (nested paths are reduced to their first step).
    Attributes(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub addr: ResourceAddr,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub provider: Option<ProviderRef>,
    pub depends_on: Vec<Reference>,
    pub lifecycle: Lifecycle,
    /// `provisioner` blocks, in the order written (managed resources only).
    pub provisioners: Vec<Provisioner>,
    /// The arguments and nested blocks, without the meta-arguments above.
    pub body: SrcBody,
    /// The block header (`resource "null_resource" "a"`), where messages about the whole
    /// resource point.
    pub span: Option<Span>,
    /// The type label, where messages about the type point (an unsupported type).
    pub type_span: Option<Span>,
}

impl Resource {
    /// An error for each `ignore_changes` entry that names none of `names` (the
    /// arguments, nested blocks and attributes of the resource type), as Terraform's
    /// validate reports it.
    pub fn unknown_ignore_changes(&self, names: &[&str]) -> crate::diag::Diagnostics {
        let mut diags = crate::diag::Diagnostics::new();
        let IgnoreChanges::Attributes(ignored) = &self.lifecycle.ignore_changes else {
            return diags;
        };
        for (i, name) in ignored.iter().enumerate() {
            if names.contains(&name.as_str()) {
                continue;
            }
            let mut d = crate::diag::Diagnostic::error("Unsupported attribute")
                .detail(format!("This object has no argument, nested block, or exported attribute named {name:?}."))
                .span(self.lifecycle.ignore_changes_spans.get(i).cloned().flatten().or_else(|| self.span.clone()));
            if let Some(s) = crate::diag::did_you_mean(name, names.iter().copied()) {
                d = d.help(format!("did you mean {s:?}?"));
            }
            diags.push(d);
        }
        diags
    }

    /// The provider's local name: `provider = x.y` if set, else the type's prefix.
    pub fn provider_name(&self) -> &str {
        match &self.provider {
            Some(p) => &p.name,
            None => self.addr.ty.split('_').next().unwrap_or(&self.addr.ty),
        }
    }
}

/// When a provisioner runs: after its object is created (the default) or before it is
/// destroyed (`when = destroy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisionerWhen {
    Create,
    Destroy,
}

/// `provisioner "local-exec" { ... }` in a resource.
#[derive(Debug, Clone)]
pub struct Provisioner {
    /// The provisioner type (`local-exec`).
    pub kind: String,
    pub when: ProvisionerWhen,
    /// `on_failure = continue`: a failure is ignored instead of failing (and tainting) the
    /// resource.
    pub continue_on_failure: bool,
    /// The provisioner's own arguments, without `when`, `on_failure` and `connection`.
    pub body: SrcBody,
    /// The block header, where a provisioner's failure points.
    pub span: Option<Span>,
}

/// A `module "name" { source = ... }` block.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub source: String,
    /// `version = "~> 1.0"`: only meaningful for registry sources.
    pub version: Option<String>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Reference>,
    /// `providers = { aws = aws.west }`: the child's provider name to the parent's provider.
    pub providers: BTreeMap<String, ProviderRef>,
    /// Input variable values, by variable name.
    pub inputs: BTreeMap<String, Expr>,
    pub span: Option<Span>,
}

/// `moved { from = a  to = b }`: the object recorded at `from` now lives at `to`.
#[derive(Debug, Clone)]
pub struct Moved {
    /// Addresses as written (`null_resource.a`, `module.x`, `aws_subnet.s[0]`).
    pub from: String,
    pub to: String,
    pub span: Option<Span>,
}

/// `import { to = addr  id = "..." }`: adopt an existing object at `to`.
#[derive(Debug, Clone)]
pub struct Import {
    /// The target address, an expression whose index keys may use `each`.
    pub to: Expr,
    pub id: Expr,
    /// `for_each`: one import per element, with `each.key`/`each.value` in `to` and `id`.
    pub for_each: Option<Expr>,
    pub span: Option<Span>,
}

/// `removed { from = addr  lifecycle { destroy = false } }`: stop managing `from`.
#[derive(Debug, Clone)]
pub struct Removed {
    pub from: String,
    /// Destroy the real object too (`destroy = true`), or only forget it.
    pub destroy: bool,
    pub span: Option<Span>,
}

/// `check "name" { assert { condition  error_message } }`: reported as warnings.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub asserts: Vec<Validation>,
    /// Scoped data sources: read at the end of the plan, visible only to the assertions;
    /// a failed read is a warning too.
    pub data: Vec<Resource>,
    pub span: Option<Span>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> SrcBody {
        let file = SourceFile::new("main.tf", text);
        let body: Body = text.parse().unwrap();
        SrcBody { body, file }
    }

    #[test]
    fn attribute_spans_follow_nested_blocks() {
        let b = body("cpu = 256\nmemory = 100\nhealth_check {\n  path = \"/\"\n}\n");
        let line = |p: &str| b.attribute_span(p).map(|s| s.line_col().0);
        assert_eq!(line("memory"), Some(2));
        assert_eq!(line("health_check.path"), Some(4));
        assert_eq!(line("health_check"), Some(3));
        assert_eq!(line("health_check.nope"), None);
        assert_eq!(line("nope"), None);
    }
}
