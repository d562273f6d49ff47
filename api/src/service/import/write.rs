//! The write step of an import: upserts by slug inside one transaction, one
//! collection at a time ([`write`]), each changed record with its change-log
//! entry.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::change;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::ImportReport;
use super::collection::{CHUNK, ImportCollection, Known, Model};
use crate::error::{AppError, AppResult, FieldError};

/// What happened to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Inserted,
    Updated,
    Unchanged,
}

/// Records with an id, `created_at` and `updated_at`.
pub trait Stamped {
    fn id(&self) -> Uuid;
    fn stamps(&self) -> (DateTime<Utc>, DateTime<Utc>);
    fn set_stamps(&mut self, created: DateTime<Utc>, updated: DateTime<Utc>);
}

/// Implements [`Stamped`] for entity models (each collection's file names
/// its own).
macro_rules! stamped {
    ($($model:ty),+) => {$(
        impl $crate::service::import::write::Stamped for $model {
            fn id(&self) -> ::uuid::Uuid {
                self.id
            }
            fn stamps(&self) -> (::chrono::DateTime<::chrono::Utc>, ::chrono::DateTime<::chrono::Utc>) {
                (self.created_at, self.updated_at)
            }
            fn set_stamps(
                &mut self,
                created: ::chrono::DateTime<::chrono::Utc>,
                updated: ::chrono::DateTime<::chrono::Utc>,
            ) {
                self.created_at = created;
                self.updated_at = updated;
            }
        }
    )+};
}
pub(crate) use stamped;

/// Who wrote, for the change log: the API key's name and what the write
/// changed (the audit trail); both `None` for imports.
#[derive(Debug, Default, Clone, Copy)]
pub struct Author<'a> {
    /// The key's name (`None`: an import).
    pub actor: Option<&'a str>,
    /// The changed fields as a JSON object `{field: {"old": …, "new": …}}`.
    pub fields: Option<&'a str>,
}

/// Loads the stored rows of the given ids, in chunks.
async fn existing<E: EntityTrait>(
    tx: &DatabaseTransaction,
    id_column: E::Column,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, E::Model>, DbErr>
where
    E::Model: Stamped,
{
    let mut rows = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for row in E::find()
            .filter(id_column.is_in(chunk.to_vec()))
            .all(tx)
            .await?
        {
            rows.insert(row.id(), row);
        }
    }
    Ok(rows)
}

/// Inserts `new`, or updates the stored row if it differs (or its links do).
async fn save<E>(
    tx: &DatabaseTransaction,
    old: Option<&E::Model>,
    mut new: E::Model,
    links_changed: bool,
    (now, author, record): (DateTime<Utc>, Author<'_>, &str),
) -> Result<Change, DbErr>
where
    E: EntityTrait,
    E::Model: Stamped + PartialEq + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let id = new.id();
    let change = match old {
        Some(old) => {
            let (created, updated) = old.stamps();
            new.set_stamps(created, updated);
            if *old == new && !links_changed {
                return Ok(Change::Unchanged);
            }
            new.set_stamps(created, now);
            new.into_active_model().reset_all().update(tx).await?;
            Change::Updated
        }
        None => {
            new.set_stamps(now, now);
            E::insert(new.into_active_model().reset_all())
                .exec_without_returning(tx)
                .await?;
            Change::Inserted
        }
    };
    let entry = Entry {
        op: Op::Upsert,
        now,
        author,
        record: Some(record),
    };
    log_change::<E>(tx, id, entry).await?;
    Ok(change)
}

/// What a change-log entry says happened to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Inserted or updated (content or links).
    Upsert,
    /// Deleted, with its links (`--prune`).
    Delete,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }
}

/// Appends an `upsert` or `delete` of record `id` of `E`'s collection to the
/// change log, in the transaction that wrote it (ARCHITECTURE.md decision
/// 15), so the data's generation (`MAX(seq)`) moves exactly when data does.
/// A record's links (topics, participants …) are part of it: a change of
/// them is an update of the record, logged here too; deleting a record
/// deletes its links under its one `delete` entry.
///
/// One statement per changed record; batching them per collection is the
/// next step if imports of many thousands of records need it.
pub(super) async fn log_change<E: EntityTrait>(
    tx: &DatabaseTransaction,
    id: Uuid,
    entry: Entry<'_>,
) -> Result<(), DbErr> {
    let entry = change::ActiveModel {
        seq: sea_orm::ActiveValue::NotSet,
        collection: Set(E::default().table_name().to_owned()),
        record_id: Set(id),
        op: Set(entry.op.as_str().to_owned()),
        changed_at: Set(entry.now),
        actor: Set(entry.author.actor.map(str::to_owned)),
        record: Set(entry.record.map(str::to_owned)),
        fields: Set(entry.author.fields.map(str::to_owned)),
    };
    change::Entity::insert(entry)
        .exec_without_returning(tx)
        .await?;
    Ok(())
}

/// One change-log entry.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry<'a> {
    pub op: Op,
    pub now: DateTime<Utc>,
    pub author: Author<'a>,
    /// The record as written (import format, JSON); `None` for deletes.
    pub record: Option<&'a str>,
}

/// Orders records so that every record comes after the records of its own
/// collection it refers to (a topic's parent, a region's parent and
/// members), so that each change-log entry's record refers only to records
/// already written: replaying the change feed in order never meets a
/// reference to a record it has not seen. Where the references form a
/// cycle (regions listing each other as members), the rest keep the
/// file's order.
fn referenced_first<C: ImportCollection>(items: &[C::Record]) -> Vec<&C::Record> {
    let in_file: HashSet<&str> = items.iter().map(C::slug).collect();
    let mut done: HashSet<&str> = HashSet::new();
    let mut ordered = Vec::with_capacity(items.len());
    while ordered.len() < items.len() {
        let before = ordered.len();
        for item in items {
            let s = C::slug(item);
            if done.contains(s) {
                continue;
            }
            let ready = C::references(item)
                .iter()
                .filter(|r| r.target == C::NAME && r.slug != s)
                .all(|r| !in_file.contains(r.slug) || done.contains(r.slug));
            if ready {
                done.insert(s);
                ordered.push(item);
            }
        }
        if ordered.len() == before {
            // A cycle: the parent cycles were refused by the check; the
            // rest (members) in the file's order.
            ordered.extend(items.iter().filter(|i| !done.contains(C::slug(i))));
            break;
        }
    }
    ordered
}

/// Wraps a database error with the record it happened on, so a constraint
/// violation (e.g. a duplicate official key) names the record.
fn at(collection: &str, slug: &str) -> impl FnOnce(DbErr) -> AppError {
    let field = format!("{collection} ({slug})");
    move |err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) => {
            AppError::InvalidData(vec![FieldError::new(
                field,
                format!("duplicates a stored value: {detail}"),
            )])
        }
        Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(detail)) => {
            AppError::InvalidData(vec![FieldError::new(
                field,
                format!("refers to a missing record: {detail}"),
            )])
        }
        _ => AppError::Database(err),
    }
}

/// Record `r` as its change-log entry holds it: without its references to
/// new records of its own collection still `pending` (written after it, as
/// when regions name each other as parent and member), so that replaying the
/// change feed in order never meets a record it has not seen. `true` if a
/// reference was left out: the whole record is logged again once every
/// record is written.
fn as_logged<C: ImportCollection>(
    r: &C::Record,
    pending: &HashSet<&str>,
) -> AppResult<(String, bool)> {
    let later: Vec<_> = C::references(r)
        .into_iter()
        .filter(|x| x.target == C::NAME && pending.contains(x.slug))
        .collect();
    let mut value = serde_json::to_value(r).map_err(|e| AppError::Unexpected(e.into()))?;
    for reference in &later {
        // `members[2]` → the list `members`.
        let field = reference.field.split('[').next().unwrap_or_default();
        match value.get_mut(field) {
            Some(serde_json::Value::Array(items)) => items.retain(|i| i != reference.slug),
            Some(field) if field == reference.slug => *field = serde_json::Value::Null,
            _ => {}
        }
    }
    Ok((value.to_string(), !later.is_empty()))
}

/// Called with 1 after each record is written (for progress bars).
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Writes the records of collection `C` (parents first): each record whose
/// content or links differ from the stored ones, with its change entry.
/// Links are replaced after every record of `C` is written, as a region's
/// members may come later in the file than the region.
pub(crate) async fn write<C: ImportCollection>(
    tx: &DatabaseTransaction,
    records: &[C::Record],
    k: &Known,
    now: DateTime<Utc>,
    report: &mut ImportReport,
    progress: Progress<'_>,
    author: Author<'_>,
) -> AppResult<()>
where
    Model<C>: Stamped + PartialEq + IntoActiveModel<<C::Entity as EntityTrait>::ActiveModel>,
    <C::Entity as EntityTrait>::ActiveModel: Send,
{
    if records.is_empty() {
        return Ok(());
    }
    let ids = records
        .iter()
        .map(|r| k.id::<C>(C::slug(r)))
        .collect::<AppResult<Vec<_>>>()?;
    let old = existing::<C::Entity>(tx, C::id_column(), &ids).await?;
    let old_links = C::stored_links(tx, &ids).await?;
    let mut link_changes = Vec::new();
    // New records not written yet: a reference to one of them cannot be
    // replayed before it (a stored record has its entry already).
    let mut pending: HashSet<&str> = records
        .iter()
        .filter(|r| k.id::<C>(C::slug(r)).is_ok_and(|id| !old.contains_key(&id)))
        .map(C::slug)
        .collect();
    let mut completed = Vec::new();
    for r in referenced_first::<C>(records) {
        let slug = C::slug(r);
        pending.remove(slug);
        let id = k.id::<C>(slug)?;
        let links = C::links(r, id, k)?;
        let links_changed = match old_links.get(&id) {
            Some(stored) => *stored != links,
            None => links != C::Links::default(),
        };
        let model = C::model(r, id, k, now)?;
        let (record, deferred) = as_logged::<C>(r, &pending)?;
        let entry = (now, author, record.as_str());
        let change = save::<C::Entity>(tx, old.get(&id), model, links_changed, entry)
            .await
            .map_err(at(C::NAME, slug))?;
        report.count(C::NAME, change);
        progress(1);
        if links_changed {
            link_changes.push((id, links, old_links.contains_key(&id), slug));
        }
        if deferred && change != Change::Unchanged {
            completed.push((id, r));
        }
    }
    for (id, links, had_links, slug) in link_changes {
        C::replace_links(tx, id, links, had_links)
            .await
            .map_err(at(C::NAME, slug))?;
    }
    // The records first logged without references to records written after
    // them, logged again whole now that those exist.
    for (id, r) in completed {
        let record = serde_json::to_string(r).map_err(|e| AppError::Unexpected(e.into()))?;
        let entry = Entry {
            op: Op::Upsert,
            now,
            author,
            record: Some(&record),
        };
        log_change::<C::Entity>(tx, id, entry).await?;
    }
    Ok(())
}

/// The rows of link table `E` whose `owner` column is one of `ids`.
pub(super) async fn link_rows<E: EntityTrait>(
    tx: &DatabaseTransaction,
    owner: E::Column,
    ids: &[Uuid],
) -> Result<Vec<E::Model>, DbErr> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        rows.extend(
            E::find()
                .filter(owner.is_in(chunk.to_vec()))
                .all(tx)
                .await?,
        );
    }
    Ok(rows)
}

/// Replaces the rows of link table `E` owned by record `id` (in column
/// `owner`) by `rows`. `had_links` false skips the delete: a new record has
/// nothing to replace, a statement saved per link table and record (20,000
/// new offers: 60,000).
pub(super) async fn replace_link_rows<E: EntityTrait>(
    tx: &DatabaseTransaction,
    (owner, id): (E::Column, Uuid),
    had_links: bool,
    rows: impl IntoIterator<Item = E::Model>,
) -> Result<(), DbErr>
where
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    if had_links {
        E::delete_many().filter(owner.eq(id)).exec(tx).await?;
    }
    let rows: Vec<E::ActiveModel> = rows
        .into_iter()
        .map(|m| m.into_active_model().reset_all())
        .collect();
    if !rows.is_empty() {
        E::insert_many(rows).exec_without_returning(tx).await?;
    }
    Ok(())
}
