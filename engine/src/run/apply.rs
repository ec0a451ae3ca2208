//! Applying a plan: walk the operations in dependency order (creates and updates after
//! what they depend on, deletes before what they depend on), bounded by `-parallelism`,
//! recording every finished operation through the observer before dependents start.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::diff::{copy_marks, inconsistent_attributes};
use super::instance::{plan_instance, read_data_instance, Site};
use super::nodes;
use super::nodes::{aggregate, instance_config};
use super::observer::{ApplyEvent, ApplyObserver, StateDelta};
use super::opened::Opened;
use super::provision;
use super::scope::{InstanceScope, Values};
use super::walk::{Outcome, Walker};
use super::Context;
use crate::addr::{IndexKey, InstanceAddr, Mode, ModuleStep, ResourceAddr};
use crate::config::{Module, ProvisionerWhen, Resource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::operations::{self, Deletes, Op, Operations};
use crate::lang::{eval, EvalContext, Value};
use crate::plan::{Action, Plan, PlanMode, ResourceChange};
use crate::provider::ApplyRequest;
use crate::state::codec::{instance_state, object_from_json, type_json};
use crate::state::prior::Working;
use crate::state::{InstanceState, ObjectStatus, OutputState, State};

struct Shared<'a> {
    ctx: &'a Context,
    plan: &'a Plan,
    values: Values,
    working: Mutex<Working>,
    walker: Walker,
    observer: &'a dyn ApplyObserver,
    by_resource: BTreeMap<ResourceAddr, Vec<&'a ResourceChange>>,
    /// Instances created or updated by this run, with their change.
    applied: Mutex<Vec<&'a ResourceChange>>,
    /// Warnings of operations that succeeded (a failed one returns its own with its error).
    warnings: Mutex<Diagnostics>,
    /// Ephemeral resources opened for this apply, closed when it ends.
    opened: Opened,
}

/// Applies `plan`. Returns the new state (serial unchanged; the caller bumps it when
/// writing) and the errors of operations that failed. Operations that succeeded are in
/// the returned state even when others failed.
pub async fn apply(
    ctx: &Context,
    plan: &Plan,
    observer: &dyn ApplyObserver,
) -> (State, Diagnostics) {
    let (state, diags, _) = apply_values(ctx, plan, observer).await;
    (state, diags)
}

/// [`apply`], also returning the values the apply evaluated (applied resources, outputs),
/// for `terrane test`'s assertions.
pub async fn apply_values(
    ctx: &Context,
    plan: &Plan,
    observer: &dyn ApplyObserver,
) -> (State, Diagnostics, Values) {
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut by_resource: BTreeMap<ResourceAddr, Vec<&ResourceChange>> = BTreeMap::new();
    // Grouped by resource block: one operation applies the block in every module instance.
    for c in &plan.changes {
        by_resource
            .entry(c.addr.resource.config())
            .or_default()
            .push(c);
    }
    let shared = Shared {
        ctx,
        plan,
        values: Values::new(plan.variables.clone(), &ctx.options.workspace, &cwd),
        working: Mutex::new(Working::from_state(&plan.prior_state)),
        walker: Walker::new(ctx.options.parallelism, ctx.options.interrupt.clone()),
        observer,
        by_resource,
        applied: Mutex::new(Vec::new()),
        warnings: Mutex::new(Diagnostics::new()),
        opened: Opened::new(ctx.options.progress.clone(), ctx.options.progress_interval),
    };
    let mut diags = run_ops(&shared, operations(&shared)).await;
    if !diags.has_errors() {
        diags.extend(reread_changed_dependencies(&shared).await);
    }
    diags.extend(shared.opened.close_all().await);
    diags.extend(std::mem::take(
        &mut *shared.warnings.lock().expect("lock poisoned"),
    ));

    let working = shared.working.into_inner().expect("lock poisoned");
    let mut state = working.into_state(&plan.prior_state);
    if plan.mode == PlanMode::Destroy {
        state.outputs.clear();
        // Data sources are only read, not owned: nothing is left to record once everything
        // managed is gone (as Terraform does).
        if !diags.has_errors() {
            state.resources.retain(|r| r.mode != "data");
        }
    } else if plan.mode == PlanMode::Normal {
        let scope = InstanceScope::plain(&shared.values, &ctx.module);
        let ectx = EvalContext {
            scope: &scope,
            base_dir: &ctx.module.dir,
        };
        state
            .outputs
            .retain(|k, _| ctx.module.outputs.contains_key(k));
        for (name, o) in &ctx.module.outputs {
            match eval(&o.value.expr, &o.value.file, &ectx)
                .and_then(|v| super::nodes::typed_output(o, v))
            {
                Ok(v) if v.contains_unknown() => {}
                // Terraform keeps no null output in state.
                Ok(v) if v.is_null() => {
                    state.outputs.remove(name);
                }
                Ok(v) => {
                    state.outputs.insert(
                        name.clone(),
                        OutputState {
                            value: v.to_json(),
                            ty: type_json(&v),
                            sensitive: o.sensitive || v.contains_sensitive(),
                        },
                    );
                }
                // An output of a resource that failed is left as it was; its error is reported already.
                Err(d) if diags.has_errors() => drop(d),
                Err(d) => diags.push(d),
            }
        }
    }
    (state, diags, shared.values)
}

/// The `id` attribute of an object, when it has one.
fn object_id(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| v.get_attr("id"))
        .and_then(|i| i.as_str())
        .map(str::to_string)
}

/// The operation graph of this apply (graph/operations.rs orders the deletes).
fn operations(s: &Shared<'_>) -> Operations {
    operation_graph(&s.ctx.graph, s.plan)
}

/// The operations applying `plan` to the configuration graph `config` runs, and the order
/// between them (also what `terrane graph -type=apply` draws).
pub fn operation_graph(config: &crate::graph::Graph, plan: &Plan) -> Operations {
    let mut deletes: BTreeMap<ResourceAddr, Deletes> = BTreeMap::new();
    // Grouped by resource block, as the apply groups its operations.
    for c in &plan.changes {
        let d = deletes.entry(c.addr.resource.config()).or_default();
        d.current |= deletes_now(c);
        d.deposed |= leaves_deposed(c);
    }
    deletes.retain(|_, d| *d != Deletes::default());
    operations::build(
        config,
        plan.mode == PlanMode::Normal,
        &deletes,
        recorded_dependencies(plan),
    )
}

/// Whether `c` deletes its current object: a plain delete, forget, or the destroy part of
/// a destroy-before-create replacement.
fn deletes_now(c: &ResourceChange) -> bool {
    matches!(
        c.action,
        Action::Delete | Action::DeleteThenCreate | Action::Forget
    ) && c.deposed.is_none()
}

/// Whether `c` deletes an object a create-before-destroy replacement supersedes.
fn leaves_deposed(c: &ResourceChange) -> bool {
    c.action == Action::CreateThenDelete || c.deposed.is_some()
}

/// The dependencies that each change and each object of the prior state recorded, as
/// (user, used) pairs of resource blocks: what orders the deletes of objects the
/// configuration no longer has.
fn recorded_dependencies(plan: &Plan) -> Vec<(ResourceAddr, ResourceAddr)> {
    let mut pairs = Vec::new();
    let mut add = |user: &ResourceAddr, used: &str| {
        if let Ok(a) = used.parse::<InstanceAddr>() {
            pairs.push((user.config(), a.resource.config()));
        }
    };
    for c in &plan.changes {
        for d in &c.dependencies {
            add(&c.addr.resource, d);
        }
    }
    for r in &plan.prior_state.resources {
        let mode = Mode::from_state_str(&r.mode);
        let Some(user) = ResourceAddr::from_state(r.module.as_deref(), mode, &r.ty, &r.name) else {
            continue;
        };
        for d in r.instances.iter().flat_map(|i| &i.dependencies) {
            add(&user, d);
        }
    }
    pairs
}

async fn run_ops(s: &Shared<'_>, graph: Operations) -> Diagnostics {
    let Operations { ops, waits_for } = graph;
    let outcomes = s.walker.walk(&waits_for, |i| run_op(s, &ops[i])).await;
    let mut diags = Diagnostics::new();
    let mut stuck = Vec::new();
    for (op, outcome) in ops.iter().zip(outcomes) {
        match outcome {
            Outcome::Failed(d) => diags.extend(d),
            Outcome::NotStarted => stuck.push(format!("{op:?}")),
            Outcome::Done(()) | Outcome::Skipped => {}
        }
    }
    if s.walker.interrupted() {
        diags.push(Diagnostic::error("Operation interrupted").detail("The run was interrupted; operations that had started were finished and recorded, and no new ones were started. Run the command again to continue."));
    } else if !stuck.is_empty() {
        diags.push(Diagnostic::error("Operations wait for each other").detail(format!("These operations were not started because each waits for another in a cycle (recorded dependencies in state contradict the configuration): {}. This is a bug in terrane; please report it with the state and configuration.", stuck.join(", "))));
    }
    diags
}

fn module_at<'m>(s: &'m Shared<'_>, p: &[String]) -> Result<&'m Module, Diagnostics> {
    s.ctx.module.at(p).ok_or_else(|| {
        Diagnostics::from(Diagnostic::error("Module not found").detail(format!(
            "module.{} is not in the configuration",
            p.join(".module.")
        )))
    })
}

/// The configuration of a resource block, found from its (config-level) address.
fn resource_config<'m>(
    s: &'m Shared<'_>,
    cfg: &ResourceAddr,
) -> Result<(&'m Module, &'m Resource), Diagnostics> {
    let path: Vec<String> = cfg.module.iter().map(|st| st.name.clone()).collect();
    let m = module_at(s, &path)?;
    let rel = ResourceAddr {
        module: Vec::new(),
        ..cfg.clone()
    };
    let r = m.resources.get(&rel).ok_or_else(|| {
        Diagnostics::from(
            Diagnostic::error("Resource not found")
                .detail(format!("{cfg} is not in the configuration")),
        )
    })?;
    Ok((m, r))
}

async fn run_op(s: &Shared<'_>, op: &Op) -> Result<(), Diagnostics> {
    match op {
        Op::Local(p, name) => {
            let m = module_at(s, p)?;
            for inst in s.values.instances(p) {
                nodes::eval_local(m, &inst, name, &s.values)?;
            }
            Ok(())
        }
        Op::Var(p, name) => {
            let m = module_at(s, p)?;
            for inst in s.values.instances(p) {
                nodes::eval_module_var(&s.ctx.module, m, &inst, name, &s.values)?;
            }
            Ok(())
        }
        Op::Output(p, name) => {
            let m = module_at(s, p)?;
            for inst in s.values.instances(p) {
                let v = nodes::eval_output(m, &inst, name, &s.values)?;
                s.values.set_output(&inst, name, v);
            }
            Ok(())
        }
        Op::Call(p, name) => {
            let m = module_at(s, p)?;
            for inst in s.values.instances(p) {
                nodes::eval_call(m, &inst, name, &s.values)?;
            }
            Ok(())
        }
        Op::Apply(addr) => apply_resource(s, addr).await,
        Op::Destroy(addr) => {
            let changes: Vec<&ResourceChange> = s
                .by_resource
                .get(addr)
                .into_iter()
                .flatten()
                .filter(|c| deletes_now(c))
                .copied()
                .collect();
            s.walker
                .bounded_all(changes.into_iter().map(|c| delete_instance(s, c, None)))
                .await
        }
        Op::Deposed(addr) => {
            let changes: Vec<&ResourceChange> = s
                .by_resource
                .get(addr)
                .into_iter()
                .flatten()
                .filter(|c| leaves_deposed(c))
                .copied()
                .collect();
            s.walker
                .bounded_all(changes.into_iter().map(|c| {
                    let key = c.deposed.clone().unwrap_or_else(|| deposed_key(&c.addr));
                    delete_instance(s, c, Some(key))
                }))
                .await
        }
    }
}

/// The deposed key of the object a create-before-destroy replacement supersedes: derived
/// from the address so that a re-run after a crash finds the same key.
fn deposed_key(addr: &InstanceAddr) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(addr.to_string().as_bytes());
    crate::plan::file::hex(&h[..4])
}

fn record(s: &Shared<'_>, d: StateDelta<'_>) -> Result<(), Diagnostics> {
    s.observer.record(d).map_err(|e| Diagnostics::from(Diagnostic::error("Failed to record state").detail(format!("Could not write the apply journal: {e}. The operation finished but may be missing from state; stop and inspect before running again."))))
}

async fn delete_instance(
    s: &Shared<'_>,
    c: &ResourceChange,
    deposed: Option<String>,
) -> Result<(), Diagnostics> {
    let addr = &c.addr;
    if c.action == Action::Forget {
        // `removed { lifecycle { destroy = false } }`: drop from state, leave the object.
        s.working
            .lock()
            .expect("lock poisoned")
            .remove(&addr.resource, &addr.key, &deposed);
        return record(
            s,
            StateDelta::Remove {
                resource: &addr.resource,
                key: &addr.key,
                deposed: &deposed,
            },
        );
    }
    let provider = s
        .ctx
        .providers
        .for_state(addr.resource.mode, &addr.resource.ty, &c.provider)
        .ok_or_else(|| {
            Diagnostics::from(Diagnostic::error("Missing provider").address(addr.to_string()))
        })?;
    let before = c.before.clone().unwrap_or(Value::Null);
    let started = Instant::now();
    s.observer.event(ApplyEvent::Start {
        addr,
        action: Action::Delete,
        id: object_id(c.before.as_ref()),
    });
    if deposed.is_none() && !is_tainted(s, addr) {
        if let Ok((module, resource)) = resource_config(s, &addr.resource.config()) {
            let t = provision::Target {
                addr,
                module,
                resource,
                values: &s.values,
                each: None,
                object: &before,
            };
            if let Err(d) = provision::run(&t, ProvisionerWhen::Destroy, s.observer).await {
                failed(s, addr, Action::Delete, started);
                return Err(d);
            }
        }
    }
    let resp = with_progress(
        s,
        addr,
        Action::Delete,
        provider.apply(ApplyRequest {
            address: addr.to_string(),
            type_name: addr.resource.ty.clone(),
            prior: Some(before.unmark_deep().0),
            planned: None,
            config: Value::Null,
            private: c.private.clone(),
        }),
    )
    .await;
    if resp.diagnostics.has_errors() {
        failed(s, addr, Action::Delete, started);
        return Err(resp.diagnostics.with_address(&addr.to_string()));
    }
    s.working
        .lock()
        .expect("lock poisoned")
        .remove(&addr.resource, &addr.key, &deposed);
    record(
        s,
        StateDelta::Remove {
            resource: &addr.resource,
            key: &addr.key,
            deposed: &deposed,
        },
    )?;
    s.observer.event(ApplyEvent::Done {
        addr,
        action: Action::Delete,
        id: None,
        elapsed: started.elapsed(),
    });
    Ok(())
}

/// Whether the object at `addr` is tainted in the state being written (its destroy-time
/// provisioners are skipped then, as in Terraform).
fn is_tainted(s: &Shared<'_>, addr: &InstanceAddr) -> bool {
    let w = s.working.lock().expect("lock poisoned");
    w.resources
        .get(&addr.resource)
        .and_then(|r| r.1.get(&(addr.key.clone(), None)))
        .is_some_and(|i| i.status.is_some())
}

/// Tells the observer that the operation on `addr` begun at `started` failed.
fn failed(s: &Shared<'_>, addr: &InstanceAddr, action: Action, started: Instant) {
    s.observer.event(ApplyEvent::Failed {
        addr,
        action,
        elapsed: started.elapsed(),
    });
}

async fn with_progress<F: std::future::Future>(
    s: &Shared<'_>,
    addr: &InstanceAddr,
    action: Action,
    fut: F,
) -> F::Output {
    let started = Instant::now();
    tokio::pin!(fut);
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(10),
        Duration::from_secs(10),
    );
    loop {
        tokio::select! {
            out = &mut fut => return out,
            _ = tick.tick() => s.observer.event(ApplyEvent::Still { addr, action, elapsed: started.elapsed() }),
        }
    }
}

async fn apply_resource<'a>(s: &Shared<'a>, cfg: &ResourceAddr) -> Result<(), Diagnostics> {
    if cfg.mode == Mode::Ephemeral {
        return open_ephemeral(s, cfg).await;
    }
    let (m, r) = resource_config(s, cfg)?;
    let changes: Vec<&'a ResourceChange> = s
        .by_resource
        .get(cfg)
        .into_iter()
        .flatten()
        .filter(|c| !matches!(c.action, Action::Delete | Action::Forget) && c.deposed.is_none())
        .copied()
        .collect();
    let instances = s.values.instances(&m.path);
    // for_each values are needed again to evaluate each.value with now-known values.
    let mut each_values: BTreeMap<(Vec<ModuleStep>, Option<IndexKey>), Value> = BTreeMap::new();
    if r.for_each.is_some() {
        for inst in &instances {
            let scope = InstanceScope::at(&s.values, m, inst);
            for (k, v) in nodes::expand(None, r.for_each.as_ref(), &scope, m)? {
                if let Some(v) = v {
                    each_values.insert((inst.clone(), k), v);
                }
            }
        }
    }
    let results: Mutex<Vec<(InstanceAddr, Value)>> = Mutex::new(Vec::new());
    let outcome = s
        .walker
        .bounded_all(changes.into_iter().map(|c| {
            let each = each_values
                .get(&(c.addr.resource.module.clone(), c.addr.key.clone()))
                .cloned();
            let results = &results;
            async move {
                let v = apply_instance(s, c, each).await?;
                results
                    .lock()
                    .expect("lock poisoned")
                    .push((c.addr.clone(), v));
                Ok(())
            }
        }))
        .await;
    let mut items = results.into_inner().expect("lock poisoned");
    items.sort_by(|a, b| a.0.cmp(&b.0));
    // Every module instance gets the resource's value, even with no instances (count = 0).
    for inst in instances {
        let addr = ResourceAddr {
            module: inst,
            ..cfg.clone()
        };
        let mine: Vec<(Option<IndexKey>, Value)> = items
            .iter()
            .filter(|(a, _)| a.resource == addr)
            .map(|(a, v)| (a.key.clone(), v.clone()))
            .collect();
        s.values.set_resource(&addr, aggregate(r, mine));
    }
    outcome
}

/// Opens every instance of an ephemeral resource block, in every instance of its module,
/// with the values known now: the plan has no change for it, and opened it (when its
/// configuration was known then) only for the plan's own use.
async fn open_ephemeral(s: &Shared<'_>, cfg: &ResourceAddr) -> Result<(), Diagnostics> {
    let (m, r) = resource_config(s, cfg)?;
    let (provider, _, schema) = s.ctx.provider_for(m, r)?;
    for inst in s.values.instances(&m.path) {
        let scope = InstanceScope::at(&s.values, m, &inst);
        let keys = nodes::expand(r.count.as_ref(), r.for_each.as_ref(), &scope, m)?;
        let addr = ResourceAddr {
            module: inst.clone(),
            ..cfg.clone()
        };
        let mut items = Vec::new();
        for (key, each) in keys {
            let config = instance_config(m, r, &schema.block, &s.values, &inst, &key, each)?;
            let shown = addr.instance(key.clone()).to_string();
            let site = Site {
                addr: &shown,
                resource: r,
            };
            items.push((key, s.opened.open(provider, &site, config).await?));
        }
        s.values.set_resource(&addr, aggregate(r, items));
    }
    Ok(())
}

async fn apply_instance<'a>(
    s: &Shared<'a>,
    c: &'a ResourceChange,
    each: Option<Value>,
) -> Result<Value, Diagnostics> {
    let ctx = s.ctx;
    let addr = &c.addr;
    let (m, r) = resource_config(s, &addr.resource.config())?;
    let provider = ctx
        .providers
        .for_state(addr.resource.mode, &addr.resource.ty, &c.provider)
        .ok_or_else(|| {
            Diagnostics::from(Diagnostic::error("Missing provider").address(addr.to_string()))
        })?;
    let schema = ctx
        .providers
        .schema(addr.resource.mode, &addr.resource.ty)
        .expect("provider has schema");
    let deps = c.dependencies.clone();
    if c.action == Action::NoOp {
        let v = c
            .after
            .clone()
            .or_else(|| c.before.clone())
            .unwrap_or(Value::Null);
        let mut w = s.working.lock().expect("lock poisoned");
        if addr.resource.mode == Mode::Data {
            w.set(
                &addr.resource,
                &c.provider,
                instance_state(addr, &v, Some(schema), deps, None, false),
            );
        } else if let Some(e) = w.resources.get_mut(&addr.resource) {
            if let Some(i) = e.1.get_mut(&(addr.key.clone(), None)) {
                i.dependencies = deps;
            }
        }
        return Ok(v);
    }
    let each_for_provisioners = each.clone();
    let config = instance_config(
        m,
        r,
        &schema.block,
        &s.values,
        &addr.resource.module,
        &addr.key,
        each,
    )?;
    let shown = addr.to_string();
    let site = Site {
        addr: &shown,
        resource: r,
    };
    if c.action == Action::Read {
        let state = read_data_instance(provider.as_ref(), &site, config).await?;
        s.working.lock().expect("lock poisoned").set(
            &addr.resource,
            &c.provider,
            instance_state(addr, &state, Some(schema), deps, None, false),
        );
        return Ok(state);
    }
    let prior = if c.action == Action::Update {
        c.before.clone()
    } else {
        None
    };
    let planned = plan_instance(
        provider.as_ref(),
        &schema.block,
        &site,
        prior.as_ref(),
        prior.as_ref().and(c.private.as_deref()),
        &config,
        &r.lifecycle.ignore_changes,
    )
    .await?
    .value;
    let approved = c.after.clone().unwrap_or(Value::Null);
    let drifted = inconsistent_attributes(&approved, &planned);
    if !drifted.is_empty() {
        return Err(Diagnostic::error("Provider produced inconsistent final plan")
            .detail(format!("When expanding the plan for {addr} to include new values learned so far during apply, the planned values of {} changed. This is a bug in the provider; please report it.", drifted.join(", ")))
            .address(addr.to_string())
            .into());
    }
    if c.action == Action::CreateThenDelete {
        // Record the superseded object first, so a crash after the create below cannot
        // make state forget it.
        if let Some(before) = &c.before {
            let mut old = instance_state(
                addr,
                before,
                Some(schema),
                c.dependencies.clone(),
                c.private.clone(),
                true,
            );
            old.deposed = Some(deposed_key(addr));
            s.working
                .lock()
                .expect("lock poisoned")
                .set(&addr.resource, &c.provider, old.clone());
            record(
                s,
                StateDelta::Set {
                    resource: &addr.resource,
                    provider: &c.provider,
                    instance: &old,
                },
            )?;
        }
    }
    let created = c.action == Action::Create || c.action.is_replace();
    let planned_plain = planned.unmark_deep().0;
    // Journalled (durably) before the create is sent: if the run dies before the answer
    // is recorded, the next run looks the object up by this identity (`run::recover`).
    let identity = created
        .then(|| provider.identity(&addr.resource.ty, &planned_plain))
        .flatten();
    if let Some(identity) = &identity {
        record(
            s,
            StateDelta::Intent {
                resource: &addr.resource,
                provider: &c.provider,
                key: &addr.key,
                identity,
                dependencies: &deps,
                create_before_destroy: r.lifecycle.create_before_destroy,
            },
        )?;
    }
    let triggering = super::actions::Triggering {
        ctx,
        module: m,
        resource: r,
        values: &s.values,
        inst: &addr.resource.module,
        key: &addr.key,
        each: each_for_provisioners.clone(),
        addr: &shown,
    };
    triggering.invoke(&c.actions, true).await?;
    let started = Instant::now();
    let shown_action = if c.action.is_replace() {
        Action::Create
    } else {
        c.action
    };
    s.observer.event(ApplyEvent::Start {
        addr,
        action: shown_action,
        id: if shown_action == Action::Update {
            object_id(c.before.as_ref())
        } else {
            None
        },
    });
    let resp = with_progress(
        s,
        addr,
        shown_action,
        provider.apply(ApplyRequest {
            address: addr.to_string(),
            type_name: addr.resource.ty.clone(),
            prior: prior.map(|p| p.unmark_deep().0),
            planned: Some(planned_plain),
            config: config.unmark_deep().0,
            private: c.private.clone(),
        }),
    )
    .await;
    let mut diags = resp.diagnostics.with_address(&addr.to_string());
    let mut adopted = false;
    let new = match resp.new_state {
        Some(new) => new,
        None => match adopt_in_doubt(s, provider.as_ref(), addr, &diags).await {
            Some((found, note)) => {
                adopted = true;
                diags = note.into();
                found
            }
            None => {
                failed(s, addr, shown_action, started);
                return Err(failed_create(s, addr, identity.is_some(), diags));
            }
        },
    };
    let new = copy_marks(
        &planned,
        super::diff::without_write_only(&schema.block, new),
    );
    if new.contains_unknown() {
        diags.push(Diagnostic::error("Provider returned invalid result object after apply").detail(format!("After the apply operation, the provider still indicated an unknown value for {addr}. All values must be known after apply, so this is always a bug in the provider.")).address(addr.to_string()));
        failed(s, addr, shown_action, started);
        return Err(diags);
    }
    let bad = inconsistent_attributes(&planned, &new);
    if !bad.is_empty() && !adopted && !resp.legacy_type_system {
        diags.push(Diagnostic::error("Provider produced inconsistent result after apply").detail(format!("When applying changes to {addr}, the provider produced an unexpected new value for {}. This is a bug in the provider; the object was recorded as the provider returned it.", bad.join(", "))).address(addr.to_string()));
    }
    // Recorded even when the provider also reported an error: the object exists and state
    // must not forget it.
    let mut inst = instance_state(
        addr,
        &new,
        Some(schema),
        deps,
        crate::provider::private_after(resp.private, None),
        r.lifecycle.create_before_destroy,
    );
    if created && !diags.has_errors() && provision::has(r, ProvisionerWhen::Create) {
        let t = provision::Target {
            addr,
            module: m,
            resource: r,
            values: &s.values,
            each: each_for_provisioners,
            object: &new,
        };
        if let Err(d) = provision::run(&t, ProvisionerWhen::Create, s.observer).await {
            // As Terraform does: the object exists but is not set up; the next plan replaces it.
            inst.status = Some(ObjectStatus::Tainted);
            diags.extend(d);
        }
    }
    s.working
        .lock()
        .expect("lock poisoned")
        .set(&addr.resource, &c.provider, inst.clone());
    record(
        s,
        StateDelta::Set {
            resource: &addr.resource,
            provider: &c.provider,
            instance: &inst,
        },
    )?;
    if diags.has_errors() {
        failed(s, addr, shown_action, started);
        return Err(diags);
    }
    let id = new
        .get_attr("id")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    s.observer.event(ApplyEvent::Done {
        addr,
        action: shown_action,
        id,
        elapsed: started.elapsed(),
    });
    s.applied.lock().expect("lock poisoned").push(c);
    s.warnings.lock().expect("lock poisoned").extend(diags);
    // The object is recorded: a failing action after it fails the run, not the object.
    triggering.invoke(&c.actions, false).await?;
    Ok(new)
}

/// Records that a create which journalled an intent failed without making an object,
/// and hands back its diagnostics. An object found later by the same identity is then not
/// ours: the create may have failed because it already existed.
fn failed_create(
    s: &Shared<'_>,
    addr: &InstanceAddr,
    journalled_intent: bool,
    mut diags: Diagnostics,
) -> Diagnostics {
    if !diags.has_errors() {
        diags.push(Diagnostic::error("Provider returned no object").detail(format!("The provider reported success for {addr} but returned no object. This is a bug in the provider.")));
    }
    if journalled_intent {
        if let Err(e) = record(
            s,
            StateDelta::Settled {
                resource: &addr.resource,
                key: &addr.key,
            },
        ) {
            diags.extend(e);
        }
    }
    diags
}

/// After a failed create at an address where an interrupted run's create was in doubt
/// (recovery did not find its object, see [`super::Options::in_doubt`]): the killed run's
/// request may have been carried out since, which is why this create failed. Looks the
/// object up by the interrupted run's identity; when found, it is the create's result,
/// with a warning that says so. `None` when nothing was in doubt here, or nothing is found
/// (the create's own error then stands).
async fn adopt_in_doubt(
    s: &Shared<'_>,
    provider: &dyn crate::provider::Provider,
    addr: &InstanceAddr,
    failure: &Diagnostics,
) -> Option<(Value, Diagnostic)> {
    let key = super::observer::resource_key(&addr.resource, "");
    let intent = s
        .ctx
        .options
        .in_doubt
        .iter()
        .find(|i| i.is_for(&key, addr.key.as_ref()))?;
    let found = provider
        .find_by_identity(&addr.resource.ty, &intent.identity)
        .await
        .ok()??;
    let why = failure
        .iter()
        .find(|d| d.is_error())
        .map(|d| d.summary.clone())
        .unwrap_or_default();
    let note = Diagnostic::warning("Object of an interrupted create adopted")
        .detail(format!("The create of {addr} failed ({why}), and the object an interrupted run was creating at this address now exists: its request was carried out after this run looked for it. That object was recorded in state as the result of the create; the next plan compares it with the configuration."))
        .address(addr.to_string());
    Some((found, note))
}

/// Re-reads objects that something applied *after* them may have changed: creating a NAT
/// gateway associates the Elastic IP created before it, so the EIP recorded at its own
/// create is already stale. Without this the next drift check would report our own apply
/// as drift. One batched read per provider; only dependencies of later changes are read.
async fn reread_changed_dependencies(s: &Shared<'_>) -> Diagnostics {
    let applied = s.applied.lock().expect("lock poisoned").clone();
    let depended_on: BTreeSet<String> = applied
        .iter()
        .flat_map(|c| c.dependencies.iter().cloned())
        .collect();
    let mut by_provider: BTreeMap<&str, Vec<&ResourceChange>> = BTreeMap::new();
    for c in &applied {
        if c.addr.resource.mode == Mode::Managed
            && depended_on.contains(&c.addr.resource.config().to_string())
        {
            by_provider.entry(c.provider.as_str()).or_default().push(c);
        }
    }
    let mut diags = Diagnostics::new();
    for (provider_addr, changes) in by_provider {
        let first = &changes[0].addr.resource;
        let Some(provider) = s
            .ctx
            .providers
            .for_state(first.mode, &first.ty, provider_addr)
        else {
            continue;
        };
        let current: Vec<Option<InstanceState>> = {
            let w = s.working.lock().expect("lock poisoned");
            changes
                .iter()
                .map(|c| {
                    w.resources
                        .get(&c.addr.resource)
                        .and_then(|r| r.1.get(&(c.addr.key.clone(), None)))
                        .cloned()
                })
                .collect()
        };
        let mut reqs = Vec::new();
        let mut which = Vec::new();
        for (c, inst) in changes.iter().zip(current) {
            let (Some(inst), Some(schema)) = (
                inst,
                s.ctx
                    .providers
                    .schema(c.addr.resource.mode, &c.addr.resource.ty),
            ) else {
                continue;
            };
            let tree = inst.attributes.to_json();
            let value = object_from_json(&tree, &schema.block);
            reqs.push(crate::provider::ReadRequest {
                address: c.addr.to_string(),
                type_name: c.addr.resource.ty.clone(),
                current: value,
                private: inst.private.clone(),
                schema_version: Some(inst.schema_version),
                stored: provider
                    .upgrades_stored()
                    .then(|| std::sync::Arc::new(tree)),
            });
            which.push((*c, inst));
        }
        for ((c, inst), resp) in which.into_iter().zip(provider.read(reqs).await) {
            if resp.diagnostics.has_errors() {
                diags.extend(resp.diagnostics.with_address(&c.addr.to_string()));
                continue;
            }
            let Some(now) = resp.new_state else { continue };
            let private = crate::provider::private_after(resp.private, inst.private.clone());
            let schema = s
                .ctx
                .providers
                .schema(c.addr.resource.mode, &c.addr.resource.ty);
            let marked = copy_marks(c.after.as_ref().unwrap_or(&Value::Null), now);
            let fresh = instance_state(
                &c.addr,
                &marked,
                schema,
                inst.dependencies.clone(),
                private,
                inst.create_before_destroy,
            );
            if fresh.attributes != inst.attributes || fresh.private != inst.private {
                s.working.lock().expect("lock poisoned").set(
                    &c.addr.resource,
                    &c.provider,
                    fresh.clone(),
                );
                if let Err(e) = record(
                    s,
                    StateDelta::Set {
                        resource: &c.addr.resource,
                        provider: &c.provider,
                        instance: &fresh,
                    },
                ) {
                    diags.extend(e);
                }
            }
        }
    }
    diags
}
