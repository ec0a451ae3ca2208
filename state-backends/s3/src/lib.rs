//! The S3 state backend: Terraform's `backend "s3"`, laid out exactly as Terraform lays it
//! out so that terrane and Terraform can share a bucket and exclude each other.
//!
//! * State objects: the default workspace at `key`, others at
//!   `<workspace_key_prefix>/<workspace>/<key>` ([`S3Config::state_key`]).
//! * Locks (see [`lock`]): a DynamoDB item `LockID = <bucket>/<state key>` whose `Info` is
//!   Terraform's lock JSON, and/or an S3 lock file `<state key>.tflock` created with
//!   `If-None-Match: *`. terrane adds a lease (`Expires`) that a heartbeat renews.
//! * Digest: with a DynamoDB table, the item `<bucket>/<state key>-md5` holds the MD5 of the
//!   last state written; a read whose MD5 differs is a stale read and is retried.
//!
//! Beyond Terraform, every state write is conditional (`If-Match` on the ETag that was read,
//! `If-None-Match: *` for a new workspace), so two writers can never silently overwrite
//! each other.

mod aws;
pub mod config;
mod lock;
pub mod testing;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ObjectCannedAcl, ServerSideEncryption};
use md5::{Digest, Md5};
use terrane_engine::state::{
    BackendError, Etag, LockGuard, LockRequest, State, StateBackend, Versioned, DEFAULT_WORKSPACE,
};
use tokio::sync::OnceCell;

use crate::aws::{ddb_error, precondition_failed, s3_error, status, Clients};
pub use crate::config::{ConfigError, S3Config};
pub use crate::lock::Lease;
use crate::lock::{Attempt, LockPlaces, LOCK_ID};

/// Timings a test may shorten.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub lease: Lease,
    /// How long a read retries while the object's MD5 differs from the digest item (S3 may
    /// briefly serve an older copy); Terraform waits 10 seconds too.
    pub consistency_wait: Duration,
    /// The longest pause between two attempts to take a held lock.
    pub lock_retry_max: Duration,
}

impl Default for Timings {
    fn default() -> Timings {
        Timings {
            lease: Lease::default(),
            consistency_wait: Duration::from_secs(10),
            lock_retry_max: Duration::from_secs(2),
        }
    }
}

const LOCK_RETRY_START: Duration = Duration::from_millis(100);
const CONSISTENCY_POLL: Duration = Duration::from_millis(500);

/// State in S3. The SDK clients are built on first use, so that constructing a backend is
/// cheap and synchronous and commands that never touch state make no AWS calls.
#[derive(Debug)]
pub struct S3Backend {
    cfg: Arc<S3Config>,
    timings: Timings,
    clients: OnceCell<Clients>,
}

fn md5_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(32);
    for b in Md5::digest(bytes) {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// An empty object is no state, as in Terraform.
fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Workspace names become one segment of an object key; anything else would put the state
/// where neither tool looks for it.
fn validate_workspace_name(name: &str) -> Result<(), BackendError> {
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return Err(BackendError::Other(format!(
            "{name:?} is not a valid workspace name: it must be non-empty and contain no \"/\""
        )));
    }
    Ok(())
}

impl S3Backend {
    pub fn new(cfg: S3Config) -> S3Backend {
        S3Backend::with_timings(cfg, Timings::default())
    }

    pub fn with_timings(cfg: S3Config, timings: Timings) -> S3Backend {
        S3Backend {
            cfg: Arc::new(cfg),
            timings,
            clients: OnceCell::new(),
        }
    }

    pub fn config(&self) -> &S3Config {
        &self.cfg
    }

    async fn clients(&self) -> Result<&Clients, BackendError> {
        self.clients
            .get_or_try_init(|| aws::clients(&self.cfg))
            .await
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.cfg.bucket)
    }

    fn state_key(&self, workspace: &str) -> Result<String, BackendError> {
        validate_workspace_name(workspace)?;
        Ok(self.cfg.state_key(workspace))
    }

    async fn places(&self, workspace: &str) -> Result<LockPlaces, BackendError> {
        validate_workspace_name(workspace)?;
        Ok(LockPlaces {
            clients: self.clients().await?.clone(),
            cfg: Arc::clone(&self.cfg),
            lockfile: self
                .cfg
                .use_lockfile
                .then(|| self.cfg.lockfile_key(workspace)),
            item: self
                .cfg
                .dynamodb_table
                .clone()
                .map(|t| (t, self.cfg.lock_id(workspace))),
        })
    }

    /// Checks that the bucket and the lock table exist and are reachable, for `terrane
    /// init`; the errors say how to create them.
    ///
    /// # Errors
    /// A missing bucket or table, denied access, an unreachable endpoint.
    pub async fn check(&self) -> Result<(), BackendError> {
        let c = self.clients().await?;
        let bucket = &self.cfg.bucket;
        if let Err(e) = c.s3.head_bucket().bucket(bucket).send().await {
            return Err(s3_error(&self.cfg, "check", &format!("s3://{bucket}"), &e));
        }
        if let Some(table) = &self.cfg.dynamodb_table {
            let out = c
                .ddb
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(|e| ddb_error("describe the table", table, &e))?;
            let key = out
                .table
                .and_then(|t| t.key_schema)
                .unwrap_or_default()
                .into_iter()
                .map(|k| k.attribute_name)
                .collect::<Vec<_>>();
            if key != [LOCK_ID] {
                return Err(BackendError::Other(format!(
                    "the DynamoDB table {table:?} must have a partition key named LockID (of \
                     type string) and no sort key, as Terraform requires; it has {key:?}"
                )));
            }
        }
        Ok(())
    }

    /// Writes a state object conditionally: on the version `if_match`, or, without it, only
    /// if there is no object yet. `Ok(None)` when the condition failed.
    async fn put_state(
        &self,
        key: &str,
        bytes: &[u8],
        if_match: Option<&str>,
    ) -> Result<Option<String>, BackendError> {
        let c = self.clients().await?;
        let mut put =
            c.s3.put_object()
                .bucket(&self.cfg.bucket)
                .key(key)
                .content_type("application/json")
                .body(ByteStream::from(bytes.to_vec()));
        put = match if_match {
            Some(tag) => put.if_match(tag),
            None => put.if_none_match("*"),
        };
        if let Some(kms) = &self.cfg.kms_key_id {
            put = put
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(kms);
        } else if self.cfg.encrypt {
            put = put.server_side_encryption(ServerSideEncryption::Aes256);
        }
        if let Some(acl) = &self.cfg.acl {
            put = put.acl(ObjectCannedAcl::from(acl.as_str()));
        }
        match put.send().await {
            // S3 always returns the new version's ETag; without one, a later conditional
            // write can only conflict, which is safe.
            Ok(out) => Ok(Some(out.e_tag().unwrap_or_default().to_string())),
            Err(e) if precondition_failed(&e) => Ok(None),
            Err(e) => Err(s3_error(&self.cfg, "write", &self.url(key), &e)),
        }
    }

    /// The digest item's MD5, `None` when there is no table, no item or an empty digest.
    async fn expected_digest(&self, workspace: &str) -> Result<Option<String>, BackendError> {
        let Some(table) = &self.cfg.dynamodb_table else {
            return Ok(None);
        };
        let c = self.clients().await?;
        let out = c
            .ddb
            .get_item()
            .table_name(table)
            .key(LOCK_ID, AttributeValue::S(self.cfg.digest_id(workspace)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ddb_error("read the state digest", table, &e))?;
        Ok(out
            .item
            .and_then(|mut i| i.remove("Digest"))
            .and_then(|d| match d {
                AttributeValue::S(s) if !s.is_empty() => Some(s),
                _ => None,
            }))
    }

    async fn put_digest(&self, workspace: &str, digest: &str) -> Result<(), BackendError> {
        let Some(table) = &self.cfg.dynamodb_table else {
            return Ok(());
        };
        let c = self.clients().await?;
        c.ddb
            .put_item()
            .table_name(table)
            .item(LOCK_ID, AttributeValue::S(self.cfg.digest_id(workspace)))
            .item("Digest", AttributeValue::S(digest.to_string()))
            .send()
            .await
            .map_err(|e| ddb_error("write the state digest", table, &e))?;
        Ok(())
    }

    async fn delete_digest(&self, workspace: &str) -> Result<(), BackendError> {
        let Some(table) = &self.cfg.dynamodb_table else {
            return Ok(());
        };
        let c = self.clients().await?;
        c.ddb
            .delete_item()
            .table_name(table)
            .key(LOCK_ID, AttributeValue::S(self.cfg.digest_id(workspace)))
            .send()
            .await
            .map_err(|e| ddb_error("delete the state digest", table, &e))?;
        Ok(())
    }
}

#[async_trait]
impl StateBackend for S3Backend {
    fn describe(&self, workspace: &str) -> String {
        self.url(&self.cfg.state_key(workspace))
    }

    async fn read(&self, workspace: &str) -> Result<Option<Versioned>, BackendError> {
        let key = self.state_key(workspace)?;
        let deadline = Instant::now() + self.timings.consistency_wait;
        let (bytes, etag) = loop {
            let got = aws::get_object(self.clients().await?, &self.cfg, &key, "read").await?;
            let expected = self.expected_digest(workspace).await?;
            let actual = got.as_ref().map(|(b, _)| md5_hex(b));
            match expected {
                Some(want) if Some(&want) != actual.as_ref() => {
                    if Instant::now() < deadline {
                        tokio::time::sleep(CONSISTENCY_POLL).await;
                        continue;
                    }
                    let table = self.cfg.dynamodb_table.as_deref().unwrap_or_default();
                    return Err(BackendError::Other(format!(
                        "the state in {} does not match the digest stored in DynamoDB (table \
                         {table}, LockID {}): it has MD5 {}, the digest says {want}. Either S3 is \
                         still serving an older copy (try again in a minute) or the object was \
                         changed or deleted outside terrane and Terraform; if the object is \
                         right, set that item's Digest to its MD5",
                        self.url(&key),
                        self.cfg.digest_id(workspace),
                        actual.as_deref().unwrap_or("(no object)"),
                    )));
                }
                _ => {}
            }
            match got {
                None => return Ok(None),
                Some(g) => break g,
            }
        };
        if is_blank(&bytes) {
            return Ok(None);
        }
        let state = State::from_bytes(&bytes).map_err(|source| BackendError::State {
            path: self.url(&key),
            source,
        })?;
        Ok(Some(Versioned {
            state,
            etag: Etag(etag),
        }))
    }

    async fn write(
        &self,
        workspace: &str,
        state: &State,
        expect: Option<&Etag>,
    ) -> Result<Etag, BackendError> {
        let key = self.state_key(workspace)?;
        let bytes = state.to_bytes();
        let conflict = || BackendError::Conflict {
            expected: expect.map_or_else(|| "no stored state".into(), |t| t.0.clone()),
        };
        let etag = match self
            .put_state(&key, &bytes, expect.map(|t| t.0.as_str()))
            .await?
        {
            Some(etag) => etag,
            None if expect.is_none() => {
                // An empty object reads as no state, so it may be replaced: conditional on
                // that very empty version.
                let c = self.clients().await?;
                match aws::get_object(c, &self.cfg, &key, "read").await? {
                    Some((old, tag)) if is_blank(&old) => self
                        .put_state(&key, &bytes, Some(&tag))
                        .await?
                        .ok_or_else(conflict)?,
                    _ => return Err(conflict()),
                }
            }
            None => return Err(conflict()),
        };
        self.put_digest(workspace, &md5_hex(&bytes)).await?;
        Ok(Etag(etag))
    }

    async fn lock(
        &self,
        workspace: &str,
        req: LockRequest,
    ) -> Result<Box<dyn LockGuard>, BackendError> {
        let places = self.places(workspace).await?;
        let mut info = req.info;
        // Terraform's s3 backend records the lock's own ID as the path.
        info.path = self.cfg.lock_id(workspace);
        // A timeout too large to represent means "wait as long as it takes".
        let deadline = Instant::now().checked_add(req.timeout);
        let mut pause = LOCK_RETRY_START;
        let mut holder = None;
        loop {
            match places.try_acquire(&info, self.timings.lease).await? {
                Attempt::Acquired(guard) => return Ok(guard),
                Attempt::Busy(h) => {
                    if h.is_some() {
                        holder = h;
                    }
                }
            }
            let left = deadline.map_or(self.timings.lock_retry_max, |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                let holder = match holder {
                    Some(h) => h,
                    // The holder let go between our attempt and the read; one more try.
                    None => match places.holder().await? {
                        Some(h) => h,
                        None => continue,
                    },
                };
                return Err(BackendError::Locked(Box::new(holder)));
            }
            tokio::time::sleep(pause.min(left)).await;
            pause = (pause * 2).min(self.timings.lock_retry_max);
        }
    }

    async fn force_unlock(&self, workspace: &str, id: &str) -> Result<(), BackendError> {
        let places = self.places(workspace).await?;
        if places.item.is_none() && places.lockfile.is_none() {
            return Err(BackendError::Other(
                "this s3 backend has no lock to remove: neither dynamodb_table nor use_lockfile \
                 is configured"
                    .into(),
            ));
        }
        places.force_unlock(id).await
    }

    async fn workspaces(&self) -> Result<Vec<String>, BackendError> {
        let c = self.clients().await?;
        let prefix = self.cfg.workspace_list_prefix();
        let mut names = BTreeSet::from([DEFAULT_WORKSPACE.to_string()]);
        let mut pages =
            c.s3.list_objects_v2()
                .bucket(&self.cfg.bucket)
                .prefix(&prefix)
                .into_paginator()
                .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                s3_error(
                    &self.cfg,
                    "list",
                    &format!("s3://{}/{prefix}", self.cfg.bucket),
                    &e,
                )
            })?;
            for obj in page.contents() {
                if let Some(ws) = obj.key().and_then(|k| self.cfg.workspace_of(k)) {
                    names.insert(ws);
                }
            }
        }
        Ok(names.into_iter().collect())
    }

    async fn delete_workspace(&self, workspace: &str) -> Result<(), BackendError> {
        let key = self.state_key(workspace)?;
        if workspace == DEFAULT_WORKSPACE {
            return Err(BackendError::Other(
                "the default workspace cannot be deleted".into(),
            ));
        }
        let c = self.clients().await?;
        match c
            .s3
            .head_object()
            .bucket(&self.cfg.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if status(&e) == Some(404) => {
                return Err(BackendError::NoSuchWorkspace {
                    name: workspace.to_string(),
                })
            }
            Err(e) => return Err(s3_error(&self.cfg, "read", &self.url(&key), &e)),
        }
        c.s3.delete_object()
            .bucket(&self.cfg.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| s3_error(&self.cfg, "delete", &self.url(&key), &e))?;
        self.delete_digest(workspace).await
    }
}
