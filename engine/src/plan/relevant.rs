//! A plan's `relevant_attributes`, as Terraform computes them: the resource attributes
//! that may have contributed to its changes. Starting from what every changing resource
//! and output refers to, references are followed through locals, input variables (into
//! the calling module's arguments), module outputs and other resources' arguments; each
//! resource reference met on the way is one entry, its path cut where the resource's
//! schema stops (a primitive, a set, a dynamic value). Renderers use the list to tell
//! the drift that matters to the plan from the rest.

use std::collections::BTreeSet;

use serde_json::{json, Value as J};

use super::{Action, Drift, Plan};
use crate::addr::{Mode, ResourceAddr};
use crate::config::{Expr, Module, Resource, SrcBody};
use crate::lang::refs::{references, Reference, Step, Subject};
use crate::lang::Type;
use crate::lang::Value;
use crate::provider::{BlockSchema, Nesting};
use crate::run::Providers;

/// A module instance: call names from the root, each with its instance key as written
/// (`["a"]`, `[0]`).
type ModulePath = Vec<(String, Option<String>)>;

/// A reference made in the module instance `module`.
struct Found {
    module: ModulePath,
    reference: Reference,
}

fn names(path: &[(String, Option<String>)]) -> Vec<String> {
    path.iter().map(|(n, _)| n.clone()).collect()
}

/// The drift a plan shows, as Terraform 1.15 shows it outside refresh-only mode: each
/// drifted object with only the changes to its attributes in `relevant` (the others as
/// they were), and no object none of whose relevant attributes changed. A deleted object
/// is shown when anything of it is relevant.
pub fn relevant_drift(drift: &[Drift], relevant: &[J]) -> Vec<Drift> {
    drift
        .iter()
        .filter_map(|d| {
            let addr = d.addr.to_string();
            let paths: Vec<&[J]> = relevant
                .iter()
                .filter(|r| {
                    r["resource"]
                        .as_str()
                        .is_none_or(|a| a.is_empty() || a == addr)
                })
                .filter_map(|r| r["attribute"].as_array().map(Vec::as_slice))
                .collect();
            if paths.is_empty() {
                return None;
            }
            let Some(after) = &d.after else {
                return Some(d.clone());
            };
            let after = only_relevant(&d.before, after, &paths);
            (after != d.before).then(|| Drift {
                addr: d.addr.clone(),
                before: d.before.clone(),
                after: Some(after),
            })
        })
        .collect()
}

/// `after`, where no path in `paths` (relative to it) reaches, put back to `before`.
fn only_relevant(before: &Value, after: &Value, paths: &[&[J]]) -> Value {
    if paths.iter().any(|p| p.is_empty()) {
        return after.clone();
    }
    let below = |step: &dyn Fn(&J) -> bool| -> Vec<&[J]> {
        paths
            .iter()
            .filter(|p| step(&p[0]))
            .map(|p| &p[1..])
            .collect()
    };
    match (before, after) {
        (Value::Object(b), Value::Object(a)) | (Value::Map(b), Value::Map(a)) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            let mut out = std::collections::BTreeMap::new();
            for k in keys {
                let sub = below(&|s| s.as_str() == Some(k));
                let kept = match (b.get(k), a.get(k)) {
                    (old, _) if sub.is_empty() => old.cloned(),
                    (old, Some(new)) => Some(only_relevant(old.unwrap_or(&Value::Null), new, &sub)),
                    (_, None) => None,
                };
                if let Some(v) = kept {
                    out.insert(k.clone(), v);
                }
            }
            match after {
                Value::Map(_) => Value::Map(out),
                _ => Value::Object(out),
            }
        }
        (Value::List(b), Value::List(a)) | (Value::Tuple(b), Value::Tuple(a))
            if a.len() == b.len() =>
        {
            let items = a.iter().zip(b).enumerate().map(|(i, (new, old))| {
                let sub = below(&|s| s.as_u64() == Some(i as u64));
                if sub.is_empty() {
                    old.clone()
                } else {
                    only_relevant(old, new, &sub)
                }
            });
            match after {
                Value::List(_) => Value::List(items.collect()),
                _ => Value::Tuple(items.collect()),
            }
        }
        // A path into a set, a changed length or a marked value: the whole value counts.
        _ => after.clone(),
    }
}

/// `relevant_attributes` of `plan` made from the configuration `root`.
pub fn relevant_attributes(plan: &Plan, root: &Module, providers: &Providers) -> Vec<J> {
    let resources: Vec<&ResourceAddr> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| &c.addr.resource)
        .collect();
    let outputs: Vec<&str> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != Action::NoOp)
        .map(|(k, _)| k.as_str())
        .collect();
    from_changes(&resources, &outputs, root, providers)
}

/// `relevant_attributes` of a plan whose changing resources and root outputs are these.
/// The outputs of a module instance whose resources change are taken to change too
/// (terrane's plans record only the root's outputs).
pub fn from_changes(
    resources: &[&ResourceAddr],
    outputs: &[&str],
    root: &Module,
    providers: &Providers,
) -> Vec<J> {
    let mut pending: Vec<Found> = Vec::new();
    let mut changing_modules: BTreeSet<ModulePath> = BTreeSet::new();
    for addr in resources {
        let path: ModulePath = addr
            .module
            .iter()
            .map(|s| (s.name.clone(), s.key.as_ref().map(ToString::to_string)))
            .collect();
        let Some(m) = module_at(root, &names(&path)) else {
            continue;
        };
        let Some(r) = resource_in(m, addr.mode, &addr.ty, &addr.name) else {
            continue;
        };
        let mut exprs = body_expressions(&r.body);
        exprs.extend(r.count.iter().chain(&r.for_each).cloned());
        pending.extend(refs_in(&exprs, &path));
        changing_modules.insert(path);
    }
    for path in changing_modules.into_iter().filter(|p| !p.is_empty()) {
        if let Some(m) = module_at(root, &names(&path)) {
            let values: Vec<Expr> = m.outputs.values().map(|o| o.value.clone()).collect();
            pending.extend(refs_in(&values, &path));
        }
    }
    for name in outputs {
        if let Some(out) = root.outputs.get(*name) {
            pending.extend(refs_in(std::slice::from_ref(&out.value), &[]));
        }
    }
    let mut visited: BTreeSet<(ModulePath, String)> = BTreeSet::new();
    let mut found: BTreeSet<Relevant> = BTreeSet::new();
    while let Some(f) = pending.pop() {
        let key = (f.module.clone(), f.reference.terraform_strings().join(" "));
        if !visited.insert(key) {
            continue;
        }
        let Some(m) = module_at(root, &names(&f.module)) else {
            continue;
        };
        match &f.reference.subject {
            Subject::Resource(a) if matches!(a.mode, Mode::Managed | Mode::Data) => {
                let Some(r) = resource_in(m, a.mode, &a.ty, &a.name) else {
                    continue;
                };
                let Some(schema) = providers.schema(a.mode, &a.ty) else {
                    continue;
                };
                found.insert(Relevant {
                    module: f.module.clone(),
                    managed: a.mode == Mode::Managed,
                    resource: f.reference.subject_text(),
                    path: walk_block(&schema.block, f.reference.path()),
                });
                let exprs = contributing(&r.body, f.reference.path());
                pending.extend(refs_in(&exprs, &f.module));
            }
            Subject::Local(name) => {
                if let Some(l) = m.locals.get(name) {
                    pending.extend(refs_in(std::slice::from_ref(&l.value), &f.module));
                }
            }
            Subject::Var(name) => {
                // The calling module's argument for it (the root's come from outside).
                if let Some(((call, _), parent)) = f.module.split_last() {
                    let input = module_at(root, &names(parent))
                        .and_then(|p| p.module_calls.get(call))
                        .and_then(|c| c.inputs.get(name));
                    if let Some(e) = input {
                        pending.extend(refs_in(std::slice::from_ref(e), parent));
                    }
                }
            }
            Subject::Module(call) => {
                let Some(child) = m.children.get(call) else {
                    continue;
                };
                // `module.x["k"].out`: the instance the reference names.
                let key = match f.reference.steps.get(1) {
                    Some(s @ (Step::Number(_) | Step::Key(_))) => Some(s.text()),
                    _ => None,
                };
                let mut path = f.module.clone();
                path.push((call.clone(), key));
                let outputs: Vec<Expr> = match &f.reference.module_output {
                    Some(o) => child
                        .outputs
                        .get(o)
                        .map(|o| o.value.clone())
                        .into_iter()
                        .collect(),
                    None => child.outputs.values().map(|o| o.value.clone()).collect(),
                };
                pending.extend(refs_in(&outputs, &path));
            }
            _ => {}
        }
    }
    found.iter().map(Relevant::json).collect()
}

/// One resource attribute, ordered by module instance, data sources first, then
/// resource (instance) address and path.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Relevant {
    module: ModulePath,
    managed: bool,
    /// As the reference names it, with its instance key (`null_resource.a[0]`).
    resource: String,
    path: Vec<PathStep>,
}

impl Relevant {
    fn json(&self) -> J {
        let prefix: String = self
            .module
            .iter()
            .map(|(n, k)| format!("module.{n}{}.", k.as_deref().unwrap_or_default()))
            .collect();
        json!({
            "resource": format!("{prefix}{}", self.resource),
            "attribute": self.path.iter().map(PathStep::json).collect::<Vec<_>>(),
        })
    }
}

fn module_at<'a>(root: &'a Module, path: &[String]) -> Option<&'a Module> {
    path.iter().try_fold(root, |m, name| m.children.get(name))
}

fn resource_in<'a>(m: &'a Module, mode: Mode, ty: &str, name: &str) -> Option<&'a Resource> {
    m.resources
        .values()
        .map(|r| &**r)
        .find(|r| r.addr.mode == mode && r.addr.ty == ty && r.addr.name == name)
}

fn refs_in(exprs: &[Expr], module: &[(String, Option<String>)]) -> Vec<Found> {
    exprs
        .iter()
        .flat_map(|e| references(&e.expr, &e.file))
        .map(|reference| Found {
            module: module.to_vec(),
            reference,
        })
        .collect()
}

/// Every expression in `body`, nested blocks included.
fn body_expressions(body: &SrcBody) -> Vec<Expr> {
    use hcl_edit::structure::Structure;
    let mut out = Vec::new();
    for s in body.body.iter() {
        match s {
            Structure::Attribute(a) => out.push(Expr {
                expr: a.value.clone(),
                file: body.file.clone(),
            }),
            Structure::Block(b) => out.extend(body_expressions(&SrcBody {
                body: b.body.clone(),
                file: body.file.clone(),
            })),
        }
    }
    out
}

/// The expressions of a resource's arguments that can make the part of its value `path`
/// names: the argument it starts with (or the nested blocks of that name), every
/// argument when it names none.
fn contributing(body: &SrcBody, path: &[Step]) -> Vec<Expr> {
    use hcl_edit::structure::Structure;
    let Some(Step::Attr(first)) = path.first() else {
        return body_expressions(body);
    };
    let mut out = Vec::new();
    for s in body.body.iter() {
        match s {
            Structure::Attribute(a) if a.key.as_str() == first => out.push(Expr {
                expr: a.value.clone(),
                file: body.file.clone(),
            }),
            Structure::Block(b) if b.ident.as_str() == first => {
                out.extend(body_expressions(&SrcBody {
                    body: b.body.clone(),
                    file: body.file.clone(),
                }));
            }
            _ => {}
        }
    }
    out
}

/// One step of an attribute path as the plan JSON writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PathStep {
    Name(String),
    Index(u64),
}

impl PathStep {
    fn json(&self) -> J {
        match self {
            PathStep::Name(n) => json!(n),
            PathStep::Index(i) => json!(i),
        }
    }
}

fn as_name(s: &Step) -> Option<PathStep> {
    match s {
        Step::Attr(n) | Step::Key(n) => Some(PathStep::Name(n.clone())),
        Step::Number(_) => None,
    }
}

fn as_index(s: &Step) -> Option<PathStep> {
    match s {
        Step::Number(n) => n.parse().ok().map(PathStep::Index),
        Step::Attr(n) | Step::Key(n) => n.parse().ok().map(PathStep::Index),
    }
}

/// `steps` cut to what the block's schema lets a reference reach.
fn walk_block(block: &BlockSchema, steps: &[Step]) -> Vec<PathStep> {
    let Some(PathStep::Name(name)) = steps.first().and_then(as_name) else {
        return Vec::new();
    };
    let rest = &steps[1..];
    let mut out = vec![PathStep::Name(name.clone())];
    if let Some(a) = block.attributes.get(&name) {
        out.extend(walk_type(&a.ty, rest));
    } else if let Some(nested) = block.blocks.get(&name) {
        let inner = match nested.nesting {
            Nesting::Single | Nesting::Group => walk_block(&nested.block, rest),
            Nesting::List => match rest.first().and_then(as_index) {
                Some(i) => std::iter::once(i)
                    .chain(walk_block(&nested.block, &rest[1..]))
                    .collect(),
                None => Vec::new(),
            },
            Nesting::Map => match rest.first().and_then(as_name) {
                Some(k) => std::iter::once(k)
                    .chain(walk_block(&nested.block, &rest[1..]))
                    .collect(),
                None => Vec::new(),
            },
            Nesting::Set => Vec::new(),
        };
        out.extend(inner);
    } else {
        return Vec::new();
    }
    out
}

fn walk_type(ty: &Type, steps: &[Step]) -> Vec<PathStep> {
    let Some(first) = steps.first() else {
        return Vec::new();
    };
    let (step, inner) = match ty {
        Type::List(e) => (as_index(first), Some(&**e)),
        Type::Map(e) => (as_name(first), Some(&**e)),
        Type::Object(attrs) => match as_name(first) {
            Some(PathStep::Name(n)) => match attrs.get(&n) {
                Some(a) => (Some(PathStep::Name(n)), Some(&a.ty)),
                None => (None, None),
            },
            _ => (None, None),
        },
        Type::Tuple(elems) => match as_index(first) {
            Some(PathStep::Index(i)) => {
                let elem = usize::try_from(i).ok().and_then(|i| elems.get(i));
                (elem.map(|_| PathStep::Index(i)), elem)
            }
            _ => (None, None),
        },
        // Primitives, sets and dynamic values cannot be traversed into.
        Type::Any | Type::Bool | Type::Number | Type::String | Type::Set(_) => (None, None),
    };
    match (step, inner) {
        (Some(s), Some(t)) => std::iter::once(s)
            .chain(walk_type(t, &steps[1..]))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(before: Value, after: Option<Value>) -> Drift {
        Drift {
            addr: "aws_vpc.main".parse().expect("an address"),
            before,
            after,
        }
    }

    fn vpc(dns: bool, name: &str, owner: &str) -> Value {
        Value::object([
            ("enable_dns_hostnames", Value::Bool(dns)),
            (
                "tags",
                Value::Map(
                    [("Name", name), ("Owner", owner)]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), Value::string(v)))
                        .collect(),
                ),
            ),
        ])
    }

    fn relevant(resource: &str, path: J) -> J {
        json!({"resource": resource, "attribute": path})
    }

    #[test]
    fn drift_nothing_refers_to_is_not_shown() {
        let d = drift(vpc(true, "a", "x"), Some(vpc(false, "a", "x")));
        assert!(relevant_drift(std::slice::from_ref(&d), &[]).is_empty());
        let elsewhere = relevant("aws_subnet.a", json!(["id"]));
        assert!(relevant_drift(&[d], &[elsewhere]).is_empty());
    }

    #[test]
    fn only_the_changes_to_relevant_attributes_are_shown() {
        let d = drift(vpc(true, "a", "x"), Some(vpc(false, "b", "y")));
        let shown = relevant_drift(&[d], &[relevant("aws_vpc.main", json!(["tags", "Name"]))]);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].after, Some(vpc(true, "b", "x")));

        let d = drift(vpc(true, "a", "x"), Some(vpc(false, "a", "y")));
        let unchanged_name = relevant("aws_vpc.main", json!(["tags", "Name"]));
        assert!(relevant_drift(&[d], &[unchanged_name]).is_empty());
    }

    #[test]
    fn a_deleted_object_is_shown_when_anything_of_it_is_relevant() {
        let d = drift(vpc(true, "a", "x"), None);
        let id = relevant("aws_vpc.main", json!(["id"]));
        assert_eq!(relevant_drift(std::slice::from_ref(&d), &[id]), vec![d]);
    }
}
