//! End-to-end tests of the `terrane` binary: each test writes a configuration into a
//! scratch directory, runs terrane as a user would, and snapshots exit code, stdout and
//! stderr (with temporary paths, ids, durations and timestamps filtered out).

mod harness;

mod basics;
mod commands;
mod compat;
mod concurrency;
mod config_compat;
mod errors;
mod flags;
mod graph_cmd;
mod interactive;
mod json_ui;
mod language;
mod module_sources;
mod plugin;
mod plugin6;
mod provider_registry;
mod provisioners;
mod remote_state;
mod rendering;
mod taint;
mod test_command;
