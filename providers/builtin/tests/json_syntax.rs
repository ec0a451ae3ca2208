//! The JSON configuration syntax (`.tf.json`): a JSON configuration plans exactly like the
//! native one it transcribes, and the state one of them applies is converged for the other.

mod common;

use std::path::Path;

use common::{put, Quiet};
use terrane_engine::plan::Plan;
use terrane_engine::run::{self, Context};
use terrane_engine::state::State;

const NATIVE: &str = r#"
variable "names" {
  type    = list(string)
  default = ["a", "b"]
}
variable "n" {
  type    = number
  default = 2
  validation {
    condition     = var.n > 0
    error_message = "positive"
  }
}
locals {
  prefix = "p-${var.n}"
}
resource "null_resource" "c" {
  count    = var.n
  triggers = { i = "${local.prefix}-${count.index}" }
}
resource "terraform_data" "e" {
  for_each   = toset(var.names)
  input      = { name = each.key, up = upper(each.value), n = var.n }
  depends_on = [null_resource.c]
  lifecycle {
    ignore_changes        = [triggers_replace]
    create_before_destroy = true
  }
}
resource "terraform_data" "adopted" {
  input = "x"
}
import {
  to = terraform_data.adopted
  id = "existing-${var.n}"
}
module "m" {
  source = "./m"
  v      = local.prefix
}
check "c" {
  assert {
    condition     = length(var.names) == 2
    error_message = "two names"
  }
}
output "o" {
  value       = module.m.out
  description = "d"
}
output "keys" {
  value = [for k, v in terraform_data.e : k]
}
"#;

const JSON: &str = r#"{
  "//": "The same configuration as NATIVE, in the JSON syntax.",
  "variable": {
    "names": {"type": "list(string)", "default": ["a", "b"]},
    "n": {
      "type": "number",
      "default": 2,
      "validation": {"condition": "${var.n > 0}", "error_message": "positive"}
    }
  },
  "locals": {"prefix": "p-${var.n}"},
  "resource": {
    "null_resource": {
      "c": {"count": "${var.n}", "triggers": {"i": "${local.prefix}-${count.index}"}}
    },
    "terraform_data": {
      "e": {
        "for_each": "${toset(var.names)}",
        "input": {"name": "${each.key}", "up": "${upper(each.value)}", "n": "${var.n}"},
        "depends_on": ["null_resource.c"],
        "lifecycle": {"ignore_changes": ["triggers_replace"], "create_before_destroy": true}
      },
      "adopted": {"input": "x"}
    }
  },
  "import": [{"to": "terraform_data.adopted", "id": "existing-${var.n}"}],
  "module": {"m": {"source": "./m", "v": "${local.prefix}"}},
  "check": {"c": {"assert": {"condition": "${length(var.names) == 2}", "error_message": "two names"}}},
  "output": {
    "o": {"value": "${module.m.out}", "description": "d"},
    "keys": {"value": "${[for k, v in terraform_data.e : k]}"}
  }
}"#;

const MODULE_NATIVE: &str = r#"
variable "v" {
  type = string
}
resource "terraform_data" "x" {
  input = var.v
}
output "out" {
  value = "${var.v}!"
}
"#;

const MODULE_JSON: &str = r#"{
  "variable": {"v": {"type": "string"}},
  "resource": {"terraform_data": {"x": {"input": "${var.v}"}}},
  "output": {"out": {"value": "${var.v}!"}}
}"#;

fn load(dir: &Path) -> Context {
    common::context_with(dir, Vec::new())
}

async fn plan(ctx: &Context, state: &State) -> Plan {
    let (plan, d) = run::plan(ctx, state).await;
    plan.unwrap_or_else(|| panic!("{d:?}"))
}

#[tokio::test]
async fn json_configuration_plans_like_the_native_one() {
    let native = tempfile::tempdir().unwrap();
    put(native.path(), "main.tf", NATIVE);
    put(native.path(), "m/main.tf", MODULE_NATIVE);
    let json = tempfile::tempdir().unwrap();
    put(json.path(), "main.tf.json", JSON);
    put(json.path(), "m/main.tf.json", MODULE_JSON);

    let (n, j) = (load(native.path()), load(json.path()));
    let (pn, pj) = (plan(&n, &State::new()).await, plan(&j, &State::new()).await);
    assert_eq!(pn.changes, pj.changes);
    assert_eq!(pn.outputs, pj.outputs);
    assert_eq!(pn.changes.len(), 6, "{:?}", pn.changes);
    assert!(pj
        .changes
        .iter()
        .any(|c| c.importing.as_deref() == Some("existing-2")));

    // What the JSON configuration applies, the native one sees as converged.
    let plan_j = plan(&j, &State::new()).await;
    let (state, d) = run::apply(&j, &plan_j, &Quiet).await;
    assert!(!d.has_errors(), "{d:?}");
    assert!(!plan(&n, &state).await.has_changes());
    assert!(!plan(&j, &state).await.has_changes());
}

#[tokio::test]
async fn json_and_native_files_load_into_one_module() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = local.from_json\n}\n",
    );
    put(
        dir.path(),
        "extra.tf.json",
        r#"{"locals": {"from_json": "j"}, "output": {"a": {"value": "${terraform_data.a.input}"}}}"#,
    );
    put(dir.path(), "terraform.tfvars.json", "{}");
    let ctx = load(dir.path());
    let p = plan(&ctx, &State::new()).await;
    assert_eq!(
        p.outputs["a"].after,
        Some(terrane_engine::lang::Value::string("j"))
    );
}

#[tokio::test]
async fn json_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "main.tf.json",
        "{\n  \"resource\": {\n    \"terraform_data\": {\n      \"a\": {\"input\": \"${nope(1)}\"}\n    }\n  },\n  \"varible\": {}\n}\n",
    );
    let (_, d) = terrane_engine::config::load_dir(dir.path());
    let e = d.iter().next().expect("an error");
    assert_eq!(e.summary, "Unsupported block type");
    assert_eq!(e.help.as_deref(), Some("did you mean \"variable\"?"));
    assert!(
        e.span
            .as_ref()
            .unwrap()
            .to_string()
            .ends_with("/main.tf.json:7:4"),
        "{e:?}"
    );

    put(dir.path(), "main.tf.json", "{\"locals\": {\"a\": 1,}}");
    let (_, d) = terrane_engine::config::load_dir(dir.path());
    let e = d.iter().next().expect("an error");
    assert_eq!(e.summary, "Invalid JSON syntax");
    assert!(
        e.span
            .as_ref()
            .unwrap()
            .to_string()
            .ends_with("/main.tf.json:1:20"),
        "{e:?}"
    );
}
