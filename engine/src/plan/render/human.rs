//! A [`Diff`] tree as text, in Terraform's layout: four spaces per level, a two-column
//! action symbol before each line, unchanged children counted in a `# (N unchanged ...
//! hidden)` line, `-> null` after deleted values and `# forces replacement` after the
//! values that force one.

use std::fmt::Write as _;

use super::diff::{Block, BlockGroup, Change, Diff, Kind, Sensitivity};
use super::Style;
use crate::lang::Value;
use crate::plan::Action;
use crate::provider::Nesting;

/// Options passed down the tree. `force_replace` and `forbid_replace` apply to one level
/// only: [`Opts::child`] clears them.
#[derive(Clone, Copy, Default)]
pub(super) struct Opts {
    pub override_null_suffix: bool,
    pub force_replace: bool,
    pub forbid_replace: bool,
    pub show_unchanged: bool,
}

impl Opts {
    fn child(self) -> Opts {
        Opts {
            force_replace: false,
            forbid_replace: false,
            ..self
        }
    }
}

/// The three-column marker Terraform prints for an action (`  +`, `-/+`, ` <=`).
pub(super) fn action_symbol(action: Action, st: Style) -> String {
    let (text, code) = match action {
        Action::Create => ("  +", "32"),
        Action::Delete => ("  -", "31"),
        Action::Update => ("  ~", "33"),
        Action::Read => (" <=", "36"),
        Action::DeleteThenCreate => {
            return format!("{}/{}", st.paint("31", "-"), st.paint("32", "+"));
        }
        Action::CreateThenDelete => {
            return format!("{}/{}", st.paint("32", "+"), st.paint("31", "-"));
        }
        Action::Forget => (" .", "31"),
        Action::NoOp => return "   ".into(),
    };
    let pad = &text[..text.len() - text.trim_start().len()];
    format!("{pad}{}", st.paint(code, text.trim_start()))
}

fn sym(action: Action, st: Style) -> String {
    format!("{} ", action_symbol(action, st))
}

fn indent(n: usize) -> String {
    "    ".repeat(n)
}

fn null_suffix(action: Action, opts: Opts, st: Style) -> String {
    if !opts.override_null_suffix && action == Action::Delete {
        format!(" {}", st.paint("90", "-> null"))
    } else {
        String::new()
    }
}

fn forces(replace: bool, opts: Opts, st: Style) -> String {
    if (replace || opts.force_replace) && !opts.forbid_replace {
        format!(" {}", st.paint("31", "# forces replacement"))
    } else {
        String::new()
    }
}

fn unchanged(what: &str, n: usize, st: Style) -> String {
    let s = if n == 1 { "" } else { "s" };
    st.paint("90", &format!("# ({n} unchanged {what}{s} hidden)"))
}

/// `# (N unchanged elements hidden)` on its own line, when anything was hidden.
fn hidden_line(out: &mut String, ind: usize, what: &str, n: usize, st: Style) {
    if n > 0 {
        let _ = writeln!(
            out,
            "{}{}{}",
            indent(ind + 1),
            sym(Action::NoOp, st),
            unchanged(what, n, st)
        );
    }
}

/// The closing bracket of a collection or object, with its `-> null` when it goes away.
fn closing(out: &mut String, ind: usize, bracket: char, d: &Diff, o: Opts, st: Style) {
    let _ = write!(
        out,
        "{}{}{bracket}{}",
        indent(ind),
        sym(Action::NoOp, st),
        null_suffix(d.action, o, st)
    );
}

fn arrow(st: Style) -> String {
    st.paint("33", "->")
}

/// An attribute or object key as HCL would accept it: quoted unless an identifier.
pub(super) fn attribute_name(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ident {
        name.to_string()
    } else {
        quote(name)
    }
}

fn quote(s: &str) -> String {
    crate::lang::value::quote(s)
}

/// Attributes shown even when unchanged: they say which object this is.
fn important(name: &str) -> bool {
    matches!(name, "id" | "name" | "tags")
}

pub(super) fn render(d: &Diff, ind: usize, opts: Opts, st: Style) -> String {
    match &d.kind {
        Kind::Primitive { before, after } => primitive(d, before, after, ind, opts, st),
        Kind::List { elements, context } => list(d, elements, *context, ind, opts, st),
        Kind::Set { elements } => set(d, elements, ind, opts, st),
        Kind::Map { elements } => map(d, elements, ind, opts, st),
        Kind::Object { attributes } => object(d, attributes, ind, opts, st),
        Kind::Block(b) => block(d, b, ind, opts, st),
        Kind::Unknown { before } => match before {
            Some(b) if d.action != Action::Create => {
                let before_opts = Opts {
                    override_null_suffix: true,
                    forbid_replace: d.replace,
                    ..opts.child()
                };
                format!(
                    "{} {} (known after apply){}",
                    render(b, ind, before_opts, st),
                    arrow(st),
                    forces(d.replace, opts, st)
                )
            }
            _ => format!("(known after apply){}", forces(d.replace, opts, st)),
        },
        Kind::Sensitive(_) => format!(
            "(sensitive value){}{}",
            null_suffix(d.action, opts, st),
            forces(d.replace, opts, st)
        ),
        Kind::WriteOnly => format!(
            "(write-only attribute){}{}",
            null_suffix(d.action, opts, st),
            forces(d.replace, opts, st)
        ),
        Kind::SensitiveBlock(_) => {
            let prefix = format!("{}{}", indent(ind), sym(Action::NoOp, st));
            format!(
                "{{{}\n{prefix}  # At least one attribute in this block is (or was) sensitive,\n{prefix}  # so its contents will not be displayed.\n{prefix}}}",
                forces(d.replace, opts, st)
            )
        }
        Kind::TypeChange { before, after } => {
            let o = Opts {
                override_null_suffix: true,
                ..opts
            };
            format!(
                "{} {} {}",
                render(before, ind, o, st),
                arrow(st),
                render(after, ind, o, st)
            )
        }
    }
}

/// Lines to print before a value: a sensitive mark that appears or disappears.
pub(super) fn warnings(d: &Diff, ind: usize, st: Style) -> Vec<String> {
    let (s, what, attr) = match &d.kind {
        Kind::Sensitive(s) => (s, "attribute value", true),
        Kind::SensitiveBlock(s) => (s, "block", false),
        _ => return Vec::new(),
    };
    let Sensitivity {
        before,
        after,
        inner,
    } = *s;
    if before == after || matches!(inner, Action::Create | Action::Delete) {
        return Vec::new();
    }
    let warning = st.paint("33", "Warning");
    let text = if before {
        format!(
            "  # {warning}: this {what} will no longer be marked as sensitive\n{}  # after applying this change.",
            indent(ind)
        )
    } else {
        format!(
            "  # {warning}: this {what} will be marked as sensitive and will not\n{}  # display in UI output after applying this change.",
            indent(ind)
        )
    };
    if attr && inner == Action::NoOp {
        vec![format!("{text} The value is unchanged.")]
    } else {
        vec![text]
    }
}

fn write_warnings(out: &mut String, d: &Diff, ind: usize, st: Style) {
    for w in warnings(d, ind + 1, st) {
        let _ = writeln!(out, "{}{w}", indent(ind + 1));
    }
}

pub(super) fn scalar(v: &Value, st: Style) -> String {
    match v.unmark() {
        Value::Null => st.paint("90", "null"),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Unknown => "(known after apply)".into(),
        other => other.to_string(),
    }
}

/// What a string is shown as: JSON (as `jsonencode(...)`), several lines (a heredoc) or
/// one quoted line.
enum Text {
    Null,
    Json(Value),
    Lines(String),
    Line(String),
}

fn text(v: &Value) -> Text {
    match v.unmark() {
        Value::String(s) => {
            if s.starts_with('{') || s.starts_with('[') {
                if let Ok(j) = serde_json::from_str::<serde_json::Value>(s) {
                    return Text::Json(Value::from_json(&j));
                }
            }
            if s.contains('\n') {
                Text::Lines(s.trim().to_string())
            } else {
                Text::Line(s.clone())
            }
        }
        _ => Text::Null,
    }
}

fn primitive(d: &Diff, before: &Value, after: &Value, ind: usize, o: Opts, st: Style) -> String {
    let is_string = |v: &Value| matches!(v.unmark(), Value::String(_));
    if is_string(before) || is_string(after) {
        return string(d, before, after, ind, o, st);
    }
    let r = forces(d.replace, o, st);
    match d.action {
        Action::Create => format!("{}{r}", scalar(after, st)),
        Action::Delete => format!("{}{}{r}", scalar(before, st), null_suffix(d.action, o, st)),
        Action::NoOp => format!("{}{r}", scalar(before, st)),
        _ => format!(
            "{} {} {}{r}",
            scalar(before, st),
            arrow(st),
            scalar(after, st)
        ),
    }
}

fn string(d: &Diff, before: &Value, after: &Value, ind: usize, o: Opts, st: Style) -> String {
    let r = forces(d.replace, o, st);
    let line_prefix = |a: Action| format!("{}{}", indent(ind + 1), sym(a, st));
    let heredoc = |lines: Vec<String>| {
        format!(
            "<<-EOT{r}\n{}\n{}{}EOT{}",
            lines.join("\n"),
            indent(ind),
            sym(Action::NoOp, st),
            null_suffix(d.action, o, st)
        )
    };
    let simple = |t: &Text| match t {
        Text::Null => st.paint("90", "null"),
        Text::Line(s) | Text::Lines(s) => quote(s),
        Text::Json(_) => String::new(),
    };
    match d.action {
        Action::Create | Action::NoOp => match text(after) {
            Text::Json(j) => {
                let before = (d.action == Action::NoOp).then_some(j.clone());
                json_string(d, before, Some(j), ind, o, st)
            }
            Text::Lines(s) => heredoc(
                s.lines()
                    .map(|l| format!("{}{l}", line_prefix(Action::NoOp)))
                    .collect(),
            ),
            t => format!("{}{r}", simple(&t)),
        },
        Action::Delete => match text(before) {
            Text::Null => format!("{}{r}", simple(&Text::Null)),
            Text::Json(j) => json_string(d, Some(j), None, ind, o, st),
            Text::Lines(s) => heredoc(
                s.lines()
                    .map(|l| format!("{}{l}", line_prefix(Action::NoOp)))
                    .collect(),
            ),
            t => format!("{}{}{r}", simple(&t), null_suffix(d.action, o, st)),
        },
        _ => match (text(before), text(after)) {
            (Text::Json(b), Text::Json(a)) => json_string(d, Some(b), Some(a), ind, o, st),
            (Text::Json(_), _) | (_, Text::Json(_)) => {
                let side = |v: &Value, action| Diff {
                    kind: Kind::Primitive {
                        before: if action == Action::Delete {
                            v.clone()
                        } else {
                            Value::Null
                        },
                        after: if action == Action::Create {
                            v.clone()
                        } else {
                            Value::Null
                        },
                    },
                    action,
                    replace: false,
                };
                let change = Diff {
                    kind: Kind::TypeChange {
                        before: Box::new(side(before, Action::Delete)),
                        after: Box::new(side(after, Action::Create)),
                    },
                    action: d.action,
                    replace: d.replace,
                };
                render(&change, ind, o, st)
            }
            (bt @ (Text::Line(_) | Text::Null), at @ (Text::Line(_) | Text::Null)) => {
                format!("{} {} {}{r}", simple(&bt), arrow(st), simple(&at))
            }
            (bt, at) => {
                let lines_of = |t: &Text| match t {
                    Text::Lines(s) | Text::Line(s) => s
                        .split('\n')
                        .map(|l| Value::String(l.to_string()))
                        .collect(),
                    _ => Vec::new(),
                };
                let (bl, al): (Vec<Value>, Vec<Value>) = (lines_of(&bt), lines_of(&at));
                let line = |v: &Value| match v {
                    Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                let mut lines = Vec::new();
                for (bi, ai) in super::diff::slice_pairs(&bl, &al) {
                    match (bl.get(bi), al.get(ai)) {
                        (None, Some(a)) => {
                            lines.push(format!("{}{}", line_prefix(Action::Create), line(a)));
                        }
                        (Some(b), None) => {
                            lines.push(format!("{}{}", line_prefix(Action::Delete), line(b)));
                        }
                        (Some(b), Some(a)) if b != a => {
                            lines.push(format!("{}{}", line_prefix(Action::Delete), line(b)));
                            lines.push(format!("{}{}", line_prefix(Action::Create), line(a)));
                        }
                        (Some(b), _) => {
                            lines.push(format!("{}{}", line_prefix(Action::NoOp), line(b)));
                        }
                        (None, None) => {}
                    }
                }
                heredoc(lines)
            }
        },
    }
}

/// A string holding JSON: `jsonencode(...)` with the JSON diffed as a dynamic value.
fn json_string(
    d: &Diff,
    before: Option<Value>,
    after: Option<Value>,
    ind: usize,
    o: Opts,
    st: Style,
) -> String {
    let json = super::diff::output(&Change::new(before, after), false);
    let mut json_opts = Opts {
        override_null_suffix: true,
        ..o.child()
    };
    let mut action = d.action;
    let (mut whitespace, mut replace) = (String::new(), String::new());
    if json.action == Action::NoOp && d.action == Action::Update {
        // Only the layout of the JSON changed: say so, or the diff would show nothing.
        whitespace = if d.replace {
            " # whitespace changes force replacement".into()
        } else {
            " # whitespace changes".into()
        };
        json_opts.show_unchanged = true;
        action = Action::NoOp;
    } else {
        replace = forces(d.replace, o, st);
    }
    let inner = render(&json, ind + 1, json_opts, st);
    if matches!(d.action, Action::Create | Action::Delete) {
        action = Action::NoOp;
    }
    if inner.contains('\n') {
        format!(
            "jsonencode({whitespace}\n{}{}{inner}{replace}\n{}{}){}",
            indent(ind + 1),
            sym(action, st),
            indent(ind),
            sym(Action::NoOp, st),
            null_suffix(d.action, o, st)
        )
    } else {
        format!("jsonencode({inner}){whitespace}{replace}")
    }
}

fn list(d: &Diff, elements: &[Diff], context: bool, ind: usize, o: Opts, st: Style) -> String {
    if elements.is_empty() {
        return format!(
            "[]{}{}",
            null_suffix(d.action, o, st),
            forces(d.replace, o, st)
        );
    }
    let element_opts = Opts {
        override_null_suffix: true,
        ..o.child()
    };
    let unchanged_opts = Opts {
        show_unchanged: true,
        ..o.child()
    };
    let mut out = format!("[{}\n", forces(d.replace, o, st));
    let mut skipped: Vec<&Diff> = Vec::new();
    // The element after a change is shown too, so the reader sees where it happened.
    let mut show_next = false;
    for e in elements {
        if e.action == Action::NoOp && !show_next && !o.show_unchanged {
            skipped.push(e);
            continue;
        }
        show_next = false;
        let mut eo = element_opts;
        if context {
            hidden_line(
                &mut out,
                ind,
                "element",
                skipped.len().saturating_sub(1),
                st,
            );
            if let Some(last) = skipped.last() {
                let _ = writeln!(
                    out,
                    "{}{}{},",
                    indent(ind + 1),
                    sym(last.action, st),
                    render(last, ind + 1, unchanged_opts, st)
                );
            }
            skipped.clear();
            if e.action == Action::NoOp {
                eo = unchanged_opts;
            } else {
                show_next = true;
            }
        }
        write_warnings(&mut out, e, ind, st);
        let _ = writeln!(
            out,
            "{}{}{},",
            indent(ind + 1),
            sym(e.action, st),
            render(e, ind + 1, eo, st)
        );
    }
    hidden_line(&mut out, ind, "element", skipped.len(), st);
    closing(&mut out, ind, ']', d, o, st);
    out
}

fn set(d: &Diff, elements: &[Diff], ind: usize, o: Opts, st: Style) -> String {
    if elements.is_empty() {
        return format!(
            "[]{}{}",
            null_suffix(d.action, o, st),
            forces(d.replace, o, st)
        );
    }
    let element_opts = Opts {
        override_null_suffix: true,
        ..o.child()
    };
    let mut out = format!("[{}\n", forces(d.replace, o, st));
    let mut hidden = 0;
    for e in elements {
        if e.action == Action::NoOp && !o.show_unchanged {
            hidden += 1;
            continue;
        }
        write_warnings(&mut out, e, ind, st);
        let _ = writeln!(
            out,
            "{}{}{},",
            indent(ind + 1),
            sym(e.action, st),
            render(e, ind + 1, element_opts, st)
        );
    }
    hidden_line(&mut out, ind, "element", hidden, st);
    closing(&mut out, ind, ']', d, o, st);
    out
}

fn map(
    d: &Diff,
    elements: &std::collections::BTreeMap<String, Diff>,
    ind: usize,
    o: Opts,
    st: Style,
) -> String {
    if elements.is_empty() {
        return format!(
            "{{}}{}{}",
            null_suffix(d.action, o, st),
            forces(d.replace, o, st)
        );
    }
    let width = elements.keys().map(|k| quote(k).len()).max().unwrap_or(0);
    let element_opts = Opts {
        override_null_suffix: d.action == Action::Delete,
        ..o.child()
    };
    let mut out = format!("{{{}\n", forces(d.replace, o, st));
    let mut hidden = 0;
    for (k, e) in elements {
        if e.action == Action::NoOp && !o.show_unchanged {
            hidden += 1;
            continue;
        }
        write_warnings(&mut out, e, ind, st);
        let comma = if matches!(e.kind, Kind::Object { .. }) {
            ","
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}{}{:<width$} = {}{comma}",
            indent(ind + 1),
            sym(e.action, st),
            quote(k),
            render(e, ind + 1, element_opts, st)
        );
    }
    hidden_line(&mut out, ind, "element", hidden, st);
    closing(&mut out, ind, '}', d, o, st);
    out
}

fn object(
    d: &Diff,
    attributes: &std::collections::BTreeMap<String, Diff>,
    ind: usize,
    o: Opts,
    st: Style,
) -> String {
    if attributes.is_empty() {
        return format!(
            "{{}}{}{}",
            null_suffix(d.action, o, st),
            forces(d.replace, o, st)
        );
    }
    let attribute_opts = Opts {
        override_null_suffix: true,
        ..o.child()
    };
    let mut out = format!("{{{}\n", forces(d.replace, o, st));
    let hidden = attribute_lines(&mut out, attributes, ind, o, attribute_opts, st);
    hidden_line(&mut out, ind, "attribute", hidden, st);
    closing(&mut out, ind, '}', d, o, st);
    out
}

/// `name = value` lines of an object or block, aligned; returns how many were hidden.
fn attribute_lines(
    out: &mut String,
    attributes: &std::collections::BTreeMap<String, Diff>,
    ind: usize,
    o: Opts,
    attribute_opts: Opts,
    st: Style,
) -> usize {
    let width = attributes
        .keys()
        .map(|k| attribute_name(k).len())
        .max()
        .unwrap_or(0);
    let mut hidden = 0;
    for (k, a) in attributes {
        let opts = if important(k) {
            Opts {
                show_unchanged: true,
                ..attribute_opts
            }
        } else if a.action == Action::NoOp && !o.show_unchanged {
            hidden += 1;
            continue;
        } else {
            attribute_opts
        };
        write_warnings(out, a, ind, st);
        let _ = writeln!(
            out,
            "{}{}{:<width$} = {}",
            indent(ind + 1),
            sym(a.action, st),
            attribute_name(k),
            render(a, ind + 1, opts, st)
        );
    }
    hidden
}

fn block(d: &Diff, b: &Block, ind: usize, o: Opts, st: Style) -> String {
    if b.attributes.is_empty() && b.blocks.is_empty() {
        return format!("{{}}{}", forces(d.replace, o, st));
    }
    let mut out = format!("{{{}\n", forces(d.replace, o, st));
    let hidden = attribute_lines(&mut out, &b.attributes, ind, o, o.child(), st);
    hidden_line(&mut out, ind, "attribute", hidden, st);
    let mut hidden_blocks = 0;
    for (name, group) in &b.blocks {
        // A blank line between the attributes and each group of blocks.
        let mut separated = false;
        let mut one = |key: Option<&str>, diff: &Diff| {
            let diff = sensitive_group(diff, group);
            if diff.action == Action::NoOp && !o.show_unchanged {
                hidden_blocks += 1;
                return;
            }
            if !separated && !b.attributes.is_empty() {
                out.push('\n');
                separated = true;
            }
            let block_opts = Opts {
                force_replace: group.replace,
                ..o.child()
            };
            write_warnings(&mut out, &diff, ind, st);
            let label = key.map(|k| format!(" {k:?}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{}{}{}{label} {}",
                indent(ind + 1),
                sym(diff.action, st),
                attribute_name(name),
                render(&diff, ind + 1, block_opts, st)
            );
        };
        if group.unknown && !matches!(group.nesting, Nesting::Single | Nesting::Group) {
            one(
                None,
                &Diff {
                    kind: Kind::Unknown { before: None },
                    action: d.action,
                    replace: false,
                },
            );
        }
        for (key, diff) in &group.diffs {
            one(key.as_deref(), diff);
        }
    }
    if hidden_blocks > 0 {
        out.push('\n');
        hidden_line(&mut out, ind, "block", hidden_blocks, st);
    }
    let _ = write!(out, "{}{}}}", indent(ind), sym(Action::NoOp, st));
    out
}

/// A block of a group that is sensitive as a whole is shown as a sensitive block.
fn sensitive_group(diff: &Diff, group: &BlockGroup) -> Diff {
    let (bs, as_) = (group.before_sensitive, group.after_sensitive);
    let hide = match diff.action {
        Action::Create => as_,
        Action::Delete => bs,
        Action::Update | Action::NoOp => bs || as_,
        _ => false,
    };
    if !hide {
        return diff.clone();
    }
    let action = if diff.action == Action::NoOp && bs != as_ {
        Action::Update
    } else {
        diff.action
    };
    Diff {
        kind: Kind::SensitiveBlock(Sensitivity {
            before: bs,
            after: as_,
            inner: diff.action,
        }),
        action,
        replace: diff.replace,
    }
}
