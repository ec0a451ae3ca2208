//! Drift reports: what changed in the real world since state was written (from a refresh)
//! and which resources' configuration no longer matches state (from a plan), filtered by
//! `ignore_changes` and an ignore file, rendered for people, machines (versioned JSON) and
//! pull requests (Markdown).

mod ignore;
mod render;

use std::collections::BTreeMap;

pub use ignore::IgnoreRules;
pub use render::{render_human, render_json, render_markdown};

use crate::config::{IgnoreChanges, Module};
use crate::lang::eval::values_equal;
use crate::lang::Value;
use crate::plan::{Action, Drift, Plan};

/// The version of the JSON report schema (docs/DRIFT.md).
pub const REPORT_FORMAT_VERSION: &str = "1.0";

/// One attribute that differs, by dotted path (`tags.Name`, `ingress.0.from_port`).
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDrift {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DriftKind {
    /// The object was changed outside terrane.
    Changed(Vec<AttributeDrift>),
    /// The object was deleted outside terrane.
    Deleted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDrift {
    pub address: String,
    pub kind: DriftKind,
    /// The object as state has it, and as it is now with the ignored changes left out
    /// (`None` when deleted): what the report's diff shows.
    pub objects: Drift,
}

/// A resource whose configuration no longer matches state (what `plan` would change).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChange {
    pub address: String,
    pub action: Action,
}

/// The drift of one workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceReport {
    pub workspace: String,
    pub drifted: Vec<ResourceDrift>,
    pub config_changes: Vec<ConfigChange>,
}

impl WorkspaceReport {
    pub fn in_sync(&self) -> bool {
        self.drifted.is_empty() && self.config_changes.is_empty()
    }
}

/// Builds the report of one workspace from a (normal, refreshing) plan.
pub fn report(
    workspace: &str,
    plan: &Plan,
    module: &Module,
    rules: &IgnoreRules,
) -> WorkspaceReport {
    let mut drifted = Vec::new();
    for d in &plan.drift {
        let address = d.addr.to_string();
        // The resource block may live in a module: find it by its module path.
        let path: Vec<String> = d
            .addr
            .resource
            .module
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let rel = crate::addr::ResourceAddr {
            module: Vec::new(),
            ..d.addr.resource.clone()
        };
        let ignore = module
            .at(&path)
            .and_then(|m| m.resources.get(&rel))
            .map(|r| &r.lifecycle.ignore_changes);
        let mut ignored_attrs = match ignore {
            Some(IgnoreChanges::All) => continue,
            Some(IgnoreChanges::Attributes(a)) => a.clone(),
            _ => Vec::new(),
        };
        // `tags_all` is computed from `tags` (plus provider default tags): ignoring changes
        // to `tags` means not alerting on the same change seen through `tags_all`.
        if ignored_attrs.iter().any(|a| a == "tags") {
            ignored_attrs.push("tags_all".to_string());
        }
        match &d.after {
            None => {
                if !rules.ignores(&address, None) {
                    drifted.push(ResourceDrift {
                        address,
                        kind: DriftKind::Deleted,
                        objects: d.clone(),
                    });
                }
            }
            Some(after) => {
                let mut attrs = Vec::new();
                diff_paths("", &d.before, after, &mut attrs);
                let (attrs, ignored): (Vec<_>, Vec<_>) = attrs.into_iter().partition(|a| {
                    let top = a.path.split('.').next().unwrap_or_default();
                    !ignored_attrs.iter().any(|i| i == top)
                        && !rules.ignores(&address, Some(&a.path))
                });
                if !attrs.is_empty() {
                    // The diff shows only what is reported: ignored paths keep their
                    // value from state.
                    let mut shown = after.clone();
                    for a in &ignored {
                        let before = at_path(&d.before, &a.path).cloned().unwrap_or_default();
                        set_path(&mut shown, &a.path, before);
                    }
                    drifted.push(ResourceDrift {
                        address,
                        kind: DriftKind::Changed(attrs),
                        objects: Drift {
                            after: Some(shown),
                            ..d.clone()
                        },
                    });
                }
            }
        }
    }
    // Objects deleted outside terrane show up in the plan as creates; they are reported
    // above as drift, not again as configuration changes.
    let deleted: Vec<&str> = drifted
        .iter()
        .filter(|d| d.kind == DriftKind::Deleted)
        .map(|d| d.address.as_str())
        .collect();
    let config_changes = plan
        .changes
        .iter()
        .filter(|c| !matches!(c.action, Action::NoOp | Action::Read))
        .filter(|c| !only_ignored_attributes(c, rules))
        .map(|c| ConfigChange {
            address: c.addr.to_string(),
            action: c.action,
        })
        .filter(|c| !deleted.contains(&c.address.as_str()))
        .filter(|c| !rules.ignores(&c.address, None))
        .collect();
    WorkspaceReport {
        workspace: workspace.to_string(),
        drifted,
        config_changes,
    }
}

/// Whether `c` is an in-place update that changes only attributes the ignore rules hide
/// (typically reverting drift the rules ignore, like a tag written by a scanner): such a
/// change is noise too. Replacements are always reported.
fn only_ignored_attributes(c: &crate::plan::ResourceChange, rules: &IgnoreRules) -> bool {
    let (Action::Update, Some(before), Some(after)) = (c.action, &c.before, &c.after) else {
        return false;
    };
    let address = c.addr.to_string();
    let mut paths = Vec::new();
    diff_paths("", before, after, &mut paths);
    !paths.is_empty() && paths.iter().all(|p| rules.ignores(&address, Some(&p.path)))
}

/// Collects the leaf paths where `a` and `b` differ. Maps and objects recurse by key, lists
/// by index when their lengths match; sets (and lists that grew or shrank) report each
/// element removed (`after` null) or added (`before` null), so one rule opened by hand in
/// a security group of twenty is one line, not two copies of the whole set; anything else
/// is compared whole.
fn diff_paths(prefix: &str, a: &Value, b: &Value, out: &mut Vec<AttributeDrift>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match (a, b) {
        (Value::Sensitive(_), _) | (_, Value::Sensitive(_)) => {
            if !values_equal(&a.unmark_deep().0, &b.unmark_deep().0) {
                out.push(AttributeDrift {
                    path: prefix.to_string(),
                    before: a.clone(),
                    after: b.clone(),
                });
            }
        }
        (Value::Map(x) | Value::Object(x), Value::Map(y) | Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                diff_paths(&join(k), va, vb, out);
            }
        }
        (Value::List(x) | Value::Tuple(x), Value::List(y) | Value::Tuple(y))
            if x.len() == y.len() =>
        {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff_paths(&join(&i.to_string()), va, vb, out);
            }
        }
        (
            Value::Set(x) | Value::List(x) | Value::Tuple(x),
            Value::Set(y) | Value::List(y) | Value::Tuple(y),
        ) if !x.is_empty() && !y.is_empty() => {
            let missing_from = |from: &[Value], other: &[Value]| -> Vec<Value> {
                from.iter()
                    .filter(|e| !other.iter().any(|o| values_equal(e, o)))
                    .cloned()
                    .collect()
            };
            for removed in missing_from(x, y) {
                out.push(AttributeDrift {
                    path: prefix.to_string(),
                    before: removed,
                    after: Value::Null,
                });
            }
            for added in missing_from(y, x) {
                out.push(AttributeDrift {
                    path: prefix.to_string(),
                    before: Value::Null,
                    after: added,
                });
            }
        }
        _ => {
            if !values_equal(a, b) {
                out.push(AttributeDrift {
                    path: prefix.to_string(),
                    before: a.clone(),
                    after: b.clone(),
                });
            }
        }
    }
}

/// The value at a dotted path (`tags.Name`, `ingress.0.from_port`), if there is one.
pub fn at_path<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |v, step| match v.unmark() {
        Value::Map(m) | Value::Object(m) => m.get(step),
        Value::List(items) | Value::Tuple(items) => items.get(step.parse::<usize>().ok()?),
        _ => None,
    })
}

/// Replaces the value at a dotted path; a path that does not lead anywhere (or leads into
/// a sensitive value, which is compared whole) is left alone.
fn set_path(v: &mut Value, path: &str, new: Value) {
    let mut cur = v;
    for step in path.split('.') {
        let next = match cur {
            Value::Map(m) | Value::Object(m) => m.get_mut(step),
            Value::List(items) | Value::Tuple(items) => {
                step.parse::<usize>().ok().and_then(|i| items.get_mut(i))
            }
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    *cur = new;
}

/// The exit code of a drift run over these reports: 0 in sync, 2 drift.
pub fn exit_code(reports: &[WorkspaceReport]) -> u8 {
    if reports.iter().all(WorkspaceReport::in_sync) {
        0
    } else {
        2
    }
}

/// Counts for summaries: (drifted resources, config changes).
pub fn totals(reports: &[WorkspaceReport]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    m.insert("drifted", reports.iter().map(|r| r.drifted.len()).sum());
    m.insert(
        "config_changes",
        reports.iter().map(|r| r.config_changes.len()).sum(),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_changes_are_reported_per_element() {
        let rule = |port: f64| Value::object([("from_port", Value::number(port))]);
        let a = Value::object([("ingress", Value::Set(vec![rule(443.0), rule(80.0)]))]);
        let b = Value::object([("ingress", Value::Set(vec![rule(80.0), rule(5432.0)]))]);
        let mut out = Vec::new();
        diff_paths("", &a, &b, &mut out);
        assert_eq!(
            out,
            vec![
                AttributeDrift {
                    path: "ingress".into(),
                    before: rule(443.0),
                    after: Value::Null,
                },
                AttributeDrift {
                    path: "ingress".into(),
                    before: Value::Null,
                    after: rule(5432.0),
                },
            ]
        );
        // The same elements in another order are no drift.
        let c = Value::object([("ingress", Value::Set(vec![rule(80.0), rule(443.0)]))]);
        let mut out = Vec::new();
        diff_paths("", &a, &c, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn nested_paths_are_reported_at_the_leaf() {
        let a = Value::object([(
            "tags",
            Value::Map(
                [
                    ("Name".to_string(), Value::string("a")),
                    ("Team".to_string(), Value::string("x")),
                ]
                .into(),
            ),
        )]);
        let b = Value::object([(
            "tags",
            Value::Map(
                [
                    ("Name".to_string(), Value::string("b")),
                    ("Team".to_string(), Value::string("x")),
                ]
                .into(),
            ),
        )]);
        let mut out = Vec::new();
        diff_paths("", &a, &b, &mut out);
        assert_eq!(
            out,
            vec![AttributeDrift {
                path: "tags.Name".into(),
                before: Value::string("a"),
                after: Value::string("b")
            }]
        );
    }
}
