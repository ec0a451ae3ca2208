//! `terrane graph -format=svg`: the graph drawn as an SVG picture without Graphviz.
//!
//! It reads the DOT text `terrane graph` prints (its own output, so only the few forms it
//! writes: `"id" [label="text"]` nodes and `"from" -> "to"` edges) and lays it out in
//! columns: a node's column is one past the deepest of what it depends on, so everything
//! a node needs is drawn to its left and a graph reads left to right in apply order.
//! Nodes a saved plan changes are filled and named in the title.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A graph as `terrane graph` draws it: nodes in order of appearance, edges from a node
/// to what it depends on.
#[derive(Debug, Default, PartialEq)]
pub struct Drawing {
    /// (id, label)
    pub nodes: Vec<(String, String)>,
    pub edges: Vec<(String, String)>,
}

/// Reads the nodes and edges of DOT text printed by `terrane graph`.
pub fn parse_dot(dot: &str) -> Drawing {
    let mut d = Drawing::default();
    let mut seen = BTreeSet::new();
    for line in dot.lines().map(str::trim) {
        let Some((first, rest)) = leading_quoted(line) else {
            continue;
        };
        if let Some(after_arrow) = rest.strip_prefix("->") {
            let Some((to, _)) = leading_quoted(after_arrow.trim_start()) else {
                continue;
            };
            for id in [first, to] {
                if seen.insert(id.to_string()) {
                    d.nodes.push((id.to_string(), id.to_string()));
                }
            }
            d.edges.push((first.to_string(), to.to_string()));
        } else if rest.starts_with('[') && seen.insert(first.to_string()) {
            let label = rest
                .split_once("label=\"")
                .or_else(|| rest.split_once("label = \""))
                .and_then(|(_, l)| l.split_once('"'))
                .map_or(first, |(l, _)| l);
            d.nodes.push((first.to_string(), label.to_string()));
        }
    }
    d
}

/// The double-quoted string `line` starts with, and what follows it (trimmed).
fn leading_quoted(line: &str) -> Option<(&str, &str)> {
    let (s, rest) = line.strip_prefix('"')?.split_once('"')?;
    Some((s, rest.trim_start()))
}

/// Each node's column: 0 for a node that depends on nothing, else one past the deepest
/// node it depends on. Edges that close a cycle (`-draw-cycles`) are not followed.
pub fn columns(d: &Drawing) -> BTreeMap<&str, usize> {
    let mut needs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in &d.edges {
        needs.entry(from).or_default().push(to);
    }
    let mut column: BTreeMap<&str, usize> = BTreeMap::new();
    let mut on_path: BTreeSet<&str> = BTreeSet::new();
    for (id, _) in &d.nodes {
        place(id, &needs, &mut column, &mut on_path);
    }
    column
}

fn place<'a>(
    id: &'a str,
    needs: &BTreeMap<&'a str, Vec<&'a str>>,
    column: &mut BTreeMap<&'a str, usize>,
    on_path: &mut BTreeSet<&'a str>,
) -> usize {
    if let Some(c) = column.get(id) {
        return *c;
    }
    on_path.insert(id);
    let mut c = 0;
    for dep in needs.get(id).into_iter().flatten() {
        if !on_path.contains(dep) {
            c = c.max(place(dep, needs, column, on_path) + 1);
        }
    }
    on_path.remove(id);
    column.insert(id, c);
    c
}

const ROW: usize = 44;
const NODE_HEIGHT: usize = 28;
const GAP: usize = 60;
const MARGIN: usize = 20;
const CHAR_WIDTH: usize = 7;

/// The SVG picture of `d`; the nodes whose ids are in `changed` are highlighted.
pub fn render(d: &Drawing, changed: &BTreeSet<String>) -> String {
    let column = columns(d);
    let columns_count = column.values().max().map_or(0, |c| c + 1);
    let mut width_of = vec![0usize; columns_count];
    let mut rows = vec![0usize; columns_count];
    let mut at: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (id, label) in &d.nodes {
        let c = column[id.as_str()];
        width_of[c] = width_of[c].max(label.chars().count() * CHAR_WIDTH + 24);
        at.insert(id, (c, rows[c]));
        rows[c] += 1;
    }
    let mut x_of = Vec::with_capacity(columns_count);
    let mut x = MARGIN;
    for w in &width_of {
        x_of.push(x);
        x += w + GAP;
    }
    let title_height = 30;
    let height = title_height + MARGIN * 2 + rows.iter().max().copied().unwrap_or(0) * ROW;
    let width = (x + MARGIN).saturating_sub(GAP).max(200);
    let box_of = |id: &str| {
        let (c, r) = at[id];
        (x_of[c], title_height + MARGIN + r * ROW, width_of[c])
    };
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>"##
    );
    let title = match changed.len() {
        0 => format!("{} nodes", d.nodes.len()),
        n => format!("{} nodes, {n} changed by the plan (filled)", d.nodes.len()),
    };
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="20" font-weight="bold">{}</text>"#,
        escape(&title)
    );
    for (from, to) in &d.edges {
        let ((fx, fy, _), (tx, ty, tw)) = (box_of(from), box_of(to));
        let (x1, y1) = (fx, fy + NODE_HEIGHT / 2);
        let (x2, y2) = (tx + tw, ty + NODE_HEIGHT / 2);
        let _ = writeln!(
            svg,
            r##"<line class="edge" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#555" marker-end="url(#arrow)"/>"##
        );
    }
    for (id, label) in &d.nodes {
        let (x, y, w) = box_of(id);
        let (class, fill, stroke) = if changed.contains(id) {
            ("node changed", "#fde68a", "#b45309")
        } else {
            ("node", "#f3f4f6", "#6b7280")
        };
        let _ = writeln!(
            svg,
            r#"<g class="{class}"><title>{}</title><rect x="{x}" y="{y}" width="{w}" height="{NODE_HEIGHT}" rx="4" fill="{fill}" stroke="{stroke}"/><text x="{}" y="{}">{}</text></g>"#,
            escape(id),
            x + 12,
            y + NODE_HEIGHT / 2 + 4,
            escape(label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOT: &str = r#"digraph G {
  "null_resource.c" [label="null_resource.c"];
  "terraform_data.a" [label="terraform_data.a"];
  "terraform_data.b" [label="terraform_data.b"];
  "module.m.terraform_data.in" [label="terraform_data.in"];
  "null_resource.c" -> "terraform_data.b";
  "terraform_data.b" -> "terraform_data.a";
  "module.m.terraform_data.in" -> "terraform_data.a" [color = "red", penwidth = "2.0"];
}
"#;

    #[test]
    fn nodes_labels_and_edges_are_read_from_terranes_dot() {
        let d = parse_dot(DOT);
        assert_eq!(d.nodes.len(), 4);
        assert_eq!(
            d.nodes[3],
            (
                "module.m.terraform_data.in".into(),
                "terraform_data.in".into()
            )
        );
        assert_eq!(d.edges.len(), 3);
        assert_eq!(
            d.edges[2],
            (
                "module.m.terraform_data.in".into(),
                "terraform_data.a".into()
            )
        );
    }

    #[test]
    fn a_node_is_drawn_right_of_everything_it_depends_on() {
        let d = parse_dot(DOT);
        let c = columns(&d);
        assert_eq!(c["terraform_data.a"], 0);
        assert_eq!(c["terraform_data.b"], 1);
        assert_eq!(c["null_resource.c"], 2);
        assert_eq!(c["module.m.terraform_data.in"], 1);
    }

    #[test]
    fn a_cycle_does_not_stop_the_layout() {
        let d = parse_dot("digraph {\n  \"a\" -> \"b\"\n  \"b\" -> \"a\"\n}\n");
        let c = columns(&d);
        assert_eq!(c.len(), 2);
        assert_ne!(c["a"], c["b"]);
    }

    #[test]
    fn changed_nodes_are_filled_and_counted() {
        let d = parse_dot(DOT);
        let changed = BTreeSet::from(["terraform_data.b".to_string()]);
        let svg = render(&d, &changed);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("4 nodes, 1 changed by the plan"));
        assert_eq!(svg.matches(r#"class="node changed""#).count(), 1);
        assert_eq!(svg.matches(r#"class="edge""#).count(), 3);
        assert!(svg.contains(">terraform_data.in</text>"));
    }
}
