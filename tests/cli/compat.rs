//! State written by Terraform itself is read as is.

use crate::harness::Work;
use crate::snap;

/// `tests/fixtures/terraform-state/terraform.tfstate` is laid out as Terraform 1.9 writes
/// it: lineage and serial, `dependencies`, `sensitive_attributes`, `check_results`, and
/// terraform_data's dynamically-typed attributes stored as `{"value": .., "type": ..}`.
#[test]
fn terraform_written_state_plans_no_changes() {
    let w = Work::fixture("terraform-state");
    let original = w.read("terraform.tfstate");
    snap!(
        w,
        "terraform_state_plan",
        w.run(&["plan", "-detailed-exitcode"]).code(0)
    );
    assert_eq!(
        w.read("terraform.tfstate"),
        original,
        "plan must not rewrite state"
    );
    snap!(w, "terraform_state_list", w.run(&["state", "list"]).code(0));
    snap!(
        w,
        "terraform_state_show",
        w.run(&["state", "show", "terraform_data.greeting"]).code(0)
    );
    assert_eq!(
        w.run(&["output", "-raw", "greeting"]).code(0).stdout,
        "hello"
    );
    assert_eq!(w.id("null_resource.after[1]"), "8674665223082153551");

    // A real change is planned against Terraform's objects, keeping their identity.
    let out = w.run(&["plan", "-var", "greeting=hi"]).code(0);
    assert!(
        out.stdout
            .contains("Plan: 2 to add, 1 to change, 2 to destroy."),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("~ input            = \"hello\" -> \"hi\""),
        "{out}"
    );
}
