//! `replace_triggered_by`: whether a change planned for another resource replaces the
//! instance being planned, decided as Terraform decides it. An entry names a resource
//! (any of its instances updated or replaced), one instance (`a[count.index]`, that
//! instance updated or replaced), or an attribute of one (`a[each.key].arn`, that
//! instance updated or replaced and the attribute's value different, unknown included).
//! A create or a delete of the trigger replaces nothing.

use std::sync::Arc;

use hcl_edit::expr::{Expression, TraversalOperator};

use super::scope::Values;
use crate::addr::{IndexKey, InstanceAddr, ModuleStep, ResourceAddr};
use crate::config::ReplaceTrigger;
use crate::diag::Diagnostic;
use crate::lang::refs::{decode, Subject};
use crate::lang::{eval, EvalContext, Value};

/// One step from an object to one of its attributes or elements.
enum Step {
    Attr(String),
    Key(Value),
}

/// Whether `trigger` replaces the instance whose scope is `ctx` (which gives
/// `count.index` and `each.key`), in module instance `module`.
///
/// # Errors
/// An index that does not evaluate to a number or string.
pub(super) fn triggered(
    trigger: &ReplaceTrigger,
    ctx: &EvalContext<'_>,
    module: &[ModuleStep],
    values: &Values,
) -> Result<bool, Diagnostic> {
    let Expression::Traversal(t) = &trigger.expr.expr else {
        // A bare name cannot be a resource (the loader checked), so nothing triggers.
        return Ok(false);
    };
    let Expression::Variable(root) = &t.expr else {
        return Ok(false);
    };
    let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
    let Ok((Subject::Resource(addr), used)) = decode(root.as_str(), &ops, &[]) else {
        return Ok(false);
    };
    let resource = ResourceAddr {
        module: module.to_vec(),
        ..addr
    };
    let mut rest = &ops[used..];
    if rest.is_empty() {
        return Ok(values.is_updated(&resource));
    }
    let key = match rest[0] {
        TraversalOperator::Index(e) => {
            rest = &rest[1..];
            Some(index_key(&eval(e, &trigger.expr.file, ctx)?, e, trigger)?)
        }
        TraversalOperator::LegacyIndex(n) => {
            rest = &rest[1..];
            Some(IndexKey::Int(i64::try_from(*n.value()).unwrap_or(i64::MAX)))
        }
        _ => None,
    };
    let Some(change) = values.trigger_change(&InstanceAddr { resource, key }) else {
        return Ok(false);
    };
    let mut path = Vec::new();
    for op in rest {
        path.push(match op {
            TraversalOperator::GetAttr(name) => Step::Attr(name.as_str().to_string()),
            TraversalOperator::Index(e) => Step::Key(eval(e, &trigger.expr.file, ctx)?),
            TraversalOperator::LegacyIndex(n) => Step::Key(Value::number(*n.value())),
            // A splat selects from every element: compare the instance as a whole.
            _ => break,
        });
    }
    let (before, after) = change.as_ref();
    Ok(follow(before, &path) != follow(after, &path))
}

fn index_key(v: &Value, e: &Expression, trigger: &ReplaceTrigger) -> Result<IndexKey, Diagnostic> {
    match v.unmark() {
        Value::Number(n) if n.to_i64().is_some() => Ok(IndexKey::Int(n.to_i64().unwrap_or(0))),
        Value::String(s) => Ok(IndexKey::Str(s.clone())),
        _ => Err(Diagnostic::error("Invalid replace_triggered_by expression")
            .detail("The index of a resource in replace_triggered_by must be a whole number or a string, such as count.index or each.key.")
            .span(crate::config::span_of(e, &trigger.expr.file))),
    }
}

/// The value at `path` in `v`; `None` where the path leaves the value (a null, a missing
/// attribute), which Terraform compares as "no value".
fn follow<'v>(v: &'v Value, path: &[Step]) -> Option<&'v Value> {
    let mut cur = v;
    for step in path {
        cur = match (cur.unmark(), step) {
            (Value::Object(m) | Value::Map(m), Step::Attr(name)) => m.get(name)?,
            (Value::Object(m) | Value::Map(m), Step::Key(Value::String(k))) => m.get(k)?,
            (Value::List(l) | Value::Tuple(l), Step::Key(Value::Number(n))) => {
                l.get(usize::try_from(n.to_i64()?).ok()?)?
            }
            // An unknown value has unknown attributes: different from any known one.
            (Value::Unknown, _) => return Some(&Value::Unknown),
            _ => return None,
        };
    }
    Some(cur)
}

/// What a change recorded for triggers keeps: the object before and after.
pub(super) type TriggerChange = Arc<(Value, Value)>;
