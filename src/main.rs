//! The `terrane` binary: parses arguments, runs one command, renders errors, and exits with
//! Terraform's exit codes (0 success, 1 error, 2 changes present under -detailed-exitcode).

mod backend_config;
mod cli;
mod commands;
mod completion;
mod core_log;
mod environment;
mod help;
mod invocation;
mod json_ui;
mod logged_backend;
mod markdown;
mod module_install;
mod output;
mod plugins;
mod provider_install;
mod remote_state;
mod setup;

use std::process::ExitCode;

// `--features system-alloc` leaves the system allocator in place, so heap profilers that
// hook malloc (heaptrack, valgrind's dhat and massif) see every allocation.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use invocation::Invocation;

/// The shell asking for completions (`COMP_LINE` set, as by `complete -C`), or
/// `-install-autocomplete` / `-uninstall-autocomplete`: handled before anything else, as
/// Terraform's front end does.
fn shell_completion(argv: &[String]) -> Option<ExitCode> {
    if let Ok(line) = std::env::var("COMP_LINE") {
        let point = std::env::var("COMP_POINT")
            .ok()
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|p| *p <= line.len() && line.is_char_boundary(*p))
            .unwrap_or(line.len());
        for word in completion::candidates(&line[..point]) {
            println!("{word}");
        }
        return Some(ExitCode::SUCCESS);
    }
    let flag = argv.get(1)?.trim_start_matches('-');
    let result = match flag {
        "install-autocomplete" | "uninstall-autocomplete" => {
            let Some(home) = std::env::var_os("HOME").map(std::path::PathBuf::from) else {
                eprint!("{}", completion::report(&["HOME is not set".into()]));
                return Some(ExitCode::from(1));
            };
            if flag == "install-autocomplete" {
                let binary = std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| "terrane".into());
                completion::install(&home, &binary)
            } else {
                completion::uninstall(&home)
            }
        }
        _ => return None,
    };
    Some(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(errors) => {
            eprint!("{}", completion::report(&errors));
            ExitCode::from(1)
        }
    })
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(code) = shell_completion(&argv) {
        return code;
    }
    let prepared = invocation::prepare(
        argv,
        |name| std::env::var(name).ok(),
        |dir| std::env::set_current_dir(dir).map_err(|e| format!("chdir {dir}: {e}")),
    );
    let args = match prepared {
        Ok(Invocation::Run(args)) => args,
        Ok(Invocation::Help(path)) => {
            return match help::render(&path) {
                Some(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                None => ExitCode::from(1),
            }
        }
        Ok(Invocation::NoCommand) => {
            print!("{}", help::render(&[]).unwrap_or_default());
            return ExitCode::from(127);
        }
        Err(refused) => {
            eprintln!("{refused}");
            return ExitCode::from(1);
        }
    };
    core_log::init(|name| std::env::var(name).ok());
    core_log::info(format!("terrane version: {}", env!("CARGO_PKG_VERSION")));
    core_log::info(format!("CLI args: {}", core_log::shown_args(&args)));
    let path = invocation::command_path(&args[1..]);
    let cli = match cli::parse(cli::normalize_args(args.into_iter().map(Into::into))) {
        Ok(c) => c,
        Err(e) => {
            let report = help::usage_error(&e, &path);
            if report.to_stdout {
                print!("{}", report.text);
            } else {
                eprint!("{}", report.text);
            }
            return ExitCode::from(report.code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            core_log::log(core_log::Level::Error, format!("{e:#}"));
            output::print_error(&e);
            1
        }
    };
    core_log::debug(format!("exit code {code}"));
    ExitCode::from(code)
}

/// `terrane plan | head` closes stdout early; `println!` then panics with EPIPE. Exit
/// quietly instead, as command-line tools do, and keep the default report for real bugs.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
