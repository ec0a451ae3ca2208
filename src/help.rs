//! Help and usage errors laid out as Terraform prints them: `Usage: terrane [global
//! options] plan [options]`, a description, and the options with one dash and the value
//! they take (`-lock=false`, `-out=path`), rendered from the clap definitions so the two
//! never disagree. Flag errors read `Error: Failed to parse command-line flags` with a
//! pointer to the command's help.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command, CommandFactory};

use crate::cli::Cli;

/// The commands listed first in the top-level help: the everyday workflow.
const MAIN_COMMANDS: [&str; 5] = ["init", "validate", "plan", "apply", "destroy"];

const WIDTH: usize = 78;

/// The help text of the command at `path` (empty: the top level); `None` when no such
/// command exists.
pub fn render(path: &[String]) -> Option<String> {
    let root = Cli::command();
    if path.is_empty() {
        return Some(top_level(&root));
    }
    let mut cmd = &root;
    for name in path {
        cmd = cmd.find_subcommand(name)?;
    }
    Some(command_help(cmd, path))
}

fn top_level(root: &Command) -> String {
    let mut out = String::from("Usage: terrane [global options] <subcommand> [args]\n\n");
    out.push_str("The available commands for execution are listed below.\nThe primary workflow commands are given first, followed by\nless common or more advanced commands.\n\n");
    let visible: Vec<&Command> = root
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .collect();
    let width = visible
        .iter()
        .map(|c| c.get_name().len())
        .max()
        .unwrap_or(0)
        + 2;
    let line = |c: &Command| format!("  {:<width$}{}\n", c.get_name(), about(c));
    out.push_str("Main commands:\n");
    for name in MAIN_COMMANDS {
        if let Some(c) = visible.iter().find(|c| c.get_name() == name) {
            out.push_str(&line(c));
        }
    }
    out.push_str("\nAll other commands:\n");
    let mut others: Vec<&&Command> = visible
        .iter()
        .filter(|c| !MAIN_COMMANDS.contains(&c.get_name()))
        .collect();
    others.sort_by_key(|c| c.get_name());
    for c in others {
        out.push_str(&line(c));
    }
    out.push_str("\nGlobal options (use these before the subcommand, if any):\n");
    let globals = [
        (
            "-chdir=DIR",
            "Switch to a different working directory before executing the given subcommand.",
        ),
        (
            "-help",
            "Show this help output, or the help for a specified subcommand.",
        ),
        ("-version", "An alias for the \"version\" subcommand."),
    ];
    out.push_str(&option_lines(&globals, 2));
    out
}

fn about(c: &Command) -> String {
    c.get_about()
        .map(|a| a.to_string())
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_string()
}

fn command_help(cmd: &Command, path: &[String]) -> String {
    let mut usage = format!("Usage: terrane [global options] {}", path.join(" "));
    if cmd.has_subcommands() {
        usage.push_str(" <subcommand> [options] [args]");
    } else {
        if cmd
            .get_arguments()
            .any(|a| !a.is_positional() && !a.is_hide_set())
        {
            usage.push_str(" [options]");
        }
        for p in cmd.get_positionals() {
            let name = p
                .get_value_names()
                .and_then(|n| n.first())
                .map_or_else(|| p.get_id().to_string(), ToString::to_string)
                .to_ascii_lowercase();
            let many = p.get_num_args().is_some_and(|n| n.max_values() > 1);
            let dots = if many { " ..." } else { "" };
            if p.is_required_set() {
                usage.push_str(&format!(" {name}{dots}"));
            } else {
                usage.push_str(&format!(" [{name}{dots}]"));
            }
        }
    }
    let mut out = format!("{usage}\n\n");
    let text = cmd
        .get_long_about()
        .or_else(|| cmd.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default();
    for para in text.split("\n\n") {
        out.push_str(&wrap(&para.replace('\n', " "), 2, WIDTH));
        out.push('\n');
    }
    if cmd.has_subcommands() {
        out.push_str("Subcommands:\n");
        let subs: Vec<&Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
        let width = subs.iter().map(|c| c.get_name().len()).max().unwrap_or(0) + 4;
        let mut subs = subs;
        subs.sort_by_key(|c| c.get_name());
        for s in subs {
            out.push_str(&format!("    {:<width$}{}\n", s.get_name(), about(s)));
        }
        return out;
    }
    let options: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .filter_map(|a| Some((flag_syntax(a)?, a.get_help()?.to_string())))
        .collect();
    if !options.is_empty() {
        out.push_str("Options:\n\n");
        let pairs: Vec<(&str, &str)> = options
            .iter()
            .map(|(f, h)| (f.as_str(), h.as_str()))
            .collect();
        let width = pairs.iter().map(|(f, _)| f.len()).max().unwrap_or(0) + 2;
        let blocks: Vec<String> = pairs
            .iter()
            .map(|(flag, help)| {
                let body = wrap(help, 2 + width, WIDTH);
                format!("  {flag:<width$}{}", body.trim_start())
            })
            .collect();
        out.push_str(&blocks.join("\n"));
    }
    out
}

/// How Terraform writes a flag in help: `-auto-approve`, `-out=path`, and for a switch
/// that is on unless turned off, the way to turn it off (`-lock=false`).
fn flag_syntax(a: &Arg) -> Option<String> {
    let long = a.get_long()?;
    let value = a
        .get_value_names()
        .and_then(|n| n.first())
        .map(ToString::to_string);
    let optional_value = a.get_num_args().is_some_and(|n| n.min_values() == 0);
    let takes_value = a.get_action().takes_values();
    Some(match value.as_deref() {
        Some("BOOL") if optional_value => {
            let default_on = a.get_default_values().iter().any(|v| v == "true");
            if default_on {
                format!("-{long}=false")
            } else {
                format!("-{long}")
            }
        }
        Some("NAME=VALUE") => format!("-{long} 'name=value'"),
        Some(v) if takes_value => format!("-{long}={}", v.to_ascii_lowercase()),
        _ => format!("-{long}"),
    })
}

/// Two columns: the flag, then its description wrapped beside it.
fn option_lines(options: &[(&str, &str)], indent: usize) -> String {
    let width = options.iter().map(|(f, _)| f.len()).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for (flag, help) in options {
        let body = wrap(help, indent + width, WIDTH);
        let body = body.trim_start();
        out.push_str(&format!("{:indent$}{flag:<width$}{body}", ""));
    }
    out
}

/// Wraps `text` to `width` columns, every line indented by `indent`.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            out.push_str(&format!("{:indent$}{line}\n", ""));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{:indent$}{line}\n", ""));
    }
    out
}

/// What to print for a command line clap rejected.
pub struct UsageReport {
    pub text: String,
    /// Help goes to standard output, errors to standard error.
    pub to_stdout: bool,
    pub code: u8,
}

/// Terraform's flag error with the command's help hint, or the help of a command group
/// that needs a subcommand (on standard output, exit code 1).
pub fn usage_error(e: &clap::Error, path: &[String]) -> UsageReport {
    let hint = format!(
        "\n\nFor more help on using this command, run:\n  terrane {} -help\n",
        path.join(" ")
    );
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    let message = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            return UsageReport {
                text: e.to_string(),
                to_stdout: true,
                code: 0,
            }
        }
        ErrorKind::MissingSubcommand
        | ErrorKind::InvalidSubcommand
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return UsageReport {
                text: render(path).unwrap_or_default(),
                to_stdout: true,
                code: 1,
            }
        }
        ErrorKind::UnknownArgument => {
            let arg = context(ContextKind::InvalidArg).unwrap_or_default();
            let flag = arg.split('=').next().unwrap_or_default();
            if flag.starts_with('-') {
                format!(
                    "flag provided but not defined: -{}",
                    flag.trim_start_matches('-')
                )
            } else {
                format!("unexpected argument {flag:?}")
            }
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let flag = single_dash(&context(ContextKind::InvalidArg).unwrap_or_default());
            let value = context(ContextKind::InvalidValue).unwrap_or_default();
            if value.is_empty() {
                format!("flag needs an argument: {flag}")
            } else {
                // Go's flag package names no detail for a number it cannot read.
                let why = std::error::Error::source(e)
                    .map(|s| match s.downcast_ref::<std::num::ParseIntError>() {
                        Some(_) => ": parse error".to_string(),
                        None => format!(": {s}"),
                    })
                    .unwrap_or_default();
                format!("invalid value {value:?} for flag {flag}{why}")
            }
        }
        _ => single_dash(
            e.render()
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: "),
        ),
    };
    UsageReport {
        text: format!("\nError: Failed to parse command-line flags\n\n{message}{hint}"),
        to_stdout: false,
        code: 1,
    }
}

/// `--lock-timeout <DURATION>` as a user typed it: `-lock-timeout`.
fn single_dash(s: &str) -> String {
    let s = s.split(" <").next().unwrap_or(s);
    let s = s.replace("'--", "'-").replace(" --", " -");
    match s.strip_prefix("--") {
        Some(rest) => format!("-{rest}"),
        None => s,
    }
}
