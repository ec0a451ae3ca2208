output "url" {
  description = "Where the application answers."
  value       = "http://${module.alb.dns_name}/"
}

output "db_endpoint" {
  description = "The database's address:port (reachable only from the service)."
  value       = module.db.endpoint
}

output "db_password_secret_arn" {
  description = "The Secrets Manager secret holding the database password."
  value       = aws_secretsmanager_secret.db_password.arn
}

output "service_name" {
  description = "The ECS service."
  value       = module.app.service_name
}

output "log_group_name" {
  description = "The application's logs."
  value       = module.app.log_group_name
}
