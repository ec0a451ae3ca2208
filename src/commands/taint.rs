//! `terrane taint ADDRESS` / `terrane untaint ADDRESS`: mark a resource instance in state
//! as tainted (the next plan replaces it) or clear the mark, with Terraform's messages and
//! exit codes. Only the state changes; no remote object is touched.

use terrane_engine::addr::{InstanceAddr, Mode};
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::state::model::ObjectStatus;
use terrane_engine::state::{InstanceState, State};

use super::locked_state::{edit_state, Edit};
use crate::cli::{TaintArgs, TaintTarget};
use crate::output::{print_diagnostics, use_color};

/// Which of the two commands runs.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Taint,
    Untaint,
}

impl Mark {
    fn command(self) -> &'static str {
        match self {
            Mark::Taint => "taint",
            Mark::Untaint => "untaint",
        }
    }
}

pub async fn taint(a: TaintArgs) -> anyhow::Result<u8> {
    run(&a.target, Mark::Taint).await
}

pub async fn untaint(a: TaintTarget) -> anyhow::Result<u8> {
    run(&a, Mark::Untaint).await
}

async fn run(a: &TaintTarget, mark: Mark) -> anyhow::Result<u8> {
    let color = use_color(a.no_color);
    let fail = |d: Diagnostic| {
        print_diagnostics(&d.into(), color);
        Ok(1)
    };
    let expects = format!(
        "The {0} command expects exactly one argument: the address of the resource to {0}.",
        mark.command()
    );
    let given = match a.address.as_slice() {
        [one] => one,
        [] => return fail(Diagnostic::error("Required argument missing").detail(expects)),
        _ => return fail(Diagnostic::error("Too many command line arguments").detail(expects)),
    };
    let addr: InstanceAddr = match given.parse() {
        Ok(addr) => addr,
        Err(e) => return fail(Diagnostic::error("Invalid address").detail(e.to_string())),
    };
    if mark == Mark::Taint && addr.resource.mode == Mode::Data {
        eprintln!("Resource instance {addr} cannot be tainted");
        return Ok(1);
    }
    let operation = "OperationTypeInvalid";
    edit_state(&a.lock, operation, color, |_, state, _| {
        let outcome = apply(state, &addr, mark, a.allow_missing);
        if !outcome.diagnostics.is_empty() {
            print_diagnostics(&outcome.diagnostics, color);
        }
        match outcome.result {
            Err(()) => Err(()),
            Ok(None) => Ok(Edit::Keep),
            Ok(Some(message)) => {
                println!("{message}");
                Ok(Edit::Write)
            }
        }
    })
    .await
}

/// What a taint or untaint did to the state: the message to print when it changed it (or
/// would have: tainting a tainted instance says so again), and diagnostics.
struct Outcome {
    result: Result<Option<String>, ()>,
    diagnostics: Diagnostics,
}

fn apply(state: &mut State, addr: &InstanceAddr, mark: Mark, allow_missing: bool) -> Outcome {
    let missing = |detail: String| {
        if allow_missing {
            Outcome {
                result: Ok(None),
                diagnostics: Diagnostic::warning("No such resource instance")
                    .detail(format!("Resource instance {addr} was not found, but this is not an error because -allow-missing was set."))
                    .into(),
            }
        } else {
            Outcome {
                result: Err(()),
                diagnostics: Diagnostic::error("No such resource instance")
                    .detail(detail)
                    .into(),
            }
        }
    };
    if state.resources.iter().all(|r| r.instances.is_empty()) {
        return missing("The state currently contains no resource instances whatsoever. This may occur if the configuration has never been applied or if it has recently been destroyed.".into());
    }
    let Some(instance) = find(state, addr) else {
        return missing(format!("There is no resource instance in the state with the address {addr}. If the resource configuration has just been added, you must run \"terrane apply\" once to create the corresponding instance(s) before they can be tainted."));
    };
    match mark {
        Mark::Taint => {
            instance.status = Some(ObjectStatus::Tainted);
            Outcome {
                result: Ok(Some(format!(
                    "Resource instance {addr} has been marked as tainted."
                ))),
                diagnostics: Diagnostics::new(),
            }
        }
        Mark::Untaint if instance.status != Some(ObjectStatus::Tainted) => Outcome {
            result: Err(()),
            diagnostics: Diagnostic::error("Resource instance is not tainted")
                .detail(format!("Resource instance {addr} is not currently tainted, and so it cannot be untainted."))
                .into(),
        },
        Mark::Untaint => {
            instance.status = None;
            Outcome {
                result: Ok(Some(format!(
                    "Resource instance {addr} has been successfully untainted."
                ))),
                diagnostics: Diagnostics::new(),
            }
        }
    }
}

/// The current (not deposed) object of the instance at `addr`.
fn find<'s>(state: &'s mut State, addr: &InstanceAddr) -> Option<&'s mut InstanceState> {
    let wanted = addr.to_string();
    let (r, i) = state.resources.iter().enumerate().find_map(|(ri, r)| {
        r.instances
            .iter()
            .position(|i| i.deposed.is_none() && r.instance_address(i) == wanted)
            .map(|ii| (ri, ii))
    })?;
    Some(&mut state.resources[r].instances[i])
}
