# The whole web application stack, composed from the modules in ../../modules:
#
#   internet -> ALB (public subnets) -> ECS Fargate service (private subnets) -> PostgreSQL
#
# Security groups admit only that chain: the load balancer from the internet, the tasks
# from the load balancer, the database from the tasks. The database password lives in
# Secrets Manager; ECS hands it to the container as DB_PASSWORD at start, so it is in no
# task definition.

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "terrane"
    }
  }
}

module "vpc" {
  source = "../../modules/vpc"
  name   = var.name
  cidr   = var.vpc_cidr
}

module "alb" {
  source         = "../../modules/alb"
  name           = var.name
  vpc_id         = module.vpc.vpc_id
  vpc_cidr_block = module.vpc.cidr_block
  subnet_ids     = module.vpc.public_subnet_ids
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_secretsmanager_secret" "db_password" {
  name_prefix             = "${var.name}-db-password-"
  description             = "Master password of the ${var.name} database"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "db_password" {
  secret_id     = aws_secretsmanager_secret.db_password.id
  secret_string = var.db_password
}

module "app" {
  source               = "../../modules/ecs-fargate-service"
  name                 = "${var.name}-app"
  cluster_arn          = aws_ecs_cluster.this.arn
  cluster_name         = aws_ecs_cluster.this.name
  vpc_id               = module.vpc.vpc_id
  subnet_ids           = module.vpc.private_subnet_ids
  lb_security_group_id = module.alb.security_group_id
  listener_arn         = module.alb.listener_arn
  image                = var.image
  container_port       = var.container_port
  cpu                  = var.cpu
  memory               = var.memory
  min_capacity         = var.min_tasks
  max_capacity         = var.max_tasks

  environment = {
    DB_HOST = module.db.address
    DB_PORT = tostring(module.db.port)
    DB_NAME = module.db.db_name
    DB_USER = "app"
  }
  secrets = {
    DB_PASSWORD = aws_secretsmanager_secret.db_password.arn
  }
}

module "db" {
  source                     = "../../modules/rds-postgres"
  name                       = var.name
  vpc_id                     = module.vpc.vpc_id
  subnet_ids                 = module.vpc.private_subnet_ids
  allowed_security_group_ids = [module.app.security_group_id]
  username                   = "app"
  password                   = var.db_password
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = true
  apply_immediately          = true
}
