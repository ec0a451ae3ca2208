//! String functions.

use std::collections::BTreeMap;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use super::args::{arg_int, arg_seq, arg_str, list_of_strings, string, to_str};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

/// Applies a string-to-string transformation to the first argument.
fn map_str(args: Args, f: impl FnOnce(&str) -> String) -> Result<Value, Fail> {
    Ok(string(f(&arg_str(args, 0)?)))
}

/// Tests the first argument against the second.
fn test_str(args: Args, f: impl FnOnce(&str, &str) -> bool) -> Result<Value, Fail> {
    Ok(Value::Bool(f(&arg_str(args, 0)?, &arg_str(args, 1)?)))
}

pub(super) fn lower(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_str(args, super::gostr::lower)
}

pub(super) fn upper(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_str(args, super::gostr::upper)
}

pub(super) fn trimspace(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_str(args, |s| s.trim().to_string())
}

pub(super) fn chomp(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_str(args, |s| s.trim_end_matches(['\r', '\n']).to_string())
}

/// Reverses by grapheme cluster so combining marks stay attached to their letters.
pub(super) fn strrev(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_str(args, |s| s.graphemes(true).rev().collect())
}

/// Upper-cases the first letter of each word; words are separated the way Go's
/// `strings.Title` (which Terraform uses) sees them: anything but letters, digits and `_`.
pub(super) fn title(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_str(args, |s| {
        let mut out = String::with_capacity(s.len());
        let mut at_start = true;
        for c in s.chars() {
            if at_start {
                out.push(super::gostr::title_char(c));
            } else {
                out.push(c);
            }
            at_start = !(c.is_alphanumeric() || c == '_');
        }
        out
    })
}

pub(super) fn trim(args: Args, _: Ctx) -> Result<Value, Fail> {
    let cutset: Vec<char> = arg_str(args, 1)?.chars().collect();
    map_str(args, |s| s.trim_matches(cutset.as_slice()).to_string())
}

pub(super) fn trimprefix(args: Args, _: Ctx) -> Result<Value, Fail> {
    let prefix = arg_str(args, 1)?;
    map_str(args, |s| {
        s.strip_prefix(prefix.as_str()).unwrap_or(s).to_string()
    })
}

pub(super) fn trimsuffix(args: Args, _: Ctx) -> Result<Value, Fail> {
    let suffix = arg_str(args, 1)?;
    map_str(args, |s| {
        s.strip_suffix(suffix.as_str()).unwrap_or(s).to_string()
    })
}

pub(super) fn startswith(args: Args, _: Ctx) -> Result<Value, Fail> {
    test_str(args, |s, p| s.starts_with(p))
}

pub(super) fn endswith(args: Args, _: Ctx) -> Result<Value, Fail> {
    test_str(args, |s, p| s.ends_with(p))
}

pub(super) fn strcontains(args: Args, _: Ctx) -> Result<Value, Fail> {
    test_str(args, |s, p| s.contains(p))
}

/// Guards `indent` against absurd paddings that would exhaust memory.
const MAX_INDENT: i64 = 1 << 16;

pub(super) fn indent(args: Args, _: Ctx) -> Result<Value, Fail> {
    let spaces = arg_int(args, 0)?;
    if !(0..=MAX_INDENT).contains(&spaces) {
        return Err(Fail::Arg(0, format!("must be between 0 and {MAX_INDENT}")));
    }
    let pad = format!("\n{}", " ".repeat(usize::try_from(spaces).unwrap_or(0)));
    Ok(string(arg_str(args, 1)?.replace('\n', &pad)))
}

pub(super) fn join(args: Args, _: Ctx) -> Result<Value, Fail> {
    let sep = arg_str(args, 0)?;
    let lists = &args[1..];
    if lists.is_empty() {
        return Err(Fail::Msg("at least one list is required".into()));
    }
    let mut parts = Vec::new();
    for (li, _) in lists.iter().enumerate() {
        let ai = li + 1;
        for (ei, v) in arg_seq(args, ai)?.iter().enumerate() {
            if v.is_null() {
                let msg = if lists.len() > 1 {
                    format!("element {ei} of list {ai} is null; cannot concatenate null values")
                } else {
                    format!("element {ei} is null; cannot concatenate null values")
                };
                return Err(Fail::Arg(ai, msg));
            }
            let s =
                to_str(v).ok_or_else(|| Fail::Arg(ai, format!("element {ei}: string required")))?;
            parts.push(s);
        }
    }
    Ok(string(parts.join(&sep)))
}

pub(super) fn split(args: Args, _: Ctx) -> Result<Value, Fail> {
    let sep = arg_str(args, 0)?;
    let s = arg_str(args, 1)?;
    // Go splits around every character when the separator is empty, without empty ends.
    if sep.is_empty() {
        return Ok(list_of_strings(s.chars().map(String::from)));
    }
    Ok(list_of_strings(s.split(sep.as_str())))
}

pub(super) fn substr(args: Args, _: Ctx) -> Result<Value, Fail> {
    let s = arg_str(args, 0)?;
    let mut offset = arg_int(args, 1)?;
    let length = arg_int(args, 2)?;
    let clusters: Vec<&str> = s.graphemes(true).collect();
    let total = i64::try_from(clusters.len()).unwrap_or(i64::MAX);
    if offset < 0 {
        offset = offset.saturating_add(total).max(0);
    }
    if offset >= total || length == 0 {
        return Ok(string(""));
    }
    let start = usize::try_from(offset).unwrap_or(0);
    let rest = &clusters[start..];
    let take = if length < 0 {
        rest.len()
    } else {
        usize::try_from(length).map_or(rest.len(), |l| l.min(rest.len()))
    };
    Ok(string(rest[..take].concat()))
}

/// A pattern wrapped in slashes, as `replace` spells a regular expression.
fn slash_pattern(s: &str) -> Option<&str> {
    s.strip_prefix('/')
        .and_then(|r| r.strip_suffix('/'))
        .filter(|_| s.len() >= 2)
}

pub(super) fn replace(args: Args, _: Ctx) -> Result<Value, Fail> {
    let s = arg_str(args, 0)?;
    let search = arg_str(args, 1)?;
    let with = arg_str(args, 2)?;
    if let Some(pattern) = slash_pattern(&search) {
        let re = compile(pattern).map_err(|e| Fail::Arg(1, e))?;
        return Ok(string(re.replace_all(&s, with.as_str())));
    }
    if search.is_empty() {
        // Go inserts the replacement around every character for an empty search string.
        let mut out = with.clone();
        for c in s.chars() {
            out.push(c);
            out.push_str(&with);
        }
        return Ok(string(out));
    }
    Ok(string(s.replace(&search, &with)))
}

fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(&super::gostr::re2_pattern(pattern)).map_err(|e| {
        let detail = e.to_string();
        let last = detail.lines().last().unwrap_or("").trim().to_string();
        format!("invalid regexp pattern: {last}")
    })
}

/// What a match produces, fixed by the pattern's capture groups.
enum Shape {
    Whole,
    Unnamed,
    Named(Vec<String>),
}

fn shape(re: &Regex) -> Result<Shape, String> {
    let mut names = Vec::new();
    let mut unnamed = 0;
    for name in re.capture_names().skip(1) {
        match name {
            Some(n) => names.push(n.to_string()),
            None => unnamed += 1,
        }
    }
    match (unnamed, names.is_empty()) {
        (0, true) => Ok(Shape::Whole),
        (_, false) if unnamed > 0 => {
            Err("invalid regexp pattern: cannot mix both named and unnamed capture groups".into())
        }
        (_, true) => Ok(Shape::Unnamed),
        _ => Ok(Shape::Named(names)),
    }
}

fn group(c: &regex::Captures<'_>, i: usize) -> Value {
    c.get(i).map_or(Value::Null, |m| string(m.as_str()))
}

fn match_value(shape: &Shape, c: &regex::Captures<'_>) -> Value {
    match shape {
        Shape::Whole => group(c, 0),
        Shape::Unnamed => Value::Tuple((1..c.len()).map(|i| group(c, i)).collect()),
        Shape::Named(names) => Value::Object(
            names
                .iter()
                .map(|n| {
                    let v = c.name(n).map_or(Value::Null, |m| string(m.as_str()));
                    (n.clone(), v)
                })
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn pattern(args: Args) -> Result<(Regex, Shape), Fail> {
    let re = compile(&arg_str(args, 0)?).map_err(|e| Fail::Arg(0, e))?;
    let sh = shape(&re).map_err(|e| Fail::Arg(0, e))?;
    Ok((re, sh))
}

pub(super) fn regex(args: Args, _: Ctx) -> Result<Value, Fail> {
    let (re, sh) = pattern(args)?;
    let s = arg_str(args, 1)?;
    let caps = re
        .captures(&s)
        .ok_or_else(|| Fail::Msg("pattern did not match any part of the given string".into()))?;
    Ok(match_value(&sh, &caps))
}

pub(super) fn regexall(args: Args, _: Ctx) -> Result<Value, Fail> {
    let (re, sh) = pattern(args)?;
    let s = arg_str(args, 1)?;
    Ok(Value::List(
        re.captures_iter(&s).map(|c| match_value(&sh, &c)).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{b, call_err, call_ok, n, obj, s, slist, strs, tup};
    use crate::lang::value::Value;

    #[test]
    fn chomp_examples() {
        assert_eq!(call_ok("chomp", vec![s("hello\n")]), s("hello"));
        assert_eq!(call_ok("chomp", vec![s("hello\r\n")]), s("hello"));
        assert_eq!(call_ok("chomp", vec![s("hello\n\n")]), s("hello"));
    }

    #[test]
    fn startswith_endswith_strcontains_examples() {
        let hw = || s("hello world");
        assert_eq!(call_ok("startswith", vec![hw(), s("hello")]), b(true));
        assert_eq!(call_ok("startswith", vec![hw(), s("world")]), b(false));
        assert_eq!(call_ok("endswith", vec![hw(), s("world")]), b(true));
        assert_eq!(call_ok("endswith", vec![hw(), s("hello")]), b(false));
        assert_eq!(call_ok("strcontains", vec![hw(), s("wor")]), b(true));
        assert_eq!(call_ok("strcontains", vec![hw(), s("wod")]), b(false));
    }

    #[test]
    fn indent_example() {
        assert_eq!(
            call_ok("indent", vec![n(2.0), s("[\n  foo,\n  bar,\n]\n")]),
            s("[\n    foo,\n    bar,\n  ]\n  ")
        );
        assert!(call_err("indent", vec![n(-1.0), s("x")]).contains("\"spaces\""));
    }

    #[test]
    fn join_examples() {
        assert_eq!(
            call_ok("join", vec![s("-"), strs(&["foo", "bar", "baz"])]),
            s("foo-bar-baz")
        );
        assert_eq!(
            call_ok("join", vec![s(", "), strs(&["foo", "bar", "baz"])]),
            s("foo, bar, baz")
        );
        assert_eq!(call_ok("join", vec![s(", "), strs(&["foo"])]), s("foo"));
        assert_eq!(
            call_ok(
                "join",
                vec![s(","), strs(&["a"]), tup(vec![n(1.0), b(true)])]
            ),
            s("a,1,true")
        );
        assert_eq!(
            call_err("join", vec![s(","), tup(vec![Value::Null])]),
            "Invalid value for \"lists\" parameter: element 0 is null; cannot concatenate null values."
        );
    }

    #[test]
    fn lower_upper_examples() {
        assert_eq!(call_ok("lower", vec![s("HELLO")]), s("hello"));
        assert_eq!(call_ok("lower", vec![s("ΓΕΙΑ ΣΟΥ")]), s("γεια σου"));
        assert_eq!(call_ok("upper", vec![s("hello")]), s("HELLO"));
        assert_eq!(call_ok("upper", vec![s("алло!")]), s("АЛЛО!"));
    }

    #[test]
    fn regex_examples() {
        assert_eq!(
            call_ok(
                "regex",
                vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")]
            ),
            s("aaabbbccc")
        );
        assert_eq!(
            call_ok(
                "regex",
                vec![s(r"(\d\d\d\d)-(\d\d)-(\d\d)"), s("2019-02-01")]
            ),
            strs(&["2019", "02", "01"])
        );
        assert_eq!(
            call_ok(
                "regex",
                vec![
                    s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"),
                    s("https://terraform.io/docs/")
                ]
            ),
            obj(&[("authority", s("terraform.io")), ("scheme", s("https"))])
        );
        assert_eq!(
            call_err("regex", vec![s("[a-z]+"), s("53453453.34534523454")]),
            "Call to function \"regex\" failed: pattern did not match any part of the given string."
        );
        assert!(call_err("regex", vec![s("(a)(?P<x>b)"), s("ab")]).contains("cannot mix"));
        assert!(call_err("regex", vec![s("("), s("ab")]).contains("invalid regexp pattern"));
    }

    #[test]
    fn regexall_examples() {
        assert_eq!(
            call_ok("regexall", vec![s("[a-z]+"), s("1234abcd5678efgh9")]),
            slist(&["abcd", "efgh"])
        );
        assert_eq!(
            call_ok("regexall", vec![s("[a-z]+"), s("123456789")]),
            Value::List(vec![])
        );
    }

    #[test]
    fn replace_examples() {
        assert_eq!(
            call_ok("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]),
            s("1 - 2 - 3")
        );
        assert_eq!(
            call_ok(
                "replace",
                vec![s("hello world"), s("/w.*d/"), s("everybody")]
            ),
            s("hello everybody")
        );
        assert_eq!(
            call_ok("replace", vec![s("a-b"), s("/(a)-(b)/"), s("$2-$1")]),
            s("b-a")
        );
        assert_eq!(call_ok("replace", vec![s("ab"), s(""), s("-")]), s("-a-b-"));
    }

    #[test]
    fn split_examples() {
        assert_eq!(
            call_ok("split", vec![s(","), s("foo,bar,baz")]),
            slist(&["foo", "bar", "baz"])
        );
        assert_eq!(call_ok("split", vec![s(","), s("foo")]), slist(&["foo"]));
        assert_eq!(call_ok("split", vec![s(","), s("")]), slist(&[""]));
    }

    #[test]
    fn strrev_examples() {
        assert_eq!(call_ok("strrev", vec![s("hello")]), s("olleh"));
        assert_eq!(call_ok("strrev", vec![s("a ☃")]), s("☃ a"));
    }

    #[test]
    fn substr_examples() {
        assert_eq!(
            call_ok("substr", vec![s("hello world"), n(1.0), n(4.0)]),
            s("ello")
        );
        assert_eq!(call_ok("substr", vec![s("🤔🤷"), n(0.0), n(1.0)]), s("🤔"));
        assert_eq!(
            call_ok("substr", vec![s("hello world"), n(-5.0), n(-1.0)]),
            s("world")
        );
        assert_eq!(
            call_ok("substr", vec![s("hello world"), n(6.0), n(10.0)]),
            s("world")
        );
        assert_eq!(call_ok("substr", vec![s("abc"), n(5.0), n(1.0)]), s(""));
        assert_eq!(call_ok("substr", vec![s("abc"), n(-9.0), n(2.0)]), s("ab"));
    }

    #[test]
    fn title_examples() {
        assert_eq!(call_ok("title", vec![s("hello world")]), s("Hello World"));
        assert_eq!(call_ok("title", vec![s("foo-bar_baz")]), s("Foo-Bar_baz"));
    }

    #[test]
    fn trim_examples() {
        assert_eq!(call_ok("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
        assert_eq!(call_ok("trim", vec![s("foobar"), s("far")]), s("oob"));
        assert_eq!(
            call_ok("trim", vec![s("   hello! world.!  "), s("! ")]),
            s("hello! world.")
        );
        assert_eq!(call_ok("trimspace", vec![s("  hello\n\n")]), s("hello"));
    }

    #[test]
    fn trimprefix_trimsuffix_examples() {
        assert_eq!(
            call_ok("trimprefix", vec![s("helloworld"), s("hello")]),
            s("world")
        );
        assert_eq!(
            call_ok("trimprefix", vec![s("helloworld"), s("cat")]),
            s("helloworld")
        );
        assert_eq!(
            call_ok("trimprefix", vec![s("--hello"), s("-")]),
            s("-hello")
        );
        assert_eq!(
            call_ok("trimsuffix", vec![s("helloworld"), s("world")]),
            s("hello")
        );
        assert_eq!(
            call_ok("trimsuffix", vec![s("helloworld"), s("cat")]),
            s("helloworld")
        );
        assert_eq!(
            call_ok("trimsuffix", vec![s("hello--"), s("-")]),
            s("hello-")
        );
    }
}
