//! Terraform's numbers: binary floating point of arbitrary precision, as Go's `big.Float`.
//!
//! cty (Terraform's value library) keeps every number as a `big.Float`: a literal or a
//! number read from JSON or state is parsed with 512 bits of mantissa, rounding to nearest
//! even; a count or a length comes from a Go integer (64 bits); a result of `log` or `pow`
//! comes from a float64 (53 bits). Arithmetic rounds to the larger precision of its operands,
//! and a number is printed as the shortest decimal that reads back to the same value at its
//! precision (`Text('f', -1)`). That is why `0.1 + 0.2` prints `0.3`, `1/3` prints 155 digits
//! ending in `5`, `3 * 1.1` prints `3.3000…0002` and `pow(2, 63)` prints
//! `9223372036854776000`. This module reproduces those rules, so that every number terrane
//! evaluates, stores and prints is the one Terraform would.
//!
//! Most numbers are small integers (counts, ports, sizes); they are kept inline as an `i64`
//! and only the others carry a heap mantissa.

use std::cmp::Ordering;
use std::fmt;

use ibig::UBig;

/// Bits of mantissa of a number parsed from text (cty's `ParseNumberVal`).
pub const PARSE_PRECISION: u32 = 512;
/// Bits of mantissa of a number made from a Go integer (`NumberIntVal`).
pub const INT_PRECISION: u32 = 64;
/// Bits of mantissa of a number made from a float64 (`NumberFloatVal`).
pub const FLOAT_PRECISION: u32 = 53;

/// Decimal exponents beyond this are refused when parsing: the exact value would need a
/// mantissa of millions of bits before rounding.
const MAX_DECIMAL_EXPONENT: i64 = 100_000;

/// A Terraform number. Equality and order compare values, not precisions.
#[derive(Clone)]
pub struct Number {
    repr: Repr,
    /// Mantissa bits this number was made with; results of arithmetic round to the larger
    /// precision of their operands.
    prec: u32,
}

#[derive(Clone)]
enum Repr {
    /// An integer that fits an i64 (exact).
    Small(i64),
    /// `±mant · 2^exp`, with `mant` odd (so the representation is unique) and at most `prec`
    /// bits long.
    Big(Box<Big>),
    Infinity {
        negative: bool,
    },
}

#[derive(Clone)]
struct Big {
    negative: bool,
    mant: UBig,
    exp: i64,
}

/// Why a text is not a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Syntax,
    OutOfRange,
}

impl Number {
    pub fn zero() -> Number {
        Number::from_i64(0)
    }

    /// An integer from a Go `int` (a count, a length, an index): 64 bits of precision.
    pub fn from_i64(v: i64) -> Number {
        Number {
            repr: Repr::Small(v),
            prec: INT_PRECISION,
        }
    }

    /// A float64 result (Go's `math` functions): 53 bits of precision. NaN, which Terraform
    /// never produces, becomes zero; callers that can produce it check first.
    pub fn from_f64(v: f64) -> Number {
        if v.is_infinite() {
            return Number {
                repr: Repr::Infinity { negative: v < 0.0 },
                prec: FLOAT_PRECISION,
            };
        }
        if v.is_nan() || v == 0.0 {
            return Number::zero().with_prec(FLOAT_PRECISION);
        }
        let bits = v.to_bits();
        let negative = bits >> 63 == 1;
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        let (mant, exp) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        Number::rounded(negative, UBig::from(mant), exp, FLOAT_PRECISION, false)
    }

    /// Parses a decimal number (`12`, `-0.5`, `1e400`) with 512 bits of precision, as cty
    /// parses literals, JSON numbers and `tonumber` strings.
    pub fn parse(text: &str) -> Result<Number, ParseError> {
        Number::parse_with_precision(text, PARSE_PRECISION)
    }

    pub fn parse_with_precision(text: &str, prec: u32) -> Result<Number, ParseError> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let lower = rest.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            return Ok(Number {
                repr: Repr::Infinity { negative },
                prec,
            });
        }
        let (significand, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match significand.split_once('.') {
            Some((i, f)) => (i, f),
            None => (significand, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(ParseError::Syntax);
        }
        let mut exp10: i64 = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !all_digits(digits) {
                    return Err(ParseError::Syntax);
                }
                match e.parse::<i64>() {
                    Ok(n) => n,
                    Err(_) => return Err(ParseError::OutOfRange),
                }
            }
        };
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        exp10 -= frac_part.len() as i64;
        if digits.is_empty() {
            return Ok(Number::zero().with_prec(prec));
        }
        let digits_trimmed = digits.trim_end_matches('0');
        exp10 += (digits.len() - digits_trimmed.len()) as i64;
        if exp10.abs() > MAX_DECIMAL_EXPONENT {
            return Err(ParseError::OutOfRange);
        }
        let mant = UBig::from_str_radix(digits_trimmed, 10).map_err(|_| ParseError::Syntax)?;
        Ok(if exp10 >= 0 {
            let scaled = mant * UBig::from(10u8).pow(exp10 as usize);
            Number::rounded(negative, scaled, 0, prec, false)
        } else {
            divide(
                negative,
                &mant,
                0,
                &UBig::from(10u8).pow((-exp10) as usize),
                0,
                prec,
            )
        })
    }

    /// An integer from its digits in `base` (most significant first), exact, with the
    /// precision Go's `SetInt` gives it (its length, at least 64 bits).
    pub fn from_digits(negative: bool, digits: &[u32], base: u32) -> Number {
        let base = UBig::from(base);
        let mut magnitude = UBig::from(0u8);
        for d in digits {
            magnitude = magnitude * &base + UBig::from(*d);
        }
        let prec = (magnitude.bit_len() as u32).max(INT_PRECISION);
        Number::rounded(negative, magnitude, 0, prec, false)
    }

    fn with_prec(mut self, prec: u32) -> Number {
        self.prec = prec;
        self
    }

    /// The precision a result of arithmetic on `self` and `other` is rounded to.
    fn result_prec(&self, other: &Number) -> u32 {
        self.prec.max(other.prec)
    }

    /// Rounds `±mant · 2^exp` (plus a fraction below its last bit when `sticky`) to `prec`
    /// bits, to nearest even, and normalises it.
    fn rounded(negative: bool, mut mant: UBig, mut exp: i64, prec: u32, sticky: bool) -> Number {
        let len = mant.bit_len();
        if len == 0 {
            return Number::zero().with_prec(prec);
        }
        if len > prec as usize {
            let shift = len - prec as usize;
            let half = mant.bit(shift - 1);
            let below_half = sticky || mant.trailing_zeros().is_some_and(|zeros| zeros < shift - 1);
            mant >>= shift;
            exp += shift as i64;
            if half && (below_half || mant.bit(0)) {
                mant += UBig::from(1u8);
                if mant.bit_len() > prec as usize {
                    mant >>= 1;
                    exp += 1;
                }
            }
        }
        let zeros = mant.trailing_zeros().unwrap_or(0);
        mant >>= zeros;
        exp += zeros as i64;
        Number::normalised(negative, mant, exp, prec)
    }

    /// An odd mantissa and its exponent, kept inline when the value is an i64.
    fn normalised(negative: bool, mant: UBig, exp: i64, prec: u32) -> Number {
        if (0..63).contains(&exp) && mant.bit_len() as i64 + exp <= 63 {
            if let Ok(m) = i64::try_from(&mant) {
                let v = m << exp;
                return Number {
                    repr: Repr::Small(if negative { -v } else { v }),
                    prec,
                };
            }
        }
        Number {
            repr: Repr::Big(Box::new(Big {
                negative,
                mant,
                exp,
            })),
            prec,
        }
    }

    /// Sign, magnitude (odd or zero) and binary exponent of a finite number.
    fn parts(&self) -> (bool, UBig, i64) {
        match &self.repr {
            Repr::Small(v) => {
                let mag = v.unsigned_abs();
                if mag == 0 {
                    return (false, UBig::from(0u8), 0);
                }
                let zeros = mag.trailing_zeros();
                (*v < 0, UBig::from(mag >> zeros), i64::from(zeros))
            }
            Repr::Big(b) => (b.negative, b.mant.clone(), b.exp),
            Repr::Infinity { .. } => (false, UBig::from(0u8), 0),
        }
    }

    /// A whole number too large for its precision to hold every digit: a rounded float.
    fn beyond_precision(&self) -> bool {
        match &self.repr {
            Repr::Small(v) => self.prec < 63 && v.unsigned_abs() >> self.prec != 0,
            Repr::Big(b) => b.exp >= 0 && b.mant.bit_len() as i64 + b.exp > i64::from(self.prec),
            Repr::Infinity { .. } => false,
        }
    }

    pub fn is_infinite(&self) -> bool {
        matches!(self.repr, Repr::Infinity { .. })
    }

    pub fn is_zero(&self) -> bool {
        matches!(self.repr, Repr::Small(0))
    }

    pub fn is_negative(&self) -> bool {
        match &self.repr {
            Repr::Small(v) => *v < 0,
            Repr::Big(b) => b.negative,
            Repr::Infinity { negative } => *negative,
        }
    }

    /// Whether the value is a whole number.
    pub fn is_integer(&self) -> bool {
        match &self.repr {
            Repr::Small(_) => true,
            Repr::Big(b) => b.exp >= 0,
            Repr::Infinity { .. } => false,
        }
    }

    /// The value as an i64 when it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        match &self.repr {
            Repr::Small(v) => Some(*v),
            _ => None,
        }
    }

    /// The whole number, however large, as decimal digits (with a `-`); `None` for a
    /// fraction or an infinity.
    pub fn to_integer_string(&self) -> Option<String> {
        match &self.repr {
            Repr::Small(v) => Some(v.to_string()),
            Repr::Big(b) if b.exp >= 0 => {
                let sign = if b.negative { "-" } else { "" };
                Some(format!("{sign}{}", &b.mant << b.exp as usize))
            }
            _ => None,
        }
    }

    /// The nearest float64 (for the functions Terraform computes with Go's `math`).
    pub fn to_f64(&self) -> f64 {
        match &self.repr {
            Repr::Small(v) => *v as f64,
            Repr::Infinity { negative } => {
                if *negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            Repr::Big(b) => {
                let n = Number::rounded(b.negative, b.mant.clone(), b.exp, FLOAT_PRECISION, false);
                let (negative, mant, exp) = n.parts();
                let m = mant.to_f64();
                let v = scale_by_power_of_two(m, exp);
                if negative {
                    -v
                } else {
                    v
                }
            }
        }
    }

    /// Whether a float64 holds this value exactly (infinities included).
    pub fn is_exact_f64(&self) -> bool {
        self.cmp_value(&Number::from_f64(self.to_f64())) == Ordering::Equal
    }

    /// Truncates toward zero (Go's `big.Float.Int`), as an integer number with the precision
    /// `SetInt` gives it.
    pub fn trunc(&self) -> Number {
        match &self.repr {
            Repr::Small(_) | Repr::Infinity { .. } => self.clone(),
            Repr::Big(b) if b.exp >= 0 => self.clone(),
            Repr::Big(b) => {
                let mag = &b.mant >> ((-b.exp) as usize);
                let prec = (mag.bit_len() as u32).max(INT_PRECISION);
                Number::rounded(b.negative, mag, 0, prec, false)
            }
        }
    }

    /// Rounds toward negative infinity.
    pub fn floor(&self) -> Number {
        let t = self.trunc();
        if self.is_negative() && t != *self {
            t.sub(&Number::from_i64(1))
        } else {
            t
        }
    }

    /// Rounds toward positive infinity.
    pub fn ceil(&self) -> Number {
        let t = self.trunc();
        if !self.is_negative() && t != *self {
            t.add(&Number::from_i64(1))
        } else {
            t
        }
    }

    pub fn neg(&self) -> Number {
        let repr = match &self.repr {
            Repr::Small(v) => match v.checked_neg() {
                Some(n) => Repr::Small(n),
                None => {
                    let (negative, mant, exp) = self.parts();
                    return Number::normalised(!negative, mant, exp, self.prec);
                }
            },
            Repr::Big(b) => Repr::Big(Box::new(Big {
                negative: !b.negative,
                mant: b.mant.clone(),
                exp: b.exp,
            })),
            Repr::Infinity { negative } => Repr::Infinity {
                negative: !negative,
            },
        };
        Number {
            repr,
            prec: self.prec,
        }
    }

    pub fn abs(&self) -> Number {
        if self.is_negative() {
            self.neg()
        } else {
            self.clone()
        }
    }

    pub fn add(&self, other: &Number) -> Number {
        let prec = self.result_prec(other);
        if let (Repr::Small(a), Repr::Small(b)) = (&self.repr, &other.repr) {
            if let Some(sum) = a.checked_add(*b) {
                if fits(sum, prec) {
                    return Number::from_i64(sum).with_prec(prec);
                }
            }
        }
        if self.is_infinite() || other.is_infinite() {
            return Number::from_f64(self.to_f64() + other.to_f64()).with_prec(prec);
        }
        let (an, am, ae) = self.parts();
        let (bn, bm, be) = other.parts();
        let exp = ae.min(be);
        let am = am << (ae - exp) as usize;
        let bm = bm << (be - exp) as usize;
        let (negative, mant) = if an == bn {
            (an, am + bm)
        } else if am >= bm {
            (an, am - bm)
        } else {
            (bn, bm - am)
        };
        Number::rounded(negative, mant, exp, prec, false)
    }

    pub fn sub(&self, other: &Number) -> Number {
        self.add(&other.neg())
    }

    pub fn mul(&self, other: &Number) -> Number {
        let prec = self.result_prec(other);
        if let (Repr::Small(a), Repr::Small(b)) = (&self.repr, &other.repr) {
            if let Some(product) = a.checked_mul(*b) {
                if fits(product, prec) {
                    return Number::from_i64(product).with_prec(prec);
                }
            }
        }
        if self.is_infinite() || other.is_infinite() {
            return Number::from_f64(self.to_f64() * other.to_f64()).with_prec(prec);
        }
        let (an, am, ae) = self.parts();
        let (bn, bm, be) = other.parts();
        Number::rounded(an != bn, am * bm, ae + be, prec, false)
    }

    /// `self / other`; `None` when `other` is zero (callers report Terraform's error).
    pub fn div(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        let prec = self.result_prec(other);
        if let (Repr::Small(a), Repr::Small(b)) = (&self.repr, &other.repr) {
            if a.checked_rem(*b) == Some(0) {
                if let Some(q) = a.checked_div(*b) {
                    if fits(q, prec) {
                        return Some(Number::from_i64(q).with_prec(prec));
                    }
                }
            }
        }
        if self.is_infinite() || other.is_infinite() {
            return Some(Number::from_f64(self.to_f64() / other.to_f64()).with_prec(prec));
        }
        let (an, am, ae) = self.parts();
        let (bn, bm, be) = other.parts();
        Some(divide(an != bn, &am, ae, &bm, be, prec))
    }

    /// Terraform's `%`: `a - trunc(a / b) * b` (the sign of `a`); `a` itself when `b` is zero.
    pub fn rem(&self, other: &Number) -> Number {
        if let (Repr::Small(a), Repr::Small(b)) = (&self.repr, &other.repr) {
            if *b != 0 {
                if let Some(r) = a.checked_rem(*b) {
                    return Number::from_i64(r).with_prec(self.result_prec(other));
                }
            }
        }
        let Some(quotient) = self.div(other) else {
            return self.clone();
        };
        self.sub(&other.mul(&quotient.trunc()))
    }

    /// The shortest decimal that reads back to this value at its precision, in plain
    /// (not exponent) notation: Go's `Text('f', -1)`, which Terraform prints everywhere.
    fn format(&self) -> String {
        match &self.repr {
            Repr::Small(v) if self.prec >= INT_PRECISION || v.unsigned_abs() < 1 << 53 => {
                v.to_string()
            }
            Repr::Infinity { negative } => (if *negative { "-Inf" } else { "+Inf" }).into(),
            _ => {
                let (negative, mant, exp) = self.parts();
                let digits = shortest_decimal(&mant, exp, self.prec);
                let text = digits.plain();
                if negative {
                    format!("-{text}")
                } else {
                    text
                }
            }
        }
    }

    /// The shortest decimal in `%g` style (Go's `Text('g', -1)`, which `format`'s `%v` and
    /// `%g` use): plain notation for decimal exponents from -4 to 5, otherwise
    /// `d.ddde+XX`.
    pub fn to_shortest_g(&self) -> String {
        let (negative, mant, exp) = match &self.repr {
            Repr::Infinity { .. } => return self.format(),
            _ => self.parts(),
        };
        let d = shortest_decimal(&mant, exp, self.prec);
        let sign = if negative { "-" } else { "" };
        if d.digits.is_empty() {
            return "0".into();
        }
        let exp10 = d.point - 1;
        if (-4..6).contains(&exp10) {
            return format!("{sign}{}", d.plain());
        }
        let digits = std::str::from_utf8(&d.digits).unwrap_or("0");
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exp10 < 0 { '-' } else { '+' };
        format!("{sign}{first}{fraction}e{exp_sign}{:02}", exp10.abs())
    }

    fn cmp_value(&self, other: &Number) -> Ordering {
        match (&self.repr, &other.repr) {
            (Repr::Small(a), Repr::Small(b)) => a.cmp(b),
            (Repr::Infinity { negative: a }, Repr::Infinity { negative: b }) => b.cmp(a),
            (Repr::Infinity { negative }, _) => {
                if *negative {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, Repr::Infinity { negative }) => {
                if *negative {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let (an, am, ae) = self.parts();
                let (bn, bm, be) = other.parts();
                let a_zero = am.bit_len() == 0;
                let b_zero = bm.bit_len() == 0;
                let sign = |negative: bool, zero: bool| {
                    if zero {
                        0
                    } else if negative {
                        -1
                    } else {
                        1
                    }
                };
                let (sa, sb) = (sign(an, a_zero), sign(bn, b_zero));
                if sa != sb || sa == 0 {
                    return sa.cmp(&sb);
                }
                let exp = ae.min(be);
                let magnitude = (am << (ae - exp) as usize).cmp(&(bm << (be - exp) as usize));
                if sa < 0 {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
        }
    }
}

/// Whether an integer result can stay inline at `prec` bits without rounding.
fn fits(v: i64, prec: u32) -> bool {
    prec >= INT_PRECISION || v.unsigned_abs() < 1u64 << prec.min(63)
}

/// `m · 2^e` for a mantissa already rounded to 53 bits, without overflowing the scale on the
/// way (`2^e` alone may not be representable when `m · 2^e` is).
fn scale_by_power_of_two(mut m: f64, mut e: i64) -> f64 {
    while e > 0 {
        let step = e.min(1000);
        m *= 2f64.powi(step as i32);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        m /= 2f64.powi(step as i32);
        e += step;
    }
    m
}

/// `±(a · 2^ae) / (b · 2^be)` rounded to `prec` bits: the integer quotient is taken with two
/// bits more than needed, and the remainder decides the rounding.
fn divide(negative: bool, a: &UBig, ae: i64, b: &UBig, be: i64, prec: u32) -> Number {
    let shift = (prec as i64 + 2 + b.bit_len() as i64 - a.bit_len() as i64).max(0);
    let numerator = a << shift as usize;
    let quotient = &numerator / b;
    let remainder = &numerator % b;
    let sticky = remainder.bit_len() != 0;
    Number::rounded(negative, quotient, ae - be - shift, prec, sticky)
}

/// Decimal digits (no leading or trailing zeros) and the position of the decimal point:
/// the value is `0.<digits> · 10^point` (Go's `decimal`).
struct Decimal {
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    /// The exact decimal of `mant · 2^exp`.
    fn exact(mant: &UBig, exp: i64) -> Decimal {
        let (text, point_shift) = if exp >= 0 {
            ((mant << exp as usize).to_string(), 0)
        } else {
            let k = (-exp) as usize;
            ((mant * UBig::from(5u8).pow(k)).to_string(), -(k as i64))
        };
        let mut digits = text.into_bytes();
        let point = digits.len() as i64 + point_shift;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        Decimal { digits, point }
    }

    fn at(&self, i: usize) -> u8 {
        self.digits.get(i).copied().unwrap_or(b'0')
    }

    /// Keeps `n` digits, rounding half to even.
    fn round(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        let up = if self.digits[n] == b'5' && n + 1 == self.digits.len() {
            n > 0 && (self.digits[n - 1] - b'0') % 2 == 1
        } else {
            self.digits[n] >= b'5'
        };
        if up {
            self.round_up(n);
        } else {
            self.round_down(n);
        }
    }

    fn round_down(&mut self, n: usize) {
        self.digits.truncate(n);
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
    }

    fn round_up(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        let mut i = n;
        while i > 0 && self.digits[i - 1] >= b'9' {
            i -= 1;
        }
        if i == 0 {
            self.digits = vec![b'1'];
            self.point += 1;
        } else {
            self.digits[i - 1] += 1;
            self.digits.truncate(i);
        }
    }

    /// `ddd.ddd`, zero-padded, without exponent.
    fn plain(&self) -> String {
        if self.digits.is_empty() {
            return "0".into();
        }
        let mut out = String::new();
        if self.point > 0 {
            let whole = (self.point as usize).min(self.digits.len());
            out.push_str(std::str::from_utf8(&self.digits[..whole]).unwrap_or("0"));
            for _ in whole..self.point as usize {
                out.push('0');
            }
        } else {
            out.push('0');
        }
        let fraction = self.digits.len() as i64 - self.point;
        if fraction > 0 {
            out.push('.');
            for i in 1..=fraction {
                let index = self.point - 1 + i;
                out.push(if index < 0 {
                    '0'
                } else {
                    self.at(index as usize) as char
                });
            }
        }
        out
    }
}

/// The shortest decimal inside the interval of values that round to `mant · 2^exp` at
/// `prec` bits (Go's `roundShortest`).
fn shortest_decimal(mant: &UBig, exp: i64, prec: u32) -> Decimal {
    let mut d = Decimal::exact(mant, exp);
    if d.digits.is_empty() {
        return d;
    }
    // Scale the mantissa to prec + 1 bits: its last bit is then half a unit in the last place.
    let shift = prec as i64 + 1 - mant.bit_len() as i64;
    let (scaled, scaled_exp) = if shift >= 0 {
        (mant << shift as usize, exp - shift)
    } else {
        (mant >> (-shift) as usize, exp - shift)
    };
    let one = UBig::from(1u8);
    let lower = Decimal::exact(&(&scaled - &one), scaled_exp);
    let upper = Decimal::exact(&(&scaled + &one), scaled_exp);
    // The bounds round to this value only when its mantissa is even (ties go to even).
    let inclusive = !scaled.bit(1);
    for i in 0..d.digits.len() {
        let l = lower.at(i);
        let m = d.digits[i];
        let u = upper.at(i);
        let ok_down = l != m || inclusive && i + 1 == lower.digits.len();
        let ok_up = m != u && (inclusive || m + 1 < u || i + 1 < upper.digits.len());
        match (ok_down, ok_up) {
            (true, true) => {
                d.round(i + 1);
                return d;
            }
            (true, false) => {
                d.round_down(i + 1);
                return d;
            }
            (false, true) => {
                d.round_up(i + 1);
                return d;
            }
            (false, false) => {}
        }
    }
    d
}

/// Equality as cty's: whole numbers compare exactly; two fractions are equal when their
/// shortest decimals at their own precisions are (so a 64-bit `2/3` equals the same number
/// read back from state at 512 bits, and a plan after apply is empty).
impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        if let (Repr::Small(a), Repr::Small(b)) = (&self.repr, &other.repr) {
            return a == b;
        }
        match (self.is_integer(), other.is_integer()) {
            // A whole float64 beyond 2^53 (`pow(2, 63)`) is stored as its shortest decimal,
            // which reads back as a different integer; Terraform then re-plans the output
            // forever. terrane compares such numbers by that decimal, so the plan after an
            // apply is empty.
            (true, true) if self.beyond_precision() || other.beyond_precision() => {
                self.format() == other.format()
            }
            (true, true) => self.cmp_value(other) == Ordering::Equal,
            (false, false) if !self.is_infinite() && !other.is_infinite() => {
                self.is_negative() == other.is_negative()
                    && self.to_shortest_g() == other.to_shortest_g()
            }
            (false, false) => self.cmp_value(other) == Ordering::Equal,
            _ => false,
        }
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered by value, with numbers cty calls equal ordered equal.
impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match self.cmp_value(other) {
            Ordering::Equal => Ordering::Equal,
            _ if self == other => Ordering::Equal,
            order => order,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number::from_i64(v)
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Number {
        Number::from_i64(v.into())
    }
}

impl From<u32> for Number {
    fn from(v: u32) -> Number {
        Number::from_i64(v.into())
    }
}

impl From<usize> for Number {
    fn from(v: usize) -> Number {
        match i64::try_from(v) {
            Ok(v) => Number::from_i64(v),
            Err(_) => Number::rounded(false, UBig::from(v), 0, INT_PRECISION, false),
        }
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Number {
        match i64::try_from(v) {
            Ok(v) => Number::from_i64(v),
            Err(_) => Number::rounded(false, UBig::from(v), 0, INT_PRECISION, false),
        }
    }
}

impl From<f64> for Number {
    fn from(v: f64) -> Number {
        Number::from_f64(v)
    }
}

impl std::str::FromStr for Number {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Number, ParseError> {
        Number::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn decimals_add_as_terraform_adds_them() {
        assert_eq!(n("0.1").add(&n("0.2")).to_string(), "0.3");
        assert_eq!(n("0.1").add(&n("0.2")), n("0.3"));
        assert_eq!(
            n("3").mul(&n("1.1")).to_string(),
            format!("3.3{}2", "0".repeat(152))
        );
    }

    #[test]
    fn division_prints_terraforms_digits() {
        assert_eq!(
            n("1").div(&n("3")).unwrap().to_string(),
            format!("0.{}5", "3".repeat(154))
        );
        assert_eq!(
            n("2").div(&n("3")).unwrap().to_string(),
            format!("0.{}7", "6".repeat(153))
        );
        assert_eq!(n("10").div(&n("4")).unwrap().to_string(), "2.5");
        assert_eq!(n("7").div(&n("0.1")).unwrap().to_string(), "70");
        assert!(n("1").div(&n("0")).is_none());
        // Two Go integers divide at 64 bits.
        assert_eq!(
            Number::from_i64(2)
                .div(&Number::from_i64(3))
                .unwrap()
                .to_string(),
            "0.6666666666666666667"
        );
    }

    #[test]
    fn big_integers_stay_exact() {
        assert_eq!(n("9007199254740993").to_string(), "9007199254740993");
        assert_eq!(
            n("12345678901234567890")
                .mul(&n("98765432109876543210"))
                .to_string(),
            "1219326311370217952237463801111263526900"
        );
        assert_eq!(n("1e21").to_string(), "1000000000000000000000");
        assert_eq!(n("1e400").to_string(), format!("1{}", "0".repeat(400)));
        assert_eq!(n("-0").to_string(), "0");
        assert_eq!(n("1e-7").to_string(), "0.0000001");
    }

    #[test]
    fn float64_results_print_as_go_prints_them() {
        assert_eq!(
            Number::from_f64(2f64.powi(63)).to_string(),
            "9223372036854776000"
        );
        assert_eq!(
            Number::from_f64(10f64.ln() / 2f64.ln()).to_string(),
            "3.3219280948873626"
        );
        assert_eq!(Number::from_f64(0.1).to_string(), "0.1");
        assert_eq!(Number::from_f64(-2.5).to_string(), "-2.5");
    }

    #[test]
    fn a_fraction_equals_its_shortest_decimal_read_back() {
        let two_thirds = Number::from_i64(2).div(&Number::from_i64(3)).unwrap();
        assert_eq!(n(&two_thirds.to_string()), two_thirds);
        let root = Number::from_f64(2f64.sqrt());
        assert_eq!(n(&root.to_string()), root);
        assert_ne!(n("0.1"), Number::from_f64(0.1).add(&n("0")));
        assert_ne!(n("1"), n("1.5"));
        let pow = Number::from_f64(2f64.powi(63));
        assert_eq!(n(&pow.to_string()), pow);
        assert_ne!(n("9223372036854775808"), n("9223372036854776000"));
    }

    #[test]
    fn remainder_keeps_the_dividends_sign() {
        assert_eq!(n("5.5").rem(&n("2")).to_string(), "1.5");
        assert_eq!(n("-5").rem(&n("3")).to_string(), "-2");
        assert_eq!(n("5").rem(&n("0")).to_string(), "5");
    }

    #[test]
    fn order_and_conversions() {
        assert!(n("0.1") < n("0.2"));
        assert!(n("-1e400") < n("-1"));
        assert!(n("1e400") > Number::from_i64(i64::MAX));
        assert_eq!(n("7.5").floor().to_string(), "7");
        assert_eq!(n("-7.5").floor().to_string(), "-8");
        assert_eq!(n("7.2").ceil().to_string(), "8");
        assert_eq!(n("0.5").to_f64(), 0.5);
        assert_eq!(n("1e400").to_f64(), f64::INFINITY);
        assert_eq!(n("123").to_i64(), Some(123));
        assert_eq!(n("1.5").to_i64(), None);
        assert_eq!(
            n("123456789012345678901234567890")
                .to_integer_string()
                .unwrap(),
            "123456789012345678901234567890"
        );
        assert!(Number::parse("1.2.3").is_err());
        assert!(Number::parse("abc").is_err());
        assert!(Number::parse("").is_err());
        assert_eq!(Number::parse("1e999999999"), Err(ParseError::OutOfRange));
    }
}
