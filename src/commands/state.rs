//! `terrane state list` and `terrane state show ADDRESS`.

use terrane_engine::addr::InstanceAddr;

use crate::cli::{StateListArgs, StateShowArgs};
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
            let prefix = if r.mode == "data" { "data." } else { "" };
            let key = i
                .index_key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            out.push((format!("{prefix}{}.{}{key}", r.ty, r.name), i, r));
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
