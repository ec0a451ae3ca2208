//! Ephemeral values (`variable { ephemeral = true }`, `output { ephemeral = true }`): values
//! that must never reach state or a plan file. Terraform tracks them as a mark on values;
//! terrane decides it from the references, which is the same answer for every expression
//! Terraform accepts: a value is ephemeral when its expression reads an ephemeral input
//! variable, an ephemeral resource (`ephemeral.x.y`), a local derived from one, or an
//! ephemeral output of a child module, except through `ephemeralasnull()`. Such a value may flow into locals, ephemeral outputs of
//! child modules, ephemeral inputs of child modules and write-only arguments (`*_wo`); it is
//! refused, as Terraform refuses it, wherever it would be persisted.

use std::collections::BTreeSet;

use hcl_edit::structure::Body;

use crate::config::{Expr, Module};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::refs::{references_outside_calls, Subject};

/// The functions whose result carries nothing ephemeral from their arguments.
const CLEARING_CALLS: &[&str] = &["ephemeralasnull"];

/// Every misuse of an ephemeral value in `root` and the modules below it.
pub fn check(root: &Module) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for o in root.outputs.values().filter(|o| o.ephemeral) {
        diags.push(
            Diagnostic::error("Ephemeral output not allowed")
                .detail("Ephemeral outputs are not allowed in context of a root module")
                .span(o.span.clone()),
        );
    }
    for module in root.all() {
        check_module(module, &mut diags);
    }
    diags
}

fn check_module(m: &Module, diags: &mut Diagnostics) {
    let locals = ephemeral_locals(m);
    let ephemeral = |e: &Expr| is_ephemeral(m, &locals, e);
    for o in m.outputs.values().filter(|o| !o.ephemeral) {
        if ephemeral(&o.value) {
            diags.push(
                Diagnostic::error("Ephemeral value not allowed")
                    .detail("This output value is not declared as returning an ephemeral value, so it cannot be set to a result derived from an ephemeral value.")
                    .span(o.value.span()),
            );
        }
    }
    for (name, call) in &m.module_calls {
        let Some(child) = m.children.get(name) else {
            continue;
        };
        for (input, e) in &call.inputs {
            let accepts = child.variables.get(input).is_some_and(|v| v.ephemeral);
            if !accepts && ephemeral(e) {
                // Terraform's wording, "a ephemeral" included.
                diags.push(
                    Diagnostic::error("Ephemeral value not allowed")
                        .detail("This input variable is not declared as accepting a ephemeral values, so it cannot be set to a result derived from an ephemeral value.")
                        .span(e.span()),
                );
            }
        }
    }
    // An ephemeral resource's own arguments persist nothing.
    for r in m
        .resources
        .values()
        .filter(|r| r.addr.mode != crate::addr::Mode::Ephemeral)
    {
        let mut persisted = Vec::new();
        arguments(&r.body.body, &mut persisted);
        for (name, expr) in persisted {
            let e = Expr {
                expr: expr.clone(),
                file: r.body.file.clone(),
            };
            if ephemeral(&e) {
                diags.push(
                    Diagnostic::error("Invalid use of ephemeral value")
                        .detail(format!("Ephemeral values are not valid for {name:?}, because it is not a write-only attribute and must be persisted to state."))
                        .span(e.span()),
                );
            }
        }
    }
}

/// Whether `expr`, written in module `m`, reads an ephemeral value (so that
/// `ephemeralasnull` of it is null).
pub(crate) fn reads_ephemeral(
    m: &Module,
    expr: &hcl_edit::expr::Expression,
    file: &std::sync::Arc<crate::diag::SourceFile>,
) -> bool {
    let e = Expr {
        expr: expr.clone(),
        file: file.clone(),
    };
    is_ephemeral(m, &ephemeral_locals(m), &e)
}

/// The arguments of a resource body (nested blocks included) that state persists: all
/// but the write-only ones, which the AWS provider names `*_wo`.
fn arguments<'b>(body: &'b Body, out: &mut Vec<(String, &'b hcl_edit::expr::Expression)>) {
    for a in body.attributes() {
        let name = a.key.as_str();
        if !name.ends_with("_wo") {
            out.push((name.to_string(), &a.value));
        }
    }
    for b in body.blocks() {
        arguments(&b.body, out);
    }
}

/// The locals of `m` whose values are ephemeral, found to a fixed point (a local may read
/// another).
fn ephemeral_locals(m: &Module) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    loop {
        let before = found.len();
        for (name, l) in &m.locals {
            if !found.contains(name) && is_ephemeral(m, &found, &l.value) {
                found.insert(name.clone());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Whether `e` reads an ephemeral value.
fn is_ephemeral(m: &Module, locals: &BTreeSet<String>, e: &Expr) -> bool {
    references_outside_calls(&e.expr, &e.file, CLEARING_CALLS)
        .into_iter()
        .any(|r| match &r.subject {
            Subject::Var(n) => m.variables.get(n).is_some_and(|v| v.ephemeral),
            Subject::Local(n) => locals.contains(n),
            Subject::Module(call) => r.module_output.as_ref().is_some_and(|o| {
                m.children
                    .get(call)
                    .and_then(|c| c.outputs.get(o))
                    .is_some_and(|o| o.ephemeral)
            }),
            Subject::Resource(a) => a.mode == crate::addr::Mode::Ephemeral,
            _ => false,
        })
}
