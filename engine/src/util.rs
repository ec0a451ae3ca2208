//! Small helpers shared across the engine.

/// The current time in RFC 3339 with UTC offset, as Terraform writes timestamps.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The current time in RFC 3339 with microseconds (`2026-12-07T12:27:06.024269Z`), as
/// Terraform stamps each message of its machine-readable UI.
pub fn now_rfc3339_micros() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}
