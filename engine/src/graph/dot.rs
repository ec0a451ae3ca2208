//! `terrane graph`: the dependency graph in Graphviz DOT, deterministic.

use std::collections::{BTreeMap, BTreeSet};

use super::operations::{Op, Operations};
use super::{Graph, Node};
use crate::addr::{module_path_string, ResourceAddr};

pub fn to_dot(g: &Graph) -> String {
    to_dot_with_cycles(g, &BTreeSet::new())
}

/// [`to_dot`] with the edges in `cycles` drawn as Terraform's `-draw-cycles` draws them:
/// red and thicker.
pub fn to_dot_with_cycles(g: &Graph, cycles: &BTreeSet<(Node, Node)>) -> String {
    let sorted = g.sorted_nodes();
    let nodes: Vec<String> = sorted.iter().map(ToString::to_string).collect();
    let mut edges: Vec<(String, String, bool)> = Vec::new();
    for node in sorted {
        for dep in g.dependencies(node) {
            let on_cycle = cycles.contains(&(node.clone(), dep.clone()));
            edges.push((node.to_string(), dep.to_string(), on_cycle));
        }
    }
    write_dot(&nodes, edges)
}

/// The operation graph an apply walks (`terrane graph -type=apply`, or `-plan=FILE`):
/// each resource's apply, its deletes (`(destroy)`, `(destroy deposed)`), and the locals,
/// module inputs, outputs and calls evaluated again on the way.
pub fn operations_to_dot(ops: &Operations) -> String {
    let names: Vec<String> = ops.ops.iter().map(op_name).collect();
    let mut edges = Vec::new();
    for (i, waits) in ops.waits_for.iter().enumerate() {
        for &j in waits {
            edges.push((names[i].clone(), names[j].clone(), false));
        }
    }
    let mut nodes = names.clone();
    nodes.sort();
    write_dot(&nodes, edges)
}

fn op_name(op: &Op) -> String {
    let module = |p: &[String]| -> String { p.iter().map(|m| format!("module.{m}.")).collect() };
    match op {
        Op::Local(p, n) => format!("{}local.{n}", module(p)),
        Op::Var(p, n) => format!("{}var.{n}", module(p)),
        Op::Output(p, n) => format!("{}output.{n}", module(p)),
        Op::Call(p, n) => format!("{}module.{n}", module(p)),
        Op::Apply(r) => r.to_string(),
        Op::Destroy(r) => format!("{r} (destroy)"),
        Op::Deposed(r) => format!("{r} (destroy deposed)"),
    }
}

/// Terraform's layout for its typed graphs: one `root` subgraph, nodes then edges, each
/// sorted; an edge on a cycle is red.
fn write_dot(nodes: &[String], mut edges: Vec<(String, String, bool)>) -> String {
    let mut out = String::from(
        "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  subgraph \"root\" {\n",
    );
    for node in nodes {
        out.push_str(&format!("    \"{node}\" [label=\"{node}\"]\n"));
    }
    edges.sort();
    edges.dedup();
    for (from, to, on_cycle) in edges {
        let style = if on_cycle {
            " [color = \"red\", penwidth = \"2.0\"]"
        } else {
            ""
        };
        out.push_str(&format!("    \"{from}\" -> \"{to}\"{style}\n"));
    }
    out.push_str("  }\n}\n");
    out
}

/// The resource graph `terraform graph` prints by default (Terraform 1.7 and later): only
/// resources and data sources, one cluster per module, and an edge from each resource to
/// the resources it depends on, through locals, variables, outputs and module calls, with
/// the edges implied by others left out (`c -> a` when `c -> b -> a`). Node and edge order,
/// quoting and layout as Terraform writes them.
pub fn to_resource_dot(g: &Graph) -> String {
    let resources: Vec<&ResourceAddr> = g
        .sorted_nodes()
        .into_iter()
        .filter_map(|n| match n {
            Node::Resource(r) => Some(r),
            _ => None,
        })
        .collect();
    let direct: BTreeMap<&ResourceAddr, BTreeSet<ResourceAddr>> = resources
        .iter()
        .map(|r| (*r, resource_dependencies(g, r)))
        .collect();
    // Root resources first, then one cluster per module path, each sorted by address.
    let mut by_module: BTreeMap<String, Vec<(String, &ResourceAddr)>> = BTreeMap::new();
    for r in &resources {
        let module = module_path_string(&r.module);
        by_module
            .entry(module)
            .or_default()
            .push((r.to_string(), r));
    }
    for list in by_module.values_mut() {
        list.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut out = String::from(
        "digraph G {\n  rankdir = \"RL\";\n  node [shape = rect, fontname = \"sans-serif\"];\n",
    );
    let label = |r: &ResourceAddr| {
        let mut local = r.clone();
        local.module.clear();
        local.to_string()
    };
    let mut order = Vec::new();
    for (module, list) in &by_module {
        let indent = if module.is_empty() {
            "  "
        } else {
            out.push_str(&format!(
                "  subgraph \"cluster_{module}\" {{\n    label = \"{module}\"\n    fontname = \"sans-serif\"\n"
            ));
            "    "
        };
        for (addr, r) in list {
            out.push_str(&format!("{indent}\"{addr}\" [label=\"{}\"];\n", label(r)));
            order.push(*r);
        }
        if !module.is_empty() {
            out.push_str("  }\n");
        }
    }
    for r in order {
        let deps = &direct[r];
        let mut kept: Vec<String> = deps
            .iter()
            .filter(|d| {
                !deps
                    .iter()
                    .any(|other| other != *d && reaches(&direct, other, d))
            })
            .map(ToString::to_string)
            .collect();
        kept.sort();
        for d in kept {
            out.push_str(&format!("  \"{r}\" -> \"{d}\";\n"));
        }
    }
    out.push_str("}\n");
    out
}

/// The resources `r` depends on, directly or through nodes that are not resources.
fn resource_dependencies(g: &Graph, r: &ResourceAddr) -> BTreeSet<ResourceAddr> {
    let mut found = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack = g.dependencies(&Node::Resource(r.clone()));
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        match n {
            Node::Resource(d) => {
                found.insert(d);
            }
            other => stack.extend(g.dependencies(&other)),
        }
    }
    found
}

/// Whether `to` is reachable from `from` along resource dependencies.
fn reaches(
    direct: &BTreeMap<&ResourceAddr, BTreeSet<ResourceAddr>>,
    from: &ResourceAddr,
    to: &ResourceAddr,
) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.clone()];
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        for d in direct.get(&n).into_iter().flatten() {
            if d == to {
                return true;
            }
            stack.push(d.clone());
        }
    }
    false
}
