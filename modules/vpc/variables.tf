variable "name" {
  description = "Name of the VPC, and the prefix of its subnets' and gateways' Name tags."
  type        = string
}

variable "cidr" {
  description = "The VPC's IPv4 CIDR block; subnets are /24s carved from it (a /16 leaves room for 100 public and 100 private ones)."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) <= 16
    error_message = "cidr must be an IPv4 CIDR block of /16 or larger, such as \"10.0.0.0/16\"."
  }
}

variable "az_count" {
  description = "How many availability zones to spread the subnets over."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 6
    error_message = "az_count must be between 1 and 6."
  }
}

variable "tags" {
  description = "Tags for every resource (merged over the provider's default_tags)."
  type        = map(string)
  default     = {}
}
