//! EC2 Auto Scaling (the `autoscaling` module is Application Auto Scaling):
//! `aws_autoscaling_group`.

use crate::resource::AwsResource;

pub mod group;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(group::GroupRes)]
}
