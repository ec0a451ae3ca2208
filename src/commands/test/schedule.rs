//! Which `run` blocks of a test file may run at the same time, by Terraform 1.15's rules
//! (its test graph): a run waits for every earlier run unless both are parallel (the
//! run's `parallel`, else the file's `test { parallel = ... }`) and work on different
//! states (`state_key`, else one per module), and it always waits for the runs whose
//! outputs it reads (`run.<name>` anywhere in the file's or its own expressions).

use std::collections::BTreeSet;

use terrane_engine::config::test_file::{TestFile, TestRun};
use terrane_engine::config::Expr;
use terrane_engine::lang::refs::{references, Subject};

/// What the rules look at in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub name: String,
    pub parallel: bool,
    pub state_key: String,
    /// The runs whose outputs its expressions read.
    pub reads: BTreeSet<String>,
}

/// The shapes of the file's runs, in file order.
pub fn shapes(file: &TestFile) -> Vec<Shape> {
    // Expressions outside the runs (file variables, mock and override values) are
    // evaluated for every run, so what they read every run reads.
    let file_wide: BTreeSet<String> = file
        .variables
        .iter()
        .map(|(_, e)| e)
        .chain(file.overrides.iter().filter_map(|o| o.values.as_ref()))
        .chain(
            file.mock_providers
                .iter()
                .flat_map(|m| m.resources.iter().chain(&m.data))
                .filter_map(|d| d.defaults.as_ref()),
        )
        .chain(
            file.mock_providers
                .iter()
                .flat_map(|m| &m.overrides)
                .filter_map(|o| o.values.as_ref()),
        )
        .flat_map(runs_read)
        .collect();
    file.runs
        .iter()
        .map(|run| Shape {
            name: run.name.clone(),
            parallel: run.parallel(file),
            state_key: run.state_key().to_string(),
            reads: own_expressions(run)
                .flat_map(runs_read)
                .chain(file_wide.iter().cloned())
                .collect(),
        })
        .collect()
}

fn own_expressions(run: &TestRun) -> impl Iterator<Item = &Expr> {
    run.variables
        .iter()
        .map(|(_, e)| e)
        .chain(
            run.asserts
                .iter()
                .flat_map(|a| [&a.condition, &a.error_message]),
        )
        .chain(run.overrides.iter().filter_map(|o| o.values.as_ref()))
}

/// The names of the runs `e` reads outputs of.
fn runs_read(e: &Expr) -> Vec<String> {
    references(&e.expr, &e.file)
        .into_iter()
        .filter_map(|r| match r.subject {
            Subject::Resource(a) if a.ty == "run" && a.module.is_empty() => Some(a.name),
            _ => None,
        })
        .collect()
}

/// For each run, the earlier runs it must wait for.
pub fn prerequisites(runs: &[Shape]) -> Vec<BTreeSet<usize>> {
    runs.iter()
        .enumerate()
        .map(|(i, run)| {
            runs[..i]
                .iter()
                .enumerate()
                .filter(|(_, earlier)| {
                    let may_overlap = run.parallel
                        && earlier.parallel
                        && run.state_key != earlier.state_key
                        && !run.reads.contains(&earlier.name);
                    !may_overlap
                })
                .map(|(j, _)| j)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(name: &str, parallel: bool, key: &str, reads: &[&str]) -> Shape {
        Shape {
            name: name.into(),
            parallel,
            state_key: key.into(),
            reads: reads.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn waits(runs: &[Shape]) -> Vec<Vec<usize>> {
        prerequisites(runs)
            .into_iter()
            .map(|s| s.into_iter().collect())
            .collect()
    }

    #[test]
    fn runs_go_one_after_another_unless_both_are_parallel() {
        let runs = [
            shape("a", false, "", &[]),
            shape("b", true, "./x", &[]),
            shape("c", false, "./y", &[]),
        ];
        assert_eq!(waits(&runs), vec![vec![], vec![0], vec![0, 1]]);
    }

    #[test]
    fn parallel_runs_on_different_states_overlap() {
        let runs = [
            shape("setup", false, "", &[]),
            shape("one", true, "./one", &[]),
            shape("two", true, "./two", &[]),
            shape("three", true, "", &[]),
        ];
        // `two` and `three` wait only for the sequential run and for nothing parallel on
        // another state; `three` shares the root state with `setup` alone.
        assert_eq!(waits(&runs), vec![vec![], vec![0], vec![0], vec![0]]);
    }

    #[test]
    fn parallel_runs_on_the_same_state_wait_for_each_other() {
        let runs = [
            shape("one", true, "shared", &[]),
            shape("two", true, "shared", &[]),
            shape("three", true, "other", &[]),
        ];
        assert_eq!(waits(&runs), vec![vec![], vec![0], vec![]]);
    }

    #[test]
    fn a_run_waits_for_the_runs_whose_outputs_it_reads() {
        let runs = [
            shape("one", true, "./one", &[]),
            shape("two", true, "./two", &["one"]),
            shape("three", true, "./three", &[]),
        ];
        assert_eq!(waits(&runs), vec![vec![], vec![0], vec![]]);
    }

    #[test]
    fn shapes_read_the_file_default_state_keys_and_references() {
        let text = r#"
test {
  parallel = true
}

run "setup" {
  parallel = false
  module {
    source = "./setup"
  }
}

run "one" {
  state_key = "first"
  variables {
    name = run.setup.name
  }
}

run "two" {
  module {
    source = "./two"
  }
  assert {
    condition     = run.one.id != ""
    error_message = "x"
  }
}
"#;
        let file = terrane_engine::diag::SourceFile::new(
            std::path::Path::new("main.tftest.hcl"),
            text.to_string(),
        );
        let mut diags = terrane_engine::diag::Diagnostics::new();
        let parsed = terrane_engine::config::test_file::parse_test_file(&file, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let reads = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            shapes(&parsed),
            vec![
                Shape {
                    name: "setup".into(),
                    parallel: false,
                    state_key: "./setup".into(),
                    reads: reads(&[]),
                },
                Shape {
                    name: "one".into(),
                    parallel: true,
                    state_key: "first".into(),
                    reads: reads(&["setup"]),
                },
                Shape {
                    name: "two".into(),
                    parallel: true,
                    state_key: "./two".into(),
                    reads: reads(&["one"]),
                },
            ]
        );
    }
}
