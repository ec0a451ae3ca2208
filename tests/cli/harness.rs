//! Runs the real `terrane` binary in a scratch directory and captures what it prints.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_terrane");

/// A scratch working directory with configuration files in it.
pub struct Work {
    dir: tempfile::TempDir,
    /// HOME for every run: empty, so nothing of the machine's `~/.terraformrc`,
    /// `~/.terraform.d/plugins` or `~/.aws` changes what a test sees.
    home: tempfile::TempDir,
}

/// What one run of terrane did.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit code: {}", self.code)?;
        writeln!(f, "----- stdout -----")?;
        writeln!(f, "{}", self.stdout)?;
        writeln!(f, "----- stderr -----")?;
        write!(f, "{}", self.stderr)
    }
}

impl Work {
    pub fn new() -> Work {
        let temp = |prefix: &str| {
            tempfile::Builder::new()
                .prefix(prefix)
                .tempdir()
                .expect("temp dir")
        };
        Work {
            dir: temp("terrane-e2e-"),
            home: temp("terrane-home-"),
        }
    }

    /// A scratch directory holding a copy of `tests/fixtures/<name>/`.
    pub fn fixture(name: &str) -> Work {
        let w = Work::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        copy_dir(&src, w.path());
        w
    }

    /// A scratch directory with one `main.tf`.
    pub fn main_tf(text: &str) -> Work {
        let w = Work::new();
        w.write("main.tf", text);
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path().join(name).exists()
    }

    /// `terrane.tfstate` parsed.
    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("terraform.tfstate")).expect("state is JSON")
    }

    /// Addresses of every current (not deposed) instance in state, each with its id.
    pub fn state_ids(&self) -> Vec<(String, String)> {
        let s = self.state();
        let mut out = Vec::new();
        for r in s["resources"].as_array().unwrap() {
            for i in r["instances"].as_array().unwrap() {
                if i.get("deposed").is_some_and(|d| !d.is_null()) {
                    continue;
                }
                let key = match &i["index_key"] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => format!("[{s:?}]"),
                    k => format!("[{k}]"),
                };
                out.push((
                    format!(
                        "{}.{}{key}",
                        r["type"].as_str().unwrap(),
                        r["name"].as_str().unwrap()
                    ),
                    i["attributes"]["id"].as_str().unwrap().to_string(),
                ));
            }
        }
        out.sort();
        out
    }

    /// The id of one instance in state.
    pub fn id(&self, addr: &str) -> String {
        self.state_ids()
            .into_iter()
            .find(|(a, _)| a == addr)
            .unwrap_or_else(|| panic!("{addr} is not in state"))
            .1
    }

    /// `terrane ARGS` here, with `-no-color` added after the subcommand when it takes
    /// it, NO_COLOR=1, and every TF_* / TERRANE_* variable of the test process removed.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        let mut args: Vec<&str> = args.to_vec();
        let sub = args.iter().position(|a| !a.starts_with('-'));
        if let Some(i) = sub {
            let at = match (args[i], args.get(i + 1)) {
                ("state", Some(&"show")) => Some(i + 2),
                (
                    "init" | "validate" | "plan" | "apply" | "destroy" | "output" | "show" | "test",
                    _,
                ) => Some(i + 1),
                _ => None,
            };
            if let Some(at) = at {
                args.insert(at, "-no-color");
            }
        }
        c.args(args)
            .current_dir(self.path())
            .env("HOME", self.home.path())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100");
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("TF_") || k.starts_with("TERRANE_") {
                c.env_remove(&*k);
            }
        }
        c
    }

    /// Runs terrane here with no input.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, &[], None)
    }

    /// Runs terrane with extra environment variables and optional stdin text.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Out {
        let mut c = self.command(args);
        c.envs(env.iter().copied());
        finish(c, stdin)
    }

    /// Starts terrane in the background, its stdout piped, stderr to a file in the work dir.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut c = self.command(args);
        c.envs(env.iter().copied());
        let out_path = self.path().join(format!(
            ".out-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let err_path = out_path.with_extension("err");
        c.stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap());
        Running {
            child: Some(c.spawn().expect("spawn terrane")),
            out_path,
            err_path,
        }
    }
}

fn finish(mut c: Command, stdin: Option<&str>) -> Out {
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn terrane");
    if let Some(text) = stdin {
        let mut si = child.stdin.take().unwrap();
        si.write_all(text.as_bytes()).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A terrane process running in the background; killed if dropped before it finished.
pub struct Running {
    child: Option<Child>,
    out_path: PathBuf,
    err_path: PathBuf,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out_path).unwrap_or_default()
    }

    /// Polls until `cond` holds on the stdout so far; panics after a generous minute.
    pub fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if cond(&self.stdout()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; stdout so far:\n{}",
                self.stdout()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn signal(&self, sig: &str) {
        let st = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(st.success(), "kill -{sig} failed");
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) -> Out {
        let mut c = self.child.take().unwrap();
        c.kill().unwrap();
        let status = c.wait().unwrap();
        self.collect(status.code().unwrap_or(-1))
    }

    /// Waits for it to exit (bounded by a generous timeout).
    pub fn wait(mut self) -> Out {
        let mut c = self.child.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(s) = c.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                panic!("terrane did not exit; stdout:\n{}", self.stdout());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        self.collect(status.code().unwrap_or(-1))
    }

    fn collect(&self, code: i32) -> Out {
        Out {
            code,
            stdout: std::fs::read_to_string(&self.out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.err_path).unwrap_or_default(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    for e in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).unwrap();
        }
    }
}

/// Filters that make output independent of the machine and the moment.
pub fn filters(work: &Work) -> Vec<(String, String)> {
    let mut f = Vec::new();
    for p in [
        work.path().to_path_buf(),
        work.path().canonicalize().unwrap(),
    ] {
        f.push((escape(&p.display().to_string()), "[WORK]".to_string()));
    }
    f.extend(
        [
            (
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "[UUID]",
            ),
            // null_resource ids: random 63-bit integers.
            (r#"\b[0-9]{12,20}\b"#, "[ID]"),
            (r"after [0-9]+(\.[0-9]+)?m?s", "after [DURATION]"),
            (r"\[[0-9]+s elapsed\]", "[[N]s elapsed]"),
            (
                r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)",
                "[TIMESTAMP]",
            ),
            (r"terrane-e2e-[A-Za-z0-9]+", "[WORK]"),
            (r"(?m)pid[ =:][0-9]+", "pid [PID]"),
            (r"Who:( +)\S+", "Who:$1[WHO]"),
            (r"Version:( +)terrane \S+", "Version:$1[VERSION]"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string())),
    );
    f
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if r"\.+*?()|[]{}^$#&-~".contains(c) {
                format!("\\{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Snapshots `out` (anything Display) under `name`, with the filters of `work`.
#[macro_export]
macro_rules! snap {
    ($work:expr, $name:expr, $out:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        for (re, to) in $crate::harness::filters(&$work) {
            settings.add_filter(&re, to);
        }
        settings.bind(|| insta::assert_snapshot!($name, $out.to_string()));
    }};
}

impl Out {
    /// Asserts the exit code, showing everything on failure.
    #[track_caller]
    pub fn code(self, expected: i32) -> Out {
        assert_eq!(self.code, expected, "unexpected exit code:\n{self}");
        self
    }

    /// Operations run in parallel, so the order of progress lines ("x: Creating...",
    /// "x: Creation complete ...") between independent resources varies; this sorts each
    /// run of consecutive progress lines so snapshots are stable.
    pub fn sorted(mut self) -> Out {
        let progress = |l: &str| {
            [
                ": Creating...",
                ": Creation complete",
                ": Modifying...",
                ": Modifications complete",
                ": Destroying...",
                ": Destruction complete",
                ": Still ",
                ": Reading...",
                ": Read complete",
            ]
            .iter()
            .any(|p| l.contains(p))
        };
        let mut out: Vec<String> = Vec::new();
        let mut run: Vec<&str> = Vec::new();
        for l in self.stdout.split_inclusive('\n') {
            if progress(l) {
                run.push(l);
                continue;
            }
            run.sort_unstable();
            out.extend(run.drain(..).map(str::to_string));
            out.push(l.to_string());
        }
        run.sort_unstable();
        out.extend(run.drain(..).map(str::to_string));
        self.stdout = out.concat();
        self
    }

    /// Lines of stdout that mention `addr:` progress, in order.
    pub fn progress_of(&self, addr: &str) -> Vec<String> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with(&format!("{addr}: ")))
            .map(str::to_string)
            .collect()
    }
}
