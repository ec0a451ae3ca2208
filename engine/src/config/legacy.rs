//! Terraform 0.11 spellings that Terraform still reads, with its deprecation warning:
//! references in quotes where a bare reference belongs (`depends_on = ["aws_vpc.a"]`,
//! `provider = "aws.west"`, `ignore_changes = ["tags"]`).

use std::sync::Arc;

use hcl_edit::expr::Expression;

use super::span_of;
use crate::diag::{Diagnostic, Diagnostics, Origin, SourceFile};

/// For a quoted string standing where a reference belongs: the reference written inside
/// the quotes, in a file whose spans point inside the quotes, and the deprecation warning
/// pushed to `diags`. `None` for anything else, including strings that hold no reference
/// (the caller reports those as it reports any other wrong expression).
pub(super) fn unquoted_reference(
    e: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<(Expression, Arc<SourceFile>)> {
    let Expression::String(s) = e else {
        return None;
    };
    let text = s.value().clone();
    let inner = hcl_edit::Span::span(e).map_or(0, |r| r.start + 1);
    let len = text.len();
    let sub = SourceFile::generated(text, Origin::single(file, vec![(0, inner, len)]));
    let parsed = hcl_edit::parser::parse_expr(&sub.text).ok()?;
    if !matches!(parsed, Expression::Variable(_) | Expression::Traversal(_)) {
        return None;
    }
    diags.push(
        Diagnostic::warning("Quoted references are deprecated")
            .detail("References are written without quotes since Terraform 0.12; the quoted form still works but will be removed. Remove the quotes around this reference to silence this warning.")
            .span(span_of(e, file)),
    );
    Some((parsed, sub))
}
