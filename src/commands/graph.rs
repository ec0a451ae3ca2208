//! `terrane graph`: the dependency graph in DOT.

use crate::cli::GraphArgs;
use crate::output::use_color;

pub async fn run(_a: GraphArgs) -> anyhow::Result<u8> {
    let Ok((_, graph)) = super::operation::load_checked(use_color(false)) else {
        return Ok(1);
    };
    print!("{}", terrane_engine::graph::to_dot(&graph));
    Ok(0)
}
