//! Terraform's prompt for a required root variable that nothing set (`var.NAME` /
//! `Enter a value:`), asked when input is allowed: not under `-input=false`, nor with
//! `TF_INPUT` set to `0` or `false`.

use std::io::{BufRead, Write};

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
pub fn ask_variable(name: &str, var: &Variable) -> Option<String> {
    print!("{}", prompt(name, var));
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(n) if n > 0 => {
            println!();
            Some(line.trim_end().to_string())
        }
        _ => None,
    }
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
