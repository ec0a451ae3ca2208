//! Encoding functions: JSON, Base64 (plain, gzipped and of other text encodings), CSV
//! and URL encoding. YAML lives in `yaml.rs`.

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
        serde_json::from_str(&text).map_err(|e| Fail::Msg(go_json_error(&text, &e)))?;
    Ok(Value::from_json(&parsed))
}

/// A JSON syntax error in the words of Go's decoder, which Terraform's message quotes
/// (`Call to function "jsondecode" failed: EOF.`), where the two are easy to match.
fn go_json_error(text: &str, e: &serde_json::Error) -> String {
    let offending = || {
        let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
        line.chars().nth(e.column().saturating_sub(1))
    };
    let msg = e.to_string();
    if e.is_eof() {
        "EOF".into()
    } else if msg.starts_with("trailing characters") {
        "extraneous data after JSON object".into()
    } else if let (true, Some(c)) = (msg.starts_with("expected value"), offending()) {
        format!("invalid character {c:?} looking for beginning of value")
    } else {
        msg
    }
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

/// The string gzipped (default compression), then Base64-encoded. The compressed bytes
/// come from a different deflate implementation than Terraform's, so they may differ,
/// but they decompress to the same text.
pub(super) fn base64gzip(args: Args, _: Ctx) -> Result<Value, Fail> {
    use std::io::Write as _;
    let s = arg_str(args, 0)?;
    let mut gz = flate2::GzBuilder::new()
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(s.as_bytes())
        .and_then(|()| gz.finish())
        .map(|bytes| string(base64::engine::general_purpose::STANDARD.encode(bytes)))
        .map_err(|e| Fail::Msg(format!("failed to write gzip raw data: {e}")))
}

/// A text encoding `textencodebase64` and `textdecodebase64` support, by IANA name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TextEncoding {
    Utf8,
    /// UTF-16 with a byte order mark (big-endian when writing).
    Utf16,
    Utf16Be,
    Utf16Le,
    Ascii,
    Latin1,
    Windows1252,
}

impl TextEncoding {
    /// Looks up an IANA encoding name or alias, case-insensitively.
    fn by_name(name: &str) -> Option<TextEncoding> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_str() {
            "utf-8" | "csutf8" => TextEncoding::Utf8,
            "utf-16" | "csutf16" => TextEncoding::Utf16,
            "utf-16be" | "csutf16be" => TextEncoding::Utf16Be,
            "utf-16le" | "csutf16le" => TextEncoding::Utf16Le,
            "us-ascii" | "ascii" | "us" | "iso-ir-6" | "ansi_x3.4-1968" | "ansi_x3.4-1986"
            | "iso_646.irv:1991" | "iso646-us" | "ibm367" | "cp367" | "csascii" => {
                TextEncoding::Ascii
            }
            "iso-8859-1" | "iso_8859-1" | "iso_8859-1:1987" | "iso-ir-100" | "latin1" | "l1"
            | "ibm819" | "cp819" | "csisolatin1" => TextEncoding::Latin1,
            "windows-1252" | "cswindows1252" | "cp1252" => TextEncoding::Windows1252,
            _ => return None,
        })
    }

    /// The canonical IANA name, as Terraform prints it in messages.
    fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16 => "UTF-16",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Ascii => "US-ASCII",
            TextEncoding::Latin1 => "ISO-8859-1",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    fn encode(self, s: &str) -> Option<Vec<u8>> {
        let units = |be: bool| -> Vec<u8> {
            s.encode_utf16()
                .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
                .collect()
        };
        Some(match self {
            TextEncoding::Utf8 => s.as_bytes().to_vec(),
            TextEncoding::Utf16 => [&[0xFE, 0xFF][..], &units(true)].concat(),
            TextEncoding::Utf16Be => units(true),
            TextEncoding::Utf16Le => units(false),
            TextEncoding::Ascii => s
                .chars()
                .map(|c| c.is_ascii().then_some(c as u8))
                .collect::<Option<_>>()?,
            TextEncoding::Latin1 => s
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<_>>()?,
            TextEncoding::Windows1252 => s.chars().map(cp1252_byte).collect::<Option<_>>()?,
        })
    }

    fn decode(self, b: &[u8]) -> Option<String> {
        let utf16 = |b: &[u8], be: bool| -> Option<String> {
            if !b.len().is_multiple_of(2) {
                return None;
            }
            let units = b.chunks(2).map(|c| {
                let pair = [c[0], c[1]];
                if be {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        };
        match self {
            TextEncoding::Utf8 => String::from_utf8(b.to_vec()).ok(),
            TextEncoding::Utf16 => match b {
                [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
                [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
                _ => utf16(b, true),
            },
            TextEncoding::Utf16Be => utf16(b, true),
            TextEncoding::Utf16Le => utf16(b, false),
            TextEncoding::Ascii => b
                .iter()
                .map(|x| x.is_ascii().then_some(char::from(*x)))
                .collect(),
            TextEncoding::Latin1 => Some(b.iter().map(|x| char::from(*x)).collect()),
            TextEncoding::Windows1252 => Some(b.iter().map(|x| cp1252_char(*x)).collect()),
        }
        .filter(|s| !s.contains('\u{FFFD}'))
    }
}

/// windows-1252 differs from ISO-8859-1 only in 0x80..=0x9F; undefined bytes map to the
/// C1 control characters, as the WHATWG table has it.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
];

fn cp1252_char(b: u8) -> char {
    match b {
        0x80..=0x9F => {
            char::from_u32(u32::from(CP1252_HIGH[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}')
        }
        _ => char::from(b),
    }
}

fn cp1252_byte(c: char) -> Option<u8> {
    let u = u32::from(c);
    if let Some(i) = CP1252_HIGH.iter().position(|x| u32::from(*x) == u) {
        return u8::try_from(0x80 + i).ok();
    }
    match u {
        0..=0x7F | 0xA0..=0xFF => u8::try_from(u).ok(),
        _ => None,
    }
}

fn text_encoding(args: Args) -> Result<TextEncoding, Fail> {
    let name = arg_str(args, 1)?;
    TextEncoding::by_name(&name).ok_or_else(|| {
        Fail::Arg(
            1,
            format!(
                "{name:?} is not a supported IANA encoding name or alias in this Terraform version"
            ),
        )
    })
}

pub(super) fn textencodebase64(args: Args, _: Ctx) -> Result<Value, Fail> {
    let enc = text_encoding(args)?;
    let s = arg_str(args, 0)?;
    let bytes = enc.encode(&s).ok_or_else(|| {
        Fail::Arg(
            0,
            format!(
                "the given string contains characters that cannot be represented in {}",
                enc.name()
            ),
        )
    })?;
    Ok(string(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

pub(super) fn textdecodebase64(args: Args, _: Ctx) -> Result<Value, Fail> {
    let enc = text_encoding(args)?;
    let s = arg_str(args, 0)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&s)
        .map_err(|e| match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol(at, _) => Fail::Arg(
                0,
                format!("the given value is has an invalid base64 symbol at offset {at}"),
            ),
            other => Fail::Arg(0, format!("invalid source string: {other}")),
        })?;
    enc.decode(&bytes).map(string).ok_or_else(|| {
        Fail::Arg(
            0,
            format!(
                "the given string contains symbols that are not defined for {}",
                enc.name()
            ),
        )
    })
}

/// CSV with a header line, as Go's `encoding/csv` reads it: quoted fields may contain
/// commas, newlines and doubled quotes; every record must have as many fields as the
/// header. The result is a list of objects whose attributes are the column names.
pub(super) fn csvdecode(args: Args, _: Ctx) -> Result<Value, Fail> {
    let text = arg_str(args, 0)?;
    let mut records = csv_records(&text)
        .map_err(|(line, why)| Fail::Msg(format!("CSV parse error on line {line}: {why}")))?
        .into_iter();
    let Some((_, header)) = records.next() else {
        return Err(Fail::Msg("missing header line".into()));
    };
    for (i, name) in header.iter().enumerate() {
        if header[..i].contains(name) {
            return Err(Fail::Msg(format!("duplicate column name {name:?}")));
        }
    }
    let mut out = Vec::new();
    for (line, fields) in records {
        if fields.len() != header.len() {
            return Err(Fail::Msg(format!(
                "CSV parse error on line {line}: wrong number of fields"
            )));
        }
        out.push(Value::Object(
            header
                .iter()
                .cloned()
                .zip(fields.into_iter().map(Value::String))
                .collect(),
        ));
    }
    Ok(Value::List(out))
}

/// A record's fields and the line it starts on.
type CsvRecord = (usize, Vec<String>);

/// Splits CSV text into records with the line each starts on; blank lines are skipped.
fn csv_records(text: &str) -> Result<Vec<CsvRecord>, (usize, &'static str)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        // Skip blank lines.
        if matches!(chars.peek(), Some('\n')) {
            chars.next();
            line += 1;
            continue;
        }
        if chars.peek() == Some(&'\r') {
            let mut look = chars.clone();
            look.next();
            if matches!(look.peek(), Some('\n') | None) {
                chars.next();
                continue;
            }
        }
        let start = line;
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err((line, "extraneous or missing \" in quoted-field")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some('\r') if chars.peek() == Some(&'\n') => {}
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                    }
                }
                match chars.peek() {
                    Some(',' | '\n') | None => {}
                    Some('\r') => {}
                    Some(_) => return Err((line, "extraneous or missing \" in quoted-field")),
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' {
                        break;
                    }
                    if c == '"' {
                        return Err((line, "bare \" in non-quoted-field"));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            match chars.next() {
                Some(',') => fields.push(field),
                Some('\r') => {
                    // A CRLF line end.
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    fields.push(field);
                    line += 1;
                    break;
                }
                Some('\n') => {
                    fields.push(
                        field
                            .strip_suffix('\r')
                            .map(str::to_string)
                            .unwrap_or(field),
                    );
                    line += 1;
                    break;
                }
                _ => {
                    fields.push(
                        field
                            .strip_suffix('\r')
                            .map(str::to_string)
                            .unwrap_or(field),
                    );
                    break;
                }
            }
        }
        out.push((start, fields));
    }
    Ok(out)
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
        // Go's decoder words, which Terraform quotes.
        let err = |text: &str| call_err("jsondecode", vec![s(text)]);
        assert_eq!(err("{"), "Call to function \"jsondecode\" failed: EOF.");
        assert_eq!(
            err("x"),
            "Call to function \"jsondecode\" failed: invalid character 'x' looking for beginning of value."
        );
        assert_eq!(
            err("1 2"),
            "Call to function \"jsondecode\" failed: extraneous data after JSON object."
        );
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

    #[test]
    fn base64gzip_round_trips() {
        use base64::Engine as _;
        use std::io::Read as _;
        let v = call_ok("base64gzip", vec![s("test")]);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        assert_eq!(&bytes[..3], &[0x1f, 0x8b, 8], "a gzip header");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "test");
    }

    #[test]
    fn textencodebase64_examples() {
        for (text, enc, want) in [
            (
                "Hello World",
                "UTF-16LE",
                "SABlAGwAbABvACAAVwBvAHIAbABkAA==",
            ),
            ("Hello World", "UTF-8", "SGVsbG8gV29ybGQ="),
            (
                "Hello World",
                "utf-16be",
                "AEgAZQBsAGwAbwAgAFcAbwByAGwAZA==",
            ),
            ("Hi", "UTF-16", "/v8ASABp"),
            ("caf\u{e9}", "ISO-8859-1", "Y2Fm6Q=="),
            ("\u{20ac}5", "windows-1252", "gDU="),
        ] {
            let got = call_ok("textencodebase64", vec![s(text), s(enc)]);
            assert_eq!(got, s(want), "{enc}");
            assert_eq!(
                call_ok("textdecodebase64", vec![got, s(enc)]),
                s(text),
                "{enc}"
            );
        }
        assert_eq!(
            call_err("textencodebase64", vec![s("x"), s("EBCDIC-XX")]),
            "Invalid value for \"encoding\" parameter: \"EBCDIC-XX\" is not a supported IANA encoding name or alias in this Terraform version."
        );
        assert_eq!(
            call_err("textencodebase64", vec![s("\u{e9}"), s("ascii")]),
            "Invalid value for \"string\" parameter: the given string contains characters that cannot be represented in US-ASCII."
        );
        assert_eq!(
            call_err("textdecodebase64", vec![s("/w=="), s("UTF-8")]),
            "Invalid value for \"source\" parameter: the given string contains symbols that are not defined for UTF-8."
        );
        assert_eq!(
            call_err("textdecodebase64", vec![s("ab!d"), s("UTF-8")]),
            "Invalid value for \"source\" parameter: the given value is has an invalid base64 symbol at offset 2."
        );
    }

    #[test]
    fn csvdecode_examples() {
        assert_eq!(
            call_ok("csvdecode", vec![s("a,b,c\n1,2,3\n4,5,6")]),
            Value::List(vec![
                obj(&[("a", s("1")), ("b", s("2")), ("c", s("3"))]),
                obj(&[("a", s("4")), ("b", s("5")), ("c", s("6"))]),
            ])
        );
        assert_eq!(
            call_ok(
                "csvdecode",
                vec![s(
                    "name,note\r\n\"x\",\"a, \"\"quoted\"\"\nline\"\r\n\ny,\r\n"
                )]
            ),
            Value::List(vec![
                obj(&[("name", s("x")), ("note", s("a, \"quoted\"\nline"))]),
                obj(&[("name", s("y")), ("note", s(""))]),
            ])
        );
        assert_eq!(call_ok("csvdecode", vec![s("a,b\n")]), Value::List(vec![]));
        for (text, want) in [
            ("", "missing header line"),
            ("a,a\n1,2", "duplicate column name \"a\""),
            (
                "a,b\n1,2\n3",
                "CSV parse error on line 3: wrong number of fields",
            ),
            (
                "a,b\n1,x\"y",
                "CSV parse error on line 2: bare \" in non-quoted-field",
            ),
            (
                "a\n\"x",
                "CSV parse error on line 2: extraneous or missing \" in quoted-field",
            ),
        ] {
            assert_eq!(
                call_err("csvdecode", vec![s(text)]),
                format!("Call to function \"csvdecode\" failed: {want}."),
                "{text:?}"
            );
        }
    }
}
