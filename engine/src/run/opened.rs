//! Ephemeral resources (`ephemeral "type" "name"`) opened by one run: each is opened when
//! the walk reaches it with a fully known configuration, renewed while the run lasts if
//! its provider asks, and closed when the run ends. Their values live only in the run's
//! [`super::scope::Values`]; nothing here reaches state, a plan file or the journal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::instance::Site;
use crate::diag::Diagnostics;
use crate::lang::Value;
use crate::provider::{
    CloseEphemeralRequest, OpenEphemeralRequest, Provider, RenewEphemeralRequest,
};

/// Where a run reports lines such as `ephemeral.x.y: Opening...`, as Terraform prints
/// them during plan and apply. A failed operation ends with `... errored after Ns`, which
/// Terraform's JSON stream reports and its human view leaves to the diagnostics.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

struct Entry {
    addr: String,
    type_name: String,
    provider: Arc<dyn Provider>,
    /// Shared with the renewal task, which replaces it on each renewal.
    private: Arc<Mutex<Option<String>>>,
    /// Set when the run closes the resource: the renewal task stops.
    closed: Arc<AtomicBool>,
}

/// The ephemeral resources one run has open.
pub struct Opened {
    entries: Mutex<Vec<Entry>>,
    progress: Option<Progress>,
    /// How often an open or close still waiting on its provider says so.
    interval: Duration,
}

impl Opened {
    pub fn new(progress: Option<Progress>, interval: Duration) -> Opened {
        Opened {
            entries: Mutex::new(Vec::new()),
            progress,
            interval,
        }
    }

    /// Reports `{addr}: Still {verb}... [00m10s elapsed]` each interval until dropped,
    /// as Terraform does for an operation that takes long.
    fn still_going(&self, addr: &str, verb: &'static str) -> Option<StillGoing> {
        let progress = self.progress.clone()?;
        let (addr, interval) = (addr.to_string(), self.interval);
        let started = Instant::now();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let secs = started.elapsed().as_secs();
                progress(&format!(
                    "{addr}: Still {verb}... [{:02}m{:02}s elapsed]",
                    secs / 60,
                    secs % 60
                ));
            }
        });
        Some(StillGoing(task))
    }

    /// Passes a line of the run's progress on (the plan's data source reads use it too).
    pub(super) fn say(&self, line: &str) {
        if let Some(p) = &self.progress {
            p(line);
        }
    }

    /// Opens one instance and returns its result; it stays open until [`Opened::close_all`].
    pub(super) async fn open(
        &self,
        provider: &Arc<dyn Provider>,
        site: &Site<'_>,
        config: Value,
    ) -> Result<Value, Diagnostics> {
        let started = Instant::now();
        self.say(&format!("{}: Opening...", site.addr));
        let still = self.still_going(site.addr, "opening");
        let resp = provider
            .open_ephemeral(OpenEphemeralRequest {
                type_name: site.resource.addr.ty.clone(),
                address: site.addr.to_string(),
                config,
            })
            .await;
        drop(still);
        if resp.diagnostics.has_errors() {
            self.say(&format!(
                "{}: Opening errored after {}s",
                site.addr,
                started.elapsed().as_secs()
            ));
            return Err(site.attach(resp.diagnostics));
        }
        self.say(&format!(
            "{}: Opening complete after {}s",
            site.addr,
            started.elapsed().as_secs()
        ));
        let entry = Entry {
            addr: site.addr.to_string(),
            type_name: site.resource.addr.ty.clone(),
            provider: Arc::clone(provider),
            private: Arc::new(Mutex::new(resp.private)),
            closed: Arc::new(AtomicBool::new(false)),
        };
        if let Some(at) = resp.renew_at {
            renew_while_open(&entry, at, self.progress.clone());
        }
        self.entries.lock().expect("lock poisoned").push(entry);
        Ok(resp.result)
    }

    /// Closes everything this run opened, most recent first (a resource opened with the
    /// result of another is released before it). Errors are reported, not fatal: the
    /// run's work is done by now.
    pub async fn close_all(&self) -> Diagnostics {
        let entries = std::mem::take(&mut *self.entries.lock().expect("lock poisoned"));
        let mut diags = Diagnostics::new();
        for e in entries.into_iter().rev() {
            e.closed.store(true, Ordering::SeqCst);
            let started = Instant::now();
            self.say(&format!("{}: Closing...", e.addr));
            let still = self.still_going(&e.addr, "closing");
            let private = e.private.lock().expect("lock poisoned").take();
            let d = e
                .provider
                .close_ephemeral(CloseEphemeralRequest {
                    type_name: e.type_name.clone(),
                    private,
                })
                .await;
            drop(still);
            let outcome = if d.has_errors() {
                "errored"
            } else {
                "complete"
            };
            self.say(&format!(
                "{}: Closing {outcome} after {}s",
                e.addr,
                started.elapsed().as_secs()
            ));
            diags.extend(d.with_address(&e.addr));
        }
        diags
    }
}

/// The task of [`Opened::still_going`]; dropping it stops the reports.
struct StillGoing(tokio::task::JoinHandle<()>);

impl Drop for StillGoing {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Renews `entry` each time its provider's `renew_at` comes, until the run closes it. A
/// failed renewal stops renewing; whatever then uses the value reports the provider's
/// error.
fn renew_while_open(entry: &Entry, first: SystemTime, progress: Option<Progress>) {
    // Weak: a sleeping renewal must not keep a provider (a plugin process) alive past
    // the run that opened the resource.
    let (provider, type_name) = (Arc::downgrade(&entry.provider), entry.type_name.clone());
    let (private, closed) = (Arc::clone(&entry.private), Arc::clone(&entry.closed));
    let addr = entry.addr.clone();
    let say = move |line: String| {
        if let Some(p) = &progress {
            p(&line);
        }
    };
    tokio::spawn(async move {
        let mut at = first;
        loop {
            let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
            tokio::time::sleep(wait).await;
            if closed.load(Ordering::SeqCst) {
                return;
            }
            let Some(provider) = provider.upgrade() else {
                return;
            };
            let current = private.lock().expect("lock poisoned").clone();
            let started = Instant::now();
            say(format!("{addr}: Renewing..."));
            let resp = provider
                .renew_ephemeral(RenewEphemeralRequest {
                    type_name: type_name.clone(),
                    private: current,
                })
                .await;
            let outcome = if resp.diagnostics.has_errors() {
                "errored"
            } else {
                "complete"
            };
            say(format!(
                "{addr}: Renewal {outcome} after {}s",
                started.elapsed().as_secs()
            ));
            if resp.diagnostics.has_errors() {
                return;
            }
            *private.lock().expect("lock poisoned") = resp.private;
            match resp.renew_at {
                Some(next) => at = next,
                None => return,
            }
        }
    });
}
