//! State locks: a DynamoDB item (`dynamodb_table`), an S3 lock file (`use_lockfile`), or
//! both, laid out as Terraform lays them out so that the two tools exclude each other.
//!
//! Every change to a lock is conditional: taking it (the item or file must not exist),
//! renewing its lease (the stored info must still be the one we wrote), releasing it and
//! `force-unlock` (the stored info must be the one we read). So no path deletes or
//! overwrites a lock somebody else holds.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use terrane_engine::state::{BackendError, LockGuard, LockInfo};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::aws::{code, ddb_error, get_object, precondition_failed, s3_error, Clients};
use crate::config::S3Config;

/// The attribute names of Terraform's lock table.
pub(crate) const LOCK_ID: &str = "LockID";
const INFO: &str = "Info";

/// How long a lease lasts and how often a holder renews it.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    pub duration: Duration,
    pub renew_every: Duration,
}

impl Default for Lease {
    /// Renewing four times per lease tolerates a few slow or failed renewals before a live
    /// holder's lease looks expired.
    fn default() -> Lease {
        Lease {
            duration: Duration::from_secs(60),
            renew_every: Duration::from_secs(15),
        }
    }
}

fn rfc3339_after(d: Duration) -> String {
    let at = time::OffsetDateTime::now_utc() + d;
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn encode(info: &LockInfo) -> Result<String, BackendError> {
    serde_json::to_string(info)
        .map_err(|e| BackendError::Other(format!("cannot encode lock info: {e}")))
}

/// The holder reported when a lock's info cannot be decoded (another tool wrote it).
fn unreadable_holder(place: &str, raw: &str) -> LockInfo {
    let mut info = LockInfo::new("", place);
    info.id = String::new();
    info.who = "an unknown holder".into();
    info.info = format!("the lock info in {place} could not be read: {raw:?}");
    info.created = String::new();
    info.version = String::new();
    info
}

/// The lock of one workspace: where it lives.
#[derive(Debug, Clone)]
pub(crate) struct LockPlaces {
    pub clients: Clients,
    pub cfg: Arc<S3Config>,
    /// `use_lockfile`: the lock file's key.
    pub lockfile: Option<String>,
    /// `dynamodb_table`: the table and the item's LockID.
    pub item: Option<(String, String)>,
}

/// What we stored when we last wrote the lock, so the next change can be conditional on it.
#[derive(Debug, Default)]
struct Stored {
    lockfile_etag: Option<String>,
    item_info: Option<String>,
    /// Why the lock is no longer ours, once a renewal found it changed.
    lost: Option<String>,
}

/// One attempt's outcome.
pub(crate) enum Attempt {
    Acquired(Box<dyn LockGuard>),
    /// Held by someone else; `None` when the holder vanished between our attempt and the read.
    Busy(Option<LockInfo>),
}

impl LockPlaces {
    fn lockfile_url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.cfg.bucket)
    }

    /// Writes the lock file: `etag` `None` creates it (must not exist), `Some` replaces the
    /// version we wrote. `Ok(None)` when the condition failed.
    async fn put_lockfile(
        &self,
        key: &str,
        body: &str,
        etag: Option<&str>,
    ) -> Result<Option<String>, BackendError> {
        let mut put = self
            .clients
            .s3
            .put_object()
            .bucket(&self.cfg.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body.as_bytes().to_vec()));
        put = match etag {
            None => put.if_none_match("*"),
            Some(t) => put.if_match(t),
        };
        match put.send().await {
            Ok(out) => Ok(Some(out.e_tag().unwrap_or_default().to_string())),
            Err(e) if precondition_failed(&e) => Ok(None),
            Err(e) => Err(s3_error(
                &self.cfg,
                "write the lock file",
                &self.lockfile_url(key),
                &e,
            )),
        }
    }

    /// The lock file's info and version, `None` when there is no lock file.
    async fn get_lockfile(&self, key: &str) -> Result<Option<(LockInfo, String)>, BackendError> {
        let Some((bytes, etag)) =
            get_object(&self.clients, &self.cfg, key, "read the lock file").await?
        else {
            return Ok(None);
        };
        let url = self.lockfile_url(key);
        let text = String::from_utf8_lossy(&bytes);
        let info = serde_json::from_str(&text).unwrap_or_else(|_| unreadable_holder(&url, &text));
        Ok(Some((info, etag)))
    }

    /// Deletes the lock file only while it is still the version `etag`.
    async fn delete_lockfile(&self, key: &str, etag: &str) -> Result<bool, BackendError> {
        let del = self
            .clients
            .s3
            .delete_object()
            .bucket(&self.cfg.bucket)
            .key(key)
            .if_match(etag);
        match del.send().await {
            Ok(_) => Ok(true),
            Err(e) if precondition_failed(&e) => Ok(false),
            // Already gone: nothing left that could be someone else's.
            Err(e) if code(&e) == Some("NoSuchKey") => Ok(true),
            Err(e) => Err(s3_error(
                &self.cfg,
                "delete the lock file",
                &self.lockfile_url(key),
                &e,
            )),
        }
    }

    /// Writes the lock item: `old` `None` creates it (must not exist), `Some` replaces the
    /// info we wrote. `Ok(false)` when the condition failed.
    async fn put_item(
        &self,
        table: &str,
        id: &str,
        info: &str,
        old: Option<&str>,
    ) -> Result<bool, BackendError> {
        let mut put = self
            .clients
            .ddb
            .put_item()
            .table_name(table)
            .item(LOCK_ID, AttributeValue::S(id.to_string()))
            .item(INFO, AttributeValue::S(info.to_string()));
        put = match old {
            None => put.condition_expression("attribute_not_exists(LockID)"),
            Some(old) => put
                .condition_expression("Info = :old")
                .expression_attribute_values(":old", AttributeValue::S(old.to_string())),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(ddb_error("write the lock item", table, &e)),
        }
    }

    /// The lock item's raw Info, `None` when there is no lock item.
    async fn get_item(&self, table: &str, id: &str) -> Result<Option<String>, BackendError> {
        let out = self
            .clients
            .ddb
            .get_item()
            .table_name(table)
            .key(LOCK_ID, AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ddb_error("read the lock item", table, &e))?;
        Ok(out.item.map(|item| match item.get(INFO) {
            Some(AttributeValue::S(s)) => s.clone(),
            _ => String::new(),
        }))
    }

    /// Deletes the lock item only while its Info is exactly `info`.
    async fn delete_item(&self, table: &str, id: &str, info: &str) -> Result<bool, BackendError> {
        let del = self
            .clients
            .ddb
            .delete_item()
            .table_name(table)
            .key(LOCK_ID, AttributeValue::S(id.to_string()))
            .condition_expression("Info = :info")
            .expression_attribute_values(":info", AttributeValue::S(info.to_string()));
        match del.send().await {
            Ok(_) => Ok(true),
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(ddb_error("delete the lock item", table, &e)),
        }
    }

    fn decode_item(table: &str, raw: &str) -> LockInfo {
        serde_json::from_str(raw)
            .unwrap_or_else(|_| unreadable_holder(&format!("DynamoDB table {table}"), raw))
    }

    /// Who holds the lock now, `None` when nobody does.
    pub(crate) async fn holder(&self) -> Result<Option<LockInfo>, BackendError> {
        if let Some((table, id)) = &self.item {
            if let Some(raw) = self.get_item(table, id).await? {
                return Ok(Some(Self::decode_item(table, &raw)));
            }
        }
        if let Some(key) = &self.lockfile {
            return Ok(self.get_lockfile(key).await?.map(|(info, _)| info));
        }
        Ok(None)
    }

    /// One attempt to take every configured lock, S3 lock file first as Terraform does. If
    /// a later one is busy, the earlier ones are released again.
    pub(crate) async fn try_acquire(
        &self,
        info: &LockInfo,
        lease: Lease,
    ) -> Result<Attempt, BackendError> {
        let mut info = info.clone();
        info.expires = Some(rfc3339_after(lease.duration));
        let body = encode(&info)?;
        let mut stored = Stored::default();
        if let Some(key) = &self.lockfile {
            match self.put_lockfile(key, &body, None).await? {
                Some(etag) => stored.lockfile_etag = Some(etag),
                None => return Ok(Attempt::Busy(self.get_lockfile(key).await?.map(|(i, _)| i))),
            }
        }
        if let Some((table, id)) = &self.item {
            match self.put_item(table, id, &body, None).await {
                Ok(true) => stored.item_info = Some(body),
                Ok(false) => {
                    let holder = self.get_item(table, id).await;
                    self.release(&stored).await?;
                    return Ok(Attempt::Busy(
                        holder?.map(|raw| Self::decode_item(table, &raw)),
                    ));
                }
                Err(e) => {
                    // Best effort: the error is the one worth reporting.
                    let _ = self.release(&stored).await;
                    return Err(e);
                }
            }
        }
        let stored = Arc::new(Mutex::new(stored));
        let heartbeat = (self.lockfile.is_some() || self.item.is_some()).then(|| {
            tokio::spawn(heartbeat(
                self.clone(),
                info.clone(),
                Arc::clone(&stored),
                lease,
            ))
        });
        Ok(Attempt::Acquired(Box::new(S3LockGuard {
            info,
            places: self.clone(),
            stored,
            heartbeat,
            released: false,
        })))
    }

    /// Pushes the lease forward in every lock we hold, conditional on what we stored last.
    async fn renew(
        &self,
        info: &LockInfo,
        stored: &mut Stored,
        lease: Lease,
    ) -> Result<(), BackendError> {
        let mut info = info.clone();
        info.expires = Some(rfc3339_after(lease.duration));
        let body = encode(&info)?;
        if let (Some(key), Some(etag)) = (&self.lockfile, stored.lockfile_etag.clone()) {
            match self.put_lockfile(key, &body, Some(&etag)).await? {
                Some(new) => stored.lockfile_etag = Some(new),
                None => {
                    stored.lost = Some(format!(
                        "the lock file {} was removed or replaced while this run held it \
                         (force-unlock?)",
                        self.lockfile_url(key)
                    ));
                    return Ok(());
                }
            }
        }
        if let (Some((table, id)), Some(old)) = (&self.item, stored.item_info.clone()) {
            if self.put_item(table, id, &body, Some(&old)).await? {
                stored.item_info = Some(body);
            } else {
                stored.lost = Some(format!(
                    "the lock item {id} in the DynamoDB table {table} was removed or replaced \
                     while this run held it (force-unlock?)"
                ));
            }
        }
        Ok(())
    }

    /// Removes what we stored, each conditional on being unchanged since we wrote it.
    async fn release(&self, stored: &Stored) -> Result<(), BackendError> {
        let mut lost = Vec::new();
        if let (Some((table, id)), Some(info)) = (&self.item, &stored.item_info) {
            if !self.delete_item(table, id, info).await? {
                lost.push(format!("the lock item {id} in the DynamoDB table {table}"));
            }
        }
        if let (Some(key), Some(etag)) = (&self.lockfile, &stored.lockfile_etag) {
            if !self.delete_lockfile(key, etag).await? {
                lost.push(format!("the lock file {}", self.lockfile_url(key)));
            }
        }
        if lost.is_empty() {
            Ok(())
        } else {
            Err(BackendError::Other(format!(
                "{} changed while this run held the lock (someone ran force-unlock and may hold \
                 it now), so it was left alone",
                lost.join(" and ")
            )))
        }
    }

    /// Removes the lock with exactly this ID from every place that holds it.
    pub(crate) async fn force_unlock(&self, id: &str) -> Result<(), BackendError> {
        let mut removed = false;
        let mut other = None;
        if let Some((table, lock_id)) = &self.item {
            if let Some(raw) = self.get_item(table, lock_id).await? {
                let info = Self::decode_item(table, &raw);
                if info.id == id {
                    if !self.delete_item(table, lock_id, &raw).await? {
                        return Err(changed_meanwhile());
                    }
                    removed = true;
                } else {
                    other = Some(info);
                }
            }
        }
        if let Some(key) = &self.lockfile {
            if let Some((info, etag)) = self.get_lockfile(key).await? {
                if info.id == id {
                    if !self.delete_lockfile(key, &etag).await? {
                        return Err(changed_meanwhile());
                    }
                    removed = true;
                } else {
                    other = Some(info);
                }
            }
        }
        match (removed, other) {
            (true, _) => Ok(()),
            (false, Some(holder)) => Err(BackendError::Other(format!(
                "no lock with ID {id} is held; the state is locked by {} with lock ID {} \
                 (operation {}, since {}), which was left alone",
                holder.who, holder.id, holder.operation, holder.created
            ))),
            (false, None) => Err(BackendError::NoSuchLock { id: id.to_string() }),
        }
    }
}

fn changed_meanwhile() -> BackendError {
    BackendError::Other(
        "the lock changed while it was being removed (its holder renewed or released it); \
         run force-unlock again if it is still needed"
            .into(),
    )
}

/// Renews the lease until the guard stops it. A failed renewal is retried at the next
/// tick; a lock found changed is recorded and ends the heartbeat.
async fn heartbeat(places: LockPlaces, info: LockInfo, stored: Arc<Mutex<Stored>>, lease: Lease) {
    loop {
        tokio::time::sleep(lease.renew_every).await;
        // The mutex is held across the requests, so `unlock` never sees a half-done renewal.
        let mut s = stored.lock().await;
        if s.lost.is_some() {
            return;
        }
        // A transient error leaves the old lease in place; the next tick tries again.
        let _ = places.renew(&info, &mut s, lease).await;
        if s.lost.is_some() {
            return;
        }
    }
}

/// A held S3/DynamoDB lock with its heartbeat.
struct S3LockGuard {
    info: LockInfo,
    places: LockPlaces,
    stored: Arc<Mutex<Stored>>,
    heartbeat: Option<JoinHandle<()>>,
    released: bool,
}

#[async_trait]
impl LockGuard for S3LockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    async fn unlock(mut self: Box<Self>) -> Result<(), BackendError> {
        self.released = true;
        // Taking the mutex first waits out a renewal in flight, so `stored` is current.
        let stored = self.stored.lock().await;
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        if let Some(why) = &stored.lost {
            return Err(BackendError::Other(format!("{why}; it was left alone")));
        }
        self.places.release(&stored).await
    }
}

impl Drop for S3LockGuard {
    fn drop(&mut self) {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        if self.released {
            return;
        }
        // Best effort, as the trait documents. A guard dropped on an error path is often
        // followed by the process exiting, which would cancel a spawned release; so on a
        // multi-threaded runtime (the CLI's) the release finishes before drop returns.
        // Where that is impossible it is spawned, and if it never runs, the lease shows the
        // lock as abandoned.
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let places = self.places.clone();
        let stored = Arc::clone(&self.stored);
        let release = async move {
            let stored = stored.lock().await;
            if stored.lost.is_none() {
                let _ = places.release(&stored).await;
            }
        };
        if rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
            tokio::task::block_in_place(|| rt.block_on(release));
        } else {
            rt.spawn(release);
        }
    }
}
