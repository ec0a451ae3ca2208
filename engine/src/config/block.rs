//! The shape of blocks and arguments: labels, allowed arguments and nested blocks (with
//! "did you mean"), and arguments that must be literals. Shared by every block decoder.

use std::collections::BTreeMap;
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span as _;

use super::model::Expr;
use super::span_of;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SourceFile, Span};

pub(super) fn ident_span(b: &Block, file: &Arc<SourceFile>) -> Option<Span> {
    // The block header: from the keyword to the end of the last label.
    let start = b.ident.span()?.start;
    let end = b
        .labels
        .last()
        .and_then(|l| l.span())
        .map_or(b.ident.span()?.end, |r| r.end);
    Some(Span::new(file, start..end))
}

pub(super) fn unsupported_block(b: &Block, file: &Arc<SourceFile>, allowed: &[&str]) -> Diagnostic {
    let name = b.ident.as_str();
    let mut d = Diagnostic::error("Unsupported block type")
        .detail(format!("Blocks of type {name:?} are not expected here."))
        .span(span_of(&b.ident, file));
    if let Some(s) = did_you_mean(name, allowed.iter().copied()) {
        d = d.help(format!("did you mean {s:?}?"));
    }
    d
}

pub(super) fn unsupported_attr(
    a: &Attribute,
    file: &Arc<SourceFile>,
    allowed: &[&str],
) -> Diagnostic {
    let name = a.key.as_str();
    let mut d = Diagnostic::error("Unsupported argument")
        .detail(format!("An argument named {name:?} is not expected here."))
        .span(span_of(&a.key, file));
    if let Some(s) = did_you_mean(name, allowed.iter().copied()) {
        d = d.help(format!("did you mean {s:?}?"));
    }
    d
}

pub(super) fn labels_ok(
    b: &Block,
    n: usize,
    names: &str,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> bool {
    if b.labels.len() == n {
        return true;
    }
    let kind = b.ident.as_str();
    let summary = if b.labels.len() < n {
        format!("Missing name for {kind}")
    } else {
        format!("Extraneous label for {kind}")
    };
    diags.push(
        Diagnostic::error(summary)
            .detail(format!(
                "All {kind} blocks must have {n} label(s) ({names})."
            ))
            .span(ident_span(b, file)),
    );
    false
}

/// Splits a body into its attributes and blocks, reporting any that `allowed_*` does not list.
pub(super) struct Checked<'b> {
    pub(super) attrs: BTreeMap<&'b str, &'b Attribute>,
    pub(super) blocks: Vec<&'b Block>,
}

pub(super) fn check_body<'b>(
    body: &'b Body,
    allowed_attrs: &[&str],
    allowed_blocks: &[&str],
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Checked<'b> {
    let mut out = Checked {
        attrs: BTreeMap::new(),
        blocks: Vec::new(),
    };
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                if allowed_attrs.contains(&a.key.as_str()) {
                    out.attrs.insert(a.key.as_str(), a);
                } else if allowed_blocks.contains(&a.key.as_str()) {
                    diags.push(
                        Diagnostic::error("Unsupported argument")
                            .detail(format!("An argument named {:?} is not expected here. Did you mean to define a block of type {:?}?", a.key.as_str(), a.key.as_str()))
                            .span(span_of(&a.key, file)),
                    );
                } else {
                    diags.push(unsupported_attr(a, file, allowed_attrs));
                }
            }
            Structure::Block(b) => {
                if allowed_blocks.contains(&b.ident.as_str()) {
                    out.blocks.push(b);
                } else {
                    diags.push(unsupported_block(b, file, allowed_blocks));
                }
            }
        }
    }
    out
}

pub(super) fn expr(a: &Attribute, file: &Arc<SourceFile>) -> Expr {
    Expr {
        expr: a.value.clone(),
        file: Arc::clone(file),
    }
}

/// Why `e` is not a constant as HCL evaluates one without a context (Terraform's
/// descriptions, `provider_meta` values): a reference, or a function call.
pub(super) fn not_constant(e: &Expression, file: &Arc<SourceFile>) -> Option<Diagnostic> {
    if let Some(r) = crate::lang::refs::references(e, file).into_iter().next() {
        return Some(
            Diagnostic::error("Variables not allowed")
                .detail("Variables may not be used here.")
                .span(r.span.or_else(|| span_of(e, file))),
        );
    }
    struct FirstCall(Option<std::ops::Range<usize>>);
    impl hcl_edit::visit::Visit for FirstCall {
        fn visit_func_call(&mut self, call: &hcl_edit::expr::FuncCall) {
            if self.0.is_none() {
                self.0 = call.span();
            }
        }
    }
    let mut calls = FirstCall(None);
    hcl_edit::visit::Visit::visit_expr(&mut calls, e);
    let call = calls.0?;
    Some(
        Diagnostic::error("Function calls not allowed")
            .detail("Functions may not be called here.")
            .span(Some(Span::new(file, call))),
    )
}

/// A string argument that must be a constant (a description): a quoted string, a heredoc
/// or a template without interpolated references, as HCL evaluates it without a context.
pub(super) fn literal_string(
    a: &Attribute,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<String> {
    if let Expression::String(s) = &a.value {
        return Some(s.value().clone());
    }
    let unsuitable = || {
        Diagnostic::error("Unsuitable value type")
            .detail("Unsuitable value: value must be known")
            .span(span_of(&a.value, file))
    };
    if let Some(d) = not_constant(&a.value, file) {
        // Terraform reports a reference before the unsuitable value, a call after it.
        if d.summary == "Variables not allowed" {
            diags.push(d);
            diags.push(unsuitable());
        } else {
            diags.push(unsuitable());
            diags.push(d);
        }
        return None;
    }
    match crate::lang::eval_constant(&a.value, file, std::path::Path::new(".")) {
        Ok(crate::lang::Value::String(s)) => Some(s),
        Ok(v @ (crate::lang::Value::Number(_) | crate::lang::Value::Bool(_))) => {
            Some(v.to_string())
        }
        Ok(_) => {
            diags.push(
                Diagnostic::error("Incorrect attribute value type")
                    .detail(format!(
                        "Inappropriate value for attribute {:?}: string required.",
                        a.key.as_str()
                    ))
                    .span(span_of(&a.value, file)),
            );
            None
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

pub(super) fn literal_bool(a: &Attribute, file: &Arc<SourceFile>, diags: &mut Diagnostics) -> bool {
    match &a.value {
        Expression::Bool(b) => *b.value(),
        // Terraform converts the strings "true" and "false" to bool here.
        Expression::String(s) if matches!(s.value().as_str(), "true" | "false") => {
            s.value() == "true"
        }
        other => {
            diags.push(
                Diagnostic::error("Unsuitable value type")
                    .detail(format!(
                        "The {:?} argument must be true or false.",
                        a.key.as_str()
                    ))
                    .span(span_of(other, file)),
            );
            false
        }
    }
}

pub(super) fn required_attr<'b>(
    c: &Checked<'b>,
    name: &str,
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<&'b Attribute> {
    let a = c.attrs.get(name).copied();
    if a.is_none() {
        diags.push(
            Diagnostic::error("Missing required argument")
                .detail(format!(
                    "The argument {name:?} is required, but no definition was found."
                ))
                .span(ident_span(b, file)),
        );
    }
    a
}
