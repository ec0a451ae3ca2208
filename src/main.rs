//! The `terrane` binary: parses arguments, runs one command, renders errors, and exits with
//! Terraform's exit codes (0 success, 1 error, 2 changes present under -detailed-exitcode).

mod backend_config;
mod cli;
mod commands;
mod module_install;
mod output;
mod remote_state;
mod setup;

use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let args = cli::normalize_args(std::env::args_os());
    let cli = match cli::parse(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
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
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(1)
        }
    }
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
