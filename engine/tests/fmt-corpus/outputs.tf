output "vpc_id" {
  description = "The VPC's ID."
  value       = aws_vpc.main.id
}

output "private_subnet_ids" {
  value = [for s in aws_subnet.private : s.id]
}

output "service_urls" {
  value = {
    for name, svc in module.services : name => "https://${svc.dns_name}/"
  }
}

output "db_password" {
  value     = var.db_password
  sensitive = true
}

output "summary" {
  value = <<-EOT
    VPC ${aws_vpc.main.id} in ${var.region}
    %{~for name in keys(var.services)~}
    - ${name}
    %{~endfor~}
  EOT
}
