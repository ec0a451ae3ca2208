//! Executing one test file: each `run` plans (and for `command = apply` applies) its
//! module against the file's in-memory state for that module, checks the expected
//! failures and assertions, and records its outputs for later runs; at the end every
//! state the file made is destroyed, last made first.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use terrane_engine::addr::InstanceAddr;
use terrane_engine::config::test_file::{OverrideKind, TestCommand, TestFile, TestRun};
use terrane_engine::config::{load_dir, Expr, Module};
use terrane_engine::diag::{Diagnostic, Diagnostics, Severity};
use terrane_engine::lang::{eval, EvalContext, Value};
use terrane_engine::plan::render::{render_plan, Style};
use terrane_engine::plan::PlanMode;
use terrane_engine::provider::mocked::{MockValues, MockedProvider};
use terrane_engine::provider::Provider;
use terrane_engine::run::vars::{self, CliVar};
use terrane_engine::run::{Context, Options, ProviderFactory, Providers, Quiet};
use terrane_engine::state::State;

use super::scope::{self, AssertScope, FileScope, Shared};
use super::verbose::{self, Verbose};
use super::view::View;
use super::{FileResult, RunResult, Status};

pub struct FileRun<'a> {
    pub name: &'a str,
    pub file: &'a TestFile,
    pub cli_vars: &'a [CliVar],
    pub verbose: bool,
    /// The limit on concurrent operations within each run's plan and apply.
    pub parallelism: usize,
    pub color: bool,
    pub view: View,
}

/// The state of one module under test (the root module, or a `module` block's source),
/// and what its teardown needs: the configuration and variables of the last run on it.
struct Slot {
    key: String,
    module: Arc<Module>,
    state: State,
    providers: Vec<ProviderFactory>,
    variables: BTreeMap<String, Value>,
    /// The last run that applied to this state (named when its objects are torn down).
    applied_by: Option<String>,
}

pub async fn run_file(f: &FileRun<'_>) -> FileResult {
    let mut shared = Shared::default();
    let mut slots: Vec<Slot> = Vec::new();
    let mut runs = Vec::new();
    let mut errored = false;
    for run in &f.file.runs {
        let started = SystemTime::now();
        let clock = Instant::now();
        if errored {
            let none = Diagnostics::new();
            f.view
                .run_done(f.name, &run.name, Status::Skip, &none, &Verbose::default());
            runs.push(RunResult {
                name: run.name.clone(),
                status: Status::Skip,
                asserts: run.asserts.len(),
                diagnostics: Diagnostics::new(),
                elapsed: clock.elapsed(),
                started,
            });
            continue;
        }
        f.view.run_starting(f.name, &run.name);
        let (status, diags, verbose) = execute(f, run, &mut shared, &mut slots).await;
        f.view.run_done(f.name, &run.name, status, &diags, &verbose);
        errored |= status == Status::Error;
        runs.push(RunResult {
            name: run.name.clone(),
            status,
            asserts: run.asserts.len(),
            diagnostics: diags,
            elapsed: clock.elapsed(),
            started,
        });
    }
    let tearing_down: Vec<String> = slots
        .iter()
        .rev()
        .filter(|s| s.state.resources.iter().any(|r| r.mode != "data"))
        .filter_map(|s| s.applied_by.clone())
        .collect();
    f.view.teardown(f.name, &tearing_down);
    let mut diagnostics = Diagnostics::new();
    for slot in slots.iter().rev() {
        diagnostics.extend(teardown(f.name, slot).await);
    }
    f.view.teardown_errors(&diagnostics);
    let mut status = runs.iter().map(|r| r.status).max().unwrap_or(Status::Pass);
    if diagnostics.has_errors() {
        status = Status::Error;
    }
    FileResult {
        name: f.name.to_string(),
        status,
        runs,
        diagnostics,
    }
}

/// One run: its status, the diagnostics to show under it, and (for `-verbose`) the plan
/// or state it ended with.
async fn execute(
    f: &FileRun<'_>,
    run: &TestRun,
    shared: &mut Shared,
    slots: &mut Vec<Slot>,
) -> (Status, Diagnostics, Verbose) {
    let mut diags = Diagnostics::new();
    let error = |diags: Diagnostics| (Status::Error, diags, Verbose::default());

    // The module: loaded once per source, with the test file's provider blocks in place of
    // its own.
    let key = run
        .module
        .as_ref()
        .map_or_else(String::new, |m| m.source.clone());
    let slot = match slots.iter().position(|s| s.key == key) {
        Some(i) => i,
        None => match load_module(f.file, run) {
            Ok(module) => {
                slots.push(Slot {
                    key: key.clone(),
                    module: Arc::new(module),
                    state: State::new(),
                    providers: Vec::new(),
                    variables: BTreeMap::new(),
                    applied_by: None,
                });
                slots.len() - 1
            }
            Err(d) => return error(d),
        },
    };
    let module = slots[slot].module.clone();

    // Variables: the command line's, then the file's, then the run's (later wins).
    shared.vars.clear();
    for (name, e) in f.file.variables.iter().chain(&run.variables) {
        match eval_in(e, &FileScope(shared)) {
            Ok(v) => {
                shared.vars.insert(name.clone(), v);
            }
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return error(diags);
    }
    let mut cli: Vec<CliVar> = f.cli_vars.to_vec();
    cli.extend(
        shared
            .vars
            .iter()
            .map(|(k, v)| CliVar::Value(k.clone(), v.clone())),
    );
    let env: Vec<(String, String)> = std::env::vars().collect();
    let variables = match vars::resolve(&module, &cli, &env, Path::new(".")) {
        Ok(v) => Some(v),
        Err(d) => {
            diags.extend(d);
            None
        }
    };

    let factories = match provider_factories(f.file, run, &module, shared) {
        Ok(p) => p,
        Err(d) => return error(d),
    };
    let mut options = Options {
        mode: if run.plan_options.refresh_only {
            PlanMode::RefreshOnly
        } else {
            PlanMode::Normal
        },
        refresh: run.plan_options.refresh,
        parallelism: f.parallelism,
        interrupt: Arc::new(AtomicBool::new(false)),
        ..Options::default()
    };
    for (list, into) in [
        (&run.plan_options.replace, &mut options.replace),
        (&run.plan_options.target, &mut options.targets),
    ] {
        for a in list {
            match a.parse::<InstanceAddr>() {
                Ok(a) => into.push(a),
                Err(e) => diags.push(Diagnostic::error("Invalid address").detail(e.to_string())),
            }
        }
    }
    let graph = match terrane_engine::graph::build(&module) {
        Ok(g) => g,
        Err(d) => {
            diags.extend(d);
            return error(diags);
        }
    };
    let providers = Arc::new(Providers::for_module(&factories, &module));
    diags.extend(terrane_engine::run::validate(&module, &providers));
    let Some(variables) = variables.filter(|_| !diags.has_errors()) else {
        // Failed variable validations may be what the run expects.
        let expected = take_expected(run, &mut diags);
        let left = missing(run, &expected.matched);
        return finish_early(run, diags, left, expected.diags);
    };
    let ctx = Context {
        module: module.clone(),
        graph,
        providers,
        variables: variables.clone(),
        options,
    };
    slots[slot].providers = factories;
    slots[slot].variables = variables;

    let (plan, plan_diags, plan_values) =
        terrane_engine::run::plan_values(&ctx, &slots[slot].state).await;
    diags.extend(plan_diags);
    let expected = take_expected(run, &mut diags);
    let mut matched = expected.matched;
    let Some(plan) = plan else {
        let left = missing(run, &matched);
        return finish_early(run, diags, left, expected.diags);
    };
    if diags.has_errors() {
        diags.extend(missing(run, &matched));
        return error(diags);
    }
    // Under -json the plan or state goes out as a message; people read it as text.
    let as_message = f.verbose && f.view.json;
    let (values, verbose) = match run.command {
        TestCommand::Plan if !f.verbose => (plan_values, Verbose::default()),
        TestCommand::Plan => (
            plan_values,
            Verbose {
                text: render_plan(&plan, ctx.providers.as_ref(), Style { color: f.color })
                    .trim_start_matches('\n')
                    .to_string(),
                message: as_message.then(|| ("test_plan", verbose::plan_message(&plan, &module))),
            },
        ),
        TestCommand::Apply => {
            let (state, apply_diags, values) =
                terrane_engine::run::apply_values(&ctx, &plan, &Quiet).await;
            slots[slot].state = state;
            slots[slot].applied_by = Some(run.name.clone());
            diags.extend(apply_diags);
            matched.extend(take_expected(run, &mut diags).matched);
            let state = &slots[slot].state;
            let verbose = match f.verbose {
                false => Verbose::default(),
                true => Verbose {
                    text: super::super::show::state_text(state),
                    message: as_message.then(|| {
                        let body = verbose::state_message(state, &module, ctx.providers.as_ref());
                        ("test_state", body)
                    }),
                },
            };
            (values, verbose)
        }
    };
    diags.extend(missing(run, &matched));
    if diags.has_errors() {
        return (Status::Error, diags, verbose);
    }

    // Assertions, against what the plan or apply left.
    let outputs = scope::outputs(&module, &values);
    let assert_scope = AssertScope {
        inner: terrane_engine::run::scope::InstanceScope::plain(&values, &module),
        outputs: &outputs,
        shared,
    };
    let ectx = EvalContext {
        scope: &assert_scope,
        base_dir: &module.dir,
    };
    let mut status = Status::Pass;
    for a in &run.asserts {
        match scope::check_assert(&a.condition, &a.error_message, &ectx) {
            Ok(None) => {}
            Ok(Some(d)) => {
                status = status.max(Status::Fail);
                diags.push(d);
            }
            Err(d) => {
                status = Status::Error;
                diags.push(d);
            }
        }
    }
    shared.runs.insert(
        run.name.clone(),
        Value::Object(outputs.into_iter().collect()),
    );
    (status, diags, verbose)
}

/// A run that stopped before it had a plan: it passes only when every error was an
/// expected failure and it is a plan run (an apply run could not apply, so it fails, as
/// Terraform reports with a warning followed by the expected failures themselves).
fn finish_early(
    run: &TestRun,
    mut diags: Diagnostics,
    missing: Diagnostics,
    expected: Diagnostics,
) -> (Status, Diagnostics, Verbose) {
    diags.extend(missing);
    if diags.has_errors() {
        return (Status::Error, diags, Verbose::default());
    }
    if run.command == TestCommand::Apply {
        let what = run
            .expect_failures
            .first()
            .map_or_else(String::new, |(a, _)| a.clone());
        diags.push(Diagnostic::warning("Expected failure while planning").detail(format!("A custom condition within {what} failed during the planning stage and prevented the requested apply operation. While this was an expected failure, the apply operation could not be executed and so the overall test case will be marked as a failure and the original diagnostic included in the test report.")));
        diags.extend(expected);
        return (Status::Fail, diags, Verbose::default());
    }
    (Status::Pass, diags, Verbose::default())
}

/// The expected failures a step of a run produced.
struct Expected {
    /// The `expect_failures` addresses they matched.
    matched: Vec<String>,
    /// The failures themselves.
    diags: Diagnostics,
}

/// Removes the expected failures from `diags` (whose run then did what it expected).
fn take_expected(run: &TestRun, diags: &mut Diagnostics) -> Expected {
    let mut matched = Vec::new();
    let mut removed = Diagnostics::new();
    let mut kept = Diagnostics::new();
    for d in std::mem::take(diags) {
        let hit = run
            .expect_failures
            .iter()
            .find(|(addr, _)| failure_of(&d, addr));
        match hit {
            Some((addr, _)) => {
                matched.push(addr.clone());
                removed.push(d);
            }
            // A failed check block is an error in a test unless expected.
            None if d.severity == Severity::Warning
                && d.address
                    .as_deref()
                    .is_some_and(|a| a.starts_with("check.")) =>
            {
                let mut e = d;
                e.severity = Severity::Error;
                kept.push(e);
            }
            None => kept.push(d),
        }
    }
    *diags = kept;
    Expected {
        matched,
        diags: removed,
    }
}

/// Whether `d` is the failure of a custom condition of the checkable object `addr`.
fn failure_of(d: &Diagnostic, addr: &str) -> bool {
    if let Some(name) = addr.strip_prefix("var.") {
        return d.summary == "Invalid value for variable"
            && d.values.iter().any(|(t, _)| t == &format!("var.{name}"));
    }
    d.address
        .as_deref()
        .is_some_and(|a| a == addr || (a.starts_with(addr) && a[addr.len()..].starts_with('[')))
}

/// "Missing expected failure" for each expected failure not among `matched`.
fn missing(run: &TestRun, matched: &[String]) -> Diagnostics {
    run.expect_failures
        .iter()
        .filter(|(a, _)| !matched.contains(a))
        .map(|(a, span)| {
            Diagnostic::error("Missing expected failure")
                .detail(format!(
                    "The checkable object, {a}, was expected to report an error but did not."
                ))
                .span(span.clone())
        })
        .collect()
}

fn eval_in(e: &Expr, s: &dyn terrane_engine::lang::Scope) -> Result<Value, Diagnostic> {
    eval(
        &e.expr,
        &e.file,
        &EvalContext {
            scope: s,
            base_dir: Path::new("."),
        },
    )
}

/// The module a run tests: the root directory, or its `module` block's local source; the
/// test file's `provider` blocks replace the module's blocks of the same name and alias.
fn load_module(file: &TestFile, run: &TestRun) -> Result<Module, Diagnostics> {
    let dir = match &run.module {
        None => Path::new(".").to_path_buf(),
        Some(m) if m.source.starts_with("./") || m.source.starts_with("../") => {
            Path::new(&m.source).to_path_buf()
        }
        Some(m) => {
            return Err(Diagnostic::error("Unsupported module source")
                .detail(format!("terrane test runs local modules only (a source starting with ./ or ../); {:?} is not one yet.", m.source))
                .span(m.span.clone())
                .into())
        }
    };
    let (mut module, diags) = load_dir(&dir);
    if diags.has_errors() {
        return Err(diags);
    }
    for p in &file.providers {
        module
            .providers
            .retain(|q| !(q.name == p.name && q.alias == p.alias));
        module.providers.push(p.clone());
    }
    Ok(module)
}

/// The providers of a run: each with a `mock_provider` block is mocked from its schema;
/// the others are real, with the objects `override_resource`/`override_data` name mocked.
fn provider_factories(
    file: &TestFile,
    run: &TestRun,
    module: &Module,
    shared: &Shared,
) -> Result<Vec<ProviderFactory>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut overrides = BTreeMap::new();
    let scope = FileScope(shared);
    let all = file
        .overrides
        .iter()
        .chain(&run.overrides)
        .chain(file.mock_providers.iter().flat_map(|m| &m.overrides));
    for o in all {
        if o.kind == OverrideKind::Module {
            diags.push(Diagnostic::error("override_module is not supported yet").detail("terrane test cannot replace a module call's outputs yet; mock the providers the module uses instead.").span(o.span.clone()));
            continue;
        }
        let v = match &o.values {
            Some(e) => match eval_in(e, &scope) {
                Ok(v) => v,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            },
            None => Value::Object(BTreeMap::new()),
        };
        overrides.insert(o.target.clone(), v);
    }
    let defaults = |list: &[terrane_engine::config::test_file::MockData],
                    diags: &mut Diagnostics| {
        let mut out = BTreeMap::new();
        for m in list {
            if let Some(e) = &m.defaults {
                match eval_in(e, &scope) {
                    Ok(v) => {
                        out.insert(m.type_name.clone(), v);
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
        out
    };
    let mut out = Vec::new();
    for real in crate::setup::provider_factories(module) {
        let sample = real();
        let local = sample
            .source()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let mock = file.mock_providers.iter().find(|m| m.name == local);
        let values = MockValues {
            resources: mock
                .map(|m| defaults(&m.resources, &mut diags))
                .unwrap_or_default(),
            data: mock
                .map(|m| defaults(&m.data, &mut diags))
                .unwrap_or_default(),
            overrides: overrides.clone(),
        };
        let factory: ProviderFactory = if mock.is_some() {
            Arc::new(move || {
                Arc::new(MockedProvider::mock(real().as_ref(), values.clone())) as Arc<dyn Provider>
            })
        } else if !values.overrides.is_empty() {
            Arc::new(move || {
                Arc::new(MockedProvider::overriding(real(), values.clone())) as Arc<dyn Provider>
            })
        } else {
            real
        };
        out.push(factory);
    }
    for m in &file.mock_providers {
        if !out
            .iter()
            .any(|f| f().source().rsplit('/').next() == Some(m.name.as_str()))
        {
            diags.push(
                Diagnostic::error("Unknown provider to mock")
                    .detail(format!("terrane has no provider {:?} to mock: a mock provider takes its schema from a provider terrane has (aws, null).", m.name))
                    .span(m.span.clone()),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// Destroys what the file's runs made in one module's state, with the configuration and
/// variables of the last run on it.
async fn teardown(file: &str, slot: &Slot) -> Diagnostics {
    if slot.state.resources.iter().all(|r| r.mode == "data") {
        return Diagnostics::new();
    }
    let graph = match terrane_engine::graph::build(&slot.module) {
        Ok(g) => g,
        Err(d) => return d,
    };
    let ctx = Context {
        module: slot.module.clone(),
        graph,
        providers: Arc::new(Providers::for_module(&slot.providers, &slot.module)),
        variables: slot.variables.clone(),
        options: Options {
            mode: PlanMode::Destroy,
            ..Options::default()
        },
    };
    let (plan, mut diags) = terrane_engine::run::plan(&ctx, &slot.state).await;
    let state = match plan {
        Some(plan) => {
            let (state, d) = terrane_engine::run::apply(&ctx, &plan, &Quiet).await;
            diags.extend(d);
            state
        }
        None => slot.state.clone(),
    };
    let left: Vec<String> = state
        .resources
        .iter()
        .filter(|r| r.mode != "data")
        .flat_map(|r| {
            r.instances
                .iter()
                .map(|i| format!("  - {}", r.instance_address(i)))
        })
        .collect();
    if !left.is_empty() {
        diags.push(Diagnostic::error("Failed to clean up after tests").detail(format!(
            "terrane left the following resources in state after executing {file}, and they need to be cleaned up manually:\n{}",
            left.join("\n")
        )));
    }
    diags
}
