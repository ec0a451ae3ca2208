//! The small syntax rewrites `terraform fmt` makes on top of whitespace formatting:
//!
//! - an attribute value that is only one interpolation, `"${var.x}"`, becomes `var.x`
//!   (wrapped in parentheses if it spans lines);
//! - in a `variable` block, `type = "string"` / `"list"` / `"map"` (Terraform 0.11 style)
//!   become `string` / `list(string)` / `map(string)`, and a bare `list`, `map` or `set`
//!   becomes `list(any)` etc.;
//! - unquoted block labels are quoted: `resource aws_vpc main {` -> `resource "aws_vpc" "main" {`.
//!
//! These apply to attributes of bodies only (not to object-literal items), as in Terraform.
//! The walk is over tokens; anything it does not recognise as a body leaves the whole
//! file's tokens unrewritten rather than guessing.

use std::ops::Range;

use super::lex::{Kind, Token};

pub(crate) fn apply(tokens: Vec<Token>) -> Vec<Token> {
    let mut w = Walker {
        t: &tokens,
        edits: Vec::new(),
    };
    if w.body(0, &mut Vec::new(), false).is_none() {
        return tokens;
    }
    let mut edits = std::mem::take(&mut w.edits);
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = Vec::with_capacity(tokens.len());
    let mut pos = 0;
    for (range, replacement) in edits {
        if range.start < pos {
            continue; // cannot happen (edits do not overlap), but never corrupt output
        }
        out.extend_from_slice(&tokens[pos..range.start]);
        out.extend(replacement);
        pos = range.end;
    }
    out.extend_from_slice(&tokens[pos..]);
    out
}

struct Walker<'a> {
    t: &'a [Token],
    edits: Vec<(Range<usize>, Vec<Token>)>,
}

impl Walker<'_> {
    fn kind(&self, i: usize) -> Kind {
        self.t.get(i).map_or(Kind::Eof, |t| t.kind)
    }

    /// Walks a body from `i`; returns the index of the closing brace (nested) or EOF.
    fn body(&mut self, mut i: usize, path: &mut Vec<String>, nested: bool) -> Option<usize> {
        loop {
            match self.kind(i) {
                Kind::Newline | Kind::Comment => i += 1,
                Kind::Eof => return (!nested).then_some(i),
                Kind::CBrace if nested => return Some(i),
                Kind::Ident if self.kind(i + 1) == Kind::Equal => {
                    let name = &self.t[i].text;
                    let start = i + 2;
                    let end = self.expr_end(start)?;
                    let expr = &self.t[start..end];
                    let new = if path.len() == 1 && path[0] == "variable" && name == "type" {
                        type_expr(expr)
                    } else {
                        value_expr(expr)
                    };
                    if let Some(new) = new {
                        self.edits.push((start..end, new));
                    }
                    i = end;
                }
                Kind::Ident => {
                    let name = self.t[i].text.clone();
                    let open = self.labels(i + 1)?;
                    path.push(name);
                    let close = self.body(open + 1, path, true)?;
                    path.pop();
                    i = close + 1;
                }
                _ => return None,
            }
        }
    }

    /// Block labels from `i` up to the `{`, whose index is returned. Bare identifier
    /// labels are quoted, unless a comment sits among the labels: Terraform would drop
    /// it, and terrane keeps every comment, so that header is left as written.
    fn labels(&mut self, mut i: usize) -> Option<usize> {
        let mut bare = Vec::new();
        let mut commented = false;
        loop {
            match self.kind(i) {
                Kind::OBrace => break,
                Kind::Ident => {
                    bare.push(i);
                    i += 1;
                }
                Kind::OQuote => {
                    i += 1;
                    while self.kind(i) == Kind::QuotedLit {
                        i += 1;
                    }
                    if self.kind(i) != Kind::CQuote {
                        return None;
                    }
                    i += 1;
                }
                Kind::Comment if !self.t[i].is_newline() => {
                    commented = true;
                    i += 1;
                }
                _ => return None,
            }
        }
        if !commented {
            for b in bare {
                let quoted = vec![
                    Token::new(Kind::OQuote, "\""),
                    Token::new(Kind::QuotedLit, &self.t[b].text),
                    Token::new(Kind::CQuote, "\""),
                ];
                self.edits.push((b..b + 1, quoted));
            }
        }
        Some(i)
    }

    /// The end (exclusive) of the expression starting at `i`: the end of its line at
    /// nesting depth zero, or the `}` closing a one-line block; trailing comments are
    /// not part of it.
    fn expr_end(&self, start: usize) -> Option<usize> {
        let mut depth = 0i32;
        let mut i = start;
        loop {
            let t = self.t.get(i)?;
            if t.kind == Kind::Eof {
                break;
            }
            if depth == 0 && (t.is_newline() || t.kind == Kind::CBrace) {
                break;
            }
            depth += match t.kind {
                Kind::OQuote | Kind::OHeredoc => 1,
                Kind::CQuote | Kind::CHeredoc => -1,
                _ => t.bracket_change(),
            };
            if depth < 0 {
                return None;
            }
            i += 1;
        }
        let mut end = i;
        while end > start && self.t[end - 1].kind == Kind::Comment {
            end -= 1;
        }
        (end > start).then_some(end)
    }
}

/// `"${ expr }"` -> `expr`, when the string is exactly one interpolation.
fn value_expr(t: &[Token]) -> Option<Vec<Token>> {
    let n = t.len();
    if n < 5
        || t[0].kind != Kind::OQuote
        || t[1].kind != Kind::TemplateInterp
        || t[n - 2].kind != Kind::TemplateSeqEnd
        || t[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &t[2..n - 2];
    let mut quotes = 0;
    for tok in inside {
        match tok.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            // Interpolations inside nested strings belong to a nested expression.
            _ if quotes > 0 => {}
            // `"${a}${b}"` or `"${a}-x"`: more than one interpolation, or literal text.
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let first = inside.iter().position(|t| t.kind != Kind::Newline)?;
    let last = inside.iter().rposition(|t| t.kind != Kind::Newline)?;
    let trimmed = &inside[first..=last];
    let mut multi_line = false;
    let mut lead_paren = false;
    let mut trail_paren = false;
    for (i, tok) in trimmed.iter().enumerate() {
        if i == 0 && tok.kind == Kind::OParen {
            lead_paren = true;
        } else if tok.kind == Kind::Newline {
            multi_line = true;
        } else if i == trimmed.len() - 1 && tok.kind == Kind::CParen {
            trail_paren = true;
        }
    }
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    // A value spanning lines needs parentheses to stay one expression once unquoted.
    let wrap = multi_line && !(lead_paren && trail_paren);
    if wrap {
        out.push(Token::new(Kind::OParen, "("));
    }
    out.extend_from_slice(trimmed);
    if wrap {
        out.push(Token::new(Kind::CParen, ")"));
    }
    Some(out)
}

/// Legacy and shorthand type constraints in `variable` blocks.
fn type_expr(t: &[Token]) -> Option<Vec<Token>> {
    let call = |name: &str, arg: &str| {
        Some(vec![
            Token::new(Kind::Ident, name),
            Token::new(Kind::OParen, "("),
            Token::new(Kind::Ident, arg),
            Token::new(Kind::CParen, ")"),
        ])
    };
    match t {
        [kw] if kw.kind == Kind::Ident => match kw.text.as_str() {
            "list" | "map" | "set" => call(&kw.text, "any"),
            _ => None,
        },
        [o, s, c]
            if o.kind == Kind::OQuote && s.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            // Terraform 0.11 had no `any`; its collections were of strings.
            match s.text.as_str() {
                "string" => Some(vec![Token::new(Kind::Ident, "string")]),
                "list" => call("list", "string"),
                "map" => call("map", "string"),
                _ => None,
            }
        }
        _ => None,
    }
}
