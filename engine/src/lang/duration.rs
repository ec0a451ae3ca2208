//! Durations as Terraform reads them everywhere (Go's `time.ParseDuration`): `timeadd`,
//! the `timeouts` blocks of resources, `-lock-timeout`.

use std::time::Duration;

/// Go's `time.ParseDuration`, in nanoseconds: a signed sequence of decimal numbers with
/// units (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), like `"1h30m"` or `"-1.5h"`.
pub fn parse_go_duration(orig: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {orig:?}");
    let mut s = orig;
    let neg = s.starts_with('-');
    if neg || s.starts_with('+') {
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    let mut exact: i128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &rest[..n];
            s = &rest[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let per: i128 = match unit {
            "" => return Err(format!("time: missing unit in duration {orig:?}")),
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => return Err(format!("time: unknown unit {other:?} in duration {orig:?}")),
        };
        let whole: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        exact = whole
            .checked_mul(per)
            .and_then(|v| exact.checked_add(v))
            .ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            let f: f64 = format!("0.{frac_part}").parse().map_err(|_| invalid())?;
            total += f * per as f64;
        }
    }
    let out = exact + total as i128;
    if out > i128::from(i64::MAX) {
        return Err(invalid());
    }
    Ok(if neg { -out } else { out })
}

/// A non-negative Go duration (`"10m"`, `"1h30m"`, `"0"`) as a `Duration`, for timeouts.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let nanos = parse_go_duration(s)?;
    let nanos = u64::try_from(nanos).map_err(|_| format!("time: negative duration {s:?}"))?;
    Ok(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_timeout("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_timeout("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_timeout("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_timeout("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_timeout("0"), Ok(Duration::ZERO));
        assert_eq!(
            parse_timeout("10"),
            Err("time: missing unit in duration \"10\"".into())
        );
        assert!(parse_timeout("").is_err());
        assert!(parse_timeout("x").is_err());
        assert!(parse_timeout("-1m").is_err());
        assert_eq!(parse_go_duration("-1.5h"), Ok(-5_400_000_000_000));
    }
}
