//! Language features a user meets on the command line: the JSON configuration syntax,
//! import blocks with `for_each`, check blocks, and remote modules that `init` has not installed.

use crate::harness::Work;
use crate::snap;

#[test]
fn json_configuration_plans_applies_and_converges() {
    let w = Work::new();
    w.write(
        "main.tf.json",
        r#"{
  "//": "The JSON syntax, as tools that generate configuration write it.",
  "variable": {"names": {"type": "set(string)", "default": ["a", "b"]}},
  "locals": {"prefix": "pet"},
  "resource": {
    "terraform_data": {
      "pet": {
        "for_each": "${var.names}",
        "input": "${local.prefix}-${each.key}",
        "lifecycle": {"create_before_destroy": true}
      }
    },
    "null_resource": {"after": {"depends_on": ["terraform_data.pet"]}}
  },
  "module": {"shout": {"source": "./shout", "word": "${local.prefix}"}},
  "output": {"loud": {"value": "${module.shout.loud}"}}
}
"#,
    );
    w.write(
        "shout/main.tf.json",
        r#"{"variable": {"word": {"type": "string"}}, "output": {"loud": {"value": "${upper(var.word)}!"}}}"#,
    );
    snap!(w, "json_plan", w.run(&["plan"]).code(0));
    w.run(&["apply", "-auto-approve"]).code(0);
    w.run(&["plan", "-detailed-exitcode"]).code(0);
}

#[test]
fn json_errors_point_into_the_json_file() {
    let w = Work::new();
    w.write(
        "main.tf.json",
        "{\n  \"resource\": {\n    \"terraform_data\": {\n      \"a\": {\"inptu\": 1}\n    }\n  }\n}\n",
    );
    snap!(w, "json_unsupported_argument", w.run(&["validate"]).code(1));
    w.write(
        "main.tf.json",
        "{\n  \"locals\": {\n    \"a\": 1,\n  }\n}\n",
    );
    snap!(w, "json_syntax_error", w.run(&["validate"]).code(1));
}

#[test]
fn import_blocks_with_for_each() {
    let w = Work::main_tf(
        r#"
locals {
  existing = { blue = "id-blue", green = "id-green" }
}

resource "terraform_data" "env" {
  for_each = local.existing
}

import {
  for_each = local.existing
  to       = terraform_data.env[each.key]
  id       = each.value
}
"#,
    );
    snap!(w, "import_for_each_plan", w.run(&["plan"]).code(0));
    w.run(&["apply", "-auto-approve"]).code(0);
    w.run(&["plan", "-detailed-exitcode"]).code(0);
}

#[test]
fn failed_checks_are_warnings() {
    let w = Work::main_tf(
        r#"
variable "replicas" {
  default = 1
}

check "ha" {
  assert {
    condition     = var.replicas >= 2
    error_message = "Run at least two replicas (have ${var.replicas})."
  }
}
"#,
    );
    snap!(w, "check_warning_plan", w.run(&["plan"]).code(0));
}

#[test]
fn remote_modules_must_be_installed_by_init() {
    let w = Work::main_tf(
        r#"
module "consul" {
  source  = "hashicorp/consul/aws"
  version = "0.1.0"
}

module "vpc" {
  source = "git::https://example.com/vpc.git?ref=v1.2.0"
}
"#,
    );
    snap!(
        w,
        "remote_modules_not_installed",
        w.run(&["validate"]).code(1)
    );
}

#[test]
fn compact_warnings_print_one_line_each() {
    let w = Work::main_tf(
        r#"
check "always" {
  assert {
    condition     = false
    error_message = "This check always fails."
  }
}
"#,
    );
    snap!(
        w,
        "check_warning_compact",
        w.run(&["plan", "-compact-warnings"]).code(0)
    );
}

#[test]
fn required_version_is_checked() {
    let w = Work::main_tf("terraform {\n  required_version = \"< 0.12\"\n}\n");
    snap!(w, "required_version_refused", w.run(&["validate"]).code(1));
}

fn requiring_aws(version: &str) -> Work {
    Work::main_tf(&format!(
        "terraform {{\n  required_providers {{\n    aws = {{\n      source  = \"hashicorp/aws\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n"
    ))
}

#[test]
fn aws_provider_version_constraints_are_checked_against_the_compatible_release() {
    let w = requiring_aws(">= 6.0, < 7.0");
    w.run(&["validate"]).code(0);
    let w = requiring_aws("~> 5.0");
    snap!(
        w,
        "aws_provider_version_refused",
        w.run(&["validate"]).code(1)
    );
    snap!(
        w,
        "aws_provider_version_refused_by_init",
        w.run(&["init"]).code(1)
    );
}

#[test]
fn init_records_local_modules_like_terraform() {
    let w = Work::main_tf("module \"net\" {\n  source = \"./modules/net\"\n}\n");
    w.write(
        "modules/net/main.tf",
        "module \"subnets\" {\n  source = \"../subnets\"\n}\n",
    );
    w.write("modules/subnets/main.tf", "");
    w.run(&["init"]).code(0);
    let manifest: serde_json::Value =
        serde_json::from_str(&w.read(".terraform/modules/modules.json")).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "net", "Source": "./modules/net", "Dir": "modules/net"},
            {"Key": "net.subnets", "Source": "../subnets", "Dir": "modules/subnets"},
        ]})
    );
}

#[test]
fn ephemeral_values_never_reach_state_or_a_plan_file() {
    let w = Work::main_tf(
        r#"
variable "token" {
  type      = string
  ephemeral = true
}
locals {
  header = "Bearer ${var.token}"
  safe   = ephemeralasnull(var.token)
}
module "m" {
  source = "./m"
  token  = local.header
}
resource "terraform_data" "d" {
  input = local.safe == null ? "cleared" : "kept"
}
output "length" { value = terraform_data.d.output }
"#,
    );
    w.write(
        "m/main.tf",
        r#"
variable "token" {
  ephemeral = true
}
output "header" {
  value     = var.token
  ephemeral = true
}
"#,
    );
    let env = [("TF_VAR_token", "s3cr3t-ephemeral")];
    w.run_with(&["init"], &env, None).code(0);
    w.run_with(&["plan", "-out=p.tfplan"], &env, None).code(0);
    w.run_with(&["apply", "p.tfplan"], &env, None).code(0);
    for file in ["terraform.tfstate", "p.tfplan"] {
        let bytes = std::fs::read(w.path().join(file)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cr3t-ephemeral"),
            "{file} holds the ephemeral value"
        );
    }
    assert_eq!(w.state()["outputs"]["length"]["value"], "cleared");
}

#[test]
fn ephemeral_values_are_refused_where_they_would_be_persisted() {
    let w = Work::main_tf(
        r#"
variable "token" {
  type      = string
  ephemeral = true
  default   = "x"
}
locals {
  t = upper(var.token)
}
resource "terraform_data" "d" {
  input = local.t
}
module "m" {
  source = "./m"
  plain  = var.token
}
output "leak" { value = local.t }
output "root_ephemeral" {
  value     = "x"
  ephemeral = true
}
"#,
    );
    w.write("m/main.tf", "variable \"plain\" {}\n");
    w.run(&["init"]).code(0);
    snap!(w, "ephemeral_misuse", w.run(&["validate"]).code(1));
}

/// Numbers are Terraform's arbitrary-precision binary floats: decimals add exactly, big
/// integers keep every digit, a division prints Terraform's digits, and the state written
/// from them reads back with an empty plan (a set-typed output included).
#[test]
fn numbers_keep_terraforms_precision_through_state() {
    let w = Work::main_tf(
        r#"
output "sum" { value = 0.1 + 0.2 }
output "equal" { value = 0.1 + 0.2 == 0.3 }
output "big" { value = 9007199254740993 }
output "product" { value = 12345678901234567890 * 98765432109876543210 }
output "third" { value = 1/3 }
output "ratio" { value = length([1, 2]) / length([1, 2, 3]) }
output "rem" { value = 5.5 % 2 }
output "pow" { value = pow(2, 63) }
output "from_json" { value = jsondecode("[1e21, 0.30000000000000004]") }
output "text" { value = "${0.1 + 0.2} ${format("%d", 123456789012345678901234567890)}" }
output "set" { value = toset([1, 0.5]) }
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let out = w.run(&["output"]).code(0);
    // The snapshot filters long digit runs (resource ids); these are the digits themselves.
    for line in [
        "big = 9007199254740993",
        "pow = 9223372036854776000",
        "ratio = 0.6666666666666666667",
    ] {
        assert!(
            out.stdout.contains(line),
            "{line} missing from:\n{}",
            out.stdout
        );
    }
    snap!(w, "numbers_output", out);
    snap!(
        w,
        "numbers_output_json",
        w.run(&["output", "-json"]).code(0)
    );
    w.run(&["plan", "-detailed-exitcode"]).code(0);
}
