//! `-junit-xml`: the results as JUnit XML, laid out as Terraform writes them: a
//! `testsuite` per test file, a `testcase` per run (classname the file, name the run),
//! with a `failure` (failed assertions), `error` (any other error) or `skipped` element,
//! and the other diagnostics in `system-err`.

use std::time::{SystemTime, UNIX_EPOCH};

use terrane_engine::diag::{Diagnostic, Severity};

use super::{FileResult, RunResult, Status};

/// The report for `files`; `render` is a diagnostic as plain text.
pub fn report(files: &[FileResult], render: &dyn Fn(&Diagnostic) -> String) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><testsuites>");
    for file in files {
        let count = |s: Status| file.runs.iter().filter(|r| r.status == s).count();
        out.push_str(&format!(
            "\n  <testsuite name=\"{}\" tests=\"{}\" skipped=\"{}\" failures=\"{}\" errors=\"{}\">",
            attr(&file.name),
            file.runs.len(),
            count(Status::Skip),
            count(Status::Fail),
            count(Status::Error)
        ));
        for (j, run) in file.runs.iter().enumerate() {
            out.push_str(&testcase(file, j, run, render));
        }
        if file.status == Status::Error && file.diagnostics.has_errors() {
            let body: String = file.diagnostics.iter().map(render).collect();
            out.push_str(&format!("\n    <system-err>{}</system-err>", cdata(&body)));
        }
        out.push_str("\n  </testsuite>");
    }
    out.push_str("\n</testsuites>");
    out
}

fn testcase(
    file: &FileResult,
    index: usize,
    run: &RunResult,
    render: &dyn Fn(&Diagnostic) -> String,
) -> String {
    // A skipped run never started: it has no time, as in Terraform's report.
    let timing = if run.status == Status::Skip {
        String::new()
    } else {
        format!(
            " time=\"{}\" timestamp=\"{}\"",
            run.elapsed.as_secs_f64(),
            timestamp(run.started)
        )
    };
    let mut out = format!(
        "\n    <testcase name=\"{}\" classname=\"{}\"{timing}>",
        attr(&run.name),
        attr(&file.name),
    );
    let failed_assert = |d: &Diagnostic| d.summary == "Test assertion failed";
    let mut inner = Vec::new();
    match run.status {
        Status::Skip => {
            let previous = file.runs[..index]
                .iter()
                .find(|r| r.status == Status::Error);
            inner.push(match previous {
                Some(p) => element(
                    "skipped",
                    Some("Testcase skipped due to a previous testcase error"),
                    &format!("Previous testcase {:?} ended in error, which caused the remaining tests in the file to be skipped", p.name),
                ),
                None => "<skipped></skipped>".to_string(),
            });
        }
        Status::Fail => {
            let failures: Vec<&Diagnostic> = run
                .diagnostics
                .iter()
                .filter(|d| failed_assert(d))
                .collect();
            let message = match failures.as_slice() {
                [] => String::new(),
                [one] => format!(
                    "1 of {} assertions failed: {}",
                    run.asserts,
                    one.detail.as_deref().unwrap_or_default()
                ),
                [first, ..] => format!(
                    "{} of {} assertions failed, including: {}",
                    failures.len(),
                    run.asserts,
                    first.detail.as_deref().unwrap_or_default()
                ),
            };
            let body: String = failures.iter().map(|d| render(d)).collect();
            inner.push(element("failure", Some(&message), &body));
        }
        Status::Error => {
            let body: String = run
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(render)
                .collect();
            inner.push(element("error", Some("Encountered an error"), &body));
        }
        Status::Pass => {}
    }
    let others: String = run
        .diagnostics
        .iter()
        .filter(|d| match run.status {
            Status::Error => d.severity == Severity::Warning,
            _ => !failed_assert(d),
        })
        .map(render)
        .collect();
    if !others.is_empty() {
        inner.push(element("system-err", None, &others));
    }
    if !inner.is_empty() {
        for e in inner {
            out.push_str("\n      ");
            out.push_str(&e);
        }
        out.push_str("\n    ");
    }
    out.push_str("</testcase>");
    out
}

fn element(name: &str, message: Option<&str>, body: &str) -> String {
    let message = message
        .filter(|m| !m.is_empty())
        .map(|m| format!(" message=\"{}\"", attr(m)))
        .unwrap_or_default();
    let body = if body.is_empty() {
        String::new()
    } else {
        cdata(body)
    };
    format!("<{name}{message}>{body}</{name}>")
}

/// Text as a CDATA section (a `]]>` inside is split across two sections).
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// An attribute value, escaped as Go's encoding/xml escapes it.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
    out
}

/// RFC 3339 in UTC, to the second (`2026-12-06T20:48:51Z`).
fn timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_rfc3339() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_796_590_131);
        assert_eq!(timestamp(t), "2026-12-06T20:48:51Z");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn attributes_and_cdata_are_escaped() {
        assert_eq!(attr("a \"b\" <c>"), "a &#34;b&#34; &lt;c&gt;");
        assert_eq!(cdata("x]]>y"), "<![CDATA[x]]]]><![CDATA[>y]]>");
    }
}
