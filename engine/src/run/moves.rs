//! `moved` blocks: before planning, objects recorded in state at an old address are
//! re-addressed to the new one, so renaming a resource or wrapping it in a module is not a
//! destroy and create. Also the address matching that `removed` blocks use.

use std::collections::BTreeMap;

use crate::addr::{InstanceAddr, ModuleStep};
use crate::config::Module;
use crate::diag::{Diagnostic, Diagnostics};
use crate::state::prior::Prior;

/// One side of a `moved`/`removed` block: a module (instance) or a resource (instance).
#[derive(Debug, Clone, PartialEq)]
enum Endpoint {
    Module(Vec<ModuleStep>),
    Resource(InstanceAddr, bool),
}

fn parse(text: &str) -> Option<Endpoint> {
    // A module path parses as an address once a dummy resource is appended.
    let probe = format!("{text}.x.y");
    if text.starts_with("module.") {
        if let Ok(a) = probe.parse::<InstanceAddr>() {
            if a.key.is_none() && a.resource.ty == "x" && a.resource.name == "y" {
                return Some(Endpoint::Module(a.resource.module));
            }
        }
    }
    let a: InstanceAddr = text.parse().ok()?;
    // `null_resource.a` (no key) names the whole resource; `null_resource.a[0]` one instance.
    let whole = !text.ends_with(']');
    Some(Endpoint::Resource(a, whole))
}

fn with_prefix(prefix: &[ModuleStep], mut e: Endpoint) -> Endpoint {
    match &mut e {
        Endpoint::Module(p) => p.splice(0..0, prefix.iter().cloned()).for_each(drop),
        Endpoint::Resource(a, _) => a
            .resource
            .module
            .splice(0..0, prefix.iter().cloned())
            .for_each(drop),
    }
    e
}

/// Where `addr` goes if `from` matches it.
fn relocate(addr: &InstanceAddr, from: &Endpoint, to: &Endpoint) -> Option<InstanceAddr> {
    match (from, to) {
        (Endpoint::Module(f), Endpoint::Module(t)) => {
            let m = &addr.resource.module;
            if m.len() >= f.len() && m[..f.len()] == f[..] {
                let mut out = addr.clone();
                out.resource.module = t
                    .iter()
                    .cloned()
                    .chain(m[f.len()..].iter().cloned())
                    .collect();
                return Some(out);
            }
            None
        }
        (Endpoint::Resource(f, true), Endpoint::Resource(t, true)) => (addr.resource == f.resource)
            .then(|| InstanceAddr {
                resource: t.resource.clone(),
                key: addr.key.clone(),
            }),
        (Endpoint::Resource(f, _), Endpoint::Resource(t, _)) => (*addr == *f).then(|| t.clone()),
        _ => None,
    }
}

/// Applies every `moved` block (of every module; addresses are relative to the module
/// they are written in) to the prior objects. Returns new address -> old address.
pub(super) fn apply_moves(
    root: &Module,
    prior: &mut BTreeMap<InstanceAddr, Prior>,
) -> (BTreeMap<InstanceAddr, InstanceAddr>, Diagnostics) {
    let mut moved = BTreeMap::new();
    let mut diags = Diagnostics::new();
    for m in root.all() {
        // Moves inside a module apply to its every instance; modules with count/for_each
        // are matched by name at each level.
        let prefix: Vec<ModuleStep> = m
            .path
            .iter()
            .map(|n| ModuleStep {
                name: n.clone(),
                key: None,
            })
            .collect();
        for mv in &m.moved {
            let (Some(from), Some(to)) = (parse(&mv.from), parse(&mv.to)) else {
                diags.push(
                    Diagnostic::error("Invalid moved block")
                        .detail(format!(
                            "Cannot move {:?} to {:?}: both must be resource or module addresses.",
                            mv.from, mv.to
                        ))
                        .span(mv.span.clone()),
                );
                continue;
            };
            if std::mem::discriminant(&from) != std::mem::discriminant(&to) {
                diags.push(Diagnostic::error("Invalid moved block").detail(format!("Cannot move {:?} to {:?}: a module can only move to a module, and a resource to a resource.", mv.from, mv.to)).span(mv.span.clone()));
                continue;
            }
            let (from, to) = (with_prefix(&prefix, from), with_prefix(&prefix, to));
            let hits: Vec<(InstanceAddr, InstanceAddr)> = prior
                .keys()
                .filter(|a| {
                    prefix.is_empty() || strip_keys(&a.resource.module).starts_with(&prefix)
                })
                .filter_map(|a| {
                    let probe = if prefix.is_empty() {
                        a.clone()
                    } else {
                        keyless_prefix(a, prefix.len())
                    };
                    relocate(&probe, &from, &to)
                        .map(|n| (a.clone(), restore_prefix(&n, a, prefix.len())))
                })
                .collect();
            for (old, new) in hits {
                if prior.contains_key(&new) {
                    // Both exist: the move already happened (or the target was created);
                    // leave both, as Terraform does, with a warning.
                    diags.push(Diagnostic::warning("Moved object still exists").detail(format!("This moved block refers to {old}, but there is also an object at {new}; the move was not applied.")).span(mv.span.clone()));
                    continue;
                }
                if let Some(mut p) = prior.remove(&old) {
                    p.as_stored = false;
                    prior.insert(new.clone(), p);
                    moved.insert(new, old);
                }
            }
        }
    }
    (moved, diags)
}

fn strip_keys(m: &[ModuleStep]) -> Vec<ModuleStep> {
    m.iter()
        .map(|s| ModuleStep {
            name: s.name.clone(),
            key: None,
        })
        .collect()
}

/// `addr` with the keys of its first `n` module steps removed (to compare with a module's
/// relative moved block).
fn keyless_prefix(addr: &InstanceAddr, n: usize) -> InstanceAddr {
    let mut out = addr.clone();
    for s in out.resource.module.iter_mut().take(n) {
        s.key = None;
    }
    out
}

/// Puts back the instance keys of `orig`'s first `n` module steps onto `new`.
fn restore_prefix(new: &InstanceAddr, orig: &InstanceAddr, n: usize) -> InstanceAddr {
    let mut out = new.clone();
    for (i, s) in out.resource.module.iter_mut().take(n).enumerate() {
        s.key.clone_from(&orig.resource.module[i].key);
    }
    out
}

/// Whether the removed-block address `from` (relative to the module at `prefix`) selects
/// the object at `addr`.
pub(super) fn removed_selects(from: &str, prefix: &[String], addr: &InstanceAddr) -> bool {
    let Some(e) = parse(from) else { return false };
    let steps: Vec<ModuleStep> = prefix
        .iter()
        .map(|n| ModuleStep {
            name: n.clone(),
            key: None,
        })
        .collect();
    let e = with_prefix(&steps, e);
    let keyless = InstanceAddr {
        resource: crate::addr::ResourceAddr {
            module: strip_keys(&addr.resource.module),
            ..addr.resource.clone()
        },
        key: addr.key.clone(),
    };
    match e {
        Endpoint::Module(p) => keyless.resource.module.starts_with(&p),
        Endpoint::Resource(a, true) => keyless.resource == a.resource,
        Endpoint::Resource(a, false) => keyless == a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ia(s: &str) -> InstanceAddr {
        s.parse().unwrap()
    }

    #[test]
    fn endpoints_relocate_resources_instances_and_modules() {
        let r = |f: &str, t: &str, a: &str| {
            relocate(&ia(a), &parse(f).unwrap(), &parse(t).unwrap()).map(|x| x.to_string())
        };
        assert_eq!(
            r("null_resource.a", "null_resource.b", "null_resource.a[1]").as_deref(),
            Some("null_resource.b[1]")
        );
        assert_eq!(
            r(
                "null_resource.a[0]",
                "null_resource.a[\"x\"]",
                "null_resource.a[0]"
            )
            .as_deref(),
            Some("null_resource.a[\"x\"]")
        );
        assert_eq!(
            r(
                "module.old",
                "module.new",
                "module.old.module.c.null_resource.a"
            )
            .as_deref(),
            Some("module.new.module.c.null_resource.a")
        );
        assert_eq!(
            r(
                "null_resource.a",
                "module.m.null_resource.a",
                "null_resource.a"
            )
            .as_deref(),
            Some("module.m.null_resource.a")
        );
        assert_eq!(
            r("null_resource.a", "null_resource.b", "null_resource.c"),
            None
        );
    }

    #[test]
    fn removed_addresses_select_resources_and_modules() {
        assert!(removed_selects(
            "null_resource.a",
            &[],
            &ia("null_resource.a[2]")
        ));
        assert!(removed_selects(
            "module.m",
            &[],
            &ia("module.m[\"k\"].null_resource.a")
        ));
        assert!(!removed_selects(
            "null_resource.a[1]",
            &[],
            &ia("null_resource.a[2]")
        ));
    }
}
