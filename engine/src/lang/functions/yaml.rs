//! `yamlencode` and `yamldecode`.
//!
//! Encoding follows the output of Terraform's YAML encoder (go-yaml's emitter in block
//! style): every string and key double-quoted, numbers and booleans plain, a sequence under
//! a mapping key not indented, nested mappings indented by two spaces, `[]` and `{}` for
//! empty collections. Decoding uses a YAML 1.2 parser: mappings become objects, sequences
//! tuples, and scalars are typed by the core schema.

use yaml_rust2::{Yaml, YamlLoader};

use super::args::{arg_str, string};
use super::{Fail, FuncContext};
use crate::lang::number::Number;
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

pub(super) fn yamlencode(args: Args, _: Ctx) -> Result<Value, Fail> {
    let mut out = String::new();
    emit(&args[0], 0, &mut out);
    Ok(string(out))
}

pub(super) fn yamldecode(args: Args, _: Ctx) -> Result<Value, Fail> {
    let text = arg_str(args, 0)?;
    let docs = YamlLoader::load_from_str(&text).map_err(|e| {
        Fail::Msg(format!(
            "on line {}, column {}: {}",
            e.marker().line(),
            e.marker().col() + 1,
            e.info()
        ))
    })?;
    match docs.len() {
        0 => Ok(Value::Null),
        1 => from_yaml(&docs[0]),
        _ => Err(Fail::Msg("unexpected extra content after value".into())),
    }
}

fn from_yaml(y: &Yaml) -> Result<Value, Fail> {
    Ok(match y {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::number(*i),
        Yaml::Real(r) => Value::Number(parse_real(r)?),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::Tuple(items.iter().map(from_yaml).collect::<Result<_, _>>()?),
        Yaml::Hash(h) => {
            let mut out = std::collections::BTreeMap::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Null => "null".to_string(),
                    _ => {
                        return Err(Fail::Msg(
                            "only scalar values are allowed as mapping keys".into(),
                        ))
                    }
                };
                out.insert(key, from_yaml(v)?);
            }
            Value::Object(out)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err(Fail::Msg("unsupported YAML value".into())),
    })
}

/// A YAML 1.2 float: decimal, `.inf`, `-.inf`; `.nan` has no Terraform number.
fn parse_real(r: &str) -> Result<Number, Fail> {
    let lower = r.to_ascii_lowercase();
    match lower.as_str() {
        ".inf" | "+.inf" => Ok(Number::from_f64(f64::INFINITY)),
        "-.inf" => Ok(Number::from_f64(f64::NEG_INFINITY)),
        ".nan" => Err(Fail::Msg("cannot represent NaN as a number".into())),
        _ => Number::parse(r).map_err(|_| Fail::Msg(format!("cannot parse {r:?} as a number"))),
    }
}

/// Writes `v` as a YAML document (a trailing newline included) at `indent`.
fn emit(v: &Value, indent: usize, out: &mut String) {
    match v.unmark() {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) if !items.is_empty() => {
            emit_seq(items, indent, out);
        }
        Value::Map(m) | Value::Object(m) if !m.is_empty() => emit_map(m, indent, out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn emit_seq(items: &[Value], indent: usize, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            pad(indent, out);
        }
        out.push_str("- ");
        // A nested collection starts on the dash's line, indented past it.
        emit(item, indent + 2, out);
    }
}

fn emit_map(m: &std::collections::BTreeMap<String, Value>, indent: usize, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            pad(indent, out);
        }
        out.push_str(&quote(k));
        out.push(':');
        match v.unmark() {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) if !items.is_empty() => {
                out.push('\n');
                pad(indent, out);
                emit_seq(items, indent, out);
            }
            Value::Map(inner) | Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                pad(indent + 2, out);
                emit_map(inner, indent + 2, out);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn pad(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null | Value::Unknown => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_infinite() => {
            if n.is_negative() { "-.inf" } else { ".inf" }.into()
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::List(_) | Value::Tuple(_) | Value::Set(_) => "[]".into(),
        Value::Map(_) | Value::Object(_) => "{}".into(),
        Value::Sensitive(inner) => scalar(inner),
    }
}

/// A double-quoted YAML scalar, escaping as YAML's double-quoted style requires.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{b, call_err, call_ok, map, n, obj, s, tup};
    use crate::lang::value::Value;

    #[test]
    fn yamlencode_examples() {
        assert_eq!(
            call_ok("yamlencode", vec![obj(&[("a", s("b")), ("c", s("d"))])]),
            s("\"a\": \"b\"\n\"c\": \"d\"\n")
        );
        assert_eq!(
            call_ok(
                "yamlencode",
                vec![obj(&[
                    ("foo", tup(vec![n(1.0), n(2.0), n(3.0)])),
                    ("bar", s("baz"))
                ])]
            ),
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n")
        );
        assert_eq!(
            call_ok(
                "yamlencode",
                vec![obj(&[
                    (
                        "foo",
                        tup(vec![n(1.0), obj(&[("a", s("b")), ("c", s("d"))]), n(3.0)])
                    ),
                    ("bar", s("baz"))
                ])]
            ),
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n")
        );
        assert_eq!(
            call_ok(
                "yamlencode",
                vec![map(&[(
                    "a",
                    obj(&[("b", obj(&[("c", b(true))])), ("e", tup(vec![]))])
                )])]
            ),
            s("\"a\":\n  \"b\":\n    \"c\": true\n  \"e\": []\n")
        );
        assert_eq!(
            call_ok(
                "yamlencode",
                vec![tup(vec![tup(vec![n(1.0), n(2.5)]), Value::Null])]
            ),
            s("- - 1\n  - 2.5\n- null\n")
        );
        assert_eq!(
            call_ok("yamlencode", vec![s("a\"b\nc")]),
            s("\"a\\\"b\\nc\"\n")
        );
        assert_eq!(call_ok("yamlencode", vec![obj(&[])]), s("{}\n"));
    }

    #[test]
    fn yamldecode_examples() {
        assert_eq!(
            call_ok("yamldecode", vec![s("hello: world")]),
            obj(&[("hello", s("world"))])
        );
        assert_eq!(call_ok("yamldecode", vec![s("true")]), b(true));
        assert_eq!(
            call_ok("yamldecode", vec![s("{a: &foo [1, 2, 3], b: *foo}")]),
            obj(&[
                ("a", tup(vec![n(1.0), n(2.0), n(3.0)])),
                ("b", tup(vec![n(1.0), n(2.0), n(3.0)]))
            ])
        );
        assert_eq!(
            call_ok(
                "yamldecode",
                vec![s("- 1.5\n- ~\n- 'yes'\n- yes\n- 0x10\n")]
            ),
            tup(vec![n(1.5), Value::Null, s("yes"), s("yes"), n(16.0)])
        );
        assert_eq!(call_ok("yamldecode", vec![s("")]), Value::Null);
        // Round trip through the encoder.
        let v = obj(&[("k", tup(vec![s("x"), obj(&[("n", n(2.0))])]))]);
        let text = call_ok("yamlencode", vec![v.clone()]);
        assert_eq!(call_ok("yamldecode", vec![text]), v);
        assert!(call_err("yamldecode", vec![s("a: [")])
            .starts_with("Call to function \"yamldecode\" failed: on line"));
        assert_eq!(
            call_err("yamldecode", vec![s("a: 1\n---\nb: 2\n")]),
            "Call to function \"yamldecode\" failed: unexpected extra content after value."
        );
    }
}
