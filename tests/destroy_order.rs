//! Destroy order through a module input and a data source (issue #13), with the real
//! `terrane` binary against moto: a module is given the cluster's name, looks the cluster
//! up with `data "aws_ecs_cluster"` and runs a service in it. ECS refuses to delete a
//! cluster that still has services, so `terrane destroy` must delete the service first.

use std::path::Path;

use terrane_test_support::cli::{self, Out};

const BIN: &str = env!("CARGO_BIN_EXE_terrane");

const ROOT: &str = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_ecs_cluster" "main" {
  name = "order-cluster"
}
module "svc" {
  source       = "./svc"
  cluster_name = aws_ecs_cluster.main.name
}
"#;

const SVC: &str = r#"
variable "cluster_name" {
  type = string
}
data "aws_ecs_cluster" "this" {
  cluster_name = var.cluster_name
}
resource "aws_ecs_task_definition" "web" {
  family = "order-web"
  container_definitions = jsonencode([{
    name      = "web"
    image     = "nginx:1"
    memory    = 128
    essential = true
  }])
}
resource "aws_ecs_service" "web" {
  name            = "order-web"
  cluster         = data.aws_ecs_cluster.this.arn
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 1
}
"#;

fn terrane(dir: &Path, args: &[&str]) -> Out {
    let env = terrane_test_support::moto().env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cli::run_isolated(BIN, dir, args, &env)
}

fn ecs() -> aws_sdk_ecs::Client {
    let m = terrane_test_support::moto();
    aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

/// The names of the ACTIVE clusters and of the services in `order-cluster`.
fn live() -> (Vec<String>, Vec<String>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let c = ecs();
            let arns = c.list_clusters().send().await.unwrap();
            let described = c
                .describe_clusters()
                .set_clusters(Some(arns.cluster_arns().to_vec()))
                .send()
                .await
                .unwrap();
            let clusters: Vec<String> = described
                .clusters()
                .iter()
                .filter(|c| c.status() == Some("ACTIVE"))
                .filter_map(|c| c.cluster_name().map(str::to_string))
                .collect();
            let services = if clusters.iter().any(|n| n == "order-cluster") {
                let arns = c
                    .list_services()
                    .cluster("order-cluster")
                    .send()
                    .await
                    .unwrap();
                let described = c
                    .describe_services()
                    .cluster("order-cluster")
                    .set_services(Some(arns.service_arns().to_vec()))
                    .send()
                    .await
                    .unwrap();
                described
                    .services()
                    .iter()
                    .filter(|s| s.status() == Some("ACTIVE"))
                    .filter_map(|s| s.service_name().map(str::to_string))
                    .collect()
            } else {
                Vec::new()
            };
            (clusters, services)
        })
}

#[test]
fn destroy_deletes_a_service_found_through_a_module_data_source_before_its_cluster() {
    let dir = tempfile::Builder::new()
        .prefix("terrane-order-")
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("main.tf"), ROOT).unwrap();
    std::fs::create_dir_all(dir.path().join("svc")).unwrap();
    std::fs::write(dir.path().join("svc/main.tf"), SVC).unwrap();

    terrane(dir.path(), &["init"]).code(0);
    terrane(dir.path(), &["apply", "-auto-approve"]).code(0);
    assert_eq!(
        live(),
        (
            vec!["order-cluster".to_string()],
            vec!["order-web".to_string()]
        )
    );

    let out = terrane(dir.path(), &["destroy", "-auto-approve"]).code(0);
    let service_gone = out
        .stdout
        .find("module.svc.aws_ecs_service.web: Destruction complete");
    let cluster_gone = out
        .stdout
        .find("aws_ecs_cluster.main: Destruction complete");
    assert!(
        service_gone.is_some() && service_gone < cluster_gone,
        "the service must be destroyed before its cluster:\n{out}"
    );
    assert_eq!(live(), (Vec::new(), Vec::new()));
    let list = terrane(dir.path(), &["state", "list"]).code(0);
    assert_eq!(list.stdout.trim(), "", "{list}");
}
