//! Date and time functions.

use time::macros::format_description;
use time::OffsetDateTime;

use super::args::string;
use super::{Fail, FuncContext};
use crate::lang::value::Value;

/// The current time in UTC, RFC 3339 with whole seconds, as Terraform prints it.
pub(super) fn timestamp(_: &[Value], _: &FuncContext<'_>) -> Result<Value, Fail> {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc()
        .format(fmt)
        .map(string)
        .map_err(|e| Fail::Msg(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::call_ok;

    #[test]
    fn timestamp_is_utc_rfc3339() {
        let v = call_ok("timestamp", vec![]);
        let text = v.as_str().unwrap_or_default();
        assert_eq!(text.len(), 20, "{text}");
        assert!(text.ends_with('Z'));
        assert_eq!(text.as_bytes().get(10), Some(&b'T'));
    }
}
