//! Argument access shared by every function: each helper converts the argument the way
//! Terraform's parameter type would and reports failure against the argument's position.

use std::collections::BTreeMap;

use super::Fail;
use crate::lang::number::Number;
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

fn at(args: &[Value], i: usize) -> Result<&Value, Fail> {
    args.get(i)
        .ok_or_else(|| Fail::Arg(i, "argument is required".into()))
}

/// Converts a primitive with Terraform's short messages rather than the converter's detail.
fn primitive(v: &Value, ty: &Type, i: usize) -> Result<Value, Fail> {
    convert(v, ty).map_err(|_| {
        Fail::Arg(
            i,
            match ty {
                Type::Number => "a number is required",
                Type::Bool => "a bool is required",
                _ => "string required",
            }
            .into(),
        )
    })
}

pub(super) fn to_str(v: &Value) -> Option<String> {
    match convert(v, &Type::String) {
        Ok(Value::String(s)) => Some(s),
        _ => None,
    }
}

pub(super) fn arg_str(args: &[Value], i: usize) -> Result<String, Fail> {
    match primitive(at(args, i)?, &Type::String, i)? {
        Value::String(s) => Ok(s),
        _ => Err(Fail::Arg(i, "argument must not be null".into())),
    }
}

pub(super) fn arg_number(args: &[Value], i: usize) -> Result<Number, Fail> {
    match primitive(at(args, i)?, &Type::Number, i)? {
        Value::Number(n) => Ok(n),
        _ => Err(Fail::Arg(i, "argument must not be null".into())),
    }
}

/// A number as a float64, for the functions Terraform computes with Go's `math`.
pub(super) fn arg_num(args: &[Value], i: usize) -> Result<f64, Fail> {
    arg_number(args, i).map(|n| n.to_f64())
}

/// A whole number that fits an i64; Terraform rejects fractions where it needs an integer.
pub(super) fn arg_int(args: &[Value], i: usize) -> Result<i64, Fail> {
    arg_number(args, i)?.to_i64().ok_or_else(|| {
        Fail::Arg(
            i,
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
                .into(),
        )
    })
}

/// Elements of a list, tuple or set argument.
pub(super) fn arg_seq(args: &[Value], i: usize) -> Result<&[Value], Fail> {
    at(args, i)?
        .as_seq()
        .ok_or_else(|| Fail::Arg(i, "list of any required".into()))
}

/// A list argument whose elements must all convert to `ty`.
pub(super) fn arg_list_of(args: &[Value], i: usize, ty: &Type) -> Result<Vec<Value>, Fail> {
    let items = at(args, i)?
        .as_seq()
        .ok_or_else(|| Fail::Arg(i, format!("list of {ty} required")))?;
    items
        .iter()
        .enumerate()
        .map(|(n, v)| convert(v, ty).map_err(|e| Fail::Arg(i, format!("element {n}: {e}"))))
        .collect()
}

/// A list of strings; null elements are kept as `None` for the functions that allow them.
pub(super) fn arg_strs_nullable(args: &[Value], i: usize) -> Result<Vec<Option<String>>, Fail> {
    arg_list_of(args, i, &Type::String).map(|items| {
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect()
    })
}

/// A list of bools; null elements are `None`.
pub(super) fn arg_bool_list(args: &[Value], i: usize) -> Result<Vec<Option<bool>>, Fail> {
    arg_list_of(args, i, &Type::Bool).map(|items| items.iter().map(Value::as_bool).collect())
}

/// A list of strings in which nulls are an error.
pub(super) fn arg_strs(args: &[Value], i: usize) -> Result<Vec<String>, Fail> {
    arg_strs_nullable(args, i)?
        .into_iter()
        .enumerate()
        .map(|(n, s)| {
            s.ok_or_else(|| Fail::Arg(i, format!("element {n}: argument must not be null")))
        })
        .collect()
}

/// Attributes of a map or object argument.
pub(super) fn arg_map(args: &[Value], i: usize) -> Result<&BTreeMap<String, Value>, Fail> {
    at(args, i)?
        .as_map()
        .ok_or_else(|| Fail::Arg(i, "map of any required".into()))
}

pub(super) fn string(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

pub(super) fn list_of_strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(items.into_iter().map(string).collect())
}

/// Keeps a sequence's kind: tuples stay tuples, everything else becomes a list.
pub(super) fn same_kind(original: &Value, items: Vec<Value>) -> Value {
    match original {
        Value::Tuple(_) => Value::Tuple(items),
        _ => Value::List(items),
    }
}

/// Terraform's lists are homogeneous: a tuple of mixed primitives becomes a list of strings.
pub(super) fn as_list(items: &[Value]) -> Result<Value, String> {
    convert(
        &Value::Tuple(items.to_vec()),
        &Type::List(Box::new(Type::Any)),
    )
}
