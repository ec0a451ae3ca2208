//! Encoding functions: JSON, Base64 and URL encoding.

use base64::Engine as _;

use super::args::{arg_str, string};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

/// Go's JSON encoder, which Terraform uses, escapes characters that are special in HTML
/// and the two JavaScript line terminators. They can only occur inside JSON strings, so
/// rewriting the whole document is safe.
fn escape_like_go(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Compact JSON text of a value, keys sorted, as `jsonencode` produces it.
pub(super) fn to_json_text(v: &Value) -> String {
    escape_like_go(&v.to_json().to_string())
}

/// A string as a JSON string literal, as `%q` produces it.
pub(super) fn json_string(s: &str) -> String {
    escape_like_go(&serde_json::Value::String(s.to_string()).to_string())
}

pub(super) fn jsonencode(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(string(to_json_text(&args[0])))
}

pub(super) fn jsondecode(args: Args, _: Ctx) -> Result<Value, Fail> {
    let text = arg_str(args, 0)?;
    let parsed: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Fail::Arg(0, format!("invalid JSON: {e}")))?;
    Ok(Value::from_json(&parsed))
}

pub(super) fn base64encode(args: Args, _: Ctx) -> Result<Value, Fail> {
    let s = arg_str(args, 0)?;
    Ok(string(base64::engine::general_purpose::STANDARD.encode(s)))
}

pub(super) fn base64decode(args: Args, _: Ctx) -> Result<Value, Fail> {
    let s = arg_str(args, 0)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&s)
        .map_err(|_| Fail::Msg(format!("failed to decode base64 data {s:?}")))?;
    String::from_utf8(bytes).map(string).map_err(|_| {
        Fail::Msg("the result of decoding the provided string is not valid UTF-8".into())
    })
}

/// Go's `url.QueryEscape`: spaces become `+`, unreserved characters stay, the rest is
/// percent-encoded byte by byte.
pub(super) fn urlencode(args: Args, _: Ctx) -> Result<Value, Fail> {
    let s = arg_str(args, 0)?;
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    Ok(string(out))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{b, call_err, call_ok, map, n, obj, s, tup};
    use crate::lang::value::Value;

    #[test]
    fn jsonencode_examples() {
        assert_eq!(
            call_ok("jsonencode", vec![obj(&[("hello", s("world"))])]),
            s(r#"{"hello":"world"}"#)
        );
        assert_eq!(
            call_ok(
                "jsonencode",
                vec![map(&[
                    ("b", n(2.0)),
                    ("a", tup(vec![n(1.5), b(true), Value::Null]))
                ])]
            ),
            s(r#"{"a":[1.5,true,null],"b":2}"#)
        );
        assert_eq!(
            call_ok("jsonencode", vec![s("<a href=\"x\">&</a>\u{2028}")]),
            s(r#""\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e\u2028""#)
        );
        assert_eq!(call_ok("jsonencode", vec![Value::Null]), s("null"));
    }

    #[test]
    fn jsondecode_examples() {
        assert_eq!(
            call_ok("jsondecode", vec![s(r#"{"hello": "world"}"#)]),
            obj(&[("hello", s("world"))])
        );
        assert_eq!(call_ok("jsondecode", vec![s("true")]), b(true));
        assert_eq!(
            call_ok("jsondecode", vec![s(r#"["a", 1]"#)]),
            tup(vec![s("a"), n(1.0)])
        );
        assert!(call_err("jsondecode", vec![s("{")])
            .starts_with("Invalid value for \"str\" parameter: invalid JSON"));
    }

    #[test]
    fn base64_examples() {
        assert_eq!(
            call_ok("base64encode", vec![s("Hello World")]),
            s("SGVsbG8gV29ybGQ=")
        );
        assert_eq!(
            call_ok("base64decode", vec![s("SGVsbG8gV29ybGQ=")]),
            s("Hello World")
        );
        assert_eq!(
            call_err("base64decode", vec![s("!!")]),
            "Call to function \"base64decode\" failed: failed to decode base64 data \"!!\"."
        );
        assert!(call_err("base64decode", vec![s("/w==")]).contains("not valid UTF-8"));
    }

    #[test]
    fn urlencode_examples() {
        assert_eq!(
            call_ok("urlencode", vec![s("Hello World!")]),
            s("Hello+World%21")
        );
        assert_eq!(call_ok("urlencode", vec![s("☃")]), s("%E2%98%83"));
        assert_eq!(
            call_ok("urlencode", vec![s("terraform urlencode")]),
            s("terraform+urlencode")
        );
    }
}
