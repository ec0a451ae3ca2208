//! Reading configuration/state objects and building result objects. Unknown and null read
//! as absent; empty strings read as absent too, as they do in the Terraform provider.

use std::collections::BTreeMap;

use terrane_engine::lang::Value;

pub fn str_attr<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get_attr(name)?.as_str().filter(|s| !s.is_empty())
}

pub fn bool_attr(v: &Value, name: &str) -> Option<bool> {
    v.get_attr(name)?.as_bool()
}

pub fn num_attr(v: &Value, name: &str) -> Option<i64> {
    v.get_attr(name)?.as_i64()
}

/// Strings of a list or set attribute (non-strings skipped).
pub fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get_attr(name)
        .and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn string_map(v: &Value, name: &str) -> BTreeMap<String, String> {
    v.get_attr(name)
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::string)
}

/// A string attribute Terraform stores as "" when AWS has nothing.
pub fn str_or_empty(s: Option<&str>) -> Value {
    Value::string(s.unwrap_or_default())
}

pub fn num(n: impl Into<f64>) -> Value {
    Value::number(n.into())
}

/// A whole number AWS may leave out (null then).
pub fn opt_num(n: Option<i32>) -> Value {
    n.map_or(Value::Null, num)
}

/// A `MaxItems: 1` block read from an optional SDK member: its one item, or none.
pub fn opt_block<T>(x: Option<&T>, f: impl Fn(&T) -> Value) -> Value {
    Value::List(x.map(f).into_iter().collect())
}

pub fn str_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(
        items
            .into_iter()
            .map(|s| Value::string(s.as_ref()))
            .collect(),
    )
}

pub fn str_set<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::set(
        items
            .into_iter()
            .map(|s| Value::string(s.as_ref()))
            .collect(),
    )
}

pub fn str_map(m: &BTreeMap<String, String>) -> Value {
    Value::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::string(v)))
            .collect(),
    )
}

/// An object under construction, starting from a copy of another (so attributes a read
/// cannot see, like `timeouts`, keep their values).
pub struct Obj(pub BTreeMap<String, Value>);

impl Obj {
    pub fn from(v: &Value) -> Obj {
        Obj(v.as_map().cloned().unwrap_or_default())
    }

    pub fn set(&mut self, k: &str, v: Value) -> &mut Obj {
        self.0.insert(k.to_string(), v);
        self
    }

    pub fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k)
    }

    /// Sets `k` only when it is currently null or unknown (config-only arguments with
    /// defaults; optional-computed arguments AWS does not report, unknown after create).
    pub fn default(&mut self, k: &str, v: Value) -> &mut Obj {
        if self.0.get(k).is_none_or(|x| x.is_null() || x.is_unknown()) {
            self.0.insert(k.to_string(), v);
        }
        self
    }

    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// Sets attribute `k` on an object value in place.
/// `v` with every unknown inside it null: a planned value kept as read where AWS reports
/// nothing, whose computed parts AWS did not fill in.
pub fn unknown_as_null(v: &Value) -> Value {
    match v {
        Value::Unknown => Value::Null,
        Value::List(xs) => Value::List(xs.iter().map(unknown_as_null).collect()),
        Value::Tuple(xs) => Value::Tuple(xs.iter().map(unknown_as_null).collect()),
        Value::Set(xs) => Value::set(xs.iter().map(unknown_as_null).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, x)| (k.clone(), unknown_as_null(x)))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), unknown_as_null(x)))
                .collect(),
        ),
        Value::Sensitive(x) => Value::Sensitive(Box::new(unknown_as_null(x))),
        other => other.clone(),
    }
}

pub fn set_attr(v: &mut Value, k: &str, x: Value) {
    if let Value::Object(m) = v {
        m.insert(k.to_string(), x);
    }
}

/// True when `k` differs between two objects (unknown counts as different).
pub fn changed(a: &Value, b: &Value, k: &str) -> bool {
    let x = a.get_attr(k).cloned().unwrap_or_default();
    let y = b.get_attr(k).cloned().unwrap_or_default();
    y.contains_unknown() || !terrane_engine::lang::eval::values_equal(&x, &y)
}

/// A whole-number attribute that fits the SDK's `i32` (ports, counts, seconds).
pub fn i32_attr(v: &Value, name: &str) -> Option<i32> {
    num_attr(v, name).and_then(|n| i32::try_from(n).ok())
}

/// The items of a nested block (empty when absent or unknown).
pub fn blocks<'a>(v: &'a Value, name: &str) -> &'a [Value] {
    v.get_attr(name).and_then(Value::as_seq).unwrap_or_default()
}

/// The first item of a nested block (a `MaxItems: 1` block's only item).
pub fn first_block<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    blocks(v, name).first()
}
