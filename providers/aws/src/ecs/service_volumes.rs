//! The `volume_configuration` block of `aws_ecs_service`: an EBS volume ECS creates for
//! each task, for the task definition's volume configured at launch. Sent on create and
//! update; ECS reports it only on a service's deployments (moto not at all), so the
//! configured value is kept.

use aws_sdk_ecs::types::{
    EbsResourceType, EbsTagSpecification, PropagateTags, ServiceManagedEbsVolumeConfiguration,
    ServiceVolumeConfiguration, TaskFilesystemType,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::tags_of_map;
use crate::error::AwsError;
use crate::schema::*;
use crate::val;

pub fn schema() -> S {
    let ebs = S::new()
        .attr("role_arn", req(STR))
        .attr("encrypted", opt(BOOL))
        .attr("file_system_type", opt_comp(STR))
        .attr("iops", opt_comp(NUM))
        .attr("kms_key_id", opt(STR))
        .attr("size_in_gb", opt_comp(NUM))
        .attr("snapshot_id", opt(STR))
        .attr("throughput", opt_comp(NUM))
        .attr("volume_initialization_rate", opt(NUM))
        .attr("volume_type", opt_comp(STR))
        .block(
            "tag_specifications",
            Nesting::List,
            S::new()
                .attr("resource_type", req(STR))
                .attr("propagate_tags", opt(STR))
                .attr("tags", opt(map_of(STR))),
        );
    S::new()
        .attr("name", req(STR))
        .block("managed_ebs_volume", Nesting::List, ebs)
}

fn invalid(e: impl std::fmt::Display) -> AwsError {
    AwsError::Invalid(format!("volume_configuration: {e}"))
}

/// The planned block for CreateService and UpdateService (none when there is none: ECS
/// keeps no volume configuration then).
pub fn to_sdk(planned: &Value) -> Result<Option<Vec<ServiceVolumeConfiguration>>, AwsError> {
    let Some(v) = val::first_block(planned, "volume_configuration") else {
        return Ok(None);
    };
    let ebs = val::first_block(v, "managed_ebs_volume")
        .map(|e| {
            let s = |k| val::str_attr(e, k).map(str::to_string);
            let tags = val::blocks(e, "tag_specifications")
                .iter()
                .map(|t| {
                    EbsTagSpecification::builder()
                        .set_resource_type(
                            val::str_attr(t, "resource_type").map(EbsResourceType::from),
                        )
                        .set_tags(tags_of_map(val::string_map(t, "tags")))
                        .set_propagate_tags(
                            val::str_attr(t, "propagate_tags").map(PropagateTags::from),
                        )
                        .build()
                        .map_err(invalid)
                })
                .collect::<Result<Vec<_>, _>>()?;
            ServiceManagedEbsVolumeConfiguration::builder()
                .set_role_arn(s("role_arn"))
                .set_encrypted(val::bool_attr(e, "encrypted"))
                .set_filesystem_type(
                    val::str_attr(e, "file_system_type").map(TaskFilesystemType::from),
                )
                .set_iops(val::i32_attr(e, "iops"))
                .set_kms_key_id(s("kms_key_id"))
                .set_size_in_gib(val::i32_attr(e, "size_in_gb"))
                .set_snapshot_id(s("snapshot_id"))
                .set_throughput(val::i32_attr(e, "throughput"))
                .set_volume_initialization_rate(val::i32_attr(e, "volume_initialization_rate"))
                .set_volume_type(s("volume_type"))
                .set_tag_specifications((!tags.is_empty()).then_some(tags))
                .build()
                .map_err(invalid)
        })
        .transpose()?;
    Ok(Some(vec![ServiceVolumeConfiguration::builder()
        .set_name(val::str_attr(v, "name").map(str::to_string))
        .set_managed_ebs_volume(ebs)
        .build()
        .map_err(invalid)?]))
}
