//! Provider plugins for a configuration: the packages `terraform init` (or `terrane init`)
//! installed under `.terraform/providers`, checked against `.terraform.lock.hcl`, and which
//! resource types each serves beside the providers built in.
//!
//! Routing: a type built in is served natively, any other type of the same provider by its
//! plugin when one is installed. `TERRANE_PLUGIN_ONLY` (a comma-separated list of provider
//! sources such as `hashicorp/aws`, or `all`) makes the listed providers plugin-only.

use std::path::Path;
use std::sync::Arc;

use terrane_engine::config::Module;
use terrane_engine::diag::{Diagnostic, Diagnostics, Span};
use terrane_engine::state::State;
use terrane_provider_plugin::install::{packages_in, LockFile, Package, Source, LOCK_FILE};
use terrane_provider_plugin::PluginSchema;

/// Where `terraform init` unpacks the providers of a working directory (under
/// `TF_DATA_DIR` when set).
pub fn providers_dir() -> std::path::PathBuf {
    crate::environment::data_path("providers")
}

/// An installed plugin the configuration uses.
pub struct Installed {
    pub source: Source,
    pub package: Package,
    pub schema: Arc<PluginSchema>,
}

/// Every provider source the configuration uses (`required_providers`, and `hashicorp/<name>`
/// implied by resource types of other providers), with where it is required.
pub fn required_sources(root: &Module) -> Vec<(Source, Option<Span>)> {
    let mut out: Vec<(Source, Option<Span>)> = Vec::new();
    let mut add = |s: Source, span: Option<Span>| {
        if !out.iter().any(|(x, _)| *x == s) {
            out.push((s, span));
        }
    };
    for m in root.all() {
        for rp in m.terraform.required_providers.values() {
            if let Ok(s) = Source::parse(&rp.source) {
                add(s, rp.span.clone());
            }
        }
        for r in m.resources.values() {
            let name = r.provider_name();
            if m.terraform.required_providers.contains_key(name) || name == "terraform" {
                continue;
            }
            if let Ok(s) = Source::parse(name) {
                add(s, r.span.clone());
            }
        }
    }
    out
}

/// The providers the state's resources name, each once.
pub fn state_sources(state: &State) -> Vec<Source> {
    let mut out: Vec<Source> = Vec::new();
    for r in &state.resources {
        // `provider["registry.terraform.io/hashicorp/null"]`, maybe after a module path
        // and before an alias.
        let Some(addr) = r.provider.split('"').nth(1) else {
            continue;
        };
        if let Ok(s) = Source::parse(addr) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The installed plugins of the configuration's providers and of the providers in `also`
/// (those only the state names, whose resources a plan destroys with them, as Terraform
/// does). A package that the lock file does not allow, or that does not start, is an
/// error at `span`.
pub fn installed(root: &Module, also: &[Source]) -> (Vec<Installed>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let lock = match LockFile::read(Path::new(LOCK_FILE)) {
        Ok(l) => l,
        Err(e) => {
            diags.push(Diagnostic::error("Invalid dependency lock file").detail(e.to_string()));
            return (Vec::new(), diags);
        }
    };
    let mut out = Vec::new();
    let mut sources = required_sources(root);
    for s in also {
        if !sources.iter().any(|(x, _)| x == s) {
            sources.push((s.clone(), None));
        }
    }
    for (source, span) in sources {
        let Some(package) = pick(&source, &lock) else {
            continue;
        };
        if let Err(e) = lock.verify(&package) {
            diags.push(
                Diagnostic::error("Required plugins are not installed")
                    .detail(e.to_string())
                    .span(span),
            );
            continue;
        }
        match PluginSchema::load(&package.executable) {
            Ok(schema) => out.push(Installed {
                source,
                package,
                schema,
            }),
            Err(e) => diags.push(
                Diagnostic::error("Failed to load plugin schemas")
                    .detail(format!(
                        "Could not load the schema for provider {source} ({}): {e}.",
                        package.executable.display()
                    ))
                    .span(span),
            ),
        }
    }
    (out, diags)
}

/// The package of `source` to use: the locked version if the lock names one, else the
/// newest installed.
fn pick(source: &Source, lock: &LockFile) -> Option<Package> {
    let found = packages_in(&providers_dir(), source);
    match lock.providers.get(&source.to_string()) {
        Some(l) => found
            .iter()
            .find(|p| p.version == l.version)
            .or(found.first())
            .cloned(),
        None => found.into_iter().next(),
    }
}

/// Whether `TERRANE_PLUGIN_ONLY` makes `source` plugin-only.
pub fn plugin_only(source: &Source) -> bool {
    let Ok(list) = std::env::var("TERRANE_PLUGIN_ONLY") else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .any(|s| s.eq_ignore_ascii_case("all") || Source::parse(s).is_ok_and(|s| s == *source))
}
