//! `terrane state list|show|rm|mv|pull|push`.

use terrane_engine::addr::InstanceAddr;

use super::locked_state::Edit;
use crate::cli::{
    StateListArgs, StateMvArgs, StatePushArgs, StateReplaceProviderArgs, StateRmArgs, StateShowArgs,
};
use crate::output::use_color;

fn addresses(
    s: &terrane_engine::state::State,
) -> Vec<(
    String,
    &terrane_engine::state::InstanceState,
    &terrane_engine::state::ResourceState,
)> {
    let mut out = Vec::new();
    for r in &s.resources {
        for i in &r.instances {
            if i.deposed.is_some() {
                continue;
            }
            out.push((r.instance_address(i), i, r));
        }
    }
    out
}

pub async fn list(a: StateListArgs) -> anyhow::Result<u8> {
    let Ok(state) = super::show::read_state(use_color(false)).await else {
        return Ok(1);
    };
    let Some(state) = state else { return Ok(0) };
    for (addr, _, _) in addresses(&state) {
        if a.addresses.is_empty()
            || a.addresses.iter().any(|f| {
                addr == *f
                    || addr.starts_with(&format!("{f}["))
                    || addr.starts_with(&format!("{f}."))
            })
        {
            println!("{addr}");
        }
    }
    Ok(0)
}

pub async fn show(a: StateShowArgs) -> anyhow::Result<u8> {
    if let Err(e) = a.address.parse::<InstanceAddr>() {
        eprintln!("Error: {e}");
        return Ok(1);
    }
    let Ok(state) = super::show::read_state(use_color(a.common.no_color)).await else {
        return Ok(1);
    };
    let found = state.as_ref().and_then(|s| {
        addresses(s)
            .into_iter()
            .find(|(addr, _, _)| *addr == a.address)
            .map(|(addr, i, r)| {
                (
                    addr,
                    i.clone(),
                    r.ty.clone(),
                    r.name.clone(),
                    r.mode.clone(),
                )
            })
    });
    match found {
        Some((addr, i, ty, name, mode)) => {
            println!("# {addr}:");
            println!(
                "{}resource {ty:?} {name:?} {}",
                if mode == "data" { "data " } else { "" },
                super::show::render_attrs(&mode, &ty, &i)
            );
            Ok(0)
        }
        None => {
            eprintln!("Error: No instance found for the given address!\n\nThis command requires that the address references one specific instance.\nTo view the available instances, use \"terrane state list\". Please modify\nthe address to reference a specific instance.");
            Ok(1)
        }
    }
}

/// Whether state instance address `addr` is selected by `pattern` (a resource address
/// selects all its instances).
fn selects(pattern: &str, addr: &str) -> bool {
    addr == pattern || addr.starts_with(&format!("{pattern}["))
}

pub async fn rm(a: StateRmArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    super::locked_state::edit_state(&a.lock, "OperationTypeInvalid", color, |_, state, _| {
        let mut removed = Vec::new();
        for r in &mut state.resources {
            let probe = r.clone();
            r.instances.retain(|i| {
                let addr = probe.instance_address(i);
                let hit = a.addresses.iter().any(|p| selects(p, &addr));
                if hit {
                    removed.push(addr);
                }
                !hit
            });
        }
        state.resources.retain(|r| !r.instances.is_empty());
        if removed.is_empty() {
            eprintln!("Error: Invalid target address\n\nNo matching objects found. To view the available instances, use \"terrane state list\".");
            return Err(());
        }
        let verb = if a.dry_run { "Would remove" } else { "Removed" };
        for r in &removed {
            println!("{verb} {r}");
        }
        if a.dry_run {
            return Ok(Edit::Keep);
        }
        println!("Successfully removed {} resource instance(s).", removed.len());
        Ok(Edit::Write)
    })
    .await
}

pub async fn mv(a: StateMvArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    let (src, dst) = match (
        a.source.parse::<InstanceAddr>(),
        a.destination.parse::<InstanceAddr>(),
    ) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("Error: {e}");
            return Ok(1);
        }
    };
    super::locked_state::edit_state(&a.lock, "OperationTypeInvalid", color, |_, state, _| {
        if src.resource.mode != dst.resource.mode || src.resource.ty != dst.resource.ty {
            eprintln!("Error: Invalid state move request\n\nCannot move {src} to {dst}: the source and destination must be the same resource type.");
            return Err(());
        }
        let mode = src.resource.mode.as_state_str();
        let find = |state: &terrane_engine::state::State, name: &str| state.resources.iter().position(|r| r.mode == mode && r.ty == src.resource.ty && r.name == name && r.module.is_none());
        let Some(si) = find(state, &src.resource.name) else {
            eprintln!("Error: Invalid source address\n\nCannot move {src}: it does not exist in the current state.");
            return Err(());
        };
        // A whole resource (no index on either side) moves with all its instances.
        let whole = src.key.is_none() && dst.key.is_none() && state.resources[si].instances.iter().any(|i| i.index_key.is_some());
        let moved_instances: Vec<terrane_engine::state::InstanceState> = if whole {
            std::mem::take(&mut state.resources[si].instances)
        } else {
            let Some(ii) = state.resources[si].instances.iter().position(|i| i.index_key == src.key) else {
                eprintln!("Error: Invalid source address\n\nCannot move {src}: it does not exist in the current state.");
                return Err(());
            };
            let mut inst = state.resources[si].instances.remove(ii);
            inst.index_key = dst.key.clone();
            vec![inst]
        };
        let provider = state.resources[si].provider.clone();
        let di = match find(state, &dst.resource.name) {
            Some(di) => di,
            None => {
                state.resources.push(terrane_engine::state::ResourceState { module: None, mode: mode.to_string(), ty: dst.resource.ty.clone(), name: dst.resource.name.clone(), provider, instances: Vec::new() });
                state.resources.len() - 1
            }
        };
        for inst in moved_instances {
            if state.resources[di].instances.iter().any(|i| i.index_key == inst.index_key && i.deposed.is_none()) {
                eprintln!("Error: Invalid state move request\n\nCannot move {src} to {dst}: there is already a resource instance at that address in the current state.");
                return Err(());
            }
            state.resources[di].instances.push(inst);
        }
        state.resources.retain(|r| !r.instances.is_empty());
        if a.dry_run {
            println!("Would move {src:?} to {dst:?}", src = src.to_string(), dst = dst.to_string());
            return Ok(Edit::Keep);
        }
        println!("Move {:?} to {:?}\nSuccessfully moved 1 object(s).", src.to_string(), dst.to_string());
        Ok(Edit::Write)
    })
    .await
}

pub async fn pull() -> anyhow::Result<u8> {
    let Ok(state) = super::show::read_state(false).await else {
        return Ok(1);
    };
    if let Some(s) = state {
        print!("{}", String::from_utf8_lossy(&s.to_bytes()));
    }
    Ok(0)
}

pub async fn push(a: StatePushArgs) -> anyhow::Result<u8> {
    let bytes = if a.path.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
        b
    } else {
        std::fs::read(&a.path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", a.path.display()))?
    };
    let pushed = match terrane_engine::state::State::from_bytes(&bytes) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {}: {e}", a.path.display());
            return Ok(1);
        }
    };
    super::locked_state::edit_state(&a.lock, "OperationTypeInvalid", use_color(false), |_, state, exists| {
        if exists && !a.force {
            if pushed.lineage != state.lineage {
                eprintln!("Error: Failed to write state: cannot import state with lineage {:?} over unrelated state with lineage {:?}. Use -force to overwrite it anyway.", pushed.lineage, state.lineage);
                return Err(());
            }
            if pushed.serial < state.serial {
                eprintln!("Error: Failed to write state: cannot import state with serial {} over newer state with serial {}. Use -force to overwrite it anyway.", pushed.serial, state.serial);
                return Err(());
            }
        }
        *state = pushed.clone();
        Ok(Edit::Write)
    })
    .await
}

/// A provider source address in its full form: `null` and `hashicorp/null` are
/// `registry.terraform.io/hashicorp/null`. Each part is letters, digits and dashes.
fn provider_fqn(source: &str) -> Result<String, String> {
    let parts: Vec<&str> = source.split('/').collect();
    let full = match parts.as_slice() {
        [ty] => vec!["registry.terraform.io", "hashicorp", *ty],
        [ns, ty] => vec!["registry.terraform.io", *ns, *ty],
        [host, ns, ty] => vec![*host, *ns, *ty],
        _ => {
            return Err(format!(
                "The source address {source:?} must have the form [HOSTNAME/]NAMESPACE/TYPE."
            ))
        }
    };
    let valid = |p: &str| {
        !p.is_empty()
            && !p.starts_with('-')
            && !p.ends_with('-')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if let Some(bad) = full[1..].iter().find(|p| !valid(p)) {
        return Err(format!("Invalid provider name {bad:?} in source {source:?}: it must contain only letters, digits and dashes, and may not start or end with a dash."));
    }
    Ok(full.join("/").to_ascii_lowercase())
}

/// The source address inside a state `provider` value such as
/// `provider["registry.terraform.io/hashicorp/aws"].west`.
fn state_provider_fqn(provider: &str) -> Option<&str> {
    provider.strip_prefix("provider[\"")?.split('"').next()
}

/// `terrane state replace-provider FROM TO`: records provider TO for every resource
/// whose state names provider FROM (aliases kept), after showing what changes.
pub async fn replace_provider(a: StateReplaceProviderArgs) -> anyhow::Result<u8> {
    let (from, to) = match (provider_fqn(&a.from), provider_fqn(&a.to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) => {
            return Ok(refuse(
                &format!("Invalid \"from\" provider {:?}", a.from),
                &e,
            ))
        }
        (_, Err(e)) => return Ok(refuse(&format!("Invalid \"to\" provider {:?}", a.to), &e)),
    };
    let auto_approve = a.auto_approve;
    super::locked_state::edit_state(&a.lock, "OperationTypeInvalid", false, |_, state, _| {
        let matching: Vec<usize> = (0..state.resources.len())
            .filter(|i| state_provider_fqn(&state.resources[*i].provider) == Some(from.as_str()))
            .collect();
        if matching.is_empty() {
            println!("No matching resources found.");
            return Ok(Edit::Keep);
        }
        println!("terrane will perform the following actions:\n\n  ~ Updating provider:\n    - {from}\n    + {to}\n\nChanging {} resources:\n", matching.len());
        for i in &matching {
            let r = &state.resources[*i];
            let module = r.module.as_deref().map(|m| format!("{m}.")).unwrap_or_default();
            let data = if r.mode == "data" { "data." } else { "" };
            println!("  {module}{data}{}.{}", r.ty, r.name);
        }
        println!();
        if !auto_approve && !super::apply::ask_yes("Do you want to make these changes?\nOnly 'yes' will be accepted to continue.\n\nEnter a value: ") {
            eprintln!("\nError: Approval rejected\n\nReplacement of providers was not approved; the state was left unchanged.");
            return Err(());
        }
        for i in &matching {
            let r = &mut state.resources[*i];
            r.provider = r.provider.replacen(&format!("[\"{from}\"]"), &format!("[\"{to}\"]"), 1);
        }
        println!("Successfully replaced provider for {} resources.", matching.len());
        Ok(Edit::Write)
    })
    .await
}

/// Prints an error in Terraform's plain shape and returns exit code 1.
fn refuse(summary: &str, detail: &str) -> u8 {
    crate::output::print_diagnostics(
        &terrane_engine::diag::Diagnostic::error(summary)
            .detail(detail)
            .into(),
        false,
    );
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_addresses_are_completed() {
        assert_eq!(
            provider_fqn("hashicorp/aws").as_deref(),
            Ok("registry.terraform.io/hashicorp/aws")
        );
        assert_eq!(
            provider_fqn("registry.acme.corp/acme/aws").as_deref(),
            Ok("registry.acme.corp/acme/aws")
        );
        assert!(provider_fqn("hashicorp/a ws").is_err());
        assert_eq!(
            state_provider_fqn(r#"provider["registry.terraform.io/hashicorp/aws"].west"#),
            Some("registry.terraform.io/hashicorp/aws")
        );
    }
}
