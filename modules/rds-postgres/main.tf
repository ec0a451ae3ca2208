# A PostgreSQL instance in private subnets, reachable on its port only from the given
# security groups, with encrypted storage, a parameter group of its own (so a parameter
# change never touches AWS's shared default group) and automated backups.

locals {
  major_version = split(".", var.engine_version)[0]
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "Database ${var.name}: PostgreSQL from the allowed security groups only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-db" })

  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = var.allowed_security_group_ids
  }
}

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "Private subnets of ${var.name}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

resource "aws_db_parameter_group" "this" {
  name        = "${var.name}-pg${local.major_version}"
  family      = "postgres${local.major_version}"
  description = "Parameters of ${var.name}"
  tags        = var.tags

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_ms)
  }

  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }
}

resource "aws_db_instance" "this" {
  identifier              = var.name
  engine                  = "postgres"
  engine_version          = var.engine_version
  instance_class          = var.instance_class
  allocated_storage       = var.allocated_storage
  max_allocated_storage   = var.max_allocated_storage
  storage_type            = "gp3"
  storage_encrypted       = true
  db_name                 = var.db_name
  username                = var.username
  password                = var.password
  port                    = 5432
  multi_az                = var.multi_az
  publicly_accessible     = false
  db_subnet_group_name    = aws_db_subnet_group.this.name
  parameter_group_name    = aws_db_parameter_group.this.name
  vpc_security_group_ids  = [aws_security_group.db.id]
  backup_retention_period = var.backup_retention_period
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = var.skip_final_snapshot
  # Used only when skip_final_snapshot is false.
  final_snapshot_identifier = "${var.name}-final"
  apply_immediately         = var.apply_immediately
  tags                      = var.tags

  timeouts {
    create = "60m"
  }
}
