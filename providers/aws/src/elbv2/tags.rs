//! ELBv2 tags: given at create, changed with AddTags/RemoveTags, read with DescribeTags
//! (20 ARNs a call) into `tags_all`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_elasticloadbalancingv2::types::Tag;
use terrane_engine::lang::Value;

use super::read::ARNS_PER_CALL;
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tag_changes;
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
pub fn tags_value(tags: &HashMap<String, BTreeMap<String, String>>, arn: &str) -> Value {
    val::str_map(&tags.get(arn).cloned().unwrap_or_default())
}

/// The planned `tags_all` as tags for a create call; `None` when there are none.
pub fn create_tags(planned: &Value) -> Option<Vec<Tag>> {
    let all = val::string_map(planned, "tags_all");
    (!all.is_empty()).then(|| {
        all.iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    })
}

/// Brings the tags of `arn` from the prior `tags_all` to the planned one.
pub async fn update_tags(
    c: &Clients,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    if !val::changed(prior, planned, "tags_all") {
        return Ok(());
    }
    let (removed, set) = tag_changes(
        &val::string_map(prior, "tags_all"),
        &val::string_map(planned, "tags_all"),
    );
    let elb = c.elbv2.get().await;
    if !removed.is_empty() {
        elb.remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(err("RemoveTags"))?;
    }
    if !set.is_empty() {
        elb.add_tags()
            .resource_arns(arn)
            .set_tags(Some(
                set.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(err("AddTags"))?;
    }
    Ok(())
}
