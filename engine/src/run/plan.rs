//! Planning: refresh prior state, evaluate each object in dependency order, and ask the
//! providers what each resource instance change will be.

use std::collections::{BTreeMap, BTreeSet};

use super::diff::{forces_replacement, object_changed, propose};
use super::scope::{InstanceScope, Values};
use super::values::{decode_body, mark_paths, object_from_json};
use super::{Context, Providers};
use crate::addr::{IndexKey, InstanceAddr, Mode, ResourceAddr};
use crate::config::{Module, Resource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::Node;
use crate::lang::{convert, eval, EvalContext, Type, Value};
use crate::plan::{Action, Drift, OutputChange, Plan, PlanMode, Reason, ResourceChange};
use crate::provider::{PlanRequest, ReadDataRequest, ReadRequest};
use crate::state::State;

/// A prior object, decoded with its schema.
#[derive(Debug, Clone)]
pub(super) struct Prior {
    pub value: Value,
    pub provider: String,
    pub dependencies: Vec<String>,
    pub private: Option<String>,
    pub create_before_destroy: bool,
}

/// Decodes every instance in state. Types without a provider are errors: terrane cannot
/// plan what it cannot read.
pub(super) fn decode_state(
    state: &State,
    providers: &Providers,
) -> (BTreeMap<InstanceAddr, Prior>, Diagnostics) {
    let mut out = BTreeMap::new();
    let mut diags = Diagnostics::new();
    for r in &state.resources {
        let mode = if r.mode == "data" {
            Mode::Data
        } else {
            Mode::Managed
        };
        if r.module.is_some() {
            diags.push(
                Diagnostic::error("Module resources in state are not supported yet").detail(
                    format!(
                    "The state holds resources of module {:?}, which terrane cannot manage yet.",
                    r.module.as_deref().unwrap_or_default()
                ),
                ),
            );
            continue;
        }
        let Some(schema) = providers.schema(mode, &r.ty) else {
            diags.push(Diagnostic::error("Missing provider for resource in state").detail(format!("The state has {}.{} (provider {}), but terrane has no provider for resource type {:?}.", r.ty, r.name, r.provider, r.ty)));
            continue;
        };
        let addr = ResourceAddr::new(mode, r.ty.clone(), r.name.clone());
        for i in &r.instances {
            if i.deposed.is_some() {
                // Objects superseded by an interrupted create-before-destroy replacement are
                // planned for deletion separately (see `deposed_changes`).
                continue;
            }
            let value = mark_paths(
                object_from_json(&i.attributes, &schema.block),
                &i.sensitive_attributes,
            );
            out.insert(
                addr.instance(i.index_key.clone()),
                Prior {
                    value,
                    provider: r.provider.clone(),
                    dependencies: i.dependencies.clone(),
                    private: i.private.clone(),
                    create_before_destroy: i.create_before_destroy,
                },
            );
        }
    }
    (out, diags)
}

/// Makes a plan. Returns `None` (with the errors) when planning failed.
pub async fn plan(ctx: &Context, state: &State) -> (Option<Plan>, Diagnostics) {
    let (mut prior, mut diags) = decode_state(state, &ctx.providers);
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let values = Values::new(ctx.variables.clone(), &ctx.options.workspace, &cwd);
    diags.extend(ctx.providers.configure(&ctx.module, &values).await);
    if diags.has_errors() {
        return (None, diags);
    }
    let mut drift = Vec::new();
    if ctx.options.refresh && !prior.is_empty() {
        match refresh(ctx, &mut prior).await {
            Ok(d) => drift = d,
            Err(d) => {
                diags.extend(d);
                return (None, diags);
            }
        }
    }
    let mut refreshed_state = state.clone();
    super::apply::write_priors(&mut refreshed_state, &prior, &ctx.providers);

    let mut plan = Plan {
        mode: ctx.options.mode.clone(),
        changes: Vec::new(),
        drift,
        outputs: BTreeMap::new(),
        prior_state: refreshed_state,
        variables: ctx.variables.clone(),
    };
    match ctx.options.mode {
        PlanMode::RefreshOnly => return (Some(plan), diags),
        PlanMode::Destroy => {
            for (addr, p) in &prior {
                if addr.resource.mode == Mode::Data {
                    continue;
                }
                if let Some(r) = ctx.module.resources.get(&addr.resource) {
                    if r.lifecycle.prevent_destroy {
                        diags.push(prevent_destroy_error(addr, r));
                        continue;
                    }
                }
                plan.changes
                    .push(delete_change(addr, p, Reason::DeleteByDestroy));
            }
            plan.changes.extend(deposed_changes(state, &ctx.providers));
            for (name, o) in &state.outputs {
                plan.outputs.insert(
                    name.clone(),
                    OutputChange {
                        action: Action::Delete,
                        before: Some(Value::from_json(&o.value)),
                        after: None,
                        sensitive: o.sensitive,
                    },
                );
            }
            if diags.has_errors() {
                return (None, diags);
            }
            return (Some(plan), diags);
        }
        PlanMode::Normal => {}
    }

    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let values = Values::new(ctx.variables.clone(), &ctx.options.workspace, &cwd);
    let targets = target_set(ctx);
    let mut seen_resources: BTreeSet<ResourceAddr> = BTreeSet::new();
    for node in ctx.graph.topo_order() {
        match &node {
            Node::Var(_) => {}
            Node::Local(name) => {
                let l = &ctx.module.locals[name];
                let scope = InstanceScope::plain(&values, &ctx.module);
                match eval(
                    &l.value.expr,
                    &l.value.file,
                    &EvalContext {
                        scope: &scope,
                        base_dir: &ctx.module.dir,
                    },
                ) {
                    Ok(v) => values.set_local(name, v),
                    Err(d) => diags.push(d),
                }
            }
            Node::Output(name) => {
                let o = &ctx.module.outputs[name];
                let scope = InstanceScope::plain(&values, &ctx.module);
                match eval(
                    &o.value.expr,
                    &o.value.file,
                    &EvalContext {
                        scope: &scope,
                        base_dir: &ctx.module.dir,
                    },
                ) {
                    Ok(v) => {
                        if v.contains_sensitive() && !o.sensitive {
                            diags.push(Diagnostic::error("Output refers to sensitive values").detail("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, terrane requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true").span(o.span.clone()));
                            continue;
                        }
                        let before = state.outputs.get(name).map(|s| Value::from_json(&s.value));
                        let action = match &before {
                            None => Action::Create,
                            Some(b) if object_changed(b, &v.unmark_deep().0) => Action::Update,
                            Some(_) => Action::NoOp,
                        };
                        plan.outputs.insert(
                            name.clone(),
                            OutputChange {
                                action,
                                before,
                                after: Some(v),
                                sensitive: o.sensitive,
                            },
                        );
                    }
                    Err(d) => diags.push(d),
                }
            }
            Node::Resource(addr) => {
                seen_resources.insert(addr.clone());
                let r = &ctx.module.resources[addr];
                if let Some(t) = &targets {
                    if !t.contains(addr) {
                        keep_untargeted(addr, r, &prior, &values, &mut plan);
                        continue;
                    }
                }
                match plan_resource(ctx, r, &values, &prior).await {
                    Ok(changes) => plan.changes.extend(changes),
                    Err(d) => {
                        diags.extend(d);
                        values.set_resource(addr, Value::Unknown);
                    }
                }
            }
        }
    }
    // Objects in state whose resource block is gone from the configuration.
    for (addr, p) in &prior {
        if seen_resources.contains(&addr.resource) {
            continue;
        }
        if targets
            .as_ref()
            .is_some_and(|t| !t.contains(&addr.resource))
        {
            continue;
        }
        if addr.resource.mode == Mode::Data {
            continue;
        }
        plan.changes
            .push(delete_change(addr, p, Reason::DeleteNoResourceConfig));
    }
    plan.changes.extend(deposed_changes(state, &ctx.providers));
    for (name, o) in &state.outputs {
        if !ctx.module.outputs.contains_key(name) {
            plan.outputs.insert(
                name.clone(),
                OutputChange {
                    action: Action::Delete,
                    before: Some(Value::from_json(&o.value)),
                    after: None,
                    sensitive: o.sensitive,
                },
            );
        }
    }
    if diags.has_errors() {
        return (None, diags);
    }
    plan.changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    (Some(plan), diags)
}

/// Deletes for deposed objects: left by a create-before-destroy replacement whose old object
/// was not yet deleted when the run stopped.
fn deposed_changes(state: &State, providers: &Providers) -> Vec<ResourceChange> {
    let mut out = Vec::new();
    for r in state
        .resources
        .iter()
        .filter(|r| r.mode == "managed" && r.module.is_none())
    {
        let Some(schema) = providers.schema(Mode::Managed, &r.ty) else {
            continue;
        };
        for i in r.instances.iter().filter(|i| i.deposed.is_some()) {
            let addr = ResourceAddr::new(Mode::Managed, r.ty.clone(), r.name.clone())
                .instance(i.index_key.clone());
            let value = mark_paths(
                object_from_json(&i.attributes, &schema.block),
                &i.sensitive_attributes,
            );
            let p = Prior {
                value,
                provider: r.provider.clone(),
                dependencies: i.dependencies.clone(),
                private: i.private.clone(),
                create_before_destroy: true,
            };
            let mut c = delete_change(&addr, &p, Reason::DeleteNoResourceConfig);
            c.reason = None;
            c.deposed.clone_from(&i.deposed);
            out.push(c);
        }
    }
    out
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
        .map(|t| Node::Resource(t.resource.clone()))
        .collect();
    while let Some(n) = stack.pop() {
        if let Node::Resource(a) = &n {
            if !out.insert(a.clone()) {
                continue;
            }
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
    plan: &mut Plan,
) {
    let mut items: Vec<(Option<IndexKey>, Value)> = Vec::new();
    for (ia, p) in prior.range(addr.instance(None)..) {
        if &ia.resource != addr {
            break;
        }
        items.push((ia.key.clone(), p.value.clone()));
        plan.changes.push(ResourceChange {
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
        });
    }
    values.set_resource(addr, aggregate(r, items));
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
    }
}

fn prevent_destroy_error(addr: &InstanceAddr, r: &Resource) -> Diagnostic {
    Diagnostic::error("Instance cannot be destroyed")
        .detail(format!("Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target option."))
        .span(r.span.clone())
}

/// Re-reads every managed object through its provider, one batch per provider, and
/// reports what changed outside terrane.
async fn refresh(
    ctx: &Context,
    prior: &mut BTreeMap<InstanceAddr, Prior>,
) -> Result<Vec<Drift>, Diagnostics> {
    let mut by_provider: BTreeMap<String, Vec<InstanceAddr>> = BTreeMap::new();
    for (addr, p) in prior.iter() {
        if addr.resource.mode == Mode::Managed {
            by_provider
                .entry(p.provider.clone())
                .or_default()
                .push(addr.clone());
        }
    }
    let mut drift = Vec::new();
    let mut diags = Diagnostics::new();
    for addrs in by_provider.values() {
        let Some(provider) = ctx.providers.for_type(Mode::Managed, &addrs[0].resource.ty) else {
            continue;
        };
        let reqs = addrs
            .iter()
            .map(|a| {
                let p = &prior[a];
                ReadRequest {
                    type_name: a.resource.ty.clone(),
                    current: p.value.unmark_deep().0,
                    private: p.private.clone(),
                }
            })
            .collect();
        let responses = provider.read(reqs).await;
        for (addr, resp) in addrs.iter().zip(responses) {
            if resp.diagnostics.has_errors() {
                diags.extend(resp.diagnostics.with_address(&addr.to_string()));
                continue;
            }
            let before = prior[addr].value.clone();
            match resp.new_state {
                None => {
                    drift.push(Drift {
                        addr: addr.clone(),
                        before,
                        after: None,
                    });
                    prior.remove(addr);
                }
                Some(now) => {
                    let now = super::diff::copy_marks(&before, now);
                    if object_changed(&before, &now) {
                        drift.push(Drift {
                            addr: addr.clone(),
                            before,
                            after: Some(now.clone()),
                        });
                    }
                    if let Some(p) = prior.get_mut(addr) {
                        p.value = now;
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

/// One instance to plan: its key and, for `for_each`, its `each.value`.
type Expansion = (Option<IndexKey>, Option<Value>);

/// The instance keys of a resource: none, `count` indices or `for_each` keys with values.
fn expand(r: &Resource, values: &Values, module: &Module) -> Result<Vec<Expansion>, Diagnostics> {
    let scope = InstanceScope::plain(values, module);
    let ctx = EvalContext {
        scope: &scope,
        base_dir: &module.dir,
    };
    if let Some(c) = &r.count {
        let v = eval(&c.expr, &c.file, &ctx)?;
        if v.contains_unknown() {
            return Err(Diagnostic::error("Invalid count argument").detail("The \"count\" value depends on resource attributes that cannot be determined until apply, so terrane cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the count value depends on.").span(c.span()).into());
        }
        let n = convert(&v, &Type::Number)
            .ok()
            .and_then(|n| n.as_number())
            .filter(|n| !v.is_null() && n.fract() == 0.0 && *n >= 0.0);
        let Some(n) = n else {
            return Err(Diagnostic::error("Invalid count argument").detail(format!("The given \"count\" argument value is unsuitable: must be a whole number greater than or equal to zero (got {v}).")).span(c.span()).into());
        };
        return Ok((0..n as i64)
            .map(|i| (Some(IndexKey::Int(i)), None))
            .collect());
    }
    if let Some(f) = &r.for_each {
        let v = eval(&f.expr, &f.file, &ctx)?;
        let bad = |detail: String| -> Diagnostics {
            Diagnostic::error("Invalid for_each argument")
                .detail(detail)
                .span(f.span())
                .into()
        };
        if v.is_sensitive() {
            return Err(bad("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.".into()));
        }
        if v.is_unknown() {
            return Err(bad("The \"for_each\" value depends on resource attributes that cannot be determined until apply, so terrane cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the for_each depends on.".into()));
        }
        return match &v {
            Value::Map(m) | Value::Object(m) => {
                if m.keys().any(String::is_empty) {
                    return Err(bad("The \"for_each\" map includes an empty key; every key must be a non-empty string.".into()));
                }
                Ok(m.iter().map(|(k, x)| (Some(IndexKey::Str(k.clone())), Some(x.clone()))).collect())
            }
            Value::Set(items) => {
                let mut out = Vec::new();
                for it in items {
                    match it.unmark() {
                        Value::String(s) => out.push((Some(IndexKey::Str(s.clone())), Some(it.clone()))),
                        Value::Unknown => return Err(bad("The \"for_each\" set includes values derived from resource attributes that cannot be determined until apply, and so terrane cannot determine the full set of keys that will identify the instances of this resource.".into())),
                        other => return Err(bad(format!("The \"for_each\" argument must be a map, or set of strings, and you have provided a set of {}.", other.type_name()))),
                    }
                }
                Ok(out)
            }
            Value::Null => Err(bad("The given \"for_each\" argument value is null. A map, or set of strings is allowed.".into())),
            other => Err(bad(format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", other.type_name()))),
        };
    }
    Ok(vec![(None, None)])
}

/// The value a resource has in expressions: an object, a tuple (count) or an object
/// keyed like the for_each map.
pub(super) fn aggregate(r: &Resource, items: Vec<(Option<IndexKey>, Value)>) -> Value {
    if r.count.is_some() {
        Value::Tuple(items.into_iter().map(|(_, v)| v).collect())
    } else if r.for_each.is_some() {
        Value::Object(
            items
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Some(IndexKey::Str(s)) => Some((s, v)),
                    _ => None,
                })
                .collect(),
        )
    } else {
        items.into_iter().next().map_or(Value::Null, |(_, v)| v)
    }
}

/// Evaluates one instance's configuration.
pub(super) fn instance_config(
    ctx_module: &Module,
    r: &Resource,
    schema: &crate::provider::BlockSchema,
    values: &Values,
    key: &Option<IndexKey>,
    each_value: Option<Value>,
) -> Result<Value, Diagnostics> {
    let scope = InstanceScope {
        values,
        module: ctx_module,
        count_index: match key {
            Some(IndexKey::Int(i)) => Some(*i),
            _ => None,
        },
        each: match (key, each_value) {
            (Some(IndexKey::Str(k)), Some(v)) => Some((k.clone(), v)),
            _ => None,
        },
    };
    let ectx = EvalContext {
        scope: &scope,
        base_dir: &ctx_module.dir,
    };
    decode_body(&r.body, schema, &ectx, r.span.clone())
}

async fn plan_resource(
    ctx: &Context,
    r: &Resource,
    values: &Values,
    prior: &BTreeMap<InstanceAddr, Prior>,
) -> Result<Vec<ResourceChange>, Diagnostics> {
    let addr = &r.addr;
    let Some((provider, provider_addr)) =
        ctx.providers
            .for_resource(addr.mode, &addr.ty, r.provider.as_ref())
    else {
        let kind = if addr.mode == Mode::Data {
            "data source"
        } else {
            "resource type"
        };
        let mut d = Diagnostic::error(format!("Invalid {kind}"))
            .detail(format!(
                "The provider {} does not support {kind} {:?}.",
                r.provider_name(),
                addr.ty
            ))
            .span(r.span.clone());
        if let Some(s) = crate::diag::did_you_mean(&addr.ty, ctx.providers.type_names(addr.mode)) {
            d = d.help(format!("did you mean {s:?}?"));
        }
        return Err(d.into());
    };
    let schema = ctx
        .providers
        .schema(addr.mode, &addr.ty)
        .expect("provider found by type has its schema");
    let deps: Vec<String> = ctx
        .graph
        .resource_dependencies(&Node::Resource(addr.clone()))
        .iter()
        .map(ToString::to_string)
        .collect();
    let keys = expand(r, values, &ctx.module)?;
    let mut diags = Diagnostics::new();
    let mut changes = Vec::new();
    let mut items = Vec::new();
    let wanted: BTreeSet<Option<IndexKey>> = keys.iter().map(|(k, _)| k.clone()).collect();
    for (key, each_value) in keys {
        let iaddr = addr.instance(key.clone());
        let config = match instance_config(&ctx.module, r, &schema.block, values, &key, each_value)
        {
            Ok(c) => c,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        if addr.mode == Mode::Data {
            let (value, action) = if config.contains_unknown() {
                (Value::Unknown, Action::Read)
            } else {
                let resp = provider
                    .read_data(ReadDataRequest {
                        type_name: addr.ty.clone(),
                        config: config.clone(),
                    })
                    .await;
                if resp.diagnostics.has_errors() {
                    diags.extend(resp.diagnostics.with_address(&iaddr.to_string()));
                    continue;
                }
                (resp.state, Action::NoOp)
            };
            items.push((key.clone(), value.clone()));
            changes.push(ResourceChange {
                addr: iaddr,
                action,
                reason: None,
                before: None,
                after: Some(value),
                provider: provider_addr.clone(),
                dependencies: deps.clone(),
                create_before_destroy: false,
                private: None,
                deposed: None,
            });
            continue;
        }
        let p = prior.get(&iaddr);
        let proposed = propose(
            &schema.block,
            p.map(|p| &p.value),
            &config,
            &r.lifecycle.ignore_changes,
        );
        let resp = provider
            .plan(PlanRequest {
                type_name: addr.ty.clone(),
                prior: p.map(|p| p.value.clone()),
                config: config.clone(),
                proposed,
            })
            .await;
        if resp.diagnostics.has_errors() {
            diags.extend(resp.diagnostics.with_address(&iaddr.to_string()));
            continue;
        }
        let planned = super::diff::copy_marks(&config, resp.planned);
        let (action, reason, after) = match p {
            None => (Action::Create, None, planned),
            Some(p) => {
                let mut forced = forces_replacement(&schema.block, &p.value, &planned);
                forced.extend(resp.requires_replace);
                forced.sort();
                forced.dedup();
                let requested = ctx.options.replace.contains(&iaddr);
                if requested || !forced.is_empty() {
                    let reason = if requested {
                        Reason::ReplaceByRequest
                    } else {
                        Reason::ReplaceBecauseAttributes(forced)
                    };
                    // A replacement is a new object: plan it as a create.
                    let fresh = propose(
                        &schema.block,
                        None,
                        &config,
                        &crate::config::IgnoreChanges::None,
                    );
                    let resp = provider
                        .plan(PlanRequest {
                            type_name: addr.ty.clone(),
                            prior: None,
                            config: config.clone(),
                            proposed: fresh,
                        })
                        .await;
                    if resp.diagnostics.has_errors() {
                        diags.extend(resp.diagnostics.with_address(&iaddr.to_string()));
                        continue;
                    }
                    if r.lifecycle.prevent_destroy {
                        diags.push(prevent_destroy_error(&iaddr, r));
                        continue;
                    }
                    let action = if r.lifecycle.create_before_destroy {
                        Action::CreateThenDelete
                    } else {
                        Action::DeleteThenCreate
                    };
                    (
                        action,
                        Some(reason),
                        super::diff::copy_marks(&config, resp.planned),
                    )
                } else if object_changed(&p.value, &planned) {
                    (Action::Update, None, planned)
                } else {
                    (Action::NoOp, None, planned)
                }
            }
        };
        items.push((key.clone(), after.clone()));
        changes.push(ResourceChange {
            addr: iaddr,
            action,
            reason,
            before: p.map(|p| p.value.clone()),
            after: Some(after),
            provider: provider_addr.clone(),
            dependencies: deps.clone(),
            create_before_destroy: r.lifecycle.create_before_destroy,
            private: p.and_then(|p| p.private.clone()),
            deposed: None,
        });
    }
    // Prior instances that the count or for_each no longer produces.
    for (ia, p) in prior.range(addr.instance(None)..) {
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
