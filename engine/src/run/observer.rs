//! What an apply tells its caller while it runs: progress events for the user, and each
//! finished operation's change to state, which the caller must make durable (the journal)
//! before anything that depends on it starts.

use std::time::Duration;

use crate::addr::{IndexKey, InstanceAddr, ResourceAddr};
use crate::plan::Action;
use crate::provider::Identity;
use crate::state::journal::{Intent, JournalEntry, ResourceKey};
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
    /// A create is about to be sent; the observer must make this durable (fsync) before it
    /// returns, since the object may exist from the moment the call leaves. A later `Set`
    /// of the same instance, or `Settled`, supersedes it.
    Intent {
        resource: &'a ResourceAddr,
        provider: &'a str,
        key: &'a Option<IndexKey>,
        identity: &'a Identity,
        dependencies: &'a [String],
        create_before_destroy: bool,
    },
    /// A create whose `Intent` was recorded failed without making an object.
    Settled {
        resource: &'a ResourceAddr,
        key: &'a Option<IndexKey>,
    },
}

pub(super) fn resource_key(r: &ResourceAddr, provider: &str) -> ResourceKey {
    ResourceKey {
        module: r.module_string(),
        mode: r.mode.as_state_str().to_string(),
        ty: r.ty.clone(),
        name: r.name.clone(),
        provider: provider.to_string(),
    }
}

impl StateDelta<'_> {
    /// The apply journal's line for this change.
    pub fn journal_entry(&self) -> JournalEntry {
        match *self {
            StateDelta::Set {
                resource,
                provider,
                instance,
            } => JournalEntry::set(resource_key(resource, provider), instance),
            StateDelta::Remove {
                resource,
                key,
                deposed,
            } => JournalEntry::RemoveInstance {
                resource: resource_key(resource, ""),
                index_key: key.clone(),
                deposed: deposed.clone(),
            },
            StateDelta::Intent {
                resource,
                provider,
                key,
                identity,
                dependencies,
                create_before_destroy,
            } => JournalEntry::Intent(Intent {
                resource: resource_key(resource, provider),
                index_key: key.clone(),
                identity: identity.clone(),
                dependencies: dependencies.to_vec(),
                create_before_destroy,
            }),
            StateDelta::Settled { resource, key } => JournalEntry::Settled {
                resource: resource_key(resource, ""),
                index_key: key.clone(),
            },
        }
    }

    /// Whether the journal must be synced before the observer returns: an intent must
    /// be on disk before its create is sent. Other lines survive the process in the page
    /// cache (see `state::journal`).
    pub fn must_sync(&self) -> bool {
        matches!(self, StateDelta::Intent { .. })
    }
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
    /// An operation that started failed; its diagnostics come with the run's result.
    Failed {
        addr: &'a InstanceAddr,
        action: Action,
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
    /// A provisioner finished on an object, successfully or not.
    Provisioned {
        addr: &'a InstanceAddr,
        provisioner: &'a str,
        ok: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{Mode, ModuleStep};
    use crate::state::State;

    /// A killed apply inside a module is replayed at the module's address, not the root's
    /// (the journal once wrote every key with no module: the next run then created the
    /// object again at the right address and deleted the one at the root).
    #[test]
    fn journal_lines_keep_the_module_path() {
        let mut addr = ResourceAddr::new(Mode::Managed, "null_resource", "a");
        addr.module = vec![ModuleStep {
            name: "net".into(),
            key: Some(IndexKey::Int(1)),
        }];
        let instance = InstanceState {
            index_key: None,
            status: None,
            schema_version: 0,
            attributes: serde_json::json!({ "id": "1" }).into(),
            sensitive_attributes: Vec::new(),
            identity_schema_version: 0,
            identity: None,
            private: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: None,
        };
        let entry = StateDelta::Set {
            resource: &addr,
            provider: "provider[\"registry.terraform.io/hashicorp/null\"]",
            instance: &instance,
        }
        .journal_entry();
        let mut state = State::new();
        let begin = JournalEntry::Begin {
            lineage: state.lineage.clone(),
            serial: state.serial,
        };
        crate::state::journal::replay(&mut state, &[begin, entry]).unwrap();
        let modules: Vec<_> = state.resources.iter().map(|r| r.module.clone()).collect();
        assert_eq!(modules, [Some("module.net[1]".to_string())]);
    }
}
