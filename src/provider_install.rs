//! `terrane init`'s "Initializing provider plugins..." step: every provider the
//! configuration uses is installed into `.terraform/providers` from `-plugin-dir`, or the
//! CLI configuration's installation methods (else the implied local mirror directories
//! and the origin registry), through the plugin cache, and recorded in
//! `.terraform.lock.hcl`. A provider built into terrane is fetched only when the
//! configuration uses a type it does not build in (or `TERRANE_PLUGIN_ONLY` names it);
//! otherwise it is taken from a local mirror if one holds it, and else served natively.

use std::path::{Path, PathBuf};

use terrane_engine::config::Module;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::provider::ProviderSchema;
use terrane_engine::state::State;
use terrane_provider_plugin::cliconfig::CliConfig;
use terrane_provider_plugin::install::{platform, InstallError, LockFile, Source, LOCK_FILE};
use terrane_provider_plugin::installer::{Event, Installer, Request};

/// How init may treat the lock file (`-lockfile=readonly` refuses any change to it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    Update,
    Readonly,
}

/// What the user asked of init for providers.
pub struct Options<'a> {
    pub plugin_dirs: &'a [PathBuf],
    pub upgrade: bool,
    /// Where progress goes (init words it for people, or as -json messages).
    pub log: &'a dyn Fn(&Line),
}

/// One progress message, worded both ways Terraform words it: for people, and for
/// `init -json` (where some are `init_output` messages with a code, the rest `log`).
#[derive(Clone)]
pub struct Line {
    pub human: String,
    pub json: String,
    pub code: Option<&'static str>,
}

impl Line {
    fn log(human: String, json: String) -> Line {
        Line {
            human,
            json,
            code: None,
        }
    }
}

/// What one of init's provider steps chose: the lock entries of the providers it
/// installed, and those whose entries hold only checksums computed here (a filesystem
/// mirror gives no signed ones), which Terraform warns about.
#[derive(Default)]
pub struct Installation {
    pub locks: LockFile,
    incomplete: Vec<String>,
}

/// Which of init's two provider steps is running: Terraform words the reuse of a locked
/// version differently in each.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Configuration,
    State,
}

/// Installs the providers the configuration `root` requires, printing progress as
/// Terraform does; errors come back as diagnostics. The lock file is written later, by
/// `record_locks`, once the providers found in state are installed too.
pub async fn install(root: &Module, opts: &Options<'_>) -> (Installation, Diagnostics) {
    let old = match LockFile::read(Path::new(LOCK_FILE)) {
        Ok(l) => l,
        Err(e) => {
            let d = Diagnostic::error("Invalid dependency lock file").detail(e.to_string());
            return (Installation::default(), d.into());
        }
    };
    let sources = crate::plugins::required_sources(root);
    install_sources(root, sources, &old, Step::Configuration, opts).await
}

/// The step Terraform runs after the backend: the providers the state's resources name
/// (the built-in `terraform` provider included), each version the configuration's step
/// or the lock file chose reused. Prints the step's heading even when the state names
/// none, as Terraform does.
pub async fn install_from_state(
    root: &Module,
    state: &State,
    config: &Installation,
    opts: &Options<'_>,
) -> (Installation, Diagnostics) {
    (opts.log)(&Line {
        human: "Initializing provider plugins found in the state...".to_string(),
        json: "Initializing provider plugins found in the state...".to_string(),
        code: Some("initializing_provider_plugin_from_state_message"),
    });
    let mut locked = match LockFile::read(Path::new(LOCK_FILE)) {
        Ok(l) => l,
        Err(e) => {
            let d = Diagnostic::error("Invalid dependency lock file").detail(e.to_string());
            return (Installation::default(), d.into());
        }
    };
    locked.providers.extend(config.locks.providers.clone());
    let mut sources: Vec<Source> = crate::plugins::state_sources(state);
    // Built-in providers first, as Terraform reports them before querying any other.
    sources.sort_by_key(|s| (s.host != BUILTIN_HOST, s.to_string()));
    let mut installable = Vec::new();
    for source in sources {
        if source.host == BUILTIN_HOST {
            let text = format!("{source} is built in to terrane");
            (opts.log)(&Line::log(format!("- {text}"), text));
        } else {
            installable.push((source, None));
        }
    }
    install_sources(root, installable, &locked, Step::State, opts).await
}

/// The host of providers built into Terraform (`terraform.io/builtin/terraform`).
const BUILTIN_HOST: &str = "terraform.io";

async fn install_sources(
    root: &Module,
    sources: Vec<(Source, Option<terrane_engine::diag::Span>)>,
    old: &LockFile,
    step: Step,
    opts: &Options<'_>,
) -> (Installation, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut done = Installation::default();
    let installer = match installer(opts.plugin_dirs, crate::plugins::providers_dir()) {
        Ok(i) => i,
        Err(d) => {
            diags.push(d);
            return (done, diags);
        }
    };
    let built_in = crate::setup::providers();
    let mut third_party_signed = false;
    for (source, span) in sources {
        let name = display(&source);
        let constraints = constraints_for(root, &source);
        let key = source.to_string();
        let locked = old.providers.get(&key);
        // Progress is printed once the outcome is known: a built-in provider that no
        // mirror holds is just "Using built-in".
        let native = built_in
            .iter()
            .find(|(names, _)| names.contains(&key.as_str()))
            .map(|(_, f)| f().schema().clone());
        let mut lines = Vec::new();
        let mut fetched = false;
        let mut report = |e: Event| {
            third_party_signed |= matches!(&e, Event::Installed(_, auth) if third_party(auth));
            fetched |= matches!(&e, Event::Installed(..) | Event::UsingCached(_));
            lines.push(event_line(&name, constraints.as_deref(), &e, step));
        };
        // Terraform never upgrades a provider only the state names: there is no
        // constraint to upgrade within.
        let req = Request {
            source: &source,
            constraints: constraints.as_deref(),
            locked,
            upgrade: opts.upgrade && step == Step::Configuration,
            local_only: native
                .as_ref()
                .is_some_and(|n| built_in_suffices(root, &source, n)),
        };
        let not_built_in = native
            .as_ref()
            .map(|n| types_not_built_in(root, &source, n))
            .unwrap_or_default();
        let outcome = installer.install(&req, &mut report).await;
        // Offline, a provider terrane builds in still serves what it can: validate and
        // plan then name exactly the types that need its plugin.
        let unreachable = matches!(outcome, Err(InstallError::Remote(_)))
            && native.is_some()
            && !crate::plugins::plugin_only(&source);
        if unreachable {
            if let Err(e) = &outcome {
                diags.push(
                    Diagnostic::warning(format!("Could not install the {name} plugin"))
                        .detail(format!(
                            "The configuration uses {} that terrane does not build in, so it tried to install the provider's plugin, and failed: {e}. The built-in {name} provider serves the other types; validate and plan report these.",
                            not_built_in.join(", ")
                        ))
                        .span(span.clone()),
                );
            }
        }
        let built_in_only = (matches!(outcome, Err(InstallError::NotFound { .. }))
            && req.local_only)
            || unreachable;
        if !built_in_only {
            lines.iter().for_each(|l| (opts.log)(l));
        }
        match outcome {
            Ok(entry) => {
                if fetched && only_local_checksums(&entry, locked) {
                    done.incomplete.push(name.clone());
                }
                done.locks.providers.insert(key, entry);
            }
            Err(_) if built_in_only => {
                let refused = constraints
                    .as_deref()
                    .and_then(|c| crate::setup::check_built_in_version(&key, c));
                if let Some(d) = refused {
                    diags.push(d.span(span));
                    continue;
                }
                let text = format!("Using built-in {name} ({})", source.name);
                (opts.log)(&Line::log(format!("- {text}"), text));
                if let Some(l) = locked {
                    done.locks.providers.insert(key, l.clone());
                }
            }
            Err(e) => {
                let (summary, detail) = match &e {
                    InstallError::NotFound { .. }
                    | InstallError::NoMatch { .. }
                    | InstallError::LockedConstraint { .. }
                    | InstallError::Remote(_) => (
                        "Failed to query available provider packages",
                        format!("Could not retrieve the list of available versions for provider {name}: {e}"),
                    ),
                    _ => ("Failed to install provider", format!("Error while installing {name}: {e}")),
                };
                diags.push(Diagnostic::error(summary).detail(detail).span(span));
            }
        }
    }
    if third_party_signed {
        let text = "Partner and community providers are signed by their developers.\nIf you'd like to know more about provider signing, you can read about it here:\nhttps://developer.hashicorp.com/terraform/cli/plugins/signing";
        (opts.log)(&Line::log(format!("\n{text}"), text.to_string()));
    }
    (done, diags)
}

/// Whether a package just installed leaves its lock entry with only the checksum
/// computed here: no `zh:` checksums signed by a registry, and nothing the lock file
/// held before beyond that same checksum. Another platform could not install from such
/// an entry.
fn only_local_checksums(
    entry: &terrane_provider_plugin::install::Locked,
    prior: Option<&terrane_provider_plugin::install::Locked>,
) -> bool {
    let signed = entry.hashes.iter().any(|h| h.starts_with("zh:"));
    let prior_differs = prior
        .filter(|p| p.version == entry.version && !p.hashes.is_empty())
        .is_some_and(|p| p.hashes != entry.hashes);
    !signed && !prior_differs
}

/// Writes the lock file with the entries of init's steps (the configuration's win), if
/// they differ from what it holds, and says so as Terraform does: first Terraform's
/// warning when some entries hold only checksums computed on this platform, then the
/// note on the lock file (returned as a line with its message code).
pub fn record_locks(steps: &[&Installation], lock_mode: LockMode) -> (Option<Line>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let old = match LockFile::read(Path::new(LOCK_FILE)) {
        Ok(l) => l,
        Err(e) => {
            diags.push(Diagnostic::error("Invalid dependency lock file").detail(e.to_string()));
            return (None, diags);
        }
    };
    let mut new = LockFile::default();
    for step in steps.iter().rev() {
        new.providers.extend(step.locks.providers.clone());
    }
    if new == old {
        return (None, diags);
    }
    if lock_mode == LockMode::Readonly {
        diags.push(Diagnostic::error("Provider dependency changes detected").detail(
            "Changes to the required provider dependencies were detected, but the lock file is read-only. To use and record these requirements, run \"terrane init\" without the \"-lockfile=readonly\" flag.",
        ));
        return (None, diags);
    }
    let mut incomplete: Vec<&String> = steps.iter().flat_map(|s| &s.incomplete).collect();
    incomplete.sort();
    incomplete.dedup();
    if !incomplete.is_empty() {
        let names: Vec<&str> = incomplete.iter().map(|n| n.as_str()).collect();
        let here = platform();
        diags.push(
            Diagnostic::warning("Incomplete lock file information for providers").detail(format!(
                "Due to your customized provider installation methods, terrane was forced to calculate lock file checksums locally for the following providers:\n  - {}\n\nThe current {LOCK_FILE} file only includes checksums for {here}, so terrane running on another platform will fail to install these providers.\n\nTo calculate additional checksums for another platform, run:\n  terrane providers lock -platform=linux_amd64\n(where linux_amd64 is the platform to generate)",
                names.join("\n  - ")
            )),
        );
    }
    if let Err(e) = new.write(Path::new(LOCK_FILE)) {
        diags.push(
            Diagnostic::error("Failed to write the dependency lock file").detail(format!("{e:#}")),
        );
        return (None, diags);
    }
    let (code, text) = if old.providers.is_empty() {
        ("lock_info", format!("terrane has created a lock file {LOCK_FILE} to record the provider\nselections it made above. Include this file in your version control repository\nso that terrane can guarantee to make the same selections by default when\nyou run \"terrane init\" in the future."))
    } else {
        ("dependencies_lock_changes_info", format!("terrane has made some changes to the provider dependency selections recorded\nin the {LOCK_FILE} file. Review those changes and commit them to your\nversion control system if they represent changes you intended to make."))
    };
    let note = Line {
        human: text.clone(),
        json: text,
        code: Some(code),
    };
    (Some(note), diags)
}

/// The installer for the CLI configuration (or `-plugin-dir`), placing packages under
/// `target`.
pub fn installer(plugin_dirs: &[PathBuf], target: PathBuf) -> Result<Installer, Diagnostic> {
    let cfg = CliConfig::load()
        .map_err(|e| Diagnostic::error("Invalid CLI configuration").detail(e.to_string()))?
        .with_plugin_dirs(plugin_dirs);
    Ok(Installer {
        methods: cfg.methods,
        implied: cfg.implied,
        services: cfg.services,
        cache: cfg.plugin_cache_dir,
        cache_may_break_lock: cfg.cache_may_break_lock,
        target,
        platform: platform(),
    })
}

/// Whether terrane's built-in provider serves every type the configuration uses of
/// `source`, so that its plugin need not be fetched over the network.
fn built_in_suffices(root: &Module, source: &Source, native: &ProviderSchema) -> bool {
    !crate::plugins::plugin_only(source) && types_not_built_in(root, source, native).is_empty()
}

/// The types of `source` the configuration uses that the built-in provider lacks
/// (`data.` before data sources), sorted.
fn types_not_built_in(root: &Module, source: &Source, native: &ProviderSchema) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for m in root.all() {
        for r in m.resources.values() {
            let local = r.provider_name();
            let of_source = match m.terraform.required_providers.get(local) {
                Some(rp) => Source::parse(&rp.source).is_ok_and(|s| s == *source),
                None => Source::parse(local).is_ok_and(|s| s == *source),
            };
            let (types, prefix) = (native.types(r.addr.mode), r.addr.mode.address_prefix());
            if of_source && !types.contains_key(&r.addr.ty) {
                out.insert(format!("{prefix}{}", r.addr.ty));
            }
        }
    }
    out.into_iter().collect()
}

/// The source as Terraform prints it: without the host when it is the public registry.
pub fn display(source: &Source) -> String {
    if source.host == terrane_provider_plugin::install::DEFAULT_HOST {
        format!("{}/{}", source.namespace, source.name)
    } else {
        source.to_string()
    }
}

/// Every module's version constraint on `source`, joined as Terraform records them.
pub fn constraints_for(root: &Module, source: &Source) -> Option<String> {
    let mut all: Vec<String> = Vec::new();
    for m in root.all() {
        for rp in m.terraform.required_providers.values() {
            let same = Source::parse(&rp.source).is_ok_and(|s| s == *source);
            if let (true, Some(v)) = (same, &rp.version) {
                for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    if !all.iter().any(|x| x == part) {
                        all.push(part.to_string());
                    }
                }
            }
        }
    }
    (!all.is_empty()).then(|| all.join(", "))
}

/// An installer event as Terraform words it for people and for `init -json`.
fn event_line(name: &str, constraints: Option<&str>, e: &Event, step: Step) -> Line {
    let (human, json) = match e {
        Event::ReusingLocked if step == Step::State => (
            format!("- Reusing previous version of {name}"),
            format!("Reusing previous version of {name}"),
        ),
        Event::ReusingLocked => (
            format!("- Reusing previous version of {name} from the dependency lock file"),
            format!("{name}: Reusing previous version from the dependency lock file"),
        ),
        Event::Finding(_) => match constraints {
            Some(c) => (
                format!("- Finding {name} versions matching \"{c}\"..."),
                format!(
                    "Finding matching versions for provider: {name}, version_constraint: \"{c}\""
                ),
            ),
            None => (
                format!("- Finding latest version of {name}..."),
                format!("{name}: Finding latest version..."),
            ),
        },
        Event::UsingInstalled(v) => (
            format!("- Using previously-installed {name} v{v}"),
            format!("{name} v{v}: Using previously-installed provider version"),
        ),
        Event::UsingCached(v) => (
            format!("- Using {name} v{v} from the shared cache directory"),
            format!("{name} v{v}: Using from the shared cache directory"),
        ),
        Event::Installing(v) => (
            format!("- Installing {name} v{v}..."),
            format!("Installing provider version: {name} v{v}..."),
        ),
        Event::Installed(v, auth) => (
            format!("- Installed {name} v{v} ({auth})"),
            format!("Installed provider version: {name} v{v} ({auth})"),
        ),
    };
    Line::log(human, json)
}

/// An install authenticated by a key other than HashiCorp's (a partner's or the author's
/// own), which Terraform follows with its note on partner and community providers.
fn third_party(auth: &str) -> bool {
    auth.starts_with("self-signed") || auth.starts_with("signed by a HashiCorp partner")
}
