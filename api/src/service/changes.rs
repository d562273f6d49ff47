//! The change feed: every record written, in commit order, with the record
//! as that change wrote it, so a portal can mirror the data exactly
//! (deletions included) by replaying it from any position it has reached.
//!
//! Why the record as written and not as it is now: replayed in order, each
//! entry then refers only to records that earlier entries created (the
//! write step orders a collection's own references first), so a mirror
//! can apply every entry as it comes. With the current record, an early
//! entry could name a topic created later, and a mirror would have to
//! defer and retry it. Entries written before the log kept records show
//! the current record instead.
//!
//! The feed is the change log (`changes`) that every write fills in its
//! own transaction (`service::import::write`), so nothing is written
//! without its entry. Its `seq` is commit order because writes run one at
//! a time (`service::import::edit`, the import's advisory lock). Entries
//! are never compacted yet: a cursor (a `seq`) stays valid forever.
use std::collections::{BTreeMap, HashMap};

use entity::change;
use sea_orm::prelude::DateTimeUtc;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use crate::dto::{Change, ChangeFeed, ChangeOp};
use crate::error::{AppError, AppResult};
use crate::service::import::collections;

/// Most entries on one page.
pub const MAX_LIMIT: u64 = 1000;

/// Entries on a page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u64 = 100;

/// The changes after `since` (a `seq`; 0: from the beginning), at most
/// `limit`, each upsert with its current record. One statement for the
/// entries; per collection on the page, one for its rows, one per link
/// table and one per collection its records name.
pub async fn feed(db: &DatabaseConnection, since: i64, limit: u64) -> AppResult<ChangeFeed> {
    let limit = limit.clamp(1, MAX_LIMIT);
    // One transaction: the records are read as of one moment.
    let tx = db.begin().await?;
    let mut entries = change::Entity::find()
        .filter(change::Column::Seq.gt(since))
        .order_by_asc(change::Column::Seq)
        .limit(limit + 1)
        .all(&tx)
        .await?;
    let has_more = entries.len() as u64 > limit;
    entries.truncate(limit as usize);
    let mut upserted: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| e.op == "upsert" && e.record.is_none())
    {
        upserted.entry(&e.collection).or_default().push(e.record_id);
    }
    let mut records: HashMap<(&str, Uuid), serde_json::Value> = HashMap::new();
    for (collection, mut ids) in upserted {
        ids.sort_unstable();
        ids.dedup();
        for (id, record) in collections::records_of(&tx, collection, &ids).await? {
            records.insert((collection, id), record);
        }
    }
    let items = entries
        .iter()
        .map(|e| {
            let op = op_of(e.seq, &e.op)?;
            Ok(Change {
                seq: e.seq,
                collection: e.collection.clone(),
                id: e.record_id,
                op,
                changed_at: e.changed_at,
                record: match (op, &e.record) {
                    (ChangeOp::Delete, _) => None,
                    (ChangeOp::Upsert, Some(text)) => Some(
                        serde_json::from_str(text)
                            .map_err(|err| AppError::Unexpected(err.into()))?,
                    ),
                    (ChangeOp::Upsert, None) => {
                        records.get(&(e.collection.as_str(), e.record_id)).cloned()
                    }
                },
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    tx.commit().await?;
    let next = items.last().map_or(since, |c| c.seq);
    Ok(ChangeFeed {
        items,
        next_cursor: next.to_string(),
        has_more,
    })
}

/// When each collection's records were first and last written: the
/// earliest and latest `changed_at` of its change-log entries, deletions
/// included (a deletion changes the collection). One grouped statement.
/// Collections without entries are absent.
pub async fn dates_by_collection<C: sea_orm::ConnectionTrait>(
    db: &C,
) -> AppResult<crate::publish::catalog::Dates> {
    let rows: Vec<(String, DateTimeUtc, DateTimeUtc)> = change::Entity::find()
        .select_only()
        .column(change::Column::Collection)
        .column_as(change::Column::ChangedAt.min(), "first")
        .column_as(change::Column::ChangedAt.max(), "last")
        .group_by(change::Column::Collection)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(collection, first, last)| (collection, (first, last)))
        .collect())
}

/// When each of `ids` was last written: the latest `changed_at` of its
/// change-log entries (records without entries are absent). One grouped
/// statement per 500 ids.
pub async fn last_changed<C: sea_orm::ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, DateTimeUtc>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, DateTimeUtc)> = change::Entity::find()
            .select_only()
            .column(change::Column::RecordId)
            .column_as(change::Column::ChangedAt.max(), "last")
            .filter(change::Column::RecordId.is_in(chunk.iter().copied()))
            .group_by(change::Column::RecordId)
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Which entries of the audit trail to list.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Of this collection only.
    pub collection: Option<String>,
    /// Of this record only.
    pub id: Option<Uuid>,
    /// By this API key's name only.
    pub actor: Option<String>,
    /// Committed at or after.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Committed before.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The audit trail, newest first: the entries matching `filter` older than
/// `before` (a `seq`, the previous page's cursor), at most `limit`. One
/// statement, a keyset page on `seq`.
pub async fn audit(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: u64,
) -> AppResult<crate::dto::AuditPage> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let mut query = change::Entity::find();
    if let Some(c) = &filter.collection {
        query = query.filter(change::Column::Collection.eq(c.as_str()));
    }
    if let Some(id) = filter.id {
        query = query.filter(change::Column::RecordId.eq(id));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(change::Column::Actor.eq(actor.as_str()));
    }
    if let Some(since) = filter.since {
        query = query.filter(change::Column::ChangedAt.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(change::Column::ChangedAt.lt(until));
    }
    if let Some(before) = before {
        query = query.filter(change::Column::Seq.lt(before));
    }
    let mut rows = query
        .order_by_desc(change::Column::Seq)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(crate::dto::AuditEntry {
                seq: r.seq,
                op: op_of(r.seq, &r.op)?,
                collection: r.collection,
                id: r.record_id,
                actor: r.actor,
                changed_at: r.changed_at,
                fields: r
                    .fields
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|e| AppError::Unexpected(e.into()))?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(crate::dto::AuditPage { items, next_cursor })
}

fn op_of(seq: i64, op: &str) -> AppResult<ChangeOp> {
    match op {
        "upsert" => Ok(ChangeOp::Upsert),
        "delete" => Ok(ChangeOp::Delete),
        other => Err(AppError::Unexpected(anyhow::anyhow!(
            "change {seq} has op `{other}`"
        ))),
    }
}

/// One entry of [`latest`]: what changed, for people.
#[derive(Debug, Clone)]
pub struct RecentChange {
    /// The entry's position in the log.
    pub seq: i64,
    /// The record's collection (`offers` …).
    pub collection: String,
    /// The record's id.
    pub id: Uuid,
    /// Written or deleted.
    pub op: ChangeOp,
    /// When.
    pub changed_at: DateTimeUtc,
    /// The record's title, name or slug as that change wrote it, when the
    /// log kept the record (entries before it did, and deletions, have
    /// none).
    pub label: Option<String>,
}

/// The newest `limit` changes (1 to [`MAX_LIMIT`]), newest first, labelled
/// in `lang` where the record has a text in it: one statement over the
/// log's primary key, no record read.
pub async fn latest<C: sea_orm::ConnectionTrait>(
    db: &C,
    limit: u64,
    lang: crate::vocab::Lang,
) -> AppResult<Vec<RecentChange>> {
    // The import format's names of a record's label, best first.
    let fields = [
        format!("title_{}", lang.as_str()),
        "title_de".to_owned(),
        "name".to_owned(),
        format!("label_{}", lang.as_str()),
        "label_de".to_owned(),
        "slug".to_owned(),
    ];
    let entries = change::Entity::find()
        .order_by_desc(change::Column::Seq)
        .limit(limit.clamp(1, MAX_LIMIT))
        .all(db)
        .await?;
    entries
        .into_iter()
        .map(|e| {
            let label = e.record.as_deref().and_then(|text| {
                let record: serde_json::Value = serde_json::from_str(text).ok()?;
                fields
                    .iter()
                    .find_map(|field| record.get(field)?.as_str().map(str::to_owned))
            });
            Ok(RecentChange {
                op: op_of(e.seq, &e.op)?,
                seq: e.seq,
                collection: e.collection,
                id: e.record_id,
                changed_at: e.changed_at,
                label,
            })
        })
        .collect()
}
