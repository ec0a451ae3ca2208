variable "name" {
  description = "Identifier of the instance; also names its subnet group, parameter group and security group."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.name)) && !endswith(var.name, "-") && !strcontains(var.name, "--")
    error_message = "name must start with a lowercase letter, contain only lowercase letters, digits and single hyphens, and not end with a hyphen (an RDS identifier)."
  }
}

variable "vpc_id" {
  description = "The VPC of the database's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two availability zones."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect on port 5432."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL version: a major version (\"16\") takes AWS's default minor version."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "Instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage" {
  description = "Initial storage in GiB."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Upper bound for storage autoscaling in GiB (0 turns it off)."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "Run a standby in a second availability zone."
  type        = bool
  default     = false
}

variable "db_name" {
  description = "Name of the database created in the instance."
  type        = string
  default     = "app"
}

variable "username" {
  description = "Master user name."
  type        = string
  default     = "app"
}

variable "password" {
  description = "Master user password."
  type        = string
  sensitive   = true
}

variable "backup_retention_period" {
  description = "Days to keep automated backups (0 turns them off)."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Refuse to delete the instance; set false and apply before destroying."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without taking a final snapshot (NAME-final otherwise)."
  type        = bool
  default     = false
}

variable "apply_immediately" {
  description = "Apply modifications now rather than in the next maintenance window."
  type        = bool
  default     = false
}

variable "log_min_duration_ms" {
  description = "Log statements slower than this many milliseconds (-1 turns it off)."
  type        = number
  default     = 1000
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
