//! Terraform's machine-readable UI (`-json`): one JSON object a line on stdout, each with
//! `@level`, `@message` (the text a person would read), `@module` ("terraform.ui"),
//! `@timestamp` (RFC 3339 with microseconds) and a `type` naming the message's other
//! fields. The layout is Terraform 1.15's, so tools that parse Terraform's stream
//! (CI wrappers, pull-request bots) read terrane's unchanged.
//!
//! A command turns the mode on once ([`enable`]); from then on every diagnostic printed
//! through [`crate::output::print_diagnostics`] comes out as a `diagnostic` message.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{json, Map, Value as Json};
use terrane_engine::addr::{IndexKey, InstanceAddr};
use terrane_engine::diag::{Diagnostic, Span};
use terrane_engine::plan::{Action, Plan, PlanMode};
use terrane_engine::state::OutputState;

/// The version of the message layout, as Terraform 1.15 reports it.
const UI_VERSION: &str = "1.3";

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Switches this process to the JSON UI and announces it with the `version` message.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
    let terraform = terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION;
    let terrane = env!("CARGO_PKG_VERSION");
    emit(
        "info",
        &format!("terrane {terrane}"),
        "version",
        json!({"terraform": terraform, "terrane": terrane, "ui": UI_VERSION}),
    );
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Writes one message; `fields` (an object) adds the message type's own fields.
pub fn emit(level: &str, message: &str, kind: &str, fields: Json) {
    let mut line = Map::new();
    line.insert("@level".into(), level.into());
    line.insert("@message".into(), message.into());
    line.insert("@module".into(), "terraform.ui".into());
    line.insert(
        "@timestamp".into(),
        terrane_engine::util::now_rfc3339_micros().into(),
    );
    if let Json::Object(extra) = fields {
        line.extend(extra);
    }
    line.insert("type".into(), kind.into());
    // Terraform's logger writes the top-level keys in order.
    line.sort_keys();
    // One write per line, so lines from concurrent operations never interleave.
    let text = format!("{}\n", Json::Object(line));
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A `log` message: a line of text with nothing more to parse.
pub fn log(message: &str) {
    emit("info", message, "log", Json::Null);
}

/// A `diagnostic` message, with the source range and snippet when it has a location.
pub fn diagnostic(d: &Diagnostic) {
    diagnostic_at(d, Json::Null);
}

/// A `diagnostic` message with more top-level fields (`@testfile`, `@testrun`).
pub fn diagnostic_at(d: &Diagnostic, extra: Json) {
    let (level, title, severity) = if d.is_error() {
        ("error", "Error", "error")
    } else {
        ("warn", "Warning", "warning")
    };
    let mut body = Map::new();
    body.insert("severity".into(), severity.into());
    body.insert("summary".into(), d.summary.clone().into());
    body.insert("detail".into(), crate::output::detail(d).into());
    if let Some(addr) = &d.address {
        body.insert("address".into(), addr.clone().into());
    }
    if let Some(span) = &d.span {
        body.insert("range".into(), range(span));
        body.insert("snippet".into(), snippet(span, d));
    }
    let mut fields = json!({ "diagnostic": body });
    if let (Some(f), Json::Object(extra)) = (fields.as_object_mut(), extra) {
        f.extend(extra);
    }
    emit(
        level,
        &format!("{title}: {}", d.summary),
        "diagnostic",
        fields,
    );
}

fn range(span: &Span) -> Json {
    let (line, column) = span.line_col();
    let (end_line, end_column) = span.file.line_col(span.end.max(span.start));
    json!({
        "filename": span.file.display_name(),
        "start": {"line": line, "column": column, "byte": span.start},
        "end": {"line": end_line, "column": end_column, "byte": span.end.max(span.start)},
    })
}

/// The source lines the span covers, the block they are in, and where in them the span is.
fn snippet(span: &Span, d: &Diagnostic) -> Json {
    let text = &span.file.text;
    let start = span.start.min(text.len());
    let end = span.end.max(start).min(text.len());
    let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let last = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let (start_line, _) = span.line_col();
    // A statement-less entry is a block of text for people (a test assertion's `Diff:`),
    // not an expression's value.
    let mut values: Vec<&(String, String)> =
        d.values.iter().filter(|(_, s)| !s.is_empty()).collect();
    values.sort();
    let values: Vec<Json> = values
        .into_iter()
        .map(|(traversal, statement)| json!({"traversal": traversal, "statement": statement}))
        .collect();
    let mut snippet = json!({
        "context": crate::output::block_context(text, span.start),
        "code": &text[first..last],
        "start_line": start_line,
        "highlight_start_offset": start - first,
        "highlight_end_offset": end - first,
        "values": values,
    });
    if let Some((lhs, rhs)) = d.values.iter().find_map(|(t, _)| assertion_sides(t)) {
        snippet["test_assertion_expr"] =
            json!({"lhs": lhs, "rhs": rhs, "warning": "", "show_verbose": false});
    }
    snippet
}

/// The two sides of a failed `==` test assertion, from the `Diff:` block the test runner
/// attaches for people (`- ` lines are the actual value, `+ ` the expected, others both).
fn assertion_sides(block: &str) -> Option<(String, String)> {
    let body = block.strip_prefix("Diff:\n")?;
    let (mut lhs, mut rhs) = (Vec::new(), Vec::new());
    for line in body.lines().skip(2) {
        let line = line.trim_start().trim_start_matches('│');
        let Some(text) = line.get(3..) else { continue };
        match line.get(..3) {
            Some(" - ") => lhs.push(text),
            Some(" + ") => rhs.push(text),
            _ => {
                lhs.push(text);
                rhs.push(text);
            }
        }
    }
    Some((lhs.join("\n"), rhs.join("\n")))
}

/// Terraform's description of a resource instance in every message about one.
pub fn resource(addr: &InstanceAddr) -> Json {
    let full = addr.to_string();
    // `module.a["x"].module.b` for an instance in a nested module, empty in the root.
    let module = terrane_engine::addr::module_path_string(&addr.resource.module);
    let resource = match module.is_empty() {
        true => full.clone(),
        false => full[module.len() + 1..].to_string(),
    };
    let key = addr.key.as_ref().map(|k| match k {
        IndexKey::Int(i) => json!(i),
        IndexKey::Str(s) => json!(s),
    });
    let ty = &addr.resource.ty;
    json!({
        "addr": full,
        "module": module,
        "resource": resource,
        "implied_provider": ty.split('_').next().unwrap_or_default(),
        "resource_type": ty,
        "resource_name": addr.resource.name,
        "resource_key": key,
    })
}

/// The word Terraform's JSON uses for a planned action.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Read => "read",
        Action::NoOp => "noop",
        Action::Forget => "remove",
    }
}

/// What `plan -json` streams for a plan (and apply before it applies): drift, each planned
/// change, the summary, then the root outputs' planned actions.
pub fn plan(plan: &Plan) {
    for d in &plan.drift {
        let action = if d.after.is_some() {
            "update"
        } else {
            "delete"
        };
        let addr = d.addr.to_string();
        emit(
            "info",
            &format!("{addr}: Drift detected ({action})"),
            "resource_drift",
            json!({"change": {"resource": resource(&d.addr), "action": action}}),
        );
    }
    planned_changes(plan);
    planned_action_invocations(plan);
    let (add, change, remove) = plan.counts();
    let (import, _) = plan.import_forget_counts();
    let actions = plan.changes.iter().map(|c| c.actions.len()).sum();
    change_summary(
        "plan",
        Counts {
            add,
            change,
            remove,
            import,
            actions,
        },
    );
    if !plan.outputs.is_empty() {
        let outputs: Map<String, Json> = plan
            .outputs
            .iter()
            .map(|(name, o)| {
                let body = json!({"sensitive": o.sensitive, "action": action_name(o.action)});
                (name.clone(), body)
            })
            .collect();
        emit(
            "info",
            &format!("Outputs: {}", outputs.len()),
            "outputs",
            json!({ "outputs": outputs }),
        );
    }
}

/// A `planned_change` for each change (also what applying a saved plan streams first).
pub fn planned_changes(plan: &Plan) {
    for c in ordered_changes(plan) {
        let shown = match c.action {
            Action::NoOp if c.moved_from.is_some() => "move",
            Action::NoOp => "import",
            a => action_name(a),
        };
        let mut change = Map::new();
        change.insert("resource".into(), resource(&c.addr));
        if let Some(from) = &c.moved_from {
            change.insert("previous_resource".into(), resource(from));
        }
        change.insert("action".into(), shown.into());
        if let Some(reason) = c.reason.as_ref().and_then(reason_name) {
            change.insert("reason".into(), reason.into());
        }
        if let Some(id) = &c.importing {
            change.insert("importing".into(), json!({"id": id}));
        }
        emit(
            "info",
            &format!("{}: Plan to {shown}", c.addr),
            "planned_change",
            json!({ "change": change }),
        );
    }
}

/// A `planned_action_invocation` for each action a change's `action_trigger` blocks
/// start, after the changes as Terraform streams them.
fn planned_action_invocations(plan: &Plan) {
    for c in ordered_changes(plan) {
        let module = terrane_engine::addr::module_path_string(&c.addr.resource.module);
        for a in &c.actions {
            let full = match module.is_empty() {
                true => a.addr.clone(),
                false => format!("{module}.{}", a.addr),
            };
            let invocation = json!({
                "action_addr": {
                    "addr": full,
                    "module": module,
                    "action": a.addr,
                    "implied_provider": a.ty.split('_').next().unwrap_or_default(),
                    "action_type": a.ty,
                    "action_name": a.name,
                    "action_key": null,
                },
                "lifecycle_trigger": {
                    "triggering_resource": resource(&c.addr),
                    "triggering_event": trigger_event_name(&a.event),
                    "action_trigger_block_index": a.trigger_index,
                    "actions_list_index": a.list_index,
                },
            });
            emit(
                "info",
                &format!("planned action invocation: {}", a.addr),
                "planned_action_invocation",
                json!({ "invocation": invocation }),
            );
        }
    }
}

/// `after_create` as Terraform names the event in JSON: `AfterCreate`.
fn trigger_event_name(event: &str) -> String {
    event
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The changes Terraform would list, in the order its graph walk records them: an
/// object's dependencies before it, or when destroying, its dependents before it; by
/// address otherwise. Data-source reads that only go away, and plain no-ops, are left out.
fn ordered_changes(plan: &Plan) -> Vec<&terrane_engine::plan::ResourceChange> {
    let shown: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| {
            let data = c.addr.resource.mode == terrane_engine::addr::Mode::Data;
            let moved_or_imported = c.moved_from.is_some() || c.importing.is_some();
            (c.action != Action::NoOp || moved_or_imported) && !(data && c.action == Action::Delete)
        })
        .collect();
    let destroying = plan.mode == PlanMode::Destroy;
    // `c` must wait for `other` when one depends on the other in the walk's direction.
    let waits_for = |c: &terrane_engine::plan::ResourceChange,
                     other: &terrane_engine::plan::ResourceChange| {
        let (user, used) = if destroying { (other, c) } else { (c, other) };
        let used_name = used.addr.resource.config().to_string();
        user.dependencies.contains(&used_name)
    };
    let mut ordered = Vec::with_capacity(shown.len());
    let mut left = shown;
    while !left.is_empty() {
        let next = (0..left.len())
            .find(|&i| {
                !left
                    .iter()
                    .enumerate()
                    .any(|(j, o)| j != i && waits_for(left[i], o))
            })
            // A cycle cannot be planned, but never loop on one: take the first.
            .unwrap_or(0);
        ordered.push(left.remove(next));
    }
    ordered
}

fn reason_name(reason: &terrane_engine::plan::Reason) -> Option<&'static str> {
    use terrane_engine::plan::Reason;
    Some(match reason {
        Reason::ReplaceBecauseAttributes(_) => "cannot_update",
        Reason::ReplaceByRequest => "requested",
        Reason::ReplaceByTriggers => "replace_triggered_by",
        Reason::ReplaceBecauseTainted => "tainted",
        Reason::DeleteNoResourceConfig => "delete_because_no_resource_config",
        Reason::DeleteCountIndex => "delete_because_count_index",
        Reason::DeleteEachKey => "delete_because_each_key",
        Reason::DeletedOutside | Reason::DeleteByDestroy => return None,
    })
}

/// The counts a `change_summary` reports.
#[derive(Default, Clone, Copy)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub remove: usize,
    pub import: usize,
    /// Actions invoked (or to invoke).
    pub actions: usize,
}

/// `change_summary`, with the line a person reads for `operation` ("plan", "apply" or
/// "destroy").
pub fn change_summary(operation: &str, c: Counts) {
    let actions = |verb: &str| match c.actions {
        0 => String::new(),
        n => format!(" Actions: {n} {verb}."),
    };
    let message = match operation {
        "apply" => {
            let imported = match c.import {
                0 => String::new(),
                n => format!("{n} imported, "),
            };
            format!(
                "Apply complete! Resources: {imported}{} added, {} changed, {} destroyed.{}",
                c.add,
                c.change,
                c.remove,
                actions("invoked")
            )
        }
        "destroy" => format!(
            "Destroy complete! Resources: {} destroyed.{}",
            c.remove,
            actions("invoked")
        ),
        _ => {
            let imports = match c.import {
                0 => String::new(),
                n => format!("{n} to import, "),
            };
            format!(
                "Plan: {imports}{} to add, {} to change, {} to destroy.{}",
                c.add,
                c.change,
                c.remove,
                actions("to invoke")
            )
        }
    };
    emit(
        "info",
        &message,
        "change_summary",
        json!({"changes": {
            "add": c.add,
            "change": c.change,
            "import": c.import,
            "remove": c.remove,
            "action_invocation": c.actions,
            "operation": operation,
        }}),
    );
}

/// `outputs` after an apply or refresh: each root output's type and value (the value left
/// out when sensitive); sent even when there are none, as Terraform does.
pub fn output_values(outputs: &BTreeMap<String, OutputState>) {
    let body: Map<String, Json> = outputs
        .iter()
        .map(|(name, o)| {
            let mut entry = json!({"sensitive": o.sensitive, "type": o.ty});
            if !o.sensitive {
                entry["value"] = o.value.clone();
            }
            (name.clone(), entry)
        })
        .collect();
    emit(
        "info",
        &format!("Outputs: {}", body.len()),
        "outputs",
        json!({ "outputs": body }),
    );
}

/// A message about an operation on one resource instance (`apply_start`, `refresh_complete`,
/// `provision_progress`, ...): `fields` go in its `hook` object after the resource.
pub fn hook(kind: &str, message: &str, addr: &InstanceAddr, fields: Json) {
    let mut body = Map::new();
    body.insert("resource".into(), resource(addr));
    if let Json::Object(extra) = fields {
        body.extend(extra);
    }
    emit("info", message, kind, json!({ "hook": body }));
}

/// A line of the engine's run progress (ephemeral resources opening, renewing and
/// closing, actions running) as the message Terraform streams for it:
/// `ephemeral_op_start`, `ephemeral_op_complete` and `ephemeral_op_errored` for the
/// former, a `log` for anything else.
pub fn progress_line(line: &str) {
    if data_read_line(line) {
        return;
    }
    match ephemeral_op(line) {
        Some((addr, action, EphemeralStep::Start)) => hook(
            "ephemeral_op_start",
            line,
            &addr,
            json!({ "action": action }),
        ),
        Some((addr, action, EphemeralStep::Still { secs })) => {
            let message = format!(
                "{addr}: Still {}... [{} elapsed]",
                ephemeral_verb(action).to_lowercase(),
                go_duration(Duration::from_secs(secs))
            );
            hook(
                "ephemeral_op_progress",
                &message,
                &addr,
                json!({"action": action, "elapsed_seconds": secs}),
            );
        }
        Some((addr, action, EphemeralStep::Ended { errored, secs })) => {
            let kind = if errored {
                "ephemeral_op_errored"
            } else {
                "ephemeral_op_complete"
            };
            let message = format!(
                "{addr}: {} {} after {}",
                ephemeral_noun(action),
                if errored { "errored" } else { "complete" },
                go_duration(Duration::from_secs(secs))
            );
            hook(
                kind,
                &message,
                &addr,
                json!({"action": action, "elapsed_seconds": secs}),
            );
        }
        None => log(line),
    }
}

enum EphemeralStep {
    Start,
    /// `Still opening... [00m10s elapsed]`
    Still {
        secs: u64,
    },
    Ended {
        errored: bool,
        secs: u64,
    },
}

/// `ephemeral.x.y: Opening...`, `... Renewal complete after 0s`, `... Closing errored
/// after 1s`: the instance, Terraform's action name and the step.
fn ephemeral_op(line: &str) -> Option<(InstanceAddr, &'static str, EphemeralStep)> {
    let (addr, what) = line.split_once(": ")?;
    let addr = addr.parse::<InstanceAddr>().ok()?;
    for action in ["open", "renew", "close"] {
        if what == format!("{}...", ephemeral_verb(action)) {
            return Some((addr, action, EphemeralStep::Start));
        }
        let still = format!("Still {}... [", ephemeral_verb(action).to_lowercase());
        if let Some(elapsed) = what
            .strip_prefix(&still)
            .and_then(|r| r.strip_suffix("s elapsed]"))
        {
            let (minutes, seconds) = elapsed.split_once('m')?;
            let secs = minutes.parse::<u64>().ok()? * 60 + seconds.parse::<u64>().ok()?;
            return Some((addr, action, EphemeralStep::Still { secs }));
        }
        let Some(rest) = what.strip_prefix(ephemeral_noun(action)) else {
            continue;
        };
        let (errored, rest) = match rest.strip_prefix(" complete after ") {
            Some(rest) => (false, rest),
            None => (true, rest.strip_prefix(" errored after ")?),
        };
        let secs = rest.strip_suffix('s')?.parse::<u64>().ok()?;
        return Some((addr, action, EphemeralStep::Ended { errored, secs }));
    }
    None
}

fn ephemeral_verb(action: &str) -> &'static str {
    match action {
        "open" => "Opening",
        "renew" => "Renewing",
        _ => "Closing",
    }
}

fn ephemeral_noun(action: &str) -> &'static str {
    match action {
        "open" => "Opening",
        "renew" => "Renewal",
        _ => "Closing",
    }
}

/// Whether a person reads `line`: Terraform's human view says nothing of an ephemeral
/// operation that failed, whose error the diagnostics give.
pub fn shown_to_people(line: &str) -> bool {
    !matches!(
        ephemeral_op(line),
        Some((_, _, EphemeralStep::Ended { errored: true, .. }))
    )
}

/// A data source read while planning (`data.x: Reading...`, `data.x: Read complete after
/// 0s [id=...]`) as Terraform streams it: `apply_start` and `apply_complete` with action
/// `read`, worded "Refreshing". `false` when `line` is not one.
fn data_read_line(line: &str) -> bool {
    let Some((shown, what)) = line.split_once(": ") else {
        return false;
    };
    let Ok(addr) = shown.parse::<InstanceAddr>() else {
        return false;
    };
    if what == "Reading..." {
        let message = format!("{shown}: Refreshing...");
        hook("apply_start", &message, &addr, json!({"action": "read"}));
        return true;
    }
    let Some(rest) = what.strip_prefix("Read complete after ") else {
        return false;
    };
    let (secs, id) = match rest.split_once(" [id=") {
        Some((secs, id)) => (secs, id.strip_suffix(']')),
        None => (rest, None),
    };
    let Some(secs) = secs.strip_suffix('s').and_then(|s| s.parse::<u64>().ok()) else {
        return false;
    };
    let message = format!("{shown}: Refresh complete after {secs}s{}", id_suffix(id));
    let mut fields = json!({ "action": "read" });
    if let Json::Object(ids) = id_fields(id) {
        fields.as_object_mut().expect("object").extend(ids);
    }
    fields["elapsed_seconds"] = secs.into();
    hook("apply_complete", &message, &addr, fields);
    true
}

/// `id_key`/`id_value` for an object's id, as the hooks carry it.
pub fn id_fields(id: Option<&str>) -> Json {
    match id {
        Some(id) => json!({"id_key": "id", "id_value": id}),
        None => json!({}),
    }
}

/// ` [id=...]` after a message, when the object has an id.
pub fn id_suffix(id: Option<&str>) -> String {
    id.map(|id| format!(" [id={id}]")).unwrap_or_default()
}

/// A whole number of seconds as Go prints a duration (`0s`, `11s`, `1m2s`, `1h0m5s`),
/// which is how Terraform's messages show elapsed time.
pub fn go_duration(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// Elapsed time rounded to whole seconds, as Terraform rounds both ends of it.
pub fn rounded(elapsed: Duration) -> Duration {
    Duration::from_secs((elapsed.as_millis() as u64 + 500) / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_prints_them() {
        let d = |s| go_duration(Duration::from_secs(s));
        assert_eq!(
            [d(0), d(11), d(62), d(3605)],
            ["0s", "11s", "1m2s", "1h0m5s"]
        );
    }

    #[test]
    fn ephemeral_progress_lines_are_read_back() {
        let step = |line: &str| {
            ephemeral_op(line).map(|(a, action, step)| match step {
                EphemeralStep::Start => format!("{a} {action} start"),
                EphemeralStep::Still { secs } => format!("{a} {action} still {secs}"),
                EphemeralStep::Ended { errored, secs } => {
                    format!("{a} {action} errored={errored} {secs}")
                }
            })
        };
        assert_eq!(
            step("ephemeral.t.x: Renewing...").as_deref(),
            Some("ephemeral.t.x renew start")
        );
        assert_eq!(
            step("ephemeral.t.x: Opening errored after 2s").as_deref(),
            Some("ephemeral.t.x open errored=true 2")
        );
        assert_eq!(
            step("ephemeral.t.x: Renewal complete after 0s").as_deref(),
            Some("ephemeral.t.x renew errored=false 0")
        );
        assert_eq!(
            step("ephemeral.t.x: Still opening... [01m05s elapsed]").as_deref(),
            Some("ephemeral.t.x open still 65")
        );
        assert_eq!(step("Action started: action.a.b"), None);
        assert!(!shown_to_people("ephemeral.t.x: Closing errored after 0s"));
        assert!(shown_to_people("ephemeral.t.x: Closing complete after 0s"));
    }

    #[test]
    fn trigger_events_are_named_as_terraform_streams_them() {
        assert_eq!(trigger_event_name("after_create"), "AfterCreate");
        assert_eq!(trigger_event_name("before_update"), "BeforeUpdate");
    }

    #[test]
    fn a_module_resource_names_its_module_apart() {
        let addr: InstanceAddr = "module.net.aws_vpc.main[\"a\"]".parse().unwrap();
        let r = resource(&addr);
        assert_eq!(r["module"], "module.net");
        assert_eq!(r["resource"], "aws_vpc.main[\"a\"]");
        assert_eq!(r["resource_key"], "a");
        assert_eq!(r["implied_provider"], "aws");
    }
}
