//! Actions started by resources' `action_trigger` blocks (Terraform 1.14): which actions a
//! planned create or update triggers (the events it matches and a true `condition`), each
//! checked by its provider at plan time, and invoked at apply right before or after the
//! change, with the values known by then.

use std::sync::Arc;

use super::scope::{InstanceScope, Values};
use super::values::decode_body;
use super::Context;
use crate::addr::{IndexKey, ModuleStep};
use crate::config::{ActionBlock, Module, Resource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::{eval, EvalContext, Value};
use crate::plan::{Action, ActionInvocation};
use crate::provider::{InvokeActionRequest, PlanActionRequest, Provider};

/// The events a planned change of `action` raises, before and after it (a replacement
/// creates a new object, so it raises the create events).
fn events(action: Action) -> Option<(&'static str, &'static str)> {
    match action {
        Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete => {
            Some(("before_create", "after_create"))
        }
        Action::Update => Some(("before_update", "after_update")),
        _ => None,
    }
}

/// One resource instance whose change may trigger actions.
pub(super) struct Triggering<'a> {
    pub ctx: &'a Context,
    pub module: &'a Module,
    pub resource: &'a Resource,
    pub values: &'a Values,
    pub inst: &'a [ModuleStep],
    pub key: &'a Option<IndexKey>,
    pub each: Option<Value>,
    /// The instance's address, as "triggered by" names it.
    pub addr: &'a str,
}

impl Triggering<'_> {
    fn scope(&self) -> InstanceScope<'_> {
        InstanceScope::at(self.values, self.module, self.inst).with_key(self.key, self.each.clone())
    }

    /// The actions a planned `action` of this instance triggers, in the order its
    /// `action_trigger` blocks list them, each planned by its provider.
    pub async fn plan(&self, action: Action) -> Result<Vec<ActionInvocation>, Diagnostics> {
        let Some((before, after)) = events(action) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (index, t) in self.resource.lifecycle.action_triggers.iter().enumerate() {
            let event = if t.events.iter().any(|e| e == before) {
                before
            } else if t.events.iter().any(|e| e == after) {
                after
            } else {
                continue;
            };
            if let Some(cond) = &t.condition {
                let scope = self.scope();
                let ctx = EvalContext {
                    scope: &scope,
                    base_dir: &self.module.dir,
                };
                match eval(&cond.expr, &cond.file, &ctx).map_err(Diagnostics::from)? {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    Value::Unknown => {
                        return Err(Diagnostic::error("Invalid action_trigger condition")
                            .detail("The condition depends on values known only after apply; an action_trigger condition must be known when the plan is made.")
                            .span(cond.span())
                            .into())
                    }
                    _ => {
                        return Err(Diagnostic::error("Invalid action_trigger condition")
                            .detail("The condition must be a bool.")
                            .span(cond.span())
                            .into())
                    }
                }
            }
            for (list_index, (ty, name, _)) in t.actions.iter().enumerate() {
                let (block, provider, config) = self.resolve(ty, name)?;
                let d = provider
                    .plan_action(PlanActionRequest {
                        type_name: ty.clone(),
                        config: config.unmark_deep().0,
                    })
                    .await;
                if d.has_errors() {
                    return Err(d.with_address(&block.address()));
                }
                out.push(ActionInvocation {
                    addr: block.address(),
                    ty: ty.clone(),
                    name: name.clone(),
                    event: event.to_string(),
                    trigger_index: index,
                    list_index,
                    config,
                });
            }
        }
        Ok(out)
    }

    /// Invokes the planned `invocations` of one side (`before` the change or after it),
    /// in order, with their configuration evaluated again now; the first failure stops
    /// the rest.
    pub async fn invoke(
        &self,
        invocations: &[ActionInvocation],
        before: bool,
    ) -> Result<(), Diagnostics> {
        let say = |line: &str| {
            if let Some(p) = &self.ctx.options.progress {
                p(line);
            }
        };
        for inv in invocations
            .iter()
            .filter(|i| i.event.starts_with("before_") == before)
        {
            let (_, provider, config) = self.resolve(&inv.ty, &inv.name)?;
            let who = format!("{} (triggered by {})", inv.addr, self.addr);
            say(&format!("Action started: {who}"));
            let progress_who = who.clone();
            let progress = self.ctx.options.progress.clone();
            let d = provider
                .invoke_action(InvokeActionRequest {
                    type_name: inv.ty.clone(),
                    address: inv.addr.clone(),
                    config: config.unmark_deep().0,
                    progress: Arc::new(move |msg: &str| {
                        if let Some(p) = &progress {
                            p(&format!("Action {progress_who}: {msg}"));
                        }
                    }),
                })
                .await;
            if d.has_errors() {
                let why = d
                    .iter()
                    .find(|d| d.is_error())
                    .map(|d| d.summary.clone())
                    .unwrap_or_default();
                say(&format!("Action failed: {who} - {why}"));
                return Err(d.with_address(&inv.addr));
            }
            say(&format!("Action complete: {who}"));
        }
        Ok(())
    }

    /// The action `action.<ty>.<name>` of this module, its provider, and its `config`
    /// evaluated in this module instance with the values known now.
    fn resolve(
        &self,
        ty: &str,
        name: &str,
    ) -> Result<(&ActionBlock, &Arc<dyn Provider>, Value), Diagnostics> {
        let block = self
            .module
            .action(ty, name)
            .ok_or_else(|| super::validate::undeclared_action(ty, name, None))?;
        let (provider, schema) = self.ctx.providers.for_action(block).ok_or_else(|| {
            Diagnostic::error("Invalid action type")
                .detail(format!("No provider serves action type {:?}.", block.ty))
                .span(block.type_span.clone())
        })?;
        let scope = InstanceScope::at(self.values, self.module, self.inst);
        let ctx = EvalContext {
            scope: &scope,
            base_dir: &self.module.dir,
        };
        let config = decode_body(
            &block.config_body(),
            &schema.block,
            &ctx,
            block.span.clone(),
        )?;
        Ok((block, provider, config))
    }
}
