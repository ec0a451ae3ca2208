//! Planning: refresh prior state, evaluate each object in dependency order, and ask the
//! providers what each resource instance change will be.

use std::collections::{BTreeMap, BTreeSet};

use super::diff::{forces_replacement, object_changed};
use super::instance::{plan_instance, read_data_instance, Site};
use super::nodes::{aggregate, instance_config};
use super::opened::Opened;
use super::scope::{InstanceScope, Values};
use super::walk::{Outcome, Walker};
use super::{moves, nodes, Context, Providers};
use crate::addr::{IndexKey, InstanceAddr, Mode, ResourceAddr};
use crate::config::{Module, Resource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::Node;
use crate::lang::Value;
use crate::plan::{Action, Drift, OutputChange, Plan, PlanMode, Reason, ResourceChange};
use crate::provider::{PlanRequest, ReadRequest, ReadResponse};
use crate::state::codec::instance_value_and_tree;
use crate::state::prior::{decode_state, write_priors, Prior};
use crate::state::State;

/// Makes a plan. Returns `None` (with the errors) when planning failed.
pub async fn plan(ctx: &Context, state: &State) -> (Option<Plan>, Diagnostics) {
    plan_from(ctx, state.clone()).await
}

/// [`plan`], taking the state: the plan's prior state is that state with the refreshed
/// objects written into it, so a caller that no longer needs it saves a copy of every
/// object (for a large state, much of a no-op plan's time and memory).
pub async fn plan_from(ctx: &Context, state: State) -> (Option<Plan>, Diagnostics) {
    let (plan, diags, _) = plan_values_from(ctx, state).await;
    (plan, diags)
}

/// [`plan`], also returning the values the plan evaluated (variables, locals, planned
/// resources and outputs), for `terrane test`'s assertions.
pub async fn plan_values(ctx: &Context, state: &State) -> (Option<Plan>, Diagnostics, Values) {
    plan_values_from(ctx, state.clone()).await
}

async fn plan_values_from(ctx: &Context, state: State) -> (Option<Plan>, Diagnostics, Values) {
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let values = Values::new(ctx.variables.clone(), &ctx.options.workspace, &cwd);
    let (plan, diags) = plan_in(ctx, state, &values).await;
    (plan, diags, values)
}

async fn plan_in(ctx: &Context, state: State, values: &Values) -> (Option<Plan>, Diagnostics) {
    let opened = Opened::new(ctx.options.progress.clone(), ctx.options.progress_interval);
    let (plan, mut diags) = plan_with(ctx, state, values, &opened).await;
    diags.extend(opened.close_all().await);
    if diags.has_errors() {
        return (None, diags);
    }
    (plan, diags)
}

/// [`plan_in`], with the ephemeral resources it opens kept in `opened` for the caller to
/// close whichever way the plan ends.
async fn plan_with(
    ctx: &Context,
    mut state: State,
    values: &Values,
    opened: &Opened,
) -> (Option<Plan>, Diagnostics) {
    let (mut prior, mut diags) = decode_state(&state, ctx.providers.as_ref());
    // Deposed objects count too: their deletes need the provider.
    let in_state: BTreeSet<&str> = state
        .resources
        .iter()
        .map(|r| r.provider.as_str())
        .collect();
    diags.extend(
        ctx.providers
            .configure_used(&ctx.module, values, &in_state)
            .await,
    );
    if diags.has_errors() {
        return (None, diags);
    }
    let (moves, d) = moves::apply_moves(&ctx.module, &mut prior);
    diags.extend(d);
    let mut drift = Vec::new();
    if ctx.options.refresh && !prior.is_empty() {
        match refresh(ctx, &mut prior).await {
            Ok(d) => drift = d,
            Err(d) => {
                diags.extend(d);
                return (None, diags);
            }
        }
    } else if !prior.is_empty() {
        // Not read, but still upgraded: Terraform sends every stored object through its
        // provider's UpgradeResourceState before planning with it.
        if let Err(d) = upgrade(ctx, &mut prior).await {
            diags.extend(d);
            return (None, diags);
        }
    }
    let imports = if ctx.options.mode == PlanMode::Normal {
        match import_objects(ctx, values, &mut prior).await {
            Ok(i) => i,
            Err(d) => {
                diags.extend(d);
                return (None, diags);
            }
        }
    } else {
        BTreeMap::new()
    };
    // From here on `state` is the refreshed state, which becomes the plan's prior state.
    // What the rest of planning reads of it (outputs, deposed objects) the refresh leaves
    // as it was.
    write_priors(&mut state, &prior, ctx.providers.as_ref());
    let state = state;
    if let (true, Some(refreshed)) = (ctx.options.refresh, &ctx.options.on_refreshed) {
        refreshed(&state);
    }

    let mut plan = Plan {
        mode: ctx.options.mode.clone(),
        changes: Vec::new(),
        drift,
        outputs: BTreeMap::new(),
        prior_state: State::new(),
        variables: ctx.variables.clone(),
        relevant_attributes: Vec::new(),
    };
    match ctx.options.mode {
        PlanMode::RefreshOnly => {
            plan.prior_state = state;
            return (Some(plan), diags);
        }
        PlanMode::Destroy => {
            for (addr, p) in &prior {
                if addr.resource.mode == Mode::Data {
                    continue;
                }
                let cfg = addr.resource.config();
                let home = ctx.module.at(&cfg
                    .module
                    .iter()
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>());
                if let Some(r) = home.and_then(|m| {
                    m.resources.get(&ResourceAddr {
                        module: Vec::new(),
                        ..cfg.clone()
                    })
                }) {
                    if r.lifecycle.prevent_destroy {
                        diags.push(prevent_destroy_error(addr, r));
                        continue;
                    }
                }
                plan.changes
                    .push(delete_change(addr, p, Reason::DeleteByDestroy));
            }
            match deposed_changes(&state, &ctx.providers).await {
                Ok(c) => plan.changes.extend(c),
                Err(d) => diags.extend(d),
            }
            for (name, o) in &state.outputs {
                plan.outputs.insert(
                    name.clone(),
                    OutputChange {
                        action: Action::Delete,
                        before: Some(crate::state::codec::output_value(o)),
                        after: None,
                        sensitive: o.sensitive,
                    },
                );
            }
            diags.extend(refuse_protected_destroys(ctx, &plan));
            diags.extend(plan_destroys(ctx, &mut plan).await);
            if diags.has_errors() {
                return (None, diags);
            }
            note_relevant_attributes(ctx, &mut plan);
            plan.prior_state = state;
            return (Some(plan), diags);
        }
        PlanMode::Normal => {}
    }

    let targets = target_set(ctx);
    let walker = Walker::new(ctx.options.parallelism, ctx.options.interrupt.clone());
    let order = ctx.graph.topo_order();
    let waits_for = ctx.graph.waits_for(&order);
    let walked = walker
        .walk(&waits_for, |i| {
            let node = &order[i];
            let (prior, targets, walker, state) = (&prior, &targets, &walker, &state);
            async move {
                let on = NodeRun {
                    ctx,
                    state,
                    values,
                    prior,
                    targets: targets.as_ref(),
                    walker,
                    opened,
                };
                Ok::<_, Diagnostics>(on.plan_node(node).await)
            }
        })
        .await;
    let mut seen_resources: BTreeSet<ResourceAddr> = BTreeSet::new();
    let planned: usize = walked
        .iter()
        .map(|o| match o {
            Outcome::Done(n) => n.changes.len(),
            _ => 0,
        })
        .sum();
    plan.changes.reserve_exact(planned);
    // In graph order, whatever order the nodes finished in: diagnostics stay deterministic.
    for outcome in walked {
        match outcome {
            Outcome::Done(n) => {
                plan.changes.extend(n.changes);
                plan.outputs.extend(n.outputs);
                seen_resources.extend(n.resources);
                diags.extend(n.diags);
            }
            Outcome::Failed(d) => diags.extend(d),
            Outcome::Skipped | Outcome::NotStarted => {}
        }
    }
    if walker.interrupted() {
        diags.push(Diagnostic::error("Operation interrupted").detail("The plan was interrupted before every object was planned. Run the command again to make a complete plan."));
    }
    // Objects in state whose resource block is gone from the configuration.
    for (addr, p) in &prior {
        if seen_resources.contains(&addr.resource) {
            continue;
        }
        if targets
            .as_ref()
            .is_some_and(|t| !t.contains(&addr.resource.config()))
        {
            continue;
        }
        if addr.resource.mode == Mode::Data {
            continue;
        }
        let removed = ctx.module.all().into_iter().find_map(|m| {
            m.removed
                .iter()
                .find(|r| moves::removed_selects(&r.from, &m.path, addr))
        });
        let mut c = delete_change(addr, p, Reason::DeleteNoResourceConfig);
        if removed.is_some_and(|r| !r.destroy) {
            c.action = Action::Forget;
            c.reason = None;
        }
        plan.changes.push(c);
    }
    match deposed_changes(&state, &ctx.providers).await {
        Ok(c) => plan.changes.extend(c),
        Err(d) => diags.extend(d),
    }
    for c in &mut plan.changes {
        c.moved_from = moves.get(&c.addr).cloned();
        c.importing = imports.get(&c.addr).cloned();
    }
    diags.extend(super::checks::run(ctx, values).await);
    for (name, o) in &state.outputs {
        if !ctx.module.outputs.contains_key(name) {
            plan.outputs.insert(
                name.clone(),
                OutputChange {
                    action: Action::Delete,
                    before: Some(crate::state::codec::output_value(o)),
                    after: None,
                    sensitive: o.sensitive,
                },
            );
        }
    }
    diags.extend(refuse_protected_destroys(ctx, &plan));
    if !diags.has_errors() {
        diags.extend(plan_destroys(ctx, &mut plan).await);
    }
    if diags.has_errors() {
        return (None, diags);
    }
    plan.changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    note_relevant_attributes(ctx, &mut plan);
    plan.prior_state = state;
    (Some(plan), diags)
}

/// Records what the planned changes may depend on, which decides the drift the plan
/// shows; only worth the walk over the configuration when there is drift to show.
fn note_relevant_attributes(ctx: &Context, plan: &mut Plan) {
    if !plan.drift.is_empty() {
        plan.relevant_attributes =
            crate::plan::relevant::relevant_attributes(plan, &ctx.module, &ctx.providers);
    }
}

/// What planning one graph node (in every instance of its module) produced.
#[derive(Default)]
struct NodePlan {
    changes: Vec<ResourceChange>,
    outputs: Vec<(String, OutputChange)>,
    /// The resources (per module instance) the node planned, so that objects of resources
    /// no longer configured can be told apart.
    resources: Vec<ResourceAddr>,
    diags: Diagnostics,
}

/// What every node of one plan walk shares.
struct NodeRun<'a> {
    ctx: &'a Context,
    state: &'a State,
    values: &'a Values,
    prior: &'a BTreeMap<InstanceAddr, Prior>,
    targets: Option<&'a BTreeSet<ResourceAddr>>,
    walker: &'a Walker,
    opened: &'a Opened,
}

impl NodeRun<'_> {
    /// Evaluates or plans `node` in every instance of its module. Errors do not stop the
    /// nodes that depend on it (they see an unknown value), so they come back as data.
    async fn plan_node(&self, node: &Node) -> NodePlan {
        let (ctx, values) = (self.ctx, self.values);
        let mut out = NodePlan::default();
        let path = node.module_path();
        let Some(m) = ctx.module.at(&path) else {
            return out;
        };
        for inst in values.instances(&path) {
            match node {
                Node::Var(p, _) if p.is_empty() => {}
                Node::Var(_, name) => {
                    if let Err(d) = nodes::eval_module_var(&ctx.module, m, &inst, name, values) {
                        out.diags.extend(d);
                    }
                }
                Node::Local(_, name) => {
                    if let Err(d) = nodes::eval_local(m, &inst, name, values) {
                        out.diags.push(d);
                    }
                }
                Node::ModuleCall(_, name) => {
                    if let Err(d) = nodes::eval_call(m, &inst, name, values) {
                        out.diags.extend(d);
                    }
                }
                Node::Output(p, name) if !p.is_empty() => {
                    match nodes::eval_output(m, &inst, name, values) {
                        Ok(v) => values.set_output(&inst, name, v),
                        Err(d) => out.diags.push(d),
                    }
                }
                Node::Output(_, name) => match self.root_output(m, &inst, name) {
                    Ok(change) => out.outputs.push((name.clone(), change)),
                    Err(d) => out.diags.push(d),
                },
                Node::Resource(cfg) => {
                    let rel = ResourceAddr {
                        module: Vec::new(),
                        ..cfg.clone()
                    };
                    let r = &m.resources[&rel];
                    let addr = ResourceAddr {
                        module: inst.clone(),
                        ..rel
                    };
                    out.resources.push(addr.clone());
                    if self.targets.is_some_and(|t| !t.contains(cfg)) {
                        out.changes
                            .extend(keep_untargeted(&addr, r, self.prior, values));
                        continue;
                    }
                    match self.plan_resource(m, r, &inst).await {
                        // Most nodes plan one block in one module instance: keep its
                        // exactly sized list rather than growing an empty one.
                        Ok(changes) if out.changes.is_empty() => out.changes = changes,
                        Ok(changes) => out.changes.extend(changes),
                        Err(d) => {
                            out.diags.extend(d);
                            values.set_resource(&addr, Value::Unknown);
                        }
                    }
                }
            }
        }
        out
    }

    /// A root module output's planned change.
    fn root_output(
        &self,
        m: &Module,
        inst: &[crate::addr::ModuleStep],
        name: &str,
    ) -> Result<OutputChange, Diagnostic> {
        let o = &m.outputs[name];
        let v = nodes::eval_output(m, inst, name, self.values)?;
        if v.contains_sensitive() && !o.sensitive {
            return Err(Diagnostic::error("Output refers to sensitive values").detail("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, terrane requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true").span(o.span.clone()));
        }
        let before = self
            .state
            .outputs
            .get(name)
            .map(crate::state::codec::output_value);
        // A null output is not stored (as in Terraform): becoming null removes it.
        let action = match &before {
            None if v.is_null() => Action::NoOp,
            None => Action::Create,
            Some(_) if v.is_null() => Action::Delete,
            Some(b) if object_changed(b, &v.unmark_deep().0) => Action::Update,
            Some(_) => Action::NoOp,
        };
        Ok(OutputChange {
            action,
            before,
            after: (action != Action::Delete).then_some(v),
            sensitive: o.sensitive,
        })
    }
}

/// Asks each object's provider whether it may be destroyed (see
/// [`Provider::check_destroy`]) for every change that deletes or replaces it.
fn refuse_protected_destroys(ctx: &Context, plan: &Plan) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for c in &plan.changes {
        let destroys = matches!(
            c.action,
            Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
        );
        let (true, Some(before)) = (destroys, &c.before) else {
            continue;
        };
        let r = &c.addr.resource;
        if let Some(p) = ctx.providers.for_state(r.mode, &r.ty, &c.provider) {
            diags.extend(
                p.check_destroy(&r.ty, before)
                    .with_address(&c.addr.to_string()),
            );
        }
    }
    diags
}

/// Lets the provider of each object the plan deletes plan that delete (see
/// [`Provider::plan_destroy`]), at most `-parallelism` at a time: its errors stop the
/// plan, and the private data it returns goes to the delete.
async fn plan_destroys(ctx: &Context, plan: &mut Plan) -> Diagnostics {
    use futures::StreamExt as _;
    let asks = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action == Action::Delete)
        .filter_map(|(i, c)| {
            let r = &c.addr.resource;
            let provider = ctx.providers.for_state(r.mode, &r.ty, &c.provider)?;
            let req = PlanRequest {
                type_name: r.ty.clone(),
                address: c.addr.to_string(),
                prior: Some(c.before.as_ref()?.unmark_deep().0),
                config: Value::Null,
                proposed: Value::Null,
                private: c.private.clone(),
            };
            Some(async move { (i, provider.plan_destroy(req).await) })
        })
        .collect::<Vec<_>>();
    let answers: Vec<_> = futures::stream::iter(asks)
        .buffer_unordered(ctx.options.parallelism.max(1))
        .collect()
        .await;
    let mut diags = Diagnostics::new();
    for (i, resp) in answers {
        let c = &mut plan.changes[i];
        let addr = c.addr.to_string();
        let failed = resp.diagnostics.has_errors();
        diags.extend(resp.diagnostics.with_address(&addr));
        if failed {
            continue;
        }
        if !resp.planned.is_null() {
            let r = &c.addr.resource;
            let source = ctx
                .providers
                .for_state(r.mode, &r.ty, &c.provider)
                .map_or(c.provider.as_str(), |p| p.source());
            diags.push(Diagnostic::error("Provider produced invalid plan").detail(format!("Provider {source:?} planned a non-null destroy value for {addr}.\n\nThis is a bug in the provider, which should be reported in the provider's own issue tracker.")).address(addr.clone()));
            continue;
        }
        c.private = crate::provider::private_after(resp.private, c.private.take());
    }
    diags
}

/// `import` blocks: reads each object that is not in state yet through its provider and
/// adds it to the prior objects, so the plan diffs the configuration against it. Returns
/// the imported addresses with their IDs.
async fn import_objects(
    ctx: &Context,
    values: &Values,
    prior: &mut BTreeMap<InstanceAddr, Prior>,
) -> Result<BTreeMap<InstanceAddr, String>, Diagnostics> {
    let mut out = BTreeMap::new();
    let mut diags = Diagnostics::new();
    for imp in &ctx.module.imports {
        match super::imports::targets(imp, values, &ctx.module) {
            Ok(targets) => {
                for (to, id) in targets {
                    import_one(ctx, imp, to, id, prior, &mut out, &mut diags).await;
                }
            }
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// Imports one object of an import block into `prior`, unless state already has it.
async fn import_one(
    ctx: &Context,
    imp: &crate::config::Import,
    to: InstanceAddr,
    id: String,
    prior: &mut BTreeMap<InstanceAddr, Prior>,
    out: &mut BTreeMap<InstanceAddr, String>,
    diags: &mut Diagnostics,
) {
    if prior.contains_key(&to) {
        // Already managed: the import block has done its job.
        return;
    }
    let path: Vec<String> = to.resource.module.iter().map(|s| s.name.clone()).collect();
    let rel = ResourceAddr {
        module: Vec::new(),
        ..to.resource.clone()
    };
    let Some((m, r)) = ctx
        .module
        .at(&path)
        .and_then(|m| m.resources.get(&rel).map(|r| (m, r)))
    else {
        diags.push(Diagnostic::error("Configuration for import target does not exist").detail(format!("The configuration for the given import target {to} does not exist. All import targets must exist within the configuration.")).span(imp.span.clone()));
        return;
    };
    let provider_ref =
        nodes::root_provider_ref(&ctx.module, &m.path, r.provider.as_ref(), r.provider_name());
    let Some((provider, provider_addr)) =
        ctx.providers
            .for_resource(to.resource.mode, &to.resource.ty, provider_ref.as_ref())
    else {
        return;
    };
    let imported = provider
        .import(crate::provider::ImportRequest {
            type_name: to.resource.ty.clone(),
            id: id.clone(),
        })
        .await;
    if imported.diagnostics.has_errors() {
        diags.extend(imported.diagnostics.with_address(&to.to_string()));
        return;
    }
    let read = match imported.state {
        Some(object) => provider
            .read(vec![ReadRequest {
                address: to.to_string(),
                stored: None,
                type_name: to.resource.ty.clone(),
                current: object,
                private: imported.private.clone(),
                schema_version: None,
            }])
            .await
            .into_iter()
            .next(),
        None => None,
    };
    match read {
            Some(resp) if resp.diagnostics.has_errors() => diags.extend(resp.diagnostics.with_address(&to.to_string())),
            Some(ReadResponse { new_state: Some(value), private, .. }) => {
                let private = crate::provider::private_after(private, imported.private);
                prior.insert(to.clone(), Prior { value, provider: provider_addr, dependencies: Vec::new(), private, schema_version: None, stored: None, create_before_destroy: false, tainted: false, as_stored: false });
                out.insert(to, id);
            }
            _ => diags.push(Diagnostic::error("Cannot import non-existent remote object").detail(format!("While attempting to import an existing object to {to}, the provider detected that no object exists with the given id {id:?}. Only pre-existing objects can be imported.")).span(imp.span.clone())),
        }
}

/// Deletes for deposed objects: left by a create-before-destroy replacement whose old object
/// was not yet deleted when the run stopped. Like every stored object, each is upgraded to
/// its provider's current schema first (those providers that upgrade stored objects).
async fn deposed_changes(
    state: &State,
    providers: &Providers,
) -> Result<Vec<ResourceChange>, Diagnostics> {
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    for r in state.resources.iter().filter(|r| r.mode == "managed") {
        let Some(schema) = providers.schema(Mode::Managed, &r.ty) else {
            continue;
        };
        let upgrading = providers
            .for_state(Mode::Managed, &r.ty, &r.provider)
            .filter(|p| p.upgrades_stored());
        for i in r.instances.iter().filter(|i| i.deposed.is_some()) {
            let Some(addr) =
                ResourceAddr::from_state(r.module.as_deref(), Mode::Managed, &r.ty, &r.name)
            else {
                continue;
            };
            let addr = addr.instance(i.index_key.clone());
            let (mut value, tree) = instance_value_and_tree(i, &schema.block);
            if let Some(provider) = upgrading {
                let req = ReadRequest {
                    address: addr.to_string(),
                    type_name: r.ty.clone(),
                    current: value,
                    private: i.private.clone(),
                    schema_version: Some(i.schema_version),
                    stored: Some(std::sync::Arc::new(tree)),
                };
                let Some(up) = provider.upgrade(vec![req]).await.into_iter().next() else {
                    continue;
                };
                if up.diagnostics.has_errors() {
                    diags.extend(up.diagnostics.with_address(&addr.to_string()));
                    continue;
                }
                value = up.state;
            }
            let p = Prior {
                value,
                provider: r.provider.clone(),
                dependencies: i.dependencies.clone(),
                private: i.private.clone(),
                schema_version: Some(i.schema_version),
                stored: None,
                create_before_destroy: true,
                tainted: false,
                as_stored: true,
            };
            let mut c = delete_change(&addr, &p, Reason::DeleteNoResourceConfig);
            c.reason = None;
            c.deposed.clone_from(&i.deposed);
            out.push(c);
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// `-target`: the targeted resources and everything they depend on.
fn target_set(ctx: &Context) -> Option<BTreeSet<ResourceAddr>> {
    if ctx.options.targets.is_empty() {
        return None;
    }
    let mut out = BTreeSet::new();
    let mut stack: Vec<Node> = ctx
        .options
        .targets
        .iter()
        .map(|t| Node::Resource(t.resource.config()))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        if let Node::Resource(a) = &n {
            out.insert(a.clone());
        }
        stack.extend(ctx.graph.dependencies(&n));
    }
    Some(out)
}

/// An untargeted resource keeps its prior objects; downstream expressions see them.
fn keep_untargeted(
    addr: &ResourceAddr,
    r: &Resource,
    prior: &BTreeMap<InstanceAddr, Prior>,
    values: &Values,
) -> Vec<ResourceChange> {
    let mut items: Vec<(Option<IndexKey>, Value)> = Vec::new();
    let mut changes = Vec::new();
    for (ia, p) in prior.range(addr.instance(None)..) {
        if &ia.resource != addr {
            break;
        }
        items.push((ia.key.clone(), p.value.clone()));
        changes.push(ResourceChange {
            addr: ia.clone(),
            action: Action::NoOp,
            reason: None,
            before: Some(p.value.clone()),
            after: Some(p.value.clone()),
            provider: p.provider.clone(),
            dependencies: p.dependencies.clone(),
            create_before_destroy: p.create_before_destroy,
            private: p.private.clone(),
            deposed: None,
            moved_from: None,
            importing: None,
            actions: Vec::new(),
        });
    }
    values.set_resource(addr, aggregate(r, items));
    changes
}

pub(super) fn delete_change(addr: &InstanceAddr, p: &Prior, reason: Reason) -> ResourceChange {
    ResourceChange {
        addr: addr.clone(),
        action: Action::Delete,
        reason: Some(reason),
        before: Some(p.value.clone()),
        after: None,
        provider: p.provider.clone(),
        dependencies: p.dependencies.clone(),
        create_before_destroy: p.create_before_destroy,
        private: p.private.clone(),
        deposed: None,
        moved_from: None,
        importing: None,
        actions: Vec::new(),
    }
}

fn prevent_destroy_error(addr: &InstanceAddr, r: &Resource) -> Diagnostic {
    Diagnostic::error("Instance cannot be destroyed")
        .detail(format!("Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target option."))
        .span(r.span.clone())
}

/// The requests to read or upgrade stored objects that one provider serves, in the order
/// of their addresses.
struct StoredBatch {
    provider: std::sync::Arc<dyn crate::provider::Provider>,
    addrs: Vec<InstanceAddr>,
    reqs: Vec<ReadRequest>,
}

/// The managed objects of `prior`, grouped by the provider (as state names it) that
/// serves them; only the providers `wanted` picks.
fn stored_requests(
    ctx: &Context,
    prior: &BTreeMap<InstanceAddr, Prior>,
    wanted: impl Fn(&dyn crate::provider::Provider) -> bool,
) -> Vec<StoredBatch> {
    let mut by_provider: BTreeMap<&str, Vec<&InstanceAddr>> = BTreeMap::new();
    for (addr, p) in prior {
        if addr.resource.mode == Mode::Managed {
            by_provider.entry(&p.provider).or_default().push(addr);
        }
    }
    let mut out = Vec::new();
    for (provider_addr, addrs) in by_provider {
        let first = addrs[0];
        let Some(provider) = ctx
            .providers
            .for_state(Mode::Managed, &first.resource.ty, provider_addr)
            .filter(|p| wanted(p.as_ref()))
        else {
            continue;
        };
        let reqs = addrs
            .iter()
            .map(|a| {
                let p = &prior[*a];
                ReadRequest {
                    address: a.to_string(),
                    type_name: a.resource.ty.clone(),
                    current: p.value.unmark_deep().0,
                    private: p.private.clone(),
                    schema_version: p.schema_version,
                    stored: p.stored.clone(),
                }
            })
            .collect();
        out.push(StoredBatch {
            provider: provider.clone(),
            addrs: addrs.into_iter().cloned().collect(),
            reqs,
        });
    }
    out
}

/// Records that `p` is now `now` in the provider's current schema: an upgraded or changed
/// object is encoded again rather than kept as state stored it, and so is one whose
/// stored JSON the upgrade rewrote without changing its value (an attribute the schema
/// dropped is gone from the value already, not yet from the record), as Terraform writes
/// the upgraded object.
fn now_current(ctx: &Context, addr: &InstanceAddr, p: &mut Prior, now: Value, changed: bool) {
    let schema = ctx.providers.schema(Mode::Managed, &addr.resource.ty);
    let upgraded = p
        .schema_version
        .take()
        .is_some_and(|v| Some(v) != schema.map(|s| s.version));
    let restated = match (p.stored.take(), schema) {
        (Some(stored), Some(s)) if p.as_stored && !changed && !upgraded => {
            *stored != crate::state::codec::object_to_json(&now, &s.block)
        }
        _ => false,
    };
    p.as_stored &= !changed && !upgraded && !restated;
    p.value = now;
}

/// Brings every managed object whose provider upgrades stored objects to the current
/// schema without reading it (a plan with `-refresh=false`); what an upgrade changes is
/// no drift.
async fn upgrade(
    ctx: &Context,
    prior: &mut BTreeMap<InstanceAddr, Prior>,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for StoredBatch {
        provider,
        addrs,
        reqs,
    } in stored_requests(ctx, prior, |p| p.upgrades_stored())
    {
        let responses = provider.upgrade(reqs).await;
        for (addr, resp) in addrs.iter().zip(responses) {
            if resp.diagnostics.has_errors() {
                diags.extend(resp.diagnostics.with_address(&addr.to_string()));
                continue;
            }
            if let Some(p) = prior.get_mut(addr) {
                let now = super::diff::copy_marks(&p.value, resp.state);
                let changed = object_changed(&p.value, &now);
                now_current(ctx, addr, p, now, changed);
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(())
}

/// Re-reads every managed object through its provider, one batch per provider, and
/// reports what changed outside terrane.
async fn refresh(
    ctx: &Context,
    prior: &mut BTreeMap<InstanceAddr, Prior>,
) -> Result<Vec<Drift>, Diagnostics> {
    let mut drift = Vec::new();
    let mut diags = Diagnostics::new();
    for StoredBatch {
        provider,
        addrs,
        reqs,
    } in stored_requests(ctx, prior, |_| true)
    {
        let responses = provider.read(reqs).await;
        for (addr, resp) in addrs.iter().zip(responses) {
            if resp.diagnostics.has_errors() {
                diags.extend(resp.diagnostics.with_address(&addr.to_string()));
                continue;
            }
            match resp.new_state {
                None => {
                    if let Some(p) = prior.remove(addr) {
                        drift.push(Drift {
                            addr: addr.clone(),
                            before: p.value,
                            after: None,
                        });
                    }
                }
                Some(now) => {
                    let before = &prior[addr].value;
                    let now = super::diff::copy_marks(before, now);
                    let changed = object_changed(before, &now);
                    if changed {
                        drift.push(Drift {
                            addr: addr.clone(),
                            before: before.clone(),
                            after: Some(now.clone()),
                        });
                    }
                    if let Some(p) = prior.get_mut(addr) {
                        // The private data the read returned replaces the stored.
                        let private =
                            crate::provider::private_after(resp.private, p.private.clone());
                        let private_changed = private != p.private;
                        p.private = private;
                        now_current(ctx, addr, p, now, changed || private_changed);
                    }
                }
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(drift)
}

/// One resource block in one module instance, while it is being planned.
struct ResourceRun<'a> {
    ctx: &'a Context,
    m: &'a Module,
    r: &'a Resource,
    inst: &'a [crate::addr::ModuleStep],
    addr: ResourceAddr,
    values: &'a Values,
    prior: &'a BTreeMap<InstanceAddr, Prior>,
    provider: &'a std::sync::Arc<dyn crate::provider::Provider>,
    provider_addr: String,
    schema: &'a crate::provider::ResourceSchema,
    /// The resources it depends on, as state records them.
    deps: Vec<String>,
    /// A data source whose dependencies have changes pending is read during apply.
    read_later: bool,
    opened: &'a Opened,
}

impl NodeRun<'_> {
    /// Plans every instance of resource block `r` in module instance `inst`, at most
    /// `-parallelism` provider calls at a time, plus the deletes of prior instances that
    /// its count or for_each no longer produces.
    async fn plan_resource(
        &self,
        m: &Module,
        r: &Resource,
        inst: &[crate::addr::ModuleStep],
    ) -> Result<Vec<ResourceChange>, Diagnostics> {
        let (ctx, values) = (self.ctx, self.values);
        let addr = ResourceAddr {
            module: inst.to_vec(),
            ..r.addr.clone()
        };
        let cfg_node = Node::Resource(addr.config());
        let (provider, provider_addr, schema) = ctx.provider_for(m, r)?;
        let used = ctx.graph.resource_dependencies(&cfg_node);
        // As Terraform does: a data source whose dependencies have changes pending is read
        // during apply, after them, so it sees the new objects.
        let read_later = addr.mode == Mode::Data
            && used
                .iter()
                .any(|d| d.mode == Mode::Managed && values.is_changed(d));
        let keys = nodes::expand(
            r.count.as_ref(),
            r.for_each.as_ref(),
            &InstanceScope::at(values, m, inst),
            m,
        )?;
        let wanted: BTreeSet<Option<IndexKey>> = keys.iter().map(|(k, _)| k.clone()).collect();
        let run = ResourceRun {
            ctx,
            m,
            r,
            inst,
            addr,
            values,
            prior: self.prior,
            provider,
            provider_addr,
            schema,
            deps: used.iter().map(ToString::to_string).collect(),
            read_later,
            opened: self.opened,
        };
        let planned = self
            .walker
            .bounded(keys.into_iter().map(|(key, each)| {
                let run = &run;
                async move {
                    let planned = run.plan_instance(key.clone(), each).await?;
                    Ok::<_, Diagnostics>((key, planned))
                }
            }))
            .await;
        let mut diags = Diagnostics::new();
        // Sized for one change per instance: a plan holds tens of thousands of these lists.
        let mut changes = Vec::with_capacity(planned.len());
        let mut items = Vec::with_capacity(planned.len());
        for p in planned {
            match p {
                Ok((key, (change, item))) => {
                    items.push((key, item));
                    changes.extend(change);
                }
                Err(d) => diags.extend(d),
            }
        }
        let addr = &run.addr;
        // Prior instances that the count or for_each no longer produces.
        for (ia, p) in self.prior.range(addr.instance(None)..) {
            if &ia.resource != addr {
                break;
            }
            if wanted.contains(&ia.key) || addr.mode == Mode::Data {
                continue;
            }
            let reason = match (&ia.key, r.count.is_some(), r.for_each.is_some()) {
                (Some(IndexKey::Int(_)), true, _) => Reason::DeleteCountIndex,
                (Some(IndexKey::Str(_)), _, true) => Reason::DeleteEachKey,
                _ => Reason::DeleteNoResourceConfig,
            };
            if r.lifecycle.prevent_destroy {
                diags.push(prevent_destroy_error(ia, r));
                continue;
            }
            changes.push(delete_change(ia, p, reason));
        }
        values.set_resource(addr, aggregate(r, items));
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(changes)
    }
}

impl ResourceRun<'_> {
    fn scope(&self, key: &Option<IndexKey>, each: Option<Value>) -> InstanceScope<'_> {
        InstanceScope::at(self.values, self.m, self.inst).with_key(key, each)
    }

    /// Whether an entry of `replace_triggered_by` replaces instance `key`.
    fn triggered(&self, key: &Option<IndexKey>, each: Option<Value>) -> Result<bool, Diagnostic> {
        let scope = self.scope(key, each);
        let ctx = crate::lang::EvalContext {
            scope: &scope,
            base_dir: &self.m.dir,
        };
        for t in &self.r.lifecycle.replace_triggered_by {
            if super::triggers::triggered(t, &ctx, self.inst, self.values)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn change(&self, addr: InstanceAddr, action: Action, after: Value) -> ResourceChange {
        ResourceChange {
            addr,
            action,
            reason: None,
            before: None,
            after: Some(after),
            provider: self.provider_addr.clone(),
            dependencies: self.deps.clone(),
            create_before_destroy: false,
            private: None,
            deposed: None,
            moved_from: None,
            importing: None,
            actions: Vec::new(),
        }
    }

    /// Plans one instance: its change (none for an ephemeral resource, which is opened
    /// instead) and the value downstream expressions see.
    async fn plan_instance(
        &self,
        key: Option<IndexKey>,
        each: Option<Value>,
    ) -> Result<(Option<ResourceChange>, Value), Diagnostics> {
        let (r, m) = (self.r, self.m);
        let iaddr = self.addr.instance(key.clone());
        let shown = iaddr.to_string();
        if !r.lifecycle.preconditions.is_empty() {
            let scope = self.scope(&key, each.clone());
            let d = nodes::check_conditions(
                &r.lifecycle.preconditions,
                &scope,
                m,
                "precondition",
                &shown,
            );
            if d.has_errors() {
                return Err(d);
            }
        }
        let config = instance_config(
            m,
            r,
            &self.schema.block,
            self.values,
            self.inst,
            &key,
            each.clone(),
        )?;
        let site = Site {
            addr: &shown,
            resource: r,
        };
        match self.addr.mode {
            Mode::Data => {
                let (value, action) = if config.contains_unknown() || self.read_later {
                    (Value::Unknown, Action::Read)
                } else {
                    // Terraform's lines for a read while planning.
                    let started = std::time::Instant::now();
                    self.opened.say(&format!("{shown}: Reading..."));
                    let v = read_data_instance(self.provider.as_ref(), &site, config).await?;
                    let id = v
                        .get_attr("id")
                        .and_then(|i| i.as_str())
                        .map(|i| format!(" [id={i}]"))
                        .unwrap_or_default();
                    let secs = (started.elapsed().as_millis() + 500) / 1000;
                    self.opened
                        .say(&format!("{shown}: Read complete after {secs}s{id}"));
                    (v, Action::NoOp)
                };
                return Ok((Some(self.change(iaddr, action, value.clone())), value));
            }
            // Opened again during apply, where its configuration may be known by then.
            Mode::Ephemeral if config.contains_unknown() => return Ok((None, Value::Unknown)),
            Mode::Ephemeral => {
                let value = self.opened.open(self.provider, &site, config).await?;
                return Ok((None, value));
            }
            Mode::Managed => {}
        }
        let p = self.prior.get(&iaddr);
        let planned = plan_instance(
            self.provider.as_ref(),
            &self.schema.block,
            &site,
            p.map(|p| &p.value),
            p.and_then(|p| p.private.as_deref()),
            &config,
            &r.lifecycle.ignore_changes,
        )
        .await?;
        let planned_private = planned.private.clone();
        let (action, reason, after) = match p {
            None => (Action::Create, None, planned.value),
            Some(p) => {
                let mut forced = forces_replacement(&self.schema.block, &p.value, &planned.value);
                forced.extend(planned.requires_replace);
                forced.sort();
                forced.dedup();
                let triggered = self.triggered(&key, each.clone())?;
                let requested = self.ctx.options.replace.contains(&iaddr) || triggered || p.tainted;
                if requested || !forced.is_empty() {
                    let reason = if p.tainted {
                        Reason::ReplaceBecauseTainted
                    } else if triggered {
                        Reason::ReplaceByTriggers
                    } else if requested {
                        Reason::ReplaceByRequest
                    } else {
                        Reason::ReplaceBecauseAttributes(forced)
                    };
                    // A replacement is a new object: plan it as a create.
                    let fresh = plan_instance(
                        self.provider.as_ref(),
                        &self.schema.block,
                        &site,
                        None,
                        None,
                        &config,
                        &crate::config::IgnoreChanges::None,
                    )
                    .await?;
                    if r.lifecycle.prevent_destroy {
                        return Err(prevent_destroy_error(&iaddr, r).into());
                    }
                    let action = if r.lifecycle.create_before_destroy {
                        Action::CreateThenDelete
                    } else {
                        Action::DeleteThenCreate
                    };
                    (action, Some(reason), fresh.value)
                } else if object_changed(&p.value, &planned.value) {
                    (Action::Update, None, planned.value)
                } else {
                    (Action::NoOp, None, planned.value)
                }
            }
        };
        if !r.lifecycle.postconditions.is_empty() {
            let mut scope = self.scope(&key, each.clone());
            scope.self_object = Some(std::sync::Arc::new(after.clone()));
            let d = nodes::check_conditions(
                &r.lifecycle.postconditions,
                &scope,
                m,
                "postcondition",
                &shown,
            );
            if d.has_errors() {
                return Err(d);
            }
        }
        if action != Action::NoOp {
            self.values.mark_changed(&self.addr);
        }
        if let (Some(p), Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete) =
            (p, action)
        {
            self.values
                .mark_updated(&iaddr, p.value.clone(), after.clone());
        }
        let actions = super::actions::Triggering {
            ctx: self.ctx,
            module: m,
            resource: r,
            values: self.values,
            inst: self.inst,
            key: &key,
            each,
            addr: &shown,
        }
        .plan(action)
        .await?;
        let change = ResourceChange {
            action,
            reason,
            actions,
            before: p.map(|p| p.value.clone()),
            create_before_destroy: r.lifecycle.create_before_destroy,
            // A create or update carries the plan's private data to apply; a replacement
            // keeps the old object's, which its delete needs.
            private: match action {
                Action::Create | Action::Update => crate::provider::private_after(
                    planned_private,
                    p.and_then(|p| p.private.clone()),
                ),
                _ => p.and_then(|p| p.private.clone()),
            },
            ..self.change(iaddr, action, after.clone())
        };
        Ok((Some(change), after))
    }
}
