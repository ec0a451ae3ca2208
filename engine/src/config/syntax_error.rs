//! Syntax errors in HCL's words. hcl-edit reports where its grammar stopped ("invalid block
//! body; expected ..."), often far from the mistake; Terraform names the mistake ("Invalid
//! multi-line string", "Unexpected end of template", "Missing item separator") and points at
//! it. Scripts and people grep for those summaries, so a parse failure is first checked
//! with the token stream for the mistakes HCL's scanner catches (a newline in a quoted
//! string, a heredoc that never closes, unbalanced template directives), then hcl-edit's own
//! message is mapped to HCL's summary where the two correspond.

use std::sync::Arc;

use super::lenient::located;
use crate::diag::{Diagnostic, SourceFile, Span};
use crate::fmt::lex::{unclosed_heredoc, Kind, Token};

const UNBALANCED: &str = "The control directives within this template are unbalanced.";

/// The diagnostic for a parse failure of `file`, whose text hcl-edit refused with `err`.
pub(crate) fn diagnose(file: &Arc<SourceFile>, err: &hcl_edit::parser::Error) -> Diagnostic {
    let span = |range: std::ops::Range<usize>| Some(Span::new(file, range));
    if let Some(d) = scanner_error(file) {
        return d;
    }
    let off = err.location().offset();
    let message = err.message();
    let (summary, detail) = if message.starts_with("expected `]`") {
        (
            "Missing item separator",
            "Expected a comma to mark the beginning of the next item.".to_string(),
        )
    } else if message.starts_with("invalid object item") {
        (
            "Missing attribute separator",
            "Expected a newline or comma to mark the beginning of the next attribute.".into(),
        )
    } else if message.starts_with("invalid expression") {
        (
            "Invalid expression",
            "Expected the start of an expression, but found an invalid expression token.".into(),
        )
    } else {
        ("Invalid HCL syntax", message.to_string())
    };
    Diagnostic::error(summary)
        .detail(detail)
        .span(span(off..off + 1))
}

fn scanner_error(file: &Arc<SourceFile>) -> Option<Diagnostic> {
    let tokens = located(&file.text);
    let at = |range: std::ops::Range<usize>| Some(Span::new(file, range));
    if let Some((o, t)) = tokens.iter().find(|(_, t)| t.kind == Kind::QuotedNewline) {
        return Some(
            Diagnostic::error("Invalid multi-line string")
                .detail("Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the \"heredoc\" multi-line template syntax.")
                .span(at(*o..o + t.text.len())),
        );
    }
    if let Some(o) = unclosed_heredoc(&file.text) {
        // HCL points at the end of the opening line: the marker's last character and
        // the newline.
        let nl = file.text[o..].find('\n').map_or(file.text.len(), |i| o + i);
        return Some(
            Diagnostic::error("Unterminated template string")
                .detail("No closing marker was found for the string.")
                .span(at(nl.saturating_sub(1)..nl + 1)),
        );
    }
    unbalanced_directives(file, &tokens)
}

/// An open `%{if}` or `%{for}` (with whether an `%{else}` was seen) and its range.
struct Open {
    keyword: &'static str,
    range: std::ops::Range<usize>,
    has_else: bool,
}

/// Checks every template's directives nest as HCL requires.
fn unbalanced_directives(file: &Arc<SourceFile>, tokens: &[(usize, Token)]) -> Option<Diagnostic> {
    let at = |range: std::ops::Range<usize>| Some(Span::new(file, range));
    let described = |r: &std::ops::Range<usize>| describe_range(file, r);
    // One frame per template being read (templates nest through interpolations).
    let mut frames: Vec<Vec<Open>> = Vec::new();
    for (i, (o, t)) in tokens.iter().enumerate() {
        match t.kind {
            Kind::OQuote | Kind::OHeredoc => frames.push(Vec::new()),
            Kind::CQuote | Kind::CHeredoc => {
                let open = frames.pop().unwrap_or_default();
                if let Some(d) = open.last() {
                    let end = if d.keyword == "if" { "endif" } else { "endfor" };
                    return Some(
                        Diagnostic::error("Unexpected end of template")
                            .detail(format!(
                                "The {} directive at {} is missing its corresponding {end} directive.",
                                d.keyword,
                                described(&d.range)
                            ))
                            .span(at(*o..o + t.text.len())),
                    );
                }
            }
            Kind::TemplateControl => {
                let frame = frames.last_mut()?;
                let keyword = tokens.get(i + 1).map(|(_, k)| k.text.as_str());
                let range = *o..directive_end(tokens, i);
                match keyword {
                    Some("if") => frame.push(Open {
                        keyword: "if",
                        range,
                        has_else: false,
                    }),
                    Some("for") => frame.push(Open {
                        keyword: "for",
                        range,
                        has_else: false,
                    }),
                    Some("else") => match frame.last_mut() {
                        Some(d) if d.keyword == "if" && !d.has_else => d.has_else = true,
                        _ => {
                            return Some(
                                Diagnostic::error("Unexpected else directive")
                                    .detail(UNBALANCED)
                                    .span(at(range)),
                            )
                        }
                    },
                    Some(kw @ ("endif" | "endfor")) => {
                        let wanted = if kw == "endif" { "if" } else { "for" };
                        match frame.pop() {
                            Some(d) if d.keyword == wanted => {}
                            Some(d) => {
                                let end = if d.keyword == "if" { "endif" } else { "endfor" };
                                return Some(
                                    Diagnostic::error(format!("Unexpected {kw} directive"))
                                        .detail(format!(
                                            "Expecting an {end} directive for the {} started at {}.",
                                            d.keyword,
                                            described(&d.range)
                                        ))
                                        .span(at(range)),
                                );
                            }
                            None => {
                                return Some(
                                    Diagnostic::error(format!("Unexpected {kw} directive"))
                                        .detail(UNBALANCED)
                                        .span(at(range)),
                                )
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    None
}

/// The offset just after the `}` closing the directive that opens at token `i`.
fn directive_end(tokens: &[(usize, Token)], i: usize) -> usize {
    let mut depth = 0;
    for (o, t) in &tokens[i..] {
        depth += t.bracket_change();
        if depth == 0 || t.kind == Kind::Eof {
            return o + t.text.len();
        }
    }
    tokens[i].0 + tokens[i].1.text.len()
}

/// A range as HCL writes it in messages: `main.tf:2,8-20`, or `main.tf:2,8-3,4` across
/// lines.
fn describe_range(file: &Arc<SourceFile>, r: &std::ops::Range<usize>) -> String {
    let span = Span::new(file, r.clone());
    let (line, col) = span.file.line_col(span.start);
    let (end_line, end_col) = span.file.line_col(span.end);
    let name = span.file.display_name();
    if end_line == line {
        format!("{name}:{line},{col}-{end_col}")
    } else {
        format!("{name}:{line},{col}-{end_line},{end_col}")
    }
}
