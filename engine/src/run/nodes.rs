//! Evaluating the non-resource objects of the graph for one module instance: locals,
//! module input variables, module outputs and module calls (count/for_each). Shared by
//! planning and applying, which evaluate the same objects at different times.

use crate::addr::{IndexKey, ModuleStep};
use crate::config::{Expr, Module, Resource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::refs::references;
use crate::lang::{convert, eval, EvalContext, Subject, Type, Value};

use super::scope::{CallExpansion, InstanceScope, Values};
use super::vars;

/// One instance to evaluate: its key and, for `for_each`, its `each.value`.
pub type Expansion = (Option<IndexKey>, Option<Value>);

fn ctx<'a>(scope: &'a InstanceScope<'a>, m: &'a Module) -> EvalContext<'a> {
    EvalContext {
        scope,
        base_dir: &m.dir,
    }
}

/// `count` / `for_each` of a resource or module call into instance keys.
///
/// # Errors
/// Unknown, negative, fractional or wrongly typed values, with the location.
pub fn expand(
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    scope: &InstanceScope<'_>,
    m: &Module,
) -> Result<Vec<Expansion>, Diagnostics> {
    let ectx = ctx(scope, m);
    if let Some(c) = count {
        let v = eval(&c.expr, &c.file, &ectx)?;
        if v.contains_unknown() {
            return Err(Diagnostic::error("Invalid count argument").detail("The \"count\" value depends on resource attributes that cannot be determined until apply, so terrane cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the count value depends on.").span(c.span()).into());
        }
        let n = convert(&v, &Type::Number)
            .ok()
            .and_then(|n| n.as_i64())
            .filter(|n| !v.is_null() && (0..1_000_000_000).contains(n));
        let Some(n) = n else {
            return Err(Diagnostic::error("Invalid count argument").detail(format!("The given \"count\" argument value is unsuitable: must be a whole number greater than or equal to zero (got {v}).")).span(c.span()).into());
        };
        return Ok((0..n).map(|i| (Some(IndexKey::Int(i)), None)).collect());
    }
    if let Some(f) = for_each {
        let v = eval(&f.expr, &f.file, &ectx)?;
        let bad = |detail: String| -> Diagnostics {
            Diagnostic::error("Invalid for_each argument")
                .detail(detail)
                .span(f.span())
                .into()
        };
        if v.is_sensitive() {
            return Err(bad("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.".into()));
        }
        if v.is_unknown() {
            return Err(bad("The \"for_each\" value depends on resource attributes that cannot be determined until apply, so terrane cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the for_each depends on.".into()));
        }
        return match &v {
            Value::Map(m) | Value::Object(m) => {
                if m.keys().any(String::is_empty) {
                    return Err(bad("The \"for_each\" map includes an empty key; every key must be a non-empty string.".into()));
                }
                Ok(m.iter().map(|(k, x)| (Some(IndexKey::Str(k.clone())), Some(x.clone()))).collect())
            }
            Value::Set(items) => {
                let mut out = Vec::new();
                for it in items {
                    match it.unmark() {
                        Value::String(s) => out.push((Some(IndexKey::Str(s.clone())), Some(it.clone()))),
                        Value::Unknown => return Err(bad("The \"for_each\" set includes values derived from resource attributes that cannot be determined until apply, and so terrane cannot determine the full set of keys that will identify the instances of this resource.".into())),
                        other => return Err(bad(format!("The \"for_each\" argument must be a map, or set of strings, and you have provided a set of {}.", other.type_name()))),
                    }
                }
                Ok(out)
            }
            Value::Null => Err(bad("The given \"for_each\" argument value is null. A map, or set of strings is allowed.".into())),
            other => Err(bad(format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", other.type_name()))),
        };
    }
    Ok(vec![(None, None)])
}

/// Evaluates local `name` of module `m` in instance `inst`.
///
/// # Errors
/// The evaluation error.
pub fn eval_local(
    m: &Module,
    inst: &[ModuleStep],
    name: &str,
    values: &Values,
) -> Result<(), Diagnostic> {
    let l = &m.locals[name];
    let scope = InstanceScope::at(values, m, inst);
    let v = eval(&l.value.expr, &l.value.file, &ctx(&scope, m))?;
    values.set_local(inst, name, v);
    Ok(())
}

/// Evaluates output `name` of module `m` in instance `inst`.
///
/// # Errors
/// The evaluation error.
pub fn eval_output(
    m: &Module,
    inst: &[ModuleStep],
    name: &str,
    values: &Values,
) -> Result<Value, Diagnostic> {
    let o = &m.outputs[name];
    let scope = InstanceScope::at(values, m, inst);
    let address = format!("{}output.{name}", crate::graph::path_prefix(&m.path));
    if let Some(d) = check_conditions(&o.preconditions, &scope, m, "precondition", &address)
        .into_iter()
        .next()
    {
        return Err(d);
    }
    let v = eval(&o.value.expr, &o.value.file, &ctx(&scope, m))?;
    typed_output(o, v)
}

/// An output's value converted to its `type` constraint, if it has one.
pub fn typed_output(o: &crate::config::Output, v: Value) -> Result<Value, Diagnostic> {
    match &o.ty {
        Some(ty) => crate::lang::convert(&v, ty).map_err(|why| {
            Diagnostic::error("Invalid output value")
                .detail(format!("The value expression does not match this output value's type constraint: {why}."))
                .span(o.value.span())
        }),
        None => Ok(v),
    }
}

/// Expands module call `name` of module `m` (the caller) in the caller's instance `inst`.
///
/// # Errors
/// Bad count/for_each values.
pub fn eval_call(
    m: &Module,
    inst: &[ModuleStep],
    name: &str,
    values: &Values,
) -> Result<(), Diagnostics> {
    let call = &m.module_calls[name];
    let scope = InstanceScope::at(values, m, inst);
    let keys = expand(call.count.as_ref(), call.for_each.as_ref(), &scope, m)?;
    values.set_call(
        inst,
        name,
        CallExpansion {
            count: call.count.is_some(),
            for_each: call.for_each.is_some(),
            keys,
        },
    );
    Ok(())
}

/// Evaluates input variable `name` of a called module instance `inst` (whose config is
/// `child`) from its call's argument in the caller, with the call's `count.index` /
/// `each` in scope; then converts, defaults and validates it.
///
/// # Errors
/// Evaluation, conversion and validation errors.
pub fn eval_module_var(
    root: &Module,
    child: &Module,
    inst: &[ModuleStep],
    name: &str,
    values: &Values,
) -> Result<(), Diagnostics> {
    let Some((step, parent_inst)) = inst.split_last() else {
        return Ok(());
    };
    let parent_path = &child.path[..child.path.len().saturating_sub(1)];
    let Some(parent) = root.at(parent_path) else {
        return Ok(());
    };
    let call = &parent.module_calls[&step.name];
    let decl = &child.variables[name];
    let each_value = values
        .call(parent_inst, &step.name)
        .and_then(|e| e.keys.into_iter().find(|(k, _)| *k == step.key))
        .and_then(|(_, v)| v);
    let given = match call.inputs.get(name) {
        Some(e) => {
            let scope =
                InstanceScope::at(values, parent, parent_inst).with_key(&step.key, each_value);
            Some((eval(&e.expr, &e.file, &ctx(&scope, parent))?, e.span()))
        }
        None => None,
    };
    let (value, span) = match given {
        Some((v, _)) if v.is_null() && !decl.nullable => (None, None),
        Some((v, s)) => (Some(v), s),
        None => (None, None),
    };
    let value = match value {
        Some(v) => v,
        None => match &decl.default {
            Some(d) => crate::lang::eval_constant(&d.expr, &d.file, &child.dir)?,
            None => Value::Null,
        },
    };
    let converted = convert(&value, &decl.ty).map_err(|why| {
        Diagnostics::from(
            Diagnostic::error("Invalid value for input variable")
                .detail(format!(
                    "The value given for variable {name:?} of module {:?} is not suitable: {why}.",
                    step.name
                ))
                .span(span.or_else(|| call.span.clone())),
        )
    })?;
    let converted = if decl.sensitive && !converted.is_null() {
        converted.sensitive()
    } else {
        converted
    };
    if !converted.contains_unknown() {
        let d = vars::validate(name, &converted, child, &child.dir);
        if d.has_errors() {
            return Err(d);
        }
    }
    values.set_var(inst, name, converted);
    Ok(())
}

/// Resolves a resource's `provider = x.y` (or its default provider) through the
/// `providers = {...}` maps of the module calls above it, to a root provider reference.
pub fn root_provider_ref(
    root: &Module,
    path: &[String],
    own: Option<&crate::config::ProviderRef>,
    default_name: &str,
) -> Option<crate::config::ProviderRef> {
    let mut current = own.cloned().unwrap_or(crate::config::ProviderRef {
        name: default_name.to_string(),
        alias: None,
    });
    let mut depth = path.len();
    while depth > 0 {
        let parent = root.at(&path[..depth - 1])?;
        let call = &parent.module_calls[&path[depth - 1]];
        let key = current
            .alias
            .as_ref()
            .map_or(current.name.clone(), |a| format!("{}.{a}", current.name));
        match call.providers.get(&key) {
            Some(r) => current = r.clone(),
            // Without an explicit mapping a child inherits the parent's default provider.
            None if current.alias.is_none() => {}
            None => return None,
        }
        depth -= 1;
    }
    if own.is_none() && current.alias.is_none() {
        return None;
    }
    Some(current)
}

/// Checks `precondition`/`postcondition` blocks: a condition that is false is an error with
/// the block's message at the condition; an unknown one is checked again at apply.
pub fn check_conditions(
    conditions: &[crate::config::Validation],
    scope: &InstanceScope<'_>,
    m: &Module,
    kind: &str,
    address: &str,
) -> Diagnostics {
    let ectx = ctx(scope, m);
    let mut diags = Diagnostics::new();
    for c in conditions {
        match eval(&c.condition.expr, &c.condition.file, &ectx) {
            Ok(v) if v.contains_unknown() => {}
            Ok(v) => match convert(&v, &Type::Bool).ok().and_then(|b| b.as_bool()) {
                Some(true) => {}
                Some(false) => {
                    let msg = eval(&c.error_message.expr, &c.error_message.file, &ectx)
                        .ok()
                        .and_then(|m| m.as_str().map(str::to_string))
                        .unwrap_or_else(|| "The condition is false.".into());
                    diags.push(
                        Diagnostic::error(format!("Resource {kind} failed"))
                            .detail(format!(
                                "{msg}\n\nThis was checked by the {kind} at {}.",
                                c.condition
                                    .span()
                                    .map(|s| s.to_string())
                                    .unwrap_or_default()
                            ))
                            .span(c.condition.span())
                            .address(address.to_string()),
                    );
                }
                None => diags.push(
                    Diagnostic::error(format!("Invalid {kind} result"))
                        .detail("The condition must produce a bool.")
                        .span(c.condition.span()),
                ),
            },
            Err(d) => diags.push(d),
        }
    }
    diags
}

/// Evaluates the root module's locals that depend only on variables (and other such
/// locals), for what is evaluated before the graph walk: provider blocks
/// (`default_tags { tags = local.tags }`) and import blocks (`for_each = local.x`). The
/// walk evaluates them again, to the same values; errors are left for the walk to report.
pub fn preset_constant_locals(root: &Module, values: &Values) {
    let mut done: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    loop {
        let mut progressed = false;
        for (name, l) in &root.locals {
            if done.contains(name.as_str()) {
                continue;
            }
            let ready = references(&l.value.expr, &l.value.file)
                .iter()
                .all(|r| match &r.subject {
                    Subject::Var(_)
                    | Subject::Path(_)
                    | Subject::TerraformWorkspace
                    | Subject::Bound(_) => true,
                    Subject::Local(n) => done.contains(n.as_str()),
                    _ => false,
                });
            if ready && eval_local(root, &[], name, values).is_ok() {
                done.insert(name);
                progressed = true;
            }
        }
        if !progressed {
            return;
        }
    }
}

/// The value a resource has in expressions: an object, a tuple (count) or an object
/// keyed like the for_each map.
pub(super) fn aggregate(r: &Resource, items: Vec<(Option<IndexKey>, Value)>) -> Value {
    if r.count.is_some() {
        Value::Tuple(items.into_iter().map(|(_, v)| v).collect())
    } else if r.for_each.is_some() {
        Value::Object(
            items
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Some(IndexKey::Str(s)) => Some((s, v)),
                    _ => None,
                })
                .collect(),
        )
    } else {
        items.into_iter().next().map_or(Value::Null, |(_, v)| v)
    }
}

/// Evaluates one instance's configuration.
pub(super) fn instance_config(
    m: &Module,
    r: &Resource,
    schema: &crate::provider::BlockSchema,
    values: &Values,
    inst: &[crate::addr::ModuleStep],
    key: &Option<IndexKey>,
    each_value: Option<Value>,
) -> Result<Value, Diagnostics> {
    let scope = InstanceScope::at(values, m, inst).with_key(key, each_value);
    let ectx = EvalContext {
        scope: &scope,
        base_dir: &m.dir,
    };
    super::values::decode_body(&r.body, schema, &ectx, r.span.clone())
}
