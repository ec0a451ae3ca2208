//! `action` blocks and resources' `action_trigger` blocks, decoded with the checks
//! Terraform's loader makes.

use std::sync::Arc;

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Block;

use super::block::{check_body, ident_span, labels_ok};
use super::load::{provider_ref, valid_name};
use super::model::{ActionBlock, ActionTrigger, Expr, Module, SrcBody};
use super::span_of;
use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// Decodes `action "type" "name" { config { ... } }`.
pub(super) fn decode_action(
    m: &mut Module,
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    let Some(mut block) = header(b, file, diags) else {
        return;
    };
    let body = check_body(
        &b.body,
        &["count", "for_each", "provider"],
        &["config"],
        file,
        diags,
    );
    if let (Some(_), Some(fe)) = (body.attrs.get("count"), body.attrs.get("for_each")) {
        diags.push(count_and_for_each(&fe.key, file));
    }
    block.expanded = body.attrs.contains_key("count") || body.attrs.contains_key("for_each");
    if let Some(p) = body.attrs.get("provider") {
        block.provider = provider_ref(&p.value, file, diags);
    }
    if let Some(second) = body.blocks.get(1) {
        diags.push(
            Diagnostic::error("Duplicate config block")
                .detail("An action must contain only one nested \"config\" block.")
                .span(ident_span(second, file)),
        );
        return;
    }
    block.config = body.blocks.first().map(|c| SrcBody {
        body: c.body.clone(),
        file: Arc::clone(file),
    });
    push_unique(m, block, diags);
}

/// The labels of an `action` block, checked as Terraform checks them.
fn header(b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) -> Option<ActionBlock> {
    if !labels_ok(b, 2, "type, name", file, diags) {
        return None;
    }
    let what = ["Invalid action type name", "Invalid action name"];
    let mut ok = true;
    for (label, summary) in b.labels.iter().zip(what) {
        if !valid_name(label.as_str()) {
            diags.push(
                Diagnostic::error(summary)
                    .detail("A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.")
                    .span(span_of(label, file)),
            );
            ok = false;
        }
    }
    ok.then(|| ActionBlock {
        ty: b.labels[0].as_str().to_string(),
        name: b.labels[1].as_str().to_string(),
        provider: None,
        config: None,
        expanded: false,
        file: Arc::clone(file),
        span: ident_span(b, file),
        type_span: span_of(&b.labels[0], file),
    })
}

fn count_and_for_each(
    key: &hcl_edit::Decorated<hcl_edit::Ident>,
    file: &Arc<SourceFile>,
) -> Diagnostic {
    Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
        .detail("The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.")
        .span(span_of(key, file))
}

fn push_unique(m: &mut Module, block: ActionBlock, diags: &mut Diagnostics) {
    let prev = m
        .actions
        .iter()
        .find(|u| u.ty == block.ty && u.name == block.name);
    if let Some(prev) = prev {
        let at = prev
            .span
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let (summary, what) = ("Duplicate action", "action");
        diags.push(
            Diagnostic::error(format!("{summary} {:?} configuration", block.ty))
                .detail(format!(
                    "A {} {what} named {:?} was already declared at {at}. Names must be unique per type in each module.",
                    block.ty, block.name
                ))
                .span(block.span.clone()),
        );
        return;
    }
    m.actions.push(block);
}

/// Decodes one `action_trigger` block of a managed resource's lifecycle.
pub(super) fn decode_action_trigger(
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<ActionTrigger> {
    let body = check_body(
        &b.body,
        &["events", "condition", "actions", "on_failure"],
        &[],
        file,
        diags,
    );
    for name in ["events", "actions"] {
        if !body.attrs.contains_key(name) {
            diags.push(
                Diagnostic::error("Missing required argument")
                    .detail(format!(
                        "The argument {name:?} is required, but no definition was found."
                    ))
                    .span(ident_span(b, file)),
            );
        }
    }
    let events = body
        .attrs
        .get("events")
        .map(|a| trigger_events(&a.value, file, diags))
        .unwrap_or_default();
    if let Some(a) = body.attrs.get("on_failure") {
        if !matches!(keyword(&a.value), Some("halt" | "taint" | "continue")) {
            diags.push(
                Diagnostic::error("Invalid \"on_failure\" keyword")
                    .detail("The \"on_failure\" argument requires one of the following keywords: halt, taint or continue.")
                    .span(span_of(&a.value, file)),
            );
        }
    }
    let actions = body
        .attrs
        .get("actions")
        .map(|a| trigger_actions(&a.value, file, diags))
        .unwrap_or_default();
    if actions.is_empty() && body.attrs.contains_key("actions") {
        diags.push(
            Diagnostic::error("No actions specified")
                .detail("At least one action must be specified for an action_trigger.")
                .span(ident_span(b, file)),
        );
    }
    if events.is_empty() && body.attrs.contains_key("events") {
        diags.push(
            Diagnostic::error("No events specified")
                .detail("At least one event must be specified for an action_trigger.")
                .span(ident_span(b, file)),
        );
    }
    let condition = body.attrs.get("condition").map(|a| Expr {
        expr: a.value.clone(),
        file: Arc::clone(file),
    });
    Some(ActionTrigger {
        events,
        condition,
        actions,
    })
}

/// A bare keyword (`after_create`), as HCL's `ExprAsKeyword` reads one.
fn keyword(e: &Expression) -> Option<&str> {
    match e {
        Expression::Variable(v) => Some(v.as_str()),
        _ => None,
    }
}

/// Checks `events = [after_create, ...]`, returning the valid events it lists.
fn trigger_events(e: &Expression, file: &Arc<SourceFile>, diags: &mut Diagnostics) -> Vec<String> {
    const EVENTS: [&str; 6] = [
        "before_create",
        "after_create",
        "before_update",
        "after_update",
        "before_destroy",
        "after_destroy",
    ];
    let Expression::Array(items) = e else {
        diags.push(static_list(e, file));
        return Vec::new();
    };
    let mut seen: Vec<&str> = Vec::new();
    for item in items.iter() {
        let word = keyword(item).unwrap_or_default();
        if !EVENTS.contains(&word) {
            diags.push(
                Diagnostic::error(format!("Invalid \"event\" value {word}"))
                    .detail("The \"event\" argument supports the following values: before_create, after_create, before_update, after_update, before_destroy, after_destroy.")
                    .span(span_of(item, file)),
            );
        } else if seen.contains(&word) {
            diags.push(
                Diagnostic::error(format!("Duplicate {word:?} event"))
                    .detail("The event is already defined in this action_trigger block.")
                    .span(span_of(item, file)),
            );
        } else {
            seen.push(word);
        }
    }
    seen.into_iter().map(str::to_string).collect()
}

/// The actions `actions = [action.type.name, action.type.name[count.index]]` names.
fn trigger_actions(
    e: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Vec<(String, String, Option<crate::diag::Span>)> {
    let Expression::Array(items) = e else {
        diags.push(static_list(e, file));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match action_reference(item) {
            Ok(Some((ty, name))) => out.push((ty, name, span_of(item, file))),
            Ok(None) => diags.push(
                Diagnostic::error("Invalid action argument inside action_triggers")
                    .detail("action_triggers.actions must only refer to actions in the current module, count.index, or each.key.")
                    .span(span_of(item, file)),
            ),
            Err(summary_detail) => diags.push(
                Diagnostic::error(summary_detail.0)
                    .detail(summary_detail.1)
                    .span(span_of(item, file)),
            ),
        }
    }
    out
}

/// `action.<type>.<name>`, optionally indexed: its type and name; `None` when the
/// expression names something else; an error for another module's action.
fn action_reference(
    e: &Expression,
) -> Result<Option<(String, String)>, (&'static str, &'static str)> {
    let Expression::Traversal(t) = e else {
        return Ok(None);
    };
    let root = keyword(&t.expr);
    let names: Vec<&str> = t
        .operators
        .iter()
        .map_while(|op| match op.value() {
            TraversalOperator::GetAttr(a) => Some(a.as_str()),
            _ => None,
        })
        .collect();
    match (root, names.as_slice()) {
        (Some("action"), [ty, name, ..]) => Ok(Some((ty.to_string(), name.to_string()))),
        (Some("module"), _) => Err((
            "Invalid reference to action outside this module",
            "Actions can only be referenced in the module they are declared in.",
        )),
        _ => Ok(None),
    }
}

fn static_list(e: &Expression, file: &Arc<SourceFile>) -> Diagnostic {
    Diagnostic::error("Invalid expression")
        .detail("A static list expression is required.")
        .span(span_of(e, file))
}
