//! Shorthands for the unit tests of every function module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{call, FuncContext};
use crate::lang::value::Value;

/// Owns what a [`FuncContext`] borrows.
pub struct TestCtx {
    pub dir: PathBuf,
    render: fn(&str, &Value) -> Result<Value, String>,
}

/// A stand-in renderer: replaces `${name}` with string attributes of `vars`.
fn render(text: &str, vars: &Value) -> Result<Value, String> {
    let mut out = text.to_string();
    if let Some(m) = vars.as_map() {
        for (k, v) in m {
            let val = v.as_str().ok_or("only strings in test templates")?;
            out = out.replace(&format!("${{{k}}}"), val);
        }
    }
    Ok(Value::String(out))
}

impl TestCtx {
    pub fn ctx(&self) -> FuncContext<'_> {
        FuncContext {
            base_dir: Path::new(&self.dir),
            render_template: &self.render,
        }
    }
}

pub fn ctx() -> TestCtx {
    ctx_in(std::env::temp_dir())
}

pub fn ctx_in(dir: PathBuf) -> TestCtx {
    TestCtx { dir, render }
}

pub fn call_ok(name: &str, args: Vec<Value>) -> Value {
    let c = ctx();
    match call(name, args, &c.ctx()) {
        Ok(v) => v,
        Err(e) => panic!("{name} failed: {e}"),
    }
}

pub fn call_err(name: &str, args: Vec<Value>) -> String {
    let c = ctx();
    match call(name, args, &c.ctx()) {
        Ok(v) => panic!("{name} unexpectedly returned {v}"),
        Err(e) => e.to_string(),
    }
}

pub fn s(x: &str) -> Value {
    Value::String(x.into())
}

pub fn n(x: f64) -> Value {
    Value::number(x)
}

pub fn b(x: bool) -> Value {
    Value::Bool(x)
}

pub fn tup(items: Vec<Value>) -> Value {
    Value::Tuple(items)
}

pub fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

pub fn strs(items: &[&str]) -> Value {
    Value::Tuple(items.iter().map(|x| s(x)).collect())
}

pub fn slist(items: &[&str]) -> Value {
    Value::List(items.iter().map(|x| s(x)).collect())
}

pub fn nums(items: &[f64]) -> Value {
    Value::Tuple(items.iter().map(|x| n(*x)).collect())
}

pub fn nlist(items: &[f64]) -> Value {
    Value::List(items.iter().map(|x| n(*x)).collect())
}

pub fn obj(items: &[(&str, Value)]) -> Value {
    Value::Object(
        items
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
    )
}

pub fn map(items: &[(&str, Value)]) -> Value {
    Value::Map(
        items
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}
