//! ACM: `aws_acm_certificate` (a certificate Amazon issues, validated by DNS or email, or
//! issued by a private CA) and `aws_acm_certificate_validation` (waits until the
//! certificate is ISSUED, after the validation records exist). A certificate's ID and
//! import ID are its ARN. Importing a certificate body (`certificate_body`,
//! `private_key`) and `early_renewal_duration` are not supported yet.
//!
//! moto: a requested certificate is PENDING_VALIDATION until `MOTO_ACM_VALIDATION_WAIT`
//! seconds (default 60) have passed since the request, then ISSUED at its next read; it
//! reports DNS validation records whatever the method; UpdateCertificateOptions is not
//! served.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_acm::operation::request_certificate::builders::RequestCertificateFluentBuilder;
use aws_sdk_acm::operation::update_certificate_options::builders::UpdateCertificateOptionsFluentBuilder;
use aws_sdk_acm::primitives::{DateTime, DateTimeFormat};
#[allow(deprecated)]
use aws_sdk_acm::types::CertificateTransparencyLoggingPreference;
use aws_sdk_acm::types::{
    CertificateDetail, CertificateExport, CertificateOptions, CertificateStatus, DomainValidation,
    DomainValidationOption, KeyAlgorithm, Tag, ValidationMethod,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, plan_all_blocks, retry_while_code, tags_value, wait_for, AwsResource,
    DefaultTimeouts, Failed, PlanExtra, SdkTag, Tagging, Timeout,
};
use crate::resource::{tag_calls, TagCalls};
use crate::schema::*;
use crate::table::{ReadCtx, ResourceTable, Table};
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(CertificateRes), Box::new(ValidationRes)]
}

pub struct CertificateRes;
pub struct ValidationRes;

/// A certificate as DescribeCertificate answers it, with its tags.
pub struct CertDesc {
    pub cert: CertificateDetail,
    pub tags: Vec<Tag>,
}

impl SdkTag for Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (Some(self.key()), self.value())
    }
}

type CertTable =
    Table<CertDesc, RequestCertificateFluentBuilder, UpdateCertificateOptionsFluentBuilder>;

fn time(t: Option<&DateTime>) -> Value {
    val::opt_str(
        t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
            .as_deref(),
    )
}

/// DNS validation records, one per domain (as the Terraform provider lists them).
fn dns_records(c: &CertificateDetail) -> impl Iterator<Item = &DomainValidation> {
    c.domain_validation_options()
        .iter()
        .filter(|d| d.resource_record().is_some())
}

fn validation_record(d: &DomainValidation) -> Value {
    let r = d.resource_record();
    Value::object([
        ("domain_name", Value::string(d.domain_name())),
        ("resource_record_name", val::opt_str(r.map(|r| r.name()))),
        (
            "resource_record_type",
            val::opt_str(r.map(|r| r.r#type().as_str())),
        ),
        ("resource_record_value", val::opt_str(r.map(|r| r.value()))),
    ])
}

// AWS deprecated opting out of transparency logging; the Terraform provider still has the
// argument, so it is sent and read as configured.
#[allow(deprecated)]
fn options_request(v: &Value) -> Option<CertificateOptions> {
    let o = v.as_seq()?.first()?;
    Some(
        CertificateOptions::builder()
            .set_certificate_transparency_logging_preference(
                val::str_attr(o, "certificate_transparency_logging_preference")
                    .map(CertificateTransparencyLoggingPreference::from),
            )
            .set_export(val::str_attr(o, "export").map(CertificateExport::from))
            .build(),
    )
}

/// The `options` block as AWS reports it, while the configuration has the block (AWS
/// reports defaults for every certificate).
#[allow(deprecated)]
fn options_value(c: &CertDesc, cx: &ReadCtx) -> Value {
    if val::blocks(cx.current, "options").is_empty() {
        return Value::List(Vec::new());
    }
    let o = c.cert.options();
    let ct = o
        .and_then(|o| o.certificate_transparency_logging_preference())
        .map(|p| p.as_str());
    let export = o.and_then(|o| o.export()).map(|e| e.as_str());
    Value::List(vec![Value::object([
        (
            "certificate_transparency_logging_preference",
            val::opt_str(ct),
        ),
        ("export", val::opt_str(export)),
    ])])
}

static CERT: LazyLock<CertTable> = LazyLock::new(|| {
    CertTable::new(|| {
        Some(CertDesc {
            cert: CertificateDetail::builder().build(),
            tags: Vec::new(),
        })
    })
    .tags_all(|c| tags_value(&c.tags))
    .attr("id", comp(STR))
    .read(|c, _| val::opt_str(c.cert.certificate_arn()))
    .attr("arn", comp(STR))
    .read(|c, _| val::opt_str(c.cert.certificate_arn()))
    .attr("domain_name", opt_comp(STR).force_new())
    .read(|c, _| val::opt_str(c.cert.domain_name()))
    .create(|b, v| b.set_domain_name(v.str()))
    // AWS lists the domain name among the SANs; Terraform's attribute holds the others.
    .attr(
        "subject_alternative_names",
        opt_comp(set_of(STR)).force_new(),
    )
    .read(|c, _| {
        let domain = c.cert.domain_name();
        val::str_set(
            c.cert
                .subject_alternative_names()
                .iter()
                .filter(|s| Some(s.as_str()) != domain),
        )
    })
    .create(|b, v| b.set_subject_alternative_names(v.strings().filter(|s| !s.is_empty())))
    .attr("validation_method", opt_comp(STR).force_new())
    .read(|c, _| {
        let method = c
            .cert
            .domain_validation_options()
            .first()
            .and_then(|d| d.validation_method());
        match (method, c.cert.r#type().map(|t| t.as_str())) {
            (_, Some("IMPORTED")) => Value::string("NONE"),
            (Some(m), _) => Value::string(m.as_str()),
            (None, _) => Value::Null,
        }
    })
    .create(|b, v| b.set_validation_method(v.str().map(|m| ValidationMethod::from(m.as_str()))))
    .attr("key_algorithm", opt_comp(STR).force_new())
    .read(|c, _| val::opt_str(c.cert.key_algorithm().map(KeyAlgorithm::as_str)))
    .create(|b, v| b.set_key_algorithm(v.str().map(|k| KeyAlgorithm::from(k.as_str()))))
    .attr("certificate_authority_arn", opt(STR).force_new())
    .read(|c, _| val::opt_str(c.cert.certificate_authority_arn()))
    .create(|b, v| b.set_certificate_authority_arn(v.str()))
    // Changed with UpdateCertificateOptions.
    .block(
        "options",
        Nesting::List,
        S::new()
            .attr("certificate_transparency_logging_preference", opt_comp(STR))
            .attr("export", opt_comp(STR)),
    )
    .max_items(1)
    .read(options_value)
    .create(|b, v| b.set_options(options_request(v.value())))
    .update(|b, v| b.set_options(options_request(v.value())))
    .block(
        "validation_option",
        Nesting::Set,
        S::new()
            .attr("domain_name", req(STR))
            .attr("validation_domain", req(STR)),
    )
    .force_new_block()
    .create(|b, v| {
        let opts: Vec<DomainValidationOption> = v
            .value()
            .as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(|o| {
                DomainValidationOption::builder()
                    .set_domain_name(val::str_attr(o, "domain_name").map(str::to_string))
                    .set_validation_domain(
                        val::str_attr(o, "validation_domain").map(str::to_string),
                    )
                    .build()
                    .ok()
            })
            .collect();
        b.set_domain_validation_options((!opts.is_empty()).then_some(opts))
    })
    .attr(
        "domain_validation_options",
        comp(set_of(object_of(
            &[
                "domain_name",
                "resource_record_name",
                "resource_record_type",
                "resource_record_value",
            ],
            STR,
        ))),
    )
    .read(|c, _| Value::set(dns_records(&c.cert).map(validation_record).collect()))
    .attr("not_after", comp(STR))
    .read(|c, _| time(c.cert.not_after()))
    .attr("not_before", comp(STR))
    .read(|c, _| time(c.cert.not_before()))
    // Without `early_renewal_duration` (not supported) a renewal is never pending.
    .attr("pending_renewal", comp(BOOL))
    .read(|_, _| Value::Bool(false))
    .attr("renewal_eligibility", comp(STR))
    .read(|c, _| val::opt_str(c.cert.renewal_eligibility().map(|r| r.as_str())))
    .attr(
        "renewal_summary",
        comp(list_of(object_of(
            &["renewal_status", "renewal_status_reason", "updated_at"],
            STR,
        ))),
    )
    .read(|c, _| {
        Value::List(
            c.cert
                .renewal_summary()
                .map(|r| {
                    Value::object([
                        ("renewal_status", Value::string(r.renewal_status().as_str())),
                        (
                            "renewal_status_reason",
                            val::opt_str(r.renewal_status_reason().map(|x| x.as_str())),
                        ),
                        ("updated_at", time(Some(r.updated_at()))),
                    ])
                })
                .into_iter()
                .collect(),
        )
    })
    .attr("status", comp(STR))
    .read(|c, _| val::opt_str(c.cert.status().map(CertificateStatus::as_str)))
    .attr("type", comp(STR))
    .read(|c, _| val::opt_str(c.cert.r#type().map(|t| t.as_str())))
    .attr("validation_emails", comp(list_of(STR)))
    .read(|c, _| {
        val::str_list(
            c.cert
                .domain_validation_options()
                .iter()
                .flat_map(|d| d.validation_emails().iter()),
        )
    })
});

/// The DNS validation records a new certificate will have, as the Terraform provider
/// plans them: one per domain (the name and each SAN), the record itself unknown. Known
/// domain names let `for_each` over them (one validation record each) plan before the
/// certificate exists. `None` unless DNS-validated with known names.
fn planned_validations(config: &Value) -> Option<Value> {
    if val::str_attr(config, "validation_method") != Some("DNS") {
        return None;
    }
    let domain = val::str_attr(config, "domain_name")?
        .trim_end_matches('.')
        .to_string();
    let sans = config.get_attr("subject_alternative_names");
    if sans.is_some_and(Value::contains_unknown) {
        return None;
    }
    let mut names = vec![domain];
    for s in val::strings(config, "subject_alternative_names") {
        let s = s.trim_end_matches('.').to_string();
        if !names.contains(&s) {
            names.push(s);
        }
    }
    Some(Value::set(
        names
            .into_iter()
            .map(|d| {
                Value::object([
                    ("domain_name", Value::string(d)),
                    ("resource_record_name", Value::Unknown),
                    ("resource_record_type", Value::Unknown),
                    ("resource_record_value", Value::Unknown),
                ])
            })
            .collect(),
    ))
}

/// The certificate and its tags; `None` when it does not exist.
async fn describe(c: &Clients, arn: &str) -> Result<Option<CertDesc>, AwsError> {
    let acm = c.acm.get().await;
    let cert = match acm.describe_certificate().certificate_arn(arn).send().await {
        Ok(o) => o.certificate,
        Err(e) => {
            let e = AwsError::sdk("DescribeCertificate", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    let Some(cert) = cert else { return Ok(None) };
    let tags = acm
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(err("ListTagsForCertificate"))?
        .tags
        .unwrap_or_default();
    Ok(Some(CertDesc { cert, tags }))
}

static TAG_CALLS: TagCalls = tag_calls!(acm, "id",
    tag "AddTagsToCertificate": |acm, arn, tags| acm
        .add_tags_to_certificate()
        .certificate_arn(arn)
        .set_tags(Some(tags.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect())),
    // Removed by key: a tag without its value.
    untag "RemoveTagsFromCertificate": |acm, arn, keys| acm
        .remove_tags_from_certificate()
        .certificate_arn(arn)
        .set_tags(Some(keys.into_iter().filter_map(|k| Tag::builder().key(k).build().ok()).collect())),
);

#[async_trait]
impl AwsResource for CertificateRes {
    fn type_name(&self) -> &'static str {
        "aws_acm_certificate"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*CERT)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&TAG_CALLS)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "validation_method",
            &["DNS", "EMAIL", "NONE"],
            diags,
        );
        if config.get_attr("domain_name").is_some_and(Value::is_null) {
            crate::resource::invalid(
                diags,
                "domain_name",
                "\"domain_name\": required field is not set (importing a certificate body is not supported by terrane yet)".into(),
            );
        }
    }

    /// Domain names without a trailing dot (Terraform's StateFunc), and the `options`
    /// block's unset attributes planned as AWS will report them.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        if let Some(d) = val::str_attr(planned, "domain_name") {
            let d = Value::string(d.trim_end_matches('.'));
            val::set_attr(planned, "domain_name", d);
        }
        let schema = CERT.schema();
        plan_all_blocks(&schema, prior, config, planned);
        // Unset SANs are computed (AWS's), so only configured ones can have changed.
        let sans_set = config
            .get_attr("subject_alternative_names")
            .is_some_and(|s| !s.is_null());
        let renamed = prior.is_none_or(|p| {
            val::changed(p, planned, "domain_name")
                || (sans_set && val::changed(p, planned, "subject_alternative_names"))
        });
        if renamed {
            if let Some(dvo) = planned_validations(config) {
                val::set_attr(planned, "domain_validation_options", dvo);
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(arn) = val::str_attr(cur, "id") else {
                return Ok(None);
            };
            let Some(d) = describe(c, arn).await? else {
                return Ok(None);
            };
            Ok(Some(CERT.read_value(&d, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    /// Requests the certificate, then waits until AWS has worked out the DNS validation
    /// records (they appear a few seconds after the request), as the Terraform provider
    /// does, so `domain_validation_options` is known after the apply.
    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let tags: Vec<Tag> = val::string_map(planned, "tags_all")
            .into_iter()
            .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
            .collect();
        let acm = c.acm.get().await;
        let out = CERT
            .create_request(acm.request_certificate(), planned)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("RequestCertificate"))?;
        drop(acm);
        let arn = out
            .certificate_arn()
            .ok_or_else(|| AwsError::Invalid("RequestCertificate returned no ARN".into()))?
            .to_string();
        let dns = !matches!(
            val::str_attr(planned, "validation_method"),
            Some("EMAIL" | "NONE")
        ) && val::str_attr(planned, "certificate_authority_arn").is_none();
        if dns {
            wait_for("certificate", "DNS validation records", t, || async {
                let d = describe(c, &arn).await?;
                let ready = d.as_ref().is_some_and(|d| {
                    !d.cert.domain_validation_options().is_empty()
                        && d.cert
                            .domain_validation_options()
                            .iter()
                            .all(|v| v.resource_record().is_some())
                });
                Ok(if ready {
                    Ok(())
                } else {
                    Err("no records yet".into())
                })
            })
            .await
            .map_err(|e| e.after_create(&arn))?;
        }
        Ok(arn)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let acm = c.acm.get().await;
        for req in CERT.update_requests(prior, planned, || {
            acm.update_certificate_options().certificate_arn(arn)
        }) {
            req.send().await.map_err(err("UpdateCertificateOptions"))?;
        }
        Ok(None)
    }

    /// A certificate a load balancer listener still uses cannot be deleted: retried
    /// while the listener goes away (ResourceInUseException).
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        retry_while_code("certificate", "ResourceInUseException", t, || async {
            let out = c
                .acm
                .get()
                .await
                .delete_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .map_err(err("DeleteCertificate"));
            match out {
                Err(e) if !e.is_not_found() => Err(e),
                _ => Ok(()),
            }
        })
        .await
    }
}

type ValidationTable = Table<CertificateDetail, ()>;

/// The ID Terraform gives a validation: the time the certificate was issued, as Go
/// prints a time (`2024-05-01 12:00:00 +0000 UTC`); moto reports no issue time, so the
/// start of validity stands in.
fn issued_id(c: &CertificateDetail) -> Value {
    let t = c.issued_at().or(c.not_before());
    let Some(t) = t.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok()) else {
        return Value::Null;
    };
    let f = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] +0000 UTC"
    );
    val::opt_str(t.format(&f).ok().as_deref())
}

static VALIDATION: LazyLock<ValidationTable> = LazyLock::new(|| {
    ValidationTable::new(|| Some(CertificateDetail::builder().build()))
        .attr("id", comp(STR))
        .read(|c, _| issued_id(c))
        .attr("certificate_arn", req(STR).force_new())
        .attr("validation_record_fqdns", opt(set_of(STR)).force_new())
});

async fn certificate(c: &Clients, arn: &str) -> Result<Option<CertificateDetail>, AwsError> {
    match c
        .acm
        .get()
        .await
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
    {
        Ok(o) => Ok(o.certificate),
        Err(e) => {
            let e = AwsError::sdk("DescribeCertificate", e);
            if e.is_not_found() {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// The DNS validation record names the configuration leaves out, for a clear error
/// before a wait that could never end.
fn missing_fqdns(cert: &CertificateDetail, fqdns: &[String]) -> Vec<String> {
    let have: Vec<String> = fqdns
        .iter()
        .map(|f| f.trim_end_matches('.').to_lowercase())
        .collect();
    dns_records(cert)
        .filter_map(|d| {
            d.resource_record()
                .map(|r| r.name().trim_end_matches('.').to_lowercase())
        })
        .filter(|n| !have.contains(n))
        .collect()
}

#[async_trait]
impl AwsResource for ValidationRes {
    fn type_name(&self) -> &'static str {
        "aws_acm_certificate_validation"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*VALIDATION)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::create_update_minutes(75, 75))
    }

    /// A certificate that is no longer ISSUED is no longer validated: planned again.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(arn) = val::str_attr(cur, "certificate_arn") else {
                return Ok(None);
            };
            let Some(cert) = certificate(c, arn).await? else {
                return Ok(None);
            };
            if cert.status() != Some(&CertificateStatus::Issued) {
                return Ok(None);
            }
            Ok(Some(VALIDATION.read_value(&cert, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let arn = val::str_attr(planned, "certificate_arn").unwrap_or_default();
        let cert = certificate(c, arn)
            .await?
            .ok_or_else(|| AwsError::Invalid(format!("certificate {arn} does not exist")))?;
        if let Some(fqdns) = planned
            .get_attr("validation_record_fqdns")
            .filter(|v| !v.is_null())
        {
            let fqdns: Vec<String> = fqdns
                .as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect();
            let missing = missing_fqdns(&cert, &fqdns);
            if !missing.is_empty() {
                return Err(AwsError::Invalid(format!(
                    "missing {} DNS validation record(s) in validation_record_fqdns: {}",
                    missing.len(),
                    missing.join(", ")
                ))
                .into());
            }
        }
        let issued = wait_for("certificate", "ISSUED", t, || async {
            let cert = certificate(c, arn).await?;
            let status = cert.as_ref().and_then(|c| c.status().cloned());
            match status {
                Some(CertificateStatus::Issued) => Ok(Ok(cert)),
                Some(CertificateStatus::PendingValidation) => Ok(Err("PENDING_VALIDATION".into())),
                other => Err(AwsError::Invalid(format!(
                    "certificate {arn} is {}: it cannot be validated",
                    other.as_ref().map_or("gone", CertificateStatus::as_str)
                ))),
            }
        })
        .await?;
        Ok(issued
            .as_ref()
            .and_then(|c| issued_id(c).as_str().map(str::to_string))
            .unwrap_or_else(|| arn.to_string()))
    }

    /// Nothing to delete: the validation is a wait, and the certificate stays issued.
    async fn delete(&self, _c: &Clients, _prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        Ok(())
    }
}
