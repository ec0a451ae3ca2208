output "service_name" {
  description = "The ECS service's name."
  value       = aws_ecs_service.this.name
}

output "security_group_id" {
  description = "The tasks' security group: databases allow ingress from it."
  value       = aws_security_group.service.id
}

output "target_group_arn" {
  description = "The service's target group."
  value       = aws_lb_target_group.this.arn
}

output "task_definition_arn" {
  description = "The current task definition revision."
  value       = aws_ecs_task_definition.this.arn
}

output "log_group_name" {
  description = "Where the container's logs go."
  value       = aws_cloudwatch_log_group.this.name
}

output "execution_role_arn" {
  description = "The role ECS starts the tasks with."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "The role the application's AWS calls run as."
  value       = aws_iam_role.task.arn
}
