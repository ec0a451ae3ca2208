output "arn" {
  description = "The load balancer's ARN."
  value       = aws_lb.this.arn
}

output "dns_name" {
  description = "The load balancer's DNS name: where clients connect."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "The load balancer's hosted zone ID, for Route 53 alias records."
  value       = aws_lb.this.zone_id
}

output "listener_arn" {
  description = "The HTTP listener's ARN, for services' listener rules."
  value       = aws_lb_listener.http.arn
}

output "security_group_id" {
  description = "The load balancer's security group: services allow ingress from it."
  value       = aws_security_group.lb.id
}
