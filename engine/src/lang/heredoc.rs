//! Indented heredocs (`<<-EOT`) as HCL reads them. hcl-edit removes the common indentation
//! of top-level text only, and before strip markers are applied; HCL applies the strip
//! markers first, then removes the smallest indentation of every line-start literal
//! anywhere in the template (inside `%{if}`/`%{for}` too). The order matters: a `~}` that
//! strips a line's newline makes the next line no longer start a line, so it keeps its
//! indentation, and an emptied line-start literal counts as zero indentation. Terraform
//! prints `"    - a\n    - b\n"` for a `%{ for ~}` list where a dedent-first reading gives
//! `"- a\n- b\n"`.
//!
//! [`flush_body`] rebuilds every indented heredoc of a freshly parsed body from its source
//! text (the literals' spans) with HCL's rule, and clears the strip markers it applied, so
//! evaluation renders the result as is.

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use hcl_edit::template::{Directive, Element, Strip, Template};
use hcl_edit::visit_mut::{visit_expr_mut, VisitMut};
use hcl_edit::Span;

use super::strip::{self, Tokens};

/// Applies HCL's indented-heredoc rule to every `<<-` heredoc in `body`, whose spans are
/// offsets into `text`.
pub fn flush_body(body: &mut Body, text: &str) {
    Flusher { text }.visit_body_mut(body);
}

/// [`flush_body`] for one expression parsed from `text`.
pub fn flush_expr(expr: &mut Expression, text: &str) {
    Flusher { text }.visit_expr_mut(expr);
}

struct Flusher<'a> {
    text: &'a str,
}

impl VisitMut for Flusher<'_> {
    fn visit_expr_mut(&mut self, node: &mut Expression) {
        let indented = node
            .span()
            .and_then(|r| self.text.get(r))
            .is_some_and(|s| s.starts_with("<<-"));
        if let (true, Expression::HeredocTemplate(h)) = (indented, &mut *node) {
            if restore_source(&mut h.template, self.text) {
                flush(&mut h.template);
            }
        }
        visit_expr_mut(self, node);
    }
}

/// Puts back the text of every literal as written (hcl-edit has dedented some of them);
/// false when a literal has no usable span, and the template is left as parsed.
fn restore_source(t: &mut Template, text: &str) -> bool {
    t.iter_mut().all(|el| match el {
        Element::Literal(l) => match l.span().and_then(|r| text.get(r)) {
            Some(raw) => {
                *l.value_mut() = raw.replace("$${", "${").replace("%%{", "%{");
                true
            }
            None => false,
        },
        Element::Interpolation(_) => true,
        Element::Directive(d) => match &mut **d {
            Directive::If(d) => {
                restore_source(&mut d.if_expr.template, text)
                    && d.else_expr
                        .as_mut()
                        .is_none_or(|e| restore_source(&mut e.template, text))
            }
            Directive::For(d) => restore_source(&mut d.for_expr.template, text),
        },
    })
}

/// Strip markers, then the common indentation of line-start literals, as HCL does.
fn flush(t: &mut Template) {
    if let Some(stripped) = strip::apply(t, Tokens::PerLine) {
        *t = stripped;
    }
    clear_strip_markers(t);
    let mut measure = Indent::Measure(usize::MAX);
    walk(t, &mut true, &mut measure);
    if let Indent::Measure(n) = measure {
        if n > 0 && n != usize::MAX {
            walk(t, &mut true, &mut Indent::Remove(n));
        }
    }
}

fn clear_strip_markers(t: &mut Template) {
    for el in t.iter_mut() {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => i.strip = Strip::None,
            Element::Directive(d) => match &mut **d {
                Directive::If(d) => {
                    d.if_expr.strip = Strip::None;
                    d.endif_expr.strip = Strip::None;
                    clear_strip_markers(&mut d.if_expr.template);
                    if let Some(e) = &mut d.else_expr {
                        e.strip = Strip::None;
                        clear_strip_markers(&mut e.template);
                    }
                }
                Directive::For(d) => {
                    d.for_expr.strip = Strip::None;
                    d.endfor_expr.strip = Strip::None;
                    clear_strip_markers(&mut d.for_expr.template);
                }
            },
        }
    }
}

/// The two passes over the template's tokens in source order: find the smallest
/// indentation of a line start, then remove that much from each.
enum Indent {
    Measure(usize),
    Remove(usize),
}

/// Visits the tokens of `t` in source order; `line_start` says whether the next token
/// begins a line (the previous literal ended with a newline).
fn walk(t: &mut Template, line_start: &mut bool, indent: &mut Indent) {
    for el in t.iter_mut() {
        match el {
            Element::Literal(l) => {
                if l.value().is_empty() {
                    // An emptied line-start literal is a line with no indentation.
                    non_literal(line_start, indent);
                    continue;
                }
                match indent {
                    Indent::Measure(min) => {
                        if let Some(least) = indents(l.value(), *line_start).flatten().min() {
                            *min = (*min).min(least);
                        }
                    }
                    Indent::Remove(n) => {
                        let mut out = String::with_capacity(l.value().len());
                        for (line, spaces) in l
                            .value()
                            .split_inclusive('\n')
                            .zip(indents(l.value(), *line_start))
                        {
                            out.extend(line.chars().skip(spaces.map_or(0, |s| s.min(*n))));
                        }
                        *l.value_mut() = out;
                    }
                }
                *line_start = l.value().ends_with('\n');
            }
            Element::Interpolation(_) => non_literal(line_start, indent),
            Element::Directive(d) => match &mut **d {
                Directive::If(d) => {
                    non_literal(line_start, indent);
                    walk(&mut d.if_expr.template, line_start, indent);
                    if let Some(e) = &mut d.else_expr {
                        non_literal(line_start, indent);
                        walk(&mut e.template, line_start, indent);
                    }
                    non_literal(line_start, indent);
                }
                Directive::For(d) => {
                    non_literal(line_start, indent);
                    walk(&mut d.for_expr.template, line_start, indent);
                    non_literal(line_start, indent);
                }
            },
        }
    }
}

/// For each line of a literal, its indentation when it counts as a line start: the first
/// line only after a newline (`line_start`), and never a blank line.
fn indents(text: &str, line_start: bool) -> impl Iterator<Item = Option<usize>> + '_ {
    text.split_inclusive('\n')
        .enumerate()
        .map(move |(i, line)| {
            let blank = line.trim_start().is_empty() && line.ends_with('\n');
            ((i > 0 || line_start) && !blank)
                .then(|| line.chars().take_while(|c| c.is_whitespace()).count())
        })
}

/// An interpolation or directive marker: at the start of a line it leaves no indentation
/// to remove.
fn non_literal(line_start: &mut bool, indent: &mut Indent) {
    if *line_start {
        if let Indent::Measure(min) = indent {
            *min = 0;
        }
    }
    *line_start = false;
}
