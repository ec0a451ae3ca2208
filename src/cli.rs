//! Command-line syntax. Terraform spells flags with one dash (`-auto-approve`,
//! `-var=a=b`); clap wants two, so arguments are rewritten before parsing and both
//! spellings work.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "terrane",
    about = "A fast, safe Terraform-compatible infrastructure engine",
    disable_help_subcommand = true,
    disable_help_flag = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prepare the working directory: check providers and the backend.
    Init(InitArgs),
    /// Check whether the configuration is valid.
    Validate(ValidateArgs),
    /// Show changes required by the current configuration.
    Plan(PlanArgs),
    /// Create or update infrastructure.
    Apply(ApplyArgs),
    /// Destroy previously-created infrastructure.
    Destroy(ApplyArgs),
    /// Show output values from your root module.
    Output(OutputArgs),
    /// Show the current state or a saved plan.
    Show(ShowArgs),
    /// Advanced state management.
    #[command(subcommand)]
    State(StateCommand),
    /// Generate a Graphviz graph of the steps in an operation.
    Graph(GraphArgs),
    /// Release a stuck lock on the current workspace.
    ForceUnlock(ForceUnlockArgs),
    /// Report drift between the real infrastructure, the state and the configuration
    /// (read-only; exit 0 in sync, 2 drift, 1 error).
    Drift(DriftArgs),
    /// Associate an existing object with a resource address in state.
    Import(ImportArgs),
    /// Workspace management.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Rewrite configuration files to the canonical format and style.
    Fmt(FmtArgs),
    /// Show the current terrane version.
    Version(VersionArgs),
    /// Try expressions at an interactive command prompt.
    ///
    /// Evaluates expressions against the configuration and the current state: input
    /// variables, locals and the resources recorded in state. Reads one expression a line;
    /// when standard input is not a terminal it evaluates every line and prints the last
    /// result. This command never changes the state.
    Console(ConsoleArgs),
    /// Update the state to match remote systems.
    ///
    /// Reads the current settings of every managed remote object and records them in
    /// the state, changing no real infrastructure.
    ///
    /// This command is deprecated: it is an alias of "terrane apply -refresh-only
    /// -auto-approve", which writes the changes without letting you review them first.
    /// Use "terrane apply -refresh-only" to review the changes before they are saved, or
    /// "terrane plan -refresh-only" to only see them.
    Refresh(RefreshArgs),
    /// Install or upgrade remote terrane modules.
    ///
    /// Installs the modules the configuration calls into the working directory's data
    /// directory, as the module step of "terrane init" does, without touching the
    /// backend or providers.
    Get(GetArgs),
    /// Show the providers required for this configuration.
    ///
    /// Prints the provider requirements of the root module and of every module it calls,
    /// as a tree, then the providers the current state uses.
    Providers(ProvidersArgs),
    /// Mark a resource instance as not fully functional.
    ///
    /// terrane uses the term "tainted" to describe a resource instance which may not be
    /// fully functional, either because its creation partially failed or because you've
    /// manually marked it as such using this command.
    ///
    /// This will not modify your infrastructure directly, but subsequent terrane plans
    /// will include actions to destroy the remote object and create a new object to
    /// replace it.
    ///
    /// You can remove the "taint" state from a resource instance using the "terrane
    /// untaint" command.
    ///
    /// The address is in the usual resource address syntax, such as aws_instance.foo,
    /// aws_instance.bar[1] or module.foo.module.bar.aws_instance.baz. Use your shell's
    /// quoting or escaping syntax to ensure that the address will reach terrane correctly,
    /// without any special interpretation.
    Taint(TaintArgs),
    /// Remove the 'tainted' state from a resource instance.
    ///
    /// terrane uses the term "tainted" to describe a resource instance which may not be
    /// fully functional, either because its creation partially failed or because you've
    /// manually marked it as such using the "terrane taint" command.
    ///
    /// This command removes that state from a resource instance, causing terrane to see
    /// it as fully-functional and not in need of replacement.
    ///
    /// This will not modify your infrastructure directly. It only avoids terrane planning
    /// to replace a tainted instance in a future operation.
    Untaint(TaintTarget),
    /// Metadata related commands.
    #[command(subcommand)]
    Metadata(MetadataCommand),
    /// Execute integration tests for terrane modules.
    ///
    /// Runs the run blocks of every *.tftest.hcl file in the current directory and the
    /// test directory. Each file gets its own in-memory state: runs with command = apply
    /// create real objects (unless their providers are mocked), and everything a file
    /// created is destroyed when it ends.
    Test(TestArgs),
    /// Obtain and save credentials for a remote host.
    ///
    /// terrane talks to no remote services (HCP Terraform, private registries), so there
    /// is nothing to log in to; this command says so and exits with an error.
    Login(LoginArgs),
    /// Remove locally-stored credentials for a remote host.
    ///
    /// terrane stores no credentials for remote services; this command says so and exits
    /// with an error.
    Logout(LoginArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct TaintArgs {
    #[command(flatten)]
    pub target: TaintTarget,
    #[command(flatten)]
    pub vars: VarArgs,
}

/// The options `taint` and `untaint` share.
#[derive(Debug, Args, Clone, Default)]
pub struct TaintTarget {
    /// If specified, the command will succeed (exit code 0) even if the resource is
    /// missing.
    #[arg(long)]
    pub allow_missing: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    /// A rare option used for the remote backend only; accepted for compatibility.
    #[arg(long)]
    pub ignore_remote_version: bool,
    /// Disable color in output.
    #[arg(long)]
    pub no_color: bool,
    /// The address of the resource instance.
    #[arg(value_name = "address")]
    pub address: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct TestArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Limit the test files to run to the named file; give the option more than once to
    /// run several.
    #[arg(long, value_name = "TESTFILE")]
    pub filter: Vec<String>,
    /// Set the test directory, where tests are read from besides the current directory.
    #[arg(long, default_value = "tests", value_name = "PATH")]
    pub test_directory: String,
    /// Print the plan or state of each run block as it executes.
    #[arg(long)]
    pub verbose: bool,
    /// Save a test report in JUnit XML format to the given file.
    #[arg(long, value_name = "PATH")]
    pub junit_xml: Option<PathBuf>,
    /// Limit the number of concurrent operations within the plan/apply operation of a
    /// test run. Defaults to 10.
    #[arg(
        long,
        default_value_t = 10,
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub parallelism: i64,
    /// Limit the number of run blocks of a file that run at once (Terraform's hidden
    /// flag; only parallel runs on different states overlap). Defaults to 10.
    #[arg(
        long,
        default_value_t = 10,
        value_name = "N",
        allow_negative_numbers = true,
        hide = true
    )]
    pub run_parallelism: i64,
    /// Print machine-readable JSON output: one message a line, as Terraform's -json.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Create a new plan (as if running "terrane plan") and then evaluate expressions
    /// against its planned state, instead of evaluating against the current state.
    #[arg(long)]
    pub plan: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Limit the number of concurrent operations. Defaults to 10.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// Limit the refresh to only the given resource and its dependencies. Use this option
    /// more than once to include more than one object.
    #[arg(long, value_name = "RESOURCE")]
    pub target: Vec<String>,
    /// Show warnings in a compact form that includes only the summary messages.
    #[arg(long)]
    pub compact_warnings: bool,
    /// Print machine-readable JSON output: one message a line, as Terraform's -json.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GetArgs {
    /// Check already-installed modules for available updates and install the newest
    /// versions available.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub update: Option<bool>,
    /// Disable color in output.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Debug, Args, Clone, Default)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProvidersArgs {
    #[command(subcommand)]
    pub command: Option<ProvidersCommand>,
    /// Show the requirements of the configuration in this directory instead of the
    /// working directory.
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand, Clone)]
pub enum ProvidersCommand {
    /// Write out dependency locks for the configured providers.
    ///
    /// Updates the lock file (.terraform.lock.hcl) with the checksums of the packages of
    /// every provider the configuration requires (or of those named), for each platform
    /// chosen, fetched from their origin registries (ignoring the configured installation
    /// methods) or from the mirror given.
    Lock(ProvidersLockArgs),
    /// Save local copies of all required provider plugins.
    ///
    /// Populates a local directory with the packages of the providers the configuration
    /// needs, from their origin registries, so that it can be used as a filesystem
    /// mirror, or published with its JSON index files as a network mirror.
    Mirror(ProvidersMirrorArgs),
    /// Show schemas for the providers used in the configuration.
    ///
    /// Prints a JSON representation of the schemas of all providers used in the current
    /// configuration.
    Schema(ProvidersSchemaArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct ProvidersLockArgs {
    /// Consult the given filesystem mirror directory instead of the origin registry.
    #[arg(long = "fs-mirror", value_name = "DIR")]
    pub fs_mirror: Option<PathBuf>,
    /// Consult the given network mirror (a base URL) instead of the origin registry.
    #[arg(long = "net-mirror", value_name = "URL")]
    pub net_mirror: Option<String>,
    /// Choose a target platform to request package checksums for (os_arch, such as
    /// linux_amd64). Use this option more than once for several platforms; the default
    /// is the platform terrane runs on.
    #[arg(long = "platform", value_name = "OS_ARCH")]
    pub platforms: Vec<String>,
    /// Use the configured plugin cache.
    #[arg(long = "enable-plugin-cache")]
    pub enable_plugin_cache: bool,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Provider source addresses to lock (all required providers when none are given).
    pub providers: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ProvidersMirrorArgs {
    /// Choose which target platform to build a mirror for (os_arch). Use this option more
    /// than once for several platforms; the default is the platform terrane runs on.
    #[arg(long = "platform", value_name = "OS_ARCH")]
    pub platforms: Vec<String>,
    /// Ignore the provider lock file when choosing versions.
    #[arg(long = "lock-file", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", default_value = "true")]
    pub lock_file: bool,
    #[command(flatten)]
    pub vars: VarArgs,
    /// The directory to fill.
    pub target_dir: PathBuf,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ProvidersSchemaArgs {
    /// Produce JSON output (required).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub vars: VarArgs,
}

#[derive(Debug, Args, Clone, Default)]
pub struct LoginArgs {
    /// The host to log in to or out of (app.terraform.io when left out).
    pub hostname: Option<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Disable color in output.
    #[arg(long)]
    pub no_color: bool,
    /// Don't ask for input for variables not directly set (an unset required one is then
    /// an error). TF_INPUT=0 does the same.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", default_value = "true")]
    pub input: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct LockArgs {
    /// Don't hold a state lock during the operation. This is dangerous if others might
    /// run commands against the same workspace at the same time.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", default_value = "true")]
    pub lock: bool,
    /// How long to retry taking the state lock, like 30s or 5m (default 0s: fail at once).
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct VarArgs {
    /// Set a value for one of the input variables in the root module. Use this option more
    /// than once to set more than one variable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Load variable values from the given file, in addition to terraform.tfvars and
    /// *.auto.tfvars. Use this option more than once to read more than one file.
    #[arg(long = "var-file", value_name = "FILENAME")]
    pub var_files: Vec<PathBuf>,
}

impl VarArgs {
    /// The -var and -var-file options in command-line order, which decides precedence
    /// between them (clap keeps each kind in order, but not their interleaving).
    pub fn in_order(&self) -> Vec<terrane_engine::run::vars::CliVar> {
        use terrane_engine::run::vars::CliVar;
        let mut vars = self.vars.iter();
        let mut files = self.var_files.iter();
        let mut out = Vec::new();
        for arg in ARGS.get().into_iter().flatten().skip(1) {
            let flag = arg.trim_start_matches('-');
            let name = flag.split('=').next().unwrap_or_default();
            if !arg.starts_with('-') {
                continue;
            }
            match name {
                "var" => out.extend(vars.next().cloned().map(CliVar::Var)),
                "var-file" => out.extend(files.next().cloned().map(CliVar::File)),
                _ => {}
            }
        }
        // Anything not matched above (arguments given some other way) keeps clap's order.
        out.extend(files.cloned().map(CliVar::File));
        out.extend(vars.cloned().map(CliVar::Var));
        out
    }
}

#[derive(Debug, Args, Clone, Default)]
pub struct PlanningArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Skip checking for external changes to remote objects while creating the plan:
    /// faster, but the plan may be made against a stale record of the real objects.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", default_value = "true")]
    pub refresh: bool,
    /// Select the "refresh only" planning mode: check whether remote objects still match
    /// the state, and propose to record what changed outside terrane, but no actions to
    /// undo those changes.
    #[arg(long)]
    pub refresh_only: bool,
    /// Limit the number of concurrent operations. Defaults to 10.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// Force replacement of a particular resource instance, even if the plan would
    /// otherwise update it or leave it alone. Use this option more than once to replace
    /// more than one object.
    #[arg(long, value_name = "RESOURCE")]
    pub replace: Vec<String>,
    /// Limit planning to the given module, resource or resource instance and everything
    /// it depends on. Use this option more than once to include more than one object.
    /// For exceptional use only.
    #[arg(long, value_name = "RESOURCE")]
    pub target: Vec<String>,
    /// Print machine-readable JSON output: one message a line, as Terraform's -json.
    #[arg(long)]
    pub json: bool,
    /// Show warnings in a compact form that includes only the summary messages.
    #[arg(long)]
    pub compact_warnings: bool,
}

/// `terrane init`'s flags: every flag `terraform init` takes, so scripts written for
/// Terraform run unchanged. Boolean flags take a value only as `-flag=value`, as Go's flag
/// package does.
#[derive(Debug, Args, Clone, Default)]
pub struct InitArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Initialize the backend (-backend=false skips it; modules and providers are still
    /// checked).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true")]
    pub backend: bool,
    /// Terraform's alias of -backend, for HCP Terraform configurations.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub cloud: Option<bool>,
    /// Install the modules the configuration calls (-get=false skips it).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true")]
    pub get: bool,
    /// Copy the given module into the empty working directory before initializing.
    #[arg(long, value_name = "SOURCE")]
    pub from_module: Option<String>,
    /// Reconfigure the backend, ignoring any saved configuration.
    #[arg(long)]
    pub reconfigure: bool,
    /// Partial backend configuration: KEY=VALUE or a file.
    #[arg(long, value_name = "KEY=VALUE|FILE")]
    pub backend_config: Vec<String>,
    /// Copy the state from the previously initialized backend to the new one.
    #[arg(long)]
    pub migrate_state: bool,
    /// With -migrate-state: overwrite state the new backend already has for a workspace.
    #[arg(long)]
    pub force_copy: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Upgrade modules and providers to the newest allowed versions (terrane's own
    /// providers are built in).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub upgrade: Option<bool>,
    /// Dependency lock file mode: "readonly" refuses to change .terraform.lock.hcl.
    #[arg(long, value_name = "MODE")]
    pub lockfile: Option<String>,
    /// Directory holding provider plugins (repeatable); skips provider downloads.
    #[arg(long, value_name = "DIR")]
    pub plugin_dir: Vec<PathBuf>,
    /// Print machine-readable JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show warnings in a compact form that includes only the summary messages.
    #[arg(long)]
    pub compact_warnings: bool,
    /// Accepted for compatibility: only meaningful with HCP Terraform.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub ignore_remote_version: Option<bool>,
    /// Directory of test files (accepted for compatibility; terrane has no test command).
    #[arg(long, value_name = "DIR")]
    pub test_directory: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
}

impl InitArgs {
    /// Whether -backend was on the command line (it defaults to true either way).
    pub fn backend_flag_given(&self) -> bool {
        std::env::args().any(|a| {
            let flag = a.trim_start_matches('-');
            a.starts_with('-') && (flag == "backend" || flag.starts_with("backend="))
        })
    }
}

#[derive(Debug, Args, Clone, Default)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Produce output in a machine-readable JSON format.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct PlanArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Return 0 with no changes, 1 on error, 2 when there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Write the plan to the given file, to apply it later.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Plan to destroy all objects.
    #[arg(long)]
    pub destroy: bool,
    /// Print the plan as compact Markdown for a pull-request comment (terrane only).
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Skip interactive approval of the plan before applying.
    #[arg(long)]
    pub auto_approve: bool,
    /// Plan to destroy all objects (for apply; implied by the destroy command).
    #[arg(long)]
    pub destroy: bool,
    /// A saved plan file from `terrane plan -out`.
    pub plan_file: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print the output(s) in JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the raw string value of one output, without quotes.
    #[arg(long)]
    pub raw: bool,
    pub name: Option<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ShowArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Print a saved plan as compact Markdown for a pull-request comment (terrane only).
    #[arg(long, conflicts_with = "json", requires = "path")]
    pub markdown: bool,
    pub path: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List resources in the state.
    List(StateListArgs),
    /// Show a resource in the state.
    Show(StateShowArgs),
    /// Remove instances from the state (the real objects are left alone).
    Rm(StateRmArgs),
    /// Move an item in the state to another address.
    Mv(StateMvArgs),
    /// Print the current state to stdout.
    Pull,
    /// Replace provider in the state.
    ///
    /// Changes the provider every resource in the state that uses FROM records, to TO
    /// (both provider source addresses, like hashicorp/aws or
    /// registry.acme.corp/acme/aws), under the state lock.
    ReplaceProvider(StateReplaceProviderArgs),
    /// Replace the current state with a local state file.
    Push(StatePushArgs),
    /// List the identities of resources in the state
    Identities(StateIdentitiesArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct StateIdentitiesArgs {
    /// Print the identities as JSON (required: there is no other form).
    #[arg(long)]
    pub json: bool,
    /// Only instances whose `id` attribute is this.
    #[arg(long)]
    pub id: Option<String>,
    /// Only these modules, resources or instances (each must be in the state).
    pub addresses: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct StateRmArgs {
    #[command(flatten)]
    pub lock: LockArgs,
    /// Only print what would be removed.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(required = true)]
    pub addresses: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct StateMvArgs {
    #[command(flatten)]
    pub lock: LockArgs,
    /// Only print what would be moved.
    #[arg(long)]
    pub dry_run: bool,
    pub source: String,
    pub destination: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct StateReplaceProviderArgs {
    /// Skip interactive approval.
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    /// The provider source address to replace.
    pub from: String,
    /// The provider source address to record instead.
    pub to: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct StatePushArgs {
    #[command(flatten)]
    pub lock: LockArgs,
    /// Write the state even if lineages differ or the serial is lower.
    #[arg(long)]
    pub force: bool,
    pub path: PathBuf,
}

#[derive(Debug, Args, Clone, Default)]
pub struct DriftArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Print the versioned JSON report.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print a Markdown report (for a pull request or issue comment).
    #[arg(long)]
    pub markdown: bool,
    /// Check every workspace of the backend, reporting each.
    #[arg(long)]
    pub all_workspaces: bool,
    /// Limit the number of concurrent operations.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// The ignore file (default .terrane/drift-ignore, if present).
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ImportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// The resource address to import into, like aws_vpc.main or null_resource.a[0].
    pub address: String,
    /// The provider-specific ID of the existing object.
    pub id: String,
}

#[derive(Debug, Subcommand)]
pub enum MetadataCommand {
    /// Show signatures and descriptions for the available functions.
    Functions(MetadataFunctionsArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct MetadataFunctionsArgs {
    /// Print the function signatures as JSON (required).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List workspaces.
    List,
    /// Show the name of the current workspace.
    Show,
    /// Create a new workspace and switch to it.
    New(WorkspaceNewArgs),
    /// Select a workspace.
    Select(WorkspaceSelectArgs),
    /// Delete a workspace.
    Delete(WorkspaceDeleteArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct WorkspaceNewArgs {
    #[command(flatten)]
    pub lock: LockArgs,
    pub name: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct WorkspaceSelectArgs {
    /// Create the workspace if it does not exist.
    #[arg(long)]
    pub or_create: bool,
    pub name: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct WorkspaceDeleteArgs {
    #[command(flatten)]
    pub lock: LockArgs,
    /// Delete even if the workspace still has resources in its state.
    #[arg(long)]
    pub force: bool,
    pub name: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct StateListArgs {
    /// Only list resources whose address starts with one of these.
    pub addresses: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct StateShowArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    pub address: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GraphArgs {
    /// plan, plan-refresh-only, plan-destroy or apply: the whole dependency graph instead
    /// of the resource graph.
    #[arg(long = "type", value_name = "TYPE")]
    pub graph_type: Option<String>,
    /// Draw the graph even when it has cycles, their edges in red (Terraform's
    /// -draw-cycles); without it a cycle is an error.
    #[arg(long)]
    pub draw_cycles: bool,
    /// The graph of applying this saved plan (the default type with a plan is apply).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<std::path::PathBuf>,
    /// dot (Graphviz's language, the default) or svg: the picture itself, drawn without
    /// Graphviz, the resources a saved plan (-plan) changes highlighted. A terrane
    /// extension.
    #[arg(long, value_name = "FORMAT", default_value = "dot")]
    pub format: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ForceUnlockArgs {
    /// Don't ask for confirmation.
    #[arg(long)]
    pub force: bool,
    pub lock_id: String,
}

/// `terrane fmt`'s flags, spelled and defaulted as Terraform's. Boolean flags take a
/// value only as `-flag=value` (as Go's flag package does), so `-check dir` keeps `dir` a
/// target.
#[derive(Debug, Args, Clone, Default)]
pub struct FmtArgs {
    /// List files whose formatting differs (-list=false to not).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true")]
    pub list: bool,
    /// Write the result to the source files (-write=false to not).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true")]
    pub write: bool,
    /// Display diffs of formatting changes.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub diff: bool,
    /// Check whether the input is formatted: exit 0 if all of it is, 3 otherwise.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub check: bool,
    /// Also process files in subdirectories.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub recursive: bool,
    /// Disable color in output.
    #[arg(long)]
    pub no_color: bool,
    /// Files or directories to format (default: the current directory); `-` reads
    /// standard input and writes the result to standard output.
    #[arg(value_name = "TARGET", allow_hyphen_values = true)]
    pub targets: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct VersionArgs {
    #[arg(long)]
    pub json: bool,
}

/// Rewrites Terraform's single-dash long flags (`-auto-approve`, `-var=x=1`) as clap's
/// double-dash form. Single letters and negative numbers are left alone.
pub fn normalize_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut after_separator = false;
    for (i, a) in args.into_iter().enumerate() {
        let s = a.to_string_lossy().to_string();
        if i == 0 || after_separator {
            out.push(a);
            continue;
        }
        if s == "--" {
            after_separator = true;
            out.push(a);
            continue;
        }
        let is_single_dash_long = s.starts_with('-')
            && !s.starts_with("--")
            && s.len() > 2
            && s[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic());
        if is_single_dash_long {
            out.push(OsString::from(format!("-{s}")));
        } else {
            out.push(a);
        }
    }
    out
}

/// The command line as parsed (after `TF_CLI_ARGS` and the flag rewriting), kept for
/// the options whose relative order matters (see [`VarArgs::in_order`]).
static ARGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

pub fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    let _ = ARGS.set(
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    );
    let matches = repeatable_flags(Cli::command()).try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// As Go's flag package, which Terraform parses with: a flag given twice is not an error,
/// the last one wins (`-no-color -no-color`, a `TF_CLI_ARGS` flag also on the command line).
fn repeatable_flags(c: clap::Command) -> clap::Command {
    c.args_override_self(true).mut_subcommands(repeatable_flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize_args(args.iter().map(OsString::from))
            .into_iter()
            .map(|s| s.to_string_lossy().to_string())
            .collect()
    }

    #[test]
    fn single_dash_flags_become_double() {
        assert_eq!(
            norm(&["terrane", "apply", "-auto-approve", "-var=a=-1", "-h"]),
            ["terrane", "apply", "--auto-approve", "--var=a=-1", "-h"]
        );
    }

    #[test]
    fn init_takes_terraforms_flags() {
        let cli = parse(normalize_args(
            [
                "terrane",
                "init",
                "-backend=false",
                "-get=false",
                "-upgrade",
                "-lockfile=readonly",
                "-plugin-dir=/p",
                "-input=false",
                "-no-color",
                "-json",
                "-reconfigure",
                "-force-copy",
            ]
            .map(OsString::from),
        ))
        .unwrap();
        let Command::Init(i) = cli.command else {
            panic!()
        };
        assert!(!i.backend && !i.get && i.json && i.reconfigure && i.force_copy);
        assert_eq!(i.upgrade, Some(true));
        assert_eq!(i.lockfile.as_deref(), Some("readonly"));
        assert_eq!(i.plugin_dir, [PathBuf::from("/p")]);
        assert!(!i.common.input);
    }

    #[test]
    fn plan_flags_parse() {
        let cli = parse(normalize_args(
            [
                "terrane",
                "plan",
                "-detailed-exitcode",
                "-refresh=false",
                "-out=p.tfplan",
                "-var",
                "x=1",
                "-lock=false",
            ]
            .map(OsString::from),
        ))
        .unwrap();
        let Command::Plan(p) = cli.command else {
            panic!()
        };
        assert!(p.detailed_exitcode);
        assert!(!p.planning.refresh);
        assert!(!p.planning.lock.lock);
        assert_eq!(p.planning.vars.vars, ["x=1"]);
    }
}
