//! The dependency graph of a module's objects (variables, locals, resources, outputs),
//! built by small ordered passes over the configuration, checked for cycles, and walked
//! in dependency order by planning and applying.

mod build;
mod dot;
pub mod operations;

pub use build::{build, path_prefix, Graph, Node};
pub use dot::{to_dot, to_resource_dot};
