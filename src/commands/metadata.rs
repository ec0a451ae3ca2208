//! `terrane metadata functions -json`: the signatures of the built-in functions, in
//! Terraform's JSON layout (see `terrane_engine::lang::functions::metadata`).

use crate::cli::MetadataFunctionsArgs;

pub fn functions(a: &MetadataFunctionsArgs) -> u8 {
    if !a.json {
        eprintln!("The `terrane metadata functions` command requires the `-json` flag.\n\nUsage: terrane [global options] metadata functions -json\n\n  Prints out a json representation of the available function signatures.");
        return 1;
    }
    println!(
        "{}",
        terrane_engine::lang::functions::metadata::signatures_json()
    );
    0
}
