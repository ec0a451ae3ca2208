//! Terraform provider plugins: any provider binary, run over the plugin protocol (tfplugin5
//! and tfplugin6 on go-plugin), behind the engine's `Provider` trait.
//!
//! [`process`] launches a plugin and owns its lifetime, [`client`] calls it, [`schema`]
//! turns its schema into the engine's, [`msgpack`] and [`values`] encode values the way the
//! protocol does, [`proposed`] computes Terraform's proposed new state, [`plan_valid`]
//! checks the plugin's plan against the configuration as Terraform does and
//! [`compatible`] its result against the plan, and [`provider`] puts them together. Where plugins are installed is [`install`]'s business (the layout
//! and lock file), [`installer`]'s (choosing and placing a package) and [`remote`]'s
//! (registries and network mirrors, over [`http`] after [`disco`]very); [`cliconfig`]
//! reads the CLI configuration that says where to look.

pub mod channel;
pub mod cliconfig;
pub mod client;
pub mod compatible;
pub mod disco;
pub mod handshake;
pub mod http;
pub mod install;
pub mod installer;
pub mod msgpack;
pub mod mtls;
pub mod plan_valid;
pub mod plugin_log;
pub mod process;
pub mod proposed;
pub mod proto;
pub mod provider;
pub mod remote;
pub mod schema;
pub mod schema_json;
pub mod signature;
pub mod values;
pub mod zip;

use std::path::PathBuf;

pub use process::{kill_all, stop_all};
pub use provider::{PluginProvider, PluginSchema};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not start the plugin {path}: {source}", path = .0.display(), source = .1)]
    Launch(PathBuf, #[source] std::io::Error),
    #[error("the plugin did not complete the handshake: {0}")]
    Handshake(String),
    #[error("the plugin broke the protocol: {0}")]
    Protocol(String),
    #[error("the plugin's schema is invalid: {0}")]
    Schema(String),
    #[error("the plugin {plugin} failed to answer {method}: {message}{stderr}")]
    Call {
        plugin: String,
        method: String,
        message: String,
        stderr: String,
    },
    #[error("could not fetch the plugin's schema: {0}")]
    Runtime(#[source] std::io::Error),
}

impl From<prost::DecodeError> for Error {
    fn from(e: prost::DecodeError) -> Error {
        Error::Protocol(e.to_string())
    }
}
