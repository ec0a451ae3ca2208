//! The targets of `import` blocks: the instance address and ID each block (or, with
//! `for_each`, each element of it) imports. The provider calls live in `plan`.

use hcl_edit::expr::{Expression, TraversalOperator};

use super::nodes;
use super::scope::{InstanceScope, Values};
use crate::addr::{IndexKey, InstanceAddr};
use crate::config::{Expr, Import, Module};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::{eval, EvalContext, Value};

/// The (address, ID) pairs of one import block, evaluated in the root module: one pair,
/// or one per element of `for_each` with `each.key`/`each.value` bound in `to` and `id`.
/// Import blocks are evaluated before the graph walk; the root locals they may use
/// (`for_each = local.x`) were evaluated into `values` when planning configured the
/// providers (`nodes::preset_constant_locals`), once for all blocks.
///
/// # Errors
/// Bad for_each values, addresses and IDs, with their locations.
pub fn targets(
    imp: &Import,
    values: &Values,
    root: &Module,
) -> Result<Vec<(InstanceAddr, String)>, Diagnostics> {
    let plain = InstanceScope::plain(values, root);
    let keys = match &imp.for_each {
        None => vec![(None, None)],
        Some(f) => for_each_keys(f, &plain, root)?,
    };
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    for (key, each) in keys {
        let scope = InstanceScope::plain(values, root).with_key(&key, each);
        let ectx = EvalContext {
            scope: &scope,
            base_dir: &root.dir,
        };
        match (address(&imp.to, &ectx), id(&imp.id, &ectx)) {
            (Ok(to), Ok(id)) => out.push((to, id)),
            (to, id) => {
                diags.extend(to.err().unwrap_or_default());
                diags.extend(id.err().unwrap_or_default());
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    if let Some(dup) = out
        .iter()
        .enumerate()
        .find_map(|(i, (a, _))| out[..i].iter().any(|(b, _)| a == b).then_some(a))
    {
        return Err(Diagnostic::error("Duplicate import configuration")
            .detail(format!("The for_each of this import block gives the target {dup} more than once; each resource instance can be imported only once."))
            .span(imp.span.clone())
            .into());
    }
    Ok(out)
}

/// `for_each` of an import block: a map or set of strings as for resources, and also a
/// list or tuple (each.key is then the index, as a string).
fn for_each_keys(
    f: &Expr,
    scope: &InstanceScope<'_>,
    root: &Module,
) -> Result<Vec<nodes::Expansion>, Diagnostics> {
    let ectx = EvalContext {
        scope,
        base_dir: &root.dir,
    };
    let v = eval(&f.expr, &f.file, &ectx)?;
    if let Value::List(items) | Value::Tuple(items) = v.unmark() {
        if !v.is_sensitive() && !v.contains_unknown() {
            return Ok(items
                .iter()
                .enumerate()
                .map(|(i, x)| (Some(IndexKey::Str(i.to_string())), Some(x.clone())))
                .collect());
        }
    }
    nodes::expand(None, Some(f), scope, root)
}

fn id(e: &Expr, ectx: &EvalContext<'_>) -> Result<String, Diagnostics> {
    let v = eval(&e.expr, &e.file, ectx)?;
    match v.unmark() {
        Value::String(s) => Ok(s.clone()),
        _ => Err(Diagnostic::error("Invalid import id argument")
            .detail("The import ID must be a known string.")
            .span(e.span())
            .into()),
    }
}

/// Evaluates an address expression such as `module.m[each.key].aws_thing.x[each.value]`:
/// names are taken as written, index expressions are evaluated.
fn address(e: &Expr, ectx: &EvalContext<'_>) -> Result<InstanceAddr, Diagnostics> {
    let bad = |detail: String| -> Diagnostics {
        Diagnostic::error("Invalid import address")
            .detail(detail)
            .span(e.span())
            .into()
    };
    let (root, ops): (&str, &[_]) = match &e.expr {
        Expression::Variable(v) => (v.as_str(), &[]),
        Expression::Traversal(t) => match &t.expr {
            Expression::Variable(v) => (v.as_str(), t.operators.as_slice()),
            _ => return Err(bad("Expected a resource address.".into())),
        },
        _ => return Err(bad("Expected a resource address.".into())),
    };
    let mut text = root.to_string();
    for op in ops {
        match op.value() {
            TraversalOperator::GetAttr(a) => {
                text.push('.');
                text.push_str(a.as_str());
            }
            TraversalOperator::LegacyIndex(n) => text.push_str(&format!("[{}]", n.value())),
            TraversalOperator::Index(ix) => {
                let v = eval(ix, &e.file, ectx)?;
                match v.unmark() {
                    Value::String(s) => text.push_str(&format!("[{s:?}]")),
                    Value::Number(n) if n.is_integer() && !n.is_negative() => {
                        text.push_str(&format!("[{n}]"));
                    }
                    other => {
                        return Err(bad(format!(
                            "An instance key must be a known string or whole number, not {}.",
                            other.type_name()
                        )))
                    }
                }
            }
            _ => return Err(bad("Expected a resource address.".into())),
        }
    }
    text.parse()
        .map_err(|err: crate::addr::AddrParseError| bad(err.to_string()))
}
