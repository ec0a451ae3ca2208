//! Wiring: the providers this build has, the backend a configuration selects, the current
//! workspace, and parsing of durations like `-lock-timeout=30s`.

use std::sync::Arc;

use terrane_engine::config::Module;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::provider::Provider;
use terrane_engine::run::ProviderFactory;
use terrane_engine::state::{StateBackend, DEFAULT_WORKSPACE};

/// Every provider compiled into this build, with the source addresses
/// `required_providers` may name, and how to make an instance (one per provider block).
pub fn providers() -> Vec<(&'static [&'static str], ProviderFactory)> {
    vec![
        (
            &["hashicorp/null", "registry.terraform.io/hashicorp/null"],
            Arc::new(|| {
                Arc::new(terrane_provider_builtin::NullProvider::new()) as Arc<dyn Provider>
            }),
        ),
        (
            &["hashicorp/aws", "registry.terraform.io/hashicorp/aws"],
            Arc::new(|| Arc::new(terrane_provider_aws::AwsProvider::new()) as Arc<dyn Provider>),
        ),
        (
            &["terraform.io/builtin/terraform"],
            Arc::new(|| {
                Arc::new(
                    terrane_provider_builtin::TerraformProvider::new()
                        .with_state_reader(Arc::new(crate::remote_state::BackendStateReader)),
                ) as Arc<dyn Provider>
            }),
        ),
    ]
}

/// The providers for `root` (and for the providers in `also` that only the state names):
/// those built in, and a plugin for every provider installed in `.terraform/providers`.
/// Each resource type gets exactly one: a built-in provider keeps its types unless
/// `TERRANE_PLUGIN_ONLY` names it, and its plugin serves the others.
pub fn provider_factories(
    root: &Module,
    also: &[terrane_provider_plugin::install::Source],
) -> Vec<ProviderFactory> {
    let (plugins, _) = crate::plugins::installed(root, also);
    let mut out = Vec::new();
    let mut native = Vec::new();
    for (names, f) in providers() {
        let source = terrane_provider_plugin::install::Source::parse(names[0]).ok();
        let replaced = plugins
            .iter()
            .any(|p| Some(&p.source) == source.as_ref() && crate::plugins::plugin_only(&p.source));
        if !replaced {
            native.push((source, f().schema().clone()));
            out.push(f);
        }
    }
    for p in plugins {
        let schema = match native.iter().find(|(s, _)| s.as_ref() == Some(&p.source)) {
            Some((_, served)) => Arc::new(p.schema.without(served)),
            None => p.schema.clone(),
        };
        if schema.schema.resources.is_empty() && schema.schema.data_sources.is_empty() {
            // Everything it has is built in: the plugin is not started at all.
            continue;
        }
        let source = p.source.to_string();
        let path = p.package.executable.clone();
        out.push(Arc::new(move || {
            Arc::new(terrane_provider_plugin::PluginProvider::new(
                source.clone(),
                path.clone(),
                schema.clone(),
            )) as Arc<dyn Provider>
        }));
    }
    out
}

/// Checks every module's `required_version` against the Terraform version terrane is
/// compatible with, and `required_providers` against the providers this build has.
pub fn check_required_providers(root: &Module) -> Diagnostics {
    let mut diags = check_required_version(root);
    let (plugins, plugin_diags) = crate::plugins::installed(root, &[]);
    diags.extend(plugin_diags);
    for module in root.all() {
        diags.extend(check_module_providers(module, &plugins));
    }
    diags
}

/// Checks every module's `required_version` against the Terraform version terrane is
/// compatible with.
pub fn check_required_version(root: &Module) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let compat = terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION;
    for module in root.all() {
        let Some((constraint, span)) = &module.terraform.required_version else {
            continue;
        };
        match terrane_engine::config::version::satisfies(constraint, compat) {
            Ok(true) => {}
            Ok(false) => diags.push(
                Diagnostic::error("Unsupported Terraform Core version")
                    .detail(format!("This configuration does not support Terraform version {compat}, which is the Terraform version terrane is compatible with (required_version = {constraint:?}). To proceed, either relax the constraint or use Terraform itself for this configuration."))
                    .span(span.clone()),
            ),
            Err(e) => diags.push(Diagnostic::error("Invalid required_version constraint").detail(e).span(span.clone())),
        }
    }
    diags
}

/// The release of a built-in provider's Terraform counterpart that it is compatible with,
/// for providers whose `required_providers` version constraints terrane checks.
pub fn built_in_version(source: &str) -> Option<&'static str> {
    let source = source.to_ascii_lowercase();
    let source = source
        .strip_prefix("registry.terraform.io/")
        .unwrap_or(&source);
    (source == "hashicorp/aws").then_some(terrane_provider_aws::COMPATIBLE_VERSION)
}

/// Whether a built-in provider meets version `constraints`, in Terraform's words when it
/// does not (what `terraform init` says when no release matches).
pub fn check_built_in_version(source: &str, constraints: &str) -> Option<Diagnostic> {
    let version = built_in_version(source)?;
    let name = source
        .to_ascii_lowercase()
        .trim_start_matches("registry.terraform.io/")
        .to_string();
    match terrane_engine::config::version::satisfies(constraints, version) {
        Ok(true) => None,
        Ok(false) => Some(
            Diagnostic::error("Failed to query available provider packages").detail(format!(
                "Could not retrieve the list of available versions for provider {name}: no available releases match the given constraints {constraints}\n\nterrane's built-in {name} provider is compatible with version {version} of the Terraform provider."
            )),
        ),
        Err(e) => Some(Diagnostic::error("Invalid provider version constraint").detail(e)),
    }
}

fn check_module_providers(module: &Module, plugins: &[crate::plugins::Installed]) -> Diagnostics {
    let have = providers();
    let mut diags = Diagnostics::new();
    for rp in module.terraform.required_providers.values() {
        let source = rp.source.to_ascii_lowercase();
        let built_in = have
            .iter()
            .any(|(names, _)| names.contains(&source.as_str()));
        let installed = terrane_provider_plugin::install::Source::parse(&source)
            .is_ok_and(|s| plugins.iter().any(|p| p.source == s));
        if built_in && !installed {
            let refused = rp
                .version
                .as_deref()
                .and_then(|c| check_built_in_version(&source, c));
            if let Some(d) = refused {
                diags.push(d.span(rp.span.clone()));
            }
        }
        if !built_in && !installed {
            let available: Vec<&str> = have.iter().map(|(n, _)| n[0]).collect();
            diags.push(
                Diagnostic::error("Provider not available")
                    .detail(format!("The configuration requires provider {:?} ({:?}), which is neither built into terrane nor installed as a plugin in {}. Install it with \"terrane init\" (or \"terraform init\"). Built in: {}.", rp.name, rp.source, crate::plugins::providers_dir().display(), available.join(", ")))
                    .span(rp.span.clone()),
            );
        }
    }
    diags
}

/// The workspace selected by TF_WORKSPACE or `terrane workspace select`.
pub fn current_workspace() -> String {
    if let Ok(ws) = std::env::var("TF_WORKSPACE") {
        if !ws.is_empty() {
            return ws;
        }
    }
    std::fs::read_to_string(crate::environment::data_path("environment"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string())
}

/// The state backend the configuration's `backend` block selects (local when none), with
/// the settings `terrane init` recorded.
pub fn backend(module: &Module) -> anyhow::Result<Box<dyn StateBackend>> {
    crate::backend_config::open(module)
}
