//! Bad input: each error names the file, line and column and points at the problem.

use crate::harness::Work;
use crate::snap;

/// Runs `terrane <command>` on `main.tf` = `tf`, expects exit 1 and snapshots the output.
#[track_caller]
fn fails(name: &str, command: &str, tf: &str) -> Work {
    let w = Work::main_tf(tf);
    let out = w.run(&[command]).code(1);
    assert!(out.stdout.is_empty() || command != "validate", "{out}");
    snap!(w, name, out);
    assert!(!w.exists("terraform.tfstate"));
    w
}

#[test]
fn syntax_error() {
    fails(
        "error_syntax",
        "validate",
        r#"
resource "null_resource" "a" {
  triggers = {
    x = "1"
}
"#,
    );
    fails(
        "error_syntax_expression",
        "plan",
        "locals {\n  x = 1 +\n}\n",
    );
}

#[test]
fn template_and_string_syntax_errors_use_terraform_summaries() {
    // Each names the mistake as Terraform 1.15.5 does, at the same place.
    let cases = [
        (
            "error_template_missing_endif",
            "locals {\n  a = \"%{ if true }x\"\n}\n",
        ),
        (
            "error_template_stray_endif",
            "locals {\n  a = \"%{ endif }\"\n}\n",
        ),
        (
            "error_template_wrong_end",
            "locals {\n  a = \"%{ if true }%{ endfor }\"\n}\n",
        ),
        ("error_multi_line_string", "locals {\n  a = \"abc\n}\n"),
        (
            "error_unterminated_heredoc",
            "locals {\n  a = <<EOT\nx\n}\n",
        ),
        ("error_missing_item_separator", "locals {\n  a = [1, 2\n}\n"),
        (
            "error_missing_attribute_separator",
            "locals {\n  a = {a = 1 b = 2}\n}\n",
        ),
        (
            "error_function_arity",
            "locals {\n  a = upper()\n  b = upper(\"a\", \"b\")\n}\n",
        ),
        (
            "error_self_referencing_local",
            "locals {\n  b = local.b\n}\n",
        ),
    ];
    for (name, tf) in cases {
        fails(name, "validate", tf);
    }
}

#[test]
fn unknown_block_type() {
    fails(
        "error_unknown_block",
        "validate",
        "resorce \"null_resource\" \"a\" {}\n",
    );
}

#[test]
fn unknown_resource_type() {
    fails(
        "error_unknown_resource_type",
        "validate",
        "resource \"null_resorce\" \"a\" {}\n",
    );
}

#[test]
fn unsupported_argument() {
    fails(
        "error_unsupported_argument",
        "validate",
        "resource \"terraform_data\" \"a\" {\n  inptu = 1\n}\n",
    );
}

#[test]
fn missing_required_argument() {
    fails("error_missing_argument", "validate", "output \"o\" {\n}\n");
}

#[test]
fn wrong_type() {
    fails(
        "error_wrong_type",
        "validate",
        "resource \"null_resource\" \"a\" {\n  triggers = [\"x\"]\n}\n",
    );
    fails(
        "error_wrong_type_count",
        "plan",
        "resource \"null_resource\" \"a\" {\n  count = \"many\"\n}\n",
    );
    fails(
        "error_wrong_type_variable_default",
        "validate",
        "variable \"n\" {\n  type    = number\n  default = \"five\"\n}\n",
    );
}

#[test]
fn undeclared_references() {
    fails(
        "error_undeclared_variable",
        "validate",
        "resource \"terraform_data\" \"a\" {\n  input = var.nope\n}\n",
    );
    fails(
        "error_undeclared_resource",
        "validate",
        r#"
resource "null_resource" "a" {}

resource "terraform_data" "b" {
  input = null_resource.aa.id
}
"#,
    );
}

#[test]
fn dependency_cycle() {
    let w = fails(
        "error_cycle",
        "validate",
        r#"
resource "terraform_data" "a" {
  input = terraform_data.c.output
}

resource "terraform_data" "b" {
  input = terraform_data.a.output
}

resource "terraform_data" "c" {
  input = terraform_data.b.output
}
"#,
    );
    let out = w.run(&["plan"]).code(1);
    for edge in ["terraform_data.a", "terraform_data.b", "terraform_data.c"] {
        assert!(out.stderr.contains(edge), "{out}");
    }
}

#[test]
fn count_and_for_each_both_set() {
    fails(
        "error_count_and_for_each",
        "validate",
        r#"
resource "null_resource" "a" {
  count    = 2
  for_each = toset(["x"])
}
"#,
    );
}

#[test]
fn invalid_for_each() {
    fails(
        "error_for_each_tuple",
        "plan",
        "resource \"null_resource\" \"a\" {\n  for_each = [\"x\", \"y\"]\n}\n",
    );
    fails(
        "error_for_each_number",
        "plan",
        "resource \"null_resource\" \"a\" {\n  for_each = 3\n}\n",
    );
}

#[test]
fn missing_required_variable() {
    fails(
        "error_missing_variable",
        "plan",
        r#"
variable "region" {
  type = string
}

resource "terraform_data" "a" {
  input = var.region
}
"#,
    );
}

#[test]
fn failing_variable_validation() {
    let w = Work::main_tf(
        r#"
variable "size" {
  type    = number
  default = 3

  validation {
    condition     = var.size > 0 && var.size < 10
    error_message = "The size must be between 1 and 9."
  }
}
"#,
    );
    w.run(&["plan"]).code(0);
    snap!(
        w,
        "error_variable_validation",
        w.run(&["plan", "-var", "size=12"]).code(1)
    );
}

#[test]
fn prevent_destroy_refuses() {
    let w = Work::main_tf(
        r#"
variable "v" {
  default = "a"
}

resource "null_resource" "keep" {
  triggers = {
    v = var.v
  }

  lifecycle {
    prevent_destroy = true
  }
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let id = w.id("null_resource.keep");
    let before = w.read("terraform.tfstate");
    snap!(
        w,
        "error_prevent_destroy_replace",
        w.run(&["plan", "-var", "v=b"]).code(1)
    );
    snap!(
        w,
        "error_prevent_destroy_destroy",
        w.run(&["destroy", "-auto-approve"]).code(1)
    );
    assert_eq!(w.read("terraform.tfstate"), before);
    assert_eq!(w.id("null_resource.keep"), id);
}

#[test]
fn corrupt_state_is_refused_and_left_alone() {
    let w = Work::main_tf("resource \"null_resource\" \"a\" {}\n");
    let corrupt = "{\n  \"version\": 4,\n  \"serial\": 3,\n  \"resources\": [\n";
    w.write("terraform.tfstate", corrupt);
    snap!(w, "error_corrupt_state_plan", w.run(&["plan"]).code(1));
    snap!(
        w,
        "error_corrupt_state_apply",
        w.run(&["apply", "-auto-approve"]).code(1)
    );
    w.run(&["state", "list"]).code(1);
    w.run(&["output"]).code(1);
    assert_eq!(w.read("terraform.tfstate"), corrupt);
    assert!(!w.exists("terraform.tfstate.backup"));
    assert!(!w.exists(".terraform.tfstate.lock.info"));
}

#[test]
fn newer_state_version_is_refused() {
    let w = Work::main_tf("resource \"null_resource\" \"a\" {}\n");
    let v5 = r#"{
  "version": 5,
  "terraform_version": "2.0.0",
  "serial": 1,
  "lineage": "0b5a0f4e-6c8e-4d5b-9d6a-3f2b1c0d9e8f",
  "outputs": {},
  "resources": [],
  "check_results": null
}
"#;
    w.write("terraform.tfstate", v5);
    snap!(
        w,
        "error_state_version_5",
        w.run(&["apply", "-auto-approve"]).code(1)
    );
    assert_eq!(w.read("terraform.tfstate"), v5);
}

#[test]
fn several_errors_at_once() {
    fails(
        "error_several",
        "validate",
        r#"
resource "terraform_data" "a" {
  inptu = 1
}

resource "null_resource" "b" {
  triggers = {
    x = var.missing
  }
}

output "o" {
  value = null_resource.nope.id
}
"#,
    );
    let w = Work::new();
    w.write("a.tf", "resorce \"null_resource\" \"a\" {}\n");
    w.write(
        "b.tf",
        "resource \"null_resource\" \"b\" {\n  count = \n}\n",
    );
    snap!(w, "error_several_files", w.run(&["validate"]).code(1));
}

#[test]
fn sensitive_output_must_be_marked() {
    fails(
        "error_sensitive_output",
        "plan",
        r#"
variable "password" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

output "password" {
  value = var.password
}
"#,
    );
}

#[test]
fn validate_json_reports_ranges() {
    let w = Work::main_tf("resource \"terraform_data\" \"a\" {\n  inptu = 1\n}\n");
    let out = w.run(&["validate", "-json"]).code(1);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["error_count"], 1);
    let range = &json["diagnostics"][0]["range"];
    assert_eq!(range["filename"], "main.tf");
    assert_eq!(range["start"]["line"], 2);
    assert_eq!(range["start"]["column"], 3);
}

#[test]
fn no_configuration_files() {
    let w = Work::new();
    snap!(w, "error_no_configuration", w.run(&["plan"]).code(1));
    // As Terraform: an empty directory is a valid, empty configuration; only the
    // operations that would destroy everything because of it refuse.
    snap!(
        w,
        "error_no_configuration_apply",
        w.run(&["apply", "-auto-approve"]).code(1)
    );
    assert!(w.run(&["validate"]).code(0).stdout.contains("Success!"));
    w.run(&["plan", "-destroy"]).code(0);
    let console = w.run_with(&["console"], &[], Some("upper(\"straße\")\n"));
    assert_eq!(console.code(0).stdout, "\"STRAßE\"\n");
}

#[test]
fn strings_print_as_terraform_quotes_them() {
    let w = Work::new();
    // Go's %q: named escapes, \u00a0 for a non-printing space, combining marks as is.
    let out = w.run_with(
        &["console"],
        &[],
        Some("\"a\\u00a0b\\u0007c\\\\d\\ttab é i\\u0307\"\n"),
    );
    assert_eq!(
        out.code(0).stdout,
        "\"a\\u00a0b\\ac\\\\d\\ttab é i\u{307}\"\n"
    );
}

/// As Terraform 1.15.5 prints them: the failed call's parameters and the value each
/// reference in the failing expression had, under the source line.
#[test]
fn evaluation_errors_show_the_call_and_the_values_seen() {
    let w = Work::main_tf(
        r#"
variable "env" {
  default = "staging"
}
resource "terraform_data" "x" {
  input = var.env == "prod" ? 1 : tonumber(var.env)
}
resource "terraform_data" "y" {
  input = var.env * 2
}
"#,
    );
    snap!(w, "error_values_seen", w.run(&["plan"]).code(1));
}
