//! From the process's arguments and environment to the command line clap parses, the way
//! Terraform's front end does it: `-chdir=DIR` before the subcommand, `TF_CLI_ARGS` and
//! `TF_CLI_ARGS_<command>` inserted right after the command's name, `-v`/`-version`
//! anywhere meaning `version`, `-help` anywhere meaning help for the command named, and
//! an unknown command answered with the closest known one.

use clap::CommandFactory;

use crate::cli::Cli;

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Invocation {
    /// Run a command; the arguments are for clap (program name first).
    Run(Vec<String>),
    /// Print the help of the command at this path (empty: the top-level help).
    Help(Vec<String>),
    /// `terrane` with no arguments: the top-level help, with Terraform's exit code 127.
    NoCommand,
}

/// Why the command line cannot be run; printed as is, exit code 1.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Reads the command line. `env` looks up environment variables; `chdir` is called with
/// the `-chdir` directory before the environment's arguments are read.
pub fn prepare(
    argv: Vec<String>,
    env: impl Fn(&str) -> Option<String>,
    chdir: impl FnOnce(&str) -> Result<(), String>,
) -> Result<Invocation, Refused> {
    let program = argv.first().cloned().unwrap_or_else(|| "terrane".into());
    let mut args: Vec<String> = argv.into_iter().skip(1).collect();
    if let Some(dir) = take_chdir(&mut args)? {
        chdir(&dir).map_err(|e| Refused(format!("Error handling -chdir option: {e}")))?;
    }
    let path = command_path(&args);
    args = merge_env_args(args, "TF_CLI_ARGS", &path, &env)?;
    let suffix = path.join("_").replace('-', "_");
    if !suffix.is_empty() {
        args = merge_env_args(args, &format!("TF_CLI_ARGS_{suffix}"), &path, &env)?;
    }
    let options = args.iter().take_while(|a| *a != "--");
    if options
        .clone()
        .any(|a| matches!(a.as_str(), "-v" | "-version" | "--version"))
    {
        let mut version = vec![program, "version".to_string()];
        if args.iter().any(|a| a == "-json" || a == "--json") {
            version.push("-json".into());
        }
        return Ok(Invocation::Run(version));
    }
    let first = args
        .iter()
        .take_while(|a| *a != "--")
        .find(|a| !a.starts_with('-'));
    if let Some(first) = first {
        let known = command_names();
        if !known.iter().any(|k| k == first) {
            let suggestion = suggest(first, &known)
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            return Err(Refused(format!("terrane has no command named {first:?}.{suggestion}\n\nTo see all of terrane's top-level commands, run:\n  terrane -help\n")));
        }
    }
    if options
        .clone()
        .any(|a| matches!(a.as_str(), "-h" | "-help" | "--help"))
    {
        return Ok(Invocation::Help(command_path(&args)));
    }
    if first.is_none() {
        return Ok(Invocation::NoCommand);
    }
    let mut out = vec![program];
    out.extend(args);
    Ok(Invocation::Run(out))
}

/// Removes `-chdir=DIR` from the options before the subcommand (only there, as in
/// Terraform: after the subcommand it is that command's flag).
fn take_chdir(args: &mut Vec<String>) -> Result<Option<String>, Refused> {
    let mut found = None;
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        let a = args[i].trim_start_matches('-');
        if a == "chdir" || a == "chdir=" {
            return Err(Refused("Invalid -chdir option: must include an equals sign followed by a directory path, like -chdir=example".into()));
        }
        if let Some(dir) = a.strip_prefix("chdir=") {
            found = Some(dir.to_string());
            args.remove(i);
            continue;
        }
        i += 1;
    }
    Ok(found)
}

/// The names of the command the arguments select: the first word that is not a flag,
/// and, for a command with subcommands (`state`, `workspace`), the next word when it
/// names one of them.
pub fn command_path(args: &[String]) -> Vec<String> {
    let root = Cli::command();
    let mut words = args
        .iter()
        .take_while(|a| *a != "--")
        .filter(|a| !a.starts_with('-'));
    let Some(first) = words.next() else {
        return Vec::new();
    };
    let mut path = vec![first.clone()];
    if let Some(cmd) = root.find_subcommand(first) {
        if cmd.has_subcommands() {
            if let Some(second) = words.next().filter(|w| cmd.find_subcommand(w).is_some()) {
                path.push(second.clone());
            }
        }
    }
    path
}

/// Inserts the arguments of environment variable `name` (split as a shell would) right
/// after the last word of the command path, or first when there is no command.
fn merge_env_args(
    mut args: Vec<String>,
    name: &str,
    path: &[String],
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, Refused> {
    let Some(value) = env(name).filter(|v| !v.is_empty()) else {
        return Ok(args);
    };
    let extra = shlex::split(&value).ok_or_else(|| {
        Refused(format!(
            "Error parsing extra CLI args from {name}: unbalanced quotes in {value:?}"
        ))
    })?;
    let at = path
        .last()
        .and_then(|last| args.iter().position(|a| a == last))
        .map_or(0, |i| i + 1);
    args.splice(at..at, extra);
    Ok(args)
}

/// Every top-level command name.
pub fn command_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The known name closest to `given`, when fewer than three edits away (Terraform's
/// threshold); ties go to the alphabetically first.
pub fn suggest<'a>(given: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(given, k), k.as_str()))
        .filter(|(d, _)| *d < 3)
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Invocation, Refused> {
        let argv = std::iter::once("terrane")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        prepare(
            argv,
            |k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
            |_| Ok(()),
        )
    }

    fn args(v: &[&str]) -> Invocation {
        Invocation::Run(
            std::iter::once("terrane")
                .chain(v.iter().copied())
                .map(String::from)
                .collect(),
        )
    }

    #[test]
    fn env_args_go_after_the_command() {
        assert_eq!(
            run(
                &["plan", "-out=x"],
                &[
                    ("TF_CLI_ARGS", "-no-color"),
                    ("TF_CLI_ARGS_plan", "-var 'a=b c'")
                ]
            ),
            Ok(args(&["plan", "-var", "a=b c", "-no-color", "-out=x"]))
        );
        assert_eq!(
            run(&["state", "list"], &[("TF_CLI_ARGS_state_list", "-id=1")]),
            Ok(args(&["state", "list", "-id=1"]))
        );
        assert_eq!(
            run(&["plan"], &[("TF_CLI_ARGS_apply", "-auto-approve")]),
            Ok(args(&["plan"]))
        );
    }

    #[test]
    fn chdir_is_taken_before_the_command() {
        let mut seen = None;
        let argv = ["terrane", "-chdir=infra", "plan"]
            .map(String::from)
            .to_vec();
        let got = prepare(
            argv,
            |_| None,
            |d| {
                seen = Some(d.to_string());
                Ok(())
            },
        );
        assert_eq!(got, Ok(args(&["plan"])));
        assert_eq!(seen.as_deref(), Some("infra"));
        assert!(run(&["-chdir", "plan"], &[]).is_err());
    }

    #[test]
    fn help_version_and_unknown_commands() {
        assert_eq!(
            run(&["state", "list", "-help"], &[]),
            Ok(Invocation::Help(vec!["state".into(), "list".into()]))
        );
        assert_eq!(run(&["-version"], &[]), Ok(args(&["version"])));
        assert_eq!(run(&[], &[]), Ok(Invocation::NoCommand));
        let Err(Refused(msg)) = run(&["aply"], &[]) else {
            panic!("aply is not a command")
        };
        assert!(msg.contains(r#"Did you mean "apply"?"#), "{msg}");
    }
}
