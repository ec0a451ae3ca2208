//! Command-line flags: exit codes, saved plans, variables and their precedence, locking,
//! targeting, -chdir and interactive approval.

use crate::harness::Work;
use crate::snap;

const AB: &str = r#"
variable "v" {
  default = "one"
}

resource "terraform_data" "a" {
  input = var.v
}

resource "null_resource" "b" {
  triggers = {
    a = terraform_data.a.output
  }
}

resource "null_resource" "c" {}
"#;

#[test]
fn detailed_exitcode() {
    let w = Work::main_tf(AB);
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 2);
    assert_eq!(
        w.run(&["plan"]).code,
        0,
        "without the flag, changes are exit 0"
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0);
    assert_eq!(
        w.run(&["plan", "-detailed-exitcode", "-var", "v=two"]).code,
        2
    );
    snap!(
        w,
        "detailed_exitcode_error",
        w.run(&["plan", "-detailed-exitcode", "-var", "nope=1"])
            .code(1)
    );
}

#[test]
fn saved_plan_is_applied_exactly() {
    let w = Work::main_tf(AB);
    let plan = w.run(&["plan", "-out=tfplan"]).code(0);
    assert!(plan.stdout.contains("Saved the plan to: tfplan"), "{plan}");
    assert!(!w.exists("terraform.tfstate"));
    snap!(w, "saved_plan_show", w.run(&["show", "tfplan"]).code(0));
    let out = w.run(&["apply", "tfplan"]).code(0).sorted();
    snap!(w, "saved_plan_apply", out);
    assert_eq!(w.state_ids().len(), 3);
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0);
    // The same plan cannot be applied twice.
    let before = w.read("terraform.tfstate");
    w.run(&["apply", "tfplan"]).code(1);
    assert_eq!(w.read("terraform.tfstate"), before);
}

#[test]
fn saved_plan_is_refused_after_the_state_moved() {
    let w = Work::main_tf(AB);
    w.run(&["apply", "-auto-approve"]).code(0);
    w.run(&["plan", "-var", "v=two", "-out=tfplan"]).code(0);
    // Another run changes the state in between.
    w.run(&["apply", "-auto-approve", "-replace=null_resource.c"])
        .code(0);
    let before = w.read("terraform.tfstate");
    snap!(w, "saved_plan_stale", w.run(&["apply", "tfplan"]).code(1));
    assert_eq!(w.read("terraform.tfstate"), before, "nothing may change");
    assert!(!w.exists(".terraform.tfstate.lock.info"));
    snap!(
        w,
        "saved_plan_with_var",
        w.run(&["apply", "-var", "v=three", "tfplan"]).code(1)
    );
}

#[test]
fn saved_plan_is_refused_after_the_configuration_changed() {
    let w = Work::main_tf(AB);
    w.run(&["plan", "-out=tfplan"]).code(0);
    w.write("extra.tf", "resource \"null_resource\" \"d\" {}\n");
    snap!(
        w,
        "saved_plan_config_changed",
        w.run(&["apply", "tfplan"]).code(1)
    );
    assert!(!w.exists("terraform.tfstate"));
}

#[test]
fn variable_precedence() {
    let w = Work::fixture("precedence");
    w.run_with(
        &[
            "apply",
            "-auto-approve",
            "-var-file=extra.tfvars",
            "-var",
            "g=-var",
        ],
        &[("TF_VAR_b", "TF_VAR_b"), ("TF_VAR_c", "TF_VAR_c")],
        None,
    )
    .code(0);
    snap!(
        w,
        "variable_precedence",
        w.run(&["output", "-json", "values"]).code(0)
    );
}

#[test]
fn typed_variables_from_every_source() {
    let w = Work::main_tf(
        r#"
variable "n" {
  type = number
}

variable "l" {
  type = list(string)
}

variable "m" {
  type = map(number)
}

output "all" {
  value = [var.n, var.l, var.m]
}
"#,
    );
    w.write("vars.tfvars", "l = [\"x\", \"y\"]\n");
    w.run_with(
        &[
            "apply",
            "-auto-approve",
            "-var-file",
            "vars.tfvars",
            "-var",
            "n=5",
        ],
        &[("TF_VAR_m", "{ a = 1, b = 2 }")],
        None,
    )
    .code(0);
    assert_eq!(
        w.run(&["output", "-json", "all"]).code(0).stdout,
        "[5,[\"x\",\"y\"],{\"a\":1,\"b\":2}]\n"
    );
    snap!(
        w,
        "variable_wrong_type_on_command_line",
        w.run_with(
            &["plan", "-var", "n=five", "-var-file=vars.tfvars"],
            &[("TF_VAR_m", "{ a = 1, b = 2 }")],
            None
        )
        .code(1)
    );
}

#[test]
fn refresh_false_input_false_lock_false_parallelism() {
    let w = Work::main_tf(AB);
    w.run(&["apply", "-auto-approve", "-input=false"]).code(0);
    for flags in [
        &["plan", "-refresh=false", "-detailed-exitcode"][..],
        &["plan", "-input=false", "-detailed-exitcode"],
        &["plan", "-lock=false", "-detailed-exitcode"],
        &["plan", "-lock-timeout=5s", "-detailed-exitcode"],
        &["plan", "-parallelism=1", "-detailed-exitcode"],
        &["plan", "--refresh=false", "--detailed-exitcode"],
    ] {
        let out = w.run(flags);
        assert_eq!(out.code, 0, "{flags:?}:\n{out}");
        assert!(out.stdout.contains("No changes."), "{flags:?}:\n{out}");
    }
    snap!(
        w,
        "bad_lock_timeout",
        w.run(&["plan", "-lock-timeout=soon"]).code(1)
    );
}

#[test]
fn parallelism_one_runs_one_operation_at_a_time() {
    let w = Work::main_tf("resource \"null_resource\" \"n\" {\n  count = 4\n}\n");
    let out = w
        .run_with(
            &["apply", "-auto-approve", "-parallelism=1"],
            &[("TERRANE_BUILTIN_APPLY_DELAY_MS", "50")],
            None,
        )
        .code(0);
    let steps: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains(": Creat"))
        .collect();
    assert_eq!(steps.len(), 8, "{out}");
    for pair in steps.chunks(2) {
        let addr = pair[0].split(": ").next().unwrap();
        assert!(
            pair[0].ends_with("Creating...")
                && pair[1].starts_with(&format!("{addr}: Creation complete")),
            "operations overlapped with -parallelism=1:\n{}",
            steps.join("\n")
        );
    }
}

#[test]
fn target_limits_the_plan() {
    let w = Work::main_tf(AB);
    let out = w.run(&["plan", "-target=null_resource.b"]).code(0);
    snap!(w, "target_plan", out);
    w.run(&["apply", "-auto-approve", "-target=null_resource.b"])
        .code(0);
    let ids: Vec<String> = w.state_ids().into_iter().map(|(a, _)| a).collect();
    assert_eq!(ids, ["null_resource.b", "terraform_data.a"]);
    snap!(
        w,
        "target_invalid_address",
        w.run(&["plan", "-target=null_resource."]).code(1)
    );
}

#[test]
fn chdir() {
    let w = Work::new();
    w.write("infra/main.tf", AB);
    w.run(&["-chdir=infra", "apply", "-auto-approve"]).code(0);
    assert!(w.exists("infra/terraform.tfstate"));
    assert!(!w.exists("terraform.tfstate"));
    assert_eq!(
        w.run(&["-chdir=infra", "plan", "-detailed-exitcode"]).code,
        0
    );
    assert_eq!(
        w.run(&["-chdir=infra", "state", "list"]).code(0).stdout,
        "null_resource.b\nnull_resource.c\nterraform_data.a\n"
    );
    snap!(
        w,
        "chdir_missing",
        w.run(&["-chdir=nowhere", "plan"]).code(1)
    );
}

#[test]
fn apply_asks_for_approval() {
    let w = Work::main_tf(AB);
    let no = w.run_with(&["apply"], &[], Some("no\n"));
    snap!(w, "approval_no", no.code(1));
    assert!(!w.exists("terraform.tfstate"));
    assert!(!w.exists(".terraform.tfstate.lock.info"));
    let eof = w.run_with(&["apply"], &[], Some(""));
    assert_eq!(eof.code, 1, "{eof}");
    assert!(!w.exists("terraform.tfstate"));
    let yes = w.run_with(&["apply"], &[], Some("yes\n"));
    snap!(w, "approval_yes", yes.code(0).sorted());
    assert_eq!(w.state_ids().len(), 3);
    let destroy_no = w.run_with(&["destroy"], &[], Some("y\n")).code(1);
    assert!(
        destroy_no.stdout.contains("Destroy cancelled."),
        "{destroy_no}"
    );
    assert_eq!(w.state_ids().len(), 3);
    let destroy = w.run_with(&["destroy"], &[], Some("yes\n")).code(0);
    assert!(destroy
        .stdout
        .contains("Do you really want to destroy all resources?"));
    assert!(w.state_ids().is_empty());
}
