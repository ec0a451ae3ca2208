terraform {
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
}

variable "greeting" {
  type        = string
  default     = "hello"
  description = "What the greeter says."
}

variable "names" {
  type    = set(string)
  default = ["ada", "grace"]
}

locals {
  message = "${var.greeting}, world"
}

resource "terraform_data" "greeting" {
  input = local.message
}

resource "terraform_data" "per_person" {
  for_each = var.names
  input    = "${var.greeting}, ${each.key}"
}

resource "null_resource" "after" {
  count = 2
  triggers = {
    greeting = terraform_data.greeting.output
    index    = count.index
  }
}

output "message" {
  value = terraform_data.greeting.output
}

output "people" {
  value = [for k, v in terraform_data.per_person : v.output]
}
