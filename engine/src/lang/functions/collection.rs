//! Collection functions over lists, maps and their structural cousins.

use std::collections::BTreeMap;

use unicode_segmentation::UnicodeSegmentation;

use super::args::{
    arg_bool_list, arg_int, arg_map, arg_seq, arg_str, arg_strs, arg_strs_nullable, as_list,
    list_of_strings, string, to_str,
};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

pub(super) fn length(args: Args, _: Ctx) -> Result<Value, Fail> {
    let n = match &args[0] {
        Value::Unknown => return Ok(Value::Unknown),
        Value::String(s) => s.graphemes(true).count(),
        Value::List(v) | Value::Tuple(v) | Value::Set(v) => v.len(),
        Value::Map(m) | Value::Object(m) => m.len(),
        _ => {
            return Err(Fail::Arg(
                0,
                "argument must be a string, a collection type, or a structural type".into(),
            ))
        }
    };
    Ok(Value::number(n))
}

pub(super) fn alltrue(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(Value::Bool(
        arg_bool_list(args, 0)?.iter().all(|b| *b == Some(true)),
    ))
}

pub(super) fn anytrue(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(Value::Bool(arg_bool_list(args, 0)?.contains(&Some(true))))
}

/// Terraform converts all of `coalesce`'s arguments to one type first: mixed primitives
/// become strings, and anything else must already agree.
pub(super) fn coalesce(args: Args, _: Ctx) -> Result<Value, Fail> {
    let kinds: std::collections::BTreeSet<&str> = args
        .iter()
        .filter(|a| !a.is_null() && !a.is_unknown())
        .map(Value::type_name)
        .collect();
    let primitive = kinds
        .iter()
        .all(|k| matches!(*k, "string" | "number" | "bool"));
    if kinds.len() > 1 && !primitive {
        return Err(Fail::Msg("all arguments must have the same type".into()));
    }
    let as_strings = kinds.len() > 1;
    for a in args {
        if a.is_unknown() {
            return Ok(Value::Unknown);
        }
        if a.is_null() {
            continue;
        }
        let v = if as_strings {
            to_str(a).map_or_else(|| a.clone(), string)
        } else {
            a.clone()
        };
        if v.as_str() == Some("") {
            continue;
        }
        return Ok(v);
    }
    Err(Fail::Msg("no non-null, non-empty-string arguments".into()))
}

pub(super) fn coalescelist(args: Args, _: Ctx) -> Result<Value, Fail> {
    if args.is_empty() {
        return Err(Fail::Msg("at least one argument is required".into()));
    }
    for a in args {
        match a {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::List(v) | Value::Tuple(v) => {
                if !v.is_empty() {
                    return Ok(a.clone());
                }
            }
            _ => {
                return Err(Fail::Msg(
                    "coalescelist arguments must be lists or tuples".into(),
                ))
            }
        }
    }
    Err(Fail::Msg("no non-null arguments".into()))
}

pub(super) fn compact(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = arg_strs_nullable(args, 0)?;
    Ok(list_of_strings(
        items.into_iter().flatten().filter(|s| !s.is_empty()),
    ))
}

pub(super) fn contains(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items =
        arg_seq(args, 0).map_err(|_| Fail::Msg("argument must be list, tuple, or set".into()))?;
    Ok(Value::Bool(items.contains(&args[1])))
}

pub(super) fn distinct(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = arg_seq(args, 0)?;
    let Value::List(items) = as_list(items).map_err(|e| Fail::Arg(0, e))? else {
        return Err(Fail::Arg(0, "list of any single type required".into()));
    };
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(Value::List(out))
}

pub(super) fn element(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = match &args[0] {
        Value::List(v) | Value::Tuple(v) => v,
        other => {
            return Err(Fail::Msg(format!(
                "cannot read elements from {}",
                other.type_name()
            )))
        }
    };
    let index = arg_int(args, 1).map_err(|e| match e {
        Fail::Arg(_, m) => Fail::Msg(format!("invalid index: {m}")),
        other => other,
    })?;
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    if len == 0 {
        return Err(Fail::Msg(
            "cannot use element function with an empty list".into(),
        ));
    }
    let i = usize::try_from(index.rem_euclid(len)).unwrap_or(0);
    Ok(items.get(i).cloned().unwrap_or(Value::Null))
}

pub(super) fn index(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = match &args[0] {
        Value::List(v) | Value::Tuple(v) => v,
        _ => return Err(Fail::Msg("argument must be a list or tuple".into())),
    };
    if items.is_empty() {
        return Err(Fail::Msg("cannot search an empty list".into()));
    }
    items
        .iter()
        .position(|v| v == &args[1])
        .map(Value::number)
        .ok_or_else(|| Fail::Msg("item not found".into()))
}

pub(super) fn chunklist(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = arg_seq(args, 0)?;
    let size = arg_int(args, 1).map_err(|e| match e {
        Fail::Arg(_, m) => Fail::Msg(format!("invalid size: {m}")),
        other => other,
    })?;
    if size < 0 {
        return Err(Fail::Msg("the size argument must be positive".into()));
    }
    if items.is_empty() {
        return Ok(Value::List(vec![]));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items.to_vec())]));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::List(
        items
            .chunks(size)
            .map(|c| Value::List(c.to_vec()))
            .collect(),
    ))
}

pub(super) fn keys(args: Args, _: Ctx) -> Result<Value, Fail> {
    if args[0].is_unknown() {
        return Ok(Value::Unknown);
    }
    let m = arg_map(args, 0).map_err(|_| Fail::Arg(0, "must have map or object type".into()))?;
    // BTreeMap iterates in sorted order, which is the order Terraform promises. An
    // object's keys are a tuple (each its own attribute), a map's a list.
    let keys = list_of_strings(m.keys().cloned());
    Ok(match (args[0].unmark(), keys) {
        (Value::Object(_), Value::List(items)) => Value::Tuple(items),
        (_, keys) => keys,
    })
}

pub(super) fn values(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items: Vec<Value> = match &args[0] {
        Value::Map(m) | Value::Object(m) => m.values().cloned().collect(),
        _ => {
            return Err(Fail::Msg(
                "values() requires a map as the first argument".into(),
            ))
        }
    };
    Ok(match &args[0] {
        Value::Object(_) => Value::Tuple(items),
        _ => Value::List(items),
    })
}

pub(super) fn lookup(args: Args, _: Ctx) -> Result<Value, Fail> {
    if args.len() > 3 {
        return Err(Fail::Msg(format!(
            "lookup() takes two or three arguments, got {}",
            args.len()
        )));
    }
    let m = arg_map(args, 0)
        .map_err(|_| Fail::Arg(0, "lookup() requires a map as the first argument".into()))?;
    let key = arg_str(args, 1)?;
    if let Some(v) = m.get(&key) {
        return Ok(v.clone());
    }
    match (args.get(2), &args[0]) {
        (Some(default), _) => Ok(default.clone()),
        (None, Value::Object(_)) => Err(Fail::Arg(
            0,
            format!("the given object has no attribute {key:?}"),
        )),
        (None, _) => Err(Fail::Msg(format!("lookup failed to find key {key}"))),
    }
}

pub(super) fn matchkeys(args: Args, _: Ctx) -> Result<Value, Fail> {
    let vals = arg_seq(args, 0)?;
    let keys = arg_seq(args, 1)?;
    let search = arg_seq(args, 2)?;
    if vals.len() != keys.len() {
        return Err(Fail::Msg(
            "length of keys and values should be equal".into(),
        ));
    }
    let out = vals
        .iter()
        .zip(keys)
        .filter(|(_, k)| search.contains(k))
        .map(|(v, _)| v.clone())
        .collect();
    Ok(Value::List(out))
}

/// Maps merge into a map; as soon as an object is involved the result is an object.
pub(super) fn merge(args: Args, _: Ctx) -> Result<Value, Fail> {
    let mut out = BTreeMap::new();
    let mut all_maps = true;
    for a in args {
        match a {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Value::Object(m) => {
                all_maps = false;
                out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            other => {
                return Err(Fail::Msg(format!(
                    "arguments must be maps or objects, got {:?}",
                    other.type_name()
                )))
            }
        }
    }
    let any_map = args.iter().any(|a| matches!(a, Value::Map(_)));
    Ok(if all_maps && any_map {
        Value::Map(out)
    } else {
        Value::Object(out)
    })
}

pub(super) fn one(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = arg_seq(args, 0)
        .ok()
        .filter(|v| v.len() <= 1)
        .ok_or_else(|| {
            Fail::Arg(
                0,
                "must be a list, set, or tuple value with either zero or one elements".into(),
            )
        })?;
    Ok(items.first().cloned().unwrap_or(Value::Null))
}

pub(super) fn sort(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = arg_strs_nullable(args, 0)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, s) in items.into_iter().enumerate() {
        out.push(s.ok_or_else(|| {
            Fail::Msg(format!(
                "given list element {i} is null; a null string cannot be sorted"
            ))
        })?);
    }
    out.sort();
    Ok(list_of_strings(out))
}

pub(super) fn transpose(args: Args, _: Ctx) -> Result<Value, Fail> {
    let m = arg_map(args, 0)?;
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, v) in m {
        if v.is_null() {
            return Err(Fail::Msg("input must not contain null list".into()));
        }
        let inner = arg_strs(std::slice::from_ref(v), 0).map_err(|e| match e {
            Fail::Arg(_, m) => Fail::Arg(0, m),
            other => other,
        })?;
        for s in inner {
            out.entry(s).or_default().push(string(k.clone()));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

pub(super) fn zipmap(args: Args, _: Ctx) -> Result<Value, Fail> {
    let keys = arg_strs_nullable(args, 0)?;
    let values = match &args[1] {
        Value::List(v) | Value::Tuple(v) => v,
        _ => {
            return Err(Fail::Msg(
                "values argument must be a list or tuple value".into(),
            ))
        }
    };
    if keys.len() != values.len() {
        return Err(Fail::Msg(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in keys.into_iter().zip(values).enumerate() {
        let k = k.ok_or_else(|| Fail::Msg(format!("keys list has null value at index {i}")))?;
        out.insert(k, v.clone());
    }
    Ok(match &args[1] {
        Value::Tuple(_) => Value::Object(out),
        _ => Value::Map(out),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        b, call_err, call_ok, list, map, n, nlist, nums, obj, s, slist, strs, tup,
    };
    use crate::lang::value::Value;

    #[test]
    fn alltrue_anytrue_examples() {
        assert_eq!(
            call_ok("alltrue", vec![tup(vec![s("true"), b(true)])]),
            b(true)
        );
        assert_eq!(
            call_ok("alltrue", vec![tup(vec![b(true), b(false)])]),
            b(false)
        );
        assert_eq!(call_ok("anytrue", vec![strs(&["true"])]), b(true));
        assert_eq!(call_ok("anytrue", vec![tup(vec![b(true)])]), b(true));
        assert_eq!(
            call_ok("anytrue", vec![tup(vec![b(true), b(false)])]),
            b(true)
        );
        assert_eq!(call_ok("anytrue", vec![tup(vec![])]), b(false));
    }

    #[test]
    fn chunklist_examples() {
        let abc = || strs(&["a", "b", "c", "d", "e"]);
        assert_eq!(
            call_ok("chunklist", vec![abc(), n(2.0)]),
            list(vec![slist(&["a", "b"]), slist(&["c", "d"]), slist(&["e"])])
        );
        assert_eq!(
            call_ok("chunklist", vec![abc(), n(1.0)]),
            list(vec![
                slist(&["a"]),
                slist(&["b"]),
                slist(&["c"]),
                slist(&["d"]),
                slist(&["e"])
            ])
        );
        assert!(call_err("chunklist", vec![abc(), n(-1.0)]).contains("must be positive"));
    }

    #[test]
    fn coalesce_examples() {
        assert_eq!(call_ok("coalesce", vec![s("a"), s("b")]), s("a"));
        assert_eq!(call_ok("coalesce", vec![s(""), s("b")]), s("b"));
        assert_eq!(call_ok("coalesce", vec![n(1.0), n(2.0)]), n(1.0));
        assert_eq!(call_ok("coalesce", vec![n(1.0), s("hello")]), s("1"));
        assert_eq!(call_ok("coalesce", vec![b(true), s("hello")]), s("true"));
        assert_eq!(
            call_err("coalesce", vec![obj(&[]), s("hello")]),
            "Call to function \"coalesce\" failed: all arguments must have the same type."
        );
        assert_eq!(call_ok("coalesce", vec![Value::Null, s("x")]), s("x"));
        assert_eq!(call_ok("coalesce", vec![s("a"), Value::Unknown]), s("a"));
        assert_eq!(
            call_ok("coalesce", vec![Value::Unknown, s("a")]),
            Value::Unknown
        );
        assert!(call_err("coalesce", vec![Value::Null, s("")]).contains("no non-null"));
    }

    #[test]
    fn coalescelist_examples() {
        assert_eq!(
            call_ok("coalescelist", vec![strs(&["a", "b"]), strs(&["c", "d"])]),
            strs(&["a", "b"])
        );
        assert_eq!(
            call_ok("coalescelist", vec![tup(vec![]), strs(&["c", "d"])]),
            strs(&["c", "d"])
        );
    }

    #[test]
    fn compact_examples() {
        assert_eq!(
            call_ok(
                "compact",
                vec![tup(vec![s("a"), s(""), s("b"), Value::Null, s("c")])]
            ),
            slist(&["a", "b", "c"])
        );
    }

    #[test]
    fn contains_examples() {
        let abc = || strs(&["a", "b", "c"]);
        assert_eq!(call_ok("contains", vec![abc(), s("a")]), b(true));
        assert_eq!(call_ok("contains", vec![abc(), s("d")]), b(false));
    }

    #[test]
    fn distinct_examples() {
        assert_eq!(
            call_ok("distinct", vec![strs(&["a", "b", "a", "c", "d", "b"])]),
            slist(&["a", "b", "c", "d"])
        );
    }

    #[test]
    fn element_examples() {
        let abc = || strs(&["a", "b", "c"]);
        assert_eq!(call_ok("element", vec![abc(), n(1.0)]), s("b"));
        assert_eq!(call_ok("element", vec![abc(), n(3.0)]), s("a"));
        assert_eq!(call_ok("element", vec![abc(), n(-1.0)]), s("c"));
        assert_eq!(
            call_err("element", vec![tup(vec![]), n(0.0)]),
            "Call to function \"element\" failed: cannot use element function with an empty list."
        );
        assert!(call_err("element", vec![abc(), n(1.5)]).contains("invalid index"));
    }

    #[test]
    fn index_examples() {
        assert_eq!(
            call_ok("index", vec![strs(&["a", "b", "c"]), s("b")]),
            n(1.0)
        );
        assert_eq!(
            call_ok("index", vec![strs(&["one", "two", "two"]), s("two")]),
            n(1.0)
        );
        assert!(call_err("index", vec![strs(&["a"]), s("z")]).contains("item not found"));
    }

    #[test]
    fn keys_values_examples() {
        // An object's keys are a tuple, a map's a list (as Terraform types them).
        let m = obj(&[("a", n(1.0)), ("c", n(2.0)), ("d", n(3.0))]);
        assert_eq!(
            call_ok("keys", vec![m]),
            Value::Tuple(vec![s("a"), s("c"), s("d")])
        );
        let m = Value::Map([("a".to_string(), n(1.0))].into_iter().collect());
        assert_eq!(call_ok("keys", vec![m]), slist(&["a"]));
        let m = obj(&[("a", n(3.0)), ("c", n(2.0)), ("d", n(1.0))]);
        assert_eq!(call_ok("values", vec![m]), nums(&[3.0, 2.0, 1.0]));
        let m = map(&[("a", n(3.0)), ("c", n(2.0))]);
        assert_eq!(call_ok("values", vec![m]), nlist(&[3.0, 2.0]));
        assert_eq!(
            call_ok("keys", vec![obj(&[("x", Value::Unknown)])]),
            Value::Tuple(vec![s("x")])
        );
    }

    #[test]
    fn length_examples() {
        assert_eq!(call_ok("length", vec![tup(vec![])]), n(0.0));
        assert_eq!(call_ok("length", vec![strs(&["a", "b"])]), n(2.0));
        assert_eq!(call_ok("length", vec![obj(&[("a", s("b"))])]), n(1.0));
        assert_eq!(call_ok("length", vec![s("hello")]), n(5.0));
        assert_eq!(call_ok("length", vec![s("👾🕹️")]), n(2.0));
        assert_eq!(
            call_ok("length", vec![tup(vec![Value::Unknown, Value::Unknown])]),
            n(2.0)
        );
        assert_eq!(call_ok("length", vec![Value::Unknown]), Value::Unknown);
    }

    #[test]
    fn lookup_examples() {
        let m = || obj(&[("a", s("ay")), ("b", s("bee"))]);
        assert_eq!(call_ok("lookup", vec![m(), s("a"), s("what?")]), s("ay"));
        assert_eq!(call_ok("lookup", vec![m(), s("c"), s("what?")]), s("what?"));
        assert!(call_err("lookup", vec![m(), s("c")]).contains("no attribute \"c\""));
        assert!(call_err("lookup", vec![map(&[]), s("c")]).contains("failed to find key c"));
    }

    #[test]
    fn matchkeys_examples() {
        assert_eq!(
            call_ok(
                "matchkeys",
                vec![
                    strs(&["i-123", "i-abc", "i-def"]),
                    strs(&["us-west", "us-east", "us-east"]),
                    strs(&["us-east"])
                ]
            ),
            slist(&["i-abc", "i-def"])
        );
    }

    #[test]
    fn merge_examples() {
        assert_eq!(
            call_ok(
                "merge",
                vec![
                    obj(&[("a", s("b")), ("c", s("d"))]),
                    obj(&[("e", s("f")), ("c", s("z"))])
                ]
            ),
            obj(&[("a", s("b")), ("c", s("z")), ("e", s("f"))])
        );
        assert_eq!(
            call_ok(
                "merge",
                vec![
                    obj(&[("a", s("b"))]),
                    obj(&[("a", nums(&[1.0, 2.0])), ("c", s("z"))]),
                    obj(&[("d", n(3.0))])
                ]
            ),
            obj(&[("a", nums(&[1.0, 2.0])), ("c", s("z")), ("d", n(3.0))])
        );
        assert_eq!(
            call_ok("merge", vec![map(&[("a", s("1"))]), map(&[("b", s("2"))])]),
            map(&[("a", s("1")), ("b", s("2"))])
        );
        assert!(call_err("merge", vec![s("x")]).contains("must be maps or objects"));
    }

    #[test]
    fn one_examples() {
        assert_eq!(call_ok("one", vec![tup(vec![])]), Value::Null);
        assert_eq!(call_ok("one", vec![strs(&["hello"])]), s("hello"));
        assert_eq!(
            call_err("one", vec![strs(&["hello", "goodbye"])]),
            "Invalid value for \"list\" parameter: must be a list, set, or tuple value with either zero or one elements."
        );
        assert_eq!(
            call_ok("one", vec![Value::set(vec![s("hello")])]),
            s("hello")
        );
    }

    #[test]
    fn sort_examples() {
        assert_eq!(
            call_ok("sort", vec![strs(&["e", "d", "a", "x"])]),
            slist(&["a", "d", "e", "x"])
        );
        assert_eq!(
            call_ok("sort", vec![nums(&[10.0, 9.0])]),
            slist(&["10", "9"])
        );
    }

    #[test]
    fn transpose_examples() {
        assert_eq!(
            call_ok(
                "transpose",
                vec![obj(&[("a", strs(&["1", "2"])), ("b", strs(&["2", "3"]))])]
            ),
            map(&[
                ("1", slist(&["a"])),
                ("2", slist(&["a", "b"])),
                ("3", slist(&["b"]))
            ])
        );
    }

    #[test]
    fn zipmap_examples() {
        assert_eq!(
            call_ok("zipmap", vec![strs(&["a", "b"]), nums(&[1.0, 2.0])]),
            obj(&[("a", n(1.0)), ("b", n(2.0))])
        );
        assert_eq!(
            call_ok("zipmap", vec![strs(&["a"]), nlist(&[1.0])]),
            map(&[("a", n(1.0))])
        );
        assert!(call_err("zipmap", vec![strs(&["a"]), nums(&[])]).contains("does not match"));
    }
}
