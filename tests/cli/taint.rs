//! `terrane taint` / `untaint`: Terraform's messages and exit codes, and the mark's effect
//! on state and on the next plan (compared with Terraform 1.15.5).

use crate::harness::Work;
use crate::snap;

/// Each run's command line and output, one after the other.
fn transcript(w: &Work, runs: &[(&[&str], i32)]) -> String {
    runs.iter()
        .map(|(args, code)| format!("$ terrane {}\n{}", args.join(" "), w.run(args).code(*code)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn taint_marks_an_instance_for_replacement_and_untaint_clears_it() {
    let w = Work::main_tf("resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n");
    w.run(&["apply", "-auto-approve"]).code(0);
    let runs = transcript(
        &w,
        &[
            (&["taint", "terraform_data.a"], 0),
            // Tainting again says the same and changes nothing.
            (&["taint", "terraform_data.a"], 0),
        ],
    );
    assert_eq!(
        w.state()["resources"][0]["instances"][0]["status"],
        "tainted"
    );
    let serial = w.state()["serial"].clone();
    snap!(w, "taint_marks", runs);
    let plan = w.run(&["plan", "-detailed-exitcode"]).code(2);
    assert!(
        plan.stdout
            .contains("# terraform_data.a is tainted, so must be replaced"),
        "{plan}"
    );
    let runs = transcript(
        &w,
        &[
            (&["untaint", "terraform_data.a"], 0),
            (&["untaint", "terraform_data.a"], 1),
        ],
    );
    snap!(w, "untaint_clears", runs);
    assert!(w.state()["resources"][0]["instances"][0]
        .get("status")
        .is_none());
    assert_ne!(w.state()["serial"], serial);
    w.run(&["plan", "-detailed-exitcode"]).code(0);
}

#[test]
fn taint_refuses_what_it_cannot_mark() {
    let w = Work::main_tf("resource \"terraform_data\" \"a\" {}\n");
    let before_apply = transcript(&w, &[(&["taint", "terraform_data.a"], 1)]);
    w.run(&["apply", "-auto-approve"]).code(0);
    let runs = transcript(
        &w,
        &[
            (&["taint"], 1),
            (&["untaint", "a.b", "c.d"], 1),
            (&["taint", "foo"], 1),
            (&["taint", "data.x.y"], 1),
            (&["taint", "terraform_data.nope"], 1),
            (&["taint", "-allow-missing", "terraform_data.nope"], 0),
            (&["untaint", "-allow-missing", "terraform_data.nope"], 0),
        ],
    );
    snap!(w, "taint_refused", format!("{before_apply}\n{runs}"));
}

#[test]
fn a_mistyped_command_suggests_taint() {
    let w = Work::new();
    snap!(w, "taint_suggested", w.run(&["tain"]).code(1));
}
