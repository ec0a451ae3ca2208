//! Plan rendering in Terraform's layout. Each terraform_data / null_resource case below
//! was compared line by line with Terraform 1.15.5's plan of the same configuration.

use crate::harness::Work;
use crate::snap;

/// Applies `v1`, writes `v2` and returns the plan of the change.
fn plan_change(v1: &str, v2: &str) -> (Work, crate::harness::Out) {
    let w = Work::main_tf(v1);
    w.run(&["apply", "-auto-approve"]).code(0);
    w.write("main.tf", v2);
    let out = w.run(&["plan"]).code(0);
    (w, out)
}

#[test]
fn collections_show_the_elements_that_change() {
    let v1 = r#"
resource "terraform_data" "list" {
  input = ["l1", "l2", "l3", "l4", "l5"]
}
resource "terraform_data" "tuple" {
  input = ["x", "dev", "z"]
}
resource "terraform_data" "objects" {
  input = [{ name = "a", port = 80 }, { name = "b", port = 443 }]
}
resource "null_resource" "map" {
  triggers = { a = "1", b = "2", c = "3" }
}
"#;
    let v2 = v1
        .replace(r#""l3", "l4""#, r#""l3", "l6", "l4""#)
        .replace(r#""dev""#, r#""prod""#)
        .replace(
            r#"{ name = "a", port = 80 }, "#,
            r#"{ name = "a", port = 8080 }, { name = "c", port = 22 }, "#,
        )
        .replace(
            r#"a = "1", b = "2", c = "3""#,
            r#"a = "1", c = "4", d = "5""#,
        );
    let (w, out) = plan_change(v1, &v2);
    snap!(w, "render_collections", out);
}

#[test]
fn strings_holding_json_or_several_lines_are_diffed_inside() {
    let v1 = r#"
resource "terraform_data" "s" {
  input = {
    multi = "line one\nline two\nline three\n"
    json  = jsonencode({ a = 1, b = ["x", "y"], c = { d = true } })
  }
}
output "text" {
  value = "kept\n"
}
"#;
    let v2 = v1
        .replace(
            r#"line two\nline three\n"#,
            r#"line 2\nline three\nline four\n"#,
        )
        .replace(r#"a = 1, b = ["x", "y"]"#, r#"a = 2, b = ["x", "z", "y"]"#)
        .replace(r#""kept\n""#, r#""changed\nnow\n""#);
    let (w, out) = plan_change(v1, &v2);
    snap!(w, "render_strings", out);
}

#[test]
fn sensitive_values_are_hidden_unless_not_known_yet() {
    let w = Work::main_tf(
        r#"
variable "pw" {
  default   = "hunter2"
  sensitive = true
}
resource "terraform_data" "s" {
  input = var.pw
}
resource "terraform_data" "t" {
  input = terraform_data.s.output
}
output "o" {
  value     = terraform_data.s.output
  sensitive = true
}
"#,
    );
    snap!(w, "render_sensitive", w.run(&["plan"]).code(0));
}

#[test]
fn removed_instances_say_why() {
    let v1 = r#"
resource "null_resource" "c" {
  count    = 2
  triggers = { i = count.index }
}
resource "terraform_data" "e" {
  for_each = toset(["a", "b"])
  input    = each.key
}
"#;
    let v2 = v1
        .replace("count    = 2", "count    = 1")
        .replace(r#"["a", "b"]"#, r#"["a"]"#);
    let (w, out) = plan_change(v1, &v2);
    snap!(w, "render_removed_instances", out);
}
