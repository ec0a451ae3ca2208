//! The dependency graph of a module's objects (variables, locals, resources, outputs),
//! built by small ordered passes over the configuration, checked for cycles, and walked
//! in dependency order by planning and applying.

mod build;
mod dot;
pub mod operations;

pub use build::{build, build_allowing_cycles, cycle_edges, path_prefix, Graph, Node};
pub use dot::{operations_to_dot, to_dot, to_dot_with_cycles, to_resource_dot};
