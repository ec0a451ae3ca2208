//! Shell completion the way Terraform provides it: the shell runs terrane itself to
//! complete a word (bash's `complete -C`, zsh through `bashcompinit`, fish through a
//! function that sets `COMP_LINE`), and `-install-autocomplete` / `-uninstall-autocomplete`
//! add or remove that hook in the user's shell start-up files. The words come from the same
//! clap definition the parser uses, so a new command or flag completes without more work.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::Cli;

/// Options the front end reads before any command (see `invocation`).
const GLOBAL_OPTIONS: &[&str] = &["-chdir=", "-help", "-version"];

/// The words that complete the last word of `line` (the command line up to the cursor, as
/// the shell passes it in `COMP_LINE`), one per line of output.
pub fn candidates(line: &str) -> Vec<String> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let current = if line.ends_with(char::is_whitespace) || words.len() <= 1 {
        ""
    } else {
        words.pop().unwrap_or("")
    };
    let root = Cli::command();
    let mut cmd = &root;
    let mut depth = 0;
    for word in words.iter().skip(1).filter(|w| !w.starts_with('-')) {
        match cmd.find_subcommand(word) {
            Some(sub) => {
                cmd = sub;
                depth += 1;
            }
            None => break,
        }
    }
    let mut out: Vec<String> = if current.starts_with('-') {
        let mut flags: Vec<String> = cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long())
            .map(|long| format!("-{long}"))
            .collect();
        if depth == 0 {
            flags.extend(GLOBAL_OPTIONS.iter().map(|s| s.to_string()));
        }
        flags
    } else {
        cmd.get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .map(|s| s.get_name().to_string())
            .collect()
    };
    out.retain(|w| w.starts_with(current));
    out.sort();
    out.dedup();
    out
}

/// A shell whose start-up configuration can hold the completion hook.
struct Shell {
    /// The file the hook lives in.
    file: PathBuf,
    /// Whether the shell is in use here (its configuration file or directory exists).
    present: bool,
    /// The hook for a terrane binary at this path.
    hook: fn(&str) -> String,
    /// The hook is the whole file (fish), not lines appended to one.
    whole_file: bool,
}

fn shells(home: &Path) -> Vec<Shell> {
    let fish_dir = home.join(".config/fish");
    vec![
        Shell {
            file: home.join(".bashrc"),
            present: home.join(".bashrc").is_file(),
            hook: |bin| format!("complete -C {} terrane\n", shell_quote(bin)),
            whole_file: false,
        },
        Shell {
            file: home.join(".zshrc"),
            present: home.join(".zshrc").is_file(),
            hook: |bin| {
                format!(
                    "autoload -U +X bashcompinit && bashcompinit\ncomplete -o nospace -C {} terrane\n",
                    shell_quote(bin)
                )
            },
            whole_file: false,
        },
        Shell {
            file: fish_dir.join("completions/terrane.fish"),
            present: fish_dir.is_dir(),
            hook: |bin| {
                format!(
                    "function __complete_terrane\n    set -lx COMP_LINE (commandline -cp)\n    test -z (commandline -ct)\n    and set COMP_LINE \"$COMP_LINE \"\n    {}\nend\ncomplete -f -c terrane -a \"(__complete_terrane)\"\n",
                    shell_quote(bin)
                )
            },
            whole_file: true,
        },
    ]
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Whether `file` already holds a terrane completion hook.
fn installed(shell: &Shell) -> bool {
    std::fs::read_to_string(&shell.file).is_ok_and(|text| {
        if shell.whole_file {
            text.contains("__complete_terrane")
        } else {
            text.lines().any(is_hook_line)
        }
    })
}

fn is_hook_line(line: &str) -> bool {
    line.starts_with("complete ") && line.contains(" -C ") && line.trim_end().ends_with(" terrane")
}

/// Adds the completion hook for `binary` to every shell in use under `home`. Each shell
/// that cannot take it is one error, worded as Terraform words it.
pub fn install(home: &Path, binary: &str) -> Result<(), Vec<String>> {
    let shells: Vec<Shell> = shells(home).into_iter().filter(|s| s.present).collect();
    if shells.is_empty() {
        return Err(vec!["did not find any shells to install".into()]);
    }
    let mut errors = Vec::new();
    for shell in &shells {
        if installed(shell) {
            errors.push(format!("already installed in {}", shell.file.display()));
            continue;
        }
        let hook = (shell.hook)(binary);
        let result = if shell.whole_file {
            shell
                .file
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&shell.file, hook))
        } else {
            append(&shell.file, &hook)
        };
        if let Err(e) = result {
            errors.push(format!("{}: {e}", shell.file.display()));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn append(file: &Path, text: &str) -> std::io::Result<()> {
    let mut current = std::fs::read_to_string(file)?;
    if !current.is_empty() && !current.ends_with('\n') {
        current.push('\n');
    }
    current.push('\n');
    current.push_str(text);
    std::fs::write(file, current)
}

/// Removes the completion hook from every shell in use under `home`.
pub fn uninstall(home: &Path) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    for shell in shells(home).into_iter().filter(|s| s.present) {
        if !installed(&shell) {
            // Terraform's wording, kept for scripts that look for it.
            errors.push(format!("does not installed in {}", shell.file.display()));
            continue;
        }
        let result = if shell.whole_file {
            std::fs::remove_file(&shell.file)
        } else {
            std::fs::read_to_string(&shell.file).and_then(|text| {
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|l| {
                        !is_hook_line(l) && *l != "autoload -U +X bashcompinit && bashcompinit"
                    })
                    .collect();
                std::fs::write(&shell.file, format!("{}\n", kept.join("\n").trim_end()))
            })
        };
        if let Err(e) = result {
            errors.push(format!("{}: {e}", shell.file.display()));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Errors as Terraform's front end prints them (go-multierror's layout).
pub fn report(errors: &[String]) -> String {
    let count = match errors.len() {
        1 => "1 error occurred".to_string(),
        n => format!("{n} errors occurred"),
    };
    let items: String = errors.iter().map(|e| format!("\t* {e}\n")).collect();
    format!("Error executing CLI: {count}:\n{items}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_commands_subcommands_and_single_dash_flags() {
        let c = |line: &str| candidates(line);
        assert!(c("terrane ").contains(&"plan".to_string()));
        assert_eq!(c("terrane ta"), vec!["taint"]);
        assert_eq!(c("terrane state l"), vec!["list"]);
        assert!(c("terrane apply -auto").contains(&"-auto-approve".to_string()));
        assert!(c("terrane plan -").contains(&"-detailed-exitcode".to_string()));
        assert!(c("terrane -").contains(&"-chdir=".to_string()));
        assert!(c("terrane apply ").is_empty());
    }

    #[test]
    fn install_and_uninstall_edit_each_shells_start_up_files() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(
            install(home.path(), "/opt/terrane"),
            Err(vec!["did not find any shells to install".into()])
        );
        std::fs::write(home.path().join(".bashrc"), "export A=1").unwrap();
        std::fs::create_dir_all(home.path().join(".config/fish")).unwrap();
        install(home.path(), "/opt/terrane").unwrap();
        let bashrc = std::fs::read_to_string(home.path().join(".bashrc")).unwrap();
        assert_eq!(bashrc, "export A=1\n\ncomplete -C /opt/terrane terrane\n");
        let fish = home.path().join(".config/fish/completions/terrane.fish");
        assert!(std::fs::read_to_string(&fish)
            .unwrap()
            .contains("/opt/terrane"));
        let again = install(home.path(), "/opt/terrane").unwrap_err();
        assert_eq!(
            report(&again),
            format!(
                "Error executing CLI: 2 errors occurred:\n\t* already installed in {}\n\t* already installed in {}\n\n",
                home.path().join(".bashrc").display(),
                fish.display()
            )
        );
        uninstall(home.path()).unwrap();
        let bashrc = std::fs::read_to_string(home.path().join(".bashrc")).unwrap();
        assert_eq!(bashrc, "export A=1\n");
        assert!(!fish.exists());
        assert_eq!(
            uninstall(home.path()).unwrap_err()[0],
            format!(
                "does not installed in {}",
                home.path().join(".bashrc").display()
            )
        );
    }
}
