//! The generic, schema-driven part of planning: what the new object should look like given
//! the prior object and the configuration, and which differences force replacement.

use std::collections::BTreeMap;

use crate::config::IgnoreChanges;
use crate::lang::eval::values_equal;
use crate::lang::Value;
use crate::provider::BlockSchema;

/// The engine's proposal for the new object: configured values win; an unset computed
/// attribute keeps its prior value (or becomes unknown on create); an unset optional
/// attribute takes its schema default; ignored attributes keep their prior value.
pub fn propose(
    schema: &BlockSchema,
    prior: Option<&Value>,
    config: &Value,
    ignore: &IgnoreChanges,
) -> Value {
    let mut out = BTreeMap::new();
    let prior_attr = |name: &str| prior.and_then(|p| p.get_attr(name)).cloned();
    for (name, attr) in &schema.attributes {
        let cfg = config.get_attr(name).cloned().unwrap_or(Value::Null);
        let ignored = prior.is_some()
            && match ignore {
                IgnoreChanges::All => true,
                IgnoreChanges::Attributes(a) => a.iter().any(|x| x == name),
                IgnoreChanges::None => false,
            };
        let v = if attr.write_only {
            Value::Null
        } else if ignored {
            prior_attr(name).unwrap_or(Value::Null)
        } else if !cfg.is_null() {
            cfg
        } else if attr.computed {
            match prior {
                Some(_) => prior_attr(name).unwrap_or(Value::Null),
                None => Value::Unknown,
            }
        } else if let Some(d) = &attr.default {
            d.clone()
        } else {
            Value::Null
        };
        out.insert(name.clone(), v);
    }
    for name in schema.blocks.keys() {
        let ignored = prior.is_some() && matches!(ignore, IgnoreChanges::All)
            || matches!(ignore, IgnoreChanges::Attributes(a) if prior.is_some() && a.contains(name));
        let v = if ignored {
            prior_attr(name)
        } else {
            config.get_attr(name).cloned()
        };
        out.insert(name.clone(), v.unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// `v` with the schema's write-only attributes null: whatever a provider answers, their
/// values are never planned or stored.
pub fn without_write_only(schema: &BlockSchema, mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        for (name, attr) in &schema.attributes {
            if attr.write_only {
                if let Some(x) = m.get_mut(name) {
                    *x = Value::Null;
                }
            }
        }
    }
    v
}

/// Top-level attributes and blocks whose change (from `prior` to `planned`) forces a new object.
pub fn forces_replacement(schema: &BlockSchema, prior: &Value, planned: &Value) -> Vec<String> {
    let changed = |name: &str| {
        let a = prior.get_attr(name).cloned().unwrap_or(Value::Null);
        let b = planned.get_attr(name).cloned().unwrap_or(Value::Null);
        b.contains_unknown() || !values_equal(&a, &b)
    };
    let attrs = schema
        .attributes
        .iter()
        .filter(|(_, a)| a.force_new)
        .map(|(n, _)| n);
    let blocks = schema
        .blocks
        .iter()
        .filter(|(_, b)| b.force_new)
        .map(|(n, _)| n);
    attrs
        .chain(blocks)
        .filter(|n| changed(n))
        .cloned()
        .collect()
}

/// True when the planned object differs from the prior one in any way a user would see.
pub fn object_changed(prior: &Value, planned: &Value) -> bool {
    planned.contains_unknown()
        || !values_equal(prior, planned)
        || prior.contains_sensitive() != planned.contains_sensitive()
}

/// Attributes whose known planned value differs from what the provider later returned: a
/// provider bug, reported rather than silently recorded.
pub fn inconsistent_attributes(planned: &Value, actual: &Value) -> Vec<String> {
    let Some(pm) = planned.as_map() else {
        return Vec::new();
    };
    pm.iter()
        .filter(|(_, p)| !p.contains_unknown())
        .filter(|(k, p)| {
            let a = actual.get_attr(k).cloned().unwrap_or(Value::Null);
            !values_equal(&p.unmark_deep().0, &a.unmark_deep().0)
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// Copies sensitive marks from the planned object onto the provider's result, which never
/// carries marks itself.
pub fn copy_marks(planned: &Value, actual: Value) -> Value {
    let Some(pm) = planned.as_map() else {
        return actual;
    };
    let Value::Object(mut am) = actual else {
        return actual;
    };
    for (k, p) in pm {
        if p.contains_sensitive() {
            if let Some(v) = am.remove(k) {
                let v = v.unmark_deep().0;
                am.insert(k.clone(), if v.is_null() { v } else { v.sensitive() });
            }
        }
    }
    Value::Object(am)
}
