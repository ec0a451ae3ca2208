//! ELBv2 tags: given at create, changed with AddTags/RemoveTags, read with DescribeTags
//! (20 ARNs a call) into `tags_all`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_elasticloadbalancingv2::types::Tag;
use terrane_engine::lang::Value;

use super::read::ARNS_PER_CALL;
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::val;

/// The tags of many resources, 20 ARNs per DescribeTags call.
pub async fn read_tags(
    c: &Clients,
    arns: &[String],
) -> Result<HashMap<String, BTreeMap<String, String>>, AwsError> {
    let elb = c.elbv2.get().await;
    let mut out = HashMap::new();
    for chunk in arns.chunks(ARNS_PER_CALL) {
        let got = elb
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("DescribeTags"))?;
        for d in got.tag_descriptions() {
            let tags = d
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_string(),
                        t.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect();
            if let Some(arn) = d.resource_arn() {
                out.insert(arn.to_string(), tags);
            }
        }
    }
    Ok(out)
}

/// The `tags_all` value of `arn` from [`read_tags`]'s result.
pub fn of_arn(tags: &HashMap<String, BTreeMap<String, String>>, arn: &str) -> Value {
    val::str_map(&tags.get(arn).cloned().unwrap_or_default())
}

/// The planned `tags_all` as tags for a create call; `None` when there are none.
pub fn create_tags(planned: &Value) -> Option<Vec<Tag>> {
    let all = val::string_map(planned, "tags_all");
    (!all.is_empty()).then(|| tag_list(&all))
}

/// Tags in ELBv2's form.
fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Adds or overwrites tags on the ELBv2 resource whose `arn` the object holds.
pub async fn tag(
    c: &Clients,
    prior: &Value,
    tags: BTreeMap<String, String>,
) -> Result<(), AwsError> {
    c.elbv2
        .get()
        .await
        .add_tags()
        .resource_arns(val::str_attr(prior, "arn").unwrap_or_default())
        .set_tags(Some(tag_list(&tags)))
        .send()
        .await
        .map_err(err("AddTags"))?;
    Ok(())
}

/// Removes tag keys from the ELBv2 resource whose `arn` the object holds.
pub async fn untag(c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
    c.elbv2
        .get()
        .await
        .remove_tags()
        .resource_arns(val::str_attr(prior, "arn").unwrap_or_default())
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(err("RemoveTags"))?;
    Ok(())
}
