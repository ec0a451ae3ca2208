//! Date and time functions. Timestamps are RFC 3339 strings, parsed as Go's
//! `time.Parse(time.RFC3339, ...)` does (fractional seconds accepted, `T` required) and
//! printed as Go prints `time.RFC3339` (whole seconds, `Z` for UTC, the offset kept).

use std::sync::OnceLock;

use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

use super::args::{arg_str, string};
use super::{Fail, FuncContext};
use crate::lang::duration::parse_go_duration;
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

/// The current time in UTC, RFC 3339 with whole seconds, as Terraform prints it.
pub(super) fn timestamp(_: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(string(rfc3339(OffsetDateTime::now_utc())))
}

/// The time this run started planning: the same value for every call in one run, so it
/// can be used in configuration without the plan changing from call to call.
pub(super) fn plantimestamp(_: Args, _: Ctx) -> Result<Value, Fail> {
    Ok(string(plan_time()))
}

/// The time this run started planning, RFC 3339 (what `plantimestamp()` returns and a
/// saved plan records).
pub fn plan_time() -> String {
    static PLAN_TIME: OnceLock<OffsetDateTime> = OnceLock::new();
    rfc3339(*PLAN_TIME.get_or_init(OffsetDateTime::now_utc))
}

pub(super) fn timeadd(args: Args, _: Ctx) -> Result<Value, Fail> {
    let t = parse_rfc3339(&arg_str(args, 0)?).map_err(Fail::Msg)?;
    let nanos = parse_go_duration(&arg_str(args, 1)?).map_err(Fail::Msg)?;
    let out = i64::try_from(nanos)
        .ok()
        .and_then(|n| t.checked_add(time::Duration::nanoseconds(n)))
        .ok_or_else(|| Fail::Msg("the resulting time is out of range".into()))?;
    Ok(string(rfc3339(out)))
}

pub(super) fn timecmp(args: Args, _: Ctx) -> Result<Value, Fail> {
    let a = parse_rfc3339(&arg_str(args, 0)?).map_err(|e| Fail::Arg(0, e))?;
    let b = parse_rfc3339(&arg_str(args, 1)?).map_err(|e| Fail::Arg(1, e))?;
    Ok(Value::number(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub(super) fn formatdate(args: Args, _: Ctx) -> Result<Value, Fail> {
    let spec = arg_str(args, 0)?;
    let t = parse_rfc3339(&arg_str(args, 1)?).map_err(|e| Fail::Arg(1, e))?;
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a quote; otherwise a quoted literal up to the closing quote, in which
            // '' stands for one quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut closed = false;
            while j < chars.len() {
                if chars[j] == '\'' {
                    if chars.get(j + 1) == Some(&'\'') {
                        out.push('\'');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                out.push(chars[j]);
                j += 1;
            }
            if !closed {
                return Err(Fail::Arg(0, "unterminated literal '".into()));
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while chars.get(i + n) == Some(&c) {
            n += 1;
        }
        let tok: String = std::iter::repeat_n(c, n).collect();
        out.push_str(&verb(&tok, c, n, &t)?);
        i += n;
    }
    Ok(string(out))
}

/// One formatting verb (`YYYY`, `MMM`, `hh`, ...) of `formatdate`.
fn verb(tok: &str, c: char, n: usize, t: &OffsetDateTime) -> Result<String, Fail> {
    let bad = |why: &str| {
        Err(Fail::Arg(
            0,
            if why.is_empty() {
                format!("invalid date format verb {tok:?}")
            } else {
                format!("invalid date format verb {tok:?}: {why}")
            },
        ))
    };
    let num = |v: i64, width: usize| {
        if width == 2 {
            format!("{v:02}")
        } else {
            v.to_string()
        }
    };
    let month = usize::from(u8::from(t.month())) - 1;
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    Ok(match (c, n) {
        ('Y', 2) => format!("{:02}", i64::from(t.year()).rem_euclid(100)),
        ('Y', 4) => format!("{:04}", t.year()),
        ('Y', _) => return bad("year must either be \"YY\" or \"YYYY\""),
        ('M', 1 | 2) => num(i64::from(u8::from(t.month())), n),
        ('M', 3) => MONTHS[month][..3].to_string(),
        ('M', 4) => MONTHS[month].to_string(),
        ('M', _) => return bad("month must be \"M\", \"MM\", \"MMM\", or \"MMMM\""),
        ('D', 1 | 2) => num(i64::from(t.day()), n),
        ('D', _) => return bad("day of month must either be \"D\" or \"DD\""),
        ('E', 3) => t.weekday().to_string()[..3].to_string(),
        ('E', 4) => t.weekday().to_string(),
        ('E', _) => return bad("day of week must either be \"EEE\" or \"EEEE\""),
        ('h', 1 | 2) => num(i64::from(t.hour()), n),
        ('h', _) => return bad("24-hour must either be \"h\" or \"hh\""),
        ('H', 1 | 2) => num(i64::from(hour12), n),
        ('H', _) => return bad("12-hour must either be \"H\" or \"HH\""),
        ('A' | 'a', 2) => {
            let pm = t.hour() >= 12;
            match (c, pm) {
                ('A', false) => "AM",
                ('A', true) => "PM",
                (_, false) => "am",
                (_, true) => "pm",
            }
            .to_string()
        }
        ('A' | 'a', _) => return bad(&format!("must be \"{c}{c}\"")),
        ('m', 1 | 2) => num(i64::from(t.minute()), n),
        ('m', _) => return bad("minute must either be \"m\" or \"mm\""),
        ('s', 1 | 2) => num(i64::from(t.second()), n),
        ('s', _) => return bad("second must either be \"s\" or \"ss\""),
        ('Z', 1) => offset_text(t.offset(), true, true),
        ('Z', 3) if t.offset().is_utc() => "UTC".to_string(),
        ('Z', 3 | 4) => offset_text(t.offset(), false, false),
        ('Z', 5) => offset_text(t.offset(), true, false),
        ('Z', _) => return bad("timezone must be Z, ZZZZ, or ZZZZZ"),
        _ => return bad(""),
    })
}

/// `+hh:mm`/`+hhmm`, or `Z` for UTC when `z_for_utc`.
fn offset_text(o: UtcOffset, colon: bool, z_for_utc: bool) -> String {
    if z_for_utc && o.is_utc() {
        return "Z".into();
    }
    let secs = o.whole_seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// Go's `time.RFC3339` layout: whole seconds, `Z` for UTC.
fn rfc3339(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        offset_text(t.offset(), true, true)
    )
}

/// Parses an RFC 3339 timestamp, with the error wording Terraform uses.
pub(super) fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, String> {
    let mut p = TsParser { s, pos: 0 };
    let year = p.digits(4, "year")?;
    p.sep('-')?;
    let month = p.digits(2, "month")?;
    p.sep('-')?;
    let day = p.digits(2, "day of month")?;
    if !p.rest().starts_with('T') {
        return Err("not a valid RFC3339 timestamp: missing required time introducer 'T'".into());
    }
    p.pos += 1;
    let hour = p.digits(2, "hour")?;
    p.sep(':')?;
    let minute = p.digits(2, "minute")?;
    p.sep(':')?;
    let second = p.digits(2, "second")?;
    let mut nanos = 0u32;
    if p.rest().starts_with('.') {
        p.pos += 1;
        let frac: String = p.rest().chars().take_while(char::is_ascii_digit).collect();
        if frac.is_empty() {
            return Err(p.cannot("second"));
        }
        p.pos += frac.len();
        let padded = format!("{frac:0<9}");
        nanos = padded[..9].parse().unwrap_or(0);
    }
    let offset = match p.rest().chars().next() {
        Some('Z') => {
            p.pos += 1;
            UtcOffset::UTC
        }
        Some(sign @ ('+' | '-')) => {
            let at = p.pos;
            p.pos += 1;
            let h = p.digits(2, "UTC offset");
            let colon = p.sep(':');
            let m = p.digits(2, "UTC offset");
            let (Ok(h), Ok(()), Ok(m)) = (h, colon, m) else {
                p.pos = at;
                return Err(p.cannot("UTC offset"));
            };
            let secs = (h * 3600 + m * 60) as i32 * if sign == '-' { -1 } else { 1 };
            UtcOffset::from_whole_seconds(secs).map_err(|_| {
                p.pos = at;
                p.cannot("UTC offset")
            })?
        }
        _ => return Err(p.cannot("UTC offset")),
    };
    if !p.rest().is_empty() {
        return Err(format!(
            "not a valid RFC3339 timestamp: extra text: {:?}",
            p.rest()
        ));
    }
    let range = |what: &str| format!("not a valid RFC3339 timestamp: {what} out of range");
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| range("month"))?;
    let date = Date::from_calendar_date(year as i32, month, day as u8).map_err(|_| range("day"))?;
    let time =
        Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).map_err(|_| {
            range(if hour > 23 {
                "hour"
            } else if minute > 59 {
                "minute"
            } else {
                "second"
            })
        })?;
    Ok(date.with_time(time).assume_offset(offset))
}

struct TsParser<'a> {
    s: &'a str,
    pos: usize,
}

impl TsParser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn cannot(&self, what: &str) -> String {
        if self.rest().is_empty() {
            format!("not a valid RFC3339 timestamp: end of string before {what}")
        } else {
            format!(
                "not a valid RFC3339 timestamp: cannot use {:?} as {what}",
                self.rest()
            )
        }
    }

    fn digits(&mut self, n: usize, what: &str) -> Result<i64, String> {
        let part = self
            .rest()
            .get(..n)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
        match part.and_then(|d| d.parse().ok()) {
            Some(v) => {
                self.pos += n;
                Ok(v)
            }
            None => Err(self.cannot(what)),
        }
    }

    fn sep(&mut self, c: char) -> Result<(), String> {
        match self.rest().chars().next() {
            Some(x) if x == c => {
                self.pos += 1;
                Ok(())
            }
            None => Err(format!(
                "not a valid RFC3339 timestamp: end of string where \"{c}\" is expected"
            )),
            Some(_) => Err(format!(
                "not a valid RFC3339 timestamp: found {:?} where \"{c}\" is expected",
                self.rest()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call_err, call_ok, s};
    use crate::lang::value::Value;

    #[test]
    fn timestamp_is_utc_rfc3339() {
        let v = call_ok("timestamp", vec![]);
        let text = v.as_str().unwrap_or_default();
        assert_eq!(text.len(), 20, "{text}");
        assert!(text.ends_with('Z'));
        assert_eq!(text.as_bytes().get(10), Some(&b'T'));
    }

    #[test]
    fn plantimestamp_is_stable_within_a_run() {
        let a = call_ok("plantimestamp", vec![]);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(call_ok("plantimestamp", vec![]), a);
        assert!(a.as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn formatdate_examples() {
        for (spec, ts, want) in [
            (
                "DD MMM YYYY hh:mm ZZZ",
                "2018-01-02T23:12:01Z",
                "02 Jan 2018 23:12 UTC",
            ),
            (
                "EEEE, DD-MMM-YY hh:mm:ss ZZZ",
                "2018-01-02T23:12:01Z",
                "Tuesday, 02-Jan-18 23:12:01 UTC",
            ),
            (
                "EEE, DD MMM YYYY hh:mm:ss ZZZ",
                "2018-01-02T23:12:01-08:00",
                "Tue, 02 Jan 2018 23:12:01 -0800",
            ),
            ("MMM DD, YYYY", "2018-01-02T23:12:01Z", "Jan 02, 2018"),
            ("HH:mmaa", "2018-01-02T23:12:01Z", "11:12pm"),
            ("H:m:s AA", "2018-01-02T00:05:09Z", "12:5:9 AM"),
            (
                "YYYY-MM-DD'T'hh:mm:ssZ",
                "2018-01-02T23:12:01Z",
                "2018-01-02T23:12:01Z",
            ),
            (
                "ZZZZZ ZZZZ Z",
                "2018-01-02T23:12:01+05:30",
                "+05:30 +0530 +05:30",
            ),
            (
                "MMMM D, 'o''clock' ''",
                "2018-09-05T23:12:01.123Z",
                "September 5, o'clock '",
            ),
        ] {
            assert_eq!(
                call_ok("formatdate", vec![s(spec), s(ts)]),
                s(want),
                "{spec}"
            );
        }
    }

    #[test]
    fn formatdate_errors() {
        for (spec, ts, want) in [
            ("YYY", "2018-01-02T23:12:01Z", "Invalid value for \"format\" parameter: invalid date format verb \"YYY\": year must either be \"YY\" or \"YYYY\"."),
            ("x", "2018-01-02T23:12:01Z", "Invalid value for \"format\" parameter: invalid date format verb \"x\"."),
            ("'abc", "2018-01-02T23:12:01Z", "Invalid value for \"format\" parameter: unterminated literal '."),
            ("YYYY", "2018-01-02", "Invalid value for \"time\" parameter: not a valid RFC3339 timestamp: missing required time introducer 'T'."),
            ("YYYY", "2018-01-02T23:12", "Invalid value for \"time\" parameter: not a valid RFC3339 timestamp: end of string where \":\" is expected."),
            ("YYYY", "18-01-02T23:12:01Z", "Invalid value for \"time\" parameter: not a valid RFC3339 timestamp: cannot use \"18-01-02T23:12:01Z\" as year."),
            ("YYYY", "2018-02-30T23:12:01Z", "Invalid value for \"time\" parameter: not a valid RFC3339 timestamp: day out of range."),
        ] {
            assert_eq!(call_err("formatdate", vec![s(spec), s(ts)]), want, "{spec} {ts}");
        }
    }

    #[test]
    fn timeadd_examples() {
        for (ts, d, want) in [
            ("2017-11-22T00:00:00Z", "10m", "2017-11-22T00:10:00Z"),
            ("2017-11-22T00:00:00Z", "-1h30m", "2017-11-21T22:30:00Z"),
            (
                "2017-11-22T00:00:00+02:00",
                "1.5h",
                "2017-11-22T01:30:00+02:00",
            ),
            ("2017-11-22T00:00:00.5Z", "500ms", "2017-11-22T00:00:01Z"),
            ("2017-11-22T00:00:00Z", "0", "2017-11-22T00:00:00Z"),
            ("2017-11-22T00:00:00Z", "1µs", "2017-11-22T00:00:00Z"),
        ] {
            assert_eq!(call_ok("timeadd", vec![s(ts), s(d)]), s(want), "{d}");
        }
        for (d, want) in [
            (
                "1d",
                "Call to function \"timeadd\" failed: time: unknown unit \"d\" in duration \"1d\".",
            ),
            (
                "10",
                "Call to function \"timeadd\" failed: time: missing unit in duration \"10\".",
            ),
            (
                "h",
                "Call to function \"timeadd\" failed: time: invalid duration \"h\".",
            ),
            (
                "",
                "Call to function \"timeadd\" failed: time: invalid duration \"\".",
            ),
        ] {
            assert_eq!(
                call_err("timeadd", vec![s("2017-11-22T00:00:00Z"), s(d)]),
                want
            );
        }
    }

    #[test]
    fn timecmp_examples() {
        for (a, b, want) in [
            ("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z", 0.0),
            ("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z", -1.0),
            ("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z", 1.0),
            ("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00", 0.0),
        ] {
            assert_eq!(call_ok("timecmp", vec![s(a), s(b)]), Value::number(want));
        }
        assert_eq!(
            call_err("timecmp", vec![s("2017-11-22T00:00:00Z"), s("now")]),
            "Invalid value for \"timestamp_b\" parameter: not a valid RFC3339 timestamp: cannot use \"now\" as year."
        );
    }
}
