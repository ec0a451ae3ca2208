//! Crash recovery of creates that were in flight when a run died.
//!
//! The apply journal (`state::journal`) records an intent (address and the provider's
//! identity of the object) before each create is sent, and the create's result supersedes
//! it. Intents left without a result name objects that may or may not exist: the run died
//! after sending the create but before journalling its answer. Here each is looked up
//! through [`Provider::find_by_identity`](crate::provider::Provider::find_by_identity):
//! a found object is adopted into state at the intent's address, so the plan that follows
//! sees it as any other object (and the next plan after an apply is empty). An object not
//! found was never made, or the killed run's request is still on its way (AWS may carry
//! out a request some time after the client that sent it died): such intents stay in
//! doubt, kept in the journal for the next command to look for again, and a create at the
//! same address that fails adopts the object then (`apply::adopt_in_doubt`).
//!
//! Deletes and updates in flight need nothing here: their objects are in state (the old
//! values), and the refresh of the next plan reads what they became.

use futures::future::join_all;

use super::scope::Values;
use super::Context;
use crate::addr::Mode;
use crate::diag::{Diagnostic, Diagnostics};
use crate::state::codec::instance_state;
use crate::state::journal::{adopt, Intent};
use crate::state::State;

/// What recovery did with the pending intents.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Objects found and adopted: `(address, id)`.
    pub adopted: Vec<(String, Option<String>)>,
    /// Intents whose object was not found: the create never took effect, or the killed
    /// run's request has not been carried out yet. Kept as [`super::Options::in_doubt`].
    pub absent: Vec<Intent>,
    /// Objects found but not adopted, and why.
    pub warnings: Diagnostics,
}

/// Looks up the object of every pending intent and adopts those found into `state`.
/// Configures the providers first (as a plan does).
///
/// # Errors
/// Provider configuration errors, or a lookup that failed: the caller keeps the journal,
/// since an object it could not look for may still exist.
pub async fn recover(
    ctx: &Context,
    state: &mut State,
    pending: &[Intent],
) -> Result<Recovered, Diagnostics> {
    let mut out = Recovered::default();
    if pending.is_empty() {
        return Ok(out);
    }
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let values = Values::new(ctx.variables.clone(), &ctx.options.workspace, &cwd);
    let diags = ctx.providers.configure(&ctx.module, &values).await;
    if diags.has_errors() {
        return Err(diags);
    }
    let lookups = pending.iter().map(|intent| async move {
        let mode = Mode::from_state_str(&intent.resource.mode);
        let ty = &intent.resource.ty;
        let Some(addr) = intent.instance_addr() else {
            return Err(
                Diagnostic::error("Invalid module address in the apply journal")
                    .detail(format!("{:?}", intent.resource.module))
                    .into(),
            );
        };
        let provider = ctx
            .providers
            .for_state(mode, ty, &intent.resource.provider)
            .ok_or_else(|| {
                Diagnostics::from(Diagnostic::error("Missing provider").address(addr.to_string()))
            })?;
        let found = provider
            .find_by_identity(ty, &intent.identity)
            .await
            .map_err(|d| d.with_address(&addr.to_string()))?;
        Ok((addr, found))
    });
    let mut diags = Diagnostics::new();
    for (intent, result) in pending.iter().zip(join_all(lookups).await) {
        match result {
            Err(d) => diags.extend(d),
            Ok((_, None)) => out.absent.push(intent.clone()),
            Ok((addr, Some(value))) => {
                let mode = addr.resource.mode;
                let occupied = state.resources.iter().any(|r| {
                    r.module == addr.resource.module_string()
                        && r.mode == mode.as_state_str()
                        && r.ty == addr.resource.ty
                        && r.name == addr.resource.name
                        && r.instances
                            .iter()
                            .any(|i| i.index_key == addr.key && i.deposed.is_none())
                });
                if occupied {
                    // Never overwrite a recorded object: that would orphan it instead.
                    diags.push(Diagnostic::warning("Object of an interrupted create not adopted").detail(format!("The create of {addr} was in flight when the run was interrupted, and an object matching it ({}) exists, but state already records an object at that address. It was left alone; import or delete it by hand.", intent_text(intent))));
                    continue;
                }
                let schema = ctx.providers.schema(mode, &addr.resource.ty);
                let inst = instance_state(
                    &addr,
                    &value,
                    schema,
                    intent.dependencies.clone(),
                    None,
                    intent.create_before_destroy,
                );
                adopt(state, intent, &inst);
                let id = value
                    .get_attr("id")
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
                out.adopted.push((addr.to_string(), id));
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    out.warnings = diags;
    Ok(out)
}

fn intent_text(intent: &Intent) -> String {
    intent
        .identity
        .0
        .iter()
        .map(|(k, v)| format!("{k} = {v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
