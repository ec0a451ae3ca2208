//! Plan-and-apply tests of the orchestrator against the recording mock provider.

mod actions;
mod destroy_order;
mod ephemeral;
mod recover;
mod unused_providers;

use std::path::Path;
use std::sync::Arc;

use crate::diag::Diagnostics;
use crate::plan::{Plan, PlanMode};
use crate::provider::mock::MockProvider;
use crate::provider::Provider;
use crate::run::{self, Context, Options, Providers, Quiet};
use crate::state::State;

/// A configuration directory, the mock's world and the state the runs so far have left.
pub(super) struct Fixture {
    dir: tempfile::TempDir,
    pub mock: Arc<MockProvider>,
    pub state: State,
    /// Creates an interrupted run left in doubt (`Options::in_doubt`) for the next runs.
    pub in_doubt: Vec<crate::state::journal::Intent>,
    /// Where runs report their progress lines (`Options::progress`).
    pub progress: Option<crate::run::Progress>,
}

impl Fixture {
    /// A fixture whose root module is `main_tf`.
    pub fn new(main_tf: &str) -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().expect("a temporary directory"),
            mock: Arc::new(MockProvider::new()),
            state: State::new(),
            in_doubt: Vec::new(),
            progress: None,
        };
        f.write("main.tf", main_tf);
        f
    }

    /// Writes `text` to `rel` below the configuration directory.
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("create dirs");
        std::fs::write(p, text).expect("write file");
    }

    fn context(&self, mode: PlanMode) -> Context {
        let dir: &Path = self.dir.path();
        let (module, d) = crate::config::load_dir(dir);
        assert!(!d.has_errors(), "{d:?}");
        let graph = crate::graph::build(&module).expect("a graph");
        let variables = run::vars::resolve(&module, &[], &[], dir).expect("variables");
        let mock: Arc<dyn Provider> = self.mock.clone();
        Context {
            module: Arc::new(module),
            graph,
            providers: Arc::new(Providers::new(vec![mock])),
            variables,
            options: Options {
                mode,
                in_doubt: self.in_doubt.clone(),
                progress: self.progress.clone(),
                ..Options::default()
            },
        }
    }

    /// Plans against the current state; panics when planning fails.
    pub async fn plan(&self, mode: PlanMode) -> Plan {
        let (plan, diags) = run::plan(&self.context(mode), &self.state).await;
        plan.unwrap_or_else(|| panic!("plan failed: {diags:?}"))
    }

    /// Plans and applies, keeping the resulting state; returns the apply's diagnostics.
    /// Only the apply's calls stay recorded.
    pub async fn apply(&mut self, mode: PlanMode) -> Diagnostics {
        let ctx = self.context(mode);
        let (plan, diags) = run::plan(&ctx, &self.state).await;
        let plan = plan.unwrap_or_else(|| panic!("plan failed: {diags:?}"));
        self.mock.clear_calls();
        let (mut state, diags) = run::apply(&ctx, &plan, &Quiet).await;
        state.serial += 1;
        self.state = state;
        diags
    }

    /// Applies and insists that it worked.
    pub async fn converge(&mut self, mode: PlanMode) {
        let diags = self.apply(mode).await;
        assert!(!diags.has_errors(), "{diags:?}");
    }
}

/// Asserts that every call in `order` was made, in that order (others may come between).
pub(super) fn assert_order(calls: &[String], order: &[&str]) {
    let mut at = Vec::new();
    for want in order {
        match calls.iter().position(|c| c == want) {
            Some(i) => at.push(i),
            None => panic!("{want:?} was not called; calls: {calls:?}"),
        }
    }
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "expected {order:?} in this order; calls: {calls:?}"
    );
}
