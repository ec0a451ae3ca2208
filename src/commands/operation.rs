//! What plan, apply and destroy share: load and check the configuration, resolve
//! variables, select the backend, take the lock, read state and recover an interrupted
//! run's journal.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use terrane_engine::addr::InstanceAddr;
use terrane_engine::config::{load_dir, Module};
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::plan::PlanMode;
use terrane_engine::run::vars::{self, CliVar};
use terrane_engine::run::{Context, Options, Providers};
use terrane_engine::state::journal;
use terrane_engine::state::{Etag, LockGuard, State, StateBackend};

use crate::cli::{CommonArgs, PlanningArgs};
use crate::output::{print_diagnostics, use_color};
use crate::setup;

/// A command that already reported its errors and wants exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("the command failed; see the errors above")]
pub struct Reported;

/// Loads the module, checks it, and builds its graph. Prints every diagnostic.
pub fn load_checked(color: bool) -> Result<(Module, terrane_engine::graph::Graph), Reported> {
    let (module, graph, diags) = check_config();
    if !diags.is_empty() {
        print_diagnostics(&diags, color);
    }
    match graph {
        Some(g) if !diags.has_errors() => Ok((module, g)),
        _ => Err(Reported),
    }
}

/// Loads and checks the configuration, collecting every diagnostic (shared by the plain
/// and JSON forms of validate). The graph is `None` when it could not be built. An empty
/// directory is an empty configuration (valid, as for Terraform); the operations that
/// would destroy everything because of it refuse it ([`require_configuration`]).
pub fn check_config() -> (Module, Option<terrane_engine::graph::Graph>, Diagnostics) {
    let (module, mut diags) = load_dir(Path::new("."));
    diags.extend(setup::check_required_providers(&module));
    if diags.has_errors() {
        return (module, None, diags);
    }
    let providers = provider_set(&module);
    match terrane_engine::graph::build(&module) {
        Ok(g) => {
            diags.extend(terrane_engine::run::validate(&module, &providers));
            (module, Some(g), diags)
        }
        Err(d) => {
            diags.extend(d);
            // Report schema errors too, except where a graph error already points.
            let at = |d: &Diagnostic| d.span.as_ref().map(|s| (s.file.display_name(), s.start));
            let seen: Vec<_> = diags.iter().filter_map(at).collect();
            for v in terrane_engine::run::validate(&module, &providers).0 {
                if at(&v).is_none_or(|a| !seen.contains(&a)) {
                    diags.push(v);
                }
            }
            (module, None, diags)
        }
    }
}

/// Terraform's refusal to plan or apply an empty directory, which would destroy every
/// object in state; `operation` is the JSON operation type ("OperationTypePlan", ...).
pub fn require_configuration(module: &Module, operation: &str) -> Option<Diagnostic> {
    if !module.files.is_empty() {
        return None;
    }
    let detail = if operation == "OperationTypePlan" {
        "Plan requires configuration to be present. Planning without a configuration would mark everything for destruction, which is normally not what is desired. If you would like to destroy everything, run plan with the -destroy option. Otherwise, create a terrane configuration file (.tf file) and try again."
    } else {
        "Apply requires configuration to be present. Applying without a configuration would mark everything for destruction, which is normally not what is desired. If you would like to destroy everything, run 'terrane destroy' instead."
    };
    Some(Diagnostic::error("No configuration files").detail(detail))
}

/// The providers for `module`: a default instance of each, plus one per aliased block.
pub fn provider_set(module: &Module) -> Providers {
    Providers::for_module(&setup::provider_factories(module, &[]), module)
}

/// The providers for `module` and for the providers only `state` names (a plan destroys
/// their resources with them, as Terraform does).
fn provider_set_with_state(module: &Module, state: &State) -> Providers {
    let also = crate::plugins::state_sources(state);
    Providers::for_module(&setup::provider_factories(module, &also), module)
}

/// With TERRANE_STATS set, prints the API calls providers made, per service, to stderr
/// (how batched refresh is measured).
pub fn print_api_stats(providers: &Providers) {
    if std::env::var_os("TERRANE_STATS").is_none() {
        return;
    }
    let counts = providers.api_call_counts();
    let total: u64 = counts.values().sum();
    let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    eprintln!(
        "terrane: {total} API call(s){}{}",
        if parts.is_empty() { "" } else { ": " },
        parts.join(", ")
    );
}

/// Everything a plan or apply works with, with the lock held.
pub struct Prepared {
    pub ctx: Context,
    pub backend: Box<dyn StateBackend>,
    pub state: State,
    pub etag: Option<Etag>,
    pub lock: Option<Box<dyn LockGuard>>,
    pub workspace: String,
    pub color: bool,
}

impl Prepared {
    /// Turns on the lines a person watching the run reads: `Refreshing state...` now,
    /// and the opening and closing of ephemeral resources while the run goes.
    pub fn start_human_output(&mut self) {
        self.show_progress();
        self.announce_refresh();
    }

    /// The `-json` counterpart of [`Prepared::start_human_output`]: once the batched
    /// refresh has read every object again, a `refresh_start` and `refresh_complete` pair
    /// for each, as Terraform streams its refresh of one object after another (and, as
    /// there, before the data sources are read).
    pub fn start_json_output(&mut self) {
        if self.ctx.options.refresh {
            let objects = self.objects_to_refresh();
            self.ctx.options.on_refreshed = Some(Arc::new(move |refreshed: &State| {
                stream_refresh(&objects, refreshed)
            }));
        }
        self.start_json_output_without_refresh();
    }

    /// `-json` progress for applying a saved plan, whose refresh Terraform does not repeat
    /// (and so does not report).
    pub fn start_json_output_without_refresh(&mut self) {
        self.ctx.options.progress = Some(Arc::new(crate::json_ui::progress_line));
    }

    /// Prints the run's progress lines (ephemeral resources opening and closing).
    pub fn show_progress(&mut self) {
        self.ctx.options.progress = Some(Arc::new(|line: &str| {
            if crate::json_ui::shown_to_people(line) {
                println!("{line}");
            }
        }));
    }

    /// `addr: Refreshing state... [id=...]` for each managed object the plan will read
    /// again, as Terraform prints while it refreshes (printed before, not during, the
    /// batched refresh, which reads many objects in one call).
    fn announce_refresh(&self) {
        if !self.ctx.options.refresh {
            return;
        }
        for r in self.state.resources.iter().filter(|r| r.mode != "data") {
            for i in r.instances.iter().filter(|i| i.deposed.is_none()) {
                let id = i.attributes.id();
                match id.as_deref() {
                    Some(id) => {
                        println!("{}: Refreshing state... [id={id}]", r.instance_address(i))
                    }
                    None => println!("{}: Refreshing state...", r.instance_address(i)),
                }
            }
        }
    }

    pub fn print_stats(&self) {
        print_api_stats(&self.ctx.providers);
    }

    /// Plans the run and prints its diagnostics; on failure the lock is released, so the
    /// caller only has to return exit code 1.
    pub async fn plan(&mut self) -> Option<terrane_engine::plan::Plan> {
        let (plan, diags) = terrane_engine::run::plan(&self.ctx, &self.state).await;
        self.planned(plan, diags).await
    }

    /// [`Prepared::plan`] for a command that needs only the plan afterwards: the state
    /// read is handed to the plan (as its prior state) instead of copied.
    pub async fn plan_only(&mut self) -> Option<terrane_engine::plan::Plan> {
        let state = std::mem::take(&mut self.state);
        let (plan, diags) = terrane_engine::run::plan_from(&self.ctx, state).await;
        self.planned(plan, diags).await
    }

    async fn planned(
        &mut self,
        plan: Option<terrane_engine::plan::Plan>,
        diags: Diagnostics,
    ) -> Option<terrane_engine::plan::Plan> {
        print_diagnostics(&diags, self.color);
        if plan.is_none() {
            self.unlock().await;
        }
        plan
    }

    /// The managed objects in state, which the refresh reads again.
    fn objects_to_refresh(&self) -> Vec<Refreshing> {
        let mut out = Vec::new();
        for r in self.state.resources.iter().filter(|r| r.mode != "data") {
            for i in r.instances.iter().filter(|i| i.deposed.is_none()) {
                let Ok(addr) = r.instance_address(i).parse::<InstanceAddr>() else {
                    continue;
                };
                out.push(Refreshing {
                    module: r.module.clone(),
                    ty: r.ty.clone(),
                    name: r.name.clone(),
                    key: i.index_key.clone(),
                    id: object_id(i),
                    addr,
                });
            }
        }
        out
    }

    pub async fn unlock(&mut self) {
        self.print_stats();
        super::state_lock::release(self.lock.take()).await;
    }
}

/// A managed object the refresh reads again, as state had it before.
struct Refreshing {
    module: Option<String>,
    ty: String,
    name: String,
    key: Option<terrane_engine::addr::IndexKey>,
    id: Option<String>,
    addr: InstanceAddr,
}

/// For each object the refresh found again, `refresh_start` with the id state had and
/// `refresh_complete` with the id the refreshed state holds.
fn stream_refresh(objects: &[Refreshing], refreshed: &State) {
    use crate::json_ui::{hook, id_fields, id_suffix};
    // The refreshed resources by address, so a large state is not searched once per
    // object.
    let by_address: std::collections::HashMap<_, _> = refreshed
        .resources
        .iter()
        .filter(|n| n.mode != "data")
        .map(|n| ((n.module.as_deref(), n.ty.as_str(), n.name.as_str()), n))
        .collect();
    for a in objects {
        let key = (a.module.as_deref(), a.ty.as_str(), a.name.as_str());
        let Some(now) = by_address
            .get(&key)
            .into_iter()
            .flat_map(|n| n.instances.iter())
            .find(|n| n.index_key == a.key && n.deposed.is_none())
        else {
            continue;
        };
        let before = a.id.as_deref();
        let message = format!("{}: Refreshing state...{}", a.addr, id_suffix(before));
        hook("refresh_start", &message, &a.addr, id_fields(before));
        let id = object_id(now);
        let message = format!("{}: Refresh complete{}", a.addr, id_suffix(id.as_deref()));
        hook(
            "refresh_complete",
            &message,
            &a.addr,
            id_fields(id.as_deref()),
        );
    }
}

/// The `id` attribute of a stored object, which the refresh messages carry.
fn object_id(i: &terrane_engine::state::InstanceState) -> Option<String> {
    i.attributes.id()
}

pub fn journal_path(workspace: &str) -> PathBuf {
    crate::environment::data_path("terrane").join(format!("journal-{workspace}.jsonl"))
}

fn parse_addrs(list: &[String], flag: &str, diags: &mut Diagnostics) -> Vec<InstanceAddr> {
    list.iter()
        .filter_map(|s| match s.parse::<InstanceAddr>() {
            Ok(a) => Some(a),
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("Invalid {flag} address")).detail(e.to_string()),
                );
                None
            }
        })
        .collect()
}

/// Loads, locks and reads everything for an operation in `mode`.
pub async fn prepare(
    common: &CommonArgs,
    planning: &PlanningArgs,
    mode: PlanMode,
    operation: &str,
    preset: Vec<CliVar>,
) -> anyhow::Result<Result<Prepared, Reported>> {
    let color = use_color(common.no_color);
    crate::output::set_compact_warnings(planning.compact_warnings);
    let Ok((module, graph)) = load_checked(color) else {
        return Ok(Err(Reported));
    };
    if mode != PlanMode::Destroy {
        if let Some(d) = require_configuration(&module, operation) {
            print_diagnostics(&d.into(), color);
            return Ok(Err(Reported));
        }
    }
    let mut cli_vars = preset;
    cli_vars.extend(planning.vars.in_order());
    let env: Vec<(String, String)> = std::env::vars().collect();
    // Nobody reads a prompt in the middle of a JSON stream (Terraform does not ask either).
    let ask = super::input::allowed(common) && !crate::json_ui::enabled();
    let variables = match vars::resolve_asking(
        &module,
        &cli_vars,
        &env,
        Path::new("."),
        &mut |name, var| ask.then(|| super::input::ask_variable(name, var)).flatten(),
    ) {
        Ok(v) => v,
        Err(d) => {
            print_diagnostics(&d, color);
            return Ok(Err(Reported));
        }
    };
    let mut diags = Diagnostics::new();
    let replace = parse_addrs(&planning.replace, "-replace", &mut diags);
    let targets = parse_addrs(&planning.target, "-target", &mut diags);
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(Err(Reported));
    }
    if !targets.is_empty() {
        print_diagnostics(&Diagnostic::warning("Resource targeting is in effect").detail("You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.\n\nThe -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when terrane specifically suggests to use it as part of an error message.").into(), color);
    }
    let workspace = setup::current_workspace();
    let backend = setup::backend(&module)?;
    let lock = match super::state_lock::acquire(
        backend.as_ref(),
        &workspace,
        &planning.lock,
        operation,
        "",
    )
    .await
    {
        Ok(l) => l,
        Err(d) => {
            print_diagnostics(&d.into(), color);
            return Ok(Err(Reported));
        }
    };
    let (mut state, etag) = match backend.read(&workspace).await {
        Ok(Some(v)) => (v.state, Some(v.etag)),
        Ok(None) => (State::new(), None),
        Err(e) => {
            print_diagnostics(
                &Diagnostic::error("Failed to load state")
                    .detail(format!("{e}\n\nThe state was left untouched."))
                    .into(),
                color,
            );
            if let Some(l) = lock {
                let _ = l.unlock().await;
            }
            return Ok(Err(Reported));
        }
    };
    let mut etag = etag;
    // A journal left by a run that was killed: fold its finished operations into state.
    let jpath = journal_path(&workspace);
    // Without the lock the journal may belong to a run that is still going: leave it.
    let found = if lock.is_none() && jpath.exists() {
        eprintln!("Warning: not recovering the apply journal {} because -lock=false was given; it may belong to a run in progress.", jpath.display());
        Ok(None)
    } else {
        journal::fold(etag.as_ref().map(|_| &state), &jpath)
    };
    let folded = match found {
        Ok(f) => f,
        Err(journal::FoldError::Mismatch(e)) => {
            print_diagnostics(&Diagnostic::error("Cannot recover the interrupted run").detail(format!("{e}\nThe journal {} was kept; remove it only if you are sure it belongs to another state.", jpath.display())).into(), color);
            if let Some(l) = lock {
                let _ = l.unlock().await;
            }
            return Ok(Err(Reported));
        }
        Err(journal::FoldError::Unreadable(e)) => {
            eprintln!(
                "Warning: ignoring unreadable apply journal {}: {e}",
                jpath.display()
            );
            None
        }
    };
    let interrupt = Arc::new(AtomicBool::new(false));
    install_interrupt_handler(interrupt.clone());
    let mode = if planning.refresh_only {
        PlanMode::RefreshOnly
    } else {
        mode
    };
    let options = Options {
        mode,
        refresh: planning.refresh,
        replace,
        targets,
        parallelism: planning.parallelism.max(1),
        workspace: workspace.clone(),
        interrupt,
        // Filled in by the recovery below.
        in_doubt: Vec::new(),
        // Set by the commands that print for a person (`start_human_output`).
        progress: None,
        // Set under -json (`start_json_output`).
        on_refreshed: None,
        progress_interval: super::apply_view::progress_period(),
    };
    let mut ctx = Context {
        providers: Arc::new(provider_set_with_state(&module, &state)),
        module: Arc::new(module),
        graph,
        variables,
        options,
    };
    if let Some(folded) = folded {
        match recover_journal(&ctx, folded, &jpath, color).await {
            Ok(recovered) => {
                if recovered.changed {
                    state = recovered.state;
                    etag = Some(backend.write(&workspace, &state, etag.as_ref()).await?);
                }
                keep_in_doubt(&jpath, &state, &recovered.in_doubt);
                ctx.options.in_doubt = recovered.in_doubt;
            }
            Err(d) => {
                print_diagnostics(&d, color);
                if let Some(l) = lock {
                    let _ = l.unlock().await;
                }
                return Ok(Err(Reported));
            }
        }
    }
    Ok(Ok(Prepared {
        ctx,
        backend,
        state,
        etag,
        lock,
        workspace,
        color,
    }))
}

/// What recovering an interrupted run's journal gave.
struct RecoveredJournal {
    state: State,
    /// Whether `state` differs from the stored one (finished operations or adopted objects).
    changed: bool,
    /// Creates whose objects were not found, which may still appear (`Options::in_doubt`).
    in_doubt: Vec<journal::Intent>,
}

/// Replaces the recovered journal with one that holds only the creates still in doubt, so
/// the next command looks for their objects again; removes it when none are.
fn keep_in_doubt(jpath: &Path, state: &State, in_doubt: &[journal::Intent]) {
    if in_doubt.is_empty() {
        let _ = std::fs::remove_file(jpath);
        return;
    }
    let kept = journal::Journal::create(jpath, &state.lineage, state.serial)
        .and_then(|mut j| j.keep_in_doubt(in_doubt));
    if let Err(e) = kept {
        eprintln!(
            "Warning: could not keep {} create(s) still in doubt in the apply journal {}: {e}",
            in_doubt.len(),
            jpath.display()
        );
    }
}

/// The state of a folded journal with its in-flight creates resolved: each object the
/// provider finds by the identity journalled before its create was sent is adopted at its
/// address; the others were never made, or not yet. Says what it recovered on stderr.
async fn recover_journal(
    ctx: &Context,
    folded: journal::Folded,
    jpath: &Path,
    color: bool,
) -> Result<RecoveredJournal, Diagnostics> {
    let journal::Folded {
        mut state,
        operations,
        pending,
    } = folded;
    let recovered = terrane_engine::run::recover(ctx, &mut state, &pending)
        .await
        .map_err(|mut d| {
            d.push(Diagnostic::error("Cannot recover the interrupted run").detail(format!("{} create(s) were in flight when the run was interrupted, and looking for their objects failed (see above). The journal {} was kept; run the command again once the provider can be reached.", pending.len(), jpath.display())));
            d
        })?;
    if operations > 0 {
        eprintln!(
            "Recovered {operations} finished operation(s) from an interrupted run and saved them to state."
        );
    }
    if !pending.is_empty() {
        eprintln!(
            "{} create(s) were in flight when an interrupted run stopped: {} found and adopted into state, {} not found.",
            pending.len(),
            recovered.adopted.len(),
            recovered.absent.len()
        );
        for (addr, id) in &recovered.adopted {
            match id {
                Some(id) => eprintln!("  {addr}: adopted [id={id}]"),
                None => eprintln!("  {addr}: adopted"),
            }
        }
    }
    if !recovered.warnings.is_empty() {
        print_diagnostics(&recovered.warnings, color);
    }
    Ok(RecoveredJournal {
        state,
        changed: operations > 0 || !recovered.adopted.is_empty(),
        in_doubt: recovered.absent,
    })
}

/// First Ctrl-C: stop starting operations, finish running ones, save state. Second: exit
/// at once (the journal still holds every finished operation).
fn install_interrupt_handler(flag: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::SeqCst);
            // Plugins cancel what they are doing (StopProvider), as Terraform asks them to.
            tokio::spawn(terrane_provider_plugin::stop_all());
            let notice = "\nInterrupt received.\nPlease wait for terrane to exit or data loss may occur.\nGracefully shutting down...";
            if crate::json_ui::enabled() {
                crate::json_ui::log(&format!("{notice}\n"));
            } else {
                eprintln!("{notice}");
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("Two interrupts received. Exiting immediately; the apply journal keeps finished operations for the next run.");
                // Plugins ignore interrupts (go-plugin), and exit skips their destructors.
                terrane_provider_plugin::kill_all();
                std::process::exit(1);
            }
        }
    });
}
