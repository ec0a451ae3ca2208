//! Small helpers shared across the engine.

/// The current time in RFC 3339 with UTC offset, as Terraform writes timestamps.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
