//! `terrane console`: evaluates expressions against the configuration and the current
//! state — input variables, locals (evaluated when first used), and resources and data
//! sources as state records them. On a terminal it prompts for one expression a line;
//! otherwise, as scripts use it, it evaluates every line of standard input, stops at the
//! first error (exit 1) and prints the last result. With `-plan` it plans first, as
//! `terrane plan` would but silently, and evaluates against the planned values: what
//! only an apply can know prints as `(known after apply)`.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use terrane_engine::addr::{IndexKey, Mode, ResourceAddr};
use terrane_engine::config::Module;
use terrane_engine::diag::{Diagnostic, SourceFile};
use terrane_engine::lang::refs::Subject;
use terrane_engine::lang::{EvalContext, Scope, Value};
use terrane_engine::plan::PlanMode;
use terrane_engine::run::scope::InstanceScope;
use terrane_engine::run::Providers;
use terrane_engine::state::State;

use super::operation::{load_checked, prepare, provider_set};
use crate::cli::{ConsoleArgs, LockArgs, PlanningArgs};
use crate::output::{print_diagnostics, use_color};

/// The name diagnostics give the typed expression, as Terraform's.
const INPUT_NAME: &str = "<console-input>";

pub async fn run(a: ConsoleArgs) -> anyhow::Result<u8> {
    let color = use_color(a.common.no_color);
    if a.plan {
        return run_planned(a, color).await;
    }
    let Ok((module, _graph)) = load_checked(color) else {
        return Ok(1);
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let vars =
        match terrane_engine::run::vars::resolve(&module, &a.vars.in_order(), &env, Path::new("."))
        {
            Ok(v) => v,
            Err(d) => {
                print_diagnostics(&d, color);
                return Ok(1);
            }
        };
    let Ok(state) = super::show::read_state(color).await else {
        return Ok(1);
    };
    let providers = provider_set(&module);
    let scope = ConsoleScope {
        module: &module,
        vars: vars.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
        resources: resource_values(state.as_ref(), &providers),
        locals: Mutex::new(HashMap::new()),
        workspace: crate::setup::current_workspace(),
    };
    read_and_evaluate(&scope, color)
}

/// `-plan`: the planned values as a plan of the current configuration and state gives
/// them. The state lock is held only while planning, not for the whole session.
async fn run_planned(a: ConsoleArgs, color: bool) -> anyhow::Result<u8> {
    let planning = PlanningArgs {
        vars: a.vars,
        lock: LockArgs {
            lock: true,
            lock_timeout: "0s".to_string(),
        },
        refresh: true,
        parallelism: 10,
        ..PlanningArgs::default()
    };
    let Ok(mut p) = prepare(
        &a.common,
        &planning,
        PlanMode::Normal,
        "OperationTypePlan",
        Vec::new(),
    )
    .await?
    else {
        return Ok(1);
    };
    let (plan, diags, values) = terrane_engine::run::plan_values(&p.ctx, &p.state).await;
    p.unlock().await;
    print_diagnostics(&diags, color);
    if plan.is_none() {
        return Ok(1);
    }
    let scope = InstanceScope::plain(&values, &p.ctx.module);
    read_and_evaluate(&scope, color)
}

/// A prompt on a terminal; otherwise every line of standard input.
fn read_and_evaluate(scope: &dyn Scope, color: bool) -> anyhow::Result<u8> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        interactive(scope, color)
    } else {
        piped(scope, color, stdin.lock())
    }
}

/// Every line, stopping at the first error; prints only the last result, as Terraform.
fn piped(scope: &dyn Scope, color: bool, input: impl BufRead) -> anyhow::Result<u8> {
    let mut last = String::new();
    for line in input.lines() {
        let line = line?;
        let line = line.trim();
        if line == "exit" {
            return Ok(0);
        }
        match evaluate(scope, line) {
            Ok(text) => last = text,
            Err(d) => {
                print_diagnostics(&d.into(), color);
                return Ok(1);
            }
        }
    }
    println!("{last}");
    Ok(0)
}

fn interactive(scope: &dyn Scope, color: bool) -> anyhow::Result<u8> {
    let mut stdin = std::io::stdin().lock();
    loop {
        print!("> ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if stdin.read_line(&mut line)? == 0 {
            println!();
            return Ok(0);
        }
        let line = line.trim();
        if line == "exit" {
            return Ok(0);
        }
        match evaluate(scope, line) {
            Ok(text) => println!("{text}"),
            Err(d) => print_diagnostics(&d.into(), color),
        }
    }
}

/// One line's result as the console prints it; an empty line prints nothing.
fn evaluate(scope: &dyn Scope, line: &str) -> Result<String, Diagnostic> {
    if line.is_empty() {
        return Ok(String::new());
    }
    let file = SourceFile::new(INPUT_NAME, line);
    let mut expr = hcl_edit::parser::parse_expr(line).map_err(|e| {
        Diagnostic::error("Invalid expression")
            .detail(e.message().to_string())
            .span(Some(terrane_engine::diag::Span::new(&file, 0..line.len())))
    })?;
    terrane_engine::lang::heredoc::flush_expr(&mut expr, line);
    let ctx = EvalContext {
        scope,
        base_dir: Path::new("."),
    };
    let v = terrane_engine::lang::eval(&expr, &file, &ctx)?;
    Ok(display(&v))
}

/// A value as the console shows it: strings with newlines as heredocs, everything else
/// as `terrane output` prints it (collections named by kind: `tolist([...])`).
fn display(v: &Value) -> String {
    match v {
        Value::String(s) if s.contains('\n') => {
            format!("<<EOT\n{}\nEOT", s.strip_suffix('\n').unwrap_or(s))
        }
        _ => super::output::output_value(v, None, 0),
    }
}

/// Every resource in state as a reference to it evaluates: one object, or a tuple
/// (count) or object (for_each) of objects, decoded with its provider's schema.
fn resource_values(
    state: Option<&State>,
    providers: &Providers,
) -> HashMap<ResourceAddr, Arc<Value>> {
    let mut out = HashMap::new();
    for r in state.iter().flat_map(|s| &s.resources) {
        if r.module.as_deref().is_some_and(|m| !m.is_empty()) {
            continue;
        }
        let mode = if r.mode == "data" {
            Mode::Data
        } else {
            Mode::Managed
        };
        let decode = |i: &terrane_engine::state::InstanceState| match providers.schema(mode, &r.ty)
        {
            Some(s) => terrane_engine::run::values::instance_value(i, &s.block),
            None => Value::from_json(&i.attributes.to_json()),
        };
        let current: Vec<_> = r.instances.iter().filter(|i| i.deposed.is_none()).collect();
        let value = match current.first().and_then(|i| i.index_key.as_ref()) {
            None => current.first().map_or(Value::Null, |i| decode(i)),
            Some(IndexKey::Int(_)) => {
                let mut items: Vec<_> = current.iter().collect();
                items.sort_by_key(|i| i.index_key.clone());
                Value::Tuple(items.into_iter().map(|i| decode(i)).collect())
            }
            Some(IndexKey::Str(_)) => Value::Object(
                current
                    .iter()
                    .filter_map(|i| match &i.index_key {
                        Some(IndexKey::Str(k)) => Some((k.clone(), decode(i))),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        out.insert(ResourceAddr::new(mode, &r.ty, &r.name), Arc::new(value));
    }
    out
}

/// What names resolve to in the console: the root module's view of the state.
struct ConsoleScope<'a> {
    module: &'a Module,
    vars: HashMap<String, Arc<Value>>,
    resources: HashMap<ResourceAddr, Arc<Value>>,
    /// Locals evaluated so far (each on first use; the graph check ruled out cycles).
    locals: Mutex<HashMap<String, Arc<Value>>>,
    workspace: String,
}

impl Scope for ConsoleScope<'_> {
    fn resolve(&self, subject: &Subject) -> Result<Arc<Value>, String> {
        let m = self.module;
        match subject {
            Subject::Var(n) => self.vars.get(n).cloned().ok_or_else(|| {
                format!("An input variable with the name {n:?} has not been declared. This variable can be declared with a variable {n:?} {{}} block.")
            }),
            Subject::Local(n) => self.local(n),
            Subject::Resource(a) => match self.resources.get(a) {
                Some(v) => Ok(v.clone()),
                None if m.resources.contains_key(a) => Ok(Arc::new(Value::Unknown)),
                None => Err(format!("A managed resource {a} has not been declared in the root module.")),
            },
            Subject::Module(n) => match m.children.get(n) {
                Some(child) => Ok(Arc::new(Value::Object(
                    child.outputs.keys().map(|o| (o.clone(), Value::Unknown)).collect(),
                ))),
                None => Err(format!("No module call named {n:?} is declared in the root module.")),
            },
            Subject::Path(p) => Ok(Arc::new(Value::string(match p.as_str() {
                "cwd" => std::env::current_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
                _ => ".".to_string(),
            }))),
            Subject::TerraformWorkspace => Ok(Arc::new(Value::string(self.workspace.clone()))),
            Subject::CountIndex | Subject::EachKey | Subject::EachValue | Subject::SelfObject => {
                Err("This name is only available inside a resource or module block.".into())
            }
            Subject::Bound(n) => Err(format!("{n:?} is not in scope here.")),
        }
    }
}

impl ConsoleScope<'_> {
    fn local(&self, name: &str) -> Result<Arc<Value>, String> {
        if let Some(v) = self.locals.lock().expect("lock poisoned").get(name) {
            return Ok(v.clone());
        }
        let Some(local) = self.module.locals.get(name) else {
            return Err(format!(
                "A local value with the name {name:?} has not been declared."
            ));
        };
        let ctx = EvalContext {
            scope: self,
            base_dir: &self.module.dir,
        };
        let v = terrane_engine::lang::eval(&local.value.expr, &local.value.file, &ctx)
            .map_err(|d| d.detail.unwrap_or(d.summary))?;
        let v = Arc::new(v);
        self.locals
            .lock()
            .expect("lock poisoned")
            .insert(name.to_string(), v.clone());
        Ok(v)
    }
}
