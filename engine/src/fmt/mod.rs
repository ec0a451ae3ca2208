//! `terraform fmt` for terrane: rewrites HCL source in Terraform's canonical style.
//!
//! The approach is Terraform's own (hclwrite): lex the source into tokens, keeping every
//! byte except the whitespace between tokens, then decide all of that whitespace again:
//!
//! - two spaces of indentation per open bracket level (`{`, `[`, `(`, `${`, `%{`) at the
//!   start of each line; a line opening several brackets indents the next lines once;
//! - one space around `=` and binary operators, after commas, inside non-empty braces
//!   (`b { x = 1 }`, `{}`), none inside `[]`/`()`, around `.`, before `,`, after `!` or a
//!   negating `-`, between a function name and `(`, or inside string text;
//! - the `=` of consecutive single-line attributes (or object items) aligned one column
//!   past the longest name; a blank line, a comment-only line, a block or a multi-line
//!   value ends the run; trailing comments of consecutive lines aligned likewise;
//! - no whitespace before a newline (trailing whitespace removed), blank lines kept as
//!   they are (not collapsed, as in Terraform), the output ends with a newline;
//! - comments, string contents and heredoc bodies (including their closing-marker
//!   indentation) are never changed;
//!
//! plus the rewrites in [`rewrite`]: interpolation-only values unwrapped, legacy variable
//! types, and unquoted block labels. Formatting is idempotent, and a file Terraform has
//! formatted is unchanged.

mod layout;
pub(crate) mod lex;
mod rewrite;

use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// Formats source text without checking its syntax first. Never fails and never panics;
/// on text that is not valid HCL the result is still whitespace-only changes (plus the
/// rewrites where the structure is recognisable), but may not be what anyone wants, so
/// commands should use [`format_file`].
pub fn format_source(src: &str) -> String {
    let mut tokens = rewrite::apply(lex::lex(src));
    layout::format_tokens(&mut tokens);
    // Whitespace on a last line that has no newline belongs to no token's line, and
    // Terraform leaves it (then adds the newline), so its output would change again on
    // a second run. terrane gives that second run's result at once: the whitespace-only
    // last line becomes an empty one.
    let trailing_blank = tokens.last().is_some_and(|t| t.spaces > 0);
    if let Some(eof) = tokens.last_mut() {
        eof.spaces = 0;
    }
    let mut out = layout::render(&tokens);
    // The output always ends with a newline (an empty file becomes a single newline).
    if !out.ends_with('\n') || trailing_blank {
        out.push('\n');
    }
    out
}

/// Checks that the file is valid HCL native syntax, then formats it. A syntax error is
/// returned as a diagnostic at its location, and nothing is formatted: reformatting
/// broken input could make drastic changes that are hard to undo.
pub fn format_file(file: &Arc<SourceFile>) -> Result<String, Diagnostic> {
    // HCL skips a UTF-8 byte order mark (and the formatter drops it); hcl-edit does not
    // accept one, so the check sees the text without it.
    let checked = match file.text.strip_prefix('\u{feff}') {
        Some(rest) => SourceFile::new(file.path.clone(), rest),
        None => Arc::clone(file),
    };
    let mut diags = Diagnostics::new();
    if crate::config::parse_file(&checked, &mut diags).is_none() {
        return Err(diags
            .0
            .into_iter()
            .next()
            .unwrap_or_else(|| Diagnostic::error("Invalid HCL syntax")));
    }
    if let Some(offset) = lex::unclosed_heredoc(&file.text) {
        return Err(Diagnostic::error("Unterminated template string")
            .detail("No closing marker was found for the string.")
            .span(Some(crate::diag::Span::new(file, offset..offset + 2))));
    }
    Ok(format_source(&file.text))
}

#[cfg(test)]
mod tests;
