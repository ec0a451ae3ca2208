//! Modules: local sources, nested calls, count/for_each on module blocks, inputs and
//! outputs across module boundaries, module addresses in state, and destroy ordering.

mod common;

use common::{put, Quiet};
use std::path::Path;
use std::sync::Arc;

use terrane_engine::plan::{Action, PlanMode};
use terrane_engine::provider::Provider;
use terrane_engine::run::{self, Context, Options, Providers};
use terrane_engine::state::State;
use terrane_provider_builtin::{NullProvider, TerraformProvider};

fn context(dir: &Path, vars: &[&str]) -> Result<Context, String> {
    let (module, d) = terrane_engine::config::load_dir(dir);
    if d.has_errors() {
        return Err(format!("{d:?}"));
    }
    let graph = terrane_engine::graph::build(&module).map_err(|d| format!("{d:?}"))?;
    let cli: Vec<run::vars::CliVar> = vars
        .iter()
        .map(|v| run::vars::CliVar::Var((*v).to_string()))
        .collect();
    let variables = run::vars::resolve(&module, &cli, &[], dir).map_err(|d| format!("{d:?}"))?;
    let providers: Vec<Arc<dyn Provider>> = vec![
        Arc::new(NullProvider::new()),
        Arc::new(TerraformProvider::new()),
    ];
    Ok(Context {
        module: Arc::new(module),
        graph,
        providers: Arc::new(Providers::new(providers)),
        variables,
        options: Options {
            mode: PlanMode::Normal,
            ..Options::default()
        },
    })
}

async fn apply(ctx: &Context, state: &State) -> State {
    let (plan, d) = run::plan(ctx, state).await;
    let (mut s, d2) = run::apply(ctx, &plan.unwrap_or_else(|| panic!("{d:?}")), &Quiet).await;
    assert!(d2.is_empty(), "{d2:?}");
    s.serial += 1;
    s
}

fn addresses(s: &State) -> Vec<String> {
    let mut v: Vec<String> = s
        .resources
        .iter()
        .flat_map(|r| r.instances.iter().map(move |i| r.instance_address(i)))
        .collect();
    v.sort();
    v
}

fn fixture(dir: &Path) {
    put(
        dir,
        "main.tf",
        r#"
variable "names" { type = list(string) }
module "pet" {
  source   = "./modules/pet"
  for_each = toset(var.names)
  name     = each.key
}
module "counted" {
  source = "./modules/pet"
  count  = 1
  name   = "n${count.index}"
  prefix = "x"
}
output "greetings" { value = { for k, m in module.pet : k => m.greeting } }
output "counted"   { value = module.counted[0].greeting }
"#,
    );
    put(
        dir,
        "modules/pet/main.tf",
        r#"
variable "name" { type = string }
variable "prefix" {
  type    = string
  default = "dr"
}
resource "terraform_data" "pet" { input = "${var.prefix} ${var.name}" }
module "shout" {
  source = "../shout"
  value  = terraform_data.pet.output
}
output "greeting" { value = module.shout.loud }
"#,
    );
    put(
        dir,
        "modules/shout/main.tf",
        r#"
variable "value" { type = string }
resource "null_resource" "echo" { triggers = { v = var.value } }
output "loud" { value = upper(var.value) }
"#,
    );
}

#[tokio::test]
async fn nested_modules_with_for_each_apply_converge_and_shrink() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let ctx = context(dir.path(), &["names=[\"ada\",\"bob\"]"]).unwrap();
    let state = apply(&ctx, &State::new()).await;
    assert_eq!(
        addresses(&state),
        [
            "module.counted[0].module.shout.null_resource.echo",
            "module.counted[0].terraform_data.pet",
            "module.pet[\"ada\"].module.shout.null_resource.echo",
            "module.pet[\"ada\"].terraform_data.pet",
            "module.pet[\"bob\"].module.shout.null_resource.echo",
            "module.pet[\"bob\"].terraform_data.pet",
        ]
    );
    assert_eq!(
        state.outputs["greetings"].value,
        serde_json::json!({"ada": "DR ADA", "bob": "DR BOB"})
    );
    assert_eq!(state.outputs["counted"].value, "X N0");
    // A child's resources record their direct dependency with its module path.
    let echo = state
        .resources
        .iter()
        .find(|r| r.module.as_deref() == Some("module.pet[\"ada\"].module.shout"))
        .unwrap();
    assert_eq!(
        echo.instances[0].dependencies,
        ["module.pet.terraform_data.pet"]
    );

    let (plan, _) = run::plan(&ctx, &state).await;
    assert!(
        !plan.unwrap().has_changes(),
        "a converged module tree plans no changes"
    );

    // Dropping a for_each key destroys that module instance, innermost first.
    let ctx = context(dir.path(), &["names=[\"ada\"]"]).unwrap();
    let (plan, _) = run::plan(&ctx, &state).await;
    let plan = plan.unwrap();
    let deletes: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.addr.to_string())
        .collect();
    assert_eq!(
        deletes,
        [
            "module.pet[\"bob\"].terraform_data.pet",
            "module.pet[\"bob\"].module.shout.null_resource.echo"
        ]
    );
    let state = apply(&ctx, &state).await;
    assert_eq!(addresses(&state).len(), 4);
}

#[tokio::test]
async fn module_arguments_are_checked_against_the_child_variables() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    put(
        dir.path(),
        "extra.tf",
        "module \"bad\" {\n  source = \"./modules/pet\"\n  nmae   = \"x\"\n}\n",
    );
    let err = context(dir.path(), &["names=[]"]).err().unwrap();
    assert!(
        err.contains("An argument named \\\"nmae\\\" is not expected here"),
        "{err}"
    );
    assert!(err.contains("did you mean \\\"name\\\"?"), "{err}");
    assert!(
        err.contains("The argument \\\"name\\\" is required by module \\\"bad\\\""),
        "{err}"
    );
}

#[tokio::test]
async fn remote_modules_must_be_installed_first() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "main.tf",
        r#"module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
}

module "consul" {
  source = "git::https://example.com/consul.git?ref=v1.2.0"
}
module "gh" {
  source = "github.com/hashicorp/example"
}
module "zip" {
  source = "https://example.com/vpc-module.zip"
}
module "bucket" {
  source = "s3::https://s3-eu-west-1.amazonaws.com/examplecorp/vpc.zip"
}
module "local" {
  source = "./modules/here"
}
"#,
    );
    put(
        dir.path(),
        "modules/here/main.tf",
        "output \"ok\" { value = 1 }\n",
    );
    let (m, d) = terrane_engine::config::load_dir(dir.path());
    let errors: Vec<(String, (usize, usize))> = d
        .iter()
        .filter(|d| d.summary == "Module not installed")
        .map(|d| {
            (
                d.detail.clone().unwrap_or_default(),
                d.span.as_ref().unwrap().line_col(),
            )
        })
        .collect();
    let not_installed = "This module is not yet installed. Run \"terrane init\" to install all modules required by this configuration.".to_string();
    let lines: Vec<usize> = errors.iter().map(|(_, (l, _))| *l).collect();
    assert_eq!(lines, [15, 6, 9, 1, 12]);
    assert!(
        errors.iter().all(|(d, _)| *d == not_installed),
        "{errors:?}"
    );
    assert_eq!(d.iter().filter(|d| d.is_error()).count(), 5, "{d:?}");
    assert!(m.children.contains_key("local"), "local sources still load");
}

#[tokio::test]
async fn version_on_a_local_module_source_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "main.tf",
        "module \"x\" {\n  source  = \"./m\"\n  version = \"1.0.0\"\n}\n",
    );
    put(dir.path(), "m/main.tf", "");
    let (_, d) = terrane_engine::config::load_dir(dir.path());
    let e = d
        .iter()
        .find(|d| d.summary == "Invalid registry module source address")
        .expect("an error");
    assert_eq!(e.span.as_ref().unwrap().line_col(), (1, 1));
}

/// The web stack's shape: the app module's security group feeds the database module,
/// whose address feeds back into the app's environment. Terraform orders references by
/// output, so this is no cycle; depending on every output of a module would make it one.
#[tokio::test]
async fn modules_feeding_each_other_through_different_outputs_are_no_cycle() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "modules/app/main.tf",
        r#"
variable "db_address" {}
resource "terraform_data" "sg" { input = "sg-app" }
resource "terraform_data" "service" { input = "service talks to ${var.db_address}" }
output "sg" { value = terraform_data.sg.output }
output "service" { value = terraform_data.service.output }
"#,
    );
    put(
        dir.path(),
        "modules/db/main.tf",
        r#"
variable "allowed" {}
resource "terraform_data" "db" { input = "db allowing ${var.allowed}" }
output "address" { value = "db.internal" }
output "rule" { value = terraform_data.db.output }
"#,
    );
    put(
        dir.path(),
        "main.tf",
        r#"
module "app" {
  source     = "./modules/app"
  db_address = module.db.address
}
module "db" {
  source  = "./modules/db"
  allowed = module.app.sg
}
output "service" { value = module.app.service }
output "rule" { value = module.db.rule }
"#,
    );
    let ctx = context(dir.path(), &[]).unwrap();
    let state = apply(&ctx, &State::new()).await;
    let out = |n: &str| state.outputs[n].value.clone();
    assert_eq!(
        out("service"),
        serde_json::json!("service talks to db.internal")
    );
    assert_eq!(out("rule"), serde_json::json!("db allowing sg-app"));

    // A real cycle through the same outputs is still one.
    put(
        dir.path(),
        "modules/db/main.tf",
        r#"
variable "allowed" {}
output "address" { value = var.allowed }
"#,
    );
    put(
        dir.path(),
        "modules/app/main.tf",
        r#"
variable "db_address" {}
output "sg" { value = var.db_address }
"#,
    );
    put(
        dir.path(),
        "main.tf",
        r#"
module "app" {
  source     = "./modules/app"
  db_address = module.db.address
}
module "db" {
  source  = "./modules/db"
  allowed = module.app.sg
}
"#,
    );
    let err = context(dir.path(), &[]).err().unwrap();
    assert!(err.contains("Cycle"), "{err}");
}

#[tokio::test]
async fn providers_passed_to_modules_are_used_inside_them() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "main.tf",
        r#"
provider "terraform" {
  alias = "two"
}
module "passed" {
  source    = "./m"
  providers = { terraform = terraform.two }
}
module "inherited" {
  source = "./m"
}
"#,
    );
    put(
        dir.path(),
        "m/main.tf",
        "resource \"terraform_data\" \"x\" {\n  input = 1\n}\n",
    );
    let mut ctx = context(dir.path(), &[]).unwrap();
    let factories: Vec<run::ProviderFactory> = vec![Arc::new(|| {
        Arc::new(TerraformProvider::new()) as Arc<dyn Provider>
    })];
    ctx.providers = Arc::new(Providers::for_module(&factories, &ctx.module));
    let state = apply(&ctx, &State::new()).await;
    let providers: Vec<(String, String)> = state
        .resources
        .iter()
        .map(|r| (r.module.clone().unwrap_or_default(), r.provider.clone()))
        .collect();
    assert_eq!(
        providers,
        [
            (
                "module.inherited".to_string(),
                "provider[\"terraform.io/builtin/terraform\"]".to_string()
            ),
            (
                "module.passed".to_string(),
                "provider[\"terraform.io/builtin/terraform\"].two".to_string()
            ),
        ]
    );
    let (again, d) = run::plan(&ctx, &state).await;
    assert!(!again.unwrap_or_else(|| panic!("{d:?}")).has_changes());
}
