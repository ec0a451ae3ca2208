//! Type conversion functions and the sensitivity functions. All of them receive their
//! arguments with marks intact: conversions keep nested marks where they are, and the
//! sensitivity functions exist to inspect or change marks.

use super::{Fail, FuncContext};
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

fn any() -> Box<Type> {
    Box::new(Type::Any)
}

/// Converts with Terraform's messages, which never show a sensitive value.
fn to(v: &Value, ty: &Type, want: &str) -> Result<Value, Fail> {
    convert(v, ty).map_err(|_| {
        let plain = v.unmark();
        let got = plain.type_name();
        let msg = match (plain, ty) {
            _ if v.contains_sensitive() => {
                format!("cannot convert this sensitive {got} to {want}")
            }
            (Value::String(s), Type::Bool) => format!(
                "cannot convert {s:?} to bool; only the strings \"true\" or \"false\" are allowed"
            ),
            (Value::String(s), Type::Number) => format!(
                "cannot convert {s:?} to number; given string must be a decimal representation of a number"
            ),
            _ => format!("cannot convert {got} to {want}"),
        };
        Fail::Arg(0, msg)
    })
}

pub(super) fn tostring(args: Args, _: Ctx) -> Result<Value, Fail> {
    to(&args[0], &Type::String, "string")
}

pub(super) fn tonumber(args: Args, _: Ctx) -> Result<Value, Fail> {
    to(&args[0], &Type::Number, "number")
}

pub(super) fn tobool(args: Args, _: Ctx) -> Result<Value, Fail> {
    to(&args[0], &Type::Bool, "bool")
}

pub(super) fn tolist(args: Args, _: Ctx) -> Result<Value, Fail> {
    to(&args[0], &Type::List(any()), "list of any single type")
}

pub(super) fn toset(args: Args, _: Ctx) -> Result<Value, Fail> {
    to(&args[0], &Type::Set(any()), "set of any single type")
}

pub(super) fn tomap(args: Args, _: Ctx) -> Result<Value, Fail> {
    to(&args[0], &Type::Map(any()), "map of any single type")
}

pub(super) fn sensitive(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(args[0].clone().sensitive())
}

pub(super) fn nonsensitive(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(args[0].unmark_deep().0)
}

pub(super) fn issensitive(args: Args, _: Ctx) -> Result<Value, Fail> {
    let v = &args[0];
    Ok(if v.is_sensitive() {
        Value::Bool(true)
    } else if v.is_unknown() {
        Value::Unknown
    } else {
        Value::Bool(false)
    })
}

/// `ephemeralasnull`: null for an ephemeral value, the value itself otherwise. Values carry
/// no ephemeral mark in terrane: the evaluator answers null before calling this when the
/// argument's expression reads an ephemeral value (`Scope::reads_ephemeral`), so what
/// reaches here passes through unchanged (marks included).
pub(super) fn ephemeralasnull(args: &[Value], _: &FuncContext<'_>) -> Result<Value, Fail> {
    Ok(args[0].clone())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{b, call_err, call_ok, map, n, obj, s, slist, strs, tup};
    use crate::lang::value::Value;

    #[test]
    fn tostring_examples() {
        assert_eq!(call_ok("tostring", vec![s("hello")]), s("hello"));
        assert_eq!(call_ok("tostring", vec![n(1.0)]), s("1"));
        assert_eq!(call_ok("tostring", vec![b(true)]), s("true"));
        assert_eq!(call_ok("tostring", vec![Value::Null]), Value::Null);
        assert_eq!(
            call_err("tostring", vec![tup(vec![])]),
            "Invalid value for \"v\" parameter: cannot convert tuple to string."
        );
    }

    #[test]
    fn tonumber_examples() {
        assert_eq!(call_ok("tonumber", vec![n(1.0)]), n(1.0));
        assert_eq!(call_ok("tonumber", vec![s("1")]), n(1.0));
        assert_eq!(call_ok("tonumber", vec![Value::Null]), Value::Null);
        assert_eq!(
            call_err("tonumber", vec![s("no")]),
            "Invalid value for \"v\" parameter: cannot convert \"no\" to number; given string must be a decimal representation of a number."
        );
        assert_eq!(
            call_err("tonumber", vec![s("no").sensitive()]),
            "Invalid value for \"v\" parameter: cannot convert this sensitive string to number."
        );
    }

    #[test]
    fn tobool_examples() {
        assert_eq!(call_ok("tobool", vec![b(true)]), b(true));
        assert_eq!(call_ok("tobool", vec![s("true")]), b(true));
        assert_eq!(call_ok("tobool", vec![Value::Null]), Value::Null);
        assert_eq!(
            call_err("tobool", vec![s("no")]),
            "Invalid value for \"v\" parameter: cannot convert \"no\" to bool; only the strings \"true\" or \"false\" are allowed."
        );
        assert_eq!(
            call_err("tobool", vec![n(1.0)]),
            "Invalid value for \"v\" parameter: cannot convert number to bool."
        );
    }

    #[test]
    fn tolist_toset_examples() {
        assert_eq!(
            call_ok("tolist", vec![strs(&["a", "b", "c"])]),
            slist(&["a", "b", "c"])
        );
        assert_eq!(
            call_ok("tolist", vec![tup(vec![s("a"), s("b"), n(3.0)])]),
            slist(&["a", "b", "3"])
        );
        assert_eq!(
            call_ok("toset", vec![strs(&["a", "b", "c"])]),
            Value::Set(vec![s("a"), s("b"), s("c")])
        );
        assert_eq!(
            call_ok("toset", vec![tup(vec![s("a"), s("b"), n(3.0)])]),
            Value::Set(vec![s("3"), s("a"), s("b")])
        );
        assert_eq!(
            call_ok("toset", vec![strs(&["c", "b", "b"])]),
            Value::Set(vec![s("b"), s("c")])
        );
        assert!(call_err("tolist", vec![s("x")]).contains("list of any single type"));
    }

    #[test]
    fn tomap_examples() {
        assert_eq!(
            call_ok("tomap", vec![obj(&[("a", n(1.0)), ("b", n(2.0))])]),
            map(&[("a", n(1.0)), ("b", n(2.0))])
        );
        assert_eq!(
            call_ok("tomap", vec![obj(&[("a", s("foo")), ("b", b(true))])]),
            map(&[("a", s("foo")), ("b", s("true"))])
        );
    }

    #[test]
    fn conversions_keep_unknowns_and_marks() {
        assert_eq!(call_ok("tostring", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(
            call_ok("tonumber", vec![s("5").sensitive()]),
            n(5.0).sensitive()
        );
    }

    #[test]
    fn ephemeralasnull_passes_values_through() {
        assert_eq!(call_ok("ephemeralasnull", vec![s("x")]), s("x"));
        assert_eq!(call_ok("ephemeralasnull", vec![Value::Null]), Value::Null);
        assert_eq!(
            call_ok("ephemeralasnull", vec![Value::Unknown]),
            Value::Unknown
        );
        assert_eq!(
            call_ok("ephemeralasnull", vec![s("pw").sensitive()]),
            s("pw").sensitive()
        );
    }

    #[test]
    fn sensitivity_functions() {
        assert_eq!(call_ok("sensitive", vec![n(1.0)]), n(1.0).sensitive());
        assert_eq!(
            call_ok(
                "nonsensitive",
                vec![tup(vec![s("a").sensitive()]).sensitive()]
            ),
            tup(vec![s("a")])
        );
        assert_eq!(call_ok("nonsensitive", vec![s("clear")]), s("clear"));
        assert_eq!(call_ok("issensitive", vec![s("x").sensitive()]), b(true));
        assert_eq!(call_ok("issensitive", vec![s("x")]), b(false));
        assert_eq!(call_ok("issensitive", vec![Value::Unknown]), Value::Unknown);
    }
}
