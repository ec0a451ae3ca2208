//! Functions that build or reshape sequences: `concat`, `flatten`, `reverse`, `slice`
//! and `range`.

use super::args::{arg_int, arg_num, same_kind};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

/// Lists stay lists; once a tuple is involved the result is a tuple, since its elements
/// may then differ in type.
pub(super) fn concat(args: Args, _: Ctx) -> Result<Value, Fail> {
    let mut out = Vec::new();
    let mut all_lists = true;
    for a in args {
        match a {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(v) => out.extend(v.iter().cloned()),
            Value::Tuple(v) => {
                all_lists = false;
                out.extend(v.iter().cloned());
            }
            other => {
                return Err(Fail::Msg(format!(
                    "all arguments must be lists or tuples; got {}",
                    other.type_name()
                )))
            }
        }
    }
    Ok(if all_lists && !args.is_empty() {
        Value::List(out)
    } else {
        Value::Tuple(out)
    })
}

/// Appends the leaves of `v` to `out`; returns whether every nested sequence was a list
/// or set (which keeps the result a list).
fn flatten_into(items: &[Value], out: &mut Vec<Value>) -> bool {
    let mut homogeneous = true;
    for v in items {
        match v {
            Value::List(inner) | Value::Set(inner) => homogeneous &= flatten_into(inner, out),
            Value::Tuple(inner) => {
                flatten_into(inner, out);
                homogeneous = false;
            }
            other => out.push(other.clone()),
        }
    }
    homogeneous
}

pub(super) fn flatten(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = match &args[0] {
        Value::List(v) | Value::Set(v) | Value::Tuple(v) => v,
        _ => return Err(Fail::Msg("can only flatten lists, sets and tuples".into())),
    };
    let mut out = Vec::new();
    let homogeneous = flatten_into(items, &mut out);
    Ok(match &args[0] {
        Value::Tuple(_) => Value::Tuple(out),
        _ if homogeneous => Value::List(out),
        _ => Value::Tuple(out),
    })
}

pub(super) fn reverse(args: Args, _: Ctx) -> Result<Value, Fail> {
    match &args[0] {
        Value::List(v) | Value::Tuple(v) => {
            Ok(same_kind(&args[0], v.iter().rev().cloned().collect()))
        }
        other => Err(Fail::Arg(
            0,
            format!(
                "can only reverse list or tuple values, not {}",
                other.type_name()
            ),
        )),
    }
}

pub(super) fn slice(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = match &args[0] {
        Value::List(v) | Value::Tuple(v) => v,
        Value::Set(_) => return Err(Fail::Arg(
            0,
            "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important".into(),
        )),
        _ => return Err(Fail::Arg(0, "must be a list or tuple value".into())),
    };
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let index = |i: usize, what: &str| -> Result<usize, Fail> {
        let n = arg_int(args, i).map_err(|_| {
            Fail::Arg(
                i,
                format!("invalid {what} index: a whole number is required"),
            )
        })?;
        if n < 0 {
            return Err(Fail::Arg(
                i,
                format!("{what} index must not be less than zero"),
            ));
        }
        if n > len {
            return Err(Fail::Arg(
                i,
                format!("{what} index must not be greater than the length of the list"),
            ));
        }
        Ok(usize::try_from(n).unwrap_or(0))
    };
    let start = index(1, "start")?;
    let end = index(2, "end")?;
    if start > end {
        return Err(Fail::Arg(
            1,
            "start index must not be greater than end index".into(),
        ));
    }
    Ok(same_kind(&args[0], items[start..end].to_vec()))
}

/// Terraform's limit on `range`, protecting memory from an accidental huge sequence.
const MAX_RANGE: usize = 1024;

pub(super) fn range(args: Args, _: Ctx) -> Result<Value, Fail> {
    let nums = (0..args.len())
        .map(|i| arg_num(args, i))
        .collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match nums[..] {
        [end] => (0.0, end, if end < 0.0 { -1.0 } else { 1.0 }),
        [start, end] => (start, end, if end < start { -1.0 } else { 1.0 }),
        [start, end, step] => (start, end, step),
        _ => return Err(Fail::Msg("must have one, two, or three arguments".into())),
    };
    if step == 0.0 {
        return Err(Fail::Arg(2, "step must not be zero".into()));
    }
    let down = step < 0.0;
    if down && end > start {
        return Err(Fail::Arg(
            1,
            "end must be less than start when step is negative".into(),
        ));
    }
    if !down && end < start {
        return Err(Fail::Arg(
            1,
            "end must be greater than start when step is positive".into(),
        ));
    }
    let mut out = Vec::new();
    for i in 0.. {
        // Multiplying rather than accumulating keeps fractional steps from drifting.
        let n = start + step * f64::from(i);
        if (down && n <= end) || (!down && n >= end) {
            break;
        }
        if out.len() >= MAX_RANGE {
            return Err(Fail::Msg(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step".into(),
            ));
        }
        out.push(Value::number(n));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call_err, call_ok, list, n, nlist, nums, s, slist, strs, tup};
    use crate::lang::value::Value;

    #[test]
    fn concat_examples() {
        assert_eq!(
            call_ok("concat", vec![strs(&["a", ""]), strs(&["b", "c"])]),
            strs(&["a", "", "b", "c"])
        );
        assert_eq!(
            call_ok(
                "concat",
                vec![
                    tup(vec![]),
                    tup(vec![n(1.0), s("a")]),
                    tup(vec![nums(&[3.0]), s("c")])
                ]
            ),
            tup(vec![n(1.0), s("a"), nums(&[3.0]), s("c")])
        );
        assert_eq!(
            call_ok("concat", vec![slist(&["a"]), slist(&["b"])]),
            slist(&["a", "b"])
        );
        assert_eq!(
            call_ok("concat", vec![slist(&["a"]), list(vec![Value::Unknown])]),
            list(vec![s("a"), Value::Unknown])
        );
        assert!(call_err("concat", vec![s("a")]).contains("must be lists or tuples"));
    }

    #[test]
    fn flatten_examples() {
        assert_eq!(
            call_ok(
                "flatten",
                vec![tup(vec![strs(&["a", "b"]), tup(vec![]), strs(&["c"])])]
            ),
            strs(&["a", "b", "c"])
        );
        assert_eq!(
            call_ok(
                "flatten",
                vec![tup(vec![
                    tup(vec![strs(&["a", "b"]), tup(vec![])]),
                    strs(&["c"])
                ])]
            ),
            strs(&["a", "b", "c"])
        );
        assert_eq!(
            call_ok("flatten", vec![list(vec![slist(&["a"]), slist(&["b"])])]),
            slist(&["a", "b"])
        );
    }

    #[test]
    fn reverse_examples() {
        assert_eq!(
            call_ok("reverse", vec![nums(&[1.0, 2.0, 3.0])]),
            nums(&[3.0, 2.0, 1.0])
        );
        assert_eq!(
            call_ok("reverse", vec![slist(&["a", "b"])]),
            slist(&["b", "a"])
        );
    }

    #[test]
    fn slice_examples() {
        assert_eq!(
            call_ok("slice", vec![strs(&["a", "b", "c", "d"]), n(1.0), n(3.0)]),
            strs(&["b", "c"])
        );
        assert!(call_err("slice", vec![strs(&["a"]), n(0.0), n(2.0)])
            .contains("end index must not be greater than the length of the list"));
        assert!(call_err("slice", vec![strs(&["a"]), n(1.0), n(0.0)])
            .contains("start index must not be greater than end index"));
    }

    #[test]
    fn range_examples() {
        assert_eq!(call_ok("range", vec![n(3.0)]), nlist(&[0.0, 1.0, 2.0]));
        assert_eq!(
            call_ok("range", vec![n(1.0), n(4.0)]),
            nlist(&[1.0, 2.0, 3.0])
        );
        assert_eq!(
            call_ok("range", vec![n(1.0), n(8.0), n(2.0)]),
            nlist(&[1.0, 3.0, 5.0, 7.0])
        );
        assert_eq!(
            call_ok("range", vec![n(1.0), n(4.0), n(0.5)]),
            nlist(&[1.0, 1.5, 2.0, 2.5, 3.0, 3.5])
        );
        assert_eq!(
            call_ok("range", vec![n(4.0), n(1.0)]),
            nlist(&[4.0, 3.0, 2.0])
        );
        assert_eq!(
            call_ok("range", vec![n(10.0), n(5.0), n(-2.0)]),
            nlist(&[10.0, 8.0, 6.0])
        );
        assert_eq!(call_ok("range", vec![n(0.0)]), nlist(&[]));
    }

    #[test]
    fn range_limits_and_errors() {
        let ok = call_ok("range", vec![n(1024.0)]);
        assert_eq!(ok.as_seq().map(<[Value]>::len), Some(1024));
        assert_eq!(
            call_err("range", vec![n(1025.0)]),
            "Call to function \"range\" failed: more than 1024 values were generated; either decrease the difference between start and end or use a smaller step."
        );
        assert!(call_err("range", vec![n(0.0), n(1e300), n(1e-300)]).contains("more than 1024"));
        assert!(call_err("range", vec![n(1.0), n(2.0), n(0.0)]).contains("step must not be zero"));
        assert!(call_err("range", vec![n(1.0), n(2.0), n(-1.0)]).contains("end must be less"));
        assert!(call_err("range", vec![]).contains("one, two, or three"));
        assert!(
            call_err("range", vec![n(1.0), n(2.0), n(3.0), n(4.0)]).contains("one, two, or three")
        );
    }
}
