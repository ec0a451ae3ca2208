//! The apply journal: a local, append-only JSON-lines file recording every finished resource
//! operation of a running apply, so that a run killed at any moment (SIGKILL, OOM, a lost
//! CI runner) loses no operation that already changed real infrastructure.
//!
//! Every line is one [`JournalEntry`] written by a single `write(2)` of the whole line. Once
//! `write` returns the bytes are in the kernel's page cache, which survives the death of the
//! process, so no fsync is needed per entry; [`Journal::sync`] makes them durable against
//! power loss too, and the engine calls it periodically and at the end. A crash can tear at
//! most the line being written, which [`recover`] ignores.
//!
//! After a crash the next run [`recover`]s the entries and [`replay`]s them onto the last
//! stored snapshot before doing anything else. Replaying is idempotent: each entry sets or
//! removes one instance to its final value, so replaying onto a snapshot that already holds
//! some of the entries gives the same result.
//!
//! A create in flight when the run died has no result yet, but its object may exist. So
//! before a create is sent the engine journals an [`Intent`] (the address and the
//! provider's [`Identity`] of the object, e.g. its name) and fsyncs it; the create's result
//! supersedes it. Replay hands back the intents left without a result, and the next run
//! asks the provider to find each one (`run::recover`), adopting what it finds.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{IndexKey, InstanceState, ResourceState, State, StateError};
use crate::provider::Identity;

/// Identifies a resource (all its instances) in state, as [`ResourceState`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// "managed" or "data".
    pub mode: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub name: String,
    /// For example `provider["registry.terraform.io/hashicorp/null"]`.
    pub provider: String,
}

impl ResourceKey {
    /// The key of an existing resource in state.
    pub fn of(resource: &ResourceState) -> ResourceKey {
        ResourceKey {
            module: resource.module.clone(),
            mode: resource.mode.clone(),
            ty: resource.ty.clone(),
            name: resource.name.clone(),
            provider: resource.provider.clone(),
        }
    }

    /// Whether `other` names the same resource (the provider aside, as in `matches`).
    pub fn same_resource(&self, other: &ResourceKey) -> bool {
        self.module == other.module
            && self.mode == other.mode
            && self.ty == other.ty
            && self.name == other.name
    }

    /// Whether `resource` is the resource this key names. The provider is not part of a
    /// resource's identity: it may change between runs for the same address.
    fn matches(&self, resource: &ResourceState) -> bool {
        resource.module == self.module
            && resource.mode == self.mode
            && resource.ty == self.ty
            && resource.name == self.name
    }
}

/// A create about to be sent: what finds its object should the run die before the answer
/// is journalled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub resource: ResourceKey,
    #[serde(default)]
    pub index_key: Option<IndexKey>,
    pub identity: Identity,
    /// What the instance would record, so an adopted object keeps its destroy order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
}

impl Intent {
    /// The address of the instance this intent creates; `None` when the journalled
    /// module path is not a valid module address (a damaged journal).
    pub fn instance_addr(&self) -> Option<crate::addr::InstanceAddr> {
        crate::addr::ResourceAddr::from_state(
            self.resource.module.as_deref(),
            crate::addr::Mode::from_state_str(&self.resource.mode),
            &self.resource.ty,
            &self.resource.name,
        )
        .map(|r| r.instance(self.index_key.clone()))
    }

    /// Whether this intent is the create of instance `index_key` of `resource`.
    pub fn is_for(&self, resource: &ResourceKey, index_key: Option<&IndexKey>) -> bool {
        self.resource.same_resource(resource) && self.index_key.as_ref() == index_key
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum JournalEntry {
    /// The first line: which snapshot the run started from.
    Begin { lineage: String, serial: u64 },
    /// A create, update or read finished; this is the instance's new state, without the
    /// values of its sensitive attributes (see [`JournalEntry::set`]).
    SetInstance {
        resource: ResourceKey,
        #[serde(deserialize_with = "instance_from_tree")]
        instance: InstanceState,
        /// Sensitive attributes whose values were left out (written as null).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        redacted: Vec<String>,
    },
    /// A delete finished.
    RemoveInstance {
        resource: ResourceKey,
        #[serde(default)]
        index_key: Option<IndexKey>,
        /// Set when the removed object was a deposed one (create-before-destroy).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deposed: Option<String>,
    },
    /// A create is about to be sent (fsynced before it is). Superseded by a later
    /// `SetInstance` of the same current instance, or by `Settled`.
    Intent(Intent),
    /// A create whose intent was journalled failed without making an object: there is
    /// nothing to look for (and an object found by the same name would be someone else's).
    Settled {
        resource: ResourceKey,
        #[serde(default)]
        index_key: Option<IndexKey>,
    },
}

impl JournalEntry {
    /// The line recording `instance` as the new state of `resource`, with the values of its
    /// sensitive attributes left out.
    ///
    /// Only state may hold secrets, and the journal is not state: it is a local file, also
    /// when state lives in S3, and a killed run leaves it behind. So a password set by this
    /// run is not journalled; replay takes the attribute's value from the stored state when
    /// the instance was there already, and otherwise leaves it null, which the next plan
    /// shows as a change of that argument and the apply after it sends again.
    pub fn set(resource: ResourceKey, instance: &InstanceState) -> JournalEntry {
        let mut instance = instance.clone();
        let mut redacted = Vec::new();
        let sensitive: Vec<String> = instance
            .sensitive_attributes
            .iter()
            .filter_map(|p| Some(p.get(0)?.get("value")?.as_str()?.to_string()))
            .collect();
        if !sensitive.is_empty() {
            instance.attributes.edit(|attrs| {
                let Some(attrs) = attrs.as_object_mut() else {
                    return;
                };
                for name in sensitive {
                    if let Some(v) = attrs.get_mut(&name).filter(|v| !v.is_null()) {
                        *v = serde_json::Value::Null;
                        redacted.push(name);
                    }
                }
            });
        }
        JournalEntry::SetInstance {
            resource,
            instance,
            redacted,
        }
    }
}

/// An instance of a journal line. The line's `op` tag makes serde buffer the entry before
/// choosing the variant, and state attributes (kept as JSON text, see
/// [`crate::state::Attributes`]) cannot be read from that buffer: the instance is read as a
/// JSON tree first, which they can be read from.
fn instance_from_tree<'de, D: serde::Deserializer<'de>>(d: D) -> Result<InstanceState, D::Error> {
    let tree = serde_json::Value::deserialize(d)?;
    serde_json::from_value(tree).map_err(serde::de::Error::custom)
}

/// An open journal being appended to.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// The length of the file up to the last complete line, to cut off a partial line after
    /// a failed write.
    len: u64,
    /// Set when a failed append could not be cut off: later lines would follow a torn one,
    /// which [`recover`] would rightly call corrupt, so further appends are refused.
    poisoned: bool,
}

fn encode(entry: &JournalEntry) -> io::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
    // serde_json escapes control characters in strings, so the only newline is this one.
    line.push(b'\n');
    Ok(line)
}

/// Makes a file's creation or removal durable (see `sync_dir` in the local backend). Not
/// possible, nor needed, on Windows.
fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

impl Journal {
    /// Starts a new journal at `path` (replacing any old one, which the caller has
    /// recovered first), with a `Begin` line made durable before any operation runs.
    ///
    /// # Errors
    /// Any I/O error creating the directories or the file.
    pub fn create(path: &Path, lineage: &str, serial: u64) -> io::Result<Journal> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        let mut journal = Journal {
            file,
            path: path.to_path_buf(),
            len: 0,
            poisoned: false,
        };
        journal.append(&JournalEntry::Begin {
            lineage: lineage.to_string(),
            serial,
        })?;
        journal.file.sync_all()?;
        sync_parent(path)?;
        Ok(journal)
    }

    /// Carries creates still in doubt (see `run::Options::in_doubt`) into this journal,
    /// durably, so a later command looks for their objects again even if this run dies.
    ///
    /// # Errors
    /// Any I/O error writing or syncing.
    pub fn keep_in_doubt(&mut self, intents: &[Intent]) -> io::Result<()> {
        if intents.is_empty() {
            return Ok(());
        }
        for intent in intents {
            self.append(&JournalEntry::Intent(intent.clone()))?;
        }
        self.file.sync_all()
    }

    /// Appends one entry as one full line in a single write. No fsync: the page cache
    /// survives the process being killed, and fsync per resource would make large applies
    /// slow for no gain against that failure.
    ///
    /// # Errors
    /// An I/O error writing; the partial line, if any, is cut off again so the journal stays
    /// valid, or else the journal refuses further appends.
    pub fn append(&mut self, entry: &JournalEntry) -> io::Result<()> {
        if self.poisoned {
            return Err(io::Error::other(format!(
                "{}: an earlier write failed part way; the journal takes no more entries",
                self.path.display()
            )));
        }
        let line = encode(entry)?;
        // `write_all` issues one write(2) for a regular file unless the write comes up short,
        // which only happens on errors such as a full disk.
        match self.file.write_all(&line) {
            Ok(()) => {
                self.len += line.len() as u64;
                Ok(())
            }
            Err(e) => {
                let cut = self
                    .file
                    .set_len(self.len)
                    .and_then(|()| self.file.seek(SeekFrom::Start(self.len)));
                if cut.is_err() {
                    self.poisoned = true;
                }
                Err(e)
            }
        }
    }

    /// Makes the entries written so far durable against power loss (fdatasync).
    ///
    /// # Errors
    /// The I/O error of the sync.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Deletes the journal once the state including all its entries has been written.
    ///
    /// # Errors
    /// An I/O error removing the file.
    pub fn finish(self) -> io::Result<()> {
        let Journal { file, path, .. } = self;
        drop(file);
        fs::remove_file(&path)?;
        // Should the removal be lost to a power cut, the next run replays entries that are
        // already in the stored state, which is harmless.
        let _ = sync_parent(&path);
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads a journal left behind by a run that did not finish. `None` when there is none.
///
/// A last line that does not parse is the line being written when the run died and is
/// ignored; any other unreadable line means the file is corrupt.
///
/// # Errors
/// [`StateError::Corrupt`] naming the line for a damaged journal or an I/O error.
pub fn recover(path: &Path) -> Result<Option<Vec<JournalEntry>>, StateError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(StateError::Corrupt {
                reason: format!("cannot read the apply journal {}: {e}", path.display()),
            })
        }
    };
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut entries = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_slice::<JournalEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) if i + 1 == lines.len() => {}
            Err(e) => {
                return Err(StateError::Corrupt {
                    reason: format!(
                        "the apply journal {} is damaged at line {}: {e}",
                        path.display(),
                        i + 1
                    ),
                })
            }
        }
    }
    Ok(Some(entries))
}

/// Applies recovered entries to the snapshot the run started from (or a later one written
/// by the same run).
///
/// Returns the intents no later entry superseded: creates that were in flight when the
/// run died, whose objects may exist.
///
/// # Errors
/// A message when the entries do not start with a `Begin` for this state's lineage: the
/// journal belongs to another state and applying it would corrupt this one.
pub fn replay(state: &mut State, entries: &[JournalEntry]) -> Result<Vec<Intent>, String> {
    let Some((first, rest)) = entries.split_first() else {
        return Ok(Vec::new());
    };
    match first {
        JournalEntry::Begin { lineage, .. } if *lineage == state.lineage => {}
        JournalEntry::Begin { lineage, .. } => {
            return Err(format!(
                "the apply journal belongs to state lineage {lineage}, but the stored state \
                 has lineage {}; it was not replayed",
                state.lineage
            ))
        }
        _ => return Err("the apply journal does not start with a begin entry".into()),
    }
    let mut pending: Vec<Intent> = Vec::new();
    for entry in rest {
        match entry {
            JournalEntry::Begin { .. } => {
                return Err("the apply journal has a second begin entry".into());
            }
            JournalEntry::SetInstance {
                resource,
                instance,
                redacted,
            } => {
                if instance.deposed.is_none() {
                    pending.retain(|i| !i.is_for(resource, instance.index_key.as_ref()));
                }
                if redacted.is_empty() {
                    set_instance(state, resource, instance);
                } else {
                    let restored = restore_redacted(state, resource, instance, redacted);
                    set_instance(state, resource, &restored);
                }
            }
            JournalEntry::RemoveInstance {
                resource,
                index_key,
                deposed,
            } => remove_instance(state, resource, index_key.as_ref(), deposed.as_ref()),
            JournalEntry::Intent(intent) => {
                pending.retain(|i| !i.is_for(&intent.resource, intent.index_key.as_ref()));
                pending.push(intent.clone());
            }
            JournalEntry::Settled {
                resource,
                index_key,
            } => pending.retain(|i| !i.is_for(resource, index_key.as_ref())),
        }
    }
    state.normalize();
    Ok(pending)
}

/// Records an object found for a pending [`Intent`] as the instance at its address.
pub fn adopt(state: &mut State, intent: &Intent, instance: &InstanceState) {
    set_instance(state, &intent.resource, instance);
    state.normalize();
}

/// The stored state with a pending journal folded in.
#[derive(Debug)]
pub struct Folded {
    pub state: State,
    /// How many finished operations the journal held.
    pub operations: usize,
    /// Creates that were in flight when the run died (see [`replay`]); their objects may
    /// exist and must be looked for before the state is trusted.
    pub pending: Vec<Intent>,
}

/// Why a pending journal could not be folded.
#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    /// The journal could not be read; the stored state is all there is.
    #[error(transparent)]
    Unreadable(StateError),
    /// The journal belongs to another state (or is malformed); it must be kept.
    #[error("{0}")]
    Mismatch(String),
}

/// Folds the journal at `path`, if there is one, into `stored` (`None` when no state was
/// saved yet: the journal then starts the lineage). Returns `None` without a journal. The
/// serial is bumped, as it will be when the folded state is saved.
///
/// # Errors
/// [`FoldError::Unreadable`] for a damaged journal, [`FoldError::Mismatch`] for one that
/// belongs to another lineage.
pub fn fold(stored: Option<&State>, path: &Path) -> Result<Option<Folded>, FoldError> {
    let Some(entries) = recover(path).map_err(FoldError::Unreadable)? else {
        return Ok(None);
    };
    let mut state = stored.cloned().unwrap_or_else(State::new);
    if let (None, Some(JournalEntry::Begin { lineage, .. })) = (stored, entries.first()) {
        state.lineage.clone_from(lineage);
    }
    let pending = replay(&mut state, &entries).map_err(FoldError::Mismatch)?;
    state.serial += 1;
    let operations = entries
        .iter()
        .filter(|e| {
            matches!(
                e,
                JournalEntry::SetInstance { .. } | JournalEntry::RemoveInstance { .. }
            )
        })
        .count();
    Ok(Some(Folded {
        state,
        operations,
        pending,
    }))
}

/// `instance` with its redacted attributes taken from the instance state already holds
/// at the same address (an update's prior object), where there is one.
fn restore_redacted(
    state: &State,
    key: &ResourceKey,
    instance: &InstanceState,
    redacted: &[String],
) -> InstanceState {
    let mut restored = instance.clone();
    let prior = state
        .resources
        .iter()
        .find(|r| key.matches(r))
        .and_then(|r| {
            r.instances
                .iter()
                .find(|i| i.index_key == instance.index_key && i.deposed == instance.deposed)
        });
    if let Some(prior) = prior {
        let prior = prior.attributes.to_json();
        restored.attributes.edit(|attrs| {
            let Some(attrs) = attrs.as_object_mut() else {
                return;
            };
            for name in redacted {
                if let Some(v) = prior.get(name) {
                    attrs.insert(name.clone(), v.clone());
                }
            }
        });
    }
    restored
}

fn set_instance(state: &mut State, key: &ResourceKey, instance: &InstanceState) {
    match state.resources.iter_mut().find(|r| key.matches(r)) {
        Some(r) => {
            r.provider.clone_from(&key.provider);
            match r
                .instances
                .iter_mut()
                .find(|i| i.index_key == instance.index_key && i.deposed == instance.deposed)
            {
                Some(existing) => *existing = instance.clone(),
                None => r.instances.push(instance.clone()),
            }
        }
        None => state.resources.push(ResourceState {
            module: key.module.clone(),
            mode: key.mode.clone(),
            ty: key.ty.clone(),
            name: key.name.clone(),
            provider: key.provider.clone(),
            instances: vec![instance.clone()],
        }),
    }
}

fn remove_instance(
    state: &mut State,
    key: &ResourceKey,
    index_key: Option<&IndexKey>,
    deposed: Option<&String>,
) {
    if let Some(r) = state.resources.iter_mut().find(|r| key.matches(r)) {
        r.instances
            .retain(|i| i.index_key.as_ref() != index_key || i.deposed.as_ref() != deposed);
    }
    // Resources left without instances disappear, as they do from Terraform's state.
    state.resources.retain(|r| !r.instances.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> ResourceKey {
        ResourceKey {
            module: None,
            mode: "managed".into(),
            ty: "null_resource".into(),
            name: name.into(),
            provider: "provider[\"registry.terraform.io/hashicorp/null\"]".into(),
        }
    }

    fn instance(index_key: Option<IndexKey>, id: &str) -> InstanceState {
        InstanceState {
            index_key,
            status: None,
            schema_version: 0,
            attributes: json!({ "id": id }).into(),
            sensitive_attributes: Vec::new(),
            identity_schema_version: 0,
            identity: None,
            private: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: None,
        }
    }

    fn begin(state: &State) -> JournalEntry {
        JournalEntry::Begin {
            lineage: state.lineage.clone(),
            serial: state.serial,
        }
    }

    #[test]
    fn fold_adds_a_pending_journal_to_the_stored_state_or_starts_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let stored = State::new();
        assert!(fold(Some(&stored), &path).unwrap().is_none());
        let mut j = Journal::create(&path, &stored.lineage, stored.serial).unwrap();
        j.append(&JournalEntry::SetInstance {
            redacted: Vec::new(),
            resource: key("a"),
            instance: instance(None, "a"),
        })
        .unwrap();
        let folded = fold(Some(&stored), &path).unwrap().unwrap();
        assert_eq!(folded.operations, 1);
        assert_eq!(folded.state.serial, stored.serial + 1);
        assert_eq!(folded.state.resources.len(), 1);
        // A run killed before it first saved state: the journal gives the lineage.
        let first = fold(None, &path).unwrap().unwrap();
        assert_eq!(first.state.lineage, stored.lineage);
        // A journal of another lineage is refused, not folded.
        let other = State::new();
        assert!(matches!(
            fold(Some(&other), &path),
            Err(FoldError::Mismatch(_))
        ));
    }

    #[test]
    fn sensitive_values_stay_out_of_the_journal_and_replay_keeps_the_stored_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let secret = |id: &str, password: &str, port: u16| {
            let mut i = instance(None, id);
            i.attributes = json!({ "id": id, "password": password, "port": port }).into();
            i.sensitive_attributes = vec![json!([{ "type": "get_attr", "value": "password" }])];
            i
        };
        // An earlier run stored `db` with its password; this one changes its port and
        // creates `db2`, then is killed.
        let mut stored = State::new();
        set_instance(&mut stored, &key("db"), &secret("db", "hunter2-old", 5432));
        let mut j = Journal::create(&path, &stored.lineage, stored.serial).unwrap();
        j.append(&JournalEntry::set(
            key("db"),
            &secret("db", "hunter2-old", 5433),
        ))
        .unwrap();
        j.append(&JournalEntry::set(
            key("db2"),
            &secret("db2", "s3cret-new", 1),
        ))
        .unwrap();
        drop(j);
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("s3cret"),
            "the journal holds a password: {text}"
        );

        let folded = fold(Some(&stored), &path).unwrap().unwrap();
        let attrs = |name: &str| {
            let r = folded.state.resources.iter().find(|r| r.name == name);
            r.unwrap().instances[0].clone()
        };
        // The update: its new port, and the password state already held.
        assert_eq!(
            attrs("db").attributes.to_json(),
            json!({ "id": "db", "password": "hunter2-old", "port": 5433 })
        );
        // The create: no password to take, so none; still marked sensitive.
        let db2 = attrs("db2");
        assert_eq!(
            db2.attributes.to_json(),
            json!({ "id": "db2", "password": null, "port": 1 })
        );
        assert_eq!(db2.sensitive_attributes.len(), 1);
    }

    #[test]
    fn replay_sets_and_removes_instances() {
        let mut state = State::new();
        let entries = vec![
            begin(&state),
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("a"),
                instance: instance(Some(IndexKey::Int(1)), "a1"),
            },
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("a"),
                instance: instance(Some(IndexKey::Int(0)), "a0"),
            },
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("b"),
                instance: instance(None, "b-old"),
            },
            // An update replaces the instance.
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("b"),
                instance: instance(None, "b-new"),
            },
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("c"),
                instance: instance(None, "c"),
            },
            JournalEntry::RemoveInstance {
                resource: key("a"),
                index_key: Some(IndexKey::Int(1)),
                deposed: None,
            },
            // Removing the last instance removes the resource.
            JournalEntry::RemoveInstance {
                resource: key("c"),
                index_key: None,
                deposed: None,
            },
            // Removing what is not there is a no-op (replay is idempotent).
            JournalEntry::RemoveInstance {
                resource: key("zzz"),
                index_key: None,
                deposed: None,
            },
        ];
        replay(&mut state, &entries).unwrap();
        let summary: Vec<(String, Vec<serde_json::Value>)> = state
            .resources
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.instances
                        .iter()
                        .map(|i| i.attributes.to_json()["id"].clone())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a".to_string(), vec![json!("a0")]),
                ("b".to_string(), vec![json!("b-new")]),
            ]
        );

        // Replaying again onto the result changes nothing.
        let once = state.clone();
        replay(&mut state, &entries).unwrap();
        assert_eq!(state, once);
    }

    fn intent(name: &str, index_key: Option<IndexKey>) -> JournalEntry {
        JournalEntry::Intent(Intent {
            resource: key(name),
            index_key,
            identity: Identity([("name".to_string(), name.to_string())].into()),
            dependencies: vec!["null_resource.x".into()],
            create_before_destroy: false,
        })
    }

    #[test]
    fn intents_without_a_result_are_pending_after_replay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let state = State::new();
        let mut j = Journal::create(&path, &state.lineage, state.serial).unwrap();
        let entries = [
            intent("done", None),
            intent("failed", None),
            intent("flying", Some(IndexKey::Int(1))),
            intent("flying", Some(IndexKey::Int(2))),
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("done"),
                instance: instance(None, "d"),
            },
            JournalEntry::Settled {
                resource: key("failed"),
                index_key: None,
            },
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("flying"),
                instance: instance(Some(IndexKey::Int(2)), "f2"),
            },
        ];
        for e in &entries {
            j.append(e).unwrap();
        }
        let folded = fold(Some(&state), &path).unwrap().unwrap();
        assert_eq!(folded.operations, 2, "intents are not operations");
        assert_eq!(folded.pending.len(), 1);
        let p = &folded.pending[0];
        assert_eq!(
            (p.resource.name.as_str(), &p.index_key),
            ("flying", &Some(IndexKey::Int(1)))
        );
        assert_eq!(p.identity.get("name"), Some("flying"));
        assert_eq!(p.dependencies, ["null_resource.x"]);
        // A deposed object recorded after an intent does not answer it.
        let mut again = state.clone();
        let mut deposed = instance(None, "old");
        deposed.deposed = Some("abcd".into());
        let pending = replay(
            &mut again,
            &[
                begin(&state),
                intent("cbd", None),
                JournalEntry::SetInstance {
                    redacted: Vec::new(),
                    resource: key("cbd"),
                    instance: deposed,
                },
            ],
        )
        .unwrap();
        assert_eq!(pending.len(), 1);
        // Adopting writes the found object at the intent's address.
        adopt(&mut again, &pending[0], &instance(None, "found"));
        let r = &again.resources[0];
        assert_eq!(r.instances.len(), 2);
        assert!(r
            .instances
            .iter()
            .any(|i| i.deposed.is_none() && i.attributes.to_json()["id"] == json!("found")));
    }

    #[test]
    fn replay_refuses_other_lineage() {
        let mut state = State::new();
        let other = State::new();
        let entries = vec![
            begin(&other),
            JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("a"),
                instance: instance(None, "a"),
            },
        ];
        let err = replay(&mut state, &entries).unwrap_err();
        assert!(err.contains(&other.lineage), "{err}");
        assert!(state.resources.is_empty(), "nothing was applied");
    }

    #[test]
    fn replay_refuses_missing_begin() {
        let mut state = State::new();
        let entries = vec![JournalEntry::RemoveInstance {
            resource: key("a"),
            index_key: None,
            deposed: None,
        }];
        assert!(replay(&mut state, &entries).is_err());
    }

    #[test]
    fn journal_round_trip_and_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/apply.journal");
        let state = State::new();
        let mut j = Journal::create(&path, &state.lineage, 7).unwrap();
        let set = JournalEntry::SetInstance {
            redacted: Vec::new(),
            resource: key("a"),
            instance: instance(Some(IndexKey::Str("x\ny".into())), "a"),
        };
        j.append(&set).unwrap();
        j.sync().unwrap();
        let got = recover(&path).unwrap().unwrap();
        assert_eq!(
            got,
            vec![
                JournalEntry::Begin {
                    lineage: state.lineage.clone(),
                    serial: 7
                },
                set
            ]
        );
        j.finish().unwrap();
        assert!(!path.exists());
        assert_eq!(recover(&path).unwrap(), None);
    }

    #[test]
    fn torn_last_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("apply.journal");
        let state = State::new();
        let mut j = Journal::create(&path, &state.lineage, 0).unwrap();
        let set = JournalEntry::SetInstance {
            redacted: Vec::new(),
            resource: key("a"),
            instance: instance(None, "a"),
        };
        j.append(&set).unwrap();
        drop(j);
        // Simulate a kill in the middle of writing the next line.
        let full = encode(&JournalEntry::RemoveInstance {
            resource: key("a"),
            index_key: None,
            deposed: None,
        })
        .unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&full[..full.len() / 2]).unwrap();
        drop(f);

        let got = recover(&path).unwrap().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], set);
    }

    #[test]
    fn damaged_middle_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("apply.journal");
        let state = State::new();
        let mut j = Journal::create(&path, &state.lineage, 0).unwrap();
        j.append(&JournalEntry::RemoveInstance {
            resource: key("a"),
            index_key: None,
            deposed: None,
        })
        .unwrap();
        drop(j);
        let text = fs::read_to_string(&path).unwrap();
        let damaged = text.replacen("{\"op\":\"remove_instance\"", "{\"op\":", 1)
            + &String::from_utf8(
                encode(&JournalEntry::RemoveInstance {
                    resource: key("b"),
                    index_key: None,
                    deposed: None,
                })
                .unwrap(),
            )
            .unwrap();
        fs::write(&path, damaged).unwrap();
        assert!(matches!(
            recover(&path),
            Err(StateError::Corrupt { reason }) if reason.contains("line 2")
        ));
        // Garbage bytes are an error too, never a panic.
        fs::write(&path, b"\xff\xfe\x00garbage\n{\"op\":\"begin\"}\n\x00\x00").unwrap();
        assert!(recover(&path).is_err());
    }

    #[test]
    fn ten_thousand_entries_make_ten_thousand_and_one_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("apply.journal");
        let state = State::new();
        let mut j = Journal::create(&path, &state.lineage, 3).unwrap();
        for i in 0..10_000i64 {
            j.append(&JournalEntry::SetInstance {
                redacted: Vec::new(),
                resource: key("many"),
                instance: instance(Some(IndexKey::Int(i)), &format!("id-{i}")),
            })
            .unwrap();
        }
        j.sync().unwrap();
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 10_001);
        assert_eq!(bytes.last(), Some(&b'\n'));

        let entries = recover(&path).unwrap().unwrap();
        assert_eq!(entries.len(), 10_001);
        let mut recovered = state.clone();
        replay(&mut recovered, &entries).unwrap();
        assert_eq!(recovered.resources.len(), 1);
        assert_eq!(recovered.resources[0].instances.len(), 10_000);
    }
}
