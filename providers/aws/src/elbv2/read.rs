//! Batched reads shared by the four types: objects by ARN (20 a call, listing everything
//! when one of them is gone), children by parent (listeners by load balancer, rules by
//! listener), and what a read needs besides (attributes, tags).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::future::Future;

use terrane_engine::lang::Value;

use super::attrs::{describe_attributes, AttrSpec, AttrsOf};
use super::tags::read_tags;
use crate::clients::Clients;
use crate::error::AwsError;
use crate::schema::{comp, STR};
use crate::table::{ReadCtx, Table};
use crate::val;

/// The most ARNs DescribeTags, DescribeLoadBalancers and DescribeTargetGroups accept in
/// one call.
pub(super) const ARNS_PER_CALL: usize = 20;

/// Describes objects by ARN, 20 a call. ELBv2 fails a whole call with `*NotFound` when
/// one ARN no longer exists; then everything is listed once instead (`describe(None)`,
/// paged), so the objects that still exist are read and the missing ones come back as
/// deleted rather than as an error.
pub async fn describe_arns<T, F, Fut>(arns: &[String], describe: F) -> Result<Vec<T>, AwsError>
where
    F: Fn(Option<Vec<String>>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let mut out = Vec::new();
    for chunk in arns.chunks(ARNS_PER_CALL) {
        match describe(Some(chunk.to_vec())).await {
            Ok(found) => out.extend(found),
            Err(e) if e.is_not_found() => return describe(None).await,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Describes the children (listeners, rules) of each parent with one paged call per
/// parent. A parent that is gone (`*NotFound`) took its children with it: none are
/// returned for it, so they read as deleted.
pub async fn describe_per_parent<'a, T, F, Fut>(
    parents: &'a BTreeSet<String>,
    describe: F,
) -> Result<Vec<T>, AwsError>
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let mut out = Vec::new();
    for p in parents {
        match describe(p).await {
            Ok(children) => out.extend(children),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Reads objects named by ARN (`id`): [`describe_arns`], then [`found`].
pub async fn read_by_arn<T, F, Fut>(
    c: &Clients,
    current: &[Value],
    describe: F,
    arn_of: impl Fn(&T) -> Option<&str>,
    attrs: Option<AttrsOf>,
) -> Result<Found<T>, AwsError>
where
    F: Fn(Option<Vec<String>>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let all = describe_arns(&crate::ec2::ids(current), describe).await?;
    found(c, current, all, arn_of, attrs).await
}

/// One object as a Describe gives it, with its tags (DescribeTags, one call for all) and
/// its Key/Value attributes: what a table row reads.
pub struct Described<T> {
    pub item: T,
    /// Its ARN, which is its ID.
    pub arn: String,
    pub tags: Value,
    pub attrs: HashMap<String, String>,
}

impl<T> Described<T> {
    /// The object of `arn` among what a refresh found (whose items may have been taken).
    pub fn of(found: &Found<T>, item: &T, arn: &str) -> Self
    where
        T: Clone,
    {
        Described {
            item: item.clone(),
            arn: arn.to_string(),
            tags: super::tags::of_arn(&found.tags, arn),
            attrs: attrs_of(&found.attrs, arn),
        }
    }

    /// An object with nothing set, for the table test.
    pub fn sample(item: T) -> Self {
        Described {
            item,
            arn: String::new(),
            tags: Value::Map(Default::default()),
            attrs: HashMap::new(),
        }
    }
}

/// The rows every table of a [`Described`] object starts with: `id` and `arn` (the
/// same ARN) and the tags.
pub fn arn_rows<T, C, U>(t: Table<Described<T>, C, U>) -> Table<Described<T>, C, U> {
    t.tags_all(|d| d.tags.clone())
        .attr("id", comp(STR))
        .read(|d, _| Value::string(&d.arn))
        .attr("arn", comp(STR))
        .read(|d, _| Value::string(&d.arn))
}

/// A row for each Key/Value attribute of `specs`, read by `read` given its name and
/// updated by the resource's own ModifyXAttributes call.
pub fn attr_rows<T, C, U>(
    t: Table<T, C, U>,
    specs: &[AttrSpec],
    read: fn(&T, &ReadCtx, &str) -> Value,
) -> Table<T, C, U> {
    specs.iter().fold(t, |t, spec| {
        t.attr(spec.tf, spec.schema())
            .read_named(read)
            .updated_by_hand()
    })
}

/// What a refresh found of one kind of object: those asked for that still exist, with
/// their Key/Value attributes (for kinds that have them) and tags, by ARN.
pub struct Found<T> {
    pub items: Vec<T>,
    pub attrs: HashMap<String, HashMap<String, String>>,
    pub tags: HashMap<String, BTreeMap<String, String>>,
}

/// The attributes of `arn` in a [`Found`]'s `attrs` (empty when it has none).
pub fn attrs_of(
    attrs: &HashMap<String, HashMap<String, String>>,
    arn: &str,
) -> HashMap<String, String> {
    attrs.get(arn).cloned().unwrap_or_default()
}

/// Keeps the described objects that `current` asks for (by `id`), then reads their
/// attributes (one call each: the API has no batch form) and tags (20 a call).
pub async fn found<T>(
    c: &Clients,
    current: &[Value],
    items: Vec<T>,
    arn_of: impl Fn(&T) -> Option<&str>,
    attrs: Option<AttrsOf>,
) -> Result<Found<T>, AwsError> {
    let wanted: HashSet<&str> = current
        .iter()
        .filter_map(|v| val::str_attr(v, "id"))
        .collect();
    let items: Vec<T> = items
        .into_iter()
        .filter(|x| arn_of(x).is_some_and(|a| wanted.contains(a)))
        .collect();
    let arns: Vec<String> = items
        .iter()
        .filter_map(|x| arn_of(x).map(str::to_string))
        .collect();
    let mut by_arn = HashMap::new();
    if let Some(of) = attrs {
        let elb = c.elbv2.get().await;
        for arn in &arns {
            by_arn.insert(arn.clone(), describe_attributes(&elb, of, arn).await?);
        }
    }
    let tags = read_tags(c, &arns).await?;
    Ok(Found {
        items,
        attrs: by_arn,
        tags,
    })
}
