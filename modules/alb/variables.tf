variable "name" {
  description = "Name of the load balancer (at most 32 characters: letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$", var.name))
    error_message = "name must be 2-32 letters, digits or hyphens, not starting or ending with a hyphen."
  }
}

variable "vpc_id" {
  description = "The VPC the load balancer's security group belongs to."
  type        = string
}

variable "vpc_cidr_block" {
  description = "The VPC's CIDR block: the load balancer may only talk to targets inside it."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets for the load balancer's nodes: at least two, in different availability zones."
  type        = list(string)
}

variable "internal" {
  description = "Whether the load balancer is internal (private addresses only)."
  type        = bool
  default     = false
}

variable "ingress_cidr_blocks" {
  description = "Networks allowed to reach the listener."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "listener_port" {
  description = "Port of the HTTP listener."
  type        = number
  default     = 80
}

variable "idle_timeout" {
  description = "Seconds a connection may be idle before the load balancer closes it."
  type        = number
  default     = 60
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
