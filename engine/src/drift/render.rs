//! The three drift report formats. Sensitive values never appear in any of them.

use std::fmt::Write as _;

use super::{
    at_path, AttributeDrift, DriftKind, ResourceDrift, WorkspaceReport, REPORT_FORMAT_VERSION,
};
use crate::lang::Value;
use crate::plan::render::{render_object, Style};
use crate::plan::Action;
use crate::state::prior::Schemas;

fn shown(v: &Value) -> String {
    if v.contains_sensitive() {
        "(sensitive value)".into()
    } else if v.is_null() {
        "null".into()
    } else {
        v.to_string()
    }
}

fn action_word(a: Action) -> &'static str {
    match a {
        Action::Create => "create",
        Action::Update => "update in-place",
        Action::Delete => "destroy",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Read => "read",
        Action::NoOp => "no-op",
        Action::Forget => "forget",
    }
}

/// Each drifted object's diff, in the plan's layout.
fn object_diff(d: &ResourceDrift, schemas: &dyn Schemas, style: Style) -> String {
    let o = &d.objects;
    let action = if o.after.is_some() {
        Action::Update
    } else {
        Action::Delete
    };
    render_object(
        &o.addr,
        Some(&o.before),
        o.after.as_ref(),
        action,
        schemas,
        style,
    )
}

/// The human report (`terrane drift`).
pub fn render_human(reports: &[WorkspaceReport], schemas: &dyn Schemas, style: Style) -> String {
    let mut out = String::new();
    for r in reports {
        if reports.len() > 1 {
            let _ = writeln!(out, "Workspace {:?}:", r.workspace);
        }
        if r.drifted.is_empty() && r.config_changes.is_empty() {
            out.push_str(
                "No drift: the real infrastructure matches the state and the configuration.\n\n",
            );
            continue;
        }
        for d in &r.drifted {
            match &d.kind {
                DriftKind::Deleted => {
                    let _ = writeln!(out, "  # {} has been deleted outside terrane", d.address);
                }
                DriftKind::Changed(_) => {
                    let _ = writeln!(out, "  # {} has changed outside terrane", d.address);
                    out.push_str(&object_diff(d, schemas, style));
                    out.push('\n');
                }
            }
        }
        for c in &r.config_changes {
            let _ = writeln!(
                out,
                "  # {} no longer matches the configuration (plan: {})",
                c.address,
                action_word(c.action)
            );
        }
        let _ = writeln!(out, "\nDrift: {} resource(s) changed outside terrane, {} resource(s) differ from the configuration.\n", r.drifted.len(), r.config_changes.len());
    }
    out
}

fn value_json(v: &Value) -> serde_json::Value {
    if v.contains_sensitive() {
        serde_json::Value::Null
    } else {
        v.to_json()
    }
}

fn attr_json(a: &AttributeDrift) -> serde_json::Value {
    let sensitive = a.before.contains_sensitive() || a.after.contains_sensitive();
    serde_json::json!({"path": a.path, "before": value_json(&a.before), "after": value_json(&a.after), "sensitive": sensitive})
}

/// The JSON report, schema version [`REPORT_FORMAT_VERSION`] (documented in docs/DRIFT.md).
pub fn render_json(reports: &[WorkspaceReport]) -> String {
    let workspaces: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let drifted: Vec<serde_json::Value> = r
                .drifted
                .iter()
                .map(|d| match &d.kind {
                    DriftKind::Deleted => serde_json::json!({"address": d.address, "change": "deleted", "attributes": []}),
                    DriftKind::Changed(attrs) => serde_json::json!({"address": d.address, "change": "changed", "attributes": attrs.iter().map(attr_json).collect::<Vec<_>>()}),
                })
                .collect();
            let config: Vec<serde_json::Value> = r.config_changes.iter().map(|c| serde_json::json!({"address": c.address, "actions": c.action.json_actions()})).collect();
            serde_json::json!({"workspace": r.workspace, "in_sync": r.in_sync(), "drifted": drifted, "config_changes": config})
        })
        .collect();
    let doc = serde_json::json!({
        "format_version": REPORT_FORMAT_VERSION,
        "in_sync": reports.iter().all(WorkspaceReport::in_sync),
        "workspaces": workspaces,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The before and after cells of a Markdown row. An element added to or removed from a
/// collection shows the whole collection on both sides (one row per collection), so the
/// reader sees what it held, not `null`.
fn whole_values(d: &ResourceDrift, a: &AttributeDrift) -> (String, String) {
    let element = a.before.is_null() != a.after.is_null();
    let o = &d.objects;
    match (
        element,
        at_path(&o.before, &a.path),
        o.after.as_ref().and_then(|v| at_path(v, &a.path)),
    ) {
        (true, Some(before), Some(after)) => (shown(before), shown(after)),
        _ => (shown(&a.before), shown(&a.after)),
    }
}

/// The Markdown report, for a CI job to post on a pull request or issue: a table of the
/// changed attributes, then each object's diff as the plan shows it.
pub fn render_markdown(reports: &[WorkspaceReport], schemas: &dyn Schemas) -> String {
    let mut out = String::new();
    for r in reports {
        let status = if r.in_sync() {
            "in sync ✅"
        } else {
            "drift detected ⚠️"
        };
        let _ = writeln!(
            out,
            "### terrane drift: workspace `{}` — {status}\n",
            r.workspace
        );
        if r.in_sync() {
            out.push_str("The real infrastructure matches the state and the configuration.\n\n");
            continue;
        }
        if !r.drifted.is_empty() {
            out.push_str(
                "| Resource | Change | Attribute | Before | After |\n|---|---|---|---|---|\n",
            );
            for d in &r.drifted {
                match &d.kind {
                    DriftKind::Deleted => {
                        let _ = writeln!(
                            out,
                            "| `{}` | deleted outside terrane | | | |",
                            md_cell(&d.address)
                        );
                    }
                    DriftKind::Changed(attrs) => {
                        let mut rows: Vec<(String, String)> = Vec::new();
                        for a in attrs {
                            let row = whole_values(d, a);
                            if !rows.contains(&row) {
                                let _ = writeln!(
                                    out,
                                    "| `{}` | changed | `{}` | `{}` | `{}` |",
                                    md_cell(&d.address),
                                    md_cell(&a.path),
                                    md_cell(&row.0),
                                    md_cell(&row.1)
                                );
                                rows.push(row);
                            }
                        }
                    }
                }
            }
            out.push('\n');
            let diffs: String = r
                .drifted
                .iter()
                .filter(|d| matches!(d.kind, DriftKind::Changed(_)))
                .map(|d| object_diff(d, schemas, Style { color: false }))
                .collect::<Vec<_>>()
                .join("\n");
            if !diffs.is_empty() {
                let _ = writeln!(
                    out,
                    "<details><summary>Changes outside terrane</summary>\n\n```diff\n{diffs}```\n\n</details>\n"
                );
            }
        }
        if !r.config_changes.is_empty() {
            out.push_str("Resources whose configuration no longer matches state:\n\n");
            for c in &r.config_changes {
                let _ = writeln!(
                    out,
                    "- `{}` (plan: {})",
                    md_cell(&c.address),
                    action_word(c.action)
                );
            }
            out.push('\n');
        }
    }
    out
}
