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

/// A DNS name as Terraform keeps it and Route 53 answers it: lower case, without the
/// trailing dot, and with every character other than a-z, 0-9, `-`, `_` and `.` as the
/// octal escape Route 53 uses (`*` is `\052`); escapes already written are kept.
pub fn clean_name(name: &str) -> String {
    let name = name.strip_suffix('.').unwrap_or(name).to_lowercase();
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let rest: String = chars.clone().take(3).collect();
                out.push('\\');
                if rest.len() == 3 && rest.bytes().all(|b| b.is_ascii_digit()) {
                    out.push_str(&rest);
                    chars.nth(2);
                }
            }
            'a'..='z' | '0'..='9' | '-' | '_' | '.' => out.push(c),
            other => out.push_str(&format!("\\{:03o}", u32::from(other))),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn names_take_route53s_form() {
        assert_eq!(clean_name("WWW.Example.com."), "www.example.com");
        assert_eq!(clean_name("*.example.com"), "\\052.example.com");
        assert_eq!(clean_name("\\052.example.com."), "\\052.example.com");
        assert_eq!(clean_name("_acme-challenge.x"), "_acme-challenge.x");
    }
}
