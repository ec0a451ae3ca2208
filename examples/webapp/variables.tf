variable "name" {
  description = "Name of the application: prefixes every resource."
  type        = string
  default     = "webapp"
}

variable "vpc_cidr" {
  description = "The VPC's CIDR block."
  type        = string
  default     = "10.40.0.0/16"
}

variable "image" {
  description = "The application's container image."
  type        = string
  default     = "public.ecr.aws/nginx/nginx:1.27"
}

variable "container_port" {
  description = "Port the application listens on."
  type        = number
  default     = 80
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Fargate task memory (MiB)."
  type        = number
  default     = 512
}

variable "min_tasks" {
  description = "Fewest running tasks."
  type        = number
  default     = 2
}

variable "max_tasks" {
  description = "Most running tasks."
  type        = number
  default     = 4
}

variable "db_password" {
  description = "Master password of the database (set TF_VAR_db_password; never commit it)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.db_password) >= 12
    error_message = "db_password must be at least 12 characters."
  }
}

variable "db_deletion_protection" {
  description = "Protect the database from deletion (the demo turns it off to clean up)."
  type        = bool
  default     = true
}
