//! `terraform test` files (`*.tftest.hcl`): file-level variables, provider and mock
//! provider blocks, overrides, and the `run` blocks executed in order. Decoded here with
//! the same block helpers as `.tf` files, so mistakes get the same messages; nothing is
//! evaluated (the test command does that, run by run).

use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::block::{check_body, expr, ident_span, labels_ok, literal_bool, required_attr};
use super::load::{address_text, decode_provider};
use super::model::{Expr, Module, ProviderConfig, Validation};
use super::span_of;
use crate::diag::{Diagnostic, Diagnostics, SourceFile, Span};

/// One test file.
#[derive(Debug, Clone, Default)]
pub struct TestFile {
    pub variables: Vec<(String, Expr)>,
    pub providers: Vec<ProviderConfig>,
    pub mock_providers: Vec<MockProviderBlock>,
    pub overrides: Vec<Override>,
    pub runs: Vec<TestRun>,
    /// `test { parallel = true }`: the default of the runs' own `parallel`.
    pub parallel: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCommand {
    Plan,
    Apply,
}

#[derive(Debug, Clone)]
pub struct TestRun {
    pub name: String,
    pub span: Option<Span>,
    pub command: TestCommand,
    pub variables: Vec<(String, Expr)>,
    /// `module { source = "./x" }`: run another module than the one under test.
    pub module: Option<TestModule>,
    pub asserts: Vec<Validation>,
    /// The checkable objects (`var.x`, `aws_vpc.main`, `output.o`, `check.c`) whose
    /// custom conditions are expected to fail, with where each is written.
    pub expect_failures: Vec<(String, Option<Span>)>,
    pub plan_options: PlanOptions,
    pub overrides: Vec<Override>,
    /// `parallel`, when the run sets it (else the file's `test` block decides).
    pub parallel: Option<bool>,
    /// `state_key`: the state the run works on, when not its module's own.
    pub state_key: Option<String>,
}

impl TestRun {
    /// The state the run plans and applies against: its `state_key`, else one per
    /// module (its `module` source, or the module under test, ""), as Terraform keys them.
    pub fn state_key(&self) -> &str {
        match (&self.state_key, &self.module) {
            (Some(k), _) => k,
            (None, Some(m)) => &m.source,
            (None, None) => "",
        }
    }

    /// Whether the run may run beside the other parallel runs of its file.
    pub fn parallel(&self, file: &TestFile) -> bool {
        self.parallel.unwrap_or(file.parallel)
    }
}

#[derive(Debug, Clone)]
pub struct TestModule {
    pub source: String,
    pub version: Option<String>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `refresh-only` instead of `normal`.
    pub refresh_only: bool,
    pub refresh: bool,
    pub replace: Vec<String>,
    pub target: Vec<String>,
}

/// `mock_provider "aws" { mock_resource "aws_vpc" { defaults = {...} } ... }`.
#[derive(Debug, Clone)]
pub struct MockProviderBlock {
    pub name: String,
    pub alias: Option<String>,
    pub span: Option<Span>,
    pub resources: Vec<MockData>,
    pub data: Vec<MockData>,
    pub overrides: Vec<Override>,
}

/// Default values for one resource or data source type of a mock provider.
#[derive(Debug, Clone)]
pub struct MockData {
    pub type_name: String,
    pub defaults: Option<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideKind {
    Resource,
    Data,
    Module,
}

/// `override_resource`, `override_data` or `override_module`.
#[derive(Debug, Clone)]
pub struct Override {
    pub kind: OverrideKind,
    /// The target address as written (`aws_vpc.main`, `data.aws_ami.x`, `module.net`).
    pub target: String,
    /// `values` (resources, data sources) or `outputs` (modules).
    pub values: Option<Expr>,
    pub span: Option<Span>,
}

const FILE_BLOCKS: &[&str] = &[
    "test",
    "run",
    "variables",
    "provider",
    "mock_provider",
    "override_resource",
    "override_data",
    "override_module",
];
const RUN_ATTRS: &[&str] = &[
    "command",
    "expect_failures",
    "providers",
    "state_key",
    "parallel",
];
const RUN_BLOCKS: &[&str] = &[
    "variables",
    "module",
    "assert",
    "plan_options",
    "override_resource",
    "override_data",
    "override_module",
];

/// Parses and decodes one test file; errors are collected, the decoded part returned.
pub fn parse_test_file(file: &Arc<SourceFile>, diags: &mut Diagnostics) -> TestFile {
    let mut out = TestFile::default();
    let Some((body, file)) = super::load::parse_file(file, diags) else {
        return out;
    };
    let file = &file;
    let checked = check_body(&body, &[], FILE_BLOCKS, file, diags);
    let mut scratch = Module::default();
    for b in checked.blocks {
        match b.ident.as_str() {
            "run" => {
                if let Some(r) = decode_run(b, file, diags) {
                    if out.runs.iter().any(|o| o.name == r.name) {
                        diags.push(
                            Diagnostic::error("Duplicate \"run\" block names")
                                .detail(format!(
                                    "This test file already has a run block named {}.",
                                    r.name
                                ))
                                .span(r.span.clone()),
                        );
                    } else {
                        out.runs.push(r);
                    }
                }
            }
            "variables" => out.variables.extend(variables(&b.body, file, diags)),
            "provider" => decode_provider(&mut scratch, b, file, diags),
            "test" => {
                let c = check_body(&b.body, &["parallel"], &[], file, diags);
                if let Some(a) = c.attrs.get("parallel") {
                    out.parallel = literal_bool(a, file, diags);
                }
            }
            "mock_provider" => {
                if let Some(m) = decode_mock_provider(b, file, diags) {
                    out.mock_providers.push(m);
                }
            }
            kind => out.overrides.extend(decode_override(kind, b, file, diags)),
        }
    }
    out.providers = scratch.providers;
    out
}

fn variables(body: &Body, file: &Arc<SourceFile>, diags: &mut Diagnostics) -> Vec<(String, Expr)> {
    let mut out = Vec::new();
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => {
                out.push((a.key.as_str().to_string(), expr(a, file)))
            }
            hcl_edit::structure::Structure::Block(b) => diags.push(
                Diagnostic::error("Unexpected \"variables\" block content")
                    .detail("A variables block holds only arguments, one per variable.")
                    .span(span_of(&b.ident, file)),
            ),
        }
    }
    out
}

fn decode_run(b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) -> Option<TestRun> {
    if !labels_ok(b, 1, "run name", file, diags) {
        return None;
    }
    let c = check_body(&b.body, RUN_ATTRS, RUN_BLOCKS, file, diags);
    if let Some(a) = c.attrs.get("providers") {
        diags.push(not_yet(
            "\"providers\" in a run block",
            span_of(&a.key, file),
        ));
    }
    let mut run = TestRun {
        name: b.labels[0].as_str().to_string(),
        span: ident_span(b, file),
        command: TestCommand::Apply,
        variables: Vec::new(),
        module: None,
        asserts: Vec::new(),
        expect_failures: Vec::new(),
        plan_options: PlanOptions {
            refresh: true,
            ..PlanOptions::default()
        },
        overrides: Vec::new(),
        parallel: c
            .attrs
            .get("parallel")
            .map(|a| literal_bool(a, file, diags)),
        state_key: None,
    };
    if let Some(a) = c.attrs.get("state_key") {
        match &a.value {
            Expression::String(k) => run.state_key = Some(k.value().clone()),
            other => diags.push(
                Diagnostic::error("Invalid value for \"state_key\"")
                    .detail("The state key must be a literal string.")
                    .span(span_of(other, file)),
            ),
        }
    }
    if let Some(a) = c.attrs.get("command") {
        match keyword(&a.value).as_deref() {
            Some("plan") => run.command = TestCommand::Plan,
            Some("apply") => run.command = TestCommand::Apply,
            _ => diags.push(
                Diagnostic::error("Invalid \"command\" keyword")
                    .detail("The \"command\" argument requires one of the following keywords without quotes: apply or plan.")
                    .span(span_of(&a.value, file)),
            ),
        }
    }
    if let Some(a) = c.attrs.get("expect_failures") {
        run.expect_failures = address_list(&a.value, file, diags);
    }
    for blk in c.blocks {
        match blk.ident.as_str() {
            "variables" => run.variables.extend(variables(&blk.body, file, diags)),
            "module" => {
                let mc = check_body(&blk.body, &["source", "version"], &[], file, diags);
                if let Some(src) = required_attr(&mc, "source", blk, file, diags) {
                    match &src.value {
                        Expression::String(s) => {
                            run.module = Some(TestModule {
                                source: s.value().clone(),
                                version: mc.attrs.get("version").and_then(|v| match &v.value {
                                    Expression::String(s) => Some(s.value().clone()),
                                    _ => None,
                                }),
                                span: span_of(&src.value, file),
                            })
                        }
                        other => diags.push(
                            Diagnostic::error("Invalid value for \"source\"")
                                .detail("The module source must be a literal string.")
                                .span(span_of(other, file)),
                        ),
                    }
                }
            }
            "assert" => {
                let ac = check_body(&blk.body, &["condition", "error_message"], &[], file, diags);
                if let (Some(cond), Some(msg)) = (
                    required_attr(&ac, "condition", blk, file, diags),
                    required_attr(&ac, "error_message", blk, file, diags),
                ) {
                    run.asserts.push(Validation {
                        condition: expr(cond, file),
                        error_message: expr(msg, file),
                    });
                }
            }
            "plan_options" => {
                let pc = check_body(
                    &blk.body,
                    &["mode", "refresh", "replace", "target"],
                    &[],
                    file,
                    diags,
                );
                if let Some(a) = pc.attrs.get("mode") {
                    match keyword(&a.value).as_deref() {
                        Some("normal") => {}
                        Some("refresh-only") => run.plan_options.refresh_only = true,
                        _ => diags.push(
                            Diagnostic::error("Invalid \"mode\" keyword")
                                .detail("The \"mode\" argument requires one of the following keywords without quotes: normal or refresh-only")
                                .span(span_of(&a.value, file)),
                        ),
                    }
                }
                if let Some(a) = pc.attrs.get("refresh") {
                    run.plan_options.refresh = literal_bool(a, file, diags);
                }
                if let Some(a) = pc.attrs.get("replace") {
                    run.plan_options.replace = address_list(&a.value, file, diags)
                        .into_iter()
                        .map(|(a, _)| a)
                        .collect();
                }
                if let Some(a) = pc.attrs.get("target") {
                    run.plan_options.target = address_list(&a.value, file, diags)
                        .into_iter()
                        .map(|(a, _)| a)
                        .collect();
                }
            }
            kind => run
                .overrides
                .extend(decode_override(kind, blk, file, diags)),
        }
    }
    Some(run)
}

/// A bare keyword (`plan`, `refresh-only`); a quoted one is accepted too.
fn keyword(e: &Expression) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::String(s) => Some(s.value().clone()),
        // `refresh-only` parses as the subtraction `refresh - only`.
        Expression::BinaryOp(op) => Some(format!(
            "{}-{}",
            keyword(&op.lhs_expr)?,
            keyword(&op.rhs_expr)?
        )),
        _ => None,
    }
}

fn address_list(
    e: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Vec<(String, Option<Span>)> {
    let Expression::Array(items) = e else {
        diags.push(
            Diagnostic::error("Invalid expression")
                .detail("A static list expression is required.")
                .span(span_of(e, file)),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| address_text(i, file, diags).map(|a| (a, span_of(i, file))))
        .collect()
}

fn decode_mock_provider(
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<MockProviderBlock> {
    if !labels_ok(b, 1, "provider name", file, diags) {
        return None;
    }
    let c = check_body(
        &b.body,
        &["alias", "source"],
        &[
            "mock_resource",
            "mock_data",
            "override_resource",
            "override_data",
        ],
        file,
        diags,
    );
    if let Some(s) = c.attrs.get("source") {
        diags.push(
            Diagnostic::error("Mock data files are not supported yet")
                .detail("terrane does not read mock data from a directory yet; write mock_resource and mock_data blocks in the test file instead.")
                .span(span_of(&s.value, file)),
        );
    }
    let mut out = MockProviderBlock {
        name: b.labels[0].as_str().to_string(),
        alias: c.attrs.get("alias").and_then(|a| match &a.value {
            Expression::String(s) => Some(s.value().clone()),
            _ => None,
        }),
        span: ident_span(b, file),
        resources: Vec::new(),
        data: Vec::new(),
        overrides: Vec::new(),
    };
    for blk in c.blocks {
        match blk.ident.as_str() {
            kind @ ("mock_resource" | "mock_data") => {
                if !labels_ok(blk, 1, "type", file, diags) {
                    continue;
                }
                let mc = check_body(
                    &blk.body,
                    &["defaults", "override_during"],
                    &[],
                    file,
                    diags,
                );
                if let Some(a) = mc.attrs.get("override_during") {
                    diags.push(not_yet("override_during", span_of(&a.key, file)));
                }
                let data = MockData {
                    type_name: blk.labels[0].as_str().to_string(),
                    defaults: mc.attrs.get("defaults").map(|a| expr(a, file)),
                };
                if kind == "mock_resource" {
                    out.resources.push(data);
                } else {
                    out.data.push(data);
                }
            }
            kind => out
                .overrides
                .extend(decode_override(kind, blk, file, diags)),
        }
    }
    Some(out)
}

/// A test-file feature terrane does not run yet: refused rather than ignored, since
/// ignoring it would change what the test checks.
fn not_yet(what: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::error("Not supported yet")
        .detail(format!("terrane test does not support {what} yet."))
        .span(span)
}

fn decode_override(
    kind: &str,
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<Override> {
    let (kind, values_attr) = match kind {
        "override_resource" => (OverrideKind::Resource, "values"),
        "override_data" => (OverrideKind::Data, "values"),
        _ => (OverrideKind::Module, "outputs"),
    };
    let c = check_body(
        &b.body,
        &["target", values_attr, "override_during"],
        &[],
        file,
        diags,
    );
    if let Some(a) = c.attrs.get("override_during") {
        diags.push(not_yet("override_during", span_of(&a.key, file)));
    }
    let target = required_attr(&c, "target", b, file, diags)?;
    let addr = address_text(&target.value, file, diags)?;
    Some(Override {
        kind,
        target: addr,
        values: c.attrs.get(values_attr).map(|a| expr(a, file)),
        span: ident_span(b, file),
    })
}
