variables {
  name     = "test"
  vpc_cidr = "10.99.0.0/16"
}

run "plan_creates_three_subnets" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 3
    error_message = "expected three public subnets"
  }
}

run "rejects_bad_names" {
  command = plan

  variables {
    name = "Bad_Name"
  }

  expect_failures = [var.name]
}
