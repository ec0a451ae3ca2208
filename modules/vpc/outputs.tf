output "vpc_id" {
  description = "The VPC's ID."
  value       = aws_vpc.this.id
}

output "cidr_block" {
  description = "The VPC's CIDR block."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, one per availability zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets (egress through the NAT gateway), one per availability zone."
  value       = aws_subnet.private[*].id
}

output "nat_public_ip" {
  description = "The NAT gateway's public address: what the outside world sees private subnets' traffic come from."
  value       = aws_eip.nat.public_ip
}
