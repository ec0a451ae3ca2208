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
    capture(command(bin, dir, args, env), bin)
}

/// What [`run_killed`] saw.
pub struct Killed {
    /// Whether the process was killed (false: it finished before the trigger line).
    pub killed: bool,
    /// What it printed until then, and its exit code (-1 when killed).
    pub out: Out,
}

/// Runs the command as [`run`] does, and SIGKILLs it the moment it has printed `n` lines
/// of stdout containing `trigger` (as a crash, an OOM kill or a lost CI runner would stop
/// it: no signal handler runs). terrane's stdout is line-buffered, so a line is seen as
/// soon as it is printed.
pub fn run_killed(
    bin: &str,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    trigger: &str,
    n: usize,
) -> Killed {
    run_killed_when(bin, dir, args, env, |line| line.contains(trigger), n)
}

/// [`run_killed`] with the trigger lines chosen by `trigger`.
pub fn run_killed_when(
    bin: &str,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    trigger: impl Fn(&str) -> bool,
    n: usize,
) -> Killed {
    use std::io::{BufRead, BufReader, Read};
    let mut c = command(bin, dir, args, env);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut stdout = String::new();
    let mut seen = 0;
    let mut killed = false;
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let Ok(line) = line else { break };
        stdout.push_str(&line);
        stdout.push('\n');
        if trigger(&line) {
            seen += 1;
            if seen == n {
                // Child::kill is SIGKILL on Unix.
                child.kill().expect("kill terrane");
                killed = true;
                break;
            }
        }
    }
    let status = child.wait().expect("wait for terrane");
    Killed {
        killed,
        out: Out {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: err_reader.join().unwrap_or_default(),
        },
    }
}

/// A small seeded generator (xorshift64*), so a test that picks random points can print
/// its seed and be replayed exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// A seed from `var` when set, else from the clock.
    pub fn seed_from_env(var: &str) -> u64 {
        std::env::var(var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        lo + (x % (hi - lo + 1) as u64) as usize
    }
}

fn command(bin: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
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
    c
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

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The files under `dir` (paths relative to it) whose bytes contain `secret`: the secrets
/// scans of the webapp and crash tests.
pub fn files_holding(dir: &Path, secret: &str) -> Vec<String> {
    let mut holders: Vec<String> = walk(dir)
        .into_iter()
        .filter(|p| std::fs::read(p).is_ok_and(|b| String::from_utf8_lossy(&b).contains(secret)))
        .map(|p| p.strip_prefix(dir).unwrap_or(&p).display().to_string())
        .collect();
    holders.sort();
    holders
}
