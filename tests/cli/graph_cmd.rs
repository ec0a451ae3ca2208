//! `terrane graph -draw-cycles` and `-plan=FILE`.

use crate::harness::Work;
use crate::snap;

/// A cycle is an error, as in Terraform; `-draw-cycles` draws the graph anyway, the
/// cycle's edges in red in a typed graph (Terraform's attributes), the unrelated node
/// plain.
#[test]
fn graph_draw_cycles_colours_the_cycle() {
    let w = Work::main_tf(
        r#"
resource "terraform_data" "a" {
  input = terraform_data.b.output
}
resource "terraform_data" "b" {
  input = terraform_data.a.output
}
resource "terraform_data" "c" {}
"#,
    );
    let refused = w.run(&["graph"]).code(1);
    assert!(
        refused.stderr.contains("Cycle in dependencies"),
        "{refused}"
    );
    snap!(
        w,
        "graph_draw_cycles_typed",
        w.run(&["graph", "-type=plan", "-draw-cycles"]).code(0)
    );
    let resources = w.run(&["graph", "-draw-cycles"]).code(0);
    assert!(
        resources
            .stdout
            .contains("\"terraform_data.b\" -> \"terraform_data.a\";"),
        "{resources}"
    );
}

/// The graph of a saved plan is the apply's operations, as Terraform draws a plan's apply
/// graph: a replacement's destroy before its create, and for a destroy plan the user's
/// delete before the delete of what it uses.
#[test]
fn graph_of_a_saved_plan_is_its_apply() {
    let w = Work::main_tf(
        r#"
resource "terraform_data" "a" {
  input = "x"
}
locals {
  v = terraform_data.a.output
}
resource "terraform_data" "b" {
  input = local.v
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    w.run(&["plan", "-replace=terraform_data.b", "-out=replace.tfplan"])
        .code(0);
    snap!(
        w,
        "graph_plan_replace",
        w.run(&["graph", "-plan=replace.tfplan"]).code(0)
    );
    w.run(&["plan", "-destroy", "-out=destroy.tfplan"]).code(0);
    snap!(
        w,
        "graph_plan_destroy",
        w.run(&["graph", "-plan=destroy.tfplan"]).code(0)
    );
    let missing = w.run(&["graph", "-plan=nope.tfplan"]).code(1);
    assert!(
        missing.stderr.contains("Failed to read the plan file"),
        "{missing}"
    );
}

/// `-format=svg` draws the picture without Graphviz; with a saved plan, the resources it
/// changes are the highlighted ones.
#[test]
fn graph_svg_highlights_what_a_plan_changes() {
    let w = Work::main_tf(
        r#"
resource "terraform_data" "a" {
  input = "x"
}
resource "terraform_data" "b" {
  input = terraform_data.a.output
}
"#,
    );
    let picture = w.run(&["graph", "-format=svg"]).code(0);
    assert!(picture.stdout.starts_with("<svg"), "{picture}");
    assert!(
        picture.stdout.contains(">terraform_data.b</text>"),
        "{picture}"
    );
    assert!(!picture.stdout.contains("changed"), "{picture}");

    w.run(&["apply", "-auto-approve"]).code(0);
    w.run(&["plan", "-replace=terraform_data.b", "-out=replace.tfplan"])
        .code(0);
    let planned = w
        .run(&["graph", "-format=svg", "-plan=replace.tfplan"])
        .code(0);
    assert!(planned.stdout.contains("changed by the plan"), "{planned}");
    assert!(
        planned
            .stdout
            .contains(r#"class="node changed"><title>terraform_data.b</title>"#),
        "{planned}"
    );
    assert!(
        !planned
            .stdout
            .contains(r#"class="node changed"><title>terraform_data.a</title>"#),
        "{planned}"
    );

    let refused = w.run(&["graph", "-format=png"]).code(1);
    assert!(
        refused.stderr.contains("Unsupported graph format"),
        "{refused}"
    );
}
