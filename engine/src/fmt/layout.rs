//! The whitespace passes of Terraform's formatter, over a token stream: split into
//! lines, re-indent by bracket nesting, set the spaces between tokens, then align the
//! `=` of consecutive attribute lines and the trailing comments of consecutive lines.
//! Only `Token::spaces` changes here; token text is never touched.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use super::lex::{Kind, Token};

/// One source line split into up to three cells, as hclwrite does: `lead` (everything
/// up to the others), `assign` (from an attribute's `=` to the end of its value, when the
/// value is complete on this line) and `comment` (a trailing line comment).
#[derive(Debug, Clone)]
struct Line {
    lead: Range<usize>,
    assign: Option<Range<usize>>,
    comment: Option<Range<usize>>,
}

pub(crate) fn format_tokens(tokens: &mut [Token]) {
    let lines = split_lines(tokens);
    indent(tokens, &lines);
    spaces(tokens, &lines);
    align(tokens, &lines);
}

pub(crate) fn render(tokens: &[Token]) -> String {
    let mut out = String::with_capacity(tokens.iter().map(|t| t.text.len() + t.spaces).sum());
    for t in tokens {
        out.extend(std::iter::repeat_n(' ', t.spaces));
        out.push_str(&t.text);
    }
    out
}

fn split_lines(tokens: &[Token]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == Kind::Eof {
            // The end-of-file token belongs to no line; the last line ends before it.
            if start < i {
                lines.push(start..i);
            }
            start = tokens.len();
            break;
        }
        if t.is_newline() {
            lines.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        lines.push(start..tokens.len());
    }
    lines
        .into_iter()
        .map(|lead| {
            let mut line = Line {
                lead: lead.clone(),
                assign: None,
                comment: None,
            };
            if lead.len() > 1 && tokens[lead.end - 1].kind == Kind::Comment {
                line.comment = Some(lead.end - 1..lead.end);
                line.lead = lead.start..lead.end - 1;
            }
            let lead = line.lead.clone();
            if let Some(eq) = lead
                .clone()
                .skip(1)
                .find(|&i| tokens[i].kind == Kind::Equal)
            {
                // Only a value complete on this line is aligned; a value that opens a
                // bracket continues on the following lines.
                let net: i32 = tokens[eq..lead.end].iter().map(Token::bracket_change).sum();
                if net == 0 {
                    line.assign = Some(eq..lead.end);
                    line.lead = lead.start..eq;
                }
            }
            line
        })
        .collect()
}

fn indent(tokens: &mut [Token], lines: &[Line]) {
    // Each line whose brackets open more than they close indents the following lines
    // one level (two spaces), however many brackets it opened; closers pop levels.
    let mut levels: Vec<i32> = Vec::new();
    for line in lines {
        if line.lead.is_empty() {
            continue;
        }
        let first = line.lead.start;
        if tokens[first].kind == Kind::Newline {
            tokens[first].spaces = 0;
            continue;
        }
        let mut net = 0;
        for t in &tokens[line.lead.clone()] {
            net += t.bracket_change();
            if t.kind == Kind::OHeredoc {
                // A heredoc's body is not code: its brackets must not count.
                break;
            }
        }
        if let Some(a) = &line.assign {
            net += tokens[a.clone()]
                .iter()
                .map(Token::bracket_change)
                .sum::<i32>();
        }
        if net > 0 {
            tokens[first].spaces = 2 * levels.len();
            levels.push(net);
        } else {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = levels.last_mut() else {
                    break;
                };
                if closed >= *top {
                    closed -= *top;
                    levels.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
            tokens[first].spaces = 2 * levels.len();
        }
    }
}

fn spaces(tokens: &mut [Token], lines: &[Line]) {
    for line in lines {
        set_spaces(tokens, line.lead.clone());
        if let Some(a) = &line.assign {
            // One space between a name and its `=`; alignment adjusts it later.
            tokens[a.start].spaces = 1;
            set_spaces(tokens, a.clone());
        }
    }
}

fn set_spaces(tokens: &mut [Token], cell: Range<usize>) {
    for i in cell.clone() {
        if i + 1 >= cell.end {
            break;
        }
        let before = (i > cell.start).then(|| &tokens[i - 1]);
        let space = space_after(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces = usize::from(space);
    }
}

/// Whether `subject` is followed by a space when `after` comes next (hclwrite's rules).
fn space_after(subject: &Token, before: Option<&Token>, after: &Token) -> bool {
    use Kind::*;
    let s = subject.kind;
    let a = after.kind;
    if a == Newline || a == Eof {
        return false;
    }
    if s == Ident && a == OParen {
        return false; // a function call: f(x)
    }
    if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) {
        return false; // provider::aws::arn_parse
    }
    if s == Dot || a == Dot {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false; // never add spaces inside string text
    }
    if s == Ident && subject.text == "in" && before.is_some_and(|b| b.kind == Ident) {
        return true; // `for x in [a]`: `in` is a keyword, not a value being indexed
    }
    if a == OBrack && (s == Ident || s == NumberLit || subject.bracket_change() < 0) {
        return false; // indexing: a[0], f(x)[0]
    }
    if s == Bang {
        return false;
    }
    if s == Minus {
        // Subtraction gets spaces, negation does not; a minus that cannot follow the end
        // of an expression is a negation.
        return !matches!(
            before.map(|b| b.kind),
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Star
                    | Slash
                    | Percent
                    | Minus
                    | EqualOp
                    | NotEqual
                    | Gt
                    | Gte
                    | Lt
                    | Lte
                    | And
                    | Or
                    | Bang,
            )
        );
    }
    if s == OBrace || a == CBrace {
        // Braces get inner spaces (`b { x = 1 }`), except an empty pair: `{}`.
        return !(s == OBrace && a == CBrace);
    }
    if matches!(s, TemplateInterp | TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) {
        return false;
    }
    if subject.bracket_change() > 0 || after.bracket_change() < 0 {
        return false;
    }
    true
}

fn columns(tokens: &[Token], cell: &Range<usize>) -> usize {
    tokens[cell.clone()]
        .iter()
        .map(|t| t.spaces + t.text.graphemes(true).count())
        .sum()
}

fn align(tokens: &mut [Token], lines: &[Line]) {
    // Runs of consecutive lines with an `=` cell: pad so every `=` is one column past
    // the longest name. Any other line (blank, comment-only, block, multi-line value)
    // ends the run.
    for run in runs(lines, |l| l.assign.is_some()) {
        let width = run
            .iter()
            .map(|l| columns(tokens, &l.lead))
            .max()
            .unwrap_or(0);
        for l in run {
            let pad = width - columns(tokens, &l.lead) + 1;
            if let Some(a) = &l.assign {
                tokens[a.start].spaces = pad;
            }
        }
    }
    // Then trailing comments of consecutive lines line up one column past the longest
    // code among them.
    for run in runs(lines, |l| l.comment.is_some()) {
        let code = |tokens: &[Token], l: &Line| {
            columns(tokens, &l.lead) + l.assign.as_ref().map_or(0, |a| columns(tokens, a))
        };
        let width = run.iter().map(|l| code(tokens, l)).max().unwrap_or(0);
        for l in run {
            let pad = width - code(tokens, l) + 1;
            if let Some(c) = &l.comment {
                tokens[c.start].spaces = pad;
            }
        }
    }
}

fn runs(lines: &[Line], pred: impl Fn(&Line) -> bool) -> Vec<&[Line]> {
    lines
        .split(|l| !pred(l))
        .filter(|r| !r.is_empty())
        .collect()
}
