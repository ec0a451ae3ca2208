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

use super::schedule;
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
    /// The limit on runs of the file running at once (`-run-parallelism`).
    pub run_parallelism: usize,
    pub color: bool,
    pub view: View,
}

/// One state the file's runs work on (a `state_key`, else one per module under test),
/// and what its teardown needs: the configuration and variables of the last run on it.
struct Slot {
    module: Arc<Module>,
    state: State,
    providers: Vec<ProviderFactory>,
    variables: BTreeMap<String, Value>,
    /// The last run that applied to this state (named when its objects are torn down).
    applied_by: Option<String>,
}

/// Where a run of the file is: waiting, running (its start reported or not), or done.
enum Progress {
    Waiting,
    Running { start_shown: bool },
    Done(Box<Done>),
}

/// A run that is done, kept until the runs before it are reported.
struct Done {
    start_shown: bool,
    result: RunResult,
    verbose: Verbose,
}

/// What one run hands back to the file: its result, the state it worked on and the
/// outputs later runs may read.
struct Finished {
    index: usize,
    status: Status,
    diags: Diagnostics,
    verbose: Verbose,
    slot: Option<Slot>,
    outputs: Option<Value>,
}

/// Runs the file's runs, at the same time where the scheduling rules allow
/// (`schedule`), and reports them in file order, as Terraform's view does; then
/// destroys every state the runs made, last made first.
pub async fn run_file(f: &FileRun<'_>) -> FileResult {
    use futures::stream::{FuturesUnordered, StreamExt};

    let runs = &f.file.runs;
    let waits_for = schedule::prerequisites(&schedule::shapes(f.file));
    let mut progress: Vec<Progress> = runs.iter().map(|_| Progress::Waiting).collect();
    let mut slots: BTreeMap<String, Slot> = BTreeMap::new();
    // The states in the order the runs first used them, for the teardown.
    let mut made: Vec<String> = Vec::new();
    let mut modules: BTreeMap<String, Result<Arc<Module>, Diagnostics>> = BTreeMap::new();
    let mut outputs: BTreeMap<String, Value> = BTreeMap::new();
    let mut errored = false;
    let mut shown = 0;
    let mut running = FuturesUnordered::new();
    loop {
        for i in 0..runs.len() {
            let ready = matches!(progress[i], Progress::Waiting)
                && waits_for[i]
                    .iter()
                    .all(|j| matches!(progress[*j], Progress::Done(_)));
            if !ready || running.len() >= f.run_parallelism {
                continue;
            }
            let run = &runs[i];
            // After an error the file's remaining runs are skipped, as in Terraform.
            if errored {
                progress[i] = Progress::Done(Box::new(Done {
                    start_shown: true,
                    result: result_of(
                        run,
                        Status::Skip,
                        Diagnostics::new(),
                        SystemTime::now(),
                        Instant::now(),
                    ),
                    verbose: Verbose::default(),
                }));
                continue;
            }
            // A run is announced as it starts when every run before it is reported.
            let start_shown = i == shown;
            if start_shown {
                f.view.run_starting(f.name, &run.name);
            }
            progress[i] = Progress::Running { start_shown };
            let key = run.state_key().to_string();
            if !made.contains(&key) {
                made.push(key.clone());
            }
            let source = run.module.as_ref().map_or("", |m| m.source.as_str());
            let module = modules
                .entry(source.to_string())
                .or_insert_with(|| load_module(f.file, run).map(Arc::new))
                .clone();
            let slot = slots.remove(&key);
            let shared = Shared {
                runs: outputs.clone(),
                vars: BTreeMap::new(),
            };
            running.push(async move {
                let (started, clock) = (SystemTime::now(), Instant::now());
                let finished = execute(f, i, module, shared, slot).await;
                (finished, started, clock)
            });
        }
        shown = report_in_order(f, &mut progress, shown);
        let Some((done, started, clock)) = running.next().await else {
            break;
        };
        let run = &runs[done.index];
        if let Some(slot) = done.slot {
            slots.insert(run.state_key().to_string(), slot);
        }
        if let Some(v) = done.outputs {
            outputs.insert(run.name.clone(), v);
        }
        errored |= done.status == Status::Error;
        let start_shown = matches!(
            progress[done.index],
            Progress::Running { start_shown: true }
        );
        progress[done.index] = Progress::Done(Box::new(Done {
            start_shown,
            result: result_of(run, done.status, done.diags, started, clock),
            verbose: done.verbose,
        }));
    }
    let results: Vec<RunResult> = progress
        .into_iter()
        .filter_map(|p| match p {
            Progress::Done(done) => Some(done.result),
            _ => None,
        })
        .collect();
    let made: Vec<&Slot> = made.iter().filter_map(|k| slots.get(k)).collect();
    let tearing_down: Vec<String> = made
        .iter()
        .rev()
        .filter(|s| s.state.resources.iter().any(|r| r.mode != "data"))
        .filter_map(|s| s.applied_by.clone())
        .collect();
    f.view.teardown(f.name, &tearing_down);
    let mut diagnostics = Diagnostics::new();
    for slot in made.iter().rev() {
        diagnostics.extend(teardown(f.name, slot).await);
    }
    f.view.teardown_errors(&diagnostics);
    let mut status = results
        .iter()
        .map(|r| r.status)
        .max()
        .unwrap_or(Status::Pass);
    if diagnostics.has_errors() {
        status = Status::Error;
    }
    FileResult {
        name: f.name.to_string(),
        status,
        runs: results,
        diagnostics,
    }
}

/// Reports, in file order from run `shown` on, every run that is done, and announces
/// the next one if it is already running; returns the first run not yet reported.
fn report_in_order(f: &FileRun<'_>, progress: &mut [Progress], mut shown: usize) -> usize {
    while let Some(Progress::Done(done)) = progress.get(shown) {
        let Done {
            start_shown,
            result,
            verbose,
        } = &**done;
        if !*start_shown {
            f.view.run_starting(f.name, &result.name);
        }
        let (status, diags) = (result.status, &result.diagnostics);
        f.view
            .run_done(f.name, &result.name, status, diags, verbose);
        shown += 1;
        if let Some(Progress::Running { start_shown }) = progress.get_mut(shown) {
            f.view.run_starting(f.name, &f.file.runs[shown].name);
            *start_shown = true;
        }
    }
    shown
}

fn result_of(
    run: &TestRun,
    status: Status,
    diagnostics: Diagnostics,
    started: SystemTime,
    clock: Instant,
) -> RunResult {
    RunResult {
        name: run.name.clone(),
        status,
        asserts: run.asserts.len(),
        diagnostics,
        elapsed: clock.elapsed(),
        started,
    }
}

/// One run against `slot`, the state of its `state_key` (none yet when it is the first
/// run on it): its status, the diagnostics to show under it, (for `-verbose`) the plan
/// or state it ended with, the state after it and its outputs.
async fn execute(
    f: &FileRun<'_>,
    index: usize,
    module: Result<Arc<Module>, Diagnostics>,
    shared: Shared,
    slot: Option<Slot>,
) -> Finished {
    let run = &f.file.runs[index];
    let mut shared = shared;
    let mut slot = slot;
    let (status, diags, verbose) = match module {
        Ok(module) => {
            let slot = slot.get_or_insert_with(|| Slot {
                module: module.clone(),
                state: State::new(),
                providers: Vec::new(),
                variables: BTreeMap::new(),
                applied_by: None,
            });
            execute_on(f, run, module, &mut shared, slot).await
        }
        Err(d) => (Status::Error, d, Verbose::default()),
    };
    Finished {
        index,
        status,
        diags,
        verbose,
        slot,
        outputs: shared.runs.remove(&run.name),
    }
}

async fn execute_on(
    f: &FileRun<'_>,
    run: &TestRun,
    module: Arc<Module>,
    shared: &mut Shared,
    slot: &mut Slot,
) -> (Status, Diagnostics, Verbose) {
    let mut diags = Diagnostics::new();
    let error = |diags: Diagnostics| (Status::Error, diags, Verbose::default());

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
    // The teardown destroys with the configuration of the last run on the state.
    slot.module = module.clone();
    slot.providers = factories;
    slot.variables = variables;

    let (plan, plan_diags, plan_values) = terrane_engine::run::plan_values(&ctx, &slot.state).await;
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
                message: as_message.then(|| {
                    (
                        "test_plan",
                        verbose::plan_message(&plan, &module, ctx.providers.as_ref()),
                    )
                }),
            },
        ),
        TestCommand::Apply => {
            let (state, apply_diags, values) =
                terrane_engine::run::apply_values(&ctx, &plan, &Quiet).await;
            slot.state = state;
            slot.applied_by = Some(run.name.clone());
            diags.extend(apply_diags);
            matched.extend(take_expected(run, &mut diags).matched);
            let state = &slot.state;
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
    for real in crate::setup::provider_factories(module, &[]) {
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
