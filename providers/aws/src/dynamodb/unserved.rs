//! Arguments of `aws_dynamodb_table` that moto 5.2.5 (which terrane's AWS provider is
//! tested against) does not keep: a table's class (CreateTable and UpdateTable take
//! `TableClass`, DescribeTable never reports it), on-demand maximums (`OnDemandThroughput`
//! is neither kept nor reported) and global table replicas (UpdateTable's
//! `ReplicaUpdates` are ignored and no `Replicas` are described). They are declared as the
//! Terraform provider declares them, so configurations load, and refused when set: terrane
//! would otherwise send them untested and could not see them drift. `table_class` accepts
//! its default, `STANDARD`, which is what every moto table is.

use aws_sdk_dynamodb::types::TableClass;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::DynamoTable;
use crate::resource::{check_enum, invalid, refuse_blocks};
use crate::schema::*;
use crate::table::Normalise;
use crate::val;

pub const STANDARD: &str = "STANDARD";
const INFREQUENT: &str = "STANDARD_INFREQUENT_ACCESS";

/// Blocks refused when present.
const BLOCKS: [&str; 2] = ["on_demand_throughput", "replica"];

pub fn rows(t: DynamoTable) -> DynamoTable {
    t.attr("table_class", opt_default(STR, Value::string(STANDARD)))
        .read(|d, _| {
            let class = d.table.table_class_summary().and_then(|s| s.table_class());
            Value::string(class.map_or(STANDARD, TableClass::as_str))
        })
        // AWS reports no class for a table never given one; the provider's state has ""
        // for it then, which means STANDARD.
        .normalise(Normalise::Equivalent(same_class))
        .create(|b, v| b.set_table_class(v.str().map(|c| TableClass::from(c.as_str()))))
        // UpdateTable (back to STANDARD, from a class set outside terrane).
        .updated_by_hand()
        .block(
            "on_demand_throughput",
            Nesting::List,
            S::new()
                .attr("max_read_request_units", opt_comp(NUM))
                .attr("max_write_request_units", opt_comp(NUM)),
        )
        .max_items(1)
        // Refused when set: kept as configured, nothing to send.
        .updated_by_hand()
        .block(
            "replica",
            Nesting::Set,
            S::new()
                .attr("arn", comp(STR))
                .attr(
                    "consistency_mode",
                    opt_default(STR, Value::string("EVENTUAL")),
                )
                .attr("deletion_protection_enabled", opt_comp(BOOL))
                .attr("kms_key_arn", opt_comp(STR))
                .attr(
                    "point_in_time_recovery",
                    opt_default(BOOL, Value::Bool(false)),
                )
                .attr("propagate_tags", opt_default(BOOL, Value::Bool(false)))
                .attr("region_name", req(STR))
                .attr("stream_arn", comp(STR))
                .attr("stream_label", comp(STR)),
        )
        // Refused when set: kept as configured, nothing to send.
        .updated_by_hand()
}

fn same_class(a: &str, b: &str) -> bool {
    fn class(s: &str) -> &str {
        if s.is_empty() {
            STANDARD
        } else {
            s
        }
    }
    class(a) == class(b)
}

pub fn check(config: &Value, diags: &mut Diagnostics) {
    check_enum(config, "table_class", &[STANDARD, INFREQUENT], diags);
    let why = "moto, which terrane's AWS provider is tested against, does not keep it";
    if val::str_attr(config, "table_class") == Some(INFREQUENT) {
        invalid(
            diags,
            "table_class",
            format!("terrane does not support table_class = {INFREQUENT:?} yet ({why}); remove it or use Terraform for this table."),
        );
    }
    refuse_blocks(
        config,
        "aws_dynamodb_table",
        "table",
        BLOCKS,
        Some(why),
        diags,
    );
}
