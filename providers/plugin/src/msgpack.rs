//! Values as the protocol's MessagePack (docs/plugin-protocol/object-wire-format.md), driven
//! by the type the schema gives: unknown is extension 0, a value of dynamic type travels
//! as `[type as JSON, value]`, and numbers that are not integers are float64.

use std::collections::BTreeMap;

use rmp::encode::ByteBuf;
use rmp::Marker;
use terrane_engine::lang::number::Number;
use terrane_engine::lang::{Type, Value};

use crate::schema::{type_from_json, type_to_json};
use crate::values::runtime_type;
use crate::Error;

/// Encodes `v` (sensitive marks are dropped: the plugin sees plain values) as type `ty`.
pub fn encode(v: &Value, ty: &Type) -> Vec<u8> {
    let mut out = ByteBuf::with_capacity(64);
    write(&mut out, v.unmark(), ty);
    out.into_vec()
}

fn write(out: &mut ByteBuf, v: &Value, ty: &Type) {
    use rmp::encode as e;
    // Writing into a ByteBuf cannot fail (its error type is Infallible).
    match (v, ty) {
        (Value::Sensitive(inner), _) => write(out, inner, ty),
        (Value::Null, _) => {
            let _ = e::write_nil(out);
        }
        (Value::Unknown, _) => {
            let _ = e::write_ext_meta(out, 1, 0);
            out.as_mut_vec().push(0);
        }
        (_, Type::Any) => {
            let actual = runtime_type(v);
            let _ = e::write_array_len(out, 2);
            let _ = e::write_bin(out, type_to_json(&actual).to_string().as_bytes());
            write(out, v, &actual);
        }
        (Value::Bool(b), _) => {
            let _ = e::write_bool(out, *b);
        }
        (Value::Number(n), _) => write_number(out, n),
        (Value::String(s), _) => {
            let _ = e::write_str(out, s);
        }
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), _) => {
            let _ = e::write_array_len(out, len32(items.len()));
            for (i, item) in items.iter().enumerate() {
                let elem = match ty {
                    Type::List(t) | Type::Set(t) | Type::Map(t) => t.as_ref(),
                    Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Any),
                    _ => &Type::Any,
                };
                write(out, item, elem);
            }
        }
        (Value::Map(m) | Value::Object(m), Type::Object(attrs)) => {
            // Every attribute of the type is present; absent ones are null.
            let _ = e::write_map_len(out, len32(attrs.len()));
            for (k, a) in attrs {
                let _ = e::write_str(out, k);
                write(out, m.get(k).unwrap_or(&Value::Null), &a.ty);
            }
        }
        (Value::Map(m) | Value::Object(m), _) => {
            let elem = match ty {
                Type::Map(t) => t.as_ref(),
                _ => &Type::Any,
            };
            let _ = e::write_map_len(out, len32(m.len()));
            for (k, x) in m {
                let _ = e::write_str(out, k);
                write(out, x, elem);
            }
        }
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// As cty writes a number: an integer when it is one that fits 64 bits, a float64 when that
/// holds it exactly, and otherwise its decimal text, so no digit is lost.
fn write_number(out: &mut ByteBuf, n: &Number) {
    if let Some(i) = n.to_i64() {
        let _ = rmp::encode::write_sint(out, i);
    } else if n.is_exact_f64() {
        let _ = rmp::encode::write_f64(out, n.to_f64());
    } else {
        let _ = rmp::encode::write_str(out, &n.to_string());
    }
}

/// Decodes a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, Error> {
    let mut r = Reader { buf: bytes, pos: 0 };
    r.value(ty)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn malformed(what: &str) -> Error {
    Error::Protocol(format!("malformed msgpack value: {what}"))
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| malformed("truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn uint(&mut self, n: usize) -> Result<u64, Error> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn marker(&mut self) -> Result<Marker, Error> {
        Ok(Marker::from_u8(self.take(1)?[0]))
    }

    fn len(&mut self, n: usize) -> Result<usize, Error> {
        usize::try_from(self.uint(n)?).map_err(|_| malformed("length"))
    }

    /// The next value's marker resolved into a token.
    fn token(&mut self) -> Result<Token, Error> {
        #[allow(clippy::cast_possible_wrap, clippy::cast_precision_loss)]
        Ok(match self.marker()? {
            Marker::Null => Token::Nil,
            Marker::True => Token::Bool(true),
            Marker::False => Token::Bool(false),
            Marker::FixPos(n) => Token::Number(Number::from(i64::from(n))),
            Marker::FixNeg(n) => Token::Number(Number::from(i64::from(n))),
            Marker::U8 => Token::Number(Number::from(self.uint(1)?)),
            Marker::U16 => Token::Number(Number::from(self.uint(2)?)),
            Marker::U32 => Token::Number(Number::from(self.uint(4)?)),
            Marker::U64 => Token::Number(Number::from(self.uint(8)?)),
            Marker::I8 => Token::Number(Number::from(i64::from(self.uint(1)? as u8 as i8))),
            Marker::I16 => Token::Number(Number::from(i64::from(self.uint(2)? as u16 as i16))),
            Marker::I32 => Token::Number(Number::from(i64::from(self.uint(4)? as u32 as i32))),
            Marker::I64 => Token::Number(Number::from(self.uint(8)? as i64)),
            #[allow(clippy::cast_possible_truncation)]
            Marker::F32 => Token::Number(Number::from_f64(f64::from(f32::from_bits(
                self.uint(4)? as u32,
            )))),
            Marker::F64 => Token::Number(Number::from_f64(f64::from_bits(self.uint(8)?))),
            Marker::FixStr(n) => self.str(usize::from(n))?,
            Marker::Str8 => {
                let n = self.len(1)?;
                self.str(n)?
            }
            Marker::Str16 => {
                let n = self.len(2)?;
                self.str(n)?
            }
            Marker::Str32 => {
                let n = self.len(4)?;
                self.str(n)?
            }
            Marker::Bin8 => {
                let n = self.len(1)?;
                Token::Bin(self.take(n)?.to_vec())
            }
            Marker::Bin16 => {
                let n = self.len(2)?;
                Token::Bin(self.take(n)?.to_vec())
            }
            Marker::Bin32 => {
                let n = self.len(4)?;
                Token::Bin(self.take(n)?.to_vec())
            }
            Marker::FixArray(n) => Token::Array(usize::from(n)),
            Marker::Array16 => Token::Array(self.len(2)?),
            Marker::Array32 => Token::Array(self.len(4)?),
            Marker::FixMap(n) => Token::Map(usize::from(n)),
            Marker::Map16 => Token::Map(self.len(2)?),
            Marker::Map32 => Token::Map(self.len(4)?),
            // Any extension is an unknown value; its payload (refinements) is skipped.
            m @ (Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32) => {
                let n = match m {
                    Marker::FixExt1 => 1,
                    Marker::FixExt2 => 2,
                    Marker::FixExt4 => 4,
                    Marker::FixExt8 => 8,
                    Marker::FixExt16 => 16,
                    Marker::Ext8 => self.len(1)?,
                    Marker::Ext16 => self.len(2)?,
                    _ => self.len(4)?,
                };
                self.take(n + 1)?;
                Token::Unknown
            }
            Marker::Reserved => return Err(malformed("reserved marker")),
        })
    }

    fn str(&mut self, n: usize) -> Result<Token, Error> {
        let s = std::str::from_utf8(self.take(n)?).map_err(|_| malformed("invalid UTF-8"))?;
        Ok(Token::Str(s.to_string()))
    }

    fn key(&mut self) -> Result<String, Error> {
        match self.token()? {
            Token::Str(s) => Ok(s),
            _ => Err(malformed("map key is not a string")),
        }
    }

    fn value(&mut self, ty: &Type) -> Result<Value, Error> {
        let tok = self.token()?;
        match (tok, ty) {
            (Token::Nil, _) => Ok(Value::Null),
            (Token::Unknown, _) => Ok(Value::Unknown),
            (Token::Array(2), Type::Any) => {
                let actual = match self.token()? {
                    Token::Bin(b) => serde_json::from_slice(&b)
                        .map_err(|_| malformed("dynamic value's type is not JSON"))
                        .and_then(|j| type_from_json(&j))?,
                    _ => return Err(malformed("dynamic value without its type")),
                };
                self.value(&actual)
            }
            (Token::Bool(b), _) => Ok(Value::Bool(b)),
            (Token::Number(n), _) => Ok(Value::Number(n)),
            (Token::Str(s), Type::Number) => Number::parse(&s)
                .map(Value::Number)
                .map_err(|_| malformed("number string")),
            (Token::Str(s), _) => Ok(Value::String(s)),
            (Token::Array(n), Type::List(t)) => Ok(Value::List(self.items(n, |_| t)?)),
            (Token::Array(n), Type::Set(t)) => Ok(Value::set(self.items(n, |_| t)?)),
            (Token::Array(n), Type::Tuple(ts)) => Ok(Value::Tuple(
                self.items(n, |i| ts.get(i).unwrap_or(&Type::Any))?,
            )),
            (Token::Map(n), Type::Map(t)) => {
                let mut m = BTreeMap::new();
                for _ in 0..n {
                    let k = self.key()?;
                    m.insert(k, self.value(t)?);
                }
                Ok(Value::Map(m))
            }
            (Token::Map(n), Type::Object(attrs)) => {
                let mut m: BTreeMap<String, Value> =
                    attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
                for _ in 0..n {
                    let k = self.key()?;
                    let t = attrs.get(&k).map_or(&Type::Any, |a| &a.ty);
                    m.insert(k, self.value(t)?);
                }
                Ok(Value::Object(m))
            }
            (tok, ty) => Err(malformed(&format!(
                "{} where {ty} was expected",
                tok.kind()
            ))),
        }
    }

    fn items<'t>(&mut self, n: usize, ty: impl Fn(usize) -> &'t Type) -> Result<Vec<Value>, Error> {
        (0..n).map(|i| self.value(ty(i))).collect()
    }
}

enum Token {
    Nil,
    Unknown,
    Bool(bool),
    Number(Number),
    Str(String),
    Bin(Vec<u8>),
    Array(usize),
    Map(usize),
}

impl Token {
    fn kind(&self) -> &'static str {
        match self {
            Token::Nil => "nil",
            Token::Unknown => "unknown",
            Token::Bool(_) => "a bool",
            Token::Number(_) => "a number",
            Token::Str(_) => "a string",
            Token::Bin(_) => "binary data",
            Token::Array(_) => "an array",
            Token::Map(_) => "a map",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse_type;

    fn round_trip(v: &Value, ty: &str) -> Value {
        let ty = parse_type(ty.as_bytes()).unwrap();
        decode(&encode(v, &ty), &ty).unwrap()
    }

    #[test]
    fn objects_keep_their_shape_and_unknowns() {
        let v = Value::object([
            ("id", Value::Unknown),
            (
                "triggers",
                Value::Map(BTreeMap::from([("a".into(), Value::string("1"))])),
            ),
            ("n", Value::number(1.5)),
            ("big", Value::number(-4_000_000_000i64)),
            (
                "tags",
                Value::set(vec![Value::string("b"), Value::string("a")]),
            ),
        ]);
        let ty = r#"["object",{"id":"string","triggers":["map","string"],"n":"number","big":"number","tags":["set","string"],"gone":"bool"}]"#;
        let mut want = v.clone();
        if let Value::Object(m) = &mut want {
            m.insert("gone".into(), Value::Null);
        }
        assert_eq!(round_trip(&v, ty), want);
    }

    #[test]
    fn dynamic_values_travel_with_their_type() {
        let v = Value::Tuple(vec![Value::string("x"), Value::Bool(true)]);
        assert_eq!(round_trip(&v, r#""dynamic""#), v);
        let bytes = encode(&v, &Type::Any);
        // [bin(type JSON), [..]]
        assert_eq!(bytes[0], 0x92);
        assert_eq!(bytes[1], 0xc4);
    }

    #[test]
    fn unknown_is_extension_zero() {
        assert_eq!(encode(&Value::Unknown, &Type::String), vec![0xd4, 0, 0]);
        assert_eq!(
            decode(&[0xd4, 0, 0], &Type::String).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let err = decode(&[0x92, 0xc4, 0x20], &Type::Any).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the plugin broke the protocol: malformed msgpack value: truncated"
        );
    }
}
