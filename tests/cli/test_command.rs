//! `terrane test`: `.tftest.hcl` run blocks, assertions, expected failures, mock
//! providers and overrides, the JUnit report, output and exit codes (compared with
//! Terraform 1.15.5 on the same directories).

use crate::harness::Work;
use crate::snap;

const MODULE: &str = r#"
variable "name" {
  type    = string
  default = "app"
  validation {
    condition     = length(var.name) > 2
    error_message = "The name must be longer than two characters."
  }
}

resource "terraform_data" "a" {
  input = var.name
}

output "greeting" {
  value = "hello ${terraform_data.a.output}"
}
"#;

#[test]
fn passing_and_failing_assertions_plan_and_apply_runs() {
    let w = Work::main_tf(MODULE);
    w.write(
        "tests/main.tftest.hcl",
        r#"
variables {
  name = "web"
}

run "applies" {
  assert {
    condition     = output.greeting == "hello web"
    error_message = "unexpected greeting"
  }
  assert {
    condition     = terraform_data.a.output == var.name
    error_message = "output does not follow input"
  }
}

run "plans_only" {
  command = plan
  variables {
    name = "api"
  }
  assert {
    condition     = terraform_data.a.input == "api"
    error_message = "the plan should use the run's variables"
  }
}

run "reads_an_earlier_run" {
  command = plan
  variables {
    name = "${run.applies.greeting}!"
  }
  assert {
    condition     = var.name == "hello web!"
    error_message = "run outputs are visible to later runs"
  }
}

run "fails" {
  assert {
    condition     = output.greeting == "hello db"
    error_message = "greeting was ${output.greeting}"
  }
}
"#,
    );
    let out = w.run(&["test"]).code(1);
    snap!(w, "test_pass_and_fail", out);
    // Tests keep their state in memory: nothing is written to the working directory.
    assert!(!w.exists("terraform.tfstate"));
}

#[test]
fn expected_failures_of_variable_validations() {
    let w = Work::main_tf(MODULE);
    w.write(
        "validation.tftest.hcl",
        r#"
run "rejects_short_names" {
  command = plan
  variables {
    name = "ab"
  }
  expect_failures = [var.name]
}

run "expects_a_failure_that_does_not_happen" {
  command = plan
  expect_failures = [var.name]
}

run "skipped_after_an_error" {
  command = plan
}
"#,
    );
    let out = w.run(&["test"]).code(1);
    snap!(w, "test_expect_failures", out);
    // -filter picks files; an unmatched filter runs nothing and succeeds.
    let none = w.run(&["test", "-filter=other.tftest.hcl"]).code(0);
    assert_eq!(none.stdout, "\nSuccess! 0 passed, 0 failed.\n", "{none}");
}

/// An AWS configuration tested with no AWS at all: the mock provider answers from the
/// provider's schema, `defaults` and overrides choose values, the rest are generated.
#[test]
fn mock_provider_runs_an_aws_configuration_without_aws() {
    let w = Work::main_tf(
        r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = data.aws_availability_zones.available.names[0]
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}

output "vpc_arn" {
  value = aws_vpc.main.arn
}

output "account" {
  value = data.aws_caller_identity.current.account_id
}
"#,
    );
    w.write(
        "tests/network.tftest.hcl",
        r#"
mock_provider "aws" {
  mock_resource "aws_vpc" {
    defaults = {
      id  = "vpc-12345678"
      arn = "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-12345678"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
}

override_data {
  target = data.aws_availability_zones.available
  values = {
    names = ["eu-west-1a", "eu-west-1b"]
  }
}

override_resource {
  target = aws_subnet.b
  values = {
    id = "subnet-override"
  }
}

run "plan_leaves_computed_values_unknown" {
  command = plan
  assert {
    condition     = aws_vpc.main.cidr_block == "10.0.0.0/16"
    error_message = "configured values are planned"
  }
}

run "apply_fills_them" {
  assert {
    condition     = aws_vpc.main.id == "vpc-12345678"
    error_message = "mock_resource defaults are used"
  }
  assert {
    condition     = aws_subnet.a.vpc_id == "vpc-12345678"
    error_message = "references see the mocked values"
  }
  assert {
    condition     = can(regex("^[a-z0-9]{8}$", aws_subnet.a.id))
    error_message = "unset computed strings get 8 random characters"
  }
  assert {
    condition     = aws_subnet.b.id == "subnet-override"
    error_message = "override_resource values win"
  }
  assert {
    condition     = startswith(output.vpc_arn, "arn:aws:ec2:eu-west-1")
    error_message = "outputs see mocked values"
  }
  assert {
    condition     = output.account == "123456789012"
    error_message = "mock_data defaults fill data sources"
  }
  assert {
    condition     = aws_subnet.a.availability_zone == "eu-west-1a"
    error_message = "override_data values win"
  }
  assert {
    condition     = length(data.aws_caller_identity.current.arn) == 8
    error_message = "unset computed data source attributes are generated"
  }
}
"#,
    );
    // Any call to AWS would fail: no credentials and an endpoint nothing listens on.
    let out = w
        .run_with(
            &["test"],
            &[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
                ("AWS_ACCESS_KEY_ID", ""),
            ],
            None,
        )
        .code(0);
    snap!(w, "test_mock_provider", out);
}

/// Everything a file created is destroyed when the file ends (a destroy-time
/// provisioner leaves a mark), and a run with an unexpected error stops the file.
#[test]
fn teardown_destroys_what_the_file_created() {
    let w = Work::main_tf(
        r#"
resource "null_resource" "n" {
  provisioner "local-exec" {
    when    = destroy
    command = "echo destroyed >> destroyed.txt"
  }
}
"#,
    );
    w.write("main.tftest.hcl", "run \"creates\" {}\n");
    let out = w.run(&["test"]).code(0);
    snap!(w, "test_teardown", out);
    assert_eq!(w.read("destroyed.txt"), "destroyed\n");
}

#[test]
fn junit_xml_report() {
    let w = Work::main_tf(MODULE);
    w.write(
        "tests/a.tftest.hcl",
        r#"
run "passes" {
  command = plan
}

run "fails" {
  command = plan
  assert {
    condition     = terraform_data.a.input == "other"
    error_message = "wrong input"
  }
  assert {
    condition     = output.greeting != ""
    error_message = "no greeting"
  }
}

run "errors" {
  command = plan
  expect_failures = [var.name]
}

run "skipped" {
  command = plan
}
"#,
    );
    w.write("tests/b.tftest.hcl", "run \"ok\" {\n  command = plan\n}\n");
    w.run(&["test", "-junit-xml=report.xml"]).code(1);
    let xml = w.read("report.xml");
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(r#"time="[0-9.e-]+""#, "time=\"[TIME]\"");
    settings.add_filter(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z", "[TIMESTAMP]");
    settings.bind(|| insta::assert_snapshot!("test_junit_xml", xml));
}

/// `override_resource` on a provider that is not mocked: only the target is mocked, the
/// rest is real, and the state keeps the override's values for later runs.
#[test]
fn override_resource_on_a_real_provider() {
    let w = Work::main_tf(
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.id\n}\n",
    );
    w.write(
        "override.tftest.hcl",
        r#"
run "overridden" {
  override_resource {
    target = terraform_data.a
    values = {
      id = "fixed"
    }
  }
  assert {
    condition     = terraform_data.b.input == "fixed"
    error_message = "b sees ${terraform_data.b.input}"
  }
  assert {
    condition     = terraform_data.a.output == null
    error_message = "a dynamic computed attribute is left null"
  }
  assert {
    condition     = terraform_data.b.output == "fixed"
    error_message = "b is applied by the real provider"
  }
}

run "later" {
  command = plan
  assert {
    condition     = terraform_data.a.id == "fixed"
    error_message = "state keeps ${terraform_data.a.id}"
  }
}
"#,
    );
    let out = w.run(&["test"]).code(0);
    assert!(
        out.stdout.ends_with("\nSuccess! 2 passed, 0 failed.\n"),
        "{out}"
    );
}

/// Test files are configuration: a mistake in one stops the command before any run.
#[test]
fn an_invalid_test_file_stops_every_run() {
    let w = Work::main_tf("resource \"terraform_data\" \"a\" {}\n");
    w.write("a.tftest.hcl", "run \"x\" {\n  comand = plan\n}\n");
    w.write("b.tftest.hcl", "run \"y\" {\n  command = plan\n}\n");
    let out = w.run(&["test"]).code(1);
    snap!(w, "test_invalid_file", out);
}

/// An expected failure in an apply run stops it before the apply: the run fails, with
/// Terraform's warning and the failure itself.
#[test]
fn an_expected_failure_prevents_an_apply_run() {
    let w = Work::main_tf(MODULE);
    w.write(
        "apply.tftest.hcl",
        "run \"bad\" {\n  variables {\n    name = \"ab\"\n  }\n  expect_failures = [var.name]\n}\n",
    );
    let out = w.run(&["test"]).code(1);
    assert!(out.stdout.contains("  run \"bad\"... fail\n"), "{out}");
    assert!(
        out.stdout
            .contains("Warning: Expected failure while planning"),
        "{out}"
    );
    assert!(
        out.stderr.contains("Error: Invalid value for variable"),
        "{out}"
    );
    assert!(
        out.stdout.ends_with("\nFailure! 0 passed, 1 failed.\n"),
        "{out}"
    );
}

/// `-parallelism` limits the operations of each run (a value below one means the default
/// of ten, as in Terraform) and `-run-parallelism` is accepted; a value that is not a
/// number is a flag error with exit code 1.
#[test]
fn parallelism_flags() {
    let w = Work::main_tf(MODULE);
    w.write(
        "tests/main.tftest.hcl",
        "run \"applies\" {\n  assert {\n    condition     = output.greeting == \"hello app\"\n    error_message = \"unexpected greeting\"\n  }\n}\n",
    );
    for flags in [
        &["-parallelism=1"][..],
        &["-parallelism=0"],
        &["-parallelism=-3", "-run-parallelism=2"],
    ] {
        let out = w.run(&[&["test"], flags].concat()).code(0);
        assert!(
            out.stdout.contains("Success! 1 passed, 0 failed."),
            "{flags:?}: {out}"
        );
    }
    let out = w.run(&["test", "-parallelism=abc"]).code(1);
    snap!(w, "test_parallelism_not_a_number", out);
}

/// `test -json -verbose`: after each run's result, its plan (`test_plan`) or the state it
/// left (`test_state`) in the form Terraform's renderer reads, with the schemas of the
/// providers involved, as Terraform 1.15 streams them.
#[test]
fn json_verbose_streams_each_runs_plan_or_state() {
    let w = Work::main_tf(MODULE);
    w.write(
        "main.tftest.hcl",
        "run \"plans\" {\n  command = plan\n}\n\nrun \"applies\" {}\n",
    );
    let out = w.run(&["test", "-json", "-verbose"]).code(0);
    let messages: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let types: Vec<&str> = messages.iter().filter_map(|m| m["type"].as_str()).collect();
    assert_eq!(
        types,
        [
            "version",
            "test_abstract",
            "test_file",
            "test_run",
            "test_run",
            "test_plan",
            "test_run",
            "test_run",
            "test_state",
            "test_file",
            "test_run",
            "test_file",
            "test_summary"
        ]
    );
    let find = |kind: &str| messages.iter().find(|m| m["type"] == kind).unwrap();
    let plan = find("test_plan");
    assert_eq!(plan["@message"], "-verbose flag enabled, printing plan");
    assert_eq!(plan["@testrun"], "plans");
    assert_eq!(plan["@testfile"], "main.tftest.hcl");
    let body = &plan["test_plan"];
    assert_eq!(body["plan_format_version"], "1.2");
    assert_eq!(body["provider_format_version"], "1.0");
    assert_eq!(body["resource_changes"][0]["address"], "terraform_data.a");
    assert_eq!(
        body["resource_changes"][0]["change"]["actions"],
        serde_json::json!(["create"])
    );
    assert_eq!(
        body["output_changes"]["greeting"]["actions"],
        serde_json::json!(["create"])
    );
    let builtin = "terraform.io/builtin/terraform";
    assert!(
        body["provider_schemas"][builtin]["resource_schemas"]["terraform_data"].is_object(),
        "{body:#}"
    );
    let state = find("test_state");
    assert_eq!(state["@message"], "-verbose flag enabled, printing state");
    assert_eq!(state["@testrun"], "applies");
    let body = &state["test_state"];
    assert_eq!(body["state_format_version"], "1.0");
    assert_eq!(body["outputs"]["greeting"]["value"], "hello app");
    let resource = &body["root_module"]["resources"][0];
    assert_eq!(resource["address"], "terraform_data.a");
    assert_eq!(resource["values"]["output"], "app");
    assert!(body["provider_schemas"][builtin].is_object(), "{body:#}");
}

/// A file whose runs are parallel (`test { parallel = true }`) on different states (two
/// modules and a `state_key`) passes, with a later sequential run reading the parallel
/// runs' outputs; runs are reported in file order, each state torn down. Terraform
/// 1.15.5 passes the same file (it reports parallel runs as they finish).
#[test]
fn parallel_runs_on_different_states_pass_and_report_in_order() {
    let module = r#"
variable "name" {
  type    = string
  default = "root"
}

resource "terraform_data" "a" {
  input = var.name
}

output "name" {
  value = terraform_data.a.output
}
"#;
    let w = Work::main_tf(module);
    w.write("one/main.tf", module);
    w.write("two/main.tf", module);
    w.write(
        "tests/parallel.tftest.hcl",
        r#"
test {
  parallel = true
}

run "one" {
  module {
    source = "./one"
  }
  variables {
    name = "first"
  }
}

run "two" {
  module {
    source = "./two"
  }
  variables {
    name = "second"
  }
}

run "keyed" {
  state_key = "own"
  variables {
    name = "third"
  }
  assert {
    condition     = output.name == "third"
    error_message = "wrong name"
  }
}

run "joins" {
  parallel = false
  variables {
    name = "${run.one.name}-${run.two.name}"
  }
  assert {
    condition     = output.name == "first-second"
    error_message = "got ${output.name}"
  }
}
"#,
    );
    let out = w.run(&["test", "-no-color"]).code(0);
    snap!(w, "test_parallel_runs", out);
    let json = w.run(&["test", "-json"]).code(0);
    let runs: Vec<(String, String)> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|m| m["type"] == "test_run")
        .map(|m| {
            (
                m["@testrun"].as_str().unwrap_or_default().to_string(),
                m["test_run"]["progress"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .filter(|(_, p)| p != "teardown")
        .collect();
    let want: Vec<(String, String)> = ["one", "two", "keyed", "joins"]
        .iter()
        .flat_map(|r| {
            [
                (r.to_string(), "starting".to_string()),
                (r.to_string(), "complete".to_string()),
            ]
        })
        .collect();
    assert_eq!(runs, want, "{}", json.stdout);
}

/// `test -json -verbose`: a plan's `relevant_attributes` are the resource attributes its
/// changing resources and outputs read, followed through locals and other resources and
/// cut where the schema stops (`terraform_data.output` is dynamic), between the changes
/// and the schemas, as Terraform 1.15.5 writes them for the same directory.
#[test]
fn json_verbose_plan_lists_the_relevant_attributes() {
    let w = Work::main_tf(
        r#"
variable "v" {
  default = "x"
}

locals {
  upper = upper(var.v)
}

resource "null_resource" "n" {
  triggers = {
    v = var.v
  }
}

resource "terraform_data" "d" {
  input = [null_resource.n.triggers.v, local.upper]
}

resource "terraform_data" "list" {
  input = terraform_data.d.output[0]
}

output "o" {
  value = terraform_data.d.output
}
"#,
    );
    w.write("main.tftest.hcl", "run \"plans\" {\n  command = plan\n}\n");
    let out = w.run(&["test", "-json", "-verbose"]).code(0);
    let plan = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .find(|m| m["type"] == "test_plan")
        .expect("a test_plan message");
    let body = plan["test_plan"].as_object().expect("an object");
    let keys: Vec<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "plan_format_version",
            "output_changes",
            "resource_changes",
            "relevant_attributes",
            "provider_format_version",
            "provider_schemas"
        ]
    );
    let mut relevant: Vec<String> = body["relevant_attributes"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| format!("{} {}", a["resource"], a["attribute"]))
        .collect();
    relevant.sort();
    assert_eq!(
        relevant,
        [
            r#""null_resource.n" ["triggers","v"]"#,
            r#""terraform_data.d" ["output"]"#
        ]
    );
}
