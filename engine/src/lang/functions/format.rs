//! `format` and `formatlist`: printf-style formatting with Terraform's verbs, flags,
//! widths, precisions and explicit `[n]` argument indexes.

use unicode_segmentation::UnicodeSegmentation;

use super::args::{arg_str, string, to_str};
use super::encoding::json_string;
use super::{Fail, FuncContext};
use crate::lang::number::Number;
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

/// Widths and precisions beyond this are certainly mistakes and would only waste memory.
const MAX_WIDTH: usize = 1 << 16;

pub(super) fn format(args: &[Value], _: &FuncContext<'_>) -> Result<Value, Fail> {
    let spec = arg_str(args, 0)?;
    run(&spec, &args[1..]).map(string)
}

pub(super) fn formatlist(args: &[Value], _: &FuncContext<'_>) -> Result<Value, Fail> {
    let spec = arg_str(args, 0)?;
    let rest = &args[1..];
    let mut len: Option<(usize, usize)> = None;
    for (i, a) in rest.iter().enumerate() {
        if let Some(items) = a.as_seq() {
            match len {
                None => len = Some((items.len(), i)),
                Some((l, first)) if l != items.len() => {
                    return Err(Fail::Arg(
                        i + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {l}",
                            i + 1,
                            items.len(),
                            first + 1
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    let count = len.map_or(1, |(l, _)| l);
    let mut out = Vec::with_capacity(count);
    for iter in 0..count {
        let row: Vec<Value> = rest
            .iter()
            .map(|a| match a.as_seq() {
                Some(items) => items.get(iter).cloned().unwrap_or(Value::Null),
                None => a.clone(),
            })
            .collect();
        let s = run(&spec, &row).map_err(|f| match f {
            Fail::Msg(m) if len.is_some() => {
                Fail::Msg(format!("error on format iteration {iter}: {m}"))
            }
            other => other,
        })?;
        out.push(string(s));
    }
    Ok(Value::List(out))
}

#[derive(Default)]
struct Verb {
    raw: String,
    offset: usize,
    arg: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Reads a decimal number; `allow_leading_zero` is false where a `0` is a flag instead.
fn digits(chars: &[(usize, char)], pos: &mut usize, allow_leading_zero: bool) -> Option<usize> {
    let first = chars.get(*pos)?.1;
    if !first.is_ascii_digit() || (first == '0' && !allow_leading_zero) {
        return None;
    }
    let mut n: usize = 0;
    while let Some(&(_, c)) = chars.get(*pos) {
        let Some(d) = c.to_digit(10) else { break };
        n = n.saturating_mul(10).saturating_add(d as usize);
        *pos += 1;
    }
    Some(n)
}

fn run(spec: &str, args: &[Value]) -> Result<String, Fail> {
    let chars: Vec<(usize, char)> = spec.char_indices().collect();
    let mut out = String::new();
    let mut pos = 0;
    let mut next_arg = 1;
    let mut highest = 0;
    let unrecognized = |chars: &[(usize, char)], pos: usize| match chars.get(pos) {
        Some(&(off, c)) => Fail::Msg(format!(
            "unrecognized format character '{c}' at offset {off}"
        )),
        None => Fail::Msg(format!(
            "invalid format string starting at offset {}",
            spec.len()
        )),
    };
    while let Some(&(start, c)) = chars.get(pos) {
        pos += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.get(pos).map(|x| x.1) == Some('%') {
            out.push('%');
            pos += 1;
            continue;
        }
        let mut v = Verb {
            offset: start,
            arg: next_arg,
            ..Verb::default()
        };
        while let Some(&(_, f)) = chars.get(pos) {
            match f {
                '0' => v.zero = true,
                '#' => v.sharp = true,
                '-' => v.minus = true,
                '+' => v.plus = true,
                ' ' => v.space = true,
                _ => break,
            }
            pos += 1;
        }
        v.width = digits(&chars, &mut pos, false);
        if chars.get(pos).map(|x| x.1) == Some('.') {
            pos += 1;
            v.prec = Some(digits(&chars, &mut pos, true).unwrap_or(0));
        }
        if chars.get(pos).map(|x| x.1) == Some('[') {
            pos += 1;
            v.arg = digits(&chars, &mut pos, false).ok_or_else(|| unrecognized(&chars, pos))?;
            if chars.get(pos).map(|x| x.1) != Some(']') {
                return Err(unrecognized(&chars, pos));
            }
            pos += 1;
        }
        match chars.get(pos) {
            Some(&(_, m)) if m.is_ascii_alphabetic() => v.mode = m,
            _ => return Err(unrecognized(&chars, pos)),
        }
        pos += 1;
        let end = chars.get(pos).map_or(spec.len(), |x| x.0);
        v.raw = spec[start..end].to_string();
        if v.width.unwrap_or(0) > MAX_WIDTH || v.prec.unwrap_or(0) > MAX_WIDTH {
            return Err(Fail::Msg(format!(
                "width or precision of {:?} at {} is too large",
                v.raw, v.offset
            )));
        }
        highest = highest.max(v.arg);
        out.push_str(&one(&v, args)?);
        next_arg = v.arg + 1;
    }
    if highest < args.len() {
        let msg = if highest == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest} used by format string")
        };
        return Err(Fail::Arg(highest + 1, msg));
    }
    Ok(out)
}

fn one(v: &Verb, args: &[Value]) -> Result<String, Fail> {
    let arg = args.get(v.arg - 1).ok_or_else(|| {
        Fail::Msg(format!(
            "not enough arguments for {:?} at {}: need index {} but have {} total",
            v.raw,
            v.offset,
            v.arg,
            args.len()
        ))
    })?;
    let bad = |why: &str| {
        Fail::Msg(format!(
            "unsupported value for {:?} at {}: {why}",
            v.raw, v.offset
        ))
    };
    if v.mode != 'v' && arg.is_null() {
        return Err(bad("null value cannot be formatted"));
    }
    let converted = |ty: &Type, what: &str| convert(arg, ty).map_err(|_| bad(what));
    match v.mode {
        'v' => Ok(pad(v, &as_is(v, arg))),
        't' => match converted(&Type::Bool, "a bool is required")? {
            Value::Bool(b) => Ok(pad(v, &b.to_string())),
            _ => Err(bad("a bool is required")),
        },
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            match converted(&Type::Number, "a number is required")? {
                Value::Number(n) => number(v, &n).ok_or_else(|| bad("an integer is required")),
                _ => Err(bad("a number is required")),
            }
        }
        's' | 'q' => {
            let mut s = to_str(arg).ok_or_else(|| bad("string required"))?;
            if let Some(p) = v.prec.filter(|p| *p > 0) {
                s = s.graphemes(true).take(p).collect();
            }
            if v.mode == 'q' {
                s = json_string(&s);
            }
            Ok(pad(v, &s))
        }
        m => Err(Fail::Msg(format!(
            "unsupported format verb '{m}' in {:?} at offset {}",
            v.raw, v.offset
        ))),
    }
}

/// `%v`: strings and numbers as themselves, everything else (and `%#v`) as JSON.
fn as_is(v: &Verb, arg: &Value) -> String {
    if !v.sharp {
        match arg {
            Value::String(s) => return s.clone(),
            Value::Number(n) => return n.to_shortest_g(),
            _ => {}
        }
    }
    super::encoding::to_json_text(arg)
}

/// Pads to the width counted in grapheme clusters, as Terraform does for non-numbers.
fn pad(v: &Verb, s: &str) -> String {
    let Some(width) = v.width else {
        return s.to_string();
    };
    let have = s.graphemes(true).count();
    if have >= width {
        return s.to_string();
    }
    let fill = if v.zero { "0" } else { " " }.repeat(width - have);
    if v.minus {
        format!("{s}{fill}")
    } else {
        format!("{fill}{s}")
    }
}

/// Formats a number verb; `None` when an integer verb receives a fraction.
fn number(v: &Verb, exact: &Number) -> Option<String> {
    let n = exact.to_f64();
    let negative = exact.is_negative();
    let a = n.abs();
    let body = match v.mode {
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let digits = integer_digits(&exact.abs(), v.mode)?;
            match v.prec {
                Some(p) if p > digits.len() => format!("{}{digits}", "0".repeat(p - digits.len())),
                _ => digits,
            }
        }
        'f' => format!("{a:.*}", v.prec.unwrap_or(6)),
        'e' | 'E' => exp_form(a, v.prec.unwrap_or(6), v.mode == 'E'),
        _ => match v.prec {
            None => exact.abs().to_shortest_g(),
            Some(p) => precise_g(a, p.max(1), v.mode == 'G', v.sharp),
        },
    };
    let sign = if negative {
        "-"
    } else if v.plus {
        "+"
    } else if v.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + body.chars().count();
    let width = v.width.unwrap_or(0);
    if len >= width {
        return Some(format!("{sign}{body}"));
    }
    let fill = width - len;
    Some(if v.minus {
        format!("{sign}{body}{}", " ".repeat(fill))
    } else if v.zero {
        format!("{sign}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{sign}{body}", " ".repeat(fill))
    })
}

fn integer_digits(a: &Number, mode: char) -> Option<String> {
    let decimal = a.to_integer_string()?;
    if mode == 'd' {
        return Some(decimal);
    }
    let i: u128 = decimal.parse().ok()?;
    Some(match mode {
        'b' => format!("{i:b}"),
        'o' => format!("{i:o}"),
        'x' => format!("{i:x}"),
        _ => format!("{i:X}"),
    })
}

/// Splits Rust's exponent notation into mantissa and exponent.
fn rust_exp(s: &str) -> (String, i32) {
    match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse().unwrap_or(0)),
        None => (s.to_string(), 0),
    }
}

/// Go writes exponents with a sign and at least two digits: `1.5e+06`.
fn go_exp(mantissa: &str, exp: i32, upper: bool) -> String {
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{e}{sign}{:02}", exp.abs())
}

fn exp_form(a: f64, prec: usize, upper: bool) -> String {
    let (m, e) = rust_exp(&format!("{a:.prec$e}"));
    go_exp(&m, e, upper)
}

fn precise_g(a: f64, p: usize, upper: bool, keep_zeros: bool) -> String {
    let (m, e) = rust_exp(&format!("{a:.*e}", p - 1));
    let trim = |s: String| {
        if keep_zeros || !s.contains('.') {
            s
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    if e < -4 || e >= i32::try_from(p).unwrap_or(i32::MAX) {
        return go_exp(&trim(m), e, upper);
    }
    let decimals = usize::try_from(i32::try_from(p).unwrap_or(0) - 1 - e).unwrap_or(0);
    trim(format!("{a:.decimals$}"))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{b, call_err, call_ok, list, n, obj, s, slist, strs, tup};
    use crate::lang::value::Value;

    fn f(spec: &str, args: Vec<Value>) -> Value {
        let mut all = vec![s(spec)];
        all.extend(args);
        call_ok("format", all)
    }

    #[test]
    fn format_examples() {
        assert_eq!(f("Hello, %s!", vec![s("Ander")]), s("Hello, Ander!"));
        assert_eq!(
            f("There are %d lights", vec![n(4.0)]),
            s("There are 4 lights")
        );
        assert_eq!(
            f(
                "%[1]s%[2]s%[1]s%[3]s",
                vec![s("/"), s("path"), s("file.tf")]
            ),
            s("/path/file.tf")
        );
    }

    #[test]
    fn format_sharp_v_is_json() {
        assert_eq!(f("%#v", vec![s("hello")]), s("\"hello\""));
        assert_eq!(f("%#v", vec![b(true)]), s("true"));
        assert_eq!(f("%#v", vec![n(1.0)]), s("1"));
        assert_eq!(f("%#v", vec![obj(&[("a", n(1.0))])]), s("{\"a\":1}"));
        assert_eq!(f("%#v", vec![tup(vec![b(true)])]), s("[true]"));
        assert_eq!(f("%#v", vec![Value::Null]), s("null"));
    }

    #[test]
    fn format_verbs_and_modifiers() {
        assert_eq!(
            f("%v %v %v", vec![s("a"), n(1.5), b(false)]),
            s("a 1.5 false")
        );
        assert_eq!(f("%t", vec![s("true")]), s("true"));
        assert_eq!(
            f("%5d|%-5d|%05d", vec![n(42.0), n(42.0), n(-42.0)]),
            s("   42|42   |-0042")
        );
        assert_eq!(f("%+d % d", vec![n(3.0), n(3.0)]), s("+3  3"));
        assert_eq!(f("%.2f", vec![n(1.23456)]), s("1.23"));
        assert_eq!(
            f("%9.2f|%f", vec![n(1.23456), n(1.0)]),
            s("     1.23|1.000000")
        );
        assert_eq!(
            f("%b %o %x %X", vec![n(5.0), n(8.0), n(255.0), n(255.0)]),
            s("101 10 ff FF")
        );
        assert_eq!(
            f("%e|%E", vec![n(1234.5678), n(0.5)]),
            s("1.234568e+03|5.000000E-01")
        );
        assert_eq!(
            f("%g|%v|%g", vec![n(1e6), n(1e21), n(0.00001)]),
            s("1e+06|1e+21|1e-05")
        );
        assert_eq!(f("%.3g", vec![n(1234.0)]), s("1.23e+03"));
        assert_eq!(f("%q", vec![s("a\"b<")]), s("\"a\\\"b\\u003c\""));
        assert_eq!(
            f("%.2s|%4s|%-4s|", vec![s("hello"), s("ab"), s("ab")]),
            s("he|  ab|ab  |")
        );
        assert_eq!(f("100%%", vec![]), s("100%"));
    }

    #[test]
    fn format_errors() {
        assert_eq!(
            call_err("format", vec![s("%d"), n(1.5)]),
            "Call to function \"format\" failed: unsupported value for \"%d\" at 0: an integer is required."
        );
        assert_eq!(
            call_err("format", vec![s("%s %s"), s("a")]),
            "Call to function \"format\" failed: not enough arguments for \"%s\" at 3: need index 2 but have 1 total."
        );
        assert_eq!(
            call_err("format", vec![s("%s"), s("a"), s("b")]),
            "Invalid value for \"args\" parameter: too many arguments; only 1 used by format string."
        );
        assert_eq!(
            call_err("format", vec![s("%s"), Value::Null]),
            "Call to function \"format\" failed: unsupported value for \"%s\" at 0: null value cannot be formatted."
        );
        assert_eq!(
            call_err("format", vec![s("%z"), n(1.0)]),
            "Call to function \"format\" failed: unsupported format verb 'z' in \"%z\" at offset 0."
        );
        assert_eq!(
            call_err("format", vec![s("abc %"), n(1.0)]),
            "Call to function \"format\" failed: invalid format string starting at offset 5."
        );
        assert_eq!(
            call_err("format", vec![s("%!"), n(1.0)]),
            "Call to function \"format\" failed: unrecognized format character '!' at offset 1."
        );
        assert!(call_err("format", vec![s("%99999999d"), n(1.0)]).contains("too large"));
    }

    #[test]
    fn formatlist_examples() {
        let names = || strs(&["Valentina", "Ander", "Olivia", "Sam"]);
        assert_eq!(
            call_ok("formatlist", vec![s("Hello, %s!"), names()]),
            slist(&[
                "Hello, Valentina!",
                "Hello, Ander!",
                "Hello, Olivia!",
                "Hello, Sam!"
            ])
        );
        assert_eq!(
            call_ok("formatlist", vec![s("%s, %s!"), s("Salutations"), names()]),
            slist(&[
                "Salutations, Valentina!",
                "Salutations, Ander!",
                "Salutations, Olivia!",
                "Salutations, Sam!"
            ])
        );
        assert_eq!(call_ok("formatlist", vec![s("x")]), slist(&["x"]));
        assert_eq!(
            call_ok("formatlist", vec![s("%s"), list(vec![])]),
            slist(&[])
        );
        assert!(call_err(
            "formatlist",
            vec![s("%s%s"), strs(&["a"]), strs(&["a", "b"])]
        )
        .contains("argument 2 has length 2, which is inconsistent with argument 1 of length 1"));
    }
}
