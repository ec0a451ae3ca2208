//! `terrane import ADDRESS ID`: reads an existing object through its provider and records
//! it in state at ADDRESS, which must be declared in the configuration.

use std::path::Path;

use terrane_engine::addr::{IndexKey, InstanceAddr};
use terrane_engine::diag::Diagnostic;
use terrane_engine::provider::{ImportRequest, ReadRequest};
use terrane_engine::run::vars::{self, CliVar};

use super::locked_state::{edit_state, Edit};
use super::operation::{load_checked, provider_set};
use crate::cli::ImportArgs;
use crate::output::{print_diagnostics, use_color};

pub async fn run(a: ImportArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    let addr: InstanceAddr = match a.address.parse() {
        Ok(x) => x,
        Err(e) => {
            print_diagnostics(
                &Diagnostic::error("Invalid address")
                    .detail(e.to_string())
                    .into(),
                color,
            );
            return Ok(1);
        }
    };
    let Ok((module, _graph)) = load_checked(color) else {
        return Ok(1);
    };
    let Some(rc) = module.resources.get(&addr.resource) else {
        print_diagnostics(&Diagnostic::error("Configuration for import target does not exist").detail(format!("The configuration does not contain {}. Before importing, add a resource block for it, like:\n\nresource {:?} {:?} {{\n  # (resource arguments)\n}}", addr.resource, addr.resource.ty, addr.resource.name)).into(), color);
        return Ok(1);
    };
    let key_ok = matches!(
        (&addr.key, rc.count.is_some(), rc.for_each.is_some()),
        (None, false, false)
            | (Some(IndexKey::Int(_)), true, _)
            | (Some(IndexKey::Str(_)), _, true)
    );
    if !key_ok {
        print_diagnostics(&Diagnostic::error("Invalid import address").detail(format!("The index of {addr} does not match how {} is declared (count, for_each, or neither).", addr.resource)).span(rc.span.clone()).into(), color);
        return Ok(1);
    }
    let cli_vars: Vec<CliVar> = a.vars.in_order();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let ask = super::input::allowed(&a.common);
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
            return Ok(1);
        }
    };
    let providers = provider_set(&module);
    let values =
        terrane_engine::run::scope::Values::new(variables, &crate::setup::current_workspace(), ".");
    let d = providers.configure(&module, &values).await;
    if d.has_errors() {
        print_diagnostics(&d, color);
        return Ok(1);
    }
    let Some((provider, provider_addr)) =
        providers.for_resource(addr.resource.mode, &addr.resource.ty, rc.provider.as_ref())
    else {
        print_diagnostics(
            &Diagnostic::error("Invalid resource type")
                .detail(format!("No provider supports {:?}.", addr.resource.ty))
                .into(),
            color,
        );
        return Ok(1);
    };
    println!("{addr}: Importing from ID {:?}...", a.id);
    let imported = provider
        .import(ImportRequest {
            type_name: addr.resource.ty.clone(),
            id: a.id.clone(),
        })
        .await;
    if imported.diagnostics.has_errors() {
        print_diagnostics(&imported.diagnostics.with_address(&addr.to_string()), color);
        return Ok(1);
    }
    let Some(object) = imported.state else {
        print_diagnostics(&Diagnostic::error("Cannot import non-existent remote object").detail(format!("While attempting to import an existing object to {addr}, the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use \"terrane apply\" to create a new remote object for this resource.")).into(), color);
        return Ok(1);
    };
    println!(
        "{addr}: Import prepared!\n  Prepared {} for import",
        addr.resource.ty
    );
    println!("{addr}: Refreshing state... [id={}]", a.id);
    let read = provider
        .read(vec![ReadRequest {
            address: addr.to_string(),
            stored: None,
            type_name: addr.resource.ty.clone(),
            current: object,
            private: imported.private.clone(),
            schema_version: None,
        }])
        .await;
    let Some(resp) = read.into_iter().next() else {
        anyhow::bail!("the provider returned no read result")
    };
    if resp.diagnostics.has_errors() {
        print_diagnostics(&resp.diagnostics.with_address(&addr.to_string()), color);
        return Ok(1);
    }
    let Some(object) = resp.new_state else {
        print_diagnostics(
            &Diagnostic::error("Cannot import non-existent remote object")
                .detail(format!("The object with id {:?} does not exist.", a.id))
                .into(),
            color,
        );
        return Ok(1);
    };
    let instance = terrane_engine::run::instance_state(
        &addr,
        &object,
        providers.schema(addr.resource.mode, &addr.resource.ty),
        Vec::new(),
        terrane_engine::provider::private_after(resp.private, imported.private),
        false,
    );
    let code = edit_state(&a.lock, "OperationTypeImport", color, |_, state, _| {
        let exists = state.resources.iter().any(|r| r.mode == addr.resource.mode.as_state_str() && r.ty == addr.resource.ty && r.name == addr.resource.name && r.instances.iter().any(|i| i.index_key == addr.key && i.deposed.is_none()));
        if exists {
            print_diagnostics(&Diagnostic::error("Resource already managed by terrane").detail(format!("terrane is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state.")).into(), color);
            return Err(());
        }
        match state.resources.iter_mut().find(|r| r.mode == addr.resource.mode.as_state_str() && r.ty == addr.resource.ty && r.name == addr.resource.name) {
            Some(r) => r.instances.push(instance.clone()),
            None => state.resources.push(terrane_engine::state::ResourceState {
                module: None,
                mode: addr.resource.mode.as_state_str().to_string(),
                ty: addr.resource.ty.clone(),
                name: addr.resource.name.clone(),
                provider: provider_addr.clone(),
                instances: vec![instance.clone()],
            }),
        }
        Ok(Edit::Write)
    })
    .await?;
    if code == 0 {
        println!("\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour terrane state and will henceforth be managed by terrane.");
    }
    Ok(code)
}
