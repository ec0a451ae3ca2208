//! The graph apply walks: the configuration's graph turned into operations, plus the
//! destroy operations a plan asks for, ordered by passes that each add one kind of edge.
//! Every rule about the order of deletes lives here:
//!
//! - a delete runs after the deletes of everything that uses the object, through data
//!   sources, locals, variables, module inputs and outputs, including objects that are
//!   only in state (removed from the configuration, or a whole destroy);
//! - the delete of a destroy-before-create replacement runs before its create;
//! - the delete of an object a create-before-destroy replacement superseded (deposed)
//!   runs after its replacement is created and after every user of it has been applied
//!   (the inversion that lets users move to the new object first).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Graph, Node};
use crate::addr::ResourceAddr;

/// One unit of work of an apply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// Evaluate a local value (in every instance of its module).
    Local(Vec<String>, String),
    /// Evaluate a called module's input variable.
    Var(Vec<String>, String),
    /// Evaluate a called module's output.
    Output(Vec<String>, String),
    /// Expand a module call into its instances.
    Call(Vec<String>, String),
    /// Create, update, replace (create part) or read the instances of a resource.
    Apply(ResourceAddr),
    /// Delete instances (plain deletes and the destroy part of destroy-before-create).
    Destroy(ResourceAddr),
    /// Delete objects superseded by create-before-destroy replacements.
    Deposed(ResourceAddr),
}

/// What a plan asks of one resource block (in any module instance) besides applying it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deletes {
    /// Some instance is deleted now: a plain delete or a destroy-before-create.
    pub current: bool,
    /// Some instance leaves a superseded object behind: create-before-destroy.
    pub deposed: bool,
}

/// The operations of one apply and, for each, the positions of those it waits for.
pub struct Operations {
    pub ops: Vec<Op>,
    pub waits_for: Vec<Vec<usize>>,
}

/// Builds the operation graph of an apply.
///
/// `config` is the configuration's graph; with `evaluate_config` (a normal apply) each of
/// its nodes becomes an operation, otherwise (destroy) only deletes run. `deletes` says
/// which resource blocks delete something. `recorded` are dependencies that only state or
/// the plan knows, as (user, used) pairs of resource blocks: objects removed from the
/// configuration still have to be deleted in order.
pub fn build(
    config: &Graph,
    evaluate_config: bool,
    deletes: &BTreeMap<ResourceAddr, Deletes>,
    recorded: impl IntoIterator<Item = (ResourceAddr, ResourceAddr)>,
) -> Operations {
    let mut deps: BTreeMap<Op, BTreeSet<Op>> = BTreeMap::new();
    if evaluate_config {
        add_config_ops(config, &mut deps);
    }
    add_delete_ops(deletes, &mut deps);
    let users = direct_users(config, recorded);
    order_deletes_after_users(&users, &mut deps);
    order_deposed_after_users(&users, &mut deps);
    let ops: Vec<Op> = deps.keys().cloned().collect();
    let index: HashMap<&Op, usize> = ops.iter().enumerate().map(|(i, o)| (o, i)).collect();
    let waits_for = ops
        .iter()
        .map(|op| {
            deps[op]
                .iter()
                .filter_map(|b| index.get(b).copied())
                .collect()
        })
        .collect();
    Operations { ops, waits_for }
}

fn wait(deps: &mut BTreeMap<Op, BTreeSet<Op>>, op: Op, before: Option<Op>) {
    let e = deps.entry(op).or_default();
    if let Some(b) = before {
        e.insert(b);
    }
}

/// Pass 1: every configuration node is evaluated again with the values known at apply,
/// after what it uses. Root variables are values already and nothing depends on root
/// outputs, so neither is an operation; edges look through them.
fn add_config_ops(config: &Graph, deps: &mut BTreeMap<Op, BTreeSet<Op>>) {
    let op_of = |n: &Node| -> Option<Op> {
        match n {
            Node::Local(p, l) => Some(Op::Local(p.clone(), l.clone())),
            Node::Resource(a) => Some(Op::Apply(a.clone())),
            Node::Var(p, v) if !p.is_empty() => Some(Op::Var(p.clone(), v.clone())),
            Node::Output(p, o) if !p.is_empty() => Some(Op::Output(p.clone(), o.clone())),
            Node::ModuleCall(p, c) => Some(Op::Call(p.clone(), c.clone())),
            Node::Var(..) | Node::Output(..) => None,
        }
    };
    for n in config.topo_order() {
        let Some(op) = op_of(&n) else { continue };
        wait(deps, op.clone(), None);
        for d in config.dependencies(&n) {
            if let Some(dop) = op_of(&d) {
                wait(deps, op.clone(), Some(dop));
            }
        }
    }
}

/// Pass 2: the delete operations, and the order within one resource block: a
/// destroy-before-create deletes before it creates, a create-before-destroy creates
/// before it deletes the superseded object.
fn add_delete_ops(
    deletes: &BTreeMap<ResourceAddr, Deletes>,
    deps: &mut BTreeMap<Op, BTreeSet<Op>>,
) {
    for (addr, d) in deletes {
        let applies = deps.contains_key(&Op::Apply(addr.clone()));
        if d.current {
            wait(deps, Op::Destroy(addr.clone()), None);
            if applies {
                wait(
                    deps,
                    Op::Apply(addr.clone()),
                    Some(Op::Destroy(addr.clone())),
                );
            }
        }
        if d.deposed {
            wait(deps, Op::Deposed(addr.clone()), None);
            if applies {
                wait(
                    deps,
                    Op::Deposed(addr.clone()),
                    Some(Op::Apply(addr.clone())),
                );
            }
        }
    }
}

/// Pass 3: a delete waits for the deletes of its nearest deleted users on every path;
/// each of them waits for its own in turn, so the order holds transitively without an
/// edge to every one.
fn order_deletes_after_users(
    users: &BTreeMap<ResourceAddr, BTreeSet<ResourceAddr>>,
    deps: &mut BTreeMap<Op, BTreeSet<Op>>,
) {
    let deleted: BTreeSet<ResourceAddr> = deps
        .keys()
        .filter_map(|op| match op {
            Op::Destroy(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    for a in &deleted {
        let nearest = users_until(users, a, |u| deleted.contains(u));
        for user in nearest.into_iter().filter(|u| deleted.contains(u)) {
            wait(deps, Op::Destroy(a.clone()), Some(Op::Destroy(user)));
        }
    }
}

/// Pass 4: a superseded object is deleted only after every user, however far, has been
/// applied (and so moved to its replacement): applies wait only for what they use, so a
/// nearer user's apply says nothing of a farther one's.
fn order_deposed_after_users(
    users: &BTreeMap<ResourceAddr, BTreeSet<ResourceAddr>>,
    deps: &mut BTreeMap<Op, BTreeSet<Op>>,
) {
    let deposed: Vec<ResourceAddr> = deps
        .keys()
        .filter_map(|op| match op {
            Op::Deposed(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    for a in deposed {
        let applied: Vec<ResourceAddr> = users_until(users, &a, |_| false)
            .into_iter()
            .filter(|u| deps.contains_key(&Op::Apply(u.clone())))
            .collect();
        for user in applied {
            wait(deps, Op::Deposed(a.clone()), Some(Op::Apply(user)));
        }
    }
}

/// For each resource block, the resource blocks that use it directly: through
/// references, locals, variables, module inputs and outputs (data sources are resources
/// here, so a chain through one is two steps), from the configuration and from `recorded`.
fn direct_users(
    config: &Graph,
    recorded: impl IntoIterator<Item = (ResourceAddr, ResourceAddr)>,
) -> BTreeMap<ResourceAddr, BTreeSet<ResourceAddr>> {
    let mut users: BTreeMap<ResourceAddr, BTreeSet<ResourceAddr>> = BTreeMap::new();
    for (user, used) in recorded {
        users.entry(used).or_default().insert(user);
    }
    for n in config.sorted_nodes() {
        if let Node::Resource(user) = n {
            for used in config.resource_dependencies(n) {
                users.entry(used).or_default().insert(user.clone());
            }
        }
    }
    users
}

/// The resources that use `start`, transitively, not looking past those for which `stop`
/// holds (they are included themselves).
fn users_until(
    direct: &BTreeMap<ResourceAddr, BTreeSet<ResourceAddr>>,
    start: &ResourceAddr,
    stop: impl Fn(&ResourceAddr) -> bool,
) -> BTreeSet<ResourceAddr> {
    let mut seen = BTreeSet::new();
    let mut found = BTreeSet::new();
    let mut stack: Vec<&ResourceAddr> = direct.get(start).into_iter().flatten().collect();
    while let Some(a) = stack.pop() {
        if a == start || !seen.insert(a) {
            continue;
        }
        found.insert(a.clone());
        if !stop(a) {
            stack.extend(direct.get(a).into_iter().flatten());
        }
    }
    found
}
