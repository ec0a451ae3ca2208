//! What an apply tells its caller while it runs: progress events for the user, and each
//! finished operation's change to state, which the caller must make durable (the journal)
//! before anything that depends on it starts.

use std::time::Duration;

use crate::addr::{IndexKey, InstanceAddr, ResourceAddr};
use crate::plan::Action;
use crate::state::InstanceState;

/// A change to state that must be made durable before anything depending on it starts.
pub enum StateDelta<'a> {
    Set {
        resource: &'a ResourceAddr,
        provider: &'a str,
        instance: &'a InstanceState,
    },
    Remove {
        resource: &'a ResourceAddr,
        key: &'a Option<IndexKey>,
        deposed: &'a Option<String>,
    },
}

/// Progress of one operation, for the user.
pub enum ApplyEvent<'a> {
    Start {
        addr: &'a InstanceAddr,
        action: Action,
        /// The object's id, for updates and deletes (Terraform prints `[id=...]`).
        id: Option<String>,
    },
    Still {
        addr: &'a InstanceAddr,
        action: Action,
        elapsed: Duration,
    },
    Done {
        addr: &'a InstanceAddr,
        action: Action,
        id: Option<String>,
        elapsed: Duration,
    },
    /// A provisioner starts on an object (`Provisioning with 'local-exec'...`).
    Provisioning {
        addr: &'a InstanceAddr,
        provisioner: &'a str,
    },
    /// One non-empty line a provisioner printed (its command, then the output).
    ProvisionOutput {
        addr: &'a InstanceAddr,
        provisioner: &'a str,
        line: &'a str,
    },
}

pub trait ApplyObserver: Send + Sync {
    fn event(&self, e: ApplyEvent<'_>);
    /// Records a finished operation durably (the journal); an error stops the run.
    fn record(&self, d: StateDelta<'_>) -> std::io::Result<()>;
}

/// An observer that shows nothing and keeps no journal, for callers that only want the
/// resulting state (tests, embedders).
pub struct Quiet;

impl ApplyObserver for Quiet {
    fn event(&self, _: ApplyEvent<'_>) {}
    fn record(&self, _: StateDelta<'_>) -> std::io::Result<()> {
        Ok(())
    }
}
