//! Terraform's prompt for a required root variable that nothing set (`var.NAME` /
//! `Enter a value:`), asked when input is allowed: not under `-input=false`, nor with
//! `TF_INPUT` set to `0` or `false`.

use std::io::{BufRead, IsTerminal, Write};

use terrane_engine::config::Variable;

use crate::cli::CommonArgs;

/// Whether this run may ask for input.
pub fn allowed(common: &CommonArgs) -> bool {
    let env_off = std::env::var("TF_INPUT")
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "0" | "false"));
    common.input && !env_off
}

/// Asks for `var.NAME` on stdout and reads one line from stdin, trailing whitespace
/// removed; `None` at the end of input (the variable then stays unset, an error).
///
/// Each prompt reads exactly one line, so answers piped in one per line all arrive; Terraform
/// buffers the whole pipe on its first prompt and so gets only the first.
///
/// A sensitive variable's answer is not echoed when stdin is a terminal (as Terraform
/// reads it), so it stays off the screen and out of terminal recordings.
pub fn ask_variable(name: &str, var: &Variable) -> Option<String> {
    // Echo goes off before the prompt shows, so nothing typed after it can be echoed.
    let hidden = var.sensitive && std::io::stdin().is_terminal() && set_echo(false);
    print!("{}", prompt(name, var));
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if hidden {
        set_echo(true);
        // The Enter that ended the answer was not echoed either.
        println!();
    }
    match read {
        Ok(n) if n > 0 => {
            println!();
            Some(line.trim_end().to_string())
        }
        _ => None,
    }
}

/// Turns the terminal's echo on stdin on or off (with `stty`, which every Unix has);
/// `false` when that failed, and the answer will then be echoed.
fn set_echo(on: bool) -> bool {
    std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn prompt(name: &str, var: &Variable) -> String {
    let mut text = format!("var.{name}");
    if var.ephemeral {
        text.push_str(" (ephemeral)");
    }
    text.push('\n');
    if let Some(d) = var.description.as_deref().filter(|d| !d.is_empty()) {
        for line in d.lines() {
            text.push_str(&format!("  {line}\n"));
        }
        text.push('\n');
    }
    text.push_str("  Enter a value: ");
    text
}
