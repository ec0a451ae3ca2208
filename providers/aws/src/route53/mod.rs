//! Route 53: `aws_route53_zone`, `aws_route53_record` and data `aws_route53_zone`. Route 53
//! is global (no `region` argument). Its changes are asynchronous: a create or change
//! answers with a change ID that is PENDING until the change reaches every name server, and
//! the Terraform provider waits for INSYNC before it calls the change done; so does terrane.

pub mod data;
pub mod record;
pub mod zone;

use aws_sdk_route53::types::ChangeStatus;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{wait_for, AwsResource, Timeout};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(zone::ZoneRes), Box::new(record::RecordRes)]
}

/// A zone ID without the `/hostedzone/` that the API puts before it.
pub fn clean_zone_id(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

/// A DNS name as Terraform keeps it: without the trailing dot the API adds, and with
/// the `*` that Route 53 answers as the octal escape `\052`.
pub fn clean_name(name: &str) -> String {
    name.trim_end_matches('.').replace("\\052", "*")
}

/// Waits until the change is INSYNC (GetChange), as the Terraform provider does after
/// every change to a zone or its records.
pub async fn wait_insync(c: &Clients, change_id: &str, t: Timeout) -> Result<(), AwsError> {
    let id = change_id.trim_start_matches("/change/");
    wait_for("Route 53 change", "INSYNC", t, || async {
        let out = c
            .route53
            .get()
            .await
            .get_change()
            .id(id)
            .send()
            .await
            .map_err(err("GetChange"))?;
        let status = out.change_info().map(|i| i.status().clone());
        Ok(match status {
            Some(ChangeStatus::Insync) => Ok(()),
            other => Err(other.map_or_else(|| "none".into(), |s| s.as_str().to_string())),
        })
    })
    .await
}
