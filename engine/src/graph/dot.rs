//! `terrane graph`: the dependency graph in Graphviz DOT, deterministic.

use super::Graph;

pub fn to_dot(g: &Graph) -> String {
    let mut out = String::from(
        "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  subgraph \"root\" {\n",
    );
    for node in g.index.keys() {
        out.push_str(&format!("    \"{node}\" [label=\"{node}\"]\n"));
    }
    let mut edges: Vec<(String, String)> = Vec::new();
    for node in g.index.keys() {
        for dep in g.dependencies(node) {
            edges.push((node.to_string(), dep.to_string()));
        }
    }
    edges.sort();
    for (from, to) in edges {
        out.push_str(&format!("    \"{from}\" -> \"{to}\"\n"));
    }
    out.push_str("  }\n}\n");
    out
}
