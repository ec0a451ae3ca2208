//! terrane's engine: configuration, expressions, graph, planning, applying and state.
//! It knows nothing of AWS; providers and state backends plug in through traits.

pub mod addr;
pub mod config;
pub mod diag;
pub mod drift;
pub mod fmt;
pub mod graph;
pub mod hash;
pub mod lang;
pub mod plan;
pub mod provider;
pub mod run;
pub mod state;
pub mod util;
