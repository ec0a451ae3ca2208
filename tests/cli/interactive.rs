//! Runs attached to a terminal: terrane is started under `script`, which gives it a
//! pseudo-terminal, and the test types an answer once the prompt is on screen (so the
//! terminal's echo, or its absence, is what the user would see).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::Work;

/// Everything the terminal showed while terrane `args` ran (with `env`), with `answer`
/// typed (and Enter pressed) once "Enter a value:" appeared.
fn on_terminal(w: &Work, args: &[&str], env: &[(&str, &str)], answer: Option<&str>) -> String {
    let inner = w.command(args);
    let mut line = shell_quote(&inner.get_program().to_string_lossy());
    for a in inner.get_args() {
        line.push(' ');
        line.push_str(&shell_quote(&a.to_string_lossy()));
    }
    let mut script = Command::new("script");
    script.args(["-qfec", &line, "/dev/null"]);
    if let Some(dir) = inner.get_current_dir() {
        script.current_dir(dir);
    }
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    script.envs(env.iter().copied());
    let mut child = script
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script");
    let seen = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let collecting = seen.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            collecting.lock().unwrap().push_str(&text);
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    if let Some(answer) = answer {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !seen.lock().unwrap().contains("Enter a value:") {
            assert!(
                Instant::now() < deadline,
                "no prompt; the terminal showed:\n{}",
                seen.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        stdin.write_all(format!("{answer}\r").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    let status = child.wait().expect("script exits");
    drop(stdin);
    reader.join().unwrap();
    let shown = seen.lock().unwrap().replace("\r\n", "\n");
    assert!(status.success(), "terrane failed:\n{shown}");
    shown
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

const CONFIG: &str = r#"
variable "password" {
  type        = string
  description = "The database password."
  sensitive   = SENSITIVE
}

resource "terraform_data" "db" {
  input = var.password
}
"#;

/// A required variable nothing set is asked for as Terraform asks (`var.NAME`, its
/// description, `Enter a value:`); a sensitive one's answer is not echoed.
#[test]
fn a_sensitive_variable_is_read_without_echo_on_a_terminal() {
    let w = Work::main_tf(&CONFIG.replace("SENSITIVE", "true"));
    let shown = on_terminal(&w, &["plan"], &[], Some("hunter2-secret"));
    assert!(
        shown.contains("var.password\n  The database password.\n\n  Enter a value: "),
        "{shown}"
    );
    assert!(!shown.contains("hunter2-secret"), "{shown}");
    assert!(shown.contains("Plan: 1 to add"), "{shown}");
}

/// The same prompt for a variable that is not sensitive shows what is typed, which is
/// what makes the test above meaningful.
#[test]
fn a_plain_variable_is_echoed_as_typed() {
    let w = Work::main_tf(&CONFIG.replace("SENSITIVE", "false"));
    let shown = on_terminal(&w, &["plan"], &[], Some("visible-answer"));
    assert!(shown.contains("Enter a value: visible-answer"), "{shown}");
}

/// On a terminal a long apply shows a live line of what is running, with the time each
/// has taken, redrawn in place and cleared before the next normal line.
#[test]
fn a_terminal_shows_a_live_line_of_running_operations() {
    let w = Work::main_tf(
        "resource \"terraform_data\" \"slow\" {\n  provisioner \"local-exec\" {\n    command = \"sleep 2\"\n  }\n}\n",
    );
    let shown = on_terminal(
        &w,
        &["apply", "-auto-approve"],
        &[("TERRANE_PROGRESS_INTERVAL_MS", "200")],
        None,
    );
    assert!(
        shown.contains("1 running: terraform_data.slow ("),
        "{shown:?}"
    );
    // Cleared (carriage return, erase line) before the completion line is written.
    assert!(
        shown.contains("\r\x1b[Kterraform_data.slow: Creation complete after "),
        "{shown:?}"
    );
}
