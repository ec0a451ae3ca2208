//! The human plan, in Terraform's layout: the drift section, the action legend, a diff
//! per resource instance (`diff.rs` computes it from the values and the schema,
//! `human.rs` prints it), the summary line and the changes to outputs. `plan`, `apply`,
//! `show PLANFILE`, `plan -markdown` and `drift` all print changes through here.

mod diff;
mod human;

use std::fmt::Write as _;

use super::{Action, Drift, Plan, PlanMode, Reason, ResourceChange};
use crate::addr::{InstanceAddr, Mode};
use crate::lang::Value;
use crate::provider::ResourceSchema;
use crate::state::prior::Schemas;

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

    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// For rendering without provider schemas: every attribute is read as a dynamic value.
pub struct NoSchemas;

impl Schemas for NoSchemas {
    fn schema(&self, _mode: Mode, _ty: &str) -> Option<&ResourceSchema> {
        None
    }
}

/// Terraform's horizontal rule, as printed between the sections of a plan.
pub const RULE: &str =
    "─────────────────────────────────────────────────────────────────────────────";

/// Renders the whole plan as `terrane plan` prints it.
pub fn render_plan(plan: &Plan, schemas: &dyn Schemas, style: Style) -> String {
    let mut out = String::new();
    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.moved_from.is_some() || c.importing.is_some())
        // A data source leaving the configuration is not worth a line.
        .filter(|c| !(c.action == Action::Delete && c.addr.resource.mode == Mode::Data))
        .collect();
    let outputs = output_lines(plan, style);
    // Drift is only news when the plan does something (or is about the drift itself).
    let nothing_planned = changes
        .iter()
        .all(|c| c.action == Action::NoOp && c.moved_from.is_none())
        && outputs.is_empty();
    // As Terraform: a refresh-only plan shows all drift, any other plan only the changes
    // to attributes its changes may depend on.
    let drift = match plan.mode {
        PlanMode::RefreshOnly => std::borrow::Cow::Borrowed(plan.drift.as_slice()),
        _ => super::relevant::relevant_drift(&plan.drift, &plan.relevant_attributes).into(),
    };
    let have_drift = (plan.mode == PlanMode::RefreshOnly || !nothing_planned) && !drift.is_empty();
    if have_drift {
        out.push_str(&render_drift(&drift, schemas, style));
        out.push_str(if plan.mode == PlanMode::RefreshOnly {
            "\n\nThis is a refresh-only plan, so terrane will not take any actions to undo\nthese. If you were expecting these changes then you can apply this plan to\nrecord the updated values in the terrane state without changing any remote\nobjects.\n"
        } else {
            "\n\nUnless you have made equivalent changes to your configuration, or ignored the\nrelevant attributes using ignore_changes, the following plan may include\nactions to undo or respond to these changes.\n"
        });
    }
    let rule = format!("\n{}\n", style.paint("90", RULE));
    if changes.is_empty() && outputs.is_empty() {
        match plan.mode {
            PlanMode::RefreshOnly => {
                if have_drift {
                    return out;
                }
                let _ = write!(out, "\n{}\n\nterrane has checked that the real remote objects still match the result of your\nmost recent changes, and found no differences.\n", style.bold("No changes. Your infrastructure still matches the configuration."));
            }
            PlanMode::Destroy => {
                if have_drift {
                    out.push_str(&rule);
                }
                let _ = write!(out, "\n{}\n\nEither you have not created any objects yet or the existing objects were\nalready deleted outside of terrane.\n", style.bold("No changes. No objects need to be destroyed."));
            }
            PlanMode::Normal => {
                if have_drift {
                    out.push_str(&rule);
                }
                let _ = write!(
                    out,
                    "\n{}\n\n",
                    style.bold("No changes. Your infrastructure matches the configuration.")
                );
                if have_drift {
                    out.push_str("Your configuration already matches the changes detected above, so applying\nthis plan will only update the state to include the changes detected above and\nwon't change any real infrastructure.\n");
                    return out;
                }
                out.push_str("terrane has compared your real infrastructure against your configuration and\nfound no differences, so no changes are needed.\n");
            }
        }
    }
    if have_drift {
        out.push_str(&rule);
    }
    let mut used: Vec<Action> = changes.iter().map(|c| c.action).collect();
    used.sort_by_key(|a| legend_rank(*a));
    used.dedup();
    used.retain(|a| legend_rank(*a) < LEGEND_HIDDEN);
    if !used.is_empty() {
        out.push_str("\nterrane used the selected providers to generate the following execution\nplan. Resource actions are indicated with the following symbols:\n");
        for a in used {
            let label = match a {
                Action::Create => "create",
                Action::Update => "update in-place",
                Action::Delete => "destroy",
                Action::DeleteThenCreate => "destroy and then create replacement",
                Action::CreateThenDelete => "create replacement and then destroy",
                Action::Read => "read (data resources)",
                Action::Forget | Action::NoOp => continue,
            };
            let _ = writeln!(out, "{} {label}", human::action_symbol(a, style));
        }
    }
    if !changes.is_empty() {
        out.push_str("\nterrane will perform the following actions:\n");
        for c in &changes {
            out.push('\n');
            out.push_str(&render_change(c, schemas, style));
        }
        let (add, change, destroy) = plan.counts();
        let (imports, forgets) = plan.import_forget_counts();
        let _ = write!(
            out,
            "\n{} {}{add} to add, {change} to change, {destroy} to destroy{}.{}\n",
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
            match changes.iter().map(|c| c.actions.len()).sum::<usize>() {
                0 => String::new(),
                n => format!(" Actions: {n} to invoke."),
            },
        );
    }
    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        out.push_str(&outputs);
        out.push('\n');
        let (add, change, destroy) = plan.counts();
        if add + change + destroy == 0 && changes.iter().all(|c| c.action == Action::NoOp) {
            out.push_str("\nYou can apply this plan to save these new output values to the terrane state,\nwithout changing any real infrastructure.\n");
        }
    }
    out
}

/// The order of Terraform's legend; actions at or past [`LEGEND_HIDDEN`] have no line.
fn legend_rank(a: Action) -> u8 {
    match a {
        Action::Create => 0,
        Action::Update => 1,
        Action::Delete => 2,
        Action::DeleteThenCreate => 3,
        Action::CreateThenDelete => 4,
        Action::Read => 5,
        Action::Forget | Action::NoOp => LEGEND_HIDDEN,
    }
}

const LEGEND_HIDDEN: u8 = 6;

/// `  ~ name = value` for each changed output, names aligned over all outputs.
fn output_lines(plan: &Plan, style: Style) -> String {
    let width = plan
        .outputs
        .keys()
        .map(|k| human::attribute_name(k).len())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for (name, o) in &plan.outputs {
        if o.action == Action::NoOp {
            continue;
        }
        let d = diff::output(
            &diff::Change::new(o.before.clone(), o.after.clone()),
            o.sensitive,
        );
        lines.push(format!(
            "{} {:<width$} = {}",
            human::action_symbol(d.action, style),
            human::attribute_name(name),
            human::render(&d, 0, human::Opts::default(), style)
        ));
    }
    lines.join("\n")
}

/// "Objects have changed outside of terrane" and each drifted object.
pub fn render_drift(drift: &[Drift], schemas: &dyn Schemas, style: Style) -> String {
    let mut out = format!("\n{}\n\nterrane detected the following changes made outside of terrane since the\nlast \"terrane apply\" which may have affected this plan:\n", style.bold("Note: Objects have changed outside of terrane"));
    for d in drift {
        let (action, what) = match d.after {
            None => (Action::Delete, "has been deleted"),
            Some(_) => (Action::Update, "has changed"),
        };
        let _ = writeln!(out, "\n  # {} {what}", style.bold(&d.addr.to_string()));
        out.push_str(&render_object(
            &d.addr,
            Some(&d.before),
            d.after.as_ref(),
            action,
            schemas,
            style,
        ));
    }
    out
}

/// `  ~ resource "type" "name" { ... }` (and a newline): the diff of one object from
/// `before` to `after` under `action`, as the plan shows it.
pub fn render_object(
    addr: &InstanceAddr,
    before: Option<&Value>,
    after: Option<&Value>,
    action: Action,
    schemas: &dyn Schemas,
    style: Style,
) -> String {
    let body = body(addr, before, after, &[], false, schemas, style);
    format!(
        "{} {} {body}\n",
        human::action_symbol(action, style),
        block_header(addr)
    )
}

/// `resource "type" "name"` (or `data ...`).
fn block_header(addr: &InstanceAddr) -> String {
    let kind = if addr.resource.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    format!("{kind} {:?} {:?}", addr.resource.ty, addr.resource.name)
}

/// The `{ ... }` of one object's diff, read with its schema when there is one.
fn body(
    addr: &InstanceAddr,
    before: Option<&Value>,
    after: Option<&Value>,
    replace: &[String],
    show_unchanged: bool,
    schemas: &dyn Schemas,
    style: Style,
) -> String {
    let d = match schemas.schema(addr.resource.mode, &addr.resource.ty) {
        Some(s) => diff::resource(before, after, &s.block, replace),
        None => diff::schemaless_resource(before, after),
    };
    let opts = human::Opts {
        show_unchanged,
        ..human::Opts::default()
    };
    human::render(&d, 0, opts, style)
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

/// Renders one resource instance change: its comment lines and its diff.
pub fn render_change(c: &ResourceChange, schemas: &dyn Schemas, style: Style) -> String {
    let mut out = String::new();
    let h = header(c);
    let first_line_end = h.find('\n').unwrap_or(h.len());
    let addr_text = c.addr.to_string();
    out.push_str(&h[..first_line_end].replacen(&addr_text, &style.bold(&addr_text), 1));
    out.push_str(&h[first_line_end..]);
    let forces: &[String] = match &c.reason {
        Some(Reason::ReplaceBecauseAttributes(a)) => a,
        _ => &[],
    };
    let after = if c.action == Action::Delete {
        None
    } else {
        c.after.as_ref()
    };
    let before = if c.action == Action::Create {
        None
    } else {
        c.before.as_ref()
    };
    let body = body(
        &c.addr,
        before,
        after,
        forces,
        c.importing.is_some(),
        schemas,
        style,
    );
    let _ = writeln!(
        out,
        "{} {} {body}",
        human::action_symbol(c.action, style),
        block_header(&c.addr)
    );
    for (before, when) in [(true, "before"), (false, "after")] {
        let side: Vec<_> = c
            .actions
            .iter()
            .filter(|a| a.event.starts_with("before_") == before)
            .collect();
        if side.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n    {}",
            style.bold(&format!(
                "# Actions to be invoked {when} this change in order:"
            ))
        );
        for a in side {
            out.push_str(&render_action(a, style));
        }
    }
    out
}

/// One triggered action as Terraform's plan lists it: its address, then its block with
/// the `config` it will be invoked with.
fn render_action(a: &crate::plan::ActionInvocation, style: Style) -> String {
    let mut out = format!("    # {}\n    action {:?} {:?} {{\n", a.addr, a.ty, a.name);
    if let Some(attrs) = a.config.unmark().as_map().filter(|m| !m.is_empty()) {
        out.push_str("        config {\n");
        let shown: Vec<_> = attrs
            .iter()
            .filter(|(_, v)| !v.unmark().is_null())
            .collect();
        let width = shown
            .iter()
            .map(|(k, _)| human::attribute_name(k).len())
            .max()
            .unwrap_or(0);
        for (k, v) in shown {
            let value = if v.is_sensitive() {
                "(sensitive value)".to_string()
            } else {
                human::scalar(v, style)
            };
            let _ = writeln!(
                out,
                "            {:width$} = {value}",
                human::attribute_name(k)
            );
        }
        out.push_str("        }\n");
    }
    out.push_str("    }\n");
    out
}

/// Whether two values differ in a way the plan shows (tests use it to list the
/// attributes a change touches).
pub fn differs(a: &Value, b: &Value) -> bool {
    a.contains_unknown()
        || b.contains_unknown()
        || !crate::lang::eval::values_equal(a, b)
        || a.contains_sensitive() != b.contains_sensitive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::ResourceAddr;
    use crate::lang::Type;
    use crate::provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting};

    /// A listener-like type: `port`, a list of `action` blocks and one `config` block.
    struct Listener(ResourceSchema);

    impl Schemas for Listener {
        fn schema(&self, _mode: Mode, _ty: &str) -> Option<&ResourceSchema> {
            Some(&self.0)
        }
    }

    fn schema() -> Listener {
        let mut action = BlockSchema::default();
        action
            .attributes
            .insert("type".into(), AttributeSchema::required(Type::String));
        action
            .attributes
            .insert("target".into(), AttributeSchema::optional(Type::String));
        let mut block = BlockSchema::default();
        block
            .attributes
            .insert("port".into(), AttributeSchema::required(Type::Number));
        block.attributes.insert(
            "token".into(),
            AttributeSchema::optional(Type::String).sensitive(),
        );
        let nested = |nesting, block| NestedBlock {
            nesting,
            block,
            min_items: 0,
            max_items: None,
            force_new: false,
        };
        block
            .blocks
            .insert("action".into(), nested(Nesting::List, action.clone()));
        block
            .blocks
            .insert("config".into(), nested(Nesting::Single, action));
        Listener(ResourceSchema { version: 0, block })
    }

    fn listener(port: f64, actions: &[(&str, &str)], token: Value) -> Value {
        let action = |(t, target): &(&str, &str)| {
            Value::object([
                ("type", Value::string(*t)),
                ("target", Value::string(*target)),
            ])
        };
        Value::object([
            ("port", Value::number(port)),
            ("token", token),
            ("action", Value::List(actions.iter().map(action).collect())),
            ("config", action(&("fixed", "x"))),
        ])
    }

    #[test]
    fn nested_blocks_are_shown_as_blocks_and_unchanged_ones_counted() {
        let before = listener(
            80.0,
            &[("forward", "a"), ("redirect", "b")],
            Value::string("s"),
        );
        let after = listener(80.0, &[("forward", "a"), ("redirect", "c")], Value::Unknown);
        let addr = ResourceAddr::new(Mode::Managed, "x_listener", "web").instance(None);
        let text = render_object(
            &addr,
            Some(&before),
            Some(&after),
            Action::Update,
            &schema(),
            Style { color: false },
        );
        assert_eq!(
            text,
            r#"  ~ resource "x_listener" "web" {
      ~ token = (sensitive value)
        # (1 unchanged attribute hidden)

      ~ action {
          ~ target = "b" -> "c"
            # (1 unchanged attribute hidden)
        }

        # (2 unchanged blocks hidden)
    }
"#
        );
    }
}
