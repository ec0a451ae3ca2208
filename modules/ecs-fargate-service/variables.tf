variable "name" {
  description = "Name of the service; also its task family, container, log group (/ecs/NAME), roles and target group (at most 32 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$", var.name))
    error_message = "name must be 2-32 letters, digits or hyphens, not starting or ending with a hyphen (it names the target group)."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster to run in."
  type        = string
}

variable "cluster_name" {
  description = "Name of that cluster (autoscaling addresses services by cluster name)."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the subnets, security group and target group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the tasks."
  type        = list(string)
}

variable "lb_security_group_id" {
  description = "The load balancer's security group: the only source allowed to reach the tasks."
  type        = string
}

variable "listener_arn" {
  description = "The load balancer listener to add this service's rule to."
  type        = string
}

variable "listener_rule_priority" {
  description = "Priority of the listener rule (1-50000, unique per listener)."
  type        = number
  default     = 100
}

variable "path_patterns" {
  description = "Request paths routed to this service."
  type        = list(string)
  default     = ["/*"]
}

variable "image" {
  description = "Container image."
  type        = string
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8080
}

variable "health_check_path" {
  description = "Path the target group's health check requests."
  type        = string
  default     = "/"
}

variable "cpu" {
  description = "Task CPU units (256, 512, 1024, 2048, 4096, 8192 or 16384); memory must be a Fargate combination for it."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 512
}

variable "environment" {
  description = "Plain environment variables for the container."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variables filled from Secrets Manager at task start: name => secret ARN. The execution role may read exactly these."
  type        = map(string)
  default     = {}
}

variable "min_capacity" {
  description = "Fewest running tasks (also the initial desired count)."
  type        = number
  default     = 2
}

variable "max_capacity" {
  description = "Most running tasks autoscaling may start."
  type        = number
  default     = 6

  validation {
    condition     = var.max_capacity >= 1
    error_message = "max_capacity must be at least 1."
  }
}

variable "cpu_target_percent" {
  description = "Average CPU utilisation that autoscaling aims for."
  type        = number
  default     = 60
}

variable "log_retention_days" {
  description = "Days to keep the container logs."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
