//! Diagnostics as values: a severity, a one-line summary, an optional detail sentence and
//! the source range it is about. Functions return them alongside results instead of
//! failing on the first problem, so independent errors are reported together. Line and
//! column are computed from byte offsets only when rendering.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A byte range in one source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The span of `range` in `file`; for a file generated from others (see
    /// [`SourceFile::generated`]) the span is in the original the range was copied from.
    /// A range whose ends come from different files is shortened to its start.
    pub fn new(file: &Arc<SourceFile>, range: std::ops::Range<usize>) -> Span {
        let (f, start) = SourceFile::resolve(file, range.start);
        let end = if range.end > range.start {
            let (g, last) = SourceFile::resolve(file, range.end - 1);
            if Arc::ptr_eq(&f, &g) {
                last + 1
            } else {
                start
            }
        } else {
            start
        };
        Span {
            file: f,
            start,
            end: end.max(start),
        }
    }

    /// One-based line and column of the start of the span.
    pub fn line_col(&self) -> (usize, usize) {
        self.file.line_col(self.start)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, col) = self.line_col();
        write!(f, "{}:{line}:{col}", self.file.display_name())
    }
}

/// The text of a configuration (or variables) file, kept for rendering diagnostics.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SourceFile {
    /// The path as the user would recognise it (relative to the working directory).
    pub path: PathBuf,
    pub text: String,
    /// For text generated from another file (HCL made from a `.tf.json` file): where each
    /// piece came from, so spans point into what the user wrote.
    pub origin: Option<Origin>,
}

/// Where the pieces of a generated [`SourceFile`] were copied from: one file (text made
/// from a `.tf.json` file, or a file the parser's leniency rewrote) or several (a block
/// merged from a primary and an override file).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// Sorted by generated offset.
    pub segments: Vec<Segment>,
}

/// `len` bytes at `generated` were copied from `original` in `file`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Segment {
    pub generated: usize,
    pub file: Arc<SourceFile>,
    pub original: usize,
    pub len: usize,
}

impl Origin {
    /// Every piece copied from `file`, as `(generated offset, original offset, length)`.
    pub fn single(file: &Arc<SourceFile>, pieces: Vec<(usize, usize, usize)>) -> Origin {
        Origin {
            segments: pieces
                .into_iter()
                .map(|(generated, original, len)| Segment {
                    generated,
                    file: Arc::clone(file),
                    original,
                    len,
                })
                .collect(),
        }
    }

    /// The file and original offset of generated offset `at`: inside a copied piece, the
    /// same character; between pieces, the end of the piece before.
    pub fn map(&self, at: usize) -> Option<(&Arc<SourceFile>, usize)> {
        let i = self.segments.partition_point(|s| s.generated <= at);
        let s = &self.segments[i
            .checked_sub(1)
            .or((!self.segments.is_empty()).then_some(0))?];
        Some((
            &s.file,
            s.original + at.saturating_sub(s.generated).min(s.len),
        ))
    }
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
            origin: None,
        })
    }

    /// Text generated from the files `origin` names (it takes the path of the first), whose
    /// spans map back into them.
    pub fn generated(text: String, origin: Origin) -> Arc<SourceFile> {
        let path = origin
            .segments
            .first()
            .map(|s| s.file.path.clone())
            .unwrap_or_default();
        Arc::new(SourceFile {
            path,
            text,
            origin: Some(origin),
        })
    }

    /// The user-written file and offset that offset `at` of `file` stands for, following
    /// generated files back to what they were copied from.
    pub fn resolve(file: &Arc<SourceFile>, at: usize) -> (Arc<SourceFile>, usize) {
        match file.origin.as_ref().and_then(|o| o.map(at)) {
            Some((f, off)) => SourceFile::resolve(f, off),
            None => (Arc::clone(file), at),
        }
    }

    /// The file whose text a generated file was (mostly) copied from, or the file itself.
    pub fn root(file: &Arc<SourceFile>) -> Arc<SourceFile> {
        SourceFile::resolve(file, 0).0
    }

    pub fn display_name(&self) -> String {
        display_path(&self.path)
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text.as_bytes()[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        let col = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        (line, col)
    }
}

fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: Option<String>,
    pub span: Option<Span>,
    /// A suggestion printed as a `help:` line ("did you mean ...").
    pub help: Option<String>,
    /// The resource instance or other object this is about, when not obvious from the span.
    pub address: Option<String>,
    /// The argument a provider's diagnostic is about (`memory`, `health_check.path`):
    /// providers see values, not source, so they name the argument and the engine turns
    /// the name into the line it was written on.
    pub attribute: Option<String>,
    /// What the expression saw, shown under the source line as Terraform does:
    /// (`var.env`, `is "staging"`).
    pub values: Vec<(String, String)>,
    /// The function whose call failed, with its parameters (`tonumber(v)`).
    pub calling: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: None,
            span: None,
            help: None,
            address: None,
            attribute: None,
            values: Vec::new(),
            calling: None,
        }
    }

    pub fn warning(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary)
        }
    }

    /// Names the argument this is about (see [`Diagnostic::attribute`]).
    #[must_use]
    pub fn attribute(mut self, path: impl Into<String>) -> Diagnostic {
        self.attribute = Some(path.into());
        self
    }

    /// Names the function call that failed (`tonumber(v)`).
    #[must_use]
    pub fn calling(mut self, signature: impl Into<String>) -> Diagnostic {
        self.calling = Some(signature.into());
        self
    }

    /// Adds what `traversal` (like `var.env`) was when the expression was evaluated.
    #[must_use]
    pub fn value(
        mut self,
        traversal: impl Into<String>,
        statement: impl Into<String>,
    ) -> Diagnostic {
        self.values.push((traversal.into(), statement.into()));
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = Some(detail.into());
        self
    }

    #[must_use]
    pub fn span(mut self, span: Option<Span>) -> Diagnostic {
        if self.span.is_none() {
            self.span = span;
        }
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn address(mut self, address: impl Into<String>) -> Diagnostic {
        if self.address.is_none() {
            self.address = Some(address.into());
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// Plain one-paragraph form: `Error: summary` then `  on file:line:col` and the detail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        write!(f, "{sev}: {}", self.summary)?;
        if let Some(span) = &self.span {
            write!(f, "\n  on {span}")?;
        }
        if let Some(addr) = &self.address {
            write!(f, "\n  with {addr}")?;
        }
        if let Some(d) = &self.detail {
            write!(f, "\n{d}")?;
        }
        if let Some(h) = &self.help {
            write!(f, "\nhelp: {h}")?;
        }
        Ok(())
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Points every diagnostic that has no location into the resource block it came from
    /// (providers see values, not source): one naming an argument at the line that
    /// argument is written on, the others at the block.
    /// `attribute_span` finds where the block writes an argument.
    pub fn with_body(
        mut self,
        attribute_span: impl Fn(&str) -> Option<Span>,
        block: Option<&Span>,
    ) -> Diagnostics {
        for d in &mut self.0 {
            if d.span.is_none() {
                d.span = d
                    .attribute
                    .as_deref()
                    .and_then(&attribute_span)
                    .or_else(|| block.cloned());
            }
        }
        self
    }

    /// Attaches `address` to every diagnostic that has none (for "contextual" diagnostics
    /// produced by code that cannot see which resource it was working on).
    pub fn with_address(mut self, address: &str) -> Diagnostics {
        for d in &mut self.0 {
            if d.address.is_none() {
                d.address = Some(address.to_string());
            }
        }
        self
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The closest candidate to `given` when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(given, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let f = SourceFile::new("main.tf", "a = 1\nbb = 2\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        assert_eq!(f.line_col(9), (2, 4));
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("trigers", ["triggers", "id"]),
            Some("triggers")
        );
        assert_eq!(did_you_mean("zzz", ["triggers", "id"]), None);
    }
}
