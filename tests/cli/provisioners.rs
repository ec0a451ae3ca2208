//! `provisioner "local-exec"`: commands run after create and before destroy, their output
//! streamed with Terraform's prefixes, a failed create-time provisioner tainting its object,
//! and the provisioners terrane cannot run refused up front.

use crate::harness::Work;
use crate::snap;

#[test]
fn local_exec_runs_after_create_and_before_destroy() {
    let w = Work::main_tf(
        r#"
resource "terraform_data" "web" {
  input = "v1"

  provisioner "local-exec" {
    command     = "echo \"$GREETING from ${self.input}\"; pwd; printf 'no final newline'"
    environment = { GREETING = "hello" }
    working_dir = "scripts"
  }

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    command     = "echo on stderr >&2"
  }

  provisioner "local-exec" {
    when    = destroy
    command = "echo goodbye ${self.output}"
  }

  connection {
    host = "unused.example.com"
  }
}
"#,
    );
    w.write("scripts/.keep", "");
    snap!(
        w,
        "provisioner_apply",
        w.run(&["apply", "-auto-approve"]).code(0)
    );
    // Provisioners run on create only: an unchanged object runs nothing.
    w.run(&["apply", "-auto-approve"]).code(0);
    snap!(
        w,
        "provisioner_destroy",
        w.run(&["destroy", "-auto-approve"]).code(0)
    );
}

#[test]
fn failed_provisioner_taints_its_object() {
    let w = Work::main_tf(
        r#"
resource "terraform_data" "tolerant" {
  provisioner "local-exec" {
    command    = "exit 7"
    on_failure = continue
  }
}

resource "terraform_data" "strict" {
  depends_on = [terraform_data.tolerant]

  provisioner "local-exec" {
    command = "echo trying; exit 3"
  }
}
"#,
    );
    snap!(
        w,
        "provisioner_failure",
        w.run(&["apply", "-auto-approve"]).code(1)
    );
    let state = w.state();
    let status = |name: &str| {
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["instances"][0]["status"].clone())
            .unwrap()
    };
    assert_eq!(status("strict"), "tainted");
    assert_eq!(status("tolerant"), serde_json::Value::Null);
    snap!(
        w,
        "provisioner_tainted_plan",
        w.run(&["plan", "-detailed-exitcode"]).code(2)
    );
}

#[test]
fn provisioners_terrane_cannot_run_are_refused() {
    let w = Work::main_tf(
        r#"
variable "who" {
  default = "x"
}

resource "null_resource" "a" {
  provisioner "remote-exec" {
    inline = ["uptime"]
  }

  provisioner "file" {
    source      = "a.txt"
    destination = "/tmp/a.txt"
  }

  provisioner "local-exec" {
    when    = destroy
    command = "echo ${var.who}"
  }

  provisioner "local-exec" {
    when    = later
    command = "true"
  }
}
"#,
    );
    snap!(w, "provisioner_refused", w.run(&["validate"]).code(1));
}
