//! A plan as compact Markdown for a pull-request comment (`plan -markdown`, `show
//! -markdown PLANFILE`): the counts, destroys and replacements called out first, a table of
//! resources by action, and each resource's diff folded in a `<details>` block. The diffs
//! are the human plan's, so sensitive values read `(sensitive value)` here too.

use std::fmt::Write as _;

use terrane_engine::plan::render::{render_change, Style};
use terrane_engine::plan::{Action, Plan, ResourceChange};
use terrane_engine::state::prior::Schemas;

/// The order reviewers read actions in: what destroys first.
fn rank(a: Action) -> u8 {
    match a {
        Action::Delete => 0,
        Action::DeleteThenCreate | Action::CreateThenDelete => 1,
        Action::Forget => 2,
        Action::Update => 3,
        Action::Create => 4,
        Action::Read => 5,
        Action::NoOp => 6,
    }
}

fn word(a: Action) -> &'static str {
    match a {
        Action::Delete => "destroy",
        Action::DeleteThenCreate => "replace (destroy, then create)",
        Action::CreateThenDelete => "replace (create, then destroy)",
        Action::Forget => "forget (left running, removed from state)",
        Action::Update => "update in-place",
        Action::Create => "create",
        Action::Read => "read",
        Action::NoOp => "no change",
    }
}

pub fn render(plan: &Plan, schemas: &dyn Schemas) -> String {
    let mut changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.moved_from.is_some() || c.importing.is_some())
        .collect();
    changes.sort_by_key(|c| (rank(c.action), c.addr.to_string()));
    let outputs: Vec<(&String, Action)> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != Action::NoOp)
        .map(|(k, o)| (k, o.action))
        .collect();
    let mut out = String::new();
    if changes.is_empty() && outputs.is_empty() {
        out.push_str(
            "### terrane plan: no changes\n\nThe real infrastructure matches the configuration.\n",
        );
        return out;
    }
    let (add, change, destroy) = plan.counts();
    let _ = writeln!(
        out,
        "### terrane plan: {add} to add, {change} to change, {destroy} to destroy\n"
    );
    let dangerous: Vec<String> = changes
        .iter()
        .filter(|c| rank(c.action) <= 1)
        .map(|c| {
            let what = if c.action == Action::Delete {
                "destroy"
            } else {
                "replace"
            };
            format!("`{}` ({what})", c.addr)
        })
        .collect();
    if !dangerous.is_empty() {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **{} destroyed or replaced:** {}\n",
            dangerous.len(),
            dangerous.join(", ")
        );
    }
    if !changes.is_empty() {
        out.push_str("| Action | Resource |\n| --- | --- |\n");
        for c in &changes {
            let _ = writeln!(out, "| {} | `{}` |", word(c.action), c.addr);
        }
        out.push('\n');
        for c in &changes {
            let diff = render_change(c, schemas, Style { color: false });
            let _ = writeln!(
                out,
                "<details><summary><code>{}</code>: {}</summary>\n\n```diff\n{}```\n\n</details>\n",
                c.addr,
                word(c.action),
                diff_lines(&diff)
            );
        }
    }
    if !outputs.is_empty() {
        out.push_str("**Changes to outputs:** ");
        let list: Vec<String> = outputs
            .iter()
            .map(|(k, a)| format!("`{k}` ({})", word(*a)))
            .collect();
        out.push_str(&list.join(", "));
        out.push('\n');
    }
    out
}

/// The plan's lines with each `+`/`-` moved to the first column, where Markdown's diff
/// highlighting looks for it.
fn diff_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match trimmed.chars().next() {
            Some(sym @ ('+' | '-')) if indent > 0 && !trimmed.starts_with("-/+") => {
                // The rest of the line keeps its column, so nested lines stay aligned.
                let _ = writeln!(out, "{sym}{}{}", " ".repeat(indent), &trimmed[1..]);
            }
            _ => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_move_to_the_first_column() {
        assert_eq!(
            diff_lines("  + resource \"a\" \"b\" {\n      - x = 1\n    }\n"),
            "+   resource \"a\" \"b\" {\n-       x = 1\n    }\n"
        );
    }
}
