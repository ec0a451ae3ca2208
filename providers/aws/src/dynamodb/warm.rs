//! `warm_throughput`: the read and write units a table can serve at once. AWS reports a
//! warm throughput for every table; the Terraform provider keeps the block empty while
//! it is AWS's own (below the minimums, or exactly the defaults of 12000 and 4000), so
//! an unconfigured block plans no change (see [`plan`]). Raised in place with UpdateTable; AWS cannot
//! lower it, so a lower configured value replaces the table, as in the provider.

use aws_sdk_dynamodb::types::WarmThroughput;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{Described, DynamoTable};
use crate::resource::invalid;
use crate::schema::*;
use crate::table::item_i32;
use crate::val;

pub const BLOCK: &str = "warm_throughput";

/// The least each can be set to (and AWS's defaults).
const MIN_READ: i64 = 12000;
const MIN_WRITE: i64 = 4000;

const READ: &str = "read_units_per_second";
const WRITE: &str = "write_units_per_second";

pub fn rows(t: DynamoTable) -> DynamoTable {
    t.block(
        BLOCK,
        Nesting::List,
        S::new()
            .attr(READ, opt_comp(NUM))
            .attr(WRITE, opt_comp(NUM)),
    )
    .max_items(1)
    .read(|d, _| read(d))
    .create(|b, v| b.set_warm_throughput(v.first().and_then(spec)))
    // UpdateTable, after the other settings (`update`).
    .updated_by_hand()
}

fn read(d: &Described) -> Value {
    let Some(w) = d.table.warm_throughput() else {
        return Value::List(Vec::new());
    };
    let (r, wr) = (
        w.read_units_per_second().unwrap_or(0),
        w.write_units_per_second().unwrap_or(0),
    );
    if (r < MIN_READ && wr < MIN_WRITE) || (r == MIN_READ && wr == MIN_WRITE) {
        return Value::List(Vec::new());
    }
    Value::List(vec![Value::object([
        (READ, val::num(r as f64)),
        (WRITE, val::num(wr as f64)),
    ])])
}

/// The request's warm throughput for a configured block (`None` when it sets neither).
pub fn spec(item: &Value) -> Option<WarmThroughput> {
    let (r, w) = (units(item, READ), units(item, WRITE));
    (r.is_some() || w.is_some()).then(|| {
        WarmThroughput::builder()
            .set_read_units_per_second(r)
            .set_write_units_per_second(w)
            .build()
    })
}

fn units(item: &Value, k: &str) -> Option<i64> {
    item_i32(item, k).map(i64::from)
}

/// Left out of the configuration, the block is AWS's: kept from the prior state, and
/// unknown for a new table or a new capacity (AWS derives it from the capacity, so a
/// table provisioned with 5000 write units reads back with a warm throughput).
pub fn plan(prior: Option<&Value>, config: &Value, planned: &mut Value) {
    if !val::blocks(config, BLOCK).is_empty() {
        return;
    }
    let capacity = ["billing_mode", "read_capacity", "write_capacity"];
    let kept = prior
        .filter(|p| !capacity.iter().any(|k| val::changed(p, planned, k)))
        .and_then(|p| p.get_attr(BLOCK))
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or(Value::Unknown);
    val::set_attr(planned, BLOCK, kept);
}

/// The provider's minimums.
pub fn check(config: &Value, diags: &mut Diagnostics) {
    let Some(item) = val::first_block(config, BLOCK) else {
        return;
    };
    for (k, min) in [(READ, MIN_READ), (WRITE, MIN_WRITE)] {
        if let Some(n) = val::num_attr(item, k).filter(|n| *n < min) {
            invalid(
                diags,
                BLOCK,
                format!("expected {BLOCK}.0.{k} to be at least ({min}), got {n}"),
            );
        }
    }
}

/// A configured value below the table's: AWS only raises warm throughput, so the table
/// is replaced.
pub fn lowered(prior: &Value, planned: &Value) -> bool {
    let (Some(old), Some(new)) = (
        val::first_block(prior, BLOCK),
        val::first_block(planned, BLOCK),
    ) else {
        return false;
    };
    [READ, WRITE].iter().any(|k| {
        matches!(
            (val::num_attr(old, k), val::num_attr(new, k)),
            (Some(o), Some(n)) if n != 0 && n < o
        )
    })
}
