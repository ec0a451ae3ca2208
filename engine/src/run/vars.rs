//! Input variable values, gathered with Terraform's precedence (lowest first): declared
//! default, `TF_VAR_name` environment variables, `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars` (and `.json`) in name order, then `-var` and
//! `-var-file` in command-line order. Then converted to the declared type and validated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{parse_file, span_of, Module};
use crate::diag::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::lang::{convert, eval, eval_constant, EvalContext, Scope, Subject, Type, Value};

/// One `-var` or `-var-file` argument, in the order given.
#[derive(Debug, Clone)]
pub enum CliVar {
    /// `-var 'name=value'`
    Var(String),
    /// `-var-file=path`
    File(PathBuf),
    /// A value already decoded (the variables of a saved plan).
    Value(String, Value),
}

/// A value before conversion, remembering where it came from for messages.
#[derive(Debug, Clone)]
enum Raw {
    /// From the command line or environment: a string, parsed as HCL only for complex types.
    Text(String, String),
    Value(Value, Option<Span>),
}

/// Resolves every declared variable's value.
///
/// # Errors
/// Unknown `-var` names, unparsable values, type mismatches, missing required values and
/// failed validation rules, all reported together.
pub fn resolve(
    module: &Module,
    cli: &[CliVar],
    env: &[(String, String)],
    dir: &Path,
) -> Result<BTreeMap<String, Value>, Diagnostics> {
    resolve_asking(module, cli, env, dir, &mut |_, _| None)
}

/// [`resolve`], asking `ask` for each required variable that nothing set, in name order,
/// as Terraform prompts for them. Its answer is read as a `-var` value is; `None` (no
/// answer) leaves the variable unset, which is then an error.
///
/// # Errors
/// As [`resolve`].
pub fn resolve_asking(
    module: &Module,
    cli: &[CliVar],
    env: &[(String, String)],
    dir: &Path,
    ask: &mut dyn FnMut(&str, &crate::config::Variable) -> Option<String>,
) -> Result<BTreeMap<String, Value>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut raw: BTreeMap<String, Raw> = BTreeMap::new();
    for (k, v) in env {
        if let Some(name) = k.strip_prefix("TF_VAR_") {
            if module.variables.contains_key(name) {
                raw.insert(
                    name.to_string(),
                    Raw::Text(v.clone(), format!("environment variable {k}")),
                );
            }
        }
    }
    let mut files: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect();
    let mut autos: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    autos.sort();
    files.extend(autos);
    for f in files {
        read_var_file(&f, module, &mut raw, &mut diags, false);
    }
    for c in cli {
        match c {
            CliVar::Var(s) => match s.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() => {
                    let name = name.trim();
                    if module.variables.contains_key(name) {
                        raw.insert(name.to_string(), Raw::Text(value.to_string(), format!("-var \"{name}=...\"")));
                    } else {
                        diags.push(Diagnostic::error("Value for undeclared variable").detail(format!("A variable named {name:?} was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration.")));
                    }
                }
                _ => diags.push(Diagnostic::error("Invalid -var option").detail(format!("The given -var option {s:?} is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\"."))),
            },
            CliVar::Value(name, v) => {
                raw.insert(name.clone(), Raw::Value(v.clone(), None));
            }
            CliVar::File(p) => {
                let p = if p.is_absolute() { p.clone() } else { dir.join(p) };
                if p.is_file() {
                    read_var_file(&p, module, &mut raw, &mut diags, true);
                } else {
                    diags.push(Diagnostic::error("Failed to read variables file").detail(format!("Given variables file {} does not exist.", p.display())));
                }
            }
        }
    }
    for (name, var) in &module.variables {
        if var.default.is_none() && !raw.contains_key(name) {
            if let Some(text) = ask(name, var) {
                raw.insert(name.clone(), Raw::Text(text, "the prompt".into()));
            }
        }
    }
    let mut out = BTreeMap::new();
    for (name, var) in &module.variables {
        let given = match raw.remove(name) {
            Some(Raw::Text(text, origin)) => {
                let complex =
                    !matches!(var.ty, Type::String | Type::Number | Type::Bool | Type::Any);
                if complex {
                    let file = SourceFile::new(format!("<value for var.{name}>"), text.clone());
                    match hcl_edit::parser::parse_expr(&text)
                        .map_err(|e| e.to_string())
                        .and_then(|mut e| {
                            crate::lang::heredoc::flush_expr(&mut e, &text);
                            eval_constant(&e, &file, dir).map_err(|d| d.summary)
                        }) {
                        Ok(v) => Some((v, None, origin)),
                        Err(e) => {
                            diags.push(
                                Diagnostic::error("Invalid value for input variable").detail(
                                    format!(
                                        "The value for var.{name} from {origin} is not valid: {e}"
                                    ),
                                ),
                            );
                            continue;
                        }
                    }
                } else {
                    Some((Value::String(text), None, origin))
                }
            }
            Some(Raw::Value(v, span)) => Some((v, span, "a variables file".to_string())),
            None => None,
        };
        let value = match given {
            Some((v, _, _)) if v.is_null() && !var.nullable => None,
            other => other,
        };
        let (value, span, origin) = match value {
            Some(v) => v,
            None => match &var.default {
                Some(d) => match eval_constant(&d.expr, &d.file, dir) {
                    Ok(v) => (v, d.span(), "its default".to_string()),
                    Err(e) => {
                        diags.push(e);
                        continue;
                    }
                },
                None => {
                    diags.push(
                        Diagnostic::error("No value for required variable")
                            .detail(format!("The root module input variable {name:?} is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable."))
                            .span(var.span.clone()),
                    );
                    continue;
                }
            },
        };
        let converted = match convert(&value, &var.ty) {
            Ok(v) => v,
            Err(why) => {
                diags.push(
                    Diagnostic::error("Invalid value for input variable")
                        .detail(format!(
                            "The value for var.{name} from {origin} is not suitable: {why}."
                        ))
                        .span(span.or_else(|| var.span.clone())),
                );
                continue;
            }
        };
        let converted = if var.sensitive && !converted.is_null() {
            converted.sensitive()
        } else {
            converted
        };
        diags.extend(validate(name, &converted, module, dir));
        out.insert(name.clone(), converted);
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

fn read_var_file(
    path: &Path,
    module: &Module,
    raw: &mut BTreeMap<String, Raw>,
    diags: &mut Diagnostics,
    explicit: bool,
) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error("Failed to read variables file")
                    .detail(format!("{}: {e}", path.display())),
            );
            return;
        }
    };
    let shown = path
        .file_name()
        .map_or_else(|| path.to_path_buf(), PathBuf::from);
    let file = SourceFile::new(
        if explicit { path.to_path_buf() } else { shown },
        text.clone(),
    );
    // `.tfvars.json` goes through the JSON syntax loader, so its errors have locations
    // and its values are evaluated the same way as native ones.
    let parsed = if crate::config::json::is_json(&file) {
        crate::config::json::parse_vars(&file, diags)
    } else {
        parse_file(&file, diags)
    };
    let Some((body, file)) = parsed else {
        return;
    };
    for a in body.attributes() {
        let name = a.key.as_str();
        if !module.variables.contains_key(name) {
            diags.push(undeclared_in_file(name, &file, span_of(&a.key, &file)));
            continue;
        }
        match eval_constant(&a.value, &file, path.parent().unwrap_or(Path::new("."))) {
            Ok(v) => {
                raw.insert(name.to_string(), Raw::Value(v, span_of(&a.value, &file)));
            }
            Err(d) => diags.push(d),
        }
    }
    for b in body.blocks() {
        diags.push(
            Diagnostic::error("Unexpected block in variables file")
                .detail("A variables file may contain only attribute definitions.")
                .span(span_of(&b.ident, &file)),
        );
    }
}

/// Terraform warns (not errors) about values for undeclared variables in files, since a
/// shared file may serve several configurations.
fn undeclared_in_file(name: &str, file: &Arc<SourceFile>, span: Option<Span>) -> Diagnostic {
    Diagnostic::warning("Value for undeclared variable")
        .detail(format!("The root module does not declare a variable named {name:?} but a value was found in file {:?}. If you meant to use this value, add a \"variable\" block to the configuration.", file.display_name()))
        .span(span)
}

/// Runs the validation rules of variable `name` of `module` against `value`.
pub fn validate(name: &str, value: &Value, module: &Module, dir: &Path) -> Diagnostics {
    struct VarScope<'a>(&'a str, &'a Value);
    impl Scope for VarScope<'_> {
        fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
            match s {
                Subject::Var(n) if n == self.0 => Ok(Arc::new(self.1.clone())),
                _ => Err(format!(
                    "A validation condition may only refer to var.{}.",
                    self.0
                )),
            }
        }
    }
    let mut diags = Diagnostics::new();
    let scope = VarScope(name, value);
    let ctx = EvalContext {
        scope: &scope,
        base_dir: dir,
    };
    for v in &module.variables[name].validations {
        match eval(&v.condition.expr, &v.condition.file, &ctx) {
            Ok(c) if c.is_unknown() => {}
            Ok(c) => match convert(&c, &Type::Bool).ok().and_then(|b| b.as_bool()) {
                Some(true) => {}
                Some(false) => {
                    let msg = eval(&v.error_message.expr, &v.error_message.file, &ctx)
                        .ok()
                        .and_then(|m| m.as_str().map(str::to_string))
                        .unwrap_or_else(|| "Validation failed.".into());
                    diags.push(
                        Diagnostic::error("Invalid value for variable")
                            .detail(format!(
                                "{msg}\n\nThis was checked by the validation rule at {}.",
                                v.condition
                                    .span()
                                    .map(|s| s.to_string())
                                    .unwrap_or_default()
                            ))
                            .span(module.variables[name].span.clone())
                            .value(format!("var.{name}"), value.describe()),
                    );
                }
                None => diags.push(
                    Diagnostic::error("Invalid validation result")
                        .detail("The condition must produce a bool.")
                        .span(v.condition.span()),
                ),
            },
            Err(d) => diags.push(d),
        }
    }
    diags
}
