//! What `terrane test` shows: Terraform's lines for people, or with `-json` its
//! machine-readable messages (`test_abstract`, `test_file`, `test_run`, `diagnostic` with
//! `@testfile` and `@testrun`, `test_summary`).

use serde_json::json;
use terrane_engine::diag::Diagnostics;

use super::verbose::Verbose;
use super::{progress, Status};
use crate::json_ui;
use crate::output::print_diagnostics;

#[derive(Clone, Copy)]
pub struct View {
    pub json: bool,
    pub color: bool,
}

/// The word Terraform's JSON uses for a status (an error is not a failure there).
fn status_name(s: Status) -> &'static str {
    match s {
        Status::Skip => "skip",
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
    }
}

impl View {
    /// `Found 2 files and 4 run blocks`, with each file's runs (JSON only).
    pub fn found(&self, files: &[(String, Vec<String>)]) {
        if !self.json {
            return;
        }
        let runs: usize = files.iter().map(|(_, r)| r.len()).sum();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let abstract_: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(name, runs)| (name.clone(), json!(runs)))
            .collect();
        json_ui::emit(
            "info",
            &format!(
                "Found {} and {}",
                plural(files.len(), "file", "files"),
                plural(runs, "run block", "run blocks")
            ),
            "test_abstract",
            json!({ "test_abstract": abstract_ }),
        );
    }

    pub fn file_starting(&self, file: &str) {
        if self.json {
            file_message(file, "in progress", json!({"progress": "starting"}));
        } else {
            print!("{file}... {}", progress("in progress", self.color));
        }
    }

    /// A run begins (JSON only: people see it when it ends).
    pub fn run_starting(&self, file: &str, run: &str) {
        if self.json {
            run_message(
                file,
                run,
                "in progress",
                json!({"progress": "starting", "elapsed": 0}),
            );
        }
    }

    /// A run's result, with its plan or state under `-verbose` and its diagnostics.
    pub fn run_done(
        &self,
        file: &str,
        run: &str,
        status: Status,
        diags: &Diagnostics,
        verbose: &Verbose,
    ) {
        if self.json {
            run_message(
                file,
                run,
                status_word(status),
                json!({"progress": "complete", "status": status_name(status)}),
            );
            if let Some((kind, body)) = &verbose.message {
                let what = if *kind == "test_plan" {
                    "plan"
                } else {
                    "state"
                };
                json_ui::emit(
                    "info",
                    &format!("-verbose flag enabled, printing {what}"),
                    kind,
                    json!({ *kind: body, "@testfile": file, "@testrun": run }),
                );
            }
            for d in diags.iter() {
                json_ui::diagnostic_at(d, json!({"@testfile": file, "@testrun": run}));
            }
            return;
        }
        println!("  run {run:?}... {}", status.word(self.color));
        if !verbose.text.is_empty() {
            print!("\n{}\n", verbose.text);
        }
        print_diagnostics(diags, self.color);
    }

    /// The file's teardown begins; `runs` are the runs whose objects it destroys.
    pub fn teardown(&self, file: &str, runs: &[String]) {
        if !self.json {
            print!("{file}... {}", progress("tearing down", self.color));
            return;
        }
        file_message(file, "tearing down", json!({"progress": "teardown"}));
        for run in runs {
            run_message(
                file,
                run,
                "tearing down",
                json!({"progress": "teardown", "elapsed": 0}),
            );
        }
    }

    /// Errors of the teardown (people see them before the file's result, programs after).
    pub fn teardown_errors(&self, diags: &Diagnostics) {
        if !self.json {
            print_diagnostics(diags, self.color);
        }
    }

    pub fn file_done(&self, file: &str, status: Status, diags: &Diagnostics) {
        if !self.json {
            println!("{file}... {}", status.word(self.color));
            return;
        }
        file_message(
            file,
            status_word(status),
            json!({"progress": "complete", "status": status_name(status)}),
        );
        for d in diags.iter() {
            json_ui::diagnostic_at(d, json!({ "@testfile": file }));
        }
    }

    /// The closing line: `Success! 3 passed, 0 failed.`
    pub fn summary(&self, line: &str, ok: bool, counts: [usize; 4]) {
        if !self.json {
            println!("\n{line}");
            return;
        }
        let [passed, failed, errored, skipped] = counts;
        json_ui::emit(
            "info",
            line,
            "test_summary",
            json!({"test_summary": {
                "status": if ok { "pass" } else { "fail" },
                "passed": passed,
                "failed": failed,
                "errored": errored,
                "skipped": skipped,
            }}),
        );
    }
}

/// The word people read for a status (an error reads as a failure).
fn status_word(s: Status) -> &'static str {
    match s {
        Status::Skip => "skip",
        Status::Pass => "pass",
        Status::Fail | Status::Error => "fail",
    }
}

fn file_message(file: &str, word: &str, status: serde_json::Value) {
    let body = with_fields(json!({ "path": file }), status);
    json_ui::emit(
        "info",
        &format!("{file}... {word}"),
        "test_file",
        json!({"test_file": body, "@testfile": file}),
    );
}

fn run_message(file: &str, run: &str, word: &str, status: serde_json::Value) {
    let body = with_fields(json!({"path": file, "run": run}), status);
    json_ui::emit(
        "info",
        &format!("  {run:?}... {word}"),
        "test_run",
        json!({"test_run": body, "@testfile": file, "@testrun": run}),
    );
}

/// `first`'s fields followed by `then`'s, in Terraform's order.
fn with_fields(mut first: serde_json::Value, then: serde_json::Value) -> serde_json::Value {
    if let (Some(f), serde_json::Value::Object(t)) = (first.as_object_mut(), then) {
        f.extend(t);
    }
    first
}
