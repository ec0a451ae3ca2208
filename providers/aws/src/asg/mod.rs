//! EC2 Auto Scaling (the `autoscaling` module is Application Auto Scaling):
//! `aws_autoscaling_group`, `aws_autoscaling_schedule`, `aws_autoscaling_policy`.
//! Shared here: what a group's schedules and policies have in common — they are named
//! within their group (ID the name, import and recovery ID `GROUP/NAME`), and deleting
//! one that is gone answers a ValidationError saying "not found".

use terrane_engine::lang::Value;
use terrane_engine::provider::Identity;

use crate::clients::Clients;
use crate::error::AwsError;
use crate::resource::AwsResource;
use crate::table::Table;
use crate::val;

pub mod group;
pub mod policy;
mod predictive;
pub mod schedule;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(group::GroupRes),
        Box::new(schedule::ScheduleRes),
        Box::new(policy::PolicyRes),
    ]
}

/// Reads each object of `current` (by group and `id`) from the `found` objects of its
/// group, whose group and name `key` gives.
pub fn read_in_group<T, C, U>(
    table: &Table<T, C, U>,
    c: &Clients,
    current: &[Value],
    found: &[T],
    key: fn(&T) -> (Option<&str>, Option<&str>),
) -> Vec<Option<Value>> {
    current
        .iter()
        .map(|cur| {
            let want = (
                val::str_attr(cur, "autoscaling_group_name"),
                val::str_attr(cur, "id"),
            );
            let obj = found.iter().find(|t| key(t) == want)?;
            Some(table.read_value(obj, cur, &c.region))
        })
        .collect()
}

/// The import ID `GROUP/NAME` of an object whose name is the identity's `name_key`.
pub fn group_and_name(identity: &Identity, name_key: &str) -> Option<String> {
    let group = identity.get("autoscaling_group_name")?;
    Some(format!("{group}/{}", identity.get(name_key)?))
}

/// Splits `GROUP/NAME` at the last slash (a group name may hold slashes).
pub fn split_group_and_name(id: &str) -> Option<(&str, &str)> {
    id.rsplit_once('/')
        .filter(|(g, n)| !g.is_empty() && !n.is_empty())
}

/// A delete's answer, an object already gone counting as deleted.
pub fn deleted<T>(out: Result<T, AwsError>) -> Result<(), AwsError> {
    match out {
        Err(e) if e.is_not_found() || e.to_string().contains("not found") => Ok(()),
        other => other.map(|_| ()),
    }
}
