//! `terrane version`.

use crate::cli::VersionArgs;

pub fn run(a: VersionArgs) -> anyhow::Result<u8> {
    let version = env!("CARGO_PKG_VERSION");
    let platform = format!(
        "{}_{}",
        std::env::consts::OS,
        if std::env::consts::ARCH == "x86_64" {
            "amd64"
        } else {
            std::env::consts::ARCH
        }
    );
    if a.json {
        // Terraform's keys, so scripts reading `terraform_version` keep working; the
        // providers are built in, so there are no selections to report.
        let doc = serde_json::json!({
            "terraform_version": terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION,
            "terrane_version": version,
            "platform": platform,
            "provider_selections": {},
            "terraform_outdated": false,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("terrane v{version}\non {platform}\ncompatible with Terraform {} configurations and state", terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION);
    }
    Ok(0)
}
