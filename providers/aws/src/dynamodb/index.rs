//! A table's secondary indexes: `global_secondary_index` (sets of items keyed by name,
//! created, deleted and re-provisioned in place through UpdateTable, one index change per
//! call as the Terraform provider makes them) and `local_secondary_index` (made with the
//! table only, so any change replaces the table).

use aws_sdk_dynamodb::types::{
    CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, LocalSecondaryIndex, Projection,
    ProjectionType, ProvisionedThroughput, TableDescription, UpdateGlobalSecondaryIndexAction,
};
use terrane_engine::lang::Value;

use crate::schema::*;
use crate::table::{item_i32, item_str, ReadCtx};
use crate::val;

pub const GSI: &str = "global_secondary_index";
pub const LSI: &str = "local_secondary_index";
pub const PROJECTION_TYPES: [&str; 3] = ["ALL", "INCLUDE", "KEYS_ONLY"];

pub fn gsi_schema() -> S {
    S::new()
        .attr("name", req(STR))
        .attr("hash_key", req(STR))
        .attr("range_key", opt(STR))
        .attr("projection_type", req(STR))
        .attr("non_key_attributes", opt(set_of(STR)))
        .attr("read_capacity", opt(NUM))
        .attr("write_capacity", opt(NUM))
}

pub fn lsi_schema() -> S {
    S::new()
        .attr("name", req(STR).force_new())
        .attr("range_key", req(STR).force_new())
        .attr("projection_type", req(STR).force_new())
        .attr("non_key_attributes", opt(list_of(STR)).force_new())
}

pub fn key_element(name: String, ty: KeyType) -> Option<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(ty)
        .build()
        .ok()
}

fn key_in(keys: &[KeySchemaElement], ty: &KeyType) -> Option<String> {
    keys.iter()
        .find(|k| k.key_type() == ty)
        .map(|k| k.attribute_name().to_string())
}

/// The hash (and range) key elements of an index item.
fn item_keys(hash: Option<String>, item: &Value) -> Vec<KeySchemaElement> {
    let range = item_str(item, "range_key");
    [(hash, KeyType::Hash), (range, KeyType::Range)]
        .into_iter()
        .filter_map(|(k, ty)| key_element(k?, ty))
        .collect()
}

fn projection(item: &Value) -> Projection {
    let keys = val::strings(item, "non_key_attributes");
    Projection::builder()
        .set_projection_type(
            item_str(item, "projection_type").map(|p| ProjectionType::from(p.as_str())),
        )
        .set_non_key_attributes((!keys.is_empty()).then_some(keys))
        .build()
}

/// An index item's capacity; none for on-demand tables (AWS refuses it there).
fn throughput(item: &Value, provisioned: bool) -> Option<ProvisionedThroughput> {
    if !provisioned {
        return None;
    }
    ProvisionedThroughput::builder()
        .read_capacity_units(item_i32(item, "read_capacity").unwrap_or(0).into())
        .write_capacity_units(item_i32(item, "write_capacity").unwrap_or(0).into())
        .build()
        .ok()
}

/// The configured item named `name` in a set block of the object as known.
fn known_item<'a>(cx: &'a ReadCtx, block: &str, name: Option<&str>) -> Option<&'a Value> {
    val::blocks(cx.current, block)
        .iter()
        .find(|i| val::str_attr(i, "name") == name)
}

/// AWS answers 0 and an empty list for what an index item leaves unset; the Terraform
/// provider holds those the same as null, so the known spelling is kept (null unless the
/// known item says 0 or []).
fn zero_as_known(known: Option<&Value>, k: &str, read: Value) -> Value {
    if !is_zero(&read) {
        return read;
    }
    match known.and_then(|i| i.get_attr(k)) {
        Some(v) if is_zero(v) => v.clone(),
        _ => Value::Null,
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_zero(),
        Value::List(x) | Value::Set(x) => x.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

fn projection_values(p: Option<&Projection>, list: bool) -> (Value, Value) {
    let ty = val::opt_str(
        p.and_then(|p| p.projection_type())
            .map(ProjectionType::as_str),
    );
    let keys = p.map(Projection::non_key_attributes).unwrap_or_default();
    let keys = if list {
        val::str_list(keys)
    } else {
        val::str_set(keys)
    };
    (ty, keys)
}

pub fn read_gsis(t: &TableDescription, cx: &ReadCtx) -> Value {
    let items = t.global_secondary_indexes().iter().map(|g| {
        let known = known_item(cx, GSI, g.index_name());
        let (ty, non_key) = projection_values(g.projection(), false);
        let cap = g.provisioned_throughput();
        let capacity = |n: Option<i64>| val::num(n.unwrap_or(0) as f64);
        Value::object([
            ("name", val::opt_str(g.index_name())),
            (
                "hash_key",
                val::opt_str(key_in(g.key_schema(), &KeyType::Hash).as_deref()),
            ),
            (
                "range_key",
                val::opt_str(key_in(g.key_schema(), &KeyType::Range).as_deref()),
            ),
            ("projection_type", ty),
            (
                "non_key_attributes",
                zero_as_known(known, "non_key_attributes", non_key),
            ),
            (
                "read_capacity",
                zero_as_known(
                    known,
                    "read_capacity",
                    capacity(cap.and_then(|c| c.read_capacity_units())),
                ),
            ),
            (
                "write_capacity",
                zero_as_known(
                    known,
                    "write_capacity",
                    capacity(cap.and_then(|c| c.write_capacity_units())),
                ),
            ),
        ])
    });
    Value::set(items.collect())
}

pub fn read_lsis(t: &TableDescription, cx: &ReadCtx) -> Value {
    let items = t.local_secondary_indexes().iter().map(|l| {
        let known = known_item(cx, LSI, l.index_name());
        let (ty, non_key) = projection_values(l.projection(), true);
        Value::object([
            ("name", val::opt_str(l.index_name())),
            (
                "range_key",
                val::opt_str(key_in(l.key_schema(), &KeyType::Range).as_deref()),
            ),
            ("projection_type", ty),
            (
                "non_key_attributes",
                zero_as_known(known, "non_key_attributes", non_key),
            ),
        ])
    });
    Value::set(items.collect())
}

/// The attribute names every key of the table and its indexes uses: the only attributes
/// AWS keeps (it forgets those of a deleted index).
pub fn key_names(v: &Value) -> Vec<String> {
    let mut names: Vec<String> = ["hash_key", "range_key"]
        .iter()
        .filter_map(|k| val::str_attr(v, k).map(str::to_string))
        .collect();
    for b in [GSI, LSI] {
        for item in val::blocks(v, b) {
            for k in ["hash_key", "range_key"] {
                names.extend(item_str(item, k));
            }
        }
    }
    names
}

/// Whether any index key is still unknown (the attribute checks wait for it then).
pub fn keys_unknown(v: &Value) -> bool {
    [GSI, LSI]
        .iter()
        .any(|b| v.get_attr(b).is_some_and(Value::contains_unknown))
}

pub fn gsis_for_create(planned: &Value, provisioned: bool) -> Option<Vec<GlobalSecondaryIndex>> {
    let items: Vec<GlobalSecondaryIndex> = val::blocks(planned, GSI)
        .iter()
        .filter_map(|g| {
            GlobalSecondaryIndex::builder()
                .set_index_name(item_str(g, "name"))
                .set_key_schema(Some(item_keys(item_str(g, "hash_key"), g)))
                .projection(projection(g))
                .set_provisioned_throughput(throughput(g, provisioned))
                .build()
                .ok()
        })
        .collect();
    (!items.is_empty()).then_some(items)
}

pub fn lsis_for_create(planned: &Value) -> Option<Vec<LocalSecondaryIndex>> {
    let hash = val::str_attr(planned, "hash_key").map(str::to_string);
    let items: Vec<LocalSecondaryIndex> = val::blocks(planned, LSI)
        .iter()
        .filter_map(|l| {
            LocalSecondaryIndex::builder()
                .set_index_name(item_str(l, "name"))
                .set_key_schema(Some(item_keys(hash.clone(), l)))
                .projection(projection(l))
                .build()
                .ok()
        })
        .collect();
    (!items.is_empty()).then_some(items)
}

fn find<'a>(set: &[(String, &'a Value)], n: &str) -> Option<&'a Value> {
    set.iter().find(|(m, _)| m == n).map(|(_, g)| *g)
}

fn by_name(v: &Value) -> Vec<(String, &Value)> {
    val::blocks(v, GSI)
        .iter()
        .filter_map(|g| Some((item_str(g, "name")?, g)))
        .collect()
}

/// The type of attribute `name` in an object's `attribute` set.
fn attr_type<'a>(v: &'a Value, name: Option<&str>) -> Option<&'a str> {
    val::blocks(v, "attribute")
        .iter()
        .find(|a| val::str_attr(a, "name") == name)
        .and_then(|a| val::str_attr(a, "type"))
}

/// Whether an index kept by name must be deleted and made again: its keys or projection
/// changed, or the type of a key attribute did.
fn remade(prior: &Value, old: &Value, planned: &Value, new: &Value) -> bool {
    let differs = |k: &str| val::changed(old, new, k);
    [
        "hash_key",
        "range_key",
        "projection_type",
        "non_key_attributes",
    ]
    .iter()
    .any(|k| differs(k))
        || ["hash_key", "range_key"].iter().any(|k| {
            let name = val::str_attr(new, k);
            name.is_some() && attr_type(prior, name) != attr_type(planned, name)
        })
}

fn capacity_changed(old: &Value, new: &Value) -> bool {
    ["read_capacity", "write_capacity"]
        .iter()
        .any(|k| item_i32(old, k).unwrap_or(0) != item_i32(new, k).unwrap_or(0))
}

fn delete(name: &str) -> Option<GlobalSecondaryIndexUpdate> {
    let d = DeleteGlobalSecondaryIndexAction::builder()
        .index_name(name)
        .build()
        .ok()?;
    Some(GlobalSecondaryIndexUpdate::builder().delete(d).build())
}

fn create(g: &Value, provisioned: bool) -> Option<GlobalSecondaryIndexUpdate> {
    let c = CreateGlobalSecondaryIndexAction::builder()
        .set_index_name(item_str(g, "name"))
        .set_key_schema(Some(item_keys(item_str(g, "hash_key"), g)))
        .projection(projection(g))
        .set_provisioned_throughput(throughput(g, provisioned))
        .build()
        .ok()?;
    Some(GlobalSecondaryIndexUpdate::builder().create(c).build())
}

/// A new capacity for index `g` (kept by name).
pub fn capacity_update(g: &Value) -> Option<GlobalSecondaryIndexUpdate> {
    let u = UpdateGlobalSecondaryIndexAction::builder()
        .set_index_name(item_str(g, "name"))
        .set_provisioned_throughput(throughput(g, true))
        .build()
        .ok()?;
    Some(GlobalSecondaryIndexUpdate::builder().update(u).build())
}

/// Capacities for every index kept by name when an on-demand table becomes provisioned
/// (AWS wants them in the same request as the billing mode).
pub fn kept_capacities(prior: &Value, planned: &Value) -> Vec<GlobalSecondaryIndexUpdate> {
    let old = by_name(prior);
    by_name(planned)
        .into_iter()
        .filter(|(n, g)| {
            old.iter()
                .any(|(o, og)| o == n && !remade(prior, og, planned, g))
        })
        .filter_map(|(_, g)| capacity_update(g))
        .collect()
}

/// The index changes from `prior` to `planned`, each for its own UpdateTable call (AWS
/// takes one index creation or deletion per call): deletions first, then creations, then
/// new capacities (left out when `capacities_sent`: the billing-mode change carried them).
pub fn gsi_updates(
    prior: &Value,
    planned: &Value,
    provisioned: bool,
    capacities_sent: bool,
) -> Vec<GlobalSecondaryIndexUpdate> {
    let (old, new) = (by_name(prior), by_name(planned));
    let mut deletes = Vec::new();
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for (n, og) in &old {
        match find(&new, n) {
            None => deletes.extend(delete(n)),
            Some(g) if remade(prior, og, planned, g) => {
                deletes.extend(delete(n));
                creates.extend(create(g, provisioned));
            }
            Some(g) if provisioned && !capacities_sent && capacity_changed(og, g) => {
                updates.extend(capacity_update(g));
            }
            Some(_) => {}
        }
    }
    for (n, g) in &new {
        if find(&old, n).is_none() {
            creates.extend(create(g, provisioned));
        }
    }
    deletes.into_iter().chain(creates).chain(updates).collect()
}
