//! `check` blocks with scoped data sources: read at the end of the plan, visible to the
//! check's assertions, and never an error: failed reads and assertions are warnings.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use terrane_engine::diag::{Diagnostic, Diagnostics, Severity};
use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::*;
use terrane_engine::run::{self, Context};
use terrane_engine::state::State;
use terrane_provider_builtin::NullProvider;

/// A provider with one data source, `probe_status`, standing in for an HTTP health probe:
/// `status` is 200 unless `url` contains "down"; a `url` containing "unreachable" fails
/// the read. It counts reads so the test can see when the read happens. It has no
/// resources; the other calls go to a null provider.
struct Probe {
    schema: ProviderSchema,
    reads: AtomicUsize,
    inner: NullProvider,
}

impl Probe {
    fn new() -> Probe {
        let mut block = BlockSchema::default();
        block
            .attributes
            .insert("url".into(), AttributeSchema::required(Type::String));
        block
            .attributes
            .insert("status".into(), AttributeSchema::computed(Type::Number));
        let mut schema = ProviderSchema::default();
        schema
            .data_sources
            .insert("probe_status".into(), ResourceSchema { version: 0, block });
        Probe {
            schema,
            reads: AtomicUsize::new(0),
            inner: NullProvider::new(),
        }
    }
}

#[async_trait]
impl Provider for Probe {
    fn source(&self) -> &str {
        "registry.terraform.io/example/probe"
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        self.inner.configure(req).await
    }
    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        self.inner.read(reqs).await
    }
    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        self.inner.plan(req).await
    }
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        self.inner.apply(req).await
    }
    async fn import(&self, req: ImportRequest) -> ImportResponse {
        self.inner.import(req).await
    }
    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let url = req
            .config
            .get_attr("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if url.contains("unreachable") {
            return ReadDataResponse {
                state: Value::Null,
                diagnostics: Diagnostic::error("Error making request")
                    .detail(format!("GET {url}: connection refused"))
                    .into(),
            };
        }
        let status = if url.contains("down") { 503.0 } else { 200.0 };
        ReadDataResponse {
            state: Value::object([
                ("url", Value::string(url)),
                ("status", Value::number(status)),
            ]),
            diagnostics: Diagnostics::new(),
        }
    }
}

fn context(dir: &Path, src: &str, probe: Arc<Probe>) -> Context {
    common::put(dir, "main.tf", src);
    common::context_with(dir, vec![probe])
}

fn config(host: &str) -> String {
    format!(
        r#"
resource "terraform_data" "site" {{
  input = "{host}"
}}
check "health" {{
  data "probe_status" "site" {{
    url = "https://${{terraform_data.site.input}}/health"
  }}
  assert {{
    condition     = data.probe_status.site.status == 200
    error_message = "${{data.probe_status.site.url}} returned ${{data.probe_status.site.status}}"
  }}
}}
"#
    )
}

#[tokio::test]
async fn scoped_data_is_read_and_a_failing_assertion_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let probe = Arc::new(Probe::new());
    let ctx = context(dir.path(), &config("up.example.com"), probe.clone());
    let (plan, diags) = run::plan(&ctx, &State::new()).await;
    assert!(plan.is_some());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(probe.reads.load(Ordering::SeqCst), 1);
    // The scoped data source is not a planned object of its own.
    assert!(plan
        .unwrap()
        .changes
        .iter()
        .all(|c| c.addr.to_string() == "terraform_data.site"));

    let ctx = context(dir.path(), &config("down.example.com"), probe.clone());
    let (plan, diags) = run::plan(&ctx, &State::new()).await;
    assert!(plan.is_some(), "a failed check does not stop the plan");
    let w: Vec<_> = diags.iter().collect();
    assert_eq!(w.len(), 1, "{diags:?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].summary, "Check block assertion failed");
    assert_eq!(
        w[0].detail.as_deref(),
        Some("https://down.example.com/health returned 503")
    );
    assert_eq!(w[0].address.as_deref(), Some("check.health"));
    assert_eq!(w[0].span.as_ref().unwrap().line_col(), (10, 21));
}

#[tokio::test]
async fn a_failed_scoped_read_is_a_warning_and_skips_the_assertions() {
    let dir = tempfile::tempdir().unwrap();
    let probe = Arc::new(Probe::new());
    let ctx = context(dir.path(), &config("unreachable.example.com"), probe);
    let (plan, diags) = run::plan(&ctx, &State::new()).await;
    assert!(plan.is_some());
    let w: Vec<_> = diags.iter().collect();
    assert_eq!(w.len(), 1, "{diags:?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].summary, "Error making request");
    assert_eq!(w[0].address.as_deref(), Some("data.probe_status.site"));
    assert_eq!(w[0].span.as_ref().unwrap().line_col(), (6, 3));
}

#[tokio::test]
async fn scoped_data_names_are_unique_in_the_module() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "data \"probe_status\" \"a\" {\n  url = \"x\"\n}\ncheck \"c\" {\n  data \"probe_status\" \"a\" {\n    url = \"y\"\n  }\n  assert {\n    condition     = true\n    error_message = \"never\"\n  }\n}\n",
    )
    .unwrap();
    let (_, d) = terrane_engine::config::load_dir(dir.path());
    let e = d.iter().next().expect("an error");
    assert_eq!(e.summary, "Duplicate data \"probe_status\" configuration");
    assert_eq!(e.span.as_ref().unwrap().line_col(), (5, 3));
}

#[tokio::test]
async fn scoped_data_bodies_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let src = "check \"c\" {\n  data \"probe_status\" \"a\" {\n    ulr = \"x\"\n  }\n  assert {\n    condition     = true\n    error_message = \"never\"\n  }\n}\n";
    common::put(dir.path(), "main.tf", src);
    let ctx = common::context_with(dir.path(), vec![Arc::new(Probe::new())]);
    let d = run::validate(&ctx.module, &ctx.providers);
    let msgs: Vec<(&str, (usize, usize))> = d
        .iter()
        .map(|d| (d.summary.as_str(), d.span.as_ref().unwrap().line_col()))
        .collect();
    assert_eq!(
        msgs,
        [
            ("Unsupported argument", (3, 5)),
            ("Missing required argument", (2, 3))
        ]
    );
}

/// Not a check block, but the same probe: a data source inside a module whose
/// `depends_on` has pending changes is read during apply, after them, as in Terraform.
#[tokio::test]
async fn data_in_a_module_that_depends_on_pending_changes_is_read_at_apply() {
    let dir = tempfile::tempdir().unwrap();
    common::put(
        dir.path(),
        "m/main.tf",
        "data \"probe_status\" \"s\" {\n  url = \"https://example.com\"\n}\noutput \"status\" {\n  value = data.probe_status.s.status\n}\n",
    );
    let src = "resource \"terraform_data\" \"first\" {\n  input = \"v\"\n}\nmodule \"m\" {\n  source     = \"./m\"\n  depends_on = [terraform_data.first]\n}\n";
    let probe = Arc::new(Probe::new());
    let ctx = context(dir.path(), src, probe.clone());
    let (plan, d) = run::plan(&ctx, &State::new()).await;
    let plan = plan.unwrap_or_else(|| panic!("{d:?}"));
    let read = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "module.m.data.probe_status.s")
        .expect("the data source is planned");
    assert_eq!(read.action, terrane_engine::plan::Action::Read);
    assert_eq!(
        probe.reads.load(Ordering::SeqCst),
        0,
        "not read while planning"
    );
    let (state, d) = run::apply(&ctx, &plan, &common::Quiet).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(probe.reads.load(Ordering::SeqCst), 1, "read during apply");
    // With nothing pending, the next plan reads it straight away.
    let (plan, _) = run::plan(&ctx, &state).await;
    assert!(!plan.unwrap().has_changes());
    assert_eq!(probe.reads.load(Ordering::SeqCst), 2);
}
