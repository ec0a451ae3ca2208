//! `terrane login` and `terrane logout`: Terraform keeps API tokens for HCP Terraform and
//! private registries; terrane talks to neither, so both refuse and say why instead of
//! pretending to store a token nothing would read.

use crate::cli::LoginArgs;
use crate::output::print_diagnostics;

pub fn run(command: &str, a: LoginArgs) -> anyhow::Result<u8> {
    let host = a.hostname.as_deref().unwrap_or("app.terraform.io");
    let summary = format!("terrane {command} is not supported");
    let detail = format!("terrane does not connect to remote services such as HCP Terraform or private module and provider registries, so it has no credentials for {host} to {}. Remote state is read through the configured backend (for example S3) with that backend's own credentials.", if command == "login" { "obtain" } else { "remove" });
    print_diagnostics(
        &terrane_engine::diag::Diagnostic::error(summary)
            .detail(detail)
            .into(),
        false,
    );
    Ok(1)
}
