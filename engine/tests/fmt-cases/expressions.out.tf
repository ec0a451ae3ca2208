locals {
  x   = <<-EOT
  %{for k, v in var.m~}
    ${k} = ${v}
  %{endfor~}
  EOT
  tpl = "%{if var.x}yes%{else}no%{endif}"
  obj = { a : 1, "b" : 2 }
  obj2 = {
    "quoted key"      = 1
    (var.k)           = 2
    short             = 3 # c1
    a_much_longer_key = 4 # c2
  }
  cond = (
    var.a
    ? 1
    : 2
  )
  multi = [for s in var.subnets : {
    id   = s.id
    cidr = s.cidr
  }]
  nested = {
    inner = {
      deep = [
        [1, 2], [3, 4]
      ]
    }
  }
  f = format("%s-%s", var.a, var.b)
  g = var.a != null ? var.a : "default"
  h = try(var.x.y, null)
  i = [for x in [1, 2] : x]
  j = { for x in ["a"] : x => x }
  k = var.a.*.b
  l = ["a", "b"][0]
  m = (1 + 2) * 3
  n = -var.x
  o = 1e10
  p = "\"escaped\" ${var.x}"
  q = "$${literal}"
}

resource "a" "b" {
  # inside comment
  x = 1

  # another
  yy = 2
  block {
  }
  block2 { a = 1 }
  block3 {}
  very_long_attribute_name = 3
  z                        = 4
}

module "m" {
  source = "./mod"
  providers = {
    aws = aws.east
  }
  depends_on = [aws_instance.a,
  aws_instance.b]
}
