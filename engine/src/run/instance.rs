//! One resource instance through its provider: the planning and reading steps that plan,
//! apply's final re-plan and `check` blocks share, so they cannot drift apart.

use super::diff::{copy_marks, propose, without_write_only};
use crate::config::{IgnoreChanges, Resource};
use crate::diag::Diagnostics;
use crate::lang::Value;
use crate::provider::{BlockSchema, PlanRequest, Provider, ReadDataRequest};

/// Where an instance's provider diagnostics point: its address and its block.
pub(super) struct Site<'a> {
    pub addr: &'a str,
    pub resource: &'a Resource,
}

impl Site<'_> {
    pub fn attach(&self, d: Diagnostics) -> Diagnostics {
        d.with_address(self.addr).with_body(
            |a| self.resource.body.attribute_span(a),
            self.resource.span.as_ref(),
        )
    }
}

/// A managed instance as its provider plans it.
pub(super) struct Planned {
    /// The new object, with the configuration's sensitive marks.
    pub value: Value,
    /// Attributes whose change forces replacement, beyond the schema's `force_new`.
    pub requires_replace: Vec<String>,
    /// The provider's private data for the planned object, if it gave any.
    pub private: Option<String>,
}

/// Plans one managed instance: the schema's proposal from the prior object and the
/// configuration (`ignore_changes` keeps prior values), the provider's answer, and the
/// configuration's sensitive marks copied onto that answer. `prior: None` plans a create;
/// `private` is the prior object's provider-private data.
pub(super) async fn plan_instance(
    provider: &dyn Provider,
    schema: &BlockSchema,
    site: &Site<'_>,
    prior: Option<&Value>,
    private: Option<&str>,
    config: &Value,
    ignore: &IgnoreChanges,
) -> Result<Planned, Diagnostics> {
    let proposed = propose(schema, prior, config, ignore);
    let resp = provider
        .plan(PlanRequest {
            address: site.addr.to_string(),
            type_name: site.resource.addr.ty.clone(),
            prior: prior.cloned(),
            config: config.clone(),
            proposed,
            private: private.map(str::to_string),
        })
        .await;
    if resp.diagnostics.has_errors() {
        return Err(site.attach(resp.diagnostics));
    }
    Ok(Planned {
        value: copy_marks(config, without_write_only(schema, resp.planned)),
        requires_replace: resp.requires_replace,
        private: resp.private,
    })
}

/// Reads one data source instance with a fully known configuration.
pub(super) async fn read_data_instance(
    provider: &dyn Provider,
    site: &Site<'_>,
    config: Value,
) -> Result<Value, Diagnostics> {
    let resp = provider
        .read_data(ReadDataRequest {
            address: site.addr.to_string(),
            type_name: site.resource.addr.ty.clone(),
            config,
        })
        .await;
    if resp.diagnostics.has_errors() {
        return Err(site.attach(resp.diagnostics));
    }
    Ok(resp.state)
}
