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
        println!(
            "{}",
            serde_json::json!({"terrane_version": version, "terraform_compatibility": terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION, "platform": platform})
        );
    } else {
        println!("terrane v{version}\non {platform}\ncompatible with Terraform {} configurations and state", terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION);
    }
    Ok(0)
}
