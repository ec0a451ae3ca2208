//! `terrane get`: the module step of `terrane init` alone (no backend, no providers).

use crate::cli::GetArgs;
use crate::output::{print_diagnostics, use_color};

pub fn run(a: GetArgs) -> anyhow::Result<u8> {
    let color = use_color(a.no_color);
    let (module, diags) = terrane_engine::config::load_dir(std::path::Path::new("."));
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    super::init::write_modules_manifest(&module)?;
    Ok(0)
}
