resource "aws_security_group" "service" {
  name   = "${var.name}-service"
  vpc_id = module.network.vpc_id

  dynamic "ingress" {
    for_each = local.service_ports_by_key
    iterator = rule

    content {
      description = "Port ${rule.value.port} for ${rule.value.service}"
      from_port   = rule.value.port
      to_port     = rule.value.port
      protocol    = "tcp"
      cidr_blocks = sort(tolist(var.allowed_cidrs))
    }
  }

  dynamic "egress" {
    for_each = var.allow_all_egress ? [1] : []
    content {
      from_port   = 0
      to_port     = 0
      protocol    = "-1"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "not found"
      status_code  = "404"
    }
  }

  dynamic "mutual_authentication" {
    for_each = var.trust_store_arn == null ? [] : [var.trust_store_arn]
    content {
      mode            = "verify"
      trust_store_arn = mutual_authentication.value
    }
  }
}
