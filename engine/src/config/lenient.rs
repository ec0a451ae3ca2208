//! Native-syntax parsing that accepts what HCL's own parser accepts where hcl-edit is
//! stricter. hcl-edit refuses an object constructor that repeats a key (HCL evaluates it,
//! the last value winning) and reads an empty heredoc (`<<EOT` directly followed by its
//! closing `EOT`) on to the next line that closes a heredoc of the same name. Rather than
//! fork the parser, the text is rewritten before parsing: a repeated key is quoted (or
//! parenthesised) so hcl-edit sees a distinct key expression with the same value, and an
//! empty heredoc becomes `""`. The rewritten text is a generated [`SourceFile`] whose
//! spans map back to what the user wrote, so diagnostics are unaffected.

use std::collections::BTreeMap;
use std::sync::Arc;

use hcl_edit::structure::Body;

use crate::diag::{Origin, SourceFile};
use crate::fmt::lex::{lex, Kind, Token};

/// More rewrites than any real file needs: a bound on reparsing a pathological one.
const MAX_REPAIRS: usize = 256;

/// Parses `file`; the body's spans are in the returned file (`file` itself when nothing
/// was rewritten). An error's offset is in the returned file too.
pub(crate) fn parse(
    file: &Arc<SourceFile>,
) -> (Result<Body, hcl_edit::parser::Error>, Arc<SourceFile>) {
    // Lexing allocates a string per token (a quarter of the time spent loading a large
    // configuration): it is done only when the text may hold a heredoc, or when the
    // parser reports a repeated key, which is rare.
    let tokens = std::cell::OnceCell::new();
    let tokens = || tokens.get_or_init(|| located(&file.text));
    let mut edits = Edits::default();
    if file.text.contains("<<") {
        for pair in tokens().windows(2) {
            if pair[0].1.kind == Kind::OHeredoc && pair[1].1.kind == Kind::CHeredoc {
                let end = pair[1].0 + pair[1].1.text.len();
                edits.replaced.insert(pair[0].0, (end, "\"\""));
            }
        }
    }
    let mut current = edits.apply(file);
    for _ in 0..MAX_REPAIRS {
        let err = match hcl_edit::parser::parse_body(&current.text) {
            Ok(mut body) => {
                crate::lang::heredoc::flush_body(&mut body, &current.text);
                return (Ok(body), current);
            }
            Err(e) => e,
        };
        if !err.message().contains("redefined object key") {
            return (Err(err), current);
        }
        let at = SourceFile::resolve(&current, err.location().offset()).1;
        if let Some(w) = edits.wrapped.get_mut(&at) {
            w.depth += 1;
        } else if let Some(key) = key_at(tokens(), at) {
            edits.wrapped.insert(at, key);
        } else {
            return (Err(err), current);
        }
        current = edits.apply(file);
    }
    let err = hcl_edit::parser::parse_body(&current.text).err();
    match err {
        Some(e) => (Err(e), current),
        None => (Ok(Body::new()), current),
    }
}

/// Tokens with the byte offset each starts at.
pub(super) fn located(text: &str) -> Vec<(usize, Token)> {
    let mut at = if text.starts_with('\u{feff}') { 3 } else { 0 };
    lex(text)
        .into_iter()
        .map(|t| {
            at += t.spaces;
            let start = at;
            at += t.text.len();
            (start, t)
        })
        .collect()
}

/// A repeated object key: its original range, whether it is a bare name, and how many
/// times it has been made distinct (a key repeated three times is wrapped twice).
struct Wrapped {
    end: usize,
    ident: bool,
    depth: usize,
}

impl Wrapped {
    /// A bare name `k` becomes `"k"`, then `("k")`, ...; any other key `(k)`, `((k))`, ...
    fn affixes(&self) -> (String, String) {
        let quote = if self.ident { "\"" } else { "" };
        let parens = self.depth - usize::from(self.ident);
        (
            format!("{}{quote}", "(".repeat(parens)),
            format!("{quote}{}", ")".repeat(parens)),
        )
    }
}

/// The key starting at `at`: a name, or every token up to the `=` or `:` that ends it.
fn key_at(tokens: &[(usize, Token)], at: usize) -> Option<Wrapped> {
    let first = tokens.iter().position(|(o, _)| *o == at)?;
    if tokens[first].1.kind == Kind::Ident {
        return Some(Wrapped {
            end: at + tokens[first].1.text.len(),
            ident: true,
            depth: 1,
        });
    }
    let mut depth = 0;
    let mut end = at;
    for (o, t) in &tokens[first..] {
        if depth == 0 && matches!(t.kind, Kind::Equal | Kind::Colon) {
            return Some(Wrapped {
                end,
                ident: false,
                depth: 1,
            });
        }
        if t.kind == Kind::Eof {
            return None;
        }
        depth += t.bracket_change();
        end = o + t.text.len();
    }
    None
}

#[derive(Default)]
struct Edits {
    /// Original ranges replaced by a text (empty heredocs), by start.
    replaced: BTreeMap<usize, (usize, &'static str)>,
    /// Repeated object keys, by start.
    wrapped: BTreeMap<usize, Wrapped>,
}

impl Edits {
    /// The text with every edit made, mapping back to `file`.
    fn apply(&self, file: &Arc<SourceFile>) -> Arc<SourceFile> {
        if self.replaced.is_empty() && self.wrapped.is_empty() {
            return Arc::clone(file);
        }
        // Insertions at original offsets, in order; replacements skip their range.
        let mut inserts: Vec<(usize, usize, String)> = Vec::new();
        for (start, (end, text)) in &self.replaced {
            inserts.push((*start, *end, (*text).to_string()));
        }
        for (start, w) in &self.wrapped {
            let (open, close) = w.affixes();
            inserts.push((*start, *start, open));
            inserts.push((w.end, w.end, close));
        }
        inserts.sort_by_key(|(start, end, _)| (*start, *end));
        let src = &file.text;
        let mut out = String::with_capacity(src.len() + 16);
        let mut pieces = Vec::new();
        let mut pos = 0;
        for (start, end, text) in inserts {
            if start < pos {
                continue;
            }
            pieces.push((out.len(), pos, start - pos));
            out.push_str(&src[pos..start]);
            out.push_str(&text);
            pos = end;
        }
        pieces.push((out.len(), pos, src.len() - pos));
        out.push_str(&src[pos..]);
        SourceFile::generated(out, Origin::single(file, pieces))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{eval, EvalContext, Scope, Subject, Value};

    struct NoScope;
    impl Scope for NoScope {
        fn resolve(&self, _: &Subject) -> Result<Arc<Value>, String> {
            Err("none".into())
        }
    }

    fn value_of(text: &str, name: &str) -> Value {
        let file = SourceFile::new("main.tf", text);
        let (body, file) = parse(&file);
        let body = body.unwrap();
        let attr = body.get_attribute(name).unwrap();
        let ctx = EvalContext {
            scope: &NoScope,
            base_dir: std::path::Path::new("."),
        };
        eval(&attr.value, &file, &ctx).unwrap()
    }

    #[test]
    fn repeated_object_keys_keep_the_last_value() {
        let v = value_of(
            "a = { port = 80, proto = \"tcp\", port = 81, \"port\" = 82 }\n",
            "a",
        );
        let Value::Object(o) = v else { panic!("{v:?}") };
        assert_eq!(o["port"], Value::from_json(&serde_json::json!(82)));
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn empty_heredoc_is_an_empty_string() {
        let text = "a = <<EOT\nEOT\nb = <<EOT\nx\nEOT\n";
        assert_eq!(value_of(text, "a"), Value::string(""));
        assert_eq!(value_of(text, "b"), Value::string("x\n"));
    }

    #[test]
    fn spans_point_at_the_original_text() {
        let text = "a = { k = 1, k = 2 }\nb = nope(\n";
        let file = SourceFile::new("main.tf", text);
        let (body, generated) = parse(&file);
        let err = body.unwrap_err();
        let span = crate::diag::Span::new(
            &generated,
            err.location().offset()..err.location().offset() + 1,
        );
        assert_eq!(span.line_col().0, 2);
    }
}
