//! The store: the data's generation and the snapshot of everything derived
//! from it.
//!
//! Every write logs one change per changed record in its own transaction
//! (`service::import::write`), so the data's generation is the change log's
//! newest `seq`: one read of its primary key. Whatever depends only on the
//! data (the search index, the match corpus, the region graph and topic
//! tree) is built once per generation into a [`Snapshot`]; the response cache
//! keys on [`Snapshot::generation`]. Requests read the snapshot without a
//! query while it is younger than the refresh interval; writes made in this
//! process call [`Store::invalidate`], so the next read sees them at once,
//! and writes made elsewhere (`lotse import`, another replica) are seen
//! within the interval.
//!
//! Rejected: a poll of row counts and `MAX(updated_at)` of a hand-kept table
//! list, which missed meetings, contacts and people (issue 10).
use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::matching::MatchCorpus;
pub use super::reference::Reference;
use crate::error::{AppError, AppResult};
use crate::search::{DataVersion, SearchIndex};

/// Everything derived from one generation of the data.
#[derive(Debug)]
pub struct Snapshot {
    /// Counts the data versions this process has seen (response caches key
    /// on it).
    pub generation: u64,
    /// The change log's newest `seq` it was built from.
    pub version: DataVersion,
    /// When that change was made (`None` for an empty log): the data's
    /// `Last-Modified` (RFC 9110 §8.8.2).
    pub modified: Option<chrono::DateTime<chrono::Utc>>,
    /// Regions and topics.
    pub reference: Arc<Reference>,
    /// Every offer (its columns, links and words): list pages, the match
    /// rules, totals and stats read it.
    pub corpus: Arc<MatchCorpus>,
    /// Results computed from this generation's data alone (stats per
    /// filter), kept until the next generation.
    pub memo: Memo,
}

/// Results derived from one generation of the data, by kind and key (e.g.
/// the stats of one filter): computed once, then served from memory until
/// the data changes. At most [`Memo::CAPACITY`] results; the least used go
/// first.
///
/// Why here and not in the response cache: a client's `Cache-Control:
/// no-cache` or another language or format skips the response cache, but
/// the counts behind the answer stay the same for the whole generation.
pub struct Memo {
    entries: quick_cache::sync::Cache<(&'static str, String), Arc<dyn Any + Send + Sync>>,
}

impl Memo {
    /// Results kept per generation.
    pub const CAPACITY: usize = 512;

    fn new() -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(Self::CAPACITY),
        }
    }

    /// The result of kind `kind` for `key`, computed by `compute` if this
    /// generation has not computed it yet. Two requests may compute the
    /// same result at once; both get a correct answer.
    pub async fn get_or_compute<T, F>(
        &self,
        kind: &'static str,
        key: String,
        compute: F,
    ) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: Future<Output = AppResult<T>>,
    {
        let key = (kind, key);
        if let Some(hit) = self.entries.get(&key).and_then(|v| v.downcast::<T>().ok()) {
            return Ok(hit);
        }
        let value = Arc::new(compute.await?);
        self.entries.insert(key, value.clone());
        Ok(value)
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// The data's generation and its snapshot; see the module documentation.
pub struct Store {
    /// Where the snapshot is read from (the read replica, if any).
    db: DatabaseConnection,
    /// Where imports write.
    primary: DatabaseConnection,
    index: SearchIndex,
    refresh_interval: Duration,
    current: RwLock<Option<Arc<Snapshot>>>,
    /// Held while a snapshot is built; holds the version the index has.
    building: tokio::sync::Mutex<Option<DataVersion>>,
    generation: AtomicU64,
    /// When the version was last checked, in ms since `born` (`u64::MAX`:
    /// never, or invalidated by a write).
    checked_ms: AtomicU64,
    /// When the version was last confirmed, in ms since `born` (not reset
    /// by [`Store::invalidate`]; `u64::MAX`: never).
    confirmed_ms: AtomicU64,
    /// When a check last failed because the database was away, in ms since
    /// `born` (`u64::MAX`: not since the last success).
    failed_ms: AtomicU64,
    /// Longest wait for the version check (the database's answer).
    check_timeout: Duration,
    born: Instant,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Returns the free pages of the C heap to the system, after a full build.
///
/// A full build reads every offer through the database driver; on SQLite,
/// sqlx copies the rows on each connection's own thread, whose glibc arena
/// keeps what was freed (Rust's own allocations go to mimalloc, which
/// returns them, in the default build). Measured on 20,000 offers (SQLite, resident at ready):
/// 113.9 MB, 97.9 MB after `malloc_trim(0)` (bench/RESULTS.md, 2026-12-02).
/// Rejected: one glibc arena (`mallopt(M_ARENA_MAX, 1)`), which left
/// 112–114 MB.
#[allow(unsafe_code)]
fn trim_c_heap() {
    // SAFETY: `malloc_trim` only hands free memory of glibc's arenas back
    // to the system, taking each arena's lock itself.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
}

impl Store {
    /// A store over `db` (imports write to `primary`) whose derived data may lag writes made elsewhere by
    /// `refresh_interval`; the first snapshot is built here (it loads the
    /// index from `index` if that was kept for the current version).
    ///
    /// A version check that gets no answer within `check_timeout` fails
    /// with [`AppError::Unavailable`]; for [`Store::RETRY_AFTER_FAILURE`]
    /// after that, checks fail at once instead of each request waiting for
    /// the database again (see [`Store::snapshot`]).
    pub async fn open(
        db: DatabaseConnection,
        primary: DatabaseConnection,
        index: SearchIndex,
        refresh_interval: Duration,
        check_timeout: Duration,
    ) -> AppResult<Arc<Self>> {
        let indexed = index.stored_version();
        let store = Arc::new(Self {
            db,
            primary,
            index,
            refresh_interval,
            current: RwLock::new(None),
            building: tokio::sync::Mutex::new(indexed),
            generation: AtomicU64::new(0),
            checked_ms: AtomicU64::new(u64::MAX),
            failed_ms: AtomicU64::new(u64::MAX),
            confirmed_ms: AtomicU64::new(u64::MAX),
            check_timeout,
            born: Instant::now(),
        });
        store.snapshot().await?;
        Ok(store)
    }

    /// The pool the snapshot is read from.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The full-text index of the current snapshot.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Marks the snapshot as possibly stale: call after a write committed in
    /// this process, so the next read checks the version at once.
    pub fn invalidate(&self) {
        self.checked_ms.store(u64::MAX, Ordering::Release);
    }

    /// Imports a dataset (see [`crate::service::import`]): its rows and their
    /// change entries in one transaction, then [`Store::invalidate`], so the
    /// next read of this process sees the change at once.
    pub async fn import(
        &self,
        json: &str,
        options: super::import::ImportOptions,
    ) -> AppResult<super::import::ImportReport> {
        let report = super::import::import_json_with(&self.primary, json, options).await;
        // Also after an error: nothing was written, but checking costs one read.
        self.invalidate();
        report
    }

    /// The generation of the current data (see [`Store::snapshot`]).
    pub async fn generation(&self) -> AppResult<u64> {
        Ok(self.snapshot().await?.generation)
    }

    /// How long a failed version check is taken as the answer for
    /// everyone: during an outage, the requests queued behind one check
    /// fail at once (503) instead of each waiting out the timeout in turn
    /// (20 queued requests would otherwise take 20 timeouts); after the
    /// database is back, the next check after this delay succeeds.
    pub const RETRY_AFTER_FAILURE: Duration = Duration::from_millis(500);

    /// The snapshot of the current data: without a query while the last
    /// check is younger than the refresh interval, else after one read of
    /// the version (and a rebuild when it moved).
    ///
    /// Errors: [`AppError::Unavailable`] when the database does not answer
    /// within the check timeout, or did not answer the last check less than
    /// [`Store::RETRY_AFTER_FAILURE`] ago. [`Store::latest`] still holds
    /// the last snapshot then (the response cache serves it stale).
    pub async fn snapshot(&self) -> AppResult<Arc<Snapshot>> {
        if let Some(snapshot) = self.recent() {
            return Ok(snapshot);
        }
        self.failed_recently()?;
        let mut indexed = self.building.lock().await;
        // Another request may have checked while this one waited.
        if let Some(snapshot) = self.recent() {
            return Ok(snapshot);
        }
        self.failed_recently()?;
        let checked = self.check(&mut indexed).await;
        let failed = match &checked {
            Err(AppError::Unavailable(_)) => self.born.elapsed().as_millis() as u64,
            _ => u64::MAX,
        };
        self.failed_ms.store(failed, Ordering::Release);
        checked
    }

    /// The newest snapshot this process holds, however old (`None` before
    /// the first one was built): what is served stale while the database
    /// is away.
    pub fn latest(&self) -> Option<Arc<Snapshot>> {
        self.current()
    }

    /// The change log's newest `seq` in the database now (one read of its
    /// primary key): how far this process lags is that minus its
    /// snapshot's version.
    pub async fn newest_version(&self) -> AppResult<DataVersion> {
        Ok(newest_change(&self.db).await?.0)
    }

    /// Time since the snapshot was last confirmed against the database (or
    /// since start, before the first check).
    pub fn checked_age(&self) -> Duration {
        let confirmed = self.confirmed_ms.load(Ordering::Acquire);
        let now = self.born.elapsed().as_millis() as u64;
        match confirmed {
            u64::MAX => self.born.elapsed(),
            checked => Duration::from_millis(now.saturating_sub(checked)),
        }
    }

    /// `Unavailable` if the last check failed within
    /// [`Store::RETRY_AFTER_FAILURE`].
    fn failed_recently(&self) -> AppResult<()> {
        let failed = self.failed_ms.load(Ordering::Acquire);
        let now = self.born.elapsed().as_millis() as u64;
        if failed != u64::MAX
            && now.saturating_sub(failed) < Self::RETRY_AFTER_FAILURE.as_millis() as u64
        {
            return Err(timed_out());
        }
        Ok(())
    }

    /// Reads the version (within the check timeout) and rebuilds the
    /// snapshot if it moved; the caller holds the build lock.
    async fn check(&self, indexed: &mut Option<DataVersion>) -> AppResult<Arc<Snapshot>> {
        let (version, modified) = tokio::time::timeout(self.check_timeout, newest_change(&self.db))
            .await
            .map_err(|_| timed_out())??;
        let current = self.current();
        // The time too: after a restore, new writes can bring the log back
        // to the number it had, with other changes.
        if let Some(snapshot) = current
            .as_ref()
            .filter(|s| s.version == version && s.modified == modified)
        {
            self.mark_checked();
            return Ok(snapshot.clone());
        }
        let reference = Arc::new(Reference::load(&self.db).await?);
        // A few records written since the last snapshot (a write through
        // the API): only theirs are read again. Otherwise everything is.
        let delta = match &current {
            Some(previous)
                if *indexed == Some(previous.version)
                    && extends(&self.db, previous, version).await? =>
            {
                changed_between(&self.db, previous.version, version).await?
            }
            _ => None,
        };
        let timed = |started: Instant| started.elapsed().as_millis() as u64;
        let started = Instant::now();
        let corpus = match (&delta, &current) {
            (Some(changed), Some(previous)) => {
                let index = super::search::update_index(
                    &self.db,
                    &self.index,
                    &reference,
                    changed,
                    version,
                );
                let corpus = previous
                    .corpus
                    .updated(&self.db, &reference.regions, &changed.offers);
                let (documents, corpus) = tokio::try_join!(index, corpus)?;
                tracing::debug!(
                    documents,
                    elapsed_ms = timed(started),
                    "search index and match corpus updated"
                );
                corpus
            }
            _ => {
                // The index and the corpus are built side by side: the
                // index's writer works on a blocking thread while the
                // corpus is analysed here.
                let index_stale = *indexed != Some(version);
                let index = async {
                    let started = Instant::now();
                    match index_stale {
                        true => {
                            super::search::rebuild_index(&self.db, &self.index, &reference, version)
                                .await
                                .map(|n| Some((n, timed(started))))
                        }
                        false => Ok(None),
                    }
                };
                let corpus = async {
                    let started = Instant::now();
                    MatchCorpus::load(&self.db, &reference.regions)
                        .await
                        .map(|c| (c, timed(started)))
                };
                let (built, (corpus, corpus_ms)) = tokio::try_join!(index, corpus)?;
                if let Some((documents, elapsed_ms)) = built {
                    tracing::info!(documents, elapsed_ms, "search index built");
                }
                tracing::info!(
                    offers = corpus.offers.len(),
                    elapsed_ms = corpus_ms,
                    "match corpus built"
                );
                trim_c_heap();
                corpus
            }
        };
        *indexed = Some(version);
        let snapshot = Arc::new(Snapshot {
            generation: self.generation.fetch_add(1, Ordering::AcqRel) + 1,
            version,
            modified,
            reference,
            corpus: Arc::new(corpus),
            memo: Memo::new(),
        });
        if let Ok(mut current) = self.current.write() {
            *current = Some(snapshot.clone());
        }
        self.mark_checked();
        Ok(snapshot)
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.read().ok().and_then(|s| s.clone())
    }

    /// The current snapshot if the version was checked within the interval.
    fn recent(&self) -> Option<Arc<Snapshot>> {
        let checked = self.checked_ms.load(Ordering::Acquire);
        let now = self.born.elapsed().as_millis() as u64;
        let recent = checked != u64::MAX
            && now.saturating_sub(checked) < self.refresh_interval.as_millis() as u64;
        recent.then(|| self.current()).flatten()
    }

    fn mark_checked(&self) {
        let now = self.born.elapsed().as_millis() as u64;
        self.checked_ms.store(now, Ordering::Release);
        self.confirmed_ms.store(now, Ordering::Release);
    }
}

/// Most changes an update of the snapshot applies one by one; more are
/// rebuilt from scratch (an import), which reads every record once instead
/// of each of them on its own.
const MAX_DELTA: u64 = 500;

/// The offers, partners and projects changed after version `from` up to
/// `to`, if the snapshot can follow them in place: `None` when there are
/// more than [`MAX_DELTA`] changes or a region or topic changed (regions
/// decide the corpus's region kinds, topic labels are in every tagged
/// offer's document), or the log was empty. Contacts, people and meetings
/// are in neither the index nor the corpus.
async fn changed_between<C: ConnectionTrait>(
    db: &C,
    from: DataVersion,
    to: DataVersion,
) -> AppResult<Option<super::search::Changed>> {
    use entity::change;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(None);
    };
    let rows: Vec<(String, uuid::Uuid)> = change::Entity::find()
        .select_only()
        .column(change::Column::Collection)
        .column(change::Column::RecordId)
        .filter(change::Column::Seq.gt(from))
        .filter(change::Column::Seq.lte(to))
        .limit(MAX_DELTA + 1)
        .into_tuple()
        .all(db)
        .await?;
    if rows.len() as u64 > MAX_DELTA {
        return Ok(None);
    }
    let mut changed = super::search::Changed::default();
    for (collection, id) in rows {
        match collection.as_str() {
            "offers" => changed.offers.insert(id),
            "partners" => changed.partners.insert(id),
            "projects" => changed.projects.insert(id),
            "regions" | "topics" => return Ok(None),
            _ => false,
        };
    }
    Ok(Some(changed))
}

/// Whether the log at `version` extends the one `previous` was built from:
/// it is newer and still holds `previous`'s newest change as it was. A
/// restored backup rewinds the log (its `seq` goes back, or goes on from
/// an older point with other changes); the changes between the two
/// versions then do not say what differs, and the snapshot is rebuilt.
async fn extends<C: ConnectionTrait>(
    db: &C,
    previous: &Snapshot,
    version: DataVersion,
) -> AppResult<bool> {
    if version <= previous.version {
        return Ok(false);
    }
    Ok(changed_at(db, previous.version).await? == previous.modified)
}

/// When change `version` was made.
async fn changed_at<C: ConnectionTrait>(
    db: &C,
    version: DataVersion,
) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
    use sea_orm::EntityTrait;
    let Some(seq) = version else {
        return Ok(None);
    };
    let change = entity::change::Entity::find_by_id(seq).one(db).await?;
    Ok(change.map(|c| c.changed_at))
}

/// The error of a database that did not answer in time: as the pool's own
/// acquire timeout says it, so it is rendered the same way (503).
fn timed_out() -> AppError {
    AppError::Unavailable(sea_orm::DbErr::ConnectionAcquire(
        sea_orm::ConnAcquireErr::Timeout,
    ))
}

/// The change log's newest `seq` and when that change was made (`None`s
/// for an empty log): one read at the end of its primary key's index.
async fn newest_change<C: ConnectionTrait>(
    db: &C,
) -> AppResult<(DataVersion, Option<chrono::DateTime<chrono::Utc>>)> {
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    let newest = entity::change::Entity::find()
        .select_only()
        .column(entity::change::Column::Seq)
        .column(entity::change::Column::ChangedAt)
        .order_by_desc(entity::change::Column::Seq)
        .limit(1)
        .into_tuple::<(i64, chrono::DateTime<chrono::Utc>)>()
        .one(db)
        .await?;
    Ok(newest.map_or((None, None), |(seq, at)| (Some(seq), Some(at))))
}
