//! Crash recovery's lookup (`Provider::identity` + `find_by_identity`) against moto: each
//! name-identified type finds the object an apply made, as the read of that object, and
//! finds nothing for a name no object has.

mod common;

use common::Env;
use terrane_engine::lang::Value;
use terrane_engine::provider::Provider;

const SRC: &str = r#"
provider "aws" {
  region            = "us-east-1"
  s3_use_path_style = true
}
resource "aws_vpc" "main" {
  cidr_block = "10.77.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.77.1.0/24"
  availability_zone = "us-east-1a"
}
resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.77.2.0/24"
  availability_zone = "us-east-1b"
}
resource "aws_security_group" "sg" {
  name   = "find-sg"
  vpc_id = aws_vpc.main.id
}
resource "aws_lb" "lb" {
  name    = "find-lb"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
}
resource "aws_lb_target_group" "tg" {
  name     = "find-tg"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}
resource "aws_iam_policy" "p" {
  name   = "find-policy"
  path   = "/find/"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*" }] })
}
resource "aws_secretsmanager_secret" "s" {
  name = "find-secret"
}
resource "aws_ecs_cluster" "c" {
  name = "find-cluster"
}
resource "aws_db_subnet_group" "dbs" {
  name       = "find-dbs"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}
resource "aws_cloudwatch_log_group" "g" {
  name = "find-logs"
}
resource "aws_s3_bucket" "b" {
  bucket = "find-bucket"
}
resource "aws_db_option_group" "og" {
  name                 = "find-options"
  engine_name          = "mysql"
  major_engine_version = "8.0"
}
"#;

#[tokio::test]
async fn name_identified_types_are_found_by_identity() {
    let env = Env::new();
    let state = env.apply(SRC, &terrane_engine::state::State::new()).await;
    let p = env.provider.as_ref();
    let mut checked = Vec::new();
    for r in &state.resources {
        if r.ty == "aws_vpc" || r.ty == "aws_subnet" {
            assert!(p
                .identity(
                    &r.ty,
                    &Value::from_json(&r.instances[0].attributes.to_json())
                )
                .is_none());
            continue;
        }
        let obj = Value::from_json(&r.instances[0].attributes.to_json());
        let identity = p
            .identity(&r.ty, &obj)
            .unwrap_or_else(|| panic!("{} has an identity", r.ty));
        let found = p
            .find_by_identity(&r.ty, &identity)
            .await
            .unwrap_or_else(|d| panic!("{}: {d:?}", r.ty))
            .unwrap_or_else(|| panic!("{} {identity:?} is found", r.ty));
        assert_eq!(
            found.get_attr("id"),
            obj.get_attr("id"),
            "{} found the object state has",
            r.ty
        );
        // A name no object has finds nothing.
        let mut other = identity.clone();
        let key = ["name", "identifier", "bucket"]
            .into_iter()
            .find(|k| other.0.contains_key(*k))
            .expect("a name-like identity");
        other.0.insert(key.into(), "find-nothing-here".into());
        assert!(
            p.find_by_identity(&r.ty, &other)
                .await
                .expect("lookup")
                .is_none(),
            "{} found an object for a name none has",
            r.ty
        );
        checked.push(r.ty.clone());
    }
    assert_eq!(checked.len(), 10, "{checked:?}");
    env.destroy(SRC, &state).await;
}
