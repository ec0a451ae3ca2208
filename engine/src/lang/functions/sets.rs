//! Set functions. Arguments are converted to sets of one common element type first,
//! so mixed primitives compare as strings, as Terraform's unification makes them.

use super::args::{arg_seq, to_str};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

fn seqs(args: &[Value]) -> Result<Vec<&[Value]>, Fail> {
    (0..args.len())
        .map(|i| arg_seq(args, i).map_err(|_| Fail::Arg(i, "a set or a list is required".into())))
        .collect()
}

/// Converts the elements of all the given sequences to one common type.
fn unify(seqs: &[&[Value]]) -> Vec<Vec<Value>> {
    let kinds: std::collections::BTreeSet<&str> = seqs
        .iter()
        .flat_map(|s| s.iter())
        .filter(|v| !v.is_null())
        .map(Value::type_name)
        .collect();
    let to_strings = kinds.len() > 1
        && kinds
            .iter()
            .all(|k| matches!(*k, "string" | "number" | "bool"));
    seqs.iter()
        .map(|items| {
            items
                .iter()
                .map(|v| match to_str(v) {
                    Some(s) if to_strings => Value::String(s),
                    _ => v.clone(),
                })
                .collect()
        })
        .collect()
}

/// Every argument's elements, unified across all arguments.
fn unified(args: Args) -> Result<Vec<Vec<Value>>, Fail> {
    Ok(unify(&seqs(args)?))
}

pub(super) fn setunion(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(Value::set(unified(args)?.into_iter().flatten().collect()))
}

pub(super) fn setintersection(args: Args, _: Ctx) -> Result<Value, Fail> {
    let mut sets = unified(args)?.into_iter();
    let first = sets.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = sets.collect();
    Ok(Value::set(
        first
            .into_iter()
            .filter(|v| rest.iter().all(|s| s.contains(v)))
            .collect(),
    ))
}

pub(super) fn setsubtract(args: Args, _: Ctx) -> Result<Value, Fail> {
    let mut sets = unified(args)?.into_iter();
    let a = sets.next().unwrap_or_default();
    let b = sets.next().unwrap_or_default();
    Ok(Value::set(
        a.into_iter().filter(|v| !b.contains(v)).collect(),
    ))
}

/// Products grow multiplicatively; beyond this many combinations the call is surely a
/// mistake and would exhaust memory.
const MAX_PRODUCT: usize = 1 << 20;

pub(super) fn setproduct(args: Args, _: Ctx) -> Result<Value, Fail> {
    if args.len() < 2 {
        return Err(Fail::Msg("at least two arguments are required".into()));
    }
    // Each argument keeps its own element type: the product's elements are tuples.
    let sets: Vec<Vec<Value>> = seqs(args)?
        .into_iter()
        .map(|s| unify(&[s]).into_iter().next().unwrap_or_default())
        .zip(args)
        .map(|(items, a)| match a {
            Value::Set(_) => Value::set(items)
                .as_seq()
                .map(<[Value]>::to_vec)
                .unwrap_or_default(),
            _ => items,
        })
        .collect();
    let total = sets
        .iter()
        .try_fold(1usize, |acc, s| acc.checked_mul(s.len()))
        .filter(|t| *t <= MAX_PRODUCT)
        .ok_or_else(|| Fail::Msg("the product of the given sets is too large".into()))?;
    let mut rows: Vec<Vec<Value>> = Vec::with_capacity(total);
    rows.push(Vec::new());
    for set in &sets {
        rows = rows
            .into_iter()
            .flat_map(|row| {
                set.iter().map(move |v| {
                    let mut r = row.clone();
                    r.push(v.clone());
                    r
                })
            })
            .collect();
    }
    let tuples: Vec<Value> = rows.into_iter().map(Value::Tuple).collect();
    let any_set = args.iter().any(|a| matches!(a, Value::Set(_)));
    Ok(if any_set {
        Value::set(tuples)
    } else {
        Value::List(tuples)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call_err, call_ok, list, n, nums, s, strs, tup};
    use crate::lang::value::Value;

    fn set_of(items: &[&str]) -> Value {
        Value::set(items.iter().map(|x| s(x)).collect())
    }

    #[test]
    fn setunion_examples() {
        assert_eq!(
            call_ok(
                "setunion",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["d"])]
            ),
            set_of(&["a", "b", "c", "d"])
        );
    }

    #[test]
    fn setintersection_examples() {
        assert_eq!(
            call_ok(
                "setintersection",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]
            ),
            set_of(&["b"])
        );
        assert_eq!(
            call_ok(
                "setintersection",
                vec![
                    nums(&[3.0, 3.3, 4.0]),
                    nums(&[4.0, 3.3, 65.0, 99.0]),
                    nums(&[4.0, 3.3])
                ]
            ),
            Value::set(vec![n(3.3), n(4.0)])
        );
        assert_eq!(
            call_ok(
                "setintersection",
                vec![
                    tup(vec![s("bob"), s("jane"), n(3.0)]),
                    tup(vec![s("jane"), n(3.0), s("ajax"), n(10.0)]),
                    tup(vec![s("3"), s("jane"), n(26.0), s("nomad")])
                ]
            ),
            set_of(&["3", "jane"])
        );
    }

    #[test]
    fn setsubtract_examples() {
        assert_eq!(
            call_ok(
                "setsubtract",
                vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
            ),
            set_of(&["b"])
        );
        let left = call_ok(
            "setsubtract",
            vec![strs(&["a", "b", "c"]), strs(&["a", "c", "d"])],
        );
        let right = call_ok(
            "setsubtract",
            vec![strs(&["a", "c", "d"]), strs(&["a", "b", "c"])],
        );
        assert_eq!(call_ok("setunion", vec![left, right]), set_of(&["b", "d"]));
    }

    #[test]
    fn setproduct_examples() {
        assert_eq!(
            call_ok(
                "setproduct",
                vec![strs(&["development", "staging", "production"]), tup(vec![])]
            ),
            list(vec![])
        );
        assert_eq!(
            call_ok("setproduct", vec![strs(&["a"]), strs(&["b"])]),
            list(vec![strs(&["a", "b"])])
        );
        assert_eq!(
            call_ok(
                "setproduct",
                vec![strs(&["staging", "production"]), tup(vec![s("a"), n(2.0)])]
            ),
            list(vec![
                strs(&["staging", "a"]),
                strs(&["staging", "2"]),
                strs(&["production", "a"]),
                strs(&["production", "2"])
            ])
        );
        assert_eq!(
            call_ok("setproduct", vec![set_of(&["x"]), strs(&["y"])]),
            Value::set(vec![strs(&["x", "y"])])
        );
        assert!(call_err("setproduct", vec![s("x"), strs(&["y"])]).contains("a set or a list"));
    }
}
