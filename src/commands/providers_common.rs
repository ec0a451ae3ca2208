//! What the `providers lock`, `mirror` and `schema` subcommands share: the configuration's
//! provider requirements and the `-platform` option.

use std::path::Path;

use terrane_engine::config::Module;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_provider_plugin::install::{platform, Source};

use crate::provider_install::constraints_for;

/// A provider the configuration requires, with its version constraints.
pub struct Requirement {
    pub source: Source,
    pub constraints: Option<String>,
}

/// Loads the configuration in the working directory; `None` (with the errors in `diags`)
/// when it does not load.
pub fn load_module(diags: &mut Diagnostics) -> Option<Module> {
    let (module, loaded) = terrane_engine::config::load_dir(Path::new("."));
    let failed = loaded.has_errors();
    diags.extend(loaded);
    (!failed).then_some(module)
}

/// The installable providers the configuration requires, sorted by address (Terraform
/// walks them in map order).
pub fn load_requirements(diags: &mut Diagnostics) -> Option<Vec<Requirement>> {
    let module = load_module(diags)?;
    let mut reqs: Vec<Requirement> = crate::plugins::required_sources(&module)
        .into_iter()
        .map(|(source, _)| Requirement {
            constraints: constraints_for(&module, &source),
            source,
        })
        .collect();
    reqs.sort_by(|a, b| a.source.cmp(&b.source));
    Some(reqs)
}

/// Whether the configuration uses the provider built into Terraform
/// (`terraform.io/builtin/terraform`: `terraform_data`, `terraform_remote_state`).
pub fn uses_builtin_terraform(module: &Module) -> bool {
    module.all().iter().any(|m| {
        m.resources
            .values()
            .any(|r| r.provider_name() == "terraform")
    })
}

/// The `-platform` options (this machine's platform when none is given); an invalid one
/// is an error in `diags`.
pub fn platforms(given: &[String], diags: &mut Diagnostics) -> Vec<String> {
    if given.is_empty() {
        return vec![platform()];
    }
    let mut out = Vec::new();
    for p in given {
        match check_platform(p) {
            Ok(()) => out.push(p.clone()),
            Err(why) => diags.push(Diagnostic::error("Invalid target platform").detail(format!(
                "The string {p:?} given in the -platform option is not a valid target platform: {why}."
            ))),
        }
    }
    out
}

/// Terraform's rules for `os_arch`: two words, no whitespace.
fn check_platform(p: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = p.split('_').collect();
    let [os, arch] = parts.as_slice() else {
        return Err("must be two words separated by an underscore");
    };
    let spaced = |w: &str| w.contains([' ', '\t', '\n', '\r']);
    if spaced(os) {
        return Err("OS portion must not contain whitespace");
    }
    if spaced(arch) {
        return Err("architecture portion must not contain whitespace");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_two_lowercase_words() {
        assert!(check_platform("linux_amd64").is_ok());
        assert_eq!(
            check_platform("foo"),
            Err("must be two words separated by an underscore")
        );
        assert!(check_platform("linux_amd64_v2").is_err());
    }
}
