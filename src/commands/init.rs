//! `terrane init`: installs the modules the configuration calls (`module_install`) and the
//! provider plugins it uses (`provider_install`), checks its backend and prepares
//! `.terraform/`. The backend's
//! settings, `-backend-config` values included, are recorded for later commands; a changed
//! backend needs `-migrate-state` (copy the state over) or `-reconfigure` (don't).

use std::path::Path;

use anyhow::bail;
use terrane_engine::config::Module;
use terrane_engine::state::{StateBackend, DEFAULT_WORKSPACE};

use crate::backend_config::{self, Selected};
use crate::cli::InitArgs;
use crate::module_install::Progress as ModuleProgress;
use crate::output::{print_diagnostics, use_color};
use crate::provider_install::{self, LockMode};
use terrane_engine::diag::{Diagnostic, Diagnostics};

pub async fn run(a: InitArgs) -> anyhow::Result<u8> {
    let view = InitView::new(a.json, use_color(a.common.no_color));
    view.version();
    if let Some(d) = flag_conflict(&a) {
        view.diagnostics(&d.into());
        return Ok(1);
    }
    if let Some(source) = &a.from_module {
        if let Err(d) = copy_from_module(source) {
            view.diagnostics(&d.into());
            return Ok(1);
        }
    }
    // Modules first, as Terraform does: the configuration cannot load until they are.
    if a.get {
        let upgrade = a.upgrade == Some(true);
        let report = |p: ModuleProgress<'_>| match p {
            ModuleProgress::Started if upgrade => {
                view.message("upgrading_modules_message", "Upgrading modules...")
            }
            ModuleProgress::Started => {
                view.message("initializing_modules_message", "Initializing modules...")
            }
            ModuleProgress::Line(l) => view.log(l),
        };
        if let Err(e) = crate::module_install::install(Path::new("."), upgrade, &report).await {
            view.diagnostics(
                &Diagnostic::error("Failed to install modules")
                    .detail(format!("{e:#}"))
                    .into(),
            );
            return Ok(1);
        }
    }
    let (module, mut diags) = terrane_engine::config::load_dir(Path::new("."));
    if module.files.is_empty() && !diags.has_errors() {
        view.message("output_init_empty_message", "terrane initialized in an empty directory!\n\nThe directory has no terrane configuration files. You may begin working\nwith terrane immediately by creating terrane configuration files.");
        return Ok(0);
    }
    diags.extend(crate::setup::check_required_version(&module));
    if diags.has_errors() {
        view.diagnostics(&diags);
        return Ok(1);
    }
    std::fs::create_dir_all(crate::environment::data_dir())?;
    // Providers before the backend, as Terraform 1.15 orders them; the lock file message
    // waits until the backend is done, where Terraform gives it.
    view.message(
        "initializing_provider_plugin_from_config_message",
        "Initializing provider plugins found in the configuration...",
    );
    if uses_builtin_terraform_provider(&module) {
        let text = "terraform.io/builtin/terraform is built in to terrane";
        view.log_worded(&format!("- {text}"), text);
    }
    let lock_mode = match a.lockfile.as_deref() {
        None => LockMode::Update,
        Some("readonly") => LockMode::Readonly,
        Some(other) => {
            view.diagnostics(
                &Diagnostic::error("Invalid lockfile mode")
                    .detail(format!(
                        "The -lockfile option accepts only \"readonly\", not {other:?}."
                    ))
                    .into(),
            );
            return Ok(1);
        }
    };
    let log = |line: &provider_install::Line| match line.code {
        Some(code) => view.message(code, &line.human),
        None => view.log_worded(&line.human, &line.json),
    };
    let opts = provider_install::Options {
        plugin_dirs: &a.plugin_dir,
        upgrade: a.upgrade == Some(true),
        log: &log,
    };
    let (from_config, provider_diags) = provider_install::install(&module, &opts).await;
    if provider_diags.has_errors() {
        view.diagnostics(&provider_diags);
        return Ok(1);
    }
    diags.extend(provider_diags);
    view.end_step();
    let mut from_state = None;
    // -cloud is Terraform's alias of -backend.
    let init_the_backend = a.backend && a.cloud != Some(false);
    if init_the_backend {
        view.message(
            "initializing_backend_message",
            "Initializing the backend...",
        );
        match init_backend(&module, &a, &view).await {
            Ok(warnings) => {
                for w in warnings {
                    view.diagnostics(&Diagnostic::warning("Backend").detail(w).into());
                }
            }
            Err(e) => {
                let d = Diagnostic::error("Backend initialization failed")
                    .detail(format!("{e:#}\n\nNothing was changed."))
                    .span(
                        module
                            .terraform
                            .backend
                            .as_ref()
                            .and_then(|b| b.span.clone()),
                    );
                view.diagnostics(&d.into());
                return Ok(1);
            }
        }
    }
    // Ended even when -backend=false skipped it, as Terraform does.
    view.end_step();
    // Then the providers the state names, as Terraform 1.15 installs them: after the
    // backend, whose state it reads (with -backend=false, the backend a previous init
    // chose).
    if let Some(state) = current_state(&module, !init_the_backend).await {
        let (installed, state_diags) =
            provider_install::install_from_state(&module, &state, &from_config, &opts).await;
        if state_diags.has_errors() {
            view.diagnostics(&state_diags);
            return Ok(1);
        }
        diags.extend(state_diags);
        from_state = Some(installed);
    }
    view.end_step();
    let steps: Vec<&provider_install::Installation> = std::iter::once(&from_config)
        .chain(from_state.as_ref())
        .collect();
    let (note, lock_diags) = provider_install::record_locks(&steps, lock_mode);
    if lock_diags.has_errors() {
        view.diagnostics(&lock_diags);
        return Ok(1);
    }
    if let Some(note) = note {
        view.message(note.code.unwrap_or_default(), &note.human);
    }
    view.end_step();
    diags.extend(lock_diags);
    if !diags.is_empty() {
        view.diagnostics(&diags);
    }
    view.message(
        "output_init_success_message",
        "terrane has been successfully initialized!",
    );
    if !crate::environment::in_automation() {
        view.message("output_init_success_cli_message", "\nYou may now begin working with terrane. Try running \"terrane plan\" to see\nany changes that are required for your infrastructure. All terrane commands\nshould now work.\n\nIf you ever set or change modules or backend configuration for terrane,\nrerun this command to reinitialize your working directory. If you forget, other\ncommands will detect it and remind you to do so if necessary.");
    }
    Ok(0)
}

/// The current workspace's state, if it has one that can be read (a state that cannot be
/// read is reported by the commands that need it, not by init), from the configuration's
/// backend or, with `previous_backend`, from the one the last init recorded (the local
/// backend if none).
async fn current_state(
    module: &Module,
    previous_backend: bool,
) -> Option<terrane_engine::state::State> {
    let backend = if previous_backend {
        crate::backend_config::build(crate::backend_config::saved().ok()?.as_ref())
    } else {
        crate::setup::backend(module)
    }
    .ok()?;
    let ws = crate::setup::current_workspace();
    backend.read(&ws).await.ok().flatten().map(|v| v.state)
}

/// Whether any module uses the `terraform` provider (`terraform_data`,
/// `terraform_remote_state`), which Terraform reports as built in.
fn uses_builtin_terraform_provider(root: &Module) -> bool {
    root.all().iter().any(|m| {
        m.resources
            .values()
            .any(|r| r.provider_name() == "terraform")
    })
}

/// Combinations of flags Terraform refuses before doing anything.
fn flag_conflict(a: &InitArgs) -> Option<Diagnostic> {
    let invalid = |detail: &str| Some(Diagnostic::error("Invalid init options").detail(detail));
    if a.migrate_state && a.reconfigure {
        return invalid("The -migrate-state and -reconfigure options are mutually-exclusive: -reconfigure ignores the previous backend, -migrate-state copies from it.");
    }
    if a.cloud.is_some() && a.backend_flag_given() {
        return invalid(
            "The -backend and -cloud options are aliases of one another; give only one.",
        );
    }
    if a.migrate_state && a.json {
        return Some(Diagnostic::error("The -migrate-state and -json options are mutually-exclusive").detail("Migrating state may need a confirmation, which -json output cannot ask for. Drop -json to use -migrate-state."));
    }
    match a.lockfile.as_deref() {
        None => None,
        Some("readonly") if a.upgrade == Some(true) => Some(
            Diagnostic::error("Invalid init options")
                .detail("The -upgrade flag conflicts with -lockfile=readonly."),
        ),
        Some("readonly") => None,
        Some(other) => Some(
            Diagnostic::error("Invalid -lockfile option").detail(format!(
                "The only lock file mode is \"readonly\", not {other:?}."
            )),
        ),
    }
}

/// `-from-module=SOURCE`: copies a module's files into the working directory, which must
/// hold no configuration yet. Local directories only, like the module calls terrane loads.
fn copy_from_module(source: &str) -> Result<(), Diagnostic> {
    let here = std::fs::read_dir(".").map_err(|e| {
        Diagnostic::error("Failed to read the working directory").detail(e.to_string())
    })?;
    let has_config = here.filter_map(Result::ok).any(|e| {
        let n = e.file_name().to_string_lossy().to_string();
        n.ends_with(".tf") || n.ends_with(".tf.json")
    });
    if has_config {
        return Err(Diagnostic::error("The working directory already contains files").detail("-from-module copies a module into an empty directory. To initialize the configuration already here, leave out -from-module."));
    }
    let from = Path::new(source);
    if !from.is_dir() {
        return Err(Diagnostic::error("Failed to copy the module given by -from-module").detail(format!("{source:?} is not a local directory. terrane copies modules from local paths only; download the module first, or use terraform init -from-module.")));
    }
    copy_dir(from, Path::new(".")).map_err(|e| {
        Diagnostic::error("Failed to copy the module given by -from-module")
            .detail(format!("Copying {source:?}: {e}"))
    })
}

/// Copies `from` into `to` recursively, leaving out `.terraform` and hidden entries as
/// Terraform does.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Where init's messages go: text for people, or with -json one JSON object per line, in
/// the layout of Terraform's machine-readable UI.
struct InitView {
    json: bool,
    color: bool,
}

impl InitView {
    fn new(json: bool, color: bool) -> InitView {
        InitView { json, color }
    }

    fn version(&self) {
        if self.json {
            crate::json_ui::enable();
        }
    }

    /// A step of init, with Terraform's message code for it.
    fn message(&self, code: &str, text: &str) {
        if self.json {
            crate::json_ui::emit(
                "info",
                text.trim(),
                "init_output",
                serde_json::json!({"message_code": code}),
            );
        } else {
            println!("{text}");
        }
    }

    /// The end of one of init's steps (providers of the configuration, backend, providers
    /// of the state, lock file): Terraform prints an empty line after each, whether the
    /// step printed anything or not, which is the only spacing between steps (its
    /// headings' leading newlines are trimmed). People get it, programs nothing.
    fn end_step(&self) {
        if !self.json {
            println!();
        }
    }

    fn log(&self, text: &str) {
        self.log_worded(text, text);
    }

    /// A progress line Terraform words differently for people and for `-json`.
    fn log_worded(&self, human: &str, json: &str) {
        if self.json {
            crate::json_ui::log(json);
        } else {
            println!("{human}");
        }
    }

    fn diagnostics(&self, diags: &Diagnostics) {
        // Under -json this streams `diagnostic` messages.
        print_diagnostics(diags, self.color);
    }
}

/// Selects, checks and records the backend, migrating state when asked. Writes nothing
/// until every check has passed.
async fn init_backend(
    module: &Module,
    a: &InitArgs,
    view: &InitView,
) -> anyhow::Result<Vec<String>> {
    let overrides = backend_config::override_settings(&a.backend_config)?;
    let mut new = backend_config::selected(module, &overrides)?;
    let prior = if a.reconfigure {
        None
    } else {
        backend_config::saved()?
    };
    // As in Terraform, running init again without -backend-config keeps the values given
    // last time, as long as the block still agrees with them.
    if let (Some(n), Some(p)) = (&new, &prior) {
        if overrides.is_empty() && backend_config::consistent(n, p) {
            new = prior.clone();
        }
    }
    let (dest, warnings) = backend_config::build_checked(new.as_ref()).await?;
    let unchanged = prior.is_some() && prior == new;
    let source = backend_config::build(prior.as_ref())?;
    // A new lock table or a backend block naming the implicit local file moves no state.
    let same_place = source.describe(DEFAULT_WORKSPACE) == dest.describe(DEFAULT_WORKSPACE);
    if !a.reconfigure && !unchanged && !same_place {
        let with_state = workspaces_with_state(source.as_ref()).await?;
        if !with_state.is_empty() {
            if !a.migrate_state {
                bail!(
                    "{} has state (workspaces: {}), and the backend is now {}. Run \"terrane init -migrate-state\" to copy the state to the new backend, or \"terrane init -reconfigure\" to use the new backend without it.",
                    source.describe(&with_state[0]),
                    with_state.join(", "),
                    describe(new.as_ref())
                );
            }
            for ws in &with_state {
                migrate(source.as_ref(), dest.as_ref(), ws, a).await?;
            }
        }
    }
    backend_config::save(new.as_ref())?;
    if let Some(n) = &new {
        view.message(
            "backend_configured_success",
            &format!(
                "\nSuccessfully configured the backend {:?}! terrane will automatically\nuse this backend unless the backend configuration changes.",
                n.kind
            ),
        );
    }
    Ok(warnings)
}

fn describe(sel: Option<&Selected>) -> String {
    sel.map_or_else(|| "local".to_string(), |s| format!("{:?}", s.kind))
}

async fn workspaces_with_state(b: &dyn StateBackend) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for ws in b.workspaces().await? {
        if b.read(&ws).await?.is_some() {
            out.push(ws);
        }
    }
    Ok(out)
}

async fn take_lock(
    b: &dyn StateBackend,
    ws: &str,
    a: &InitArgs,
    why: &str,
) -> anyhow::Result<super::state_lock::Held> {
    super::state_lock::acquire(b, ws, &a.lock, "OperationTypeInvalid", why)
        .await
        .map_err(|d| anyhow::anyhow!("{}: {}", d.summary, d.detail.unwrap_or_default()))
}

/// Copies one workspace's state as it is (lineage and serial kept), holding both locks.
async fn migrate(
    source: &dyn StateBackend,
    dest: &dyn StateBackend,
    ws: &str,
    a: &InitArgs,
) -> anyhow::Result<()> {
    let src_lock = take_lock(source, ws, a, "migration source state").await?;
    let dst_lock = take_lock(dest, ws, a, "migration destination state").await;
    let result = match dst_lock {
        Ok(dst_lock) => {
            let r = copy(source, dest, ws, a).await;
            if let Some(l) = dst_lock {
                l.unlock().await?;
            }
            r
        }
        Err(e) => Err(e),
    };
    if let Some(l) = src_lock {
        l.unlock().await?;
    }
    result
}

async fn copy(
    source: &dyn StateBackend,
    dest: &dyn StateBackend,
    ws: &str,
    a: &InitArgs,
) -> anyhow::Result<()> {
    let Some(from) = source.read(ws).await? else {
        return Ok(());
    };
    let (src, dst) = (source.describe(ws), dest.describe(ws));
    let expect = match dest.read(ws).await? {
        Some(there) if there.state.to_bytes() == from.state.to_bytes() => {
            println!("Workspace {ws:?}: {dst} already has this state.");
            return Ok(());
        }
        Some(there) if !a.force_copy => bail!(
            "{dst} already has state (lineage {}, serial {}), unlike {src} (lineage {}, serial {}). Rerun with -force-copy to overwrite it, or choose another key.",
            there.state.lineage, there.state.serial, from.state.lineage, from.state.serial
        ),
        Some(there) => Some(there.etag),
        None => None,
    };
    dest.write(ws, &from.state, expect.as_ref()).await?;
    println!(
        "Workspace {ws:?}: copied the state from {src} to {dst} (lineage {}, serial {}).",
        from.state.lineage, from.state.serial
    );
    Ok(())
}
