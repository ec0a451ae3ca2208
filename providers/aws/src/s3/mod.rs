//! S3: `aws_s3_bucket` and the bucket-configuration types a state bucket needs
//! (`aws_s3_bucket_versioning`, `aws_s3_bucket_server_side_encryption_configuration`,
//! `aws_s3_bucket_public_access_block`). S3 has no batched Describe: a refresh costs a few
//! calls per bucket.
//!
//! The configuration types are each one Get/Put/Delete triple on a bucket; their ID (and
//! import ID) is the bucket name, or `bucket,expected_bucket_owner` when an owner is set,
//! as the Terraform provider writes it. [`OfBucket`] and [`bucket_rows`] hold what they
//! share.

mod bucket;
mod config_types;

use std::future::Future;

use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::AwsError;
use crate::resource::AwsResource;
use crate::schema::*;
use crate::table::Table;
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(bucket::BucketRes),
        Box::new(config_types::VersioningRes),
        Box::new(config_types::EncryptionRes),
        Box::new(config_types::PublicAccessBlockRes),
    ]
}

/// One configuration of a bucket as S3 answered it, with the bucket it belongs to.
pub struct OfBucket<T> {
    pub bucket: String,
    pub owner: Option<String>,
    pub item: T,
}

impl<T> OfBucket<T> {
    fn sample(item: T) -> Option<OfBucket<T>> {
        Some(OfBucket {
            bucket: String::new(),
            owner: None,
            item,
        })
    }
}

/// The rows every bucket-configuration type has: `id`, `bucket` and
/// `expected_bucket_owner` (both replace the object when changed).
pub fn bucket_rows<T, C, U>(t: Table<OfBucket<T>, C, U>) -> Table<OfBucket<T>, C, U> {
    t.attr("id", comp(STR))
        .read(|o, _| Value::string(config_id(&o.bucket, o.owner.as_deref())))
        .attr("bucket", req(STR).force_new())
        .read(|o, _| Value::string(&o.bucket))
        .attr("expected_bucket_owner", opt(STR).force_new())
        .read(|o, _| val::opt_str(o.owner.as_deref()))
}

/// The ID Terraform gives a bucket configuration.
pub fn config_id(bucket: &str, owner: Option<&str>) -> String {
    match owner {
        Some(o) => format!("{bucket},{o}"),
        None => bucket.to_string(),
    }
}

/// The bucket and expected owner of a configuration: from its arguments when known
/// (a planned object), else from its ID (an import).
pub fn bucket_and_owner(v: &Value) -> (String, Option<String>) {
    if let Some(b) = val::str_attr(v, "bucket") {
        let owner = val::str_attr(v, "expected_bucket_owner").map(str::to_string);
        return (b.to_string(), owner);
    }
    let id = val::str_attr(v, "id").unwrap_or_default();
    match id.split_once(',') {
        Some((b, o)) => (b.to_string(), Some(o.to_string())),
        None => (id.to_string(), None),
    }
}

/// An import ID `BUCKET` or `BUCKET,ACCOUNT` as the object to read.
pub fn import_bucket_config(id: &str, stub: &mut Obj) -> Result<(), String> {
    let (bucket, owner) = match id.split_once(',') {
        Some((b, o)) if !b.is_empty() && !o.is_empty() => (b, Some(o)),
        Some(_) => {
            return Err(format!(
                "unexpected format of ID ({id:?}), expected BUCKET or BUCKET,EXPECTED_BUCKET_OWNER"
            ))
        }
        None => (id, None),
    };
    stub.set("id", Value::string(id));
    stub.set("bucket", Value::string(bucket));
    stub.set("expected_bucket_owner", val::opt_str(owner));
    Ok(())
}

/// Reads each configuration with `get` (one call per bucket; `None` when the bucket or
/// its configuration is gone) through the table. `exists` decides from the object as last
/// known whether what S3 answered counts as the object (an unversioned bucket is a
/// versioning configuration only while it is configured `Disabled`).
pub async fn read_each<T, C, U, F, Fut>(
    table: &Table<OfBucket<T>, C, U>,
    c: &Clients,
    current: &[Value],
    get: F,
    exists: fn(&Value, &T) -> bool,
) -> Result<Vec<Option<Value>>, AwsError>
where
    F: Fn(String, Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<T>, AwsError>>,
{
    let mut out = Vec::with_capacity(current.len());
    for cur in current {
        let (bucket, owner) = bucket_and_owner(cur);
        let Some(item) = get(bucket.clone(), owner.clone())
            .await?
            .filter(|i| exists(cur, i))
        else {
            out.push(None);
            continue;
        };
        let o = OfBucket {
            bucket,
            owner,
            item,
        };
        out.push(Some(table.read_value(&o, cur, &c.region)));
    }
    Ok(out)
}

/// `Ok(None)` for the error codes that mean "no such bucket or configuration".
pub fn none_if_missing<T>(r: Result<T, AwsError>, codes: &[&str]) -> Result<Option<T>, AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if e.code()
                .is_some_and(|c| c == "NoSuchBucket" || codes.contains(&c)) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
