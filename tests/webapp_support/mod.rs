//! What the webapp tests share: a copy of examples/webapp with the modules it uses, the
//! `terrane` binary run on it with the database password set (and checked never to be
//! printed), and a list of what the stack left in moto.

use std::path::Path;

use terrane_test_support::cli::{self, walk, Out};

pub const BIN: &str = env!("CARGO_BIN_EXE_terrane");
pub const PASSWORD: &str = "webapp-test-Pa55word-7f3c";

/// Copies examples/webapp and modules/ into `dir`, keeping their relative layout (the
/// example's module sources are `../../modules/...`).
pub fn copy_example(dir: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = |from: &Path, to: &Path| {
        for e in walk(from) {
            let rel = e.strip_prefix(from).unwrap();
            if rel.components().any(|c| c.as_os_str() == ".terraform") {
                continue;
            }
            let target = to.join(rel);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&e, &target).unwrap();
        }
    };
    copy(&root.join("modules"), &dir.join("modules"));
    copy(&root.join("examples/webapp"), &dir.join("examples/webapp"));
    dir.join("examples/webapp")
}

pub struct Stack {
    pub dir: std::path::PathBuf,
    pub env: Vec<(&'static str, String)>,
}

impl Stack {
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Out {
        let out = self.run_unchecked(args, extra);
        assert!(
            !out.all().contains(PASSWORD),
            "the database password was printed by `terrane {}`:\n{out}",
            args.join(" ")
        );
        out
    }

    /// For the one view that shows secrets on purpose (`show -json` of state, as Terraform).
    pub fn run_unchecked(&self, args: &[&str], extra: &[(&str, &str)]) -> Out {
        let mut env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("TF_VAR_db_password", PASSWORD));
        // Logs, when terrane or a plugin writes any, are among the files scanned for it.
        env.push(("TF_LOG", "trace"));
        let log = self.dir.join("terrane.log");
        let log = log.to_string_lossy();
        env.push(("TF_LOG_PATH", &log));
        env.extend_from_slice(extra);
        cli::run(BIN, &self.dir, args, &env)
    }
}

pub fn sdk() -> aws_config::SdkConfig {
    let m = terrane_test_support::moto();
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&m.endpoint)
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
            aws_sdk_ec2::config::Credentials::new("test", "test", None, None, "test"),
        ))
        .build()
}

/// Everything of the stack's kinds that still exists in moto.
pub async fn leftovers(c: &aws_config::SdkConfig) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(c);
    let mut left: Vec<String> = Vec::new();
    let vpcs = ec2.describe_vpcs().send().await.unwrap();
    left.extend(
        vpcs.vpcs()
            .iter()
            .filter(|v| v.is_default() != Some(true))
            .filter_map(|v| v.vpc_id().map(|i| format!("vpc {i}"))),
    );
    let addrs = ec2.describe_addresses().send().await.unwrap();
    left.extend(
        addrs
            .addresses()
            .iter()
            .filter_map(|a| a.allocation_id().map(|i| format!("eip {i}"))),
    );
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(c);
    let lbs = elb.describe_load_balancers().send().await.unwrap();
    left.extend(
        lbs.load_balancers()
            .iter()
            .filter_map(|l| l.load_balancer_arn().map(|a| format!("lb {a}"))),
    );
    let tgs = elb.describe_target_groups().send().await.unwrap();
    left.extend(
        tgs.target_groups()
            .iter()
            .filter_map(|t| t.target_group_arn().map(|a| format!("target group {a}"))),
    );
    let ecs = aws_sdk_ecs::Client::new(c);
    // A deleted cluster stays visible as INACTIVE for a while (in AWS and in moto).
    let arns = ecs
        .list_clusters()
        .send()
        .await
        .unwrap()
        .cluster_arns()
        .to_vec();
    if !arns.is_empty() {
        let clusters = ecs
            .describe_clusters()
            .set_clusters(Some(arns))
            .send()
            .await
            .unwrap();
        left.extend(
            clusters
                .clusters()
                .iter()
                .filter(|c| c.status() != Some("INACTIVE"))
                .filter_map(|c| c.cluster_arn().map(|a| format!("cluster {a}"))),
        );
    }
    let rds = aws_sdk_rds::Client::new(c);
    let dbs = rds.describe_db_instances().send().await.unwrap();
    left.extend(
        dbs.db_instances()
            .iter()
            .filter_map(|d| d.db_instance_identifier().map(|i| format!("db {i}"))),
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(c);
    let groups = logs.describe_log_groups().send().await.unwrap();
    left.extend(
        groups
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(|n| format!("log group {n}"))),
    );
    let iam = aws_sdk_iam::Client::new(c);
    let roles = iam.list_roles().send().await.unwrap();
    left.extend(
        roles
            .roles()
            .iter()
            .filter(|r| !r.path().starts_with("/aws-service-role/"))
            .map(|r| format!("role {}", r.role_name())),
    );
    let sm = aws_sdk_secretsmanager::Client::new(c);
    let secrets = sm.list_secrets().send().await.unwrap();
    left.extend(
        secrets
            .secret_list()
            .iter()
            .filter_map(|s| s.name().map(|n| format!("secret {n}"))),
    );
    left
}
