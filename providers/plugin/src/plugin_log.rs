//! A plugin's stderr as Terraform logs it: with `TF_LOG` (or `TF_LOG_PROVIDER`, which
//! sets the providers' level alone) each line the plugin writes, hclog JSON or plain text,
//! becomes `<time> [LEVEL] provider.<executable>: <message>: k=v ...`, kept when at or
//! above the level, and written to `TF_LOG_PATH` (appended) or else to stderr.

use std::io::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// A level name as TF_LOG spells it; `JSON` and unknown names mean everything, as in
    /// Terraform.
    pub fn parse(s: &str) -> Level {
        match s.trim().to_ascii_uppercase().as_str() {
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" => Level::Warn,
            "ERROR" => Level::Error,
            _ => Level::Trace,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// Where and from which level plugin logs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSink {
    pub level: Level,
    pub path: Option<PathBuf>,
}

impl LogSink {
    /// The sink the environment asks for, or `None` when provider logging is off.
    pub fn from_env() -> Option<LogSink> {
        LogSink::from_env_for("TF_LOG_PROVIDER")
    }

    /// The sink for terrane's own lines about a plugin (Terraform's core logs them):
    /// `TF_LOG_CORE`, else `TF_LOG`.
    pub fn core_from_env() -> Option<LogSink> {
        LogSink::from_env_for("TF_LOG_CORE")
    }

    fn from_env_for(own: &str) -> Option<LogSink> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let level = var(own).or_else(|| var("TF_LOG"))?;
        if level.eq_ignore_ascii_case("off") {
            return None;
        }
        Some(LogSink {
            level: Level::parse(&level),
            path: var("TF_LOG_PATH").map(PathBuf::from),
        })
    }

    /// Logs a warning line of terrane's own, if warnings are wanted.
    pub fn warn(&self, text: &str) {
        if Level::Warn >= self.level {
            append_line(self.path.as_deref(), &log_line(&now(), Level::Warn, text));
        }
    }

    /// Logs one line the plugin `name` wrote, if its level is wanted.
    pub fn write(&self, name: &str, line: &str) {
        let Some(entry) = self.entry(name, line, &now()) else {
            return;
        };
        append_line(self.path.as_deref(), &entry);
    }

    /// The log entry for `line` at time `now`, or `None` below the level.
    fn entry(&self, name: &str, line: &str, now: &str) -> Option<String> {
        let (level, text) = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(fields)) if fields.contains_key("@message") => {
                let level = fields
                    .get("@level")
                    .and_then(|v| v.as_str())
                    .map_or(Level::Debug, Level::parse);
                let message = fields["@message"].as_str().unwrap_or_default().to_string();
                let mut pairs: Vec<String> = fields
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "@level" | "@message" | "@module"))
                    .map(|(k, v)| {
                        let key = k.trim_start_matches('@');
                        match v {
                            serde_json::Value::String(s) => format!("{key}={s}"),
                            other => format!("{key}={other}"),
                        }
                    })
                    .collect();
                pairs.sort();
                let text = if pairs.is_empty() {
                    message
                } else {
                    format!("{message}: {}", pairs.join(" "))
                };
                (level, text)
            }
            // Plain text (older SDKs log through Go's log package) is debug output.
            _ => (Level::Debug, line.to_string()),
        };
        (level >= self.level).then(|| log_line(now, level, &format!("provider.{name}: {text}")))
    }
}

/// Appends `entry` as a line to the log file at `path` (`TF_LOG_PATH`), or writes it to
/// stderr when there is none or it cannot be opened. Core and plugin logs share this.
pub fn append_line(path: Option<&std::path::Path>, entry: &str) {
    let file = path.and_then(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .ok()
    });
    match file {
        Some(mut f) => {
            let _ = writeln!(f, "{entry}");
        }
        None => eprintln!("{entry}"),
    }
}

/// One log line as Terraform writes it: `<time> [LEVEL] <text>`, the tag padded so texts
/// line up.
pub fn log_line(now: &str, level: Level, text: &str) -> String {
    let tag = format!("[{}]", level.name());
    format!("{now} {tag:<7} {text}")
}

/// The current time as Terraform's log lines show it.
pub fn now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_logged_as_terraform_logs_them_from_the_level_asked() {
        let sink = LogSink {
            level: Level::Debug,
            path: None,
        };
        let at = "2026-01-02T03:04:05.678Z";
        let json = r#"{"@level":"info","@message":"configuring server automatic mTLS","@timestamp":"2026-01-02T03:04:05.600Z"}"#;
        assert_eq!(
            sink.entry("terraform-provider-null_v2.1.2_x4", json, at).unwrap(),
            "2026-01-02T03:04:05.678Z [INFO]  provider.terraform-provider-null_v2.1.2_x4: configuring server automatic mTLS: timestamp=2026-01-02T03:04:05.600Z"
        );
        assert_eq!(
            sink.entry("p", "2026/01/02 03:04:05 [DEBUG] Instance Diff is nil", at).unwrap(),
            "2026-01-02T03:04:05.678Z [DEBUG] provider.p: 2026/01/02 03:04:05 [DEBUG] Instance Diff is nil"
        );
        let trace = r#"{"@level":"trace","@message":"calling"}"#;
        assert_eq!(sink.entry("p", trace, at), None);
    }
}
