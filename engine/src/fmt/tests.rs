use super::format_source as fmt;
