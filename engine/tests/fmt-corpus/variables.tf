variable "name" {
  description = "Name prefix for every resource."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "The name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "Must be a valid IPv4 CIDR block."
  }
}

variable "single_nat_gateway" {
  type     = bool
  default  = false
  nullable = false
}

variable "services" {
  description = "Services to run, keyed by name."
  type = map(object({
    image         = string
    cpu           = optional(number, 256)
    memory        = optional(number, 512)
    desired_count = optional(number, 1)
    ports         = optional(list(number), [])
    environment   = optional(map(string), {})
    health_check = optional(object({
      path     = string
      interval = optional(number, 30)
    }))
  }))
  default = {}

  validation {
    condition = alltrue([
      for s in values(var.services) : contains([256, 512, 1024, 2048, 4096], s.cpu)
    ])
    error_message = "cpu must be one of the Fargate sizes."
  }
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "allowed_cidrs" {
  type    = set(string)
  default = []
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "retention" {
  type = tuple([string, number])
  default = [
    "days",
    30,
  ]
}
