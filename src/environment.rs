//! The environment variables Terraform reads for every command: `TF_DATA_DIR` (where the
//! working directory's `.terraform` data lives) and `TF_IN_AUTOMATION` (leave out the
//! "run this next" guidance meant for people at a shell).

use std::path::PathBuf;

/// The working directory's data directory: `TF_DATA_DIR`, else `.terraform`. Relative
/// paths are relative to the working directory (after `-chdir`), as in Terraform.
pub fn data_dir() -> PathBuf {
    std::env::var_os("TF_DATA_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from(".terraform"), PathBuf::from)
}

/// A path inside the data directory.
pub fn data_path(rel: &str) -> PathBuf {
    data_dir().join(rel)
}

/// Whether a wrapper runs terrane (`TF_IN_AUTOMATION` set to anything non-empty): the
/// wrapper gives its own next steps, so commands leave theirs out.
pub fn in_automation() -> bool {
    std::env::var_os("TF_IN_AUTOMATION").is_some_and(|v| !v.is_empty())
}
