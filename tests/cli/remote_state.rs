//! `data "terraform_remote_state"` with the local backend: one component reads another's
//! root outputs, per workspace, with `defaults` for outputs the state does not have.

use crate::harness::Work;
use crate::snap;

#[test]
fn remote_state_reads_another_configurations_outputs() {
    let w = Work::new();
    w.write(
        "network/main.tf",
        r#"
output "vpc_id" {
  value = "vpc-${terraform.workspace}"
}

output "subnets" {
  value = ["a", "b"]
}
"#,
    );
    let run_in = |dir: &str, args: &[&str]| {
        let mut c = w.command(args);
        c.current_dir(w.path().join(dir));
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run_in("network", &["apply", "-auto-approve"]);
    run_in("network", &["workspace", "new", "staging"]);
    run_in("network", &["apply", "-auto-approve"]);
    w.write(
        "main.tf",
        r#"
data "terraform_remote_state" "network" {
  backend = "local"
  config = {
    path = "network/terraform.tfstate"
  }
  defaults = {
    region  = "eu-west-1"
    vpc_id  = "overridden by the state"
  }
}

data "terraform_remote_state" "staging" {
  backend   = "local"
  workspace = "staging"
  config = {
    workspace_dir = "network/terraform.tfstate.d"
  }
}

output "vpc" {
  value = data.terraform_remote_state.network.outputs.vpc_id
}

output "region" {
  value = data.terraform_remote_state.network.outputs.region
}

output "first_subnet" {
  value = data.terraform_remote_state.network.outputs.subnets[0]
}

output "staging_vpc" {
  value = data.terraform_remote_state.staging.outputs.vpc_id
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    snap!(
        w,
        "remote_state_outputs",
        w.run(&["output", "-json"]).code(0)
    );
}

#[test]
fn remote_state_errors_name_the_argument() {
    let w = Work::main_tf(
        r#"
data "terraform_remote_state" "missing" {
  backend = "local"
  config = {
    path = "nowhere/terraform.tfstate"
  }
}

data "terraform_remote_state" "typo" {
  backend = "local"
  config = {
    pth = "x"
  }
}

data "terraform_remote_state" "unknown" {
  backend = "etcdv9"
}
"#,
    );
    // The reads run concurrently: their progress lines are sorted.
    snap!(w, "remote_state_errors", w.run(&["plan"]).code(1).sorted());
}
