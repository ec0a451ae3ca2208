//! One module per command. Each returns the process exit code; diagnostics are printed
//! where they arise so that warnings show even on success.

mod apply;
mod apply_view;
mod console;
mod drift;
mod fmt;
mod force_unlock;
mod get;
mod graph;
mod graph_svg;
mod import;
mod init;
mod input;
mod locked_state;
mod login;
mod metadata;
mod operation;
mod output;
mod plan;
mod providers;
mod providers_common;
mod providers_lock;
mod providers_mirror;
mod providers_schema;
mod show;
mod state;
mod state_identities;
mod state_lock;
mod taint;
mod test;
mod validate;
mod version;
mod workspace;

use crate::cli::{Cli, Command, MetadataCommand, ProvidersCommand, StateCommand, WorkspaceCommand};

pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Init(a) => init::run(a).await,
        Command::Validate(a) => validate::run(a).await,
        Command::Plan(a) => plan::run(a).await,
        Command::Apply(a) => apply::run(a, false).await,
        Command::Destroy(a) => apply::run(a, true).await,
        Command::Output(a) => output::run(a).await,
        Command::Show(a) => show::run(a).await,
        Command::State(StateCommand::List(a)) => state::list(a).await,
        Command::State(StateCommand::Show(a)) => state::show(a).await,
        Command::State(StateCommand::Rm(a)) => state::rm(a).await,
        Command::State(StateCommand::Mv(a)) => state::mv(a).await,
        Command::State(StateCommand::Pull) => state::pull().await,
        Command::State(StateCommand::Push(a)) => state::push(a).await,
        Command::State(StateCommand::Identities(a)) => state_identities::run(a).await,
        Command::Import(a) => import::run(a).await,
        Command::Drift(a) => drift::run(a).await,
        Command::Workspace(WorkspaceCommand::List) => workspace::list().await,
        Command::Workspace(WorkspaceCommand::Show) => workspace::show(),
        Command::Workspace(WorkspaceCommand::New(a)) => workspace::new(a).await,
        Command::Workspace(WorkspaceCommand::Select(a)) => workspace::select(a).await,
        Command::Workspace(WorkspaceCommand::Delete(a)) => workspace::delete(a).await,
        Command::Graph(a) => graph::run(a).await,
        Command::ForceUnlock(a) => force_unlock::run(a).await,
        Command::Fmt(a) => fmt::run(a),
        Command::Version(a) => version::run(a),
        Command::Console(a) => console::run(a).await,
        Command::Refresh(a) => apply::refresh(a).await,
        Command::Get(a) => get::run(a).await,
        Command::Providers(a) => match a.command {
            Some(ProvidersCommand::Lock(a)) => providers_lock::run(a).await,
            Some(ProvidersCommand::Mirror(a)) => providers_mirror::run(a).await,
            Some(ProvidersCommand::Schema(a)) => providers_schema::run(a).await,
            None => providers::run(a).await,
        },
        Command::Test(a) => test::run(a).await,
        Command::Metadata(MetadataCommand::Functions(a)) => Ok(metadata::functions(&a)),
        Command::Taint(a) => taint::taint(a).await,
        Command::Untaint(a) => taint::untaint(a).await,
        Command::Login(a) => login::run("login", a),
        Command::Logout(a) => login::run("logout", a),
        Command::State(StateCommand::ReplaceProvider(a)) => state::replace_provider(a).await,
    }
}
