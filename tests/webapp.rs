//! examples/webapp end to end (issue #8): the real `terrane` binary applies the whole
//! stack (modules vpc, alb, ecs-fargate-service, rds-postgres) to moto, converges, reports
//! a change made by hand, refuses to destroy the protected database, and destroys
//! everything once protection is off, leaving nothing in moto. This test binary has a
//! moto server of its own, so "nothing left" is checked against everything in it.

mod webapp_support;

use std::path::Path;

use terrane_test_support::cli::files_holding;
use webapp_support::{copy_example, leftovers, sdk, Stack, PASSWORD};

/// Every file terrane wrote under `root` (state, backup, plan file, journal, lock file,
/// provider and module caches) is scanned for the password: only the state and its backup
/// may hold it, and in them only at the two attributes Terraform stores it at.
fn assert_secret_only_in_state(root: &Path, dir: &Path) {
    let holders: Vec<String> = files_holding(root, PASSWORD)
        .into_iter()
        .map(|h| {
            let abs = root.join(&h);
            abs.strip_prefix(dir).map_or(h, |p| p.display().to_string())
        })
        .collect();
    let others: Vec<&String> = holders
        .iter()
        .filter(|h| {
            !(h.as_str() == "terraform.tfstate" || h.as_str() == "terraform.tfstate.backup")
        })
        .collect();
    assert!(
        others.is_empty() && holders.iter().any(|h| h == "terraform.tfstate"),
        "files holding the password (the plan file keeps only a hash of sensitive values): {holders:?}"
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("terraform.tfstate")).unwrap()).unwrap();
    let mut at = Vec::new();
    for r in state["resources"].as_array().unwrap() {
        for i in r["instances"].as_array().unwrap() {
            for (k, v) in i["attributes"].as_object().unwrap() {
                if v.to_string().contains(PASSWORD) {
                    let module = r["module"]
                        .as_str()
                        .map_or(String::new(), |m| format!("{m}."));
                    at.push(format!(
                        "{module}{}.{}: {k}",
                        r["type"].as_str().unwrap(),
                        r["name"].as_str().unwrap()
                    ));
                }
            }
        }
    }
    at.sort();
    assert_eq!(
        at,
        [
            "aws_secretsmanager_secret_version.db_password: secret_string",
            "module.db.aws_db_instance.this: password",
        ],
        "where state holds the password"
    );
}

/// In `show -json` of the state, the password is only in attributes whose
/// `sensitive_values` entry is true.
fn assert_secret_only_where_marked(json: &str) {
    fn resources(m: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
        out.extend(m["resources"].as_array().into_iter().flatten().cloned());
        for c in m["child_modules"].as_array().into_iter().flatten() {
            resources(c, out);
        }
    }
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut all = Vec::new();
    resources(&v["values"]["root_module"], &mut all);
    let mut shown = Vec::new();
    for r in &all {
        for (k, val) in r["values"].as_object().unwrap() {
            if val.to_string().contains(PASSWORD) {
                assert_eq!(
                    r["sensitive_values"][k],
                    serde_json::Value::Bool(true),
                    "{} {k} shows the password without marking it sensitive",
                    r["address"]
                );
                shown.push(format!("{} {k}", r["address"].as_str().unwrap()));
            }
        }
    }
    assert!(!shown.is_empty(), "show -json holds the state's values");
    assert!(
        !v["values"]["outputs"].to_string().contains(PASSWORD),
        "no output holds it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn webapp_applies_converges_reports_drift_and_destroys_to_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let s = Stack {
        dir: copy_example(scratch.path()),
        env: terrane_test_support::moto().env(),
    };
    let sdk = sdk();
    assert!(
        leftovers(&sdk).await.is_empty(),
        "moto is not empty to start with"
    );

    s.run(&["init"]).code(0);
    s.run(&["validate"]).code(0);
    let plan = s.run(&["plan", "-out=webapp.tfplan"]).code(0);
    for addr in [
        "module.vpc.aws_nat_gateway.this",
        "module.alb.aws_lb.this",
        "module.app.aws_ecs_service.this",
        "module.app.aws_appautoscaling_policy.cpu",
        "module.db.aws_db_instance.this",
        "aws_secretsmanager_secret_version.db_password",
    ] {
        assert!(
            plan.stdout.contains(&format!("# {addr} will be created")),
            "{addr}:\n{plan}"
        );
    }
    s.run(&["apply", "webapp.tfplan"]).code(0);

    // Converged: a second plan of every module has nothing to do.
    let again = s.run(&["plan", "-detailed-exitcode"]).code(0);
    assert!(again.stdout.contains("No changes."), "{again}");
    let url = s.run(&["output", "-raw", "url"]).code(0);
    assert!(
        url.stdout.starts_with("http://") && url.stdout.contains("elb"),
        "{url}"
    );

    // The secret is in no view of the state either.
    s.run(&["show"]).code(0);
    s.run(&[
        "state",
        "show",
        "aws_secretsmanager_secret_version.db_password",
    ])
    .code(0);
    s.run(&["state", "show", "module.db.aws_db_instance.this"])
        .code(0);
    // Machine-readable views: none prints it (checked by `run`), except the JSON of the
    // state, which holds values as they are and says which are sensitive, as Terraform's.
    let shown = s.run_unchecked(&["show", "-json"], &[]).code(0);
    assert_secret_only_where_marked(&shown.stdout);
    s.run(&["show", "-json", "webapp.tfplan"]).code(0);
    s.run(&["output", "-json"]).code(0);
    s.run(&["plan", "-json"]).code(0);
    assert_secret_only_in_state(scratch.path(), &s.dir);

    // Someone opens the database to the internet by hand.
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let sg = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("webapp-db")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let sg_id = sg.security_groups()[0].group_id().unwrap().to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&sg_id)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(5432)
                .to_port(5432)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let drift = s.run(&["plan", "-detailed-exitcode"]).code(2);
    assert!(
        drift.stdout.contains("module.db.aws_security_group.db")
            && drift.stdout.contains("0.0.0.0/0"),
        "{drift}"
    );
    let report = s.run(&["drift", "-json"]).code(2);
    assert!(
        report.stdout.contains("module.db.aws_security_group.db"),
        "{report}"
    );
    s.run(&["apply", "-auto-approve"]).code(0);
    s.run(&["plan", "-detailed-exitcode"]).code(0);

    // Destroy is refused while the database is protected, before anything is deleted.
    let refused = s.run(&["destroy", "-auto-approve"]).code(1);
    assert!(
        refused.all().contains("deletion_protection")
            && refused.all().contains("module.db.aws_db_instance.this"),
        "{refused}"
    );
    assert!(!leftovers(&sdk).await.is_empty());
    s.run(&["plan", "-detailed-exitcode"]).code(0);

    let off = [("TF_VAR_db_deletion_protection", "false")];
    s.run_with(&["apply", "-auto-approve"], &off).code(0);
    s.run_with(&["destroy", "-auto-approve"], &off).code(0);
    let left = leftovers(&sdk).await;
    assert!(left.is_empty(), "left behind after destroy: {left:?}");
}
