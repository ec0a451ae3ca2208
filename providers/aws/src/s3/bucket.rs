//! `aws_s3_bucket` as the Terraform AWS provider 6.x has it: the bucket, its tags and
//! object lock switch. The deprecated inline configuration blocks (`versioning`,
//! `server_side_encryption_configuration`, `lifecycle_rule`, ...) are not in the schema,
//! so setting one is refused when the configuration is loaded; the separate
//! `aws_s3_bucket_*` types configure a bucket instead. The name is the ID and import ID.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_s3::operation::create_bucket::builders::CreateBucketFluentBuilder;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
    ObjectLockEnabled, Tag, Tagging as S3Tagging,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::region::{dns_suffix, partition};
use crate::resource::{
    invalid, name_prefix_from_name, unique_name, wait_for, AwsResource, Failed, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ReadCtx, ResourceTable, Table};
use crate::val;

pub struct BucketRes;

/// A bucket as HeadBucket, GetBucketTagging and GetObjectLockConfiguration describe it.
pub struct Bucket {
    name: String,
    /// The region HeadBucket names (`None`: the clients' region).
    region: Option<String>,
    object_lock: bool,
    tags: BTreeMap<String, String>,
}

impl Bucket {
    fn region<'a>(&'a self, cx: &'a ReadCtx) -> &'a str {
        self.region.as_deref().unwrap_or(cx.region)
    }
}

type BucketTable = Table<Bucket, CreateBucketFluentBuilder>;

static TABLE: LazyLock<BucketTable> = LazyLock::new(|| {
    BucketTable::new(|| {
        Some(Bucket {
            name: String::new(),
            region: None,
            object_lock: false,
            tags: BTreeMap::new(),
        })
    })
    .tags_all(|b| val::str_map(&b.tags))
    .attr("id", comp(STR))
    .read(|b, _| Value::string(&b.name))
    .attr("arn", comp(STR))
    .read(|b, cx| Value::string(format!("arn:{}:s3:::{}", partition(b.region(cx)), b.name)))
    // Created from `bucket` or `bucket_prefix` by hand (`bucket_name`).
    .attr("bucket", opt_comp(STR).force_new())
    .read(|b, _| Value::string(&b.name))
    .attr("bucket_prefix", opt_comp(STR).force_new())
    .read(|b, cx| match cx.current.get_attr("bucket_prefix") {
        Some(v) if !v.is_null() && !v.is_unknown() => v.clone(),
        // As the Terraform provider: the prefix a generated name was made from.
        _ => val::opt_str(name_prefix_from_name(&b.name)),
    })
    .attr("bucket_domain_name", comp(STR))
    .read(|b, cx| Value::string(format!("{}.s3.{}", b.name, dns_suffix(b.region(cx)))))
    .attr("bucket_regional_domain_name", comp(STR))
    .read(|b, cx| {
        let region = b.region(cx);
        Value::string(format!("{}.s3.{region}.{}", b.name, dns_suffix(region)))
    })
    // 6.x: the bucket's own region (`region` is where the provider manages it).
    .attr("bucket_region", comp(STR))
    .read(|b, cx| Value::string(b.region(cx)))
    .attr("hosted_zone_id", comp(STR))
    .read(|b, cx| Value::string(hosted_zone_id(b.region(cx))))
    // A setting of the provider's own: read by `delete`, nothing to send.
    .attr("force_destroy", opt_default(BOOL, Value::Bool(false)))
    .updated_by_hand()
    .attr("object_lock_enabled", opt_comp(BOOL).force_new())
    .read(|b, _| Value::Bool(b.object_lock))
    .create(|r, v| r.set_object_lock_enabled_for_bucket(v.true_only()))
});

/// The Route 53 hosted zone of S3's website endpoints in a region (the Terraform
/// provider's table); "" for a region it does not list.
fn hosted_zone_id(region: &str) -> &'static str {
    match region {
        "af-south-1" => "Z83WF9RJE8B12",
        "ap-east-1" => "ZNB98KWMFR0R6",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-northeast-2" => "Z3W03O7B5YMIYP",
        "ap-northeast-3" => "Z2YQB5RD63NC85",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "ca-central-1" => "Z1QDHH18159H29",
        "cn-north-1" => "Z5CN8UMXT92WN",
        "cn-northwest-1" => "Z282HJ1KT0DH03",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "eu-north-1" => "Z3BAZG2TWCNX0D",
        "eu-south-1" => "Z30OZKI7KPW7MI",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-west-3" => "Z3R1K369G5AVDG",
        "me-south-1" => "Z1MPMWCPA7YB62",
        "sa-east-1" => "Z7KQH4QJS55SO",
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-gov-east-1" => "Z2NIFVYYW2VKV1",
        "us-gov-west-1" => "Z31GFT0UA1I2HV",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        _ => "",
    }
}

/// The name to create: `bucket`, else a unique name from `bucket_prefix`, else one
/// starting with `terraform-`.
fn bucket_name(planned: &Value) -> String {
    match (
        val::str_attr(planned, "bucket"),
        val::str_attr(planned, "bucket_prefix"),
    ) {
        (Some(b), _) => b.to_string(),
        (None, Some(p)) => unique_name(p),
        (None, None) => unique_name("terraform-"),
    }
}

async fn get_tags(c: &Clients, bucket: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let out =
        c.s3.get()
            .await
            .get_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("GetBucketTagging"));
    match out {
        Ok(o) => Ok(o
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if e.code() == Some("NoSuchTagSet") => Ok(BTreeMap::new()),
        Err(e) => Err(e),
    }
}

/// Replaces the bucket's whole tag set (S3 has no per-key tag calls).
async fn put_tags(
    c: &Clients,
    bucket: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let s3 = c.s3.get().await;
    if tags.is_empty() {
        s3.delete_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("DeleteBucketTagging"))?;
        return Ok(());
    }
    let set: Vec<Tag> = tags
        .iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let tagging = S3Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| AwsError::Invalid(e.to_string()))?;
    s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(err("PutBucketTagging"))?;
    Ok(())
}

/// Describes a bucket; `None` when it does not exist.
async fn describe(c: &Clients, name: &str) -> Result<Option<Bucket>, AwsError> {
    let head =
        c.s3.get()
            .await
            .head_bucket()
            .bucket(name)
            .send()
            .await
            .map_err(err("HeadBucket"));
    let head = match head {
        Ok(h) => h,
        Err(e) if e.is_not_found() || e.code() == Some("NoSuchBucket") => return Ok(None),
        Err(e) => return Err(e),
    };
    let lock =
        c.s3.get()
            .await
            .get_object_lock_configuration()
            .bucket(name)
            .send()
            .await
            .map_err(err("GetObjectLockConfiguration"));
    let object_lock = match lock {
        Ok(o) => o
            .object_lock_configuration()
            .and_then(|l| l.object_lock_enabled())
            .is_some_and(|e| *e == ObjectLockEnabled::Enabled),
        Err(e) if e.code() == Some("ObjectLockConfigurationNotFoundError") => false,
        Err(e) => return Err(e),
    };
    Ok(Some(Bucket {
        name: name.to_string(),
        region: head.bucket_region().map(str::to_string),
        object_lock,
        tags: get_tags(c, name).await?,
    }))
}

/// Deletes every object version and delete marker (what `force_destroy` promises), a
/// page of up to 1000 at a time.
async fn empty_bucket(c: &Clients, bucket: &str, bypass_lock: bool) -> Result<(), AwsError> {
    loop {
        let s3 = c.s3.get().await;
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .map_err(err("ListObjectVersions"))?;
        let versions = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            );
        let ids: Vec<ObjectIdentifier> = versions
            .filter_map(|(k, v)| {
                ObjectIdentifier::builder()
                    .key(k?)
                    .set_version_id(v.map(str::to_string))
                    .build()
                    .ok()
            })
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| AwsError::Invalid(e.to_string()))?;
        let out = s3
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .set_bypass_governance_retention(bypass_lock.then_some(true))
            .send()
            .await
            .map_err(err("DeleteObjects"))?;
        if let Some(e) = out.errors().first() {
            return Err(AwsError::Api {
                operation: "DeleteObjects".into(),
                code: e.code().unwrap_or("Error").to_string(),
                message: format!(
                    "emptying S3 Bucket ({bucket}): object {:?}: {}",
                    e.key().unwrap_or_default(),
                    e.message().unwrap_or_default()
                ),
            });
        }
    }
}

#[async_trait]
impl AwsResource for BucketRes {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    /// Found again by its name after a crash (its import ID); bucket names are global, so
    /// an object found is the one this run asked for (a `bucket_prefix` name is unknown
    /// until created: none).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["bucket"], &[])
    }

    async fn find(
        &self,
        _c: &Clients,
        identity: &terrane_engine::provider::Identity,
    ) -> Result<Option<String>, AwsError> {
        Ok(identity.get("bucket").map(str::to_string))
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if val::str_attr(config, "bucket").is_some()
            && val::str_attr(config, "bucket_prefix").is_some()
        {
            invalid(
                diags,
                "bucket_prefix",
                "\"bucket_prefix\": conflicts with bucket".into(),
            );
        }
        if let Some(b) = val::str_attr(config, "bucket") {
            if b.len() > 63 {
                invalid(
                    diags,
                    "bucket",
                    format!("expected length of bucket to be in the range (0 - 63), got {b}"),
                );
            }
        }
        if let Some(p) = val::str_attr(config, "bucket_prefix") {
            // The generated suffix is 26 characters.
            if p.len() > 63 - 26 {
                invalid(
                    diags,
                    "bucket_prefix",
                    format!(
                        "expected length of bucket_prefix to be in the range (0 - 37), got {p}"
                    ),
                );
            }
        }
    }

    /// One HeadBucket, GetObjectLockConfiguration and GetBucketTagging per bucket: S3 has
    /// no call that describes several buckets.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut out = Vec::with_capacity(current.len());
        for cur in current {
            let name = val::str_attr(cur, "id").unwrap_or_default();
            let read = describe(c, name)
                .await?
                .map(|b| TABLE.read_value(&b, cur, &c.region));
            out.push(read);
        }
        Ok(out)
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let name = bucket_name(planned);
        // us-east-1 is the one region that takes no location constraint.
        let location = (c.region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(c.region.as_str()))
                .build()
        });
        TABLE
            .create_request(c.s3.get().await.create_bucket(), planned)
            .bucket(&name)
            .set_create_bucket_configuration(location)
            .send()
            .await
            .map_err(err("CreateBucket"))?;
        // S3 is eventually consistent about new buckets.
        wait_for("S3 Bucket", "available", t, || async {
            Ok(match describe(c, &name).await? {
                Some(_) => Ok(()),
                None => Err("not found".to_string()),
            })
        })
        .await
        .map_err(|e| e.after_create(&name))?;
        let tags = val::string_map(planned, "tags_all");
        if !tags.is_empty() {
            put_tags(c, &name, &tags)
                .await
                .map_err(|e| e.after_create(&name))?;
        }
        Ok(name)
    }

    async fn tag(
        &self,
        c: &Clients,
        prior: &Value,
        tags: BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let mut all = get_tags(c, name).await?;
        all.extend(tags);
        put_tags(c, name, &all).await
    }

    async fn untag(&self, c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let mut all = get_tags(c, name).await?;
        all.retain(|k, _| !keys.contains(k));
        put_tags(c, name, &all).await
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let delete = || async {
            c.s3.get()
                .await
                .delete_bucket()
                .bucket(name)
                .send()
                .await
                .map_err(err("DeleteBucket"))
        };
        match delete().await {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("NoSuchBucket") => Ok(()),
            Err(e) if e.code() == Some("BucketNotEmpty") => {
                if val::bool_attr(prior, "force_destroy") != Some(true) {
                    return Err(AwsError::Invalid(format!(
                        "deleting S3 Bucket ({name}): BucketNotEmpty: the bucket still holds \
                         objects (or versions of objects). Delete them first, or set \
                         force_destroy = true and apply it before destroying, so that the \
                         destroy deletes every object version with the bucket."
                    )));
                }
                let locked = val::bool_attr(prior, "object_lock_enabled") == Some(true);
                empty_bucket(c, name, locked).await?;
                delete().await.map(|_| ())
            }
            Err(e) => Err(e),
        }
    }
}
