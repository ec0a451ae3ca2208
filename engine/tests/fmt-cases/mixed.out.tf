# leading comment
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "cidr" {
  type        = string
  default     = var.base
  description = "The CIDR" # trailing
}
variable "tags" {
  type    = map(any)
  default = {}
}

locals {
  a      = 1 // one
  bbbbbb = 2 /* two */
  c      = [for x in var.list : upper(x) if x != ""]
  d      = { for k, v in var.map : k => v... }
  e      = -1
  f      = 5 - -3
  g      = !var.x
  h      = var.a ? "y" : "n"
  i      = var.list[0].name
  j      = var.list[*].id
  k      = "${var.a}-${var.b}"
  l      = <<EOT
   keep   this   ${var.x}
EOT
  m      = <<-EOT
    indented
    EOT
  n = {
    a   = 1
    bbb = 2

    cc = 3
  }
  o = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
    }]
  })
  p = [
    1,
    2,
  ]
  q = provider::aws::arn_parse("x")
  r = a * b + c / d % e
  s = a == b && c != d || e >= f
  t = { a = 1 }
}

resource "aws_instance" "web" {
  count = 2
  ami   = "x"
  tags  = { Name = "web" }
  lifecycle { create_before_destroy = true }
  dynamic "ebs" {
    for_each = var.v
    content {
      size = ebs.value
    }
  }
}
/* block
   comment */
output "x" { value = aws_instance.web[0].id }
