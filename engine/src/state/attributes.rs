//! An object's `attributes` as state stores them, kept as JSON text until someone needs them.
//!
//! A state file is mostly attributes (6 MB for 10,000 small objects). Parsing them into
//! `serde_json::Value` trees up front cost a map and a key allocation per attribute, about
//! five times the file's size in memory, for values most commands decode once with a schema
//! and never look at again. Keeping the text means reading a state file only finds where each
//! object's attributes begin and end; a plan decodes them one object at a time.

use std::fmt;

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Error as _, Serialize, Serializer};
use serde_json::value::RawValue;

/// The JSON object of one instance's attributes, as compact JSON text (no whitespace
/// between tokens; the text was valid JSON when it was read or written).
#[derive(Clone)]
pub struct Attributes(Box<str>);

impl Attributes {
    /// The attributes of `v` (normally a JSON object).
    pub fn from_json(v: &serde_json::Value) -> Attributes {
        Attributes(v.to_string().into_boxed_str())
    }

    /// The attributes parsed into a JSON tree.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).expect("attributes were valid JSON when stored")
    }

    /// The compact JSON text.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The `id` attribute as a string, which every managed resource has. Reads past the
    /// other attributes without building them (refresh messages ask this of every object).
    pub fn id(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Id {
            id: Option<serde_json::Value>,
        }
        match serde_json::from_str::<Id>(self.text()).ok()?.id? {
            serde_json::Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Changes the attributes as a JSON tree.
    pub fn edit(&mut self, f: impl FnOnce(&mut serde_json::Value)) {
        let mut j = self.to_json();
        f(&mut j);
        *self = Attributes::from_json(&j);
    }
}

impl From<serde_json::Value> for Attributes {
    fn from(v: serde_json::Value) -> Attributes {
        Attributes::from_json(&v)
    }
}

/// Equal when the JSON is: both texts are compact, but the same object read from a file
/// and encoded again may differ in key order or number spelling.
impl PartialEq for Attributes {
    fn eq(&self, other: &Attributes) -> bool {
        self.text() == other.text() || self.to_json() == other.to_json()
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Written as the compact text it is; the state file's writer indents it (see
/// [`write_pretty`]).
impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Borrowing the text as a `RawValue` checks it again (cheap beside writing it); it
        // is what makes serde_json write it verbatim.
        let raw: &RawValue = serde_json::from_str(&self.0).map_err(S::Error::custom)?;
        raw.serialize(s)
    }
}

/// Read as text and kept compact, whatever the file's layout: [`write_pretty`] relies on it.
impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Attributes, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Ok(Attributes(minified(raw.get()).into_boxed_str()))
    }
}

/// The end of the JSON string that starts at `bytes[start]` (a quote): the index after its
/// closing quote.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Valid JSON `text` without whitespace between its tokens.
fn minified(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                out.extend_from_slice(&bytes[i..end]);
                i = end;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("only ASCII whitespace was removed")
}

/// Writes `value` as pretty JSON (two-space indentation, as `serde_json::to_vec_pretty` and
/// Terraform), indenting the compact text of every [`Attributes`] to its place in the tree.
pub fn write_pretty<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    let formatter = Indenting {
        inner: serde_json::ser::PrettyFormatter::new(),
        depth: 0,
    };
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out, formatter,
    ))?;
    Ok(out)
}

/// serde_json's pretty formatter, which writes raw fragments verbatim, plus what that one
/// keeps to itself: how deep it is.
struct Indenting {
    inner: serde_json::ser::PrettyFormatter<'static>,
    depth: usize,
}

impl serde_json::ser::Formatter for Indenting {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.inner.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        self.inner.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.inner.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.inner.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.inner.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        self.inner.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.inner.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.inner.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.inner.end_object_value(w)
    }
    fn write_raw_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        w.write_all(&indented(fragment, self.depth))
    }
}

/// Compact JSON `text` laid out as serde_json's pretty printer lays out a value `depth`
/// levels deep: a newline and two spaces per level after `{`, `[` and `,`, before the
/// closing bracket, `": "` between key and value, and empty objects and arrays on one line.
fn indented(text: &str, depth: usize) -> Vec<u8> {
    fn newline(out: &mut Vec<u8>, depth: usize) {
        out.push(b'\n');
        out.resize(out.len() + 2 * depth, b' ');
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 2);
    let mut d = depth;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                let end = string_end(bytes, i);
                out.extend_from_slice(&bytes[i..end]);
                i = end;
                continue;
            }
            b'{' | b'[' if matches!(bytes.get(i + 1), Some(b'}' | b']')) => {
                out.extend_from_slice(&bytes[i..i + 2]);
                i += 1;
            }
            b'{' | b'[' => {
                out.push(b);
                d += 1;
                newline(&mut out, d);
            }
            b'}' | b']' => {
                d -= 1;
                newline(&mut out, d);
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(&mut out, d);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pretty_text_is_written_compact_and_compact_text_pretty() {
        let pretty: Attributes =
            serde_json::from_str("{\n  \"id\": \"a\",\n  \"n\": 1.50,\n  \"l\": [true, null]\n}")
                .unwrap();
        assert_eq!(
            serde_json::to_string(&pretty).unwrap(),
            r#"{"id":"a","n":1.50,"l":[true,null]}"#
        );
        let compact = Attributes::from_json(&json!({"id": "a", "m": {}}));
        assert_eq!(
            String::from_utf8(write_pretty(&vec![compact]).unwrap()).unwrap(),
            "[\n  {\n    \"id\": \"a\",\n    \"m\": {}\n  }\n]"
        );
    }

    #[test]
    fn equality_is_of_the_json_not_the_text() {
        let a: Attributes = serde_json::from_str("{ \"id\" : \"x\" }").unwrap();
        assert_eq!(a, Attributes::from_json(&json!({"id": "x"})));
        assert_ne!(a, Attributes::from_json(&json!({"id": "y"})));
        assert_eq!(a.id().as_deref(), Some("x"));
    }
}
