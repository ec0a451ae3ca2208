//! Template strip markers (`${~ x ~}`, `%{~ if c ~}`), applied as HCL applies them: once,
//! to the source literal right before or after the marker (in source order, across
//! directive boundaries), never to interpolated values. In heredocs and template files HCL
//! reads each line as its own literal token, so a marker strips only the whitespace of the
//! adjacent line: the indentation before `%{~`, or the rest of the line (with its newline)
//! after `~}`. In quoted strings the whole adjacent literal is one token.

use hcl_edit::template::{Directive, Element, Strip, Template};

/// Whether literals are split into one token per line (heredocs, template files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokens {
    WholeLiteral,
    PerLine,
}

/// One step of a template in source order: a literal (by its index in source order) or a
/// marker that may strip its neighbours.
enum Step {
    Literal,
    Marker { before: bool, after: bool },
}

/// `t` with every strip marker applied to the literals next to it; `None` when no marker
/// strips anything (the common case, which then costs no copy).
pub fn apply(t: &Template, tokens: Tokens) -> Option<Template> {
    let mut steps = Vec::new();
    collect(t, &mut steps);
    // (trim start, trim end) for each literal, in source order.
    let mut trims = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        if let Step::Literal = s {
            let after_marker = i
                .checked_sub(1)
                .is_some_and(|p| matches!(steps[p], Step::Marker { after: true, .. }));
            let before_marker = matches!(steps.get(i + 1), Some(Step::Marker { before: true, .. }));
            trims.push((after_marker, before_marker));
        }
    }
    if !trims.iter().any(|(a, b)| *a || *b) {
        return None;
    }
    let mut out = t.clone();
    rewrite(&mut out, &trims, &mut 0, tokens);
    Some(out)
}

fn marker(s: Strip) -> Step {
    Step::Marker {
        before: s.strip_start(),
        after: s.strip_end(),
    }
}

fn collect(t: &Template, steps: &mut Vec<Step>) {
    for el in t.iter() {
        match el {
            Element::Literal(_) => steps.push(Step::Literal),
            Element::Interpolation(i) => steps.push(marker(i.strip)),
            Element::Directive(d) => match &**d {
                Directive::If(d) => {
                    steps.push(marker(d.if_expr.strip));
                    collect(&d.if_expr.template, steps);
                    if let Some(e) = &d.else_expr {
                        steps.push(marker(e.strip));
                        collect(&e.template, steps);
                    }
                    steps.push(marker(d.endif_expr.strip));
                }
                Directive::For(d) => {
                    steps.push(marker(d.for_expr.strip));
                    collect(&d.for_expr.template, steps);
                    steps.push(marker(d.endfor_expr.strip));
                }
            },
        }
    }
}

fn rewrite(t: &mut Template, trims: &[(bool, bool)], next: &mut usize, tokens: Tokens) {
    for el in t.iter_mut() {
        match el {
            Element::Literal(l) => {
                let (start, end) = trims.get(*next).copied().unwrap_or_default();
                *next += 1;
                if start || end {
                    let text = trim(l.value(), start, end, tokens);
                    *l.value_mut() = text;
                }
            }
            Element::Interpolation(_) => {}
            Element::Directive(d) => match &mut **d {
                Directive::If(d) => {
                    rewrite(&mut d.if_expr.template, trims, next, tokens);
                    if let Some(e) = &mut d.else_expr {
                        rewrite(&mut e.template, trims, next, tokens);
                    }
                }
                Directive::For(d) => rewrite(&mut d.for_expr.template, trims, next, tokens),
            },
        }
    }
}

/// Trims the first token of `text` at its start and the last one at its end.
fn trim(text: &str, start: bool, end: bool, tokens: Tokens) -> String {
    let (first_end, last_start) = match tokens {
        Tokens::WholeLiteral => (text.len(), 0),
        Tokens::PerLine => (
            text.find('\n').map_or(text.len(), |i| i + 1),
            last_line_start(text),
        ),
    };
    let mut out = text.to_string();
    if end {
        out.truncate(last_start);
        out.push_str(text[last_start..].trim_end());
    }
    if start {
        let first_end = first_end.min(out.len());
        let head = out[..first_end].trim_start().to_string();
        out.replace_range(..first_end, &head);
    }
    out
}

/// Where the last line token of `text` starts: after the newline before the last line,
/// where a literal ending in a newline counts that newline as part of its last line.
fn last_line_start(text: &str) -> usize {
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.rfind('\n').map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_line_tokens_strip_one_line() {
        let t = |s: &str, a: bool, b: bool| trim(s, a, b, Tokens::PerLine);
        assert_eq!(t("x\n\n  ", false, true), "x\n\n");
        assert_eq!(t("x\n", false, true), "x");
        assert_eq!(t("  \n\n  B\n\n", true, false), "\n  B\n\n");
        assert_eq!(t("  \n\n  B\n\n", true, true), "\n  B\n");
        assert_eq!(t("  mid  ", true, true), "mid");
    }

    #[test]
    fn whole_literals_strip_all_adjacent_whitespace() {
        assert_eq!(trim("a  \n\n  ", false, true, Tokens::WholeLiteral), "a");
        assert_eq!(trim("  \n\n  b", true, false, Tokens::WholeLiteral), "b");
    }
}
