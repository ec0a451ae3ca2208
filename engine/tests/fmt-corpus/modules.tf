module "network" {
  source = "./modules/network"

  name               = var.name
  vpc_cidr           = var.vpc_cidr
  single_nat_gateway = !local.is_prod
}

module "services" {
  source   = "./modules/service"
  for_each = var.services

  name               = each.key
  image              = each.value.image
  cpu                = each.value.cpu
  memory             = each.value.memory
  private_subnet_ids = module.network.private_subnet_ids

  providers = {
    aws = aws.primary
  }

  depends_on = [module.network]
}

module "bucket" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 4.1"

  bucket = "${var.name}-${data.aws_caller_identity.current.account_id}-data"
  versioning = {
    enabled = true
  }
  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.data.arn
      }
    }
  }
}

moved {
  from = module.bucket_old
  to   = module.bucket
}

import {
  to = aws_s3_bucket.legacy
  id = "legacy-bucket-name"
}
