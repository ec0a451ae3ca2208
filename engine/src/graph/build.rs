//! Graph construction passes. Each pass is a function with a comment on why it runs where
//! it does; `build` runs them in order.

use std::collections::BTreeSet;
use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::addr::{ModuleStep, ResourceAddr};
use crate::config::{Expr, Module};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::hash::FastMap;
use crate::lang::refs::{references_bound, Reference, Subject};

/// An object of the configuration that is evaluated as a unit. Each carries the path of
/// module calls from the root to the module it is declared in (empty for the root), and is
/// evaluated once per instance of that module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Var(Vec<String>, String),
    Local(Vec<String>, String),
    /// A resource block; its address's module path holds the module call names (no keys).
    Resource(ResourceAddr),
    Output(Vec<String>, String),
    /// A `module` block: evaluates its count/for_each into module instances.
    ModuleCall(Vec<String>, String),
}

/// `module.a.module.b.` for a config path.
pub fn path_prefix(path: &[String]) -> String {
    path.iter().map(|p| format!("module.{p}.")).collect()
}

/// A config path as address module steps (without instance keys).
pub fn config_steps(path: &[String]) -> Vec<ModuleStep> {
    path.iter()
        .map(|n| ModuleStep {
            name: n.clone(),
            key: None,
        })
        .collect()
}

impl Node {
    /// The config path of the module the node is declared in.
    pub fn module_path(&self) -> Vec<String> {
        match self {
            Node::Var(p, _) | Node::Local(p, _) | Node::Output(p, _) | Node::ModuleCall(p, _) => {
                p.clone()
            }
            Node::Resource(a) => a.module.iter().map(|s| s.name.clone()).collect(),
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Var(p, n) => write!(f, "{}var.{n}", path_prefix(p)),
            Node::Local(p, n) => write!(f, "{}local.{n}", path_prefix(p)),
            Node::Resource(a) => write!(f, "{a}"),
            Node::Output(p, n) => write!(f, "{}output.{n}", path_prefix(p)),
            Node::ModuleCall(p, n) => write!(f, "{}module.{n}", path_prefix(p)),
        }
    }
}

/// Edges point from a dependency to the object that depends on it, and carry the source
/// location of the reference that created them (for cycle messages).
pub struct Graph {
    pub graph: DiGraph<Node, Option<Span>>,
    /// Hashed, not ordered: building the graph of 10,000 resources looks nodes up about
    /// twice each, and an ordered map compared module paths, types and names some fourteen
    /// times per lookup. [`Graph::sorted_nodes`] gives the order.
    pub index: FastMap<Node, NodeIndex>,
}

impl Graph {
    /// The objects in an order where every object comes after everything it depends on;
    /// ties are broken by node order so the result is deterministic.
    pub fn topo_order(&self) -> Vec<Node> {
        use std::cmp::Reverse;
        // Each node's rank in node order, so ready nodes are ordered by a number rather
        // than by comparing (and cloning) the nodes themselves.
        let mut by_rank: Vec<NodeIndex> = self.graph.node_indices().collect();
        by_rank.sort_unstable_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
        let mut rank = vec![0; by_rank.len()];
        for (r, idx) in by_rank.iter().enumerate() {
            rank[idx.index()] = r;
        }
        let mut indegree: Vec<usize> = self
            .graph
            .node_indices()
            .map(|n| {
                self.graph
                    .neighbors_directed(n, petgraph::Direction::Incoming)
                    .count()
            })
            .collect();
        let mut ready: std::collections::BinaryHeap<Reverse<usize>> = (0..by_rank.len())
            .filter(|&r| indegree[by_rank[r].index()] == 0)
            .map(Reverse)
            .collect();
        let mut out = Vec::with_capacity(self.graph.node_count());
        while let Some(Reverse(r)) = ready.pop() {
            let idx = by_rank[r];
            out.push(self.graph[idx].clone());
            for next in self
                .graph
                .neighbors_directed(idx, petgraph::Direction::Outgoing)
            {
                indegree[next.index()] -= 1;
                if indegree[next.index()] == 0 {
                    ready.push(Reverse(rank[next.index()]));
                }
            }
        }
        out
    }

    /// For each node of `order` (every node of the graph), the positions in `order` of
    /// the nodes it depends on directly: the shape a walk needs.
    pub fn waits_for(&self, order: &[Node]) -> Vec<Vec<usize>> {
        let mut position = vec![usize::MAX; self.graph.node_count()];
        for (i, n) in order.iter().enumerate() {
            if let Some(idx) = self.index.get(n) {
                position[idx.index()] = i;
            }
        }
        order
            .iter()
            .map(|n| {
                let Some(&idx) = self.index.get(n) else {
                    return Vec::new();
                };
                self.graph
                    .neighbors_directed(idx, petgraph::Direction::Incoming)
                    .map(|d| position[d.index()])
                    .filter(|&p| p != usize::MAX)
                    .collect()
            })
            .collect()
    }

    /// Every node, in node order (module path, then kind, then name).
    pub fn sorted_nodes(&self) -> Vec<&Node> {
        let mut nodes: Vec<&Node> = self.index.keys().collect();
        nodes.sort_unstable();
        nodes
    }

    /// Direct dependencies of `node`.
    pub fn dependencies(&self, node: &Node) -> Vec<Node> {
        let Some(&idx) = self.index.get(node) else {
            return Vec::new();
        };
        let mut deps: Vec<Node> = self
            .graph
            .neighbors_directed(idx, petgraph::Direction::Incoming)
            .map(|n| self.graph[n].clone())
            .collect();
        deps.sort();
        deps.dedup();
        deps
    }

    /// The resources `node` depends on directly or through variables, locals and outputs
    /// (but not through other resources): what a resource instance records in state.
    pub fn resource_dependencies(&self, node: &Node) -> Vec<ResourceAddr> {
        let mut out = BTreeSet::new();
        let mut stack = self.dependencies(node);
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            match n {
                Node::Resource(a) => {
                    out.insert(a);
                }
                other => stack.extend(self.dependencies(&other)),
            }
        }
        out.into_iter().collect()
    }
}

/// Builds and checks the graph of `module` and every module it calls.
///
/// # Errors
/// Every reference to an undeclared object, and every cycle with each of its edges.
pub fn build(module: &Module) -> Result<Graph, Diagnostics> {
    let g = build_allowing_cycles(module)?;
    check_cycles(&g)?;
    Ok(g)
}

/// The graph of `module` even when it has cycles (`terrane graph -draw-cycles` draws
/// them); other errors still fail.
pub fn build_allowing_cycles(module: &Module) -> Result<Graph, Diagnostics> {
    let mut g = Graph {
        graph: DiGraph::new(),
        index: FastMap::default(),
    };
    let mut diags = Diagnostics::new();
    add_nodes(&mut g, module);
    add_reference_edges(&mut g, module, &mut diags);
    add_module_edges(&mut g, module, &mut diags);
    add_depends_on_edges(&mut g, module, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(g)
}

/// The edges that lie on a cycle, as (user, used) pairs: those between two objects of one
/// strongly connected component.
pub fn cycle_edges(g: &Graph) -> BTreeSet<(Node, Node)> {
    let mut edges = BTreeSet::new();
    for scc in petgraph::algo::tarjan_scc(&g.graph) {
        let members: BTreeSet<Node> = scc.iter().map(|i| g.graph[*i].clone()).collect();
        for user in &members {
            for used in g.dependencies(user) {
                let self_loop = *user == used;
                if (members.len() > 1 || self_loop) && members.contains(&used) {
                    edges.insert((user.clone(), used));
                }
            }
        }
    }
    edges
}

/// The nodes declared in one module (not its children).
fn nodes_of(m: &Module) -> Vec<Node> {
    let p = &m.path;
    let resource = |a: &ResourceAddr| {
        Node::Resource(ResourceAddr {
            module: config_steps(p),
            ..a.clone()
        })
    };
    m.variables
        .keys()
        .map(|n| Node::Var(p.clone(), n.clone()))
        .chain(m.locals.keys().map(|n| Node::Local(p.clone(), n.clone())))
        .chain(m.resources.keys().map(resource))
        .chain(m.outputs.keys().map(|n| Node::Output(p.clone(), n.clone())))
        .chain(
            m.children
                .keys()
                .map(|n| Node::ModuleCall(p.clone(), n.clone())),
        )
        .collect()
}

/// Pass 1: one node per declared object in every module, so later passes can tell an
/// undeclared reference from a declared one.
fn add_nodes(g: &mut Graph, root: &Module) {
    let nodes: Vec<Node> = root.all().into_iter().flat_map(nodes_of).collect();
    // Sized once: growing a map of ten thousand addresses rehashed it a dozen times.
    g.graph.reserve_nodes(nodes.len());
    g.index.reserve(nodes.len());
    for n in nodes {
        let idx = g.graph.add_node(n.clone());
        g.index.insert(n, idx);
    }
}

/// The expressions a node evaluates, each with the names bound around it. A module's
/// input variables are evaluated from the calling module's `module` block.
fn exprs_of(m: &Module, node: &Node) -> Vec<(Expr, Vec<String>)> {
    let free = |e: &Expr| (e.clone(), Vec::new());
    match node {
        Node::Var(_, n) => m.variables[n]
            .validations
            .iter()
            .map(|v| free(&v.condition))
            .collect(),
        Node::Local(_, n) => vec![free(&m.locals[n].value)],
        Node::Output(_, n) => {
            let o = &m.outputs[n];
            std::iter::once(&o.value)
                .chain(
                    o.preconditions
                        .iter()
                        .flat_map(|p| [&p.condition, &p.error_message]),
                )
                .map(free)
                .collect()
        }
        Node::Resource(a) => {
            let r = &m.resources[&ResourceAddr {
                module: Vec::new(),
                ..a.clone()
            }];
            let mut out: Vec<(Expr, Vec<String>)> =
                r.count.iter().chain(r.for_each.iter()).map(free).collect();
            collect_body_exprs(&r.body.body, &r.body.file, &[], &mut out);
            // Create-time provisioners may use other objects; destroy-time ones only `self`.
            for p in &r.provisioners {
                collect_body_exprs(&p.body.body, &p.body.file, &[], &mut out);
            }
            // The actions its changes trigger run with it: what their conditions and
            // configurations read comes first.
            for t in &r.lifecycle.action_triggers {
                out.extend(t.condition.iter().map(free));
                for (ty, name, _) in &t.actions {
                    if let Some(a) = m.action(ty, name) {
                        if let Some(c) = &a.config {
                            collect_body_exprs(&c.body, &c.file, &[], &mut out);
                        }
                    }
                }
            }
            out
        }
        Node::ModuleCall(_, c) => {
            let call = &m.module_calls[c];
            call.count
                .iter()
                .chain(call.for_each.iter())
                .map(free)
                .collect()
        }
    }
}

/// The nodes a reference made in module `m` points at: one for most subjects; for
/// `module.name.out` that output (and the call, whose count/for_each shapes the value),
/// for a bare `module.name` every output of the called module.
fn targets_of(r: &Reference, m: &Module) -> Option<Vec<Node>> {
    let p = &m.path;
    Some(match &r.subject {
        Subject::Var(n) => vec![Node::Var(p.clone(), n.clone())],
        Subject::Local(n) => vec![Node::Local(p.clone(), n.clone())],
        Subject::Resource(a) => vec![Node::Resource(ResourceAddr {
            module: config_steps(p),
            ..a.clone()
        })],
        Subject::Module(c) => {
            let child = m.children.get(c)?;
            let mut out: Vec<Node> = child
                .outputs
                .keys()
                .filter(|o| match &r.module_output {
                    // An undeclared output is reported when the reference is evaluated.
                    Some(named) if child.outputs.contains_key(named) => *o == named,
                    _ => true,
                })
                .map(|o| Node::Output(child.path.clone(), o.clone()))
                .collect();
            out.push(Node::ModuleCall(p.clone(), c.clone()));
            out
        }
        _ => Vec::new(),
    })
}

fn where_(m: &Module) -> String {
    if m.path.is_empty() {
        "the root module".to_string()
    } else {
        format!("module.{}", m.path.join(".module."))
    }
}

fn undeclared(r: &Reference, m: &Module) -> Diagnostic {
    let at = where_(m);
    let (summary, detail, candidates): (&str, String, Vec<String>) = match &r.subject {
        Subject::Var(n) => ("Reference to undeclared input variable", format!("An input variable with the name {n:?} has not been declared{}. This variable can be declared with a variable \"{n}\" {{}} block.", if m.path.is_empty() { String::new() } else { format!(" in {at}") }), m.variables.keys().cloned().collect()),
        Subject::Local(n) => ("Reference to undeclared local value", format!("A local value with the name {n:?} has not been declared{}.", if m.path.is_empty() { String::new() } else { format!(" in {at}") }), m.locals.keys().cloned().collect()),
        Subject::Resource(a) => ("Reference to undeclared resource", format!("A {} resource {:?} {:?} has not been declared in {at}.", match a.mode { crate::addr::Mode::Data => "data", crate::addr::Mode::Managed => "managed", crate::addr::Mode::Ephemeral => "ephemeral" }, a.ty, a.name), m.resources.keys().map(ToString::to_string).collect()),
        Subject::Module(c) => ("Reference to undeclared module", format!("No module call named {c:?} is declared in {at}."), m.module_calls.keys().cloned().collect()),
        _ => ("Reference to undeclared object", String::new(), Vec::new()),
    };
    let given = match &r.subject {
        Subject::Var(n) | Subject::Local(n) | Subject::Module(n) => n.clone(),
        Subject::Resource(a) => a.to_string(),
        _ => String::new(),
    };
    let mut d = Diagnostic::error(summary)
        .detail(detail)
        .span(r.span.clone());
    if let Some(s) = crate::diag::did_you_mean(&given, candidates.iter().map(String::as_str)) {
        d = d.help(format!("did you mean {s:?}?"));
    }
    d
}

/// `module.name.out` (or `module.name[key].out` on a call with count or for_each) where
/// the called module declares no output `out`: Terraform's "Unsupported attribute",
/// found without evaluating anything so that validate reports it too.
fn undeclared_output(r: &Reference, m: &Module) -> Option<Diagnostic> {
    let (Subject::Module(c), Some(out)) = (&r.subject, &r.module_output) else {
        return None;
    };
    let child = m.children.get(c)?;
    if child.outputs.contains_key(out) {
        return None;
    }
    let call = m.module_calls.get(c)?;
    // The reference as written, up to the output name: `module.c` or `module.c[0]`.
    let span = r.span.as_ref()?;
    let text = span.file.text.get(span.start..span.end)?;
    let object = text
        .strip_suffix(out.as_str())?
        .trim_end()
        .strip_suffix('.')?
        .trim_end();
    let repeated = call.count.is_some() || call.for_each.is_some();
    let indexed = object.ends_with(']');
    let shape = match (repeated, indexed) {
        // Terraform's message for the collection itself differs; evaluation reports it.
        (true, false) => return None,
        (true, true) => "is a object".to_string(),
        (false, _) => match child.outputs.len() {
            0 => "is object with no attributes".to_string(),
            1 => format!(
                "is object with 1 attribute {:?}",
                child.outputs.keys().next().map_or("", String::as_str)
            ),
            n => format!("is object with {n} attributes"),
        },
    };
    // No "did you mean" here: Terraform gives none for an object's attributes.
    Some(
        Diagnostic::error("Unsupported attribute")
            .detail(format!(
                "This object does not have an attribute named {out:?}."
            ))
            .span(r.span.clone())
            .value(object, shape),
    )
}

/// Adds edges from what `refs` (made in module `m`) name to `to`, reporting undeclared ones.
fn link(g: &mut Graph, m: &Module, to: &Node, refs: Vec<Reference>, diags: &mut Diagnostics) {
    let to_idx = g.index[to];
    for r in refs {
        // A module call whose child failed to load was reported already.
        if matches!(&r.subject, Subject::Module(c) if m.module_calls.contains_key(c) && !m.children.contains_key(c))
        {
            continue;
        }
        if let Some(d) = undeclared_output(&r, m) {
            diags.push(d);
            continue;
        }
        let Some(targets) = targets_of(&r, m) else {
            diags.push(undeclared(&r, m));
            continue;
        };
        for target in targets {
            match g.index.get(&target) {
                Some(&from) if from == to_idx => {
                    // A validation condition naturally refers to its own variable.
                    if matches!(to, Node::Var(..)) {
                        continue;
                    }
                    let (summary, detail) = match to {
                        Node::Resource(_) => (
                            "Self-referential block",
                            format!("Configuration for {to} may not refer to itself."),
                        ),
                        Node::Local(..) => (
                            "Self-referencing local value",
                            format!("Local value {to} cannot use its own result as part of its expression."),
                        ),
                        _ => (
                            "Self-referencing object",
                            format!("Configuration for {to} may not refer to itself."),
                        ),
                    };
                    diags.push(
                        Diagnostic::error(summary)
                            .detail(detail)
                            .span(r.span.clone()),
                    );
                }
                Some(&from) => {
                    g.graph.update_edge(from, to_idx, r.span.clone());
                }
                None => diags.push(undeclared(&r, m)),
            }
        }
    }
}

/// Pass 2: an edge for every reference, checked against pass 1's nodes. Runs before
/// depends_on so a wrong name in an expression and in depends_on are both reported.
fn add_reference_edges(g: &mut Graph, root: &Module, diags: &mut Diagnostics) {
    for m in root.all() {
        for node in nodes_of(m) {
            let mut refs = Vec::new();
            for (e, bound) in exprs_of(m, &node) {
                refs.extend(references_bound(&e.expr, &e.file, &bound));
            }
            link(g, m, &node, refs, diags);
        }
    }
}

/// Pass 3: module calls. A child's input variables are evaluated from the call's
/// arguments in the caller's scope, and everything in the child waits for the call to
/// decide its instances (count/for_each). Arguments are checked against the child's
/// variables here, where both are known.
fn add_module_edges(g: &mut Graph, root: &Module, diags: &mut Diagnostics) {
    for m in root.all() {
        for (name, child) in &m.children {
            let call = &m.module_calls[name];
            let call_node = Node::ModuleCall(m.path.clone(), name.clone());
            for (arg, e) in &call.inputs {
                if !child.variables.contains_key(arg) {
                    let mut d = Diagnostic::error("Unsupported argument").detail(format!("An argument named {arg:?} is not expected here: module {name:?} declares no variable of that name.")).span(e.span());
                    if let Some(s) =
                        crate::diag::did_you_mean(arg, child.variables.keys().map(String::as_str))
                    {
                        d = d.help(format!("did you mean {s:?}?"));
                    }
                    diags.push(d);
                    continue;
                }
                let var = Node::Var(child.path.clone(), arg.clone());
                link(
                    g,
                    m,
                    &var,
                    crate::lang::refs::references(&e.expr, &e.file),
                    diags,
                );
            }
            for (v, decl) in &child.variables {
                if decl.default.is_none() && !call.inputs.contains_key(v) {
                    diags.push(Diagnostic::error("Missing required argument").detail(format!("The argument {v:?} is required by module {name:?}, but no definition was found.")).span(call.span.clone()));
                }
            }
            let from = g.index[&call_node];
            for n in nodes_of(child) {
                let to = g.index[&n];
                g.graph.update_edge(from, to, call.span.clone());
            }
        }
    }
}

/// Pass 4: explicit `depends_on` edges (on resources, outputs and module calls).
fn add_depends_on_edges(g: &mut Graph, root: &Module, diags: &mut Diagnostics) {
    for m in root.all() {
        let p = &m.path;
        let mut edges: Vec<(Node, Vec<Reference>)> = Vec::new();
        for (addr, r) in &m.resources {
            // replace_triggered_by must see the trigger's plan first: order it like depends_on.
            let deps = r
                .depends_on
                .iter()
                .chain(
                    r.lifecycle
                        .replace_triggered_by
                        .iter()
                        .map(|t| &t.reference),
                )
                .cloned()
                .collect();
            edges.push((
                Node::Resource(ResourceAddr {
                    module: config_steps(p),
                    ..addr.clone()
                }),
                deps,
            ));
        }
        for (name, o) in &m.outputs {
            edges.push((Node::Output(p.clone(), name.clone()), o.depends_on.clone()));
        }
        for (name, c) in &m.module_calls {
            if m.children.contains_key(name) {
                edges.push((
                    Node::ModuleCall(p.clone(), name.clone()),
                    c.depends_on.clone(),
                ));
            }
        }
        for (node, deps) in edges {
            // depends_on = [module.x] waits for everything in x, not just its outputs.
            let mut refs = Vec::new();
            for d in deps {
                if let Subject::Module(c) = &d.subject {
                    if let Some(child) = m.children.get(c) {
                        let to = g.index[&node];
                        for sub in child.all() {
                            for n in nodes_of(sub) {
                                let from = g.index[&n];
                                g.graph.update_edge(from, to, d.span.clone());
                            }
                        }
                        continue;
                    }
                }
                refs.push(d);
            }
            link(g, m, &node, refs, diags);
        }
    }
}

/// Every expression of a body with the names bound around it: a `dynamic` block's
/// iterator is in scope inside its `content`.
fn collect_body_exprs(
    body: &hcl_edit::structure::Body,
    file: &std::sync::Arc<crate::diag::SourceFile>,
    bound: &[String],
    out: &mut Vec<(Expr, Vec<String>)>,
) {
    for a in body.attributes() {
        out.push((
            Expr {
                expr: a.value.clone(),
                file: file.clone(),
            },
            bound.to_vec(),
        ));
    }
    for b in body.blocks() {
        if b.ident.as_str() == "dynamic" {
            let iterator = match b.body.get_attribute("iterator").map(|a| &a.value) {
                Some(hcl_edit::expr::Expression::Variable(v)) => v.as_str().to_string(),
                _ => b
                    .labels
                    .first()
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
            };
            let mut inner = bound.to_vec();
            inner.push(iterator);
            for a in b.body.attributes() {
                let names = if a.key.as_str() == "labels" {
                    &inner
                } else {
                    bound
                };
                out.push((
                    Expr {
                        expr: a.value.clone(),
                        file: file.clone(),
                    },
                    names.to_vec(),
                ));
            }
            for c in b.body.blocks() {
                collect_body_exprs(&c.body, file, &inner, out);
            }
            continue;
        }
        collect_body_exprs(&b.body, file, bound, out);
    }
}

/// Pass 5: reject cycles, naming every edge with the place that created it.
fn check_cycles(g: &Graph) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for scc in petgraph::algo::tarjan_scc(&g.graph) {
        if scc.len() < 2 {
            continue;
        }
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        // Walk one cycle through the component, starting from its smallest node.
        let start = *members
            .iter()
            .min_by_key(|n| g.graph[**n].clone())
            .expect("non-empty");
        let mut path = vec![start];
        let mut seen = BTreeSet::from([start]);
        let mut cur = start;
        loop {
            let mut nexts: Vec<NodeIndex> = g
                .graph
                .neighbors_directed(cur, petgraph::Direction::Outgoing)
                .filter(|n| members.contains(n))
                .collect();
            nexts.sort_by_key(|n| g.graph[*n].clone());
            let next = nexts
                .iter()
                .copied()
                .find(|n| *n == start && path.len() > 1)
                .or_else(|| nexts.iter().copied().find(|n| !seen.contains(n)))
                .or_else(|| nexts.first().copied());
            let Some(next) = next else { break };
            path.push(next);
            if next == start || !seen.insert(next) {
                break;
            }
            cur = next;
        }
        let mut lines = Vec::new();
        for w in path.windows(2) {
            let edge = g
                .graph
                .find_edge(w[0], w[1])
                .and_then(|e| g.graph[e].clone());
            let at = edge.map(|s| format!(" (at {s})")).unwrap_or_default();
            lines.push(format!(
                "  {} depends on {}{at}",
                g.graph[w[1]], g.graph[w[0]]
            ));
        }
        let names: Vec<String> = path.iter().map(|n| g.graph[*n].to_string()).collect();
        let first_span = path.windows(2).find_map(|w| {
            g.graph
                .find_edge(w[0], w[1])
                .and_then(|e| g.graph[e].clone())
        });
        diags.push(
            Diagnostic::error("Cycle in dependencies")
                .detail(format!(
                    "These objects depend on each other: {}\n{}",
                    names.join(" -> "),
                    lines.join("\n")
                ))
                .span(first_span),
        );
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(src: &str) -> Module {
        let dir = tempdir(src);
        let (m, d) = crate::config::load_dir(&dir);
        assert!(!d.has_errors(), "{d:?}");
        m
    }

    fn tempdir(src: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("terrane-graph-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.tf"), src).unwrap();
        dir
    }

    #[test]
    fn orders_by_references() {
        let m = module(
            r#"
variable "v" { default = "x" }
locals { l = var.v }
resource "terraform_data" "b" { input = terraform_data.a.output }
resource "terraform_data" "a" { input = local.l }
output "o" { value = terraform_data.b.id }
"#,
        );
        let g = build(&m).unwrap();
        let order: Vec<String> = g.topo_order().iter().map(ToString::to_string).collect();
        assert_eq!(
            order,
            [
                "var.v",
                "local.l",
                "terraform_data.a",
                "terraform_data.b",
                "output.o"
            ]
        );
        assert_eq!(
            g.resource_dependencies(&Node::Resource(ResourceAddr::new(
                crate::addr::Mode::Managed,
                "terraform_data",
                "b"
            )))
            .len(),
            1
        );
    }

    #[test]
    fn cycle_names_every_edge() {
        let m = module(
            r#"
resource "terraform_data" "a" { input = terraform_data.b.id }
resource "terraform_data" "b" { input = terraform_data.a.id }
"#,
        );
        let Err(d) = build(&m) else {
            panic!("expected a cycle")
        };
        let detail = d.0[0].detail.clone().unwrap();
        assert!(
            detail.contains("terraform_data.b depends on terraform_data.a"),
            "{detail}"
        );
        assert!(
            detail.contains("terraform_data.a depends on terraform_data.b"),
            "{detail}"
        );
        assert!(detail.contains("main.tf:2:"), "{detail}");
    }

    #[test]
    fn undeclared_reference_suggests() {
        let m =
            module("resource \"terraform_data\" \"a\" { input = var.nme }\nvariable \"name\" {}\n");
        let Err(d) = build(&m) else {
            panic!("expected an error")
        };
        assert_eq!(d.0[0].help.as_deref(), Some("did you mean \"name\"?"));
    }
}
