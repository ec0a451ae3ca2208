//! `aws_lb_listener_certificate` (also `aws_alb_listener_certificate`): a certificate an
//! HTTPS or TLS listener offers besides its default one (SNI). Both arguments replace;
//! the ID is `LISTENER-ARN_CERTIFICATE-ARN`, as Terraform writes it (load balancer names
//! have no underscore, so the first one separates the two). A refresh lists each
//! listener's certificates once, whatever the number of attachments.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::add_listener_certificates::builders::AddListenerCertificatesFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::Certificate;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct ListenerCertificate(pub &'static str);

/// A certificate found among those a listener offers.
struct Offered {
    listener_arn: String,
    certificate: Certificate,
}

type CertificateTable = Table<Offered, AddListenerCertificatesFluentBuilder>;

static TABLE: LazyLock<CertificateTable> = LazyLock::new(|| {
    CertificateTable::new(|| {
        Some(Offered {
            listener_arn: String::new(),
            certificate: Certificate::builder().build(),
        })
    })
    .attr("id", comp(STR))
    .read(|o, _| {
        let arn = o.certificate.certificate_arn().unwrap_or_default();
        Value::string(format!("{}_{arn}", o.listener_arn))
    })
    .attr("listener_arn", req(STR).force_new())
    .read(|o, _| Value::string(&o.listener_arn))
    .create(|b, v| b.set_listener_arn(v.str()))
    .attr("certificate_arn", req(STR).force_new())
    .read(|o, _| val::opt_str(o.certificate.certificate_arn()))
    .create(|b, v| b.certificates(Certificate::builder().set_certificate_arn(v.str()).build()))
});

type Elb = aws_sdk_elasticloadbalancingv2::Client;

/// The certificates a listener offers (its default one included), all pages.
async fn certificates(elb: &Elb, listener: &str) -> Result<Vec<Certificate>, AwsError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = elb
            .describe_listener_certificates()
            .listener_arn(listener)
            .set_marker(marker)
            .send()
            .await
            .map_err(err("DescribeListenerCertificates"))?;
        out.extend(page.certificates().iter().cloned());
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

fn certificate(planned: &Value) -> Certificate {
    Certificate::builder()
        .set_certificate_arn(val::str_attr(planned, "certificate_arn").map(str::to_string))
        .build()
}

#[async_trait]
impl AwsResource for ListenerCertificate {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let listeners: BTreeSet<String> = current
            .iter()
            .filter_map(|v| val::str_attr(v, "listener_arn").map(str::to_string))
            .collect();
        let mut offered: BTreeMap<String, Vec<Certificate>> = BTreeMap::new();
        {
            let elb = c.elbv2.get().await;
            for l in listeners {
                let certs = match certificates(&elb, &l).await {
                    Ok(certs) => certs,
                    // A listener that is gone took its certificates with it.
                    Err(e) if e.is_not_found() => Vec::new(),
                    Err(e) => return Err(e),
                };
                offered.insert(l, certs);
            }
        }
        Ok(current
            .iter()
            .map(|cur| {
                let l = val::str_attr(cur, "listener_arn")?;
                let arn = val::str_attr(cur, "certificate_arn")?;
                let certificate = offered
                    .get(l)?
                    .iter()
                    .find(|c| c.certificate_arn() == Some(arn) && c.is_default() != Some(true))?
                    .clone();
                let found = Offered {
                    listener_arn: l.to_string(),
                    certificate,
                };
                Some(TABLE.read_value(&found, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let l = val::str_attr(planned, "listener_arn").unwrap_or_default();
        TABLE
            .create_request(c.elbv2.get().await.add_listener_certificates(), planned)
            .send()
            .await
            .map_err(err("AddListenerCertificates"))?;
        let arn = val::str_attr(planned, "certificate_arn").unwrap_or_default();
        Ok(format!("{l}_{arn}"))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let removed = c
            .elbv2
            .get()
            .await
            .remove_listener_certificates()
            .listener_arn(val::str_attr(prior, "listener_arn").unwrap_or_default())
            .certificates(certificate(prior))
            .send()
            .await
            .map_err(err("RemoveListenerCertificates"));
        match removed {
            Err(e) if e.is_not_found() => Ok(()),
            other => other.map(|_| ()),
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (l, cert) = id
            .split_once('_')
            .filter(|(l, c)| l.contains(":listener/") && c.starts_with("arn:"))
            .ok_or_else(|| {
                format!("unexpected format of ID ({id:?}), expected LISTENER-ARN_CERTIFICATE-ARN")
            })?;
        stub.set("id", Value::string(id))
            .set("listener_arn", Value::string(l))
            .set("certificate_arn", Value::string(cert));
        Ok(())
    }
}
