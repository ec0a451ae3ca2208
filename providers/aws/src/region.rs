//! Where an object lives: the partition of a region and the ARNs Terraform builds when AWS
//! returns none.

/// The partition of a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// An EC2 ARN as Terraform builds it: `arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-123`.
pub fn ec2_arn(region: &str, owner: &str, resource: &str) -> String {
    format!("arn:{}:ec2:{region}:{owner}:{resource}", partition(region))
}
