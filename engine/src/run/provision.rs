//! Provisioners: the `local-exec` commands a resource runs after its object is created, or
//! (`when = destroy`) before it is destroyed. Output is streamed line by line through the
//! apply observer as it is printed, as Terraform does; the caller decides what a failure
//! means for the object (a failed create-time provisioner taints it).

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;

use super::observer::{ApplyEvent, ApplyObserver};
use super::scope::{InstanceScope, Values};
use super::values::decode_body;
use crate::addr::{IndexKey, InstanceAddr};
use crate::config::{Module, Provisioner, ProvisionerWhen, Resource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::value::quote;
use crate::lang::{EvalContext, Type, Value};
use crate::provider::{AttributeSchema, BlockSchema};

/// How much of a failed command's output the error message repeats (Terraform's 8 KiB).
const OUTPUT_TAIL: usize = 8 * 1024;

/// The object a provisioner runs for, and what its configuration can see.
pub(super) struct Target<'a> {
    pub addr: &'a InstanceAddr,
    pub module: &'a Module,
    pub resource: &'a Resource,
    pub values: &'a Values,
    /// `each.value` of a create-time provisioner (destroy-time ones see only `each.key`).
    pub each: Option<Value>,
    /// `self`: the new object after a create, the last known one before a destroy.
    pub object: &'a Value,
}

/// Runs the target's provisioners of kind `when`, in order. A failure stops the run
/// unless that provisioner says `on_failure = continue`.
///
/// # Errors
/// Configuration errors, and failed commands of provisioners that do not continue.
pub(super) async fn run(
    t: &Target<'_>,
    when: ProvisionerWhen,
    observer: &dyn ApplyObserver,
) -> Result<(), Diagnostics> {
    for p in t.resource.provisioners.iter().filter(|p| p.when == when) {
        let config = evaluate(t, p, when)?;
        observer.event(ApplyEvent::Provisioning {
            addr: t.addr,
            provisioner: &p.kind,
        });
        let sensitive = config.contains_sensitive();
        let emit = |text: &str| {
            if sensitive {
                observer.event(ApplyEvent::ProvisionOutput {
                    addr: t.addr,
                    provisioner: &p.kind,
                    line: "(output suppressed due to sensitive value in config)",
                });
                return;
            }
            for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
                observer.event(ApplyEvent::ProvisionOutput {
                    addr: t.addr,
                    provisioner: &p.kind,
                    line,
                });
            }
        };
        let result = local_exec(&config.unmark_deep().0, emit).await;
        observer.event(ApplyEvent::Provisioned {
            addr: t.addr,
            provisioner: &p.kind,
            ok: result.is_ok(),
        });
        if let Err(detail) = result {
            if p.continue_on_failure {
                continue;
            }
            let (summary, detail) = detail;
            return Err(Diagnostic::error(summary)
                .detail(detail)
                .span(p.span.clone())
                .address(t.addr.to_string())
                .into());
        }
    }
    Ok(())
}

/// Whether the resource has provisioners of kind `when` (so callers skip the work).
pub(super) fn has(r: &Resource, when: ProvisionerWhen) -> bool {
    r.provisioners.iter().any(|p| p.when == when)
}

/// Checks every provisioner's arguments against `local-exec`'s (for `validate`).
pub(super) fn validate(r: &Resource, ctx: &EvalContext<'_>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for p in &r.provisioners {
        if let Err(d) = decode_body(&p.body, &local_exec_schema(), ctx, p.span.clone()) {
            diags.extend(d);
        }
    }
    diags
}

/// The provisioner's arguments, evaluated in the resource instance's scope with `self`.
fn evaluate(t: &Target<'_>, p: &Provisioner, when: ProvisionerWhen) -> Result<Value, Diagnostics> {
    let path = &t.addr.resource.module;
    let mut scope =
        InstanceScope::at(t.values, t.module, path).with_key(&t.addr.key, t.each.clone());
    if let (ProvisionerWhen::Destroy, Some(IndexKey::Str(k))) = (when, &t.addr.key) {
        // Only `each.key` may be used at destroy time (checked when loading).
        scope.each = Some((k.clone(), Value::Null));
    }
    scope.self_object = Some(Arc::new(t.object.clone()));
    let ectx = EvalContext {
        scope: &scope,
        base_dir: &t.module.dir,
    };
    let config = decode_body(&p.body, &local_exec_schema(), &ectx, p.span.clone())?;
    if config.contains_unknown() {
        return Err(Diagnostic::error("Invalid provisioner configuration")
            .detail("The provisioner's arguments depend on values that are not known yet; a provisioner runs only with known values.")
            .span(p.span.clone())
            .into());
    }
    Ok(config)
}

/// The arguments of Terraform's `local-exec` provisioner.
fn local_exec_schema() -> BlockSchema {
    let optional = AttributeSchema::optional;
    BlockSchema {
        attributes: [
            ("command", AttributeSchema::required(Type::String)),
            ("interpreter", optional(Type::List(Box::new(Type::String)))),
            ("working_dir", optional(Type::String)),
            ("environment", optional(Type::Map(Box::new(Type::String)))),
            ("quiet", optional(Type::Bool)),
        ]
        .into_iter()
        .map(|(k, a)| (k.to_string(), a))
        .collect(),
        blocks: Default::default(),
    }
}

/// Runs the command of a decoded `local-exec` configuration, passing each piece of output
/// to `emit`. `Err` holds the summary and detail of the failure.
async fn local_exec(config: &Value, emit: impl Fn(&str)) -> Result<(), (String, String)> {
    let text = |name: &str| {
        config
            .get_attr(name)
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let command = text("command").unwrap_or_default();
    if command.is_empty() {
        return Err((
            "Invalid local-exec provisioner command".into(),
            "The command must be a non-empty string.".into(),
        ));
    }
    let mut args: Vec<String> = match config.get_attr("interpreter") {
        Some(Value::List(items)) if !items.is_empty() => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ if cfg!(windows) => vec!["cmd".into(), "/C".into()],
        _ => vec!["/bin/sh".into(), "-c".into()],
    };
    args.push(command.clone());
    let env: Vec<(String, String)> = match config.get_attr("environment") {
        Some(Value::Map(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => Vec::new(),
    };
    if config.get_attr("quiet") == Some(&Value::Bool(true)) {
        emit("local-exec: Executing: Suppressed by quiet=true");
    } else {
        let quoted: Vec<String> = args.iter().map(|a| quote(a)).collect();
        emit(&format!("Executing: [{}]", quoted.join(" ")));
    }
    let failed = |why: String, output: &[u8]| {
        (
            "local-exec provisioner error".to_string(),
            format!(
                "Error running command '{command}': {why}. Output: {}",
                String::from_utf8_lossy(output)
            ),
        )
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let dir = text("working_dir").filter(|d| !d.is_empty());
    let job = tokio::task::spawn_blocking(move || execute(&args, &env, dir.as_deref(), &tx));
    while let Some(piece) = rx.recv().await {
        emit(&piece);
    }
    match job.await {
        Ok(Ok((status, _))) if status.success() => Ok(()),
        Ok(Ok((status, tail))) => Err(failed(exit_text(status), &tail)),
        Ok(Err(why)) => Err(failed(why, &[])),
        Err(e) => Err(failed(e.to_string(), &[])),
    }
}

/// Runs `args` with stdout and stderr on one pipe (as Terraform does, so the lines keep
/// their order), sending each line to `tx` as it arrives. Returns the exit status and the
/// last [`OUTPUT_TAIL`] bytes of output.
fn execute(
    args: &[String],
    env: &[(String, String)],
    dir: Option<&str>,
    tx: &tokio::sync::mpsc::UnboundedSender<String>,
) -> Result<(ExitStatus, Vec<u8>), String> {
    let (reader, writer) =
        std::io::pipe().map_err(|e| format!("failed to initialize pipe for output: {e}"))?;
    let stderr = writer
        .try_clone()
        .map_err(|e| format!("failed to initialize pipe for output: {e}"))?;
    let mut cmd = Command::new(&args[0]);
    cmd.args(&args[1..])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(stderr);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let spawned = cmd.spawn();
    // The Command holds the pipe's write ends; drop them so the read below ends when the
    // child (and anything it started) closes its copies.
    drop(cmd);
    let mut child = spawned.map_err(|e| spawn_error(&args[0], dir, &e))?;
    let mut tail: Vec<u8> = Vec::new();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                tail.extend_from_slice(&line);
                if tail.len() > OUTPUT_TAIL {
                    tail.drain(..tail.len() - OUTPUT_TAIL);
                }
                // The receiver only goes away if the apply is abandoned.
                let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status, tail))
}

/// Go's wording for a command that could not start, which Terraform shows.
fn spawn_error(program: &str, dir: Option<&str>, e: &std::io::Error) -> String {
    let os = e.to_string();
    let os = os.split(" (os error").next().unwrap_or(&os).to_lowercase();
    match dir {
        Some(d) if !std::path::Path::new(d).is_dir() => format!("chdir {d}: {os}"),
        _ if e.kind() == std::io::ErrorKind::NotFound && !program.contains('/') => {
            format!("exec: {program:?}: executable file not found in $PATH")
        }
        _ => format!("fork/exec {program}: {os}"),
    }
}

/// Go's `ExitError` text: `exit status 4`, `signal: killed`.
fn exit_text(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                1 => "hangup".to_string(),
                2 => "interrupt".to_string(),
                3 => "quit".to_string(),
                6 => "aborted".to_string(),
                9 => "killed".to_string(),
                11 => "segmentation fault".to_string(),
                13 => "broken pipe".to_string(),
                15 => "terminated".to_string(),
                n => format!("signal {n}"),
            };
            return format!("signal: {name}");
        }
    }
    status.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_shown_as_go_quotes_them() {
        assert_eq!(quote("echo \"hi\"\tthere\n"), r#""echo \"hi\"\tthere\n""#);
        assert_eq!(quote("a\u{1}b"), r#""a\x01b""#);
        assert_eq!(quote("straße"), "\"straße\"");
    }
}
