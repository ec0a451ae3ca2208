//! Running the real `terrane` binary in tests: one command in a directory, with a clean
//! environment, and what it printed.

use std::path::Path;
use std::process::{Command, Stdio};

/// What one run of terrane did.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "exit code: {}", self.code)?;
        writeln!(f, "----- stdout -----\n{}", self.stdout)?;
        write!(f, "----- stderr -----\n{}", self.stderr)
    }
}

impl Out {
    /// Asserts the exit code, printing everything the run said when it differs.
    #[track_caller]
    pub fn code(self, expected: i32) -> Out {
        assert_eq!(self.code, expected, "unexpected exit code:\n{self}");
        self
    }

    /// Both streams, for "never printed" checks.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `bin SUB -no-color REST...` (`bin state SUB -no-color REST...` for the commands
/// that have subcommands) in `dir` with NO_COLOR=1, no TF_*, TERRANE_* or AWS_* variable of
/// the test process (so a developer's environment cannot leak in), and `env`.
pub fn run(bin: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut c = Command::new(bin);
    let words = match args.first() {
        Some(&("state" | "workspace")) => 2,
        _ => 1,
    }
    .min(args.len());
    c.args(&args[..words]).arg("-no-color").args(&args[words..]);
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("TF_") || k.starts_with("TERRANE_") || k.starts_with("AWS_") {
            c.env_remove(&*k);
        }
    }
    c.envs(env.iter().copied());
    capture(c, bin)
}

/// Runs `bin ARGS` (as given) in `dir` with nothing of the test process's environment but
/// PATH, HOME pointing at `dir` (so no ~/.aws of the machine is read) and `env`: for
/// tests of what terrane says when credentials or a region are missing.
pub fn run_isolated(bin: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut c = Command::new(bin);
    c.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied());
    capture(c, bin)
}

/// Runs the command with no input and collects what it printed.
fn capture(mut c: Command, bin: &str) -> Out {
    let o = c
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}
