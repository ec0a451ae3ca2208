//! Numeric functions.

use super::args::{arg_int, arg_num, arg_number, arg_seq, arg_str};
use super::{Fail, FuncContext};
use crate::lang::number::Number;
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

/// A float64 result of Go's `math` functions (53 bits of precision); NaN means the
/// operation had no numeric answer.
fn finite(n: f64) -> Result<Value, Fail> {
    if n.is_nan() {
        Err(Fail::Msg("result is not a number".into()))
    } else {
        Ok(Value::Number(Number::from_f64(n)))
    }
}

/// Functions cty computes exactly on the big number.
fn map_exact(args: Args, f: impl FnOnce(&Number) -> Number) -> Result<Value, Fail> {
    Ok(Value::Number(f(&arg_number(args, 0)?)))
}

pub(super) fn abs(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_exact(args, Number::abs)
}

pub(super) fn ceil(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_exact(args, Number::ceil)
}

pub(super) fn floor(args: Args, _: Ctx) -> Result<Value, Fail> {
    map_exact(args, Number::floor)
}

/// Terraform reads signum's argument as a Go int, so a fraction is refused.
pub(super) fn signum(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(Value::number(arg_int(args, 0)?.signum()))
}

pub(super) fn log(args: Args, _: Ctx) -> Result<Value, Fail> {
    let num = arg_num(args, 0)?;
    let base = arg_num(args, 1)?;
    finite(num.ln() / base.ln())
}

pub(super) fn pow(args: Args, _: Ctx) -> Result<Value, Fail> {
    let num = arg_num(args, 0)?;
    let power = arg_num(args, 1)?;
    finite(num.powf(power))
}

/// Every argument as a number, for the variadic `min` and `max`.
fn numbers(args: Args) -> Result<Vec<Number>, Fail> {
    if args.is_empty() {
        return Err(Fail::Msg("must pass at least one number".into()));
    }
    (0..args.len()).map(|i| arg_number(args, i)).collect()
}

/// `min` and `max` return one of their arguments unchanged, as cty does.
pub(super) fn min(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(Value::Number(
        numbers(args)?
            .into_iter()
            .min()
            .unwrap_or_else(Number::zero),
    ))
}

pub(super) fn max(args: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(Value::Number(
        numbers(args)?
            .into_iter()
            .max()
            .unwrap_or_else(Number::zero),
    ))
}

pub(super) fn sum(args: Args, _: Ctx) -> Result<Value, Fail> {
    let items = arg_seq(args, 0).map_err(|_| {
        Fail::Arg(
            0,
            format!(
                "argument must be list, set, or tuple. Received {}",
                args[0].type_name()
            ),
        )
    })?;
    let mut items = items.iter().map(|v| match convert(v, &Type::Number) {
        Ok(Value::Number(n)) => Ok(n),
        _ => Err(Fail::Arg(
            0,
            "argument must be list, set, or tuple of number values".into(),
        )),
    });
    let Some(first) = items.next() else {
        return Err(Fail::Arg(0, "cannot sum an empty list".into()));
    };
    let mut total = first?;
    for n in items {
        let n = n?;
        if total.is_infinite() && n.is_infinite() && total.is_negative() != n.is_negative() {
            return Err(Fail::Msg("can't compute sum of opposing infinities".into()));
        }
        total = total.add(&n);
    }
    Ok(Value::Number(total))
}

/// Value of one digit in bases up to 62: for bases up to 36 letters are case-insensitive,
/// above that lower case comes before upper case (as Go's `big.Int` reads them).
fn digit_value(c: char, base: u32) -> Option<u32> {
    let d = match c {
        '0'..='9' => u32::from(c) - u32::from('0'),
        'a'..='z' => u32::from(c) - u32::from('a') + 10,
        'A'..='Z' if base <= 36 => u32::from(c) - u32::from('A') + 10,
        'A'..='Z' => u32::from(c) - u32::from('A') + 36,
        _ => return None,
    };
    (d < base).then_some(d)
}

pub(super) fn parseint(args: Args, _: Ctx) -> Result<Value, Fail> {
    if !matches!(args[0], Value::String(_)) {
        return Err(Fail::Arg(
            0,
            format!(
                "first argument must be a string, not {}",
                args[0].type_name()
            ),
        ));
    }
    let text = arg_str(args, 0)?;
    let base = arg_int(args, 1)?;
    let base = u32::try_from(base)
        .ok()
        .filter(|b| (2..=62).contains(b))
        .ok_or_else(|| {
            Fail::Arg(
                1,
                "base must be a whole number between 2 and 62 inclusive".into(),
            )
        })?;
    let bad = || Fail::Arg(0, format!("cannot parse {text:?} as a base {base} integer"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let digits = digits
        .chars()
        .map(|c| digit_value(c, base).ok_or_else(bad))
        .collect::<Result<Vec<u32>, Fail>>()?;
    Ok(Value::Number(Number::from_digits(negative, &digits, base)))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call_err, call_ok, n, nums, s, strs};

    fn one(name: &str, x: f64) -> f64 {
        call_ok(name, vec![n(x)]).as_f64().unwrap_or(f64::NAN)
    }

    #[test]
    fn abs_ceil_floor_signum_examples() {
        assert_eq!(one("abs", -10.0), 10.0);
        assert_eq!(one("abs", 23.0), 23.0);
        assert_eq!(one("ceil", 5.0), 5.0);
        assert_eq!(one("ceil", 5.1), 6.0);
        assert_eq!(one("floor", 5.0), 5.0);
        assert_eq!(one("floor", 4.9), 4.0);
        assert_eq!(one("signum", -13.0), -1.0);
        assert_eq!(one("signum", 0.0), 0.0);
        assert_eq!(one("signum", 344.0), 1.0);
    }

    #[test]
    fn log_examples() {
        assert_eq!(
            call_ok("log", vec![n(50.0), n(10.0)]),
            n(1.698_970_004_336_018_5)
        );
        assert_eq!(call_ok("log", vec![n(16.0), n(2.0)]), n(4.0));
        let ceil_log = |x: f64| call_ok("ceil", vec![call_ok("log", vec![n(x), n(2.0)])]);
        assert_eq!(ceil_log(15.0), n(4.0));
        assert_eq!(ceil_log(16.0), n(4.0));
        assert_eq!(ceil_log(17.0), n(5.0));
    }

    #[test]
    fn pow_examples() {
        assert_eq!(call_ok("pow", vec![n(3.0), n(2.0)]), n(9.0));
        assert_eq!(call_ok("pow", vec![n(4.0), n(0.0)]), n(1.0));
        assert!(call_err("pow", vec![n(-8.0), n(0.5)]).contains("result is not a number"));
    }

    #[test]
    fn min_max_examples() {
        assert_eq!(call_ok("min", vec![n(12.0), n(54.0), n(3.0)]), n(3.0));
        assert_eq!(call_ok("max", vec![n(12.0), n(54.0), n(3.0)]), n(54.0));
        assert_eq!(call_ok("max", vec![s("7"), n(3.0)]), n(7.0));
        assert_eq!(
            call_err("min", vec![]),
            "Call to function \"min\" failed: must pass at least one number."
        );
    }

    #[test]
    fn sum_examples() {
        assert_eq!(call_ok("sum", vec![nums(&[10.0, 13.0, 6.0, 4.5])]), n(33.5));
        assert!(call_err("sum", vec![nums(&[])]).contains("cannot sum an empty list"));
        assert!(call_err("sum", vec![strs(&["a"])]).contains("of number values"));
    }

    #[test]
    fn parseint_examples() {
        let p = |t: &str, b: f64| call_ok("parseint", vec![s(t), n(b)]);
        assert_eq!(p("100", 10.0), n(100.0));
        assert_eq!(p("FF", 16.0), n(255.0));
        assert_eq!(p("-10", 16.0), n(-16.0));
        assert_eq!(p("1011111011101111", 2.0), n(48879.0));
        assert_eq!(p("aA", 62.0), n(656.0));
        assert_eq!(
            call_err("parseint", vec![s("12"), n(2.0)]),
            "Invalid value for \"number\" parameter: cannot parse \"12\" as a base 2 integer."
        );
        assert!(call_err("parseint", vec![s("1"), n(63.0)]).contains("between 2 and 62"));
        assert!(call_err("parseint", vec![n(1.0), n(10.0)]).contains("must be a string"));
    }
}
