//! The prune step of `lotse import --prune`: after the upserts, in their
//! transaction, deletes the stored records of the collections present in the
//! file that the file no longer contains.
//!
//! It runs after the write step on purpose: the database then holds exactly
//! what stays (the file's records with the file's links, and the records of
//! collections the file does not mention), so "does a kept record still
//! refer to a record to be deleted?" is one query per foreign key, whether
//! the reference comes from the file or from the database.
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::ImportReport;
use super::collection::{
    CHUNK, Doomed, Ids, ImportCollection, Known, SlugIds, StoredReference, referrers,
};
use super::write::{Author, Entry, Op, log_change};
use crate::error::{AppError, AppResult, FieldError};

/// Refuses the prune, every problem at once, if a kept record still
/// refers to one it would delete (`found`, see [`dangling`]).
pub(crate) fn refuse_dangling(found: BTreeSet<Dangling>) -> AppResult<()> {
    if found.is_empty() {
        return Ok(());
    }
    Err(AppError::InvalidData(
        found
            .into_iter()
            .map(|(target, target_slug, owner, owner_slug, field)| {
                FieldError::new(
                    format!("{target} ({target_slug})"),
                    format!(
                        "not in the file, but cannot be deleted: {owner} `{owner_slug}` \
                         still refers to it ({field}) and is kept"
                    ),
                )
            })
            .collect(),
    ))
}

/// A kept record referring to a deleted one: (target collection, target
/// slug, owner kind, owner slug, field), sortable for a stable report.
pub(super) type Dangling = (&'static str, String, &'static str, String, &'static str);

/// Adds the stored references of collection `C`'s kept records to records
/// the prune deletes: deleting would leave them dangling, or change them (a
/// cascade or `SET NULL`) without a change entry.
pub(super) async fn dangling<C: ImportCollection>(
    tx: &DatabaseTransaction,
    doomed: &Doomed,
    k: &Known,
    found: &mut BTreeSet<Dangling>,
) -> Result<(), DbErr> {
    let references = C::stored_references(tx, doomed).await?;
    let owner_doomed = doomed.ids(C::NAME);
    let kept: Vec<StoredReference> = references
        .into_iter()
        .filter(|r| owner_doomed.is_none_or(|ids| !ids.contains_key(&r.owner)))
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    let slugs: HashMap<Uuid, &str> = slug_of(k.ids(C::NAME));
    for r in kept {
        let owner_slug = slugs
            .get(&r.owner)
            .map_or_else(|| r.owner.to_string(), |s| (*s).to_owned());
        let target_slug = doomed
            .ids(r.target_collection)
            .and_then(|ids| ids.get(&r.target))
            .cloned()
            .unwrap_or_else(|| r.target.to_string());
        found.insert((
            r.target_collection,
            target_slug,
            C::KIND,
            owner_slug,
            r.field,
        ));
    }
    Ok(())
}

fn slug_of(ids: &SlugIds) -> HashMap<Uuid, &str> {
    ids.iter().map(|(slug, id)| (*id, slug.as_str())).collect()
}

/// Deletes the records of collection `C` the prune dropped: their links,
/// then the records (children before parents in a tree), one `delete`
/// change each.
pub(crate) async fn delete<C: ImportCollection>(
    tx: &DatabaseTransaction,
    doomed: &Doomed,
    now: DateTime<Utc>,
    report: &mut ImportReport,
    author: Author<'_>,
) -> Result<(), DbErr> {
    let Some(ids) = doomed.ids(C::NAME) else {
        return Ok(());
    };
    C::delete_links(tx, ids).await?;
    match C::parent_column() {
        Some(parent) => {
            let at = (now, author);
            delete_tree::<C::Entity>(tx, C::NAME, (C::id_column(), parent), ids, at, report).await
        }
        None => {
            let at = (now, author);
            delete_records::<C::Entity>(tx, C::NAME, C::id_column(), ids, at, report).await
        }
    }
}

/// Deletes the rows of `E` whose `column` is one of `ids` (a deleted
/// record's links).
pub(super) async fn delete_in<E: EntityTrait>(
    tx: &DatabaseTransaction,
    column: E::Column,
    ids: &Ids,
) -> Result<(), DbErr> {
    let ids: Vec<Uuid> = ids.keys().copied().collect();
    for chunk in ids.chunks(CHUNK) {
        E::delete_many()
            .filter(column.is_in(chunk.to_vec()))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Deletes the records `ids` of `E`, logging one `delete` change each.
async fn delete_records<E: EntityTrait>(
    tx: &DatabaseTransaction,
    collection: &'static str,
    id_column: E::Column,
    ids: &Ids,
    (now, author): (DateTime<Utc>, Author<'_>),
    report: &mut ImportReport,
) -> Result<(), DbErr> {
    let mut records: Vec<(&Uuid, &String)> = ids.iter().collect();
    records.sort_by(|a, b| a.1.cmp(b.1));
    for chunk in records.chunks(CHUNK) {
        E::delete_many()
            .filter(id_column.is_in(chunk.iter().map(|(id, _)| **id)))
            .exec(tx)
            .await?;
    }
    for (id, slug) in records {
        let entry = Entry {
            op: Op::Delete,
            now,
            author,
            record: None,
        };
        log_change::<E>(tx, *id, entry).await?;
        report.count_deleted(collection, slug);
    }
    Ok(())
}

/// Like [`delete_records`] for a collection with parents (topics, regions):
/// children before their parents, as the parent key restricts deletes.
async fn delete_tree<E: EntityTrait>(
    tx: &DatabaseTransaction,
    collection: &'static str,
    (id_column, parent_column): (E::Column, E::Column),
    ids: &Ids,
    at: (DateTime<Utc>, Author<'_>),
    report: &mut ImportReport,
) -> Result<(), DbErr> {
    // (child, parent) with both deleted: the check refused any other child.
    let children = referrers::<E>(tx, id_column, parent_column, ids).await?;
    let mut left: Ids = ids.clone();
    while !left.is_empty() {
        let parents: HashSet<Uuid> = children
            .iter()
            .filter(|(child, _)| left.contains_key(child))
            .map(|(_, parent)| *parent)
            .collect();
        let mut level: Ids = left
            .iter()
            .filter(|(id, _)| !parents.contains(id))
            .map(|(id, slug)| (*id, slug.clone()))
            .collect();
        if level.is_empty() {
            // A cycle cannot be stored; delete the rest and let the database judge.
            level = std::mem::take(&mut left);
        }
        for id in level.keys() {
            left.remove(id);
        }
        delete_records::<E>(tx, collection, id_column, &level, at, report).await?;
    }
    Ok(())
}
