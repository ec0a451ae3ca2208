//! EC2 Auto Scaling (the `autoscaling` module is Application Auto Scaling):
//! `aws_autoscaling_group`, `aws_autoscaling_schedule`, `aws_autoscaling_policy`.

use crate::resource::AwsResource;

pub mod group;
pub mod policy;
pub mod schedule;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(group::GroupRes),
        Box::new(schedule::ScheduleRes),
        Box::new(policy::PolicyRes),
    ]
}
