//! The human plan, in Terraform's layout: a header per resource instance, `+ ~ - -/+`
//! markers, `(known after apply)`, `(sensitive value)` and the summary line.

use std::fmt::Write as _;

use super::{Action, Drift, Plan, PlanMode, Reason, ResourceChange};
use crate::addr::Mode;
use crate::lang::eval::values_equal;
use crate::lang::value::format_number;
use crate::lang::Value;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn sym(self, sym: &str) -> String {
        let code = match sym.trim() {
            "+" => "32",
            "-" => "31",
            "~" => "33",
            "-/+" | "+/-" => "33",
            "<=" => "36",
            _ => return sym.to_string(),
        };
        self.paint(code, sym)
    }

    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// Renders the whole plan as `terrane plan` prints it.
pub fn render_plan(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    if !plan.drift.is_empty() {
        out.push_str(&render_drift(&plan.drift, style));
    }
    if plan.mode == PlanMode::RefreshOnly {
        if plan.drift.is_empty() {
            out.push_str(&format!("\n{}\n\nterrane has checked that the real remote objects still match the result of your\nmost recent changes, and found no differences.\n", style.bold("No changes. Your infrastructure still matches the configuration.")));
        } else {
            out.push_str("\nThis is a refresh-only plan, so terrane will not take any actions to undo these.\nIf you were expecting these changes then you can apply this plan to record the\nupdated values in the terrane state without changing any remote objects.\n");
        }
        return out;
    }
    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| {
            !matches!(c.action, Action::NoOp) || c.moved_from.is_some() || c.importing.is_some()
        })
        .collect();
    let output_changes = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != Action::NoOp)
        .count();
    if changes.is_empty() && output_changes == 0 {
        out.push_str(&format!(
            "\n{}\n\nterrane has compared your real infrastructure against your configuration and\nfound no differences, so no changes are needed.\n",
            style.bold("No changes. Your infrastructure matches the configuration.")
        ));
        return out;
    }
    if !changes.is_empty() {
        out.push_str("\nterrane used the selected providers to generate the following execution\nplan. Resource actions are indicated with the following symbols:\n");
        let mut used: Vec<Action> = changes
            .iter()
            .map(|c| c.action)
            .filter(|a| *a != Action::NoOp)
            .collect();
        used.sort();
        used.dedup();
        for a in used {
            let label = match a {
                Action::Forget => "forget (remove from state, keep the object)",
                Action::Create => "create",
                Action::Update => "update in-place",
                Action::Delete => "destroy",
                Action::DeleteThenCreate => "destroy and then create replacement",
                Action::CreateThenDelete => "create replacement and then destroy",
                Action::Read => "read (data resources)",
                Action::NoOp => continue,
            };
            let _ = writeln!(out, "{} {label}", style.sym(&format!("{:>3}", a.symbol())));
        }
        out.push_str("\nterrane will perform the following actions:\n");
        for c in &changes {
            out.push('\n');
            out.push_str(&render_change(c, style));
        }
        let (add, change, destroy) = plan.counts();
        let (imports, forgets) = plan.import_forget_counts();
        let _ = write!(
            out,
            "\n{} {}{add} to add, {change} to change, {destroy} to destroy{}.\n",
            style.bold("Plan:"),
            if imports > 0 {
                format!("{imports} to import, ")
            } else {
                String::new()
            },
            if forgets > 0 {
                format!(", {forgets} to forget")
            } else {
                String::new()
            },
        );
    }
    if output_changes > 0 {
        out.push_str("\nChanges to Outputs:\n");
        // Terraform aligns the names of all outputs, changed or not.
        let width = plan.outputs.keys().map(String::len).max().unwrap_or(0);
        for (name, o) in &plan.outputs {
            if o.action == Action::NoOp {
                continue;
            }
            let show = |v: &Option<Value>| {
                v.as_ref().map(|v| {
                    if o.sensitive {
                        Value::Sensitive(Box::new(v.clone()))
                    } else {
                        v.clone()
                    }
                })
            };
            let mut line = String::new();
            attr_lines(
                &mut line,
                2,
                name,
                width,
                show(&o.before).as_ref(),
                show(&o.after).as_ref(),
                false,
                style,
            );
            out.push_str(&line);
        }
        if changes.is_empty() {
            out.push_str("\nYou can apply this plan to save these new output values to the terrane\nstate, without changing any real infrastructure.\n");
        }
    }
    out
}

/// "Objects have changed outside of terrane" section.
pub fn render_drift(drift: &[Drift], style: Style) -> String {
    let mut out = String::from("\nNote: Objects have changed outside of terrane\n\nterrane detected the following changes made outside of terrane since the\nlast \"terrane apply\" which may have affected this plan:\n");
    for d in drift {
        let (ty, name) = (&d.addr.resource.ty, &d.addr.resource.name);
        out.push('\n');
        match &d.after {
            None => {
                let _ = writeln!(
                    out,
                    "  # {} has been deleted",
                    style.bold(&d.addr.to_string())
                );
                let _ = writeln!(out, "  {} resource {ty:?} {name:?} {{", style.sym("-"));
                body_lines(&mut out, Some(&d.before), None, &[], Action::Delete, style);
                out.push_str("    }\n");
            }
            Some(after) => {
                let _ = writeln!(out, "  # {} has changed", style.bold(&d.addr.to_string()));
                let _ = writeln!(out, "  {} resource {ty:?} {name:?} {{", style.sym("~"));
                body_lines(
                    &mut out,
                    Some(&d.before),
                    Some(after),
                    &[],
                    Action::Update,
                    style,
                );
                out.push_str("    }\n");
            }
        }
    }
    out
}

fn header(c: &ResourceChange) -> String {
    let a = &c.addr;
    let what = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in-place".to_string(),
        Action::Delete => "will be destroyed".to_string(),
        Action::DeleteThenCreate | Action::CreateThenDelete => {
            if matches!(c.reason, Some(Reason::ReplaceByRequest)) {
                "will be replaced, as requested".to_string()
            } else if matches!(c.reason, Some(Reason::ReplaceBecauseTainted)) {
                "is tainted, so must be replaced".to_string()
            } else if matches!(c.reason, Some(Reason::ReplaceByTriggers)) {
                "will be replaced due to changes in replace_triggered_by".to_string()
            } else {
                "must be replaced".to_string()
            }
        }
        Action::Read => "will be read during apply".to_string(),
        Action::Forget => "will no longer be managed by terrane".to_string(),
        Action::NoOp => match (&c.moved_from, &c.importing) {
            (Some(_), _) => format!("has moved to {a}"),
            (None, Some(_)) => "will be imported".to_string(),
            _ => "is unchanged".to_string(),
        },
    };
    let what = match (&c.moved_from, &c.importing, c.action) {
        (Some(_), _, Action::NoOp) => what,
        (Some(from), _, _) => format!("(moved from {from}) {what}"),
        (None, Some(_), Action::NoOp) => what,
        (None, Some(_), _) => format!(
            "will be imported and {}",
            what.trim_start_matches("will be ")
        ),
        _ => what,
    };
    let mut h = match (&c.deposed, &c.moved_from, c.action) {
        (Some(d), _, _) => format!("  # {a} (deposed object {d}) {what}\n"),
        // Terraform names the old address first: "# a has moved to b".
        (None, Some(from), Action::NoOp) => format!("  # {from} {what}\n"),
        _ => format!("  # {a} {what}\n"),
    };
    let reason = match &c.reason {
        Some(Reason::DeleteNoResourceConfig) => {
            Some(format!("because {} is not in configuration", a))
        }
        Some(Reason::DeleteCountIndex) => Some(format!(
            "because index {} is out of range for count",
            a.key.as_ref().map(ToString::to_string).unwrap_or_default()
        )),
        Some(Reason::DeleteEachKey) => Some(format!(
            "because key {} is not in for_each map",
            a.key.as_ref().map(ToString::to_string).unwrap_or_default()
        )),
        Some(Reason::DeletedOutside) => {
            Some("(the object was deleted outside terrane)".to_string())
        }
        _ => None,
    };
    if let Some(r) = reason {
        if r.starts_with('(') {
            let _ = writeln!(h, "  # {r}");
        } else {
            let _ = writeln!(h, "  # ({r})");
        }
    }
    h
}

/// Renders one resource instance change.
pub fn render_change(c: &ResourceChange, style: Style) -> String {
    let mut out = String::new();
    let h = header(c);
    let first_line_end = h.find('\n').unwrap_or(h.len());
    let addr_text = c.addr.to_string();
    out.push_str(&h[..first_line_end].replacen(&addr_text, &style.bold(&addr_text), 1));
    out.push_str(&h[first_line_end..]);
    let kind = if c.addr.resource.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    let key = c
        .addr
        .key
        .as_ref()
        .map(|_| String::new())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {kind} {:?} {:?} {{{key}",
        style.sym(&format!("{:>3}", c.action.symbol())),
        c.addr.resource.ty,
        c.addr.resource.name
    );
    let forces: Vec<String> = match &c.reason {
        Some(Reason::ReplaceBecauseAttributes(a)) => a.clone(),
        _ => Vec::new(),
    };
    body_lines(
        &mut out,
        c.before.as_ref(),
        c.after.as_ref(),
        &forces,
        c.action,
        style,
    );
    out.push_str("    }\n");
    out
}

fn body_lines(
    out: &mut String,
    before: Option<&Value>,
    after: Option<&Value>,
    forces: &[String],
    action: Action,
    style: Style,
) {
    let empty = std::collections::BTreeMap::new();
    let bmap = before.and_then(Value::as_map).unwrap_or(&empty);
    let amap = after.and_then(Value::as_map).unwrap_or(&empty);
    let mut names: Vec<&String> = bmap.keys().chain(amap.keys()).collect();
    names.sort();
    names.dedup();
    let mut shown = Vec::new();
    let mut hidden = 0;
    for name in names {
        let b = if before.is_some() {
            bmap.get(name).filter(|v| !v.is_null())
        } else {
            None
        };
        let a = if after.is_some() {
            amap.get(name).filter(|v| !v.is_null())
        } else {
            None
        };
        if b.is_none() && a.is_none() {
            continue;
        }
        let unchanged = matches!((b, a), (Some(x), Some(y)) if x == y);
        if unchanged && action != Action::Delete && name != "id" && name != "name" {
            hidden += 1;
            continue;
        }
        shown.push((name, b, a));
    }
    let width = shown.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
    for (name, b, a) in shown {
        let (b, a) = if action == Action::Delete {
            (b, None)
        } else {
            (b, a)
        };
        attr_lines(out, 6, name, width, b, a, forces.contains(name), style);
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "        # ({hidden} unchanged attribute{} hidden)",
            if hidden == 1 { "" } else { "s" }
        );
    }
}

/// One attribute: `      + name = value`, possibly spanning lines for collections.
#[allow(clippy::too_many_arguments)]
fn attr_lines(
    out: &mut String,
    indent: usize,
    name: &str,
    width: usize,
    before: Option<&Value>,
    after: Option<&Value>,
    forces: bool,
    style: Style,
) {
    let pad = " ".repeat(indent);
    let key = format!("{name:<width$}");
    let force = if forces {
        style.paint("31", " # forces replacement")
    } else {
        String::new()
    };
    match (before, after) {
        (None, None) => {}
        (None, Some(a)) => {
            let _ = writeln!(
                out,
                "{pad}{} {key} = {}{force}",
                style.sym("+"),
                value(a, indent + 4, "+", style)
            );
        }
        (Some(b), None) => {
            let _ = writeln!(
                out,
                "{pad}{} {key} = {} -> null{force}",
                style.sym("-"),
                value(b, indent + 4, "-", style)
            );
        }
        (Some(b), Some(a)) if b == a => {
            let _ = writeln!(out, "{pad}  {key} = {}", value(a, indent + 4, " ", style));
        }
        (Some(b), Some(a)) => {
            if let (Some(bm), Some(am)) = (plain_map(b), plain_map(a)) {
                let _ = writeln!(out, "{pad}{} {key} = {{{force}", style.sym("~"));
                let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
                keys.sort();
                keys.dedup();
                let w = keys.iter().map(|k| map_key(k, a).len()).max().unwrap_or(0);
                let mut unchanged = 0;
                for k in keys {
                    let (bv, av) = (
                        bm.get(k).filter(|v| !v.is_null()),
                        am.get(k).filter(|v| !v.is_null()),
                    );
                    if bv.is_some() && bv == av {
                        unchanged += 1;
                        continue;
                    }
                    attr_lines(out, indent + 4, &map_key(k, a), w, bv, av, false, style);
                }
                if unchanged > 0 {
                    let _ = writeln!(
                        out,
                        "{pad}    # ({unchanged} unchanged element{} hidden)",
                        if unchanged == 1 { "" } else { "s" }
                    );
                }
                let _ = writeln!(out, "{pad}  }}");
            } else {
                let _ = writeln!(
                    out,
                    "{pad}{} {key} = {} -> {}{force}",
                    style.sym("~"),
                    value(b, indent + 4, "-", style),
                    value(a, indent + 4, "+", style)
                );
            }
        }
    }
}

/// A known, unmarked map or object: rendered as a nested diff rather than before -> after.
fn plain_map(v: &Value) -> Option<&std::collections::BTreeMap<String, Value>> {
    match v {
        Value::Map(m) | Value::Object(m) => Some(m),
        _ => None,
    }
}

fn map_key(k: &str, container: &Value) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if matches!(container, Value::Object(_)) && ident {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// A value; collections open a block whose elements carry `sym`.
fn value(v: &Value, indent: usize, sym: &str, style: Style) -> String {
    let pad = " ".repeat(indent);
    match v {
        Value::Unknown => "(known after apply)".into(),
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::String(s) => crate::lang::value::quote(s),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            if items.is_empty() {
                return "[]".into();
            }
            let mut s = String::from("[\n");
            for it in items {
                let _ = writeln!(
                    s,
                    "{pad}{} {},",
                    style.sym(sym),
                    value(it, indent + 4, sym, style)
                );
            }
            let _ = write!(s, "{}]", " ".repeat(indent - 2));
            s
        }
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                return "{}".into();
            }
            let w = m.keys().map(|k| map_key(k, v).len()).max().unwrap_or(0);
            let mut s = String::from("{\n");
            for (k, it) in m {
                if it.is_null() && sym != " " {
                    continue;
                }
                let _ = writeln!(
                    s,
                    "{pad}{} {:<w$} = {}",
                    style.sym(sym),
                    map_key(k, v),
                    value(it, indent + 4, sym, style)
                );
            }
            let _ = write!(s, "{}}}", " ".repeat(indent - 2));
            s
        }
    }
}

/// Whether two values differ in a way the plan should show (used by callers deciding
/// between NoOp and Update).
pub fn differs(a: &Value, b: &Value) -> bool {
    a.contains_unknown()
        || b.contains_unknown()
        || !values_equal(a, b)
        || a.contains_sensitive() != b.contains_sensitive()
}
