//! `terrane plan`: show what apply would do; `-out` saves it for an approved apply;
//! `-detailed-exitcode` returns 2 when there are changes.

use terrane_engine::plan::file::{
    config_hash, PlanFile, StoredValue, PLAN_FORMAT, PLAN_FORMAT_VERSION,
};
use terrane_engine::plan::render::{render_plan, Style};
use terrane_engine::plan::{Plan, PlanMode};

use super::operation::{prepare, Prepared};
use crate::cli::PlanArgs;

pub async fn run(a: PlanArgs) -> anyhow::Result<u8> {
    let mode = if a.destroy {
        PlanMode::Destroy
    } else {
        PlanMode::Normal
    };
    if a.planning.json {
        crate::json_ui::enable();
    }
    let Ok(mut p) = prepare(
        &a.common,
        &a.planning,
        mode,
        "OperationTypePlan",
        Vec::new(),
    )
    .await?
    else {
        return Ok(1);
    };
    if a.planning.json {
        p.start_json_output();
    } else if !a.markdown {
        p.start_human_output();
    }
    let Some(plan) = p.plan_only().await else {
        return Ok(1);
    };
    // Markdown and JSON are for machines to post: only the document goes to stdout.
    let document = a.planning.json || a.markdown;
    if a.planning.json {
        crate::json_ui::plan(&plan);
    } else if a.markdown {
        print!(
            "{}",
            crate::markdown::render(&plan, p.ctx.providers.as_ref())
        );
    } else {
        print!(
            "{}",
            render_plan(&plan, p.ctx.providers.as_ref(), Style { color: p.color })
        );
    }
    // A wrapper running terrane gives its own next steps (TF_IN_AUTOMATION).
    let in_automation = crate::environment::in_automation();
    if let Some(out) = &a.out {
        let file = plan_file(&p, &plan, &a.planning.target, &a.planning.replace);
        let bytes = serde_json::to_vec_pretty(&file)?;
        if let Err(e) = write_atomic(out, &bytes) {
            p.unlock().await;
            anyhow::bail!("failed to write the plan file {}: {e}", out.display());
        }
        let saved = format!("\n─────────────────────────────────────────────────────────────────────────────\n\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    terrane apply {:?}", out.display(), out.display().to_string());
        // Terraform's JSON stream says nothing of the saved file.
        if a.planning.json {
        } else if document {
            eprintln!("{saved}");
        } else if !in_automation {
            println!("{saved}");
        }
    } else if plan.has_changes() && !document && !in_automation {
        println!("\n─────────────────────────────────────────────────────────────────────────────\n\nNote: You didn't use the -out option to save this plan, so terrane can't\nguarantee to take exactly these actions if you run \"terrane apply\" now.");
    }
    p.unlock().await;
    let code = if a.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    };
    // The process ends next: freeing every object of a large plan one by one would only
    // cost time (a twentieth of a no-op plan of 10,000 resources).
    std::mem::forget(plan);
    Ok(code)
}

/// The saved form of `plan`, tied to the state and configuration it was made from.
pub fn plan_file(p: &Prepared, plan: &Plan, targets: &[String], replace: &[String]) -> PlanFile {
    let has_state = p.etag.is_some();
    PlanFile {
        format: PLAN_FORMAT.to_string(),
        format_version: PLAN_FORMAT_VERSION,
        terrane_version: env!("CARGO_PKG_VERSION").to_string(),
        mode: plan.mode.clone(),
        workspace: p.workspace.clone(),
        // The plan's prior state keeps the lineage and serial of the state it was made from.
        lineage: has_state.then(|| plan.prior_state.lineage.clone()),
        serial: has_state.then_some(plan.prior_state.serial),
        config_hash: module_hash(&p.ctx.module),
        // Ephemeral variables are never written to a plan file (as in Terraform): the
        // apply reads them again from the environment or tfvars files.
        variables: plan
            .variables
            .iter()
            .filter(|(k, _)| !p.ctx.module.variables.get(*k).is_some_and(|v| v.ephemeral))
            .map(|(k, v)| (k.clone(), StoredValue::from_value(v)))
            .collect(),
        targets: targets.to_vec(),
        replace: replace.to_vec(),
        changes: PlanFile::changes_of(plan),
        drift: PlanFile::drift_of(plan),
        outputs: PlanFile::outputs_of(plan),
        timestamp: Some(terrane_engine::lang::functions::plan_time()),
        relevant_attributes: plan.relevant_attributes.clone(),
    }
}

pub fn module_hash(m: &terrane_engine::config::Module) -> String {
    let names: Vec<String> = m.files.iter().map(|f| f.display_name()).collect();
    config_hash(
        names
            .iter()
            .zip(&m.files)
            .map(|(n, f)| (n.as_str(), f.text.as_str())),
    )
}

/// Writes a file so that readers never see it half-written.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("plan")
    ));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
