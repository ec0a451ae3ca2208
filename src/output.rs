//! Rendering for people: diagnostics in Terraform's layout (`Error: summary`, the
//! `on main.tf line 3, in resource "x" "y":` line with the source lines, the values the
//! expression saw, then the detail wrapped to 78 columns), colour decisions (`-no-color`,
//! `NO_COLOR`, not a terminal), and error chains. Without colour a diagnostic is plain
//! text; with colour it is framed by a left rule, as Terraform does on a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use terrane_engine::diag::{Diagnostic, Diagnostics, Severity, Span};

/// Terraform's width for text that is not going to a terminal.
const WIDTH: usize = 78;

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const UNDERLINE: &str = "\x1b[4m";
const RESET: &str = "\x1b[0m";

/// Whether to colour output: never with -no-color or NO_COLOR, and only on a terminal.
pub fn use_color(no_color: bool) -> bool {
    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Renders one diagnostic as text (colour or not).
pub fn render_diagnostic(d: &Diagnostic, color: bool) -> String {
    let (label, rule) = match d.severity {
        Severity::Error => ("Error", RED),
        Severity::Warning => ("Warning", YELLOW),
    };
    let mut body = if color {
        format!("{BOLD}{rule}{label}: {RESET}{BOLD}{}{RESET}\n\n", d.summary)
    } else {
        format!("{label}: {}\n\n", d.summary)
    };
    if let Some(addr) = &d.address {
        body.push_str(&format!("  with {addr},\n"));
    }
    if let Some(span) = &d.span {
        body.push_str(&snippet(span, color));
        body.push_str(&values(d));
        body.push('\n');
    }
    let width = if color { WIDTH - 3 } else { WIDTH - 1 };
    for line in detail(d).lines() {
        if line.starts_with(' ') {
            body.push_str(line);
            body.push('\n');
        } else {
            body.push_str(&wrap(line, width));
        }
    }
    if !color {
        return format!("\n{body}");
    }
    let mut framed = format!("{rule}╷{RESET}\n");
    for line in body.lines() {
        if line.is_empty() {
            framed.push_str(&format!("{rule}│{RESET}\n"));
        } else {
            framed.push_str(&format!("{rule}│{RESET} {line}\n"));
        }
    }
    framed.push_str(&format!("{rule}╵{RESET}\n"));
    framed
}

/// The detail with the "did you mean" help folded in, as Terraform writes it.
pub(crate) fn detail(d: &Diagnostic) -> String {
    let mut text = d.detail.clone().unwrap_or_default();
    if let Some(help) = &d.help {
        let mut help = help.clone();
        if let Some(first) = help.get(..1) {
            help = format!("{}{}", first.to_uppercase(), &help[1..]);
        }
        if text.is_empty() {
            text = help;
        } else if text.ends_with('.') && !text.contains('\n') {
            text = format!("{text} {help}");
        } else {
            text = format!("{text}\n\n{help}");
        }
    }
    text
}

/// `  on main.tf line 3, in resource "a" "b":` and the source lines of the span, each
/// numbered; the span itself underlined when in colour.
fn snippet(span: &Span, color: bool) -> String {
    let text = &span.file.text;
    let (line, _) = span.line_col();
    let context = block_context(text, span.start)
        .map(|c| format!(", in {c}"))
        .unwrap_or_default();
    let mut out = format!("  on {} line {line}{context}:\n", span.file.display_name());
    let start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end_at = span.end.max(span.start).min(text.len());
    let end = text[end_at..].find('\n').map_or(text.len(), |i| end_at + i);
    let mut code = text[start..end].to_string();
    if color && span.end > span.start {
        let (a, b) = (span.start - start, end_at - start);
        code = format!(
            "{}{UNDERLINE}{}{RESET}{}",
            &code[..a],
            &code[a..b],
            &code[b..]
        );
    }
    for (i, l) in code.split('\n').enumerate() {
        out.push_str(&format!("{:4}: {l}\n", line + i));
    }
    out
}

/// What the expression saw, under a rule: `    │ var.env is "staging"`.
fn values(d: &Diagnostic) -> String {
    if d.values.is_empty() && d.calling.is_none() {
        return String::new();
    }
    let mut sorted: Vec<&(String, String)> = d.values.iter().collect();
    sorted.sort();
    // A block of its own (a test assertion's `Diff:`) says it all, as Terraform shows it.
    if sorted.iter().any(|(_, statement)| statement.is_empty()) {
        sorted.retain(|(_, statement)| statement.is_empty());
    }
    let mut out = String::from("    ├────────────────\n");
    if let Some(call) = &d.calling {
        out.push_str(&format!("    │ while calling {call}\n"));
    }
    for (traversal, statement) in sorted {
        // A statement-less entry is a block of its own (a test assertion's `Diff:`).
        let sep = if statement.is_empty() { "" } else { " " };
        out.push_str(&format!("    │ {traversal}{sep}{statement}\n"));
    }
    out
}

/// The top-level block the byte before `offset` is in, as its header
/// (`resource "terraform_data" "a"`): Terraform names the block an error is inside,
/// not the one it starts.
pub(crate) fn block_context(text: &str, offset: usize) -> Option<String> {
    use hcl_edit::Span as _;
    let at = offset.checked_sub(1)?;
    let body = hcl_edit::parser::parse_body(text).ok()?;
    let found = body.blocks().find_map(|b| {
        let range = b.span()?;
        if !range.contains(&at) {
            return None;
        }
        let mut header = b.ident.to_string();
        for label in &b.labels {
            match label {
                hcl_edit::structure::BlockLabel::String(s) => {
                    header.push_str(&format!(" {:?}", s.value().as_str()));
                }
                hcl_edit::structure::BlockLabel::Ident(i) => {
                    header.push_str(&format!(" {:?}", i.as_str()));
                }
            }
        }
        Some(header)
    });
    found
}

/// Wraps one paragraph line to `width` columns (words longer than that stay whole).
fn wrap(line: &str, width: usize) -> String {
    if line.is_empty() {
        return "\n".into();
    }
    let mut out = String::new();
    let mut current = String::new();
    for word in line.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&current);
            out.push('\n');
            current.clear();
        } else if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push_str(&current);
    out.push('\n');
    out
}

/// Set by `-compact-warnings`: warnings print as one summary line each.
static COMPACT_WARNINGS: AtomicBool = AtomicBool::new(false);

pub fn set_compact_warnings(on: bool) {
    COMPACT_WARNINGS.store(on, Ordering::Relaxed);
}

/// Prints diagnostics as Terraform does: warnings first (on standard output), then errors
/// (on standard error), each group ordered by file and position. With
/// `-compact-warnings` and no errors, warnings are one line each.
/// Under `-json` each is a `diagnostic` message on stdout, none folded together.
pub fn print_diagnostics(diags: &Diagnostics, color: bool) {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    sorted.sort_by(|a, b| {
        let place = |d: &Diagnostic| {
            d.span.as_ref().map(|s| {
                let name = s.file.display_name();
                (name.matches('/').count(), name, s.start, s.end)
            })
        };
        (a.severity, place(a)).cmp(&(b.severity, place(b)))
    });
    if crate::json_ui::enabled() {
        sorted.into_iter().for_each(crate::json_ui::diagnostic);
        return;
    }
    if COMPACT_WARNINGS.load(Ordering::Relaxed) && !diags.has_errors() && !sorted.is_empty() {
        let mut text = String::from("\nWarnings:\n\n");
        for w in &sorted {
            text.push_str(&format!("- {}\n", w.summary));
            if let Some(s) = &w.span {
                let (line, _) = s.line_col();
                text.push_str(&format!("  on {} line {line}\n", s.file.display_name()));
            }
        }
        text.push_str("\nTo see the full warning notes, run terrane without -compact-warnings.\n");
        print!("{text}");
        return;
    }
    for d in consolidate_warnings(sorted) {
        let text = render_diagnostic(&d, color);
        if d.is_error() {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
}

/// As Terraform does for people (not for -json): of the warnings with a source location
/// that share a summary, only the first is shown, its detail ending with how many more
/// there are. Errors are never folded.
fn consolidate_warnings(sorted: Vec<&Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(sorted.len());
    let mut groups: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    for d in &sorted {
        if d.is_error() || d.span.is_none() {
            out.push((*d).clone());
            continue;
        }
        match groups.get_mut(d.summary.as_str()) {
            Some((_, extra)) => *extra += 1,
            None => {
                groups.insert(&d.summary, (out.len(), 0));
                out.push((*d).clone());
            }
        }
    }
    for (index, extra) in groups.into_values() {
        let note = match extra {
            0 => continue,
            1 => "(and one more similar warning elsewhere)".to_string(),
            n => format!("(and {n} more similar warnings elsewhere)"),
        };
        let d = &mut out[index];
        d.detail = Some(match d.detail.take().filter(|t| !t.is_empty()) {
            Some(text) => format!("{text}\n\n{note}"),
            None => note,
        });
    }
    out
}

/// Prints an unexpected error (I/O, backend) with its cause chain.
pub fn print_error(e: &anyhow::Error) {
    if crate::json_ui::enabled() {
        let causes: Vec<String> = e
            .chain()
            .skip(1)
            .map(|c| format!("caused by: {c}"))
            .collect();
        crate::json_ui::diagnostic(&Diagnostic::error(e.to_string()).detail(causes.join("\n")));
        return;
    }
    eprintln!("\nError: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use terrane_engine::diag::SourceFile;

    #[test]
    fn plain_diagnostic_names_file_line_and_block() {
        let file = SourceFile::new(
            "main.tf",
            "variable \"x\" {}\n\nresource \"null_resource\" \"a\" {\n  trigers = {}\n}\n",
        );
        let d = Diagnostic::error("Unsupported argument")
            .detail("An argument named \"trigers\" is not expected here.")
            .help("did you mean \"triggers\"?")
            .span(Some(Span::new(&file, 50..57)));
        assert_eq!(
            render_diagnostic(&d, false),
            "\nError: Unsupported argument\n\n  on main.tf line 4, in resource \"null_resource\" \"a\":\n   4:   trigers = {}\n\nAn argument named \"trigers\" is not expected here. Did you mean \"triggers\"?\n"
        );
    }

    #[test]
    fn a_block_header_has_no_context_and_details_wrap() {
        let file = SourceFile::new("main.tf", "variable \"size\" {\n  type = number\n}\n");
        let d = Diagnostic::error("Invalid value for variable")
            .detail("word ".repeat(20).trim_end())
            .span(Some(Span::new(&file, 0..15)));
        let text = render_diagnostic(&d, false);
        assert!(
            text.contains("  on main.tf line 1:\n   1: variable \"size\" {\n"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.len() <= 77), "{text}");
    }
}
