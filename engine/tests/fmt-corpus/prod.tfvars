# Production values.
name               = "shop"
vpc_cidr           = "10.20.0.0/16"
single_nat_gateway = false

allowed_cidrs = [
  "10.0.0.0/8",
  "192.168.0.0/16",
]

services = {
  api = {
    image         = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2"
    cpu           = 512
    memory        = 1024
    desired_count = 3
    ports         = [8080]
    environment = {
      LOG_LEVEL = "info"
      METRICS   = "on"
    }
  }
  worker = {
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:1.4.2"
  }
}

tags = {
  CostCenter = "1234"
  Owner      = "platform-team"
}
