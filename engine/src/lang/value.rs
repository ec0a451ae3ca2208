//! The dynamic value model shared by the evaluator, the providers and state.
//!
//! It mirrors Terraform's cty values closely enough for users not to notice: collections
//! (list, set, map) are homogeneous, structural values (tuple, object) are not, any value may
//! be `Unknown` (known only after apply) and any value may carry the `Sensitive` mark.

use std::collections::BTreeMap;
use std::fmt;

pub use super::number::Number;

/// A Terraform value.
///
/// Sets are kept sorted and de-duplicated (by `Value`'s total order) so that every value
/// has exactly one representation and comparisons are structural.
///
/// `Debug` is written by hand so that it never prints what a `Sensitive` mark hides
/// (a plan or diagnostic formatted with `{:?}` must not leak a password).
#[derive(Clone, PartialEq, PartialOrd, Default)]
pub enum Value {
    #[default]
    Null,
    /// A value that will only be known after apply.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    /// The sensitive mark: the inner value must never be shown to a user.
    Sensitive(Box<Value>),
}

impl Eq for Value {}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Unknown => f.write_str("Unknown"),
            Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Value::Number(n) => f.debug_tuple("Number").field(n).finish(),
            Value::String(s) => f.debug_tuple("String").field(s).finish(),
            Value::List(v) => f.debug_tuple("List").field(v).finish(),
            Value::Tuple(v) => f.debug_tuple("Tuple").field(v).finish(),
            Value::Set(v) => f.debug_tuple("Set").field(v).finish(),
            Value::Map(m) => f.debug_tuple("Map").field(m).finish(),
            Value::Object(m) => f.debug_tuple("Object").field(m).finish(),
            Value::Sensitive(_) => f.write_str("Sensitive(<redacted>)"),
        }
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Builds a set: sorts and removes duplicates.
    pub fn set(mut items: Vec<Value>) -> Value {
        items.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        items.dedup();
        Value::Set(items)
    }

    pub fn object<K: Into<String>>(items: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            other => Value::Sensitive(Box::new(other)),
        }
    }

    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Sensitive(v) => v.is_null(),
            _ => false,
        }
    }

    /// True when this value itself (not something inside it) is unknown.
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Sensitive(v) => v.is_unknown(),
            _ => false,
        }
    }

    /// True when this value or anything nested in it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Sensitive(v) => v.contains_unknown(),
            Value::List(v) | Value::Tuple(v) | Value::Set(v) => {
                v.iter().any(Value::contains_unknown)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// True when this value carries the sensitive mark at top level.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True when this value or anything nested in it is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(v) | Value::Tuple(v) | Value::Set(v) => {
                v.iter().any(Value::contains_sensitive)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// What an error message says about the value (`is "staging"`, `is list with 3
    /// elements`, `has a sensitive value`), in Terraform's words.
    pub fn describe(&self) -> String {
        let count = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        match self {
            Value::Sensitive(_) => "has a sensitive value".into(),
            Value::Unknown => "is a value that will be known only after apply".into(),
            Value::Null => "is null".into(),
            Value::Bool(b) => format!("is {b}"),
            Value::Number(n) => format!("is {n}"),
            Value::String(s) => format!("is {}", quote(s)),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                let kind = match self {
                    Value::List(_) => "list",
                    Value::Set(_) => "set",
                    _ => "tuple",
                };
                if items.is_empty() {
                    format!("is empty {kind}")
                } else {
                    format!(
                        "is {kind} with {}",
                        count(items.len(), "element", "elements")
                    )
                }
            }
            Value::Map(m) if m.is_empty() => "is empty map".into(),
            Value::Map(m) => format!("is map with {}", count(m.len(), "element", "elements")),
            Value::Object(m) if m.is_empty() => "is object with no attributes".into(),
            Value::Object(m) => {
                format!(
                    "is object with {}",
                    count(m.len(), "attribute", "attributes")
                )
            }
        }
    }

    /// Removes the top-level sensitive mark, if any.
    pub fn unmark(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v.unmark(),
            v => v,
        }
    }

    /// Removes every sensitive mark, returning the plain value and whether any mark was found.
    pub fn unmark_deep(&self) -> (Value, bool) {
        // Most values carry no mark: a plain clone copies B-tree maps node by node, which
        // is much cheaper than rebuilding every map and list as `strip_marks` does.
        if !self.contains_sensitive() {
            return (self.clone(), false);
        }
        let mut found = false;
        let v = self.strip_marks(&mut found);
        (v, found)
    }

    fn strip_marks(&self, found: &mut bool) -> Value {
        match self {
            Value::Sensitive(v) => {
                *found = true;
                v.strip_marks(found)
            }
            Value::List(v) => Value::List(v.iter().map(|x| x.strip_marks(found)).collect()),
            Value::Tuple(v) => Value::Tuple(v.iter().map(|x| x.strip_marks(found)).collect()),
            Value::Set(v) => Value::Set(v.iter().map(|x| x.strip_marks(found)).collect()),
            Value::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, x)| (k.clone(), x.strip_marks(found)))
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), x.strip_marks(found)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmark() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmark() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unmark() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as the nearest float64, for callers that compute with Go's `math`
    /// functions or hand numbers to an API that takes floats.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::to_f64)
    }

    /// The number when it is a whole number that fits an i64.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::to_i64)
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// Elements of a list, tuple or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self.unmark() {
            Value::List(v) | Value::Tuple(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Attributes of an object or elements of a map.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unmark() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The (key, value) pairs a `for` expression or `dynamic` block iterates: index for
    /// lists and tuples, the element itself for sets, the key for maps and objects. `None`
    /// for a value that is not a collection (null included; callers word that error).
    pub fn iteration_pairs(&self) -> Option<Vec<(Value, Value)>> {
        Some(match self.unmark() {
            Value::List(v) | Value::Tuple(v) => v
                .iter()
                .enumerate()
                .map(|(i, x)| (Value::number(i), x.clone()))
                .collect(),
            Value::Set(v) => v.iter().map(|x| (x.clone(), x.clone())).collect(),
            Value::Map(m) | Value::Object(m) => m
                .iter()
                .map(|(k, x)| (Value::string(k.clone()), x.clone()))
                .collect(),
            _ => return None,
        })
    }

    /// Attribute of an object (or element of a map) by name; `None` when absent or not a map.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(name))
    }

    /// A short name of this value's type, as Terraform prints it in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "dynamic",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Sensitive(v) => v.type_name(),
        }
    }

    /// Converts to JSON. Unknown values become null; marks are dropped (callers that must not
    /// leak secrets redact before calling this).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(v) | Value::Tuple(v) | Value::Set(v) => {
                serde_json::Value::Array(v.iter().map(Value::to_json).collect())
            }
            Value::Map(m) | Value::Object(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Sensitive(v) => v.to_json(),
        }
    }

    /// Converts from JSON with Terraform's `jsondecode` typing: arrays become tuples and
    /// objects become objects.
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(number_from_json(n)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::Tuple(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// `s` as a double-quoted string the way Terraform shows one (Go's `%q`): `\n`, `\t`,
/// `\a`-style escapes, and `\u00a0`-style ones for characters Go does not print (controls,
/// spaces other than ` `, invisible format characters); everything else as is, where
/// Rust's `{:?}` would write `\u{a0}` and escape combining marks.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if !go_prints(c) && (c as u32) < 0x10000 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if !go_prints(c) => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint`, closely enough: no controls, no spaces but U+0020, no
/// invisible format characters.
fn go_prints(c: char) -> bool {
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}'))
}

/// A JSON number as Terraform reads one: its decimal text at 512 bits (serde_json keeps the
/// text with `arbitrary_precision`, so `9007199254740993` and `1e400` arrive whole).
pub fn number_from_json(n: &serde_json::Number) -> Number {
    Number::parse(&n.to_string()).unwrap_or_else(|_| Number::from_f64(n.as_f64().unwrap_or(0.0)))
}

/// A number as Terraform writes it in JSON: its shortest decimal, never an exponent.
/// Infinities, which JSON cannot hold, become null.
pub fn number_to_json(n: &Number) -> serde_json::Value {
    if n.is_infinite() {
        return serde_json::Value::Null;
    }
    n.to_string()
        .parse::<serde_json::Number>()
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

impl fmt::Display for Value {
    /// HCL-ish rendering used in messages and `terrane output`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => f.write_str(&quote(s)),
            Value::List(v) | Value::Tuple(v) | Value::Set(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) | Value::Object(m) => {
                f.write_str("{")?;
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = {x}", quote(k))?;
                }
                f.write_str("}")
            }
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let s = Value::set(vec![
            Value::string("b"),
            Value::string("a"),
            Value::string("b"),
        ]);
        assert_eq!(s, Value::Set(vec![Value::string("a"), Value::string("b")]));
    }

    #[test]
    fn numbers_round_trip_through_json_exactly() {
        let j: serde_json::Value =
            serde_json::from_str("[9007199254740993, 0.1, 1e400, 3]").unwrap();
        let v = Value::from_json(&j);
        assert_eq!(
            v.to_string(),
            format!("[9007199254740993, 0.1, 1{}, 3]", "0".repeat(400))
        );
        assert_eq!(
            serde_json::to_string(&v.to_json()).unwrap(),
            format!("[9007199254740993,0.1,1{},3]", "0".repeat(400))
        );
    }

    #[test]
    fn debug_never_shows_sensitive_values() {
        let v = Value::object([("password", Value::string("hunter2").sensitive())]);
        let shown = format!("{v:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Sensitive(<redacted>)"), "{shown}");
    }

    #[test]
    fn unmark_deep_reports_marks() {
        let v = Value::Tuple(vec![Value::string("a").sensitive()]);
        let (plain, found) = v.unmark_deep();
        assert!(found);
        assert_eq!(plain, Value::Tuple(vec![Value::string("a")]));
    }
}
