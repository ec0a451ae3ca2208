output "endpoint" {
  description = "address:port of the instance."
  value       = aws_db_instance.this.endpoint
}

output "address" {
  description = "The instance's DNS name."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "The instance's port."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "The database created in the instance."
  value       = aws_db_instance.this.db_name
}

output "security_group_id" {
  description = "The database's security group."
  value       = aws_security_group.db.id
}

output "arn" {
  description = "The instance's ARN."
  value       = aws_db_instance.this.arn
}
