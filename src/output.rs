//! Rendering for people: diagnostics through miette (source line, caret, help), colour
//! decisions (`-no-color`, `NO_COLOR`, not a terminal), and error chains.

use std::fmt;
use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use terrane_engine::diag::{Diagnostic, Diagnostics, Severity};

/// Whether to colour output: never with -no-color or NO_COLOR, and only on a terminal.
pub fn use_color(no_color: bool) -> bool {
    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

struct Rendered<'a> {
    d: &'a Diagnostic,
    source: Option<NamedSource<String>>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.d.summary)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.d.summary)?;
        if let Some(addr) = &self.d.address {
            write!(f, "\n\n  with {addr}")?;
        }
        if let Some(detail) = &self.d.detail {
            write!(f, "\n\n{detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.d.span.as_ref()?;
        let len = span.end.saturating_sub(span.start).max(1);
        let (line, col) = span.line_col();
        let label = format!("{}:{line}:{col}", span.file.display_name());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(label),
            SourceSpan::from((span.start, len)),
        ))))
    }
}

/// Renders one diagnostic as text (colour or not).
pub fn render_diagnostic(d: &Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let source = d
        .span
        .as_ref()
        .map(|s| NamedSource::new(s.file.display_name(), s.file.text.clone()));
    let mut out = String::new();
    let r = Rendered { d, source };
    if handler.render_report(&mut out, &r).is_err() {
        out = format!("{d}\n");
    }
    out
}

/// Set by `-compact-warnings`: warnings print as one summary line each.
static COMPACT_WARNINGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_compact_warnings(on: bool) {
    COMPACT_WARNINGS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Prints diagnostics to stderr, warnings first, as Terraform does.
pub fn print_diagnostics(diags: &Diagnostics, color: bool) {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    sorted.sort_by_key(|d| d.severity);
    if COMPACT_WARNINGS.load(std::sync::atomic::Ordering::Relaxed) {
        let warnings: Vec<&&Diagnostic> = sorted.iter().filter(|d| !d.is_error()).collect();
        if !warnings.is_empty() {
            eprintln!("Warnings:\n");
            for w in &warnings {
                let at = w
                    .span
                    .as_ref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default();
                eprintln!("- {}{at}", w.summary);
            }
            eprintln!("\nTo see the full warning notes, run terrane without -compact-warnings.\n");
        }
        sorted.retain(|d| d.is_error());
    }
    for d in sorted {
        eprint!("{}", render_diagnostic(d, color));
        eprintln!();
    }
}

/// Prints an unexpected error (I/O, backend) with its cause chain.
pub fn print_error(e: &anyhow::Error) {
    eprintln!("Error: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}
