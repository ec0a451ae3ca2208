//! Blocks of `aws_ecs_service` that terrane declares, so configurations that leave them
//! out (the community ECS module writes them as dynamic blocks) validate, but does not
//! send to AWS yet: EBS volumes configured at launch, and the blue/green settings of a
//! load balancer. A configuration that sets one is refused at validation,
//! never silently ignored.

use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::schema::*;
use crate::val;

fn volume_configuration() -> S {
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

/// The blue/green settings of a `load_balancer` block.
pub fn advanced_configuration() -> S {
    S::new()
        .attr("alternate_target_group_arn", req(STR))
        .attr("production_listener_rule", req(STR))
        .attr("role_arn", req(STR))
        .attr("test_listener_rule", opt(STR))
}

/// Adds the service-level block to the schema.
pub fn schema(s: S) -> S {
    s.block(
        "volume_configuration",
        Nesting::List,
        volume_configuration(),
    )
}

/// Refuses a configuration that sets one of the blocks.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let refuse = |diags: &mut Diagnostics, block: &str| {
        diags.push(
            Diagnostic::error(format!("{block} is not supported yet"))
                .detail(format!(
                    "terrane's aws_ecs_service does not send {block} to AWS yet. Remove the block, or manage this service with the hashicorp/aws provider plugin."
                ))
                .attribute(block),
        );
    };
    if !val::blocks(config, "volume_configuration").is_empty() {
        refuse(diags, "volume_configuration");
    }
    if val::blocks(config, "load_balancer")
        .iter()
        .any(|lb| !val::blocks(lb, "advanced_configuration").is_empty())
    {
        refuse(diags, "load_balancer.advanced_configuration");
    }
}
