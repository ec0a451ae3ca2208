//! What a person (or, under `-json`, a program) sees while apply runs: a line as each
//! operation starts and finishes, provisioner output, and for long operations Terraform's
//! "Still creating... [00m10s elapsed]" every ten seconds. On a terminal a one-line
//! summary of the running operations is redrawn in place below the lines and cleared
//! before each new one; elsewhere (pipes, CI logs) only plain lines are written.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use terrane_engine::addr::InstanceAddr;
use terrane_engine::plan::Action;
use terrane_engine::run::ApplyEvent;

use crate::json_ui::{self, go_duration, id_fields, id_suffix, rounded};

/// How often a long operation reports that it is still going (Terraform's 10 s).
const PERIOD: Duration = Duration::from_secs(10);

/// Overrides [`PERIOD`] in milliseconds, so tests see the reports without waiting.
const PERIOD_ENV: &str = "TERRANE_PROGRESS_INTERVAL_MS";

/// One operation in flight.
struct Running {
    addr: InstanceAddr,
    action: Action,
    id: Option<String>,
    started: Instant,
    next_report: Instant,
}

#[derive(Default)]
struct Screen {
    running: BTreeMap<String, Running>,
    /// Whether the live summary line is on screen now (and must be cleared first).
    live_shown: bool,
}

/// Shows an apply's progress; [`ApplyView::event`] takes the engine's events.
pub struct ApplyView {
    json: bool,
    /// How often a running operation reports.
    period: Duration,
    screen: Arc<Mutex<Screen>>,
    ticker: Option<(JoinHandle<()>, mpsc::Sender<()>)>,
}

/// How often a long operation reports that it is still going: Terraform's period, or
/// what TERRANE_PROGRESS_INTERVAL_MS says.
pub fn progress_period() -> Duration {
    std::env::var(PERIOD_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(PERIOD, Duration::from_millis)
}

impl ApplyView {
    pub fn new(json: bool) -> ApplyView {
        let period = progress_period();
        let live = !json && std::io::stdout().is_terminal();
        let screen = Arc::new(Mutex::new(Screen::default()));
        let (stop, stopped) = mpsc::channel();
        let ticking = screen.clone();
        let thread = std::thread::spawn(move || {
            // Wake often enough for both the reports and the live line's clock.
            let wake = period.min(Duration::from_secs(1));
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(wake) {
                let mut screen = ticking.lock().expect("lock poisoned");
                report_still_running(&mut screen, period, json);
                if live {
                    draw_live(&mut screen);
                }
            }
        });
        ApplyView {
            json,
            period,
            screen,
            ticker: Some((thread, stop)),
        }
    }

    pub fn event(&self, e: &ApplyEvent<'_>) {
        let mut screen = self.screen.lock().expect("lock poisoned");
        match *e {
            ApplyEvent::Start {
                addr,
                action,
                ref id,
            } => {
                let now = Instant::now();
                screen.running.insert(
                    addr.to_string(),
                    Running {
                        addr: addr.clone(),
                        action,
                        id: id.clone(),
                        started: now,
                        next_report: now + self.period,
                    },
                );
                let id = id.as_deref();
                if self.json {
                    let message = format!("{addr}: {}...{}", json_verbs(action).0, id_suffix(id));
                    let mut fields = serde_json::json!({"action": json_ui::action_name(action)});
                    if let serde_json::Value::Object(ids) = id_fields(id) {
                        fields.as_object_mut().expect("object").extend(ids);
                    }
                    json_ui::hook("apply_start", &message, addr, fields);
                } else {
                    say(
                        &mut screen,
                        &format!("{addr}: {}{}", human_verbs(action).0, id_suffix(id)),
                    );
                }
            }
            // The view keeps its own clock ([`report_still_running`]), which also covers
            // provisioners.
            ApplyEvent::Still { .. } => {}
            ApplyEvent::Done {
                addr,
                action,
                ref id,
                elapsed,
            } => {
                screen.running.remove(&addr.to_string());
                let elapsed = rounded(elapsed);
                let id = id.as_deref();
                let noun = if self.json {
                    json_verbs(action).2
                } else {
                    human_verbs(action).2
                };
                let message = format!(
                    "{addr}: {noun} complete after {}{}",
                    go_duration(elapsed),
                    id_suffix(id)
                );
                if self.json {
                    let mut fields = serde_json::json!({"action": json_ui::action_name(action)});
                    if let serde_json::Value::Object(ids) = id_fields(id) {
                        fields.as_object_mut().expect("object").extend(ids);
                    }
                    fields["elapsed_seconds"] = elapsed.as_secs().into();
                    json_ui::hook("apply_complete", &message, addr, fields);
                } else {
                    say(&mut screen, &message);
                }
            }
            ApplyEvent::Failed {
                addr,
                action,
                elapsed,
            } => {
                screen.running.remove(&addr.to_string());
                // People read the errors at the end of the run; programs get a message now.
                if self.json {
                    let elapsed = rounded(elapsed);
                    let message = format!(
                        "{addr}: {} errored after {}",
                        json_verbs(action).2,
                        go_duration(elapsed)
                    );
                    let fields = serde_json::json!({
                        "action": json_ui::action_name(action),
                        "elapsed_seconds": elapsed.as_secs(),
                    });
                    json_ui::hook("apply_errored", &message, addr, fields);
                }
            }
            ApplyEvent::Provisioning { addr, provisioner } => {
                let message = format!("{addr}: Provisioning with '{provisioner}'...");
                if self.json {
                    let fields = serde_json::json!({ "provisioner": provisioner });
                    json_ui::hook("provision_start", &message, addr, fields);
                } else {
                    say(&mut screen, &message);
                }
            }
            ApplyEvent::ProvisionOutput {
                addr,
                provisioner,
                line,
            } => {
                if self.json {
                    let message = format!("{addr}: ({provisioner}): {line}");
                    let fields = serde_json::json!({"provisioner": provisioner, "output": line});
                    json_ui::hook("provision_progress", &message, addr, fields);
                } else {
                    say(&mut screen, &format!("{addr} ({provisioner}): {line}"));
                }
            }
            ApplyEvent::Provisioned {
                addr,
                provisioner,
                ok,
            } => {
                if self.json {
                    let (kind, outcome) = if ok {
                        ("provision_complete", "complete")
                    } else {
                        ("provision_errored", "errored")
                    };
                    let message = format!("{addr}: ({provisioner}) Provisioning {outcome}");
                    let fields = serde_json::json!({ "provisioner": provisioner });
                    json_ui::hook(kind, &message, addr, fields);
                }
            }
        }
    }

    /// Stops the clock and clears the live line, before the run's closing lines.
    pub fn finish(&mut self) {
        if let Some((thread, stop)) = self.ticker.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
        clear_live(&mut self.screen.lock().expect("lock poisoned"));
    }
}

impl Drop for ApplyView {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Terraform's "Still creating..." for each operation whose report is due.
fn report_still_running(screen: &mut Screen, period: Duration, json: bool) {
    let now = Instant::now();
    let mut due = Vec::new();
    for op in screen.running.values_mut() {
        if op.next_report <= now {
            op.next_report += period;
            due.push((
                op.addr.clone(),
                op.action,
                op.id.clone(),
                rounded(now - op.started),
            ));
        }
    }
    for (addr, action, id, elapsed) in due {
        if json {
            let message = format!(
                "{addr}: Still {}... [{} elapsed]",
                json_verbs(action).1,
                go_duration(elapsed)
            );
            let fields = serde_json::json!({
                "action": json_ui::action_name(action),
                "elapsed_seconds": elapsed.as_secs(),
            });
            json_ui::hook("apply_progress", &message, &addr, fields);
        } else {
            let id = id
                .map(|id| format!("id={}, ", shorten_id(&id, MAX_ID_LEN)))
                .unwrap_or_default();
            say(
                screen,
                &format!(
                    "{addr}: {} [{id}{} elapsed]",
                    human_verbs(action).1,
                    minutes_seconds(elapsed)
                ),
            );
        }
    }
}

/// The longest id a "Still ..." line shows whole (Terraform's limit, in characters).
const MAX_ID_LEN: usize = 80;

/// `id` cut to `max` characters (at least five) by replacing its middle with `...`, as
/// Terraform shortens ids in its "Still ..." lines: the start keeps one character fewer
/// than half, the end the rest.
fn shorten_id(id: &str, max: usize) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= max {
        return id.to_string();
    }
    let max = max.max(5);
    let head = max / 2 - 1;
    let tail = max - head - 3;
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}...{end}")
}

/// `00m10s`, as Terraform's human "Still ..." lines show elapsed time.
fn minutes_seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    format!("{:02}m{:02}s", secs / 60, secs % 60)
}

/// Prints a line for a person, clearing the live summary first.
fn say(screen: &mut Screen, line: &str) {
    clear_live(screen);
    println!("{line}");
}

fn clear_live(screen: &mut Screen) {
    if screen.live_shown {
        print!("\r\x1b[K");
        let _ = std::io::stdout().flush();
        screen.live_shown = false;
    }
}

/// `3 running: aws_db_instance.main (1m02s), ...`, redrawn in place.
fn draw_live(screen: &mut Screen) {
    clear_live(screen);
    if screen.running.is_empty() {
        return;
    }
    let now = Instant::now();
    let list: Vec<String> = screen
        .running
        .values()
        .map(|op| format!("{} ({})", op.addr, live_elapsed(now - op.started)))
        .collect();
    let mut line = format!("{} running: {}", list.len(), list.join(", "));
    // A line wider than the terminal would wrap, and `\r` could not take it back.
    let width = terminal_width();
    if line.chars().count() > width {
        line = line
            .chars()
            .take(width.saturating_sub(3))
            .collect::<String>()
            + "...";
    }
    print!("{line}");
    let _ = std::io::stdout().flush();
    screen.live_shown = true;
}

/// `12s` under a minute, `1m02s` after.
fn live_elapsed(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    match secs / 60 {
        0 => format!("{secs}s"),
        m => format!("{m}m{:02}s", secs % 60),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(80)
}

/// The human UI's (starting, still going, finished noun) for an action.
fn human_verbs(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Create => ("Creating...", "Still creating...", "Creation"),
        Action::Update => ("Modifying...", "Still modifying...", "Modifications"),
        Action::Delete => ("Destroying...", "Still destroying...", "Destruction"),
        Action::Read => ("Reading...", "Still reading...", "Read"),
        _ => ("Applying...", "Still applying...", "Apply"),
    }
}

/// The JSON UI's (starting verb, progress verb, noun), which differ from the human ones
/// for reads and replacements.
fn json_verbs(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Create => ("Creating", "creating", "Creation"),
        Action::Update => ("Modifying", "modifying", "Modifications"),
        Action::Delete => ("Destroying", "destroying", "Destruction"),
        Action::Read => ("Refreshing", "refreshing", "Refresh"),
        Action::DeleteThenCreate | Action::CreateThenDelete => {
            ("Replacing", "replacing", "Replacement")
        }
        Action::Forget => ("Removing", "applying", "Removal"),
        Action::NoOp => ("Applying", "applying", "Apply"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_time_reads_as_terraform_and_the_live_line_show_it() {
        assert_eq!(minutes_seconds(Duration::from_secs(70)), "01m10s");
        assert_eq!(live_elapsed(Duration::from_secs(62)), "1m02s");
        assert_eq!(live_elapsed(Duration::from_secs(9)), "9s");
    }

    #[test]
    fn long_ids_are_shortened_in_the_middle_as_terraform_does() {
        for (max, want) in [
            (3, "H...d"),
            (5, "H...d"),
            (6, "He...d"),
            (7, "He...ld"),
            (8, "Hel...ld"),
            (10, "Hell...rld"),
            (11, "Hello world"),
            (12, "Hello world"),
        ] {
            assert_eq!(shorten_id("Hello world", max), want, "max {max}");
        }
        // Characters, not bytes.
        assert_eq!(shorten_id("あいうえおかきくけこさ", 5), "あ...さ");
        let long = "x".repeat(100);
        assert_eq!(shorten_id(&long, MAX_ID_LEN).chars().count(), MAX_ID_LEN);
    }

    #[test]
    fn a_report_falls_due_once_a_period() {
        let mut screen = Screen::default();
        let started = Instant::now() - Duration::from_millis(2500);
        let addr: InstanceAddr = "terraform_data.a".parse().unwrap();
        screen.running.insert(
            addr.to_string(),
            Running {
                addr,
                action: Action::Create,
                id: None,
                started,
                next_report: started + Duration::from_secs(1),
            },
        );
        report_still_running(&mut screen, Duration::from_secs(1), false);
        let op = &screen.running["terraform_data.a"];
        // Due at 1 s, reported once; the next report is a period later, not at once.
        assert_eq!(op.next_report, started + Duration::from_secs(2));
    }
}
