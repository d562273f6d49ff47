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
use entity::*;
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::ImportReport;
use super::format::Dataset;
use super::write::{CHUNK, Known, Op, log_change};
use crate::error::{AppError, AppResult, FieldError};

/// id → slug of the records to delete: stored, in a collection present in
/// the file, and not in the file.
type Ids = HashMap<Uuid, String>;

/// The records a prune deletes, per collection.
#[derive(Debug, Default)]
struct Doomed {
    topics: Ids,
    regions: Ids,
    partners: Ids,
    contacts: Ids,
    people: Ids,
    projects: Ids,
    offers: Ids,
    meetings: Ids,
}

/// The records of `known` (stored, plus the file's new ones) that are not in
/// the file: the stored ones the file dropped. Nothing if the collection's
/// key is absent from the file.
fn dropped<'a>(
    d: &Dataset,
    collection: &str,
    known: &HashMap<String, Uuid>,
    in_file: impl Iterator<Item = &'a String>,
) -> Ids {
    if !d.is_present(collection) {
        return Ids::new();
    }
    let in_file: HashSet<&str> = in_file.map(String::as_str).collect();
    known
        .iter()
        .filter(|(slug, _)| !in_file.contains(slug.as_str()))
        .map(|(slug, id)| (*id, slug.clone()))
        .collect()
}

impl Doomed {
    fn of(d: &Dataset, k: &Known) -> Self {
        Doomed {
            topics: dropped(d, "topics", &k.topics, d.topics.iter().map(|r| &r.slug)),
            regions: dropped(d, "regions", &k.regions, d.regions.iter().map(|r| &r.slug)),
            partners: dropped(
                d,
                "partners",
                &k.partners,
                d.partners.iter().map(|r| &r.slug),
            ),
            contacts: dropped(
                d,
                "contacts",
                &k.contacts,
                d.contacts.iter().map(|r| &r.slug),
            ),
            people: dropped(d, "people", &k.people, d.people.iter().map(|r| &r.slug)),
            projects: dropped(
                d,
                "projects",
                &k.projects,
                d.projects.iter().map(|r| &r.slug),
            ),
            offers: dropped(d, "offers", &k.offers, d.offers.iter().map(|r| &r.slug)),
            meetings: dropped(
                d,
                "meetings",
                &k.meetings,
                d.meetings.iter().map(|r| &r.slug),
            ),
        }
    }

    fn is_empty(&self) -> bool {
        [
            &self.topics,
            &self.regions,
            &self.partners,
            &self.contacts,
            &self.people,
            &self.projects,
            &self.offers,
            &self.meetings,
        ]
        .iter()
        .all(|ids| ids.is_empty())
    }
}

/// Deletes what the file's collections no longer contain, or refuses (all
/// problems at once) if a kept record still refers to any of it.
pub(super) async fn prune(
    tx: &DatabaseTransaction,
    d: &Dataset,
    k: &Known,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> AppResult<()> {
    let doomed = Doomed::of(d, k);
    if doomed.is_empty() {
        return Ok(());
    }
    check_kept_references(tx, &doomed, k).await?;

    // Referring records before the records they refer to; a record's links
    // with it, under its one `delete` entry.
    delete_in::<offer_target_group::Entity>(
        tx,
        offer_target_group::Column::OfferId,
        &doomed.offers,
    )
    .await?;
    delete_in::<offer_topic::Entity>(tx, offer_topic::Column::OfferId, &doomed.offers).await?;
    delete_in::<offer_region::Entity>(tx, offer_region::Column::OfferId, &doomed.offers).await?;
    delete_records::<offer::Entity>(tx, "offers", offer::Column::Id, &doomed.offers, now, report)
        .await?;

    delete_in::<meeting_participant::Entity>(
        tx,
        meeting_participant::Column::MeetingId,
        &doomed.meetings,
    )
    .await?;
    delete_records::<meeting::Entity>(
        tx,
        "meetings",
        meeting::Column::Id,
        &doomed.meetings,
        now,
        report,
    )
    .await?;

    delete_in::<project_participant::Entity>(
        tx,
        project_participant::Column::ProjectId,
        &doomed.projects,
    )
    .await?;
    delete_records::<project::Entity>(
        tx,
        "projects",
        project::Column::Id,
        &doomed.projects,
        now,
        report,
    )
    .await?;

    delete_records::<contact::Entity>(
        tx,
        "contacts",
        contact::Column::Id,
        &doomed.contacts,
        now,
        report,
    )
    .await?;
    delete_records::<person::Entity>(
        tx,
        "people",
        person::Column::Id,
        &doomed.people,
        now,
        report,
    )
    .await?;
    delete_records::<partner::Entity>(
        tx,
        "partners",
        partner::Column::Id,
        &doomed.partners,
        now,
        report,
    )
    .await?;

    delete_tree::<topic::Entity>(
        tx,
        "topics",
        (topic::Column::Id, topic::Column::ParentId),
        &doomed.topics,
        now,
        report,
    )
    .await?;

    // A region's member list is its link; the check made sure that a region
    // listing a deleted one as member is deleted too.
    delete_in::<region_member::Entity>(tx, region_member::Column::RegionId, &doomed.regions)
        .await?;
    delete_in::<region_member::Entity>(tx, region_member::Column::MemberId, &doomed.regions)
        .await?;
    delete_tree::<region::Entity>(
        tx,
        "regions",
        (region::Column::Id, region::Column::ParentId),
        &doomed.regions,
        now,
        report,
    )
    .await?;
    Ok(())
}

/// `(referring record, referred record)` of the rows of `E` whose `target`
/// is one of `ids`; `owner` names the referring record (the row itself, or
/// the record a link row belongs to).
async fn referrers<E: EntityTrait>(
    tx: &DatabaseTransaction,
    owner: E::Column,
    target: E::Column,
    ids: &Ids,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let ids: Vec<Uuid> = ids.keys().copied().collect();
    let mut pairs = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(Uuid, Uuid)> = E::find()
            .select_only()
            .column(owner)
            .column(target)
            .filter(target.is_in(chunk.to_vec()))
            .into_tuple()
            .all(tx)
            .await?;
        pairs.extend(rows);
    }
    Ok(pairs)
}

/// One way a record refers to another: through which column of which table.
struct Reference<'a> {
    /// The referring record's kind (singular, for messages) …
    owner: &'static str,
    /// … the ones of its collection deleted too …
    owner_doomed: &'a Ids,
    /// … and slug → id of all of them.
    owner_known: &'a HashMap<String, Uuid>,
    /// The field of the import format that holds the reference.
    field: &'static str,
    /// The referred record's collection …
    target: &'static str,
    /// … and its records to be deleted.
    target_doomed: &'a Ids,
}

/// A kept record referring to a deleted one: (target collection, target
/// slug, owner kind, owner slug, field), sortable for a stable report.
type Dangling = (&'static str, String, &'static str, String, &'static str);

impl Reference<'_> {
    fn dangling(&self, pairs: Vec<(Uuid, Uuid)>, found: &mut BTreeSet<Dangling>) {
        let kept: Vec<(Uuid, Uuid)> = pairs
            .into_iter()
            .filter(|(owner, _)| !self.owner_doomed.contains_key(owner))
            .collect();
        if kept.is_empty() {
            return;
        }
        let slugs: HashMap<Uuid, &str> = self
            .owner_known
            .iter()
            .map(|(slug, id)| (*id, slug.as_str()))
            .collect();
        for (owner, target) in kept {
            let owner_slug = slugs
                .get(&owner)
                .map_or_else(|| owner.to_string(), |s| (*s).to_owned());
            let target_slug = self
                .target_doomed
                .get(&target)
                .cloned()
                .unwrap_or_else(|| target.to_string());
            found.insert((self.target, target_slug, self.owner, owner_slug, self.field));
        }
    }
}

/// Refuses the prune if a record that stays still refers to one it deletes:
/// deleting would leave its reference dangling, or change it (a cascade or
/// `SET NULL`) without a change entry. Every such reference is reported.
async fn check_kept_references(
    tx: &DatabaseTransaction,
    doomed: &Doomed,
    k: &Known,
) -> AppResult<()> {
    let mut found = BTreeSet::new();
    macro_rules! check {
        ($entity:ident, $owner_col:ident, $target_col:ident,
         $owner:literal, $owner_set:ident, $field:literal, $target:ident) => {
            if !doomed.$target.is_empty() {
                let pairs = referrers::<$entity::Entity>(
                    tx,
                    $entity::Column::$owner_col,
                    $entity::Column::$target_col,
                    &doomed.$target,
                )
                .await?;
                Reference {
                    owner: $owner,
                    owner_doomed: &doomed.$owner_set,
                    owner_known: &k.$owner_set,
                    field: $field,
                    target: stringify!($target),
                    target_doomed: &doomed.$target,
                }
                .dangling(pairs, &mut found);
            }
        };
    }
    check!(topic, Id, ParentId, "topic", topics, "parent", topics);
    check!(
        offer_topic,
        OfferId,
        TopicId,
        "offer",
        offers,
        "topics",
        topics
    );
    check!(region, Id, ParentId, "region", regions, "parent", regions);
    check!(
        region_member,
        RegionId,
        MemberId,
        "region",
        regions,
        "members",
        regions
    );
    check!(
        partner, Id, RegionId, "partner", partners, "region", regions
    );
    check!(
        project, Id, RegionId, "project", projects, "region", regions
    );
    check!(
        offer_region,
        OfferId,
        RegionId,
        "offer",
        offers,
        "regions",
        regions
    );
    check!(
        contact, Id, PartnerId, "contact", contacts, "partner", partners
    );
    check!(person, Id, PartnerId, "person", people, "partner", partners);
    check!(
        project_participant,
        ProjectId,
        PartnerId,
        "project",
        projects,
        "participants",
        partners
    );
    check!(offer, Id, ProviderId, "offer", offers, "provider", partners);
    check!(meeting, Id, HostId, "meeting", meetings, "host", partners);
    check!(
        meeting_participant,
        MeetingId,
        PartnerId,
        "meeting",
        meetings,
        "participants",
        partners
    );
    check!(
        meeting_participant,
        MeetingId,
        PersonId,
        "meeting",
        meetings,
        "participants",
        people
    );
    check!(offer, Id, ProjectId, "offer", offers, "project", projects);
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

/// Deletes the rows of `E` whose `column` is one of `ids` (a deleted
/// record's links).
async fn delete_in<E: EntityTrait>(
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
    now: DateTime<Utc>,
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
        log_change::<E>(tx, *id, Op::Delete, now).await?;
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
    now: DateTime<Utc>,
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
        delete_records::<E>(tx, collection, id_column, &level, now, report).await?;
    }
    Ok(())
}
