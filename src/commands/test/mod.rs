//! `terrane test`: runs the `run` blocks of every `*.tftest.hcl` file in the root directory
//! and the test directory, in order, each file against its own in-memory state, and
//! destroys what each file made when it ends. Output, summary line and exit code as
//! Terraform 1.15's; `-junit-xml` writes the results for CI.

mod junit;
mod runner;
mod schedule;
mod scope;
mod verbose;
mod view;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use terrane_engine::config::test_file::parse_test_file;
use terrane_engine::diag::{Diagnostics, SourceFile};

use crate::cli::TestArgs;
use crate::output::{print_diagnostics, render_diagnostic, use_color};

/// The outcome of one run or file; later variants win when they are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Skip,
    Pass,
    Fail,
    /// Errors other than failed assertions: the runs after it in the file are skipped.
    Error,
}

impl Status {
    fn word(self, color: bool) -> String {
        let (word, code) = match self {
            Status::Skip => ("skip", "37"),
            Status::Pass => ("pass", "32"),
            Status::Fail | Status::Error => ("fail", "31"),
        };
        paint(word, code, color)
    }
}

fn paint(word: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{word}\x1b[0m\x1b[0m")
    } else {
        word.to_string()
    }
}

/// A file's progress word and the end of its line (Terraform resets colour after it).
pub(crate) fn progress(word: &str, color: bool) -> String {
    if color {
        format!("\x1b[37m{word}\x1b[0m\n\x1b[0m")
    } else {
        format!("{word}\n")
    }
}

/// One run's result, kept for the summary and the JUnit report.
pub struct RunResult {
    pub name: String,
    pub status: Status,
    /// How many `assert` blocks the run has.
    pub asserts: usize,
    pub diagnostics: Diagnostics,
    pub elapsed: Duration,
    pub started: SystemTime,
}

pub struct FileResult {
    /// As shown: relative to the working directory (`tests/main.tftest.hcl`).
    pub name: String,
    pub status: Status,
    pub runs: Vec<RunResult>,
    /// Errors of the file itself (parsing, teardown).
    pub diagnostics: Diagnostics,
}

pub async fn run(args: TestArgs) -> anyhow::Result<u8> {
    // Messages for programs carry no colour codes.
    let color = use_color(args.common.no_color) && !args.json;
    if args.json {
        crate::json_ui::enable();
    }
    let view = view::View {
        json: args.json,
        color,
    };
    let files = match discover(Path::new("."), &args.test_directory, &args.filter) {
        Ok(f) => f,
        Err(d) => {
            print_diagnostics(&d, color);
            return Ok(1);
        }
    };
    // Test files are part of the configuration: one that does not decode stops the
    // command before any run, as in Terraform.
    let mut parsed = Vec::new();
    let mut diags = Diagnostics::new();
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => anyhow::bail!("reading {}: {e}", path.display()),
        };
        let file = SourceFile::new(&path, text);
        parsed.push((
            path.display().to_string(),
            parse_test_file(&file, &mut diags),
        ));
    }
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    let mut results = Vec::new();
    let cli_vars = args.vars.in_order();
    // As in Terraform, a limit below one means the default.
    let parallelism = usize::try_from(args.parallelism)
        .ok()
        .filter(|n| *n >= 1)
        .unwrap_or(10);
    let run_parallelism = usize::try_from(args.run_parallelism)
        .ok()
        .filter(|n| *n >= 1)
        .unwrap_or(10);
    let found: Vec<(String, Vec<String>)> = parsed
        .iter()
        .map(|(name, f)| {
            (
                name.clone(),
                f.runs.iter().map(|r| r.name.clone()).collect(),
            )
        })
        .collect();
    view.found(&found);
    for (name, test_file) in &parsed {
        view.file_starting(name);
        let ctx = runner::FileRun {
            name,
            file: test_file,
            cli_vars: &cli_vars,
            verbose: args.verbose,
            parallelism,
            run_parallelism,
            color,
            view,
        };
        let result = runner::run_file(&ctx).await;
        view.file_done(name, result.status, &result.diagnostics);
        results.push(result);
    }
    let (mut passed, mut failed, mut errored, mut skipped) = (0, 0, 0, 0);
    for r in results.iter().flat_map(|f| &f.runs) {
        match r.status {
            Status::Pass => passed += 1,
            Status::Fail => failed += 1,
            Status::Error => errored += 1,
            Status::Skip => skipped += 1,
        }
    }
    let file_failed = results.iter().any(|f| f.status >= Status::Fail);
    let ok = failed + errored == 0 && !file_failed;
    let head = if ok {
        paint("Success!", "32", color)
    } else {
        paint("Failure!", "31", color)
    };
    let skipped_text = if skipped > 0 {
        format!(", {skipped} skipped")
    } else {
        String::new()
    };
    let line = format!(
        "{head} {passed} passed, {} failed{skipped_text}.",
        failed + errored
    );
    view.summary(&line, ok, [passed, failed, errored, skipped]);
    if let Some(path) = &args.junit_xml {
        let render = |d: &terrane_engine::diag::Diagnostic| render_diagnostic(d, false);
        if let Err(e) = std::fs::write(path, junit::report(&results, &render)) {
            anyhow::bail!("writing the JUnit XML report to {}: {e}", path.display());
        }
    }
    Ok(if ok { 0 } else { 1 })
}

/// The test files: `*.tftest.hcl` and `*.tftest.json` in `root` and in `root/test_dir`,
/// sorted by path; with `-filter`, only the files named.
fn discover(root: &Path, test_dir: &str, filters: &[String]) -> Result<Vec<PathBuf>, Diagnostics> {
    let is_test = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".tftest.hcl") || n.ends_with(".tftest.json"))
    };
    let mut out = Vec::new();
    for dir in [root.to_path_buf(), root.join(test_dir)] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_file() && is_test(&p) {
                out.push(p.strip_prefix(root).map(Path::to_path_buf).unwrap_or(p));
            }
        }
    }
    out.sort();
    out.dedup();
    if out
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let mut d = Diagnostics::new();
        d.push(terrane_engine::diag::Diagnostic::error("JSON test files are not supported yet").detail("terrane reads .tftest.hcl files; write the tests of .tftest.json files in the native syntax."));
        return Err(d);
    }
    if !filters.is_empty() {
        out.retain(|p| filters.iter().any(|f| Path::new(f) == p));
    }
    Ok(out)
}
