//! `check` blocks, run at the end of a plan: their scoped data sources are read, then
//! every assertion is evaluated. Nothing here stops the run: a failed assertion, a failed
//! read or an evaluation error is a warning, as in Terraform.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::instance::{read_data_instance, Site};
use super::nodes::instance_config;
use super::scope::{InstanceScope, Values};
use super::{nodes, Context};
use crate::addr::{Mode, ResourceAddr};
use crate::config::{Check, Resource};
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::lang::{eval, EvalContext, Scope, Subject, Value};

/// Runs every check block of the root module.
pub async fn run(ctx: &Context, values: &Values) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for check in &ctx.module.checks {
        let mut data = BTreeMap::new();
        let mut readable = true;
        for r in &check.data {
            match read_scoped(ctx, values, r).await {
                Ok(v) => {
                    data.insert(r.addr.clone(), v);
                }
                Err(d) => {
                    readable = false;
                    diags.extend(as_warnings(d, check));
                }
            }
        }
        // As Terraform does: when a scoped data source cannot be read, its assertions
        // are not evaluated (the read failure is the check's result).
        if readable {
            diags.extend(assertions(ctx, values, check, data));
        }
    }
    diags
}

/// Reads one scoped data source. Its value is unknown when its configuration is not known
/// until apply (its assertions are then skipped, as unknown conditions are).
async fn read_scoped(ctx: &Context, values: &Values, r: &Resource) -> Result<Value, Diagnostics> {
    let addr = &r.addr;
    let missing = || -> Diagnostics {
        Diagnostic::error("Invalid data source")
            .detail(format!(
                "The provider does not support data source {:?}.",
                addr.ty
            ))
            .span(r.span.clone())
            .into()
    };
    let Some(schema) = ctx.providers.schema(Mode::Data, &addr.ty) else {
        return Err(missing());
    };
    let provider_ref =
        nodes::root_provider_ref(&ctx.module, &[], r.provider.as_ref(), r.provider_name());
    let Some((provider, _)) =
        ctx.providers
            .for_resource(Mode::Data, &addr.ty, provider_ref.as_ref())
    else {
        return Err(missing());
    };
    let config = instance_config(&ctx.module, r, &schema.block, values, &[], &None, None)?;
    if config.contains_unknown() {
        return Ok(Value::Unknown);
    }
    let shown = addr.to_string();
    let site = Site {
        addr: &shown,
        resource: r,
    };
    read_data_instance(provider.as_ref(), &site, config).await
}

/// Diagnostics from inside a check block, downgraded to warnings and attributed to it.
fn as_warnings(d: Diagnostics, check: &Check) -> Diagnostics {
    let mut out = Diagnostics::new();
    for mut x in d.iter().cloned() {
        x.severity = Severity::Warning;
        if x.address.is_none() {
            x.address = Some(format!("check.{}", check.name));
        }
        out.push(x);
    }
    out
}

/// The root module's scope plus the check's own data sources.
struct CheckScope<'a> {
    root: InstanceScope<'a>,
    data: BTreeMap<ResourceAddr, Value>,
}

impl Scope for CheckScope<'_> {
    fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
        if let Subject::Resource(a) = s {
            if let Some(v) = self.data.get(a) {
                return Ok(Arc::new(v.clone()));
            }
        }
        self.root.resolve(s)
    }
}

/// Evaluates the assertions of `check`; each false one is a warning with its message.
fn assertions(
    ctx: &Context,
    values: &Values,
    check: &Check,
    data: BTreeMap<ResourceAddr, Value>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let scope = CheckScope {
        root: InstanceScope::plain(values, &ctx.module),
        data,
    };
    let ectx = EvalContext {
        scope: &scope,
        base_dir: &ctx.module.dir,
    };
    for a in &check.asserts {
        let ok = match eval(&a.condition.expr, &a.condition.file, &ectx) {
            Ok(v) if v.contains_unknown() => continue,
            Ok(v) => v.as_bool().unwrap_or(false),
            Err(d) => {
                diags.push(
                    Diagnostic::warning(format!("Check block assertion failed: {}", d.summary))
                        .span(d.span.clone()),
                );
                continue;
            }
        };
        if !ok {
            let msg = eval(&a.error_message.expr, &a.error_message.file, &ectx)
                .ok()
                .and_then(|m| m.as_str().map(str::to_string))
                .unwrap_or_default();
            diags.push(
                Diagnostic::warning("Check block assertion failed")
                    .detail(msg)
                    .span(a.condition.span())
                    .address(format!("check.{}", check.name)),
            );
        }
    }
    diags
}
