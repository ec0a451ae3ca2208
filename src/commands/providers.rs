//! `terrane providers`: the provider requirements of the configuration as a tree (the
//! root module, then each module call), and the providers the current state names.
//! Terraform prints each level in Go map order; terrane sorts by address.

use std::collections::BTreeMap;

use terrane_engine::config::Module;

use crate::cli::ProvidersArgs;
use crate::output::print_diagnostics;

pub async fn run(a: ProvidersArgs) -> anyhow::Result<u8> {
    let dir = a.dir.unwrap_or_else(|| ".".into());
    let (module, diags) = terrane_engine::config::load_dir(&dir);
    if diags.has_errors() {
        print_diagnostics(&diags, false);
        return Ok(1);
    }
    let mut tree = String::from(".\n");
    branch(&module, "", &mut tree);
    println!("\nProviders required by configuration:\n{tree}");
    let Ok(state) = super::show::read_state(false).await else {
        return Ok(1);
    };
    let in_state: std::collections::BTreeSet<String> = state
        .iter()
        .flat_map(|s| &s.resources)
        .filter_map(|r| {
            let fqn = r.provider.strip_prefix("provider[\"")?.split('"').next()?;
            Some(fqn.to_string())
        })
        .collect();
    if !in_state.is_empty() {
        println!("Providers required by state:\n");
        for p in in_state {
            println!("    provider[{p}]\n");
        }
    }
    Ok(0)
}

/// Appends `module`'s requirements and child modules under the tree line prefix `indent`.
fn branch(module: &Module, indent: &str, out: &mut String) {
    let mut lines: Vec<String> = requirements(module)
        .into_iter()
        .map(|(fqn, version)| match version {
            Some(v) => format!("provider[{fqn}] {v}"),
            None => format!("provider[{fqn}]"),
        })
        .collect();
    let children: Vec<(&String, &Module)> = module.children.iter().collect();
    lines.extend(children.iter().map(|(name, _)| format!("module.{name}")));
    let requirement_count = lines.len() - children.len();
    for (i, line) in lines.iter().enumerate() {
        let last = i + 1 == lines.len();
        out.push_str(&format!(
            "{indent}{}{line}\n",
            if last { "└── " } else { "├── " }
        ));
        if let Some(j) = i.checked_sub(requirement_count) {
            let deeper = format!("{indent}{}", if last { "    " } else { "│   " });
            branch(children[j].1, &deeper, out);
        }
    }
}

/// The providers one module needs, by fully qualified address: those in
/// `required_providers` (with their version constraints) and those its resources and
/// provider blocks imply.
fn requirements(module: &Module) -> BTreeMap<String, Option<String>> {
    let declared = &module.terraform.required_providers;
    let fqn_of = |local: &str| match declared.get(local) {
        Some(rp) => fqn(&rp.source),
        None if local == "terraform" => "terraform.io/builtin/terraform".to_string(),
        None => format!("registry.terraform.io/hashicorp/{local}"),
    };
    let mut out: BTreeMap<String, Option<String>> = declared
        .values()
        .map(|rp| {
            (
                fqn(&rp.source),
                rp.version.as_deref().map(normalize_constraints),
            )
        })
        .collect();
    let implied = module
        .resources
        .values()
        .map(|r| r.provider_name().to_string())
        .chain(module.providers.iter().map(|p| p.name.clone()));
    for local in implied {
        out.entry(fqn_of(&local)).or_insert(None);
    }
    out
}

/// `hashicorp/null` as `registry.terraform.io/hashicorp/null`.
fn fqn(source: &str) -> String {
    let source = source.to_ascii_lowercase();
    match source.split('/').count() {
        1 => format!("registry.terraform.io/hashicorp/{source}"),
        2 => format!("registry.terraform.io/{source}"),
        _ => source,
    }
}

/// Version constraints as Terraform prints them: each version with three parts
/// (`>= 2.0` is `>= 2.0.0`), except after `~>`, where the parts given matter.
fn normalize_constraints(c: &str) -> String {
    c.split(',')
        .map(|part| {
            let part = part.trim();
            let op_len = part
                .find(|ch: char| ch.is_ascii_digit())
                .unwrap_or(part.len());
            let (op, version) = part.split_at(op_len);
            let op = op.trim();
            let version = if op == "~>" {
                version.to_string()
            } else {
                let mut parts: Vec<&str> = version.split('.').collect();
                while parts.len() < 3 {
                    parts.push("0");
                }
                parts.join(".")
            };
            if op.is_empty() {
                version
            } else {
                format!("{op} {version}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_are_printed_as_terraform_does() {
        assert_eq!(normalize_constraints(">= 2.0"), ">= 2.0.0");
        assert_eq!(
            normalize_constraints("~> 5.1, != 5.3.1"),
            "~> 5.1, != 5.3.1"
        );
        assert_eq!(normalize_constraints("1.2"), "1.2.0");
    }
}
