//! Application-edge types against moto: Route 53 (zones, simple, TXT and alias records to
//! a load balancer, data `aws_route53_zone`), ACM certificates validated through Route 53,
//! Lambda permissions, Cloud Map HTTP namespaces, ECS task sets and WAF web ACL
//! associations. Each test walks a lifecycle:
//! convergence, in-place update, replacement, drift, out-of-band deletion, import,
//! crash-recovery lookup and destroy.

mod common;

use common::{attr, changed_attrs, changes, data_attr, drifted_attrs, Env};
use terrane_engine::lang::Value;
use terrane_engine::provider::Provider;
use terrane_engine::state::State;

fn route53() -> aws_sdk_route53::Client {
    let m = terrane_test_support::moto();
    aws_sdk_route53::Client::from_conf(
        aws_sdk_route53::Config::builder()
            .behavior_version(aws_sdk_route53::config::BehaviorVersion::latest())
            .region(aws_sdk_route53::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_route53::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

fn src(comment: &str, ttl: u32, ip: &str, www: &str, ty: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "v" {{
  cidr_block = "10.61.0.0/16"
}}
resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.61.1.0/24"
  availability_zone = "us-east-1a"
}}
resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.61.2.0/24"
  availability_zone = "us-east-1b"
}}
resource "aws_lb" "lb" {{
  name    = "r53-lb"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
}}
resource "aws_route53_zone" "z" {{
  name    = "r53-test.example.com."
  comment = "{comment}"
  tags    = {{ team = "dns" }}
}}
resource "aws_route53_record" "www" {{
  zone_id = aws_route53_zone.z.zone_id
  name    = "{www}"
  type    = "{ty}"
  ttl     = {ttl}
  records = ["{ip}"]
}}
resource "aws_route53_record" "txt" {{
  zone_id = aws_route53_zone.z.zone_id
  name    = "_verify.r53-test.example.com"
  type    = "TXT"
  ttl     = 60
  records = ["v=spf1 -all"]
}}
resource "aws_route53_record" "alb" {{
  zone_id = aws_route53_zone.z.zone_id
  name    = "app"
  type    = "A"
  alias {{
    name                   = aws_lb.lb.dns_name
    zone_id                = aws_lb.lb.zone_id
    evaluate_target_health = true
  }}
}}
data "aws_route53_zone" "by_name" {{
  name       = aws_route53_zone.z.name
  depends_on = [aws_route53_zone.z]
}}
"#
    )
}

/// The set `name`/`ty` of the zone as Route 53 holds it.
async fn set_of(
    zone: &str,
    name: &str,
    ty: &str,
) -> Option<aws_sdk_route53::types::ResourceRecordSet> {
    let out = route53()
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .unwrap();
    out.resource_record_sets()
        .iter()
        .find(|s| s.name().trim_end_matches('.') == name && s.r#type().as_str() == ty)
        .cloned()
}

fn values(s: &aws_sdk_route53::types::ResourceRecordSet) -> Vec<String> {
    s.resource_records()
        .iter()
        .map(|r| r.value().to_string())
        .collect()
}

#[tokio::test]
async fn route53_zone_and_record_lifecycle() {
    let env = Env::new();
    let www = "aws_route53_record.www";
    let s1 = src("first", 300, "10.0.0.1", "www", "A");
    let state = env.apply(&s1, &State::new()).await;
    let zone = attr(&state, "aws_route53_zone.z", "zone_id");
    assert_eq!(
        attr(&state, "aws_route53_zone.z", "name"),
        "r53-test.example.com"
    );
    assert_eq!(attr(&state, "aws_route53_zone.z", "id"), zone);
    assert!(attr(&state, "aws_route53_zone.z", "arn")
        .ends_with(&format!(":route53:::hostedzone/{zone}")));
    assert!(!attr(&state, "aws_route53_zone.z", "primary_name_server").is_empty());
    assert_eq!(attr(&state, www, "id"), format!("{zone}_www_A"));
    assert_eq!(attr(&state, www, "fqdn"), "www.r53-test.example.com");
    assert_eq!(
        data_attr(&state, "aws_route53_zone", "by_name", "zone_id"),
        serde_json::json!(zone)
    );
    assert_eq!(
        data_attr(&state, "aws_route53_zone", "by_name", "comment"),
        serde_json::json!("first")
    );
    let set = set_of(&zone, "www.r53-test.example.com", "A")
        .await
        .unwrap();
    assert_eq!(values(&set), ["10.0.0.1"]);
    assert_eq!(set.ttl(), Some(300));
    // TXT values are sent quoted and kept unquoted.
    let txt = set_of(&zone, "_verify.r53-test.example.com", "TXT")
        .await
        .unwrap();
    assert_eq!(values(&txt), ["\"v=spf1 -all\""]);
    let alias = set_of(&zone, "app.r53-test.example.com", "A")
        .await
        .unwrap();
    let target = alias.alias_target().unwrap();
    assert_eq!(
        target.dns_name().trim_end_matches('.').to_lowercase(),
        attr(&state, "aws_lb.lb", "dns_name").to_lowercase()
    );
    assert!(target.evaluate_target_health());
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // In place: the zone's comment, the record's TTL and value; the record keeps its ID.
    let s2 = src("second", 600, "10.0.0.2", "www", "A");
    let plan = env.plan(&s2, &state).await;
    // (The data source reads again after the zone it depends on changes.)
    assert_eq!(
        changes(&plan),
        [
            "Read data.aws_route53_zone.by_name",
            "Update aws_route53_record.www",
            "Update aws_route53_zone.z"
        ]
    );
    assert_eq!(changed_attrs(&plan, www), ["records", "ttl"]);
    let state = env.apply(&s2, &state).await;
    assert!(!env.plan(&s2, &state).await.has_changes());
    let set = set_of(&zone, "www.r53-test.example.com", "A")
        .await
        .unwrap();
    assert_eq!(
        (values(&set), set.ttl()),
        (vec!["10.0.0.2".to_string()], Some(600))
    );
    let got = route53().get_hosted_zone().id(&zone).send().await.unwrap();
    assert_eq!(
        got.hosted_zone().unwrap().config().unwrap().comment(),
        Some("second")
    );

    // A new type is a new set under a new ID, changed in one batch.
    let s3 = src("second", 600, "10.0.0.2", "www", "CNAME");
    let s3 = s3.replace(
        "records = [\"10.0.0.2\"]",
        "records = [\"target.example.net\"]",
    );
    let plan = env.plan(&s3, &state).await;
    assert_eq!(changes(&plan), ["Update aws_route53_record.www"]);
    let state = env.apply(&s3, &state).await;
    assert_eq!(attr(&state, www, "id"), format!("{zone}_www_CNAME"));
    assert!(set_of(&zone, "www.r53-test.example.com", "A")
        .await
        .is_none());
    assert!(set_of(&zone, "www.r53-test.example.com", "CNAME")
        .await
        .is_some());
    assert!(!env.plan(&s3, &state).await.has_changes());

    // A new name replaces the record.
    let s4 = s3.replace("name    = \"www\"", "name    = \"web\"");
    let plan = env.plan(&s4, &state).await;
    assert_eq!(changes(&plan), ["DeleteThenCreate aws_route53_record.www"]);
    let state = env.apply(&s4, &state).await;
    assert!(set_of(&zone, "www.r53-test.example.com", "CNAME")
        .await
        .is_none());
    assert!(set_of(&zone, "web.r53-test.example.com", "CNAME")
        .await
        .is_some());

    // Drift: the TXT value changed outside terrane is seen on `records` and put back.
    let mut changed = txt.clone();
    changed.resource_records = Some(vec![aws_sdk_route53::types::ResourceRecord::builder()
        .value("\"other\"")
        .build()
        .unwrap()]);
    let batch = aws_sdk_route53::types::ChangeBatch::builder()
        .changes(
            aws_sdk_route53::types::Change::builder()
                .action(aws_sdk_route53::types::ChangeAction::Upsert)
                .resource_record_set(changed)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    route53()
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(batch)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&s4, &state).await;
    assert_eq!(changes(&plan), ["Update aws_route53_record.txt"]);
    assert_eq!(drifted_attrs(&plan, "aws_route53_record.txt"), ["records"]);
    let state = env.apply(&s4, &state).await;
    let txt_now = set_of(&zone, "_verify.r53-test.example.com", "TXT")
        .await
        .unwrap();
    assert_eq!(values(&txt_now), ["\"v=spf1 -all\""]);

    // Deleted outside terrane: planned as a create.
    let web = set_of(&zone, "web.r53-test.example.com", "CNAME")
        .await
        .unwrap();
    let batch = aws_sdk_route53::types::ChangeBatch::builder()
        .changes(
            aws_sdk_route53::types::Change::builder()
                .action(aws_sdk_route53::types::ChangeAction::Delete)
                .resource_record_set(web)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    route53()
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(batch)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&s4, &state).await;
    assert_eq!(changes(&plan), ["Create aws_route53_record.www"]);
    let state = env.apply(&s4, &state).await;

    // Import by ID (records and zone) into a fresh state: no change.
    let imported = env
        .import_into(&state, "aws_route53_record.alb", &format!("{zone}_app_A"))
        .await;
    let imported = env
        .import_into(
            &imported,
            "aws_route53_record.txt",
            &format!("{zone}__verify.r53-test.example.com_TXT"),
        )
        .await;
    let imported = env
        .import_into(&imported, "aws_route53_zone.z", &zone)
        .await;
    let plan = env.plan(&s4, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert!(env
        .import_refreshed("aws_route53_record", &format!("{zone}_nothing_A"))
        .await
        .is_none());

    // Crash recovery finds a record by zone, name and type, and nothing for another name.
    let p = env.provider.as_ref();
    let obj = Value::from_json(
        &state
            .resources
            .iter()
            .find(|r| r.name == "alb")
            .unwrap()
            .instances[0]
            .attributes
            .to_json(),
    );
    let identity = p.identity("aws_route53_record", &obj).unwrap();
    let found = p
        .find_by_identity("aws_route53_record", &identity)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.get_attr("id"), obj.get_attr("id"));
    let mut other = identity.clone();
    other.0.insert("name".into(), "find-nothing-here".into());
    assert!(p
        .find_by_identity("aws_route53_record", &other)
        .await
        .unwrap()
        .is_none());

    env.destroy(&s4, &state).await;
    let zones = route53().list_hosted_zones().send().await.unwrap();
    assert!(zones
        .hosted_zones()
        .iter()
        .all(|z| z.id().trim_start_matches("/hostedzone/") != zone));
}

/// A zone with records made outside terrane: `force_destroy` deletes them first.
#[tokio::test]
async fn route53_zone_force_destroy() {
    let env = Env::new();
    let s = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_route53_zone" "f" {
  name          = "forced.example.org"
  force_destroy = true
}
"#;
    let state = env.apply(s, &State::new()).await;
    let zone = attr(&state, "aws_route53_zone.f", "id");
    assert_eq!(
        attr(&state, "aws_route53_zone.f", "comment"),
        "Managed by Terraform"
    );
    let set = aws_sdk_route53::types::ResourceRecordSet::builder()
        .name("x.forced.example.org")
        .r#type(aws_sdk_route53::types::RrType::A)
        .ttl(60)
        .resource_records(
            aws_sdk_route53::types::ResourceRecord::builder()
                .value("10.1.1.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let batch = aws_sdk_route53::types::ChangeBatch::builder()
        .changes(
            aws_sdk_route53::types::Change::builder()
                .action(aws_sdk_route53::types::ChangeAction::Create)
                .resource_record_set(set)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    route53()
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(batch)
        .send()
        .await
        .unwrap();
    env.destroy(s, &state).await;
    assert!(route53().get_hosted_zone().id(&zone).send().await.is_err());
}

macro_rules! sdk_client {
    ($krate:ident) => {{
        let m = terrane_test_support::moto();
        $krate::Client::from_conf(
            $krate::Config::builder()
                .behavior_version($krate::config::BehaviorVersion::latest())
                .region($krate::config::Region::new("us-east-1"))
                .endpoint_url(&m.endpoint)
                .credentials_provider($krate::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .build(),
        )
    }};
}

fn acm_src(tags: &str, san: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_route53_zone" "z" {{
  name = "acm-test.example.com"
}}
resource "aws_acm_certificate" "c" {{
  domain_name               = "acm-test.example.com"
  subject_alternative_names = ["{san}.acm-test.example.com"]
  validation_method         = "DNS"
  tags                      = {{ {tags} }}
}}
resource "aws_route53_record" "v" {{
  for_each = {{
    for dvo in aws_acm_certificate.c.domain_validation_options : dvo.domain_name => {{
      name   = dvo.resource_record_name
      record = dvo.resource_record_value
      type   = dvo.resource_record_type
    }}
  }}
  allow_overwrite = true
  name            = each.value.name
  records         = [each.value.record]
  ttl             = 60
  type            = each.value.type
  zone_id         = aws_route53_zone.z.zone_id
}}
resource "aws_acm_certificate_validation" "v" {{
  certificate_arn         = aws_acm_certificate.c.arn
  validation_record_fqdns = [for r in aws_route53_record.v : r.fqdn]
}}
"#
    )
}

/// The ACM module's pattern: a DNS-validated certificate, one validation record per
/// domain (`for_each` over `domain_validation_options`, whose domain names are known at
/// plan), and a validation that waits until the certificate is ISSUED.
#[tokio::test]
async fn acm_certificate_validated_through_route53() {
    let env = Env::new();
    let acm = sdk_client!(aws_sdk_acm);
    let addr = "aws_acm_certificate.c";
    let src = acm_src(r#"env = "a""#, "www");
    let plan = env.plan(&src, &State::new()).await;
    let records: Vec<String> = changes(&plan)
        .into_iter()
        .filter(|c| c.contains("aws_route53_record.v"))
        .collect();
    assert_eq!(
        records,
        [
            "Create aws_route53_record.v[\"acm-test.example.com\"]",
            "Create aws_route53_record.v[\"www.acm-test.example.com\"]"
        ]
    );
    let state = env.apply(&src, &State::new()).await;
    let arn = attr(&state, addr, "arn");
    assert_eq!(attr(&state, addr, "id"), arn);
    assert!(arn.starts_with("arn:aws:acm:us-east-1:"), "{arn}");
    assert_eq!(
        attr(&state, addr, "subject_alternative_names"),
        r#"["www.acm-test.example.com"]"#
    );
    let cert = acm
        .describe_certificate()
        .certificate_arn(&arn)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    assert_eq!(cert.status().map(|s| s.as_str()), Some("ISSUED"));
    assert!(!attr(&state, "aws_acm_certificate_validation.v", "id").is_empty());
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Tags change in place.
    let src2 = acm_src(r#"env = "b""#, "www");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    let state = env.apply(&src2, &state).await;
    let tags = acm
        .list_tags_for_certificate()
        .certificate_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].value(), Some("b"));
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Import by ARN: no change.
    let imported = env.import_into(&state, addr, &arn).await;
    let plan = env.plan(&src2, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // A new SAN replaces the certificate, its records and its validation.
    let src3 = acm_src(r#"env = "b""#, "api");
    let plan = env.plan(&src3, &state).await;
    let got = changes(&plan);
    assert!(got.contains(&format!("DeleteThenCreate {addr}")), "{got:?}");
    assert!(
        got.contains(&"DeleteThenCreate aws_acm_certificate_validation.v".to_string()),
        "{got:?}"
    );
    let state = env.apply(&src3, &state).await;
    assert!(!env.plan(&src3, &state).await.has_changes());
    let new_arn = attr(&state, addr, "arn");
    assert_ne!(new_arn, arn);
    assert!(acm
        .describe_certificate()
        .certificate_arn(&arn)
        .send()
        .await
        .is_err());

    // Deleted outside terrane: planned again, with its validation.
    acm.delete_certificate()
        .certificate_arn(&new_arn)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src3, &state).await;
    let got = changes(&plan);
    assert!(got.contains(&format!("Create {addr}")), "{got:?}");
    assert!(
        got.contains(&"Create aws_acm_certificate_validation.v".to_string()),
        "{got:?}"
    );
    let state = env.apply(&src3, &state).await;
    assert!(!env.plan(&src3, &state).await.has_changes());

    let last = attr(&state, addr, "arn");
    env.destroy(&src3, &state).await;
    assert!(acm
        .describe_certificate()
        .certificate_arn(&last)
        .send()
        .await
        .is_err());
}

/// A certificate without SANs converges; a validation whose records do not cover the
/// certificate's domains fails with the names it misses, before any wait.
#[tokio::test]
async fn acm_validation_names_missing_records() {
    let env = Env::new();
    let cert = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_acm_certificate" "c" {
  domain_name       = "missing.example.com"
  validation_method = "DNS"
}
"#;
    let state = env.apply(cert, &State::new()).await;
    let plan = env.plan(cert, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let src = cert.to_string()
        + r#"
resource "aws_acm_certificate_validation" "v" {
  certificate_arn         = aws_acm_certificate.c.arn
  validation_record_fqdns = ["other.example.com"]
}
"#;
    let (state, diags) = env
        .apply_mode(&src, &state, terrane_engine::plan::PlanMode::Normal)
        .await;
    let text = format!("{diags:?}");
    assert!(text.contains("missing 1 DNS validation record"), "{text}");
    assert!(text.contains("missing.example.com"), "{text}");
    env.destroy(&src, &state).await;
}

/// An empty zip archive: moto stores a function's code without running it.
const EMPTY_ZIP: &[u8] = &[
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

async fn lambda_function(name: &str) {
    let iam = sdk_client!(aws_sdk_iam);
    let role = iam
        .create_role()
        .role_name(format!("{name}-role"))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    sdk_client!(aws_sdk_lambda)
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("index.handler")
        .role(role.role().unwrap().arn())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(EMPTY_ZIP))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The statement IDs of the function's policy.
async fn statement_ids(function: &str) -> Vec<String> {
    let Ok(out) = sdk_client!(aws_sdk_lambda)
        .get_policy()
        .function_name(function)
        .send()
        .await
    else {
        return Vec::new();
    };
    let doc: serde_json::Value = serde_json::from_str(out.policy().unwrap()).unwrap();
    let mut ids: Vec<String> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn permission_src(source_arn: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_lambda_permission" "lb" {{
  statement_id  = "AllowExecutionFromALB"
  action        = "lambda:InvokeFunction"
  function_name = "perm-fn"
  principal     = "elasticloadbalancing.amazonaws.com"
  source_arn    = "{source_arn}"
}}
resource "aws_lambda_permission" "acct" {{
  statement_id_prefix = "acct-"
  action              = "lambda:InvokeFunction"
  function_name       = "perm-fn"
  principal           = "123456789012"
  source_account      = "123456789012"
}}
"#
    )
}

#[tokio::test]
async fn lambda_permission_lifecycle() {
    lambda_function("perm-fn").await;
    let env = Env::new();
    let addr = "aws_lambda_permission.lb";
    let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fn/1";
    let src = permission_src(tg);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, addr, "id"), "AllowExecutionFromALB");
    let acct = attr(&state, "aws_lambda_permission.acct", "statement_id");
    assert!(acct.starts_with("acct-"), "{acct}");
    let mut want = vec![acct.clone(), "AllowExecutionFromALB".to_string()];
    want.sort();
    assert_eq!(statement_ids("perm-fn").await, want);
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Every argument replaces: a new source ARN is a new statement.
    let src2 = permission_src(&tg.replace("fn/1", "fn/2"));
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    assert!(changed_attrs(&plan, addr).contains(&"source_arn".to_string()));
    let state = env.apply(&src2, &state).await;
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Import as FUNCTION/STATEMENT: no change.
    let imported = env
        .import_into(&state, addr, "perm-fn/AllowExecutionFromALB")
        .await;
    let plan = env.plan(&src2, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Crash recovery finds the statement by function and statement ID.
    let p = env.provider.as_ref();
    let obj = Value::from_json(
        &state
            .resources
            .iter()
            .find(|r| r.name == "lb")
            .unwrap()
            .instances[0]
            .attributes
            .to_json(),
    );
    let identity = p.identity("aws_lambda_permission", &obj).unwrap();
    let found = p
        .find_by_identity("aws_lambda_permission", &identity)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.get_attr("id"), obj.get_attr("id"));
    let mut other = identity.clone();
    other
        .0
        .insert("statement_id".into(), "find-nothing-here".into());
    assert!(p
        .find_by_identity("aws_lambda_permission", &other)
        .await
        .unwrap()
        .is_none());

    // Removed outside terrane: planned as a create.
    sdk_client!(aws_sdk_lambda)
        .remove_permission()
        .function_name("perm-fn")
        .statement_id("AllowExecutionFromALB")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Create {addr}")]);
    let state = env.apply(&src2, &state).await;

    env.destroy(&src2, &state).await;
    assert!(statement_ids("perm-fn").await.is_empty());
}

fn namespace_src(description: &str, team: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_service_discovery_http_namespace" "n" {{
  name        = "sc-namespace"
  description = "{description}"
  tags        = {{ team = "{team}" }}
}}
"#
    )
}

#[tokio::test]
async fn service_discovery_http_namespace_lifecycle() {
    let env = Env::new();
    let sd = sdk_client!(aws_sdk_servicediscovery);
    let addr = "aws_service_discovery_http_namespace.n";
    let src = namespace_src("first", "a");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, addr, "id");
    assert!(id.starts_with("ns-"), "{id}");
    assert!(attr(&state, addr, "arn").contains(&id));
    assert_eq!(attr(&state, addr, "http_name"), "sc-namespace");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Tags in place.
    let src2 = namespace_src("first", "b");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    let state = env.apply(&src2, &state).await;
    let tags = sd
        .list_tags_for_resource()
        .resource_arn(attr(&state, addr, "arn"))
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].value(), "b");
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Import by ID, and the crash-recovery lookup by name.
    let imported = env.import_into(&state, addr, &id).await;
    assert!(!env.plan(&src2, &imported).await.has_changes());
    let p = env.provider.as_ref();
    let obj = Value::from_json(&state.resources[0].instances[0].attributes.to_json());
    let identity = p
        .identity("aws_service_discovery_http_namespace", &obj)
        .unwrap();
    let found = p
        .find_by_identity("aws_service_discovery_http_namespace", &identity)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.get_attr("id"), obj.get_attr("id"));
    let mut other = identity.clone();
    other.0.insert("name".into(), "find-nothing-here".into());
    assert!(p
        .find_by_identity("aws_service_discovery_http_namespace", &other)
        .await
        .unwrap()
        .is_none());

    // A new description replaces the namespace.
    let src3 = namespace_src("second", "b");
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    let state = env.apply(&src3, &state).await;
    let id2 = attr(&state, addr, "id");
    assert_ne!(id2, id);
    assert!(sd.get_namespace().id(&id).send().await.is_err());

    // Deleted outside terrane: planned as a create.
    sd.delete_namespace().id(&id2).send().await.unwrap();
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), [format!("Create {addr}")]);
    let state = env.apply(&src3, &state).await;

    let last = attr(&state, addr, "id");
    env.destroy(&src3, &state).await;
    assert!(sd.get_namespace().id(&last).send().await.is_err());
}

fn task_set_src(external_id: &str, scale: u32, team: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "v" {{
  cidr_block = "10.63.0.0/16"
}}
resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.63.1.0/24"
}}
resource "aws_ecs_cluster" "c" {{
  name = "ts-cluster"
}}
resource "aws_ecs_task_definition" "t" {{
  family                   = "ts-task"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  container_definitions = jsonencode([{{
    name         = "app"
    image        = "nginx"
    memory       = 128
    essential    = true
    portMappings = [{{ containerPort = 80 }}]
  }}])
}}
resource "aws_ecs_service" "s" {{
  name          = "ts-svc"
  cluster       = aws_ecs_cluster.c.id
  desired_count = 0
  deployment_controller {{
    type = "EXTERNAL"
  }}
}}
resource "aws_ecs_task_set" "ts" {{
  cluster         = aws_ecs_cluster.c.id
  service         = aws_ecs_service.s.id
  task_definition = aws_ecs_task_definition.t.arn
  external_id     = "{external_id}"
  launch_type     = "FARGATE"
  network_configuration {{
    subnets = [aws_subnet.a.id]
  }}
  scale {{
    value = {scale}
  }}
  tags = {{ team = "{team}" }}
}}
"#
    )
}

async fn task_sets(state: &State) -> Vec<aws_sdk_ecs::types::TaskSet> {
    sdk_client!(aws_sdk_ecs)
        .describe_task_sets()
        .cluster(attr(state, "aws_ecs_cluster.c", "arn"))
        .service(attr(state, "aws_ecs_service.s", "id"))
        .send()
        .await
        .unwrap()
        .task_sets()
        .to_vec()
}

/// A task set of an EXTERNAL-deployment service (the ECS service module's blue/green).
/// Fargate: moto runs a task set's tasks at create, and for EC2 it wants instances.
#[tokio::test]
async fn ecs_task_set_lifecycle() {
    let env = Env::new();
    let addr = "aws_ecs_task_set.ts";
    let src = task_set_src("blue", 50, "a");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, addr, "id");
    let task_set_id = attr(&state, addr, "task_set_id");
    assert_eq!(
        id,
        format!(
            "{task_set_id},{},{}",
            attr(&state, "aws_ecs_service.s", "id"),
            attr(&state, "aws_ecs_cluster.c", "arn")
        )
    );
    assert_eq!(attr(&state, addr, "external_id"), "blue");
    let sets = task_sets(&state).await;
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].scale().map(|s| s.value()), Some(50.0));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Scale and tags change in place.
    let src2 = task_set_src("blue", 100, "b");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), ["scale", "tags", "tags_all"]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, addr, "id"), id);
    let sets = task_sets(&state).await;
    assert_eq!(sets[0].scale().map(|s| s.value()), Some(100.0));
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Import by ID: no change.
    let imported = env.import_into(&state, addr, &id).await;
    let plan = env.plan(&src2, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // A new external ID replaces the task set.
    let src3 = task_set_src("green", 100, "b");
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    let state = env.apply(&src3, &state).await;
    assert_ne!(attr(&state, addr, "id"), id);
    let sets = task_sets(&state).await;
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].external_id(), Some("green"));

    // Deleted outside terrane: planned as a create.
    sdk_client!(aws_sdk_ecs)
        .delete_task_set()
        .cluster(attr(&state, "aws_ecs_cluster.c", "arn"))
        .service(attr(&state, "aws_ecs_service.s", "id"))
        .task_set(attr(&state, addr, "task_set_id"))
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), [format!("Create {addr}")]);
    let state = env.apply(&src3, &state).await;
    assert_eq!(task_sets(&state).await.len(), 1);

    let service_state = state.clone();
    env.destroy(&src3, &state).await;
    let left = sdk_client!(aws_sdk_ecs)
        .describe_task_sets()
        .cluster(attr(&service_state, "aws_ecs_cluster.c", "arn"))
        .service(attr(&service_state, "aws_ecs_service.s", "id"))
        .send()
        .await
        .map(|o| o.task_sets().len())
        .unwrap_or(0);
    assert_eq!(left, 0);
}

/// A regional web ACL made with the SDK (terrane has no aws_wafv2_web_acl yet); its ARN.
async fn web_acl(name: &str) -> String {
    use aws_sdk_wafv2::types::{AllowAction, DefaultAction, Scope, VisibilityConfig};
    let out = sdk_client!(aws_sdk_wafv2)
        .create_web_acl()
        .name(name)
        .scope(Scope::Regional)
        .default_action(
            DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
        )
        .visibility_config(
            VisibilityConfig::builder()
                .sampled_requests_enabled(false)
                .cloud_watch_metrics_enabled(false)
                .metric_name(name)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    out.summary().unwrap().arn().unwrap().to_string()
}

fn waf_src(acl: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "v" {{
  cidr_block = "10.62.0.0/16"
}}
resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.62.1.0/24"
  availability_zone = "us-east-1a"
}}
resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.62.2.0/24"
  availability_zone = "us-east-1b"
}}
resource "aws_lb" "lb" {{
  name    = "waf-lb"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
}}
resource "aws_wafv2_web_acl_association" "a" {{
  resource_arn = aws_lb.lb.arn
  web_acl_arn  = "{acl}"
}}
"#
    )
}

async fn acl_of(lb: &str) -> Option<String> {
    sdk_client!(aws_sdk_wafv2)
        .get_web_acl_for_resource()
        .resource_arn(lb)
        .send()
        .await
        .unwrap()
        .web_acl()
        .map(|w| w.arn().to_string())
}

/// The ALB module's WAF association: a web ACL attached to the load balancer.
#[tokio::test]
async fn wafv2_web_acl_association_lifecycle() {
    let env = Env::new();
    let addr = "aws_wafv2_web_acl_association.a";
    let first = web_acl("assoc-first").await;
    let second = web_acl("assoc-second").await;
    let src = waf_src(&first);
    let state = env.apply(&src, &State::new()).await;
    let lb = attr(&state, "aws_lb.lb", "arn");
    assert_eq!(attr(&state, addr, "id"), format!("{first},{lb}"));
    assert_eq!(acl_of(&lb).await, Some(first.clone()));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Import as WEB_ACL_ARN,RESOURCE_ARN: no change.
    let imported = env
        .import_into(&state, addr, &format!("{first},{lb}"))
        .await;
    assert!(!env.plan(&src, &imported).await.has_changes());

    // Another web ACL replaces the association.
    let src2 = waf_src(&second);
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(acl_of(&lb).await, Some(second.clone()));
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Disassociated outside terrane: planned as a create.
    sdk_client!(aws_sdk_wafv2)
        .disassociate_web_acl()
        .resource_arn(&lb)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Create {addr}")]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(acl_of(&lb).await, Some(second.clone()));

    env.destroy(&src2, &state).await;
}

fn rotation_src(days: u32) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_secretsmanager_secret" "s" {{
  name = "rotated-secret"
}}
# moto fails RotateSecret with a function for a secret that has no value yet.
resource "aws_secretsmanager_secret_version" "v" {{
  secret_id     = aws_secretsmanager_secret.s.id
  secret_string = "one"
}}
resource "aws_secretsmanager_secret_rotation" "r" {{
  secret_id           = aws_secretsmanager_secret_version.v.secret_id
  rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
  rotate_immediately  = false
  rotation_rules {{
    automatically_after_days = {days}
  }}
}}
"#
    )
}

/// A secret's rotation by a Lambda function (made here with the SDK): created, converged,
/// its schedule changed in place, imported by the secret's ARN, and cancelled on destroy.
#[tokio::test]
async fn secret_rotation_lifecycle() {
    lambda_function("rotator").await;
    let env = Env::new();
    let addr = "aws_secretsmanager_secret_rotation.r";
    let state = env.apply(&rotation_src(30), &State::new()).await;
    let arn = attr(&state, "aws_secretsmanager_secret.s", "arn");
    assert_eq!(attr(&state, addr, "id"), arn);
    assert_eq!(attr(&state, addr, "rotation_enabled"), "true");
    common::converged(&env, &rotation_src(30), &state).await;

    let state = common::updated(&env, &rotation_src(60), &state, addr, &["rotation_rules"]).await;
    let sm = sdk_client!(aws_sdk_secretsmanager);
    let described = sm.describe_secret().secret_id(&arn).send().await.unwrap();
    assert_eq!(
        described
            .rotation_rules()
            .and_then(|r| r.automatically_after_days()),
        Some(60)
    );

    // An import cannot know `rotate_immediately` (a setting of each call, not held by
    // AWS): it takes the default, and only it plans a change, as in Terraform.
    let imported = env.import_into(&state, addr, &arn).await;
    let plan = env.plan(&rotation_src(60), &imported).await;
    assert_eq!(changed_attrs(&plan, addr), ["rotate_immediately"]);

    env.destroy(&rotation_src(60), &state).await;
    assert!(env
        .import_refreshed("aws_secretsmanager_secret_rotation", &arn)
        .await
        .is_none());
}
