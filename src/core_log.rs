//! terrane's own log, as Terraform's core log: on when `TF_LOG` (or `TF_LOG_CORE`, which
//! sets the core's level alone) names a level, written to `TF_LOG_PATH` (appended) or else
//! to stderr, one `<time> [LEVEL]  <message>` line per event, or hclog's JSON lines under
//! `TF_LOG=JSON`. Plugins' logs go to the same place (`terrane_provider_plugin::plugin_log`).
//!
//! What is logged: the version and arguments, the backend and lock, each resource
//! operation with its duration, each state write and the exit code. Never a value: the log
//! is a file a CI job keeps, and secrets belong only in state (`-var` values in the
//! arguments are left out too, where Terraform would print them).

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

pub use terrane_provider_plugin::plugin_log::Level;
use terrane_provider_plugin::plugin_log::{append_line, log_line, now};

struct CoreLog {
    level: Level,
    json: bool,
    path: Option<PathBuf>,
    /// Serialises writers so lines from concurrent operations never interleave.
    writing: Mutex<()>,
}

static LOG: OnceLock<Option<CoreLog>> = OnceLock::new();

/// Reads the environment once; later calls change nothing.
pub fn init(var: impl Fn(&str) -> Option<String>) {
    let var = |k: &str| var(k).filter(|v| !v.trim().is_empty());
    LOG.get_or_init(|| {
        let level = var("TF_LOG_CORE").or_else(|| var("TF_LOG"))?;
        if level.eq_ignore_ascii_case("off") {
            return None;
        }
        Some(CoreLog {
            level: Level::parse(&level),
            json: level.eq_ignore_ascii_case("json"),
            path: var("TF_LOG_PATH").map(PathBuf::from),
            writing: Mutex::new(()),
        })
    });
}

/// Whether anything at `level` would be written (to skip building costly messages).
pub fn enabled(level: Level) -> bool {
    LOG.get()
        .and_then(Option::as_ref)
        .is_some_and(|l| level >= l.level)
}

/// Logs `message` at `level` when the log is on and asks for that level.
pub fn log(level: Level, message: impl std::fmt::Display) {
    let Some(log) = LOG.get().and_then(Option::as_ref) else {
        return;
    };
    if level < log.level {
        return;
    }
    let entry = entry(log.json, &now(), level, &message.to_string());
    let _guard = log.writing.lock().unwrap_or_else(|e| e.into_inner());
    append_line(log.path.as_deref(), &entry);
}

pub fn info(message: impl std::fmt::Display) {
    log(Level::Info, message);
}

pub fn debug(message: impl std::fmt::Display) {
    log(Level::Debug, message);
}

fn entry(json: bool, now: &str, level: Level, message: &str) -> String {
    if json {
        serde_json::json!({
            "@level": level.name().to_ascii_lowercase(),
            "@message": message,
            "@timestamp": now,
        })
        .to_string()
    } else {
        log_line(now, level, message)
    }
}

/// The command line as the log shows it: each `-var` value replaced, since a secret passed
/// as `-var db_password=...` must not reach a log file.
pub fn shown_args(args: &[String]) -> String {
    let mut out = Vec::with_capacity(args.len());
    let mut value_next = false;
    for a in args {
        let hidden = if value_next {
            value_next = false;
            Some(hide_value(a))
        } else if a == "-var" || a == "--var" {
            value_next = true;
            None
        } else {
            a.strip_prefix("-var=")
                .or_else(|| a.strip_prefix("--var="))
                .map(|v| format!("-var={}", hide_value(v)))
        };
        out.push(hidden.unwrap_or_else(|| a.clone()));
    }
    format!("{out:?}")
}

/// `name=value` with the value hidden.
fn hide_value(assignment: &str) -> String {
    match assignment.split_once('=') {
        Some((name, _)) => format!("{name}=(hidden)"),
        None => "(hidden)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_terraform_lines_or_hclog_json() {
        let at = "2026-01-02T03:04:05.678Z";
        assert_eq!(
            entry(false, at, Level::Info, "terrane version: 0.1.0"),
            "2026-01-02T03:04:05.678Z [INFO]  terrane version: 0.1.0"
        );
        let json: serde_json::Value =
            serde_json::from_str(&entry(true, at, Level::Debug, "x")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"@level": "debug", "@message": "x", "@timestamp": at})
        );
    }

    #[test]
    fn variable_values_are_left_out_of_the_logged_arguments() {
        let args: Vec<String> = [
            "terrane",
            "apply",
            "-var",
            "db_password=hunter2",
            "-var=token=abc",
            "-auto-approve",
        ]
        .map(String::from)
        .to_vec();
        let shown = shown_args(&args);
        assert!(
            !shown.contains("hunter2") && !shown.contains("abc"),
            "{shown}"
        );
        assert!(shown.contains("db_password=(hidden)") && shown.contains("-auto-approve"));
    }
}
