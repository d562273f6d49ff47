//! Related records as compact refs: from the snapshot's reference data,
//! batched queries only for what it does not hold yet.
use std::collections::HashMap;

use entity::{partner, project, region, topic};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Ctx;
use crate::dto::{PartnerRef, ProjectRef, RegionRef, TopicRef};
use crate::error::AppResult;
use crate::vocab::{PartnerKind, ProjectKind, RegionKind};

/// Parses a stored vocabulary value; the import validated it, so an unknown
/// value means the database was edited by hand: fall back instead of failing
/// the whole page.
pub(crate) fn stored<T: std::str::FromStr<Err = String>>(text: &str, fallback: T) -> T {
    text.parse().unwrap_or_else(|err| {
        tracing::warn!(%err, "unknown vocabulary value in the database");
        fallback
    })
}

pub(crate) fn partner_ref(model: &partner::Model, ctx: &Ctx) -> PartnerRef {
    PartnerRef {
        id: model.id,
        slug: model.slug.clone(),
        name: ctx
            .lang
            .pick(&model.name, model.name_en.as_deref())
            .to_owned(),
        short_name: model.short_name.clone(),
        kind: stored(&model.kind, PartnerKind::Other),
    }
}

pub(crate) fn region_ref(model: &region::Model, ctx: &Ctx) -> RegionRef {
    RegionRef {
        id: model.id,
        slug: model.slug.clone(),
        name: ctx
            .lang
            .pick(&model.name, model.name_en.as_deref())
            .to_owned(),
        kind: stored(&model.kind, RegionKind::EconomicRegion),
        ars: model.ars.clone(),
        nuts: model.nuts.clone(),
    }
}

pub(crate) fn topic_ref(model: &topic::Model, ctx: &Ctx) -> TopicRef {
    TopicRef {
        id: model.id,
        slug: model.slug.clone(),
        label: ctx
            .lang
            .pick(&model.label_de, model.label_en.as_deref())
            .to_owned(),
    }
}

pub(crate) fn project_ref(model: &project::Model, ctx: &Ctx) -> ProjectRef {
    ProjectRef {
        id: model.id,
        slug: model.slug.clone(),
        name: ctx
            .lang
            .pick(&model.name, model.name_en.as_deref())
            .to_owned(),
        kind: stored(&model.kind, ProjectKind::Network),
    }
}

/// The rows of entity `E` with the given ids, in one `IN (…)` query (none
/// for an empty list): the batched load behind every ref and `by_ids`.
pub(crate) async fn rows_by_ids<E, C>(
    db: &C,
    id_column: E::Column,
    ids: Vec<Uuid>,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    // In chunks: SQLite binds at most 32,766 variables per statement.
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        rows.extend(
            E::find()
                .filter(id_column.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(rows)
}

fn unique(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// An entity's id column and how to read a row's id.
type IdKey<E> = (
    <E as EntityTrait>::Column,
    fn(&<E as EntityTrait>::Model) -> Uuid,
);

/// Refs of `ids`, built by `to_ref`: from the snapshot's reference data
/// (`held`) without a query, the rest in one query. The rest is empty but
/// for records written by another process since the snapshot was built
/// (it lags those writes by up to the refresh interval), so a page never
/// names a record it cannot find.
async fn refs_from<'r, E, C, R>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    held: impl Fn(&Uuid) -> Option<&'r E::Model>,
    (id_column, id_of): IdKey<E>,
    to_ref: fn(&E::Model, &Ctx) -> R,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, R>>
where
    E: EntityTrait,
    E::Model: 'r,
    C: ConnectionTrait,
{
    let ids = unique(ids);
    let mut refs = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match held(&id) {
            Some(model) => {
                refs.insert(id, to_ref(model, ctx));
            }
            None => missing.push(id),
        }
    }
    if !missing.is_empty() {
        for model in rows_by_ids::<E, _>(db, id_column, missing).await? {
            refs.insert(id_of(&model), to_ref(&model, ctx));
        }
    }
    Ok(refs)
}

/// Partners by id, as refs.
pub async fn partner_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, PartnerRef>> {
    let reference = ctx.reference().await?;
    let key = (
        partner::Column::Id,
        (|m| m.id) as fn(&partner::Model) -> Uuid,
    );
    refs_from::<partner::Entity, _, _>(
        db,
        ids,
        |id| reference.partners.get(id),
        key,
        partner_ref,
        ctx,
    )
    .await
}

/// Regions by id, as refs.
pub async fn region_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, RegionRef>> {
    let reference = ctx.reference().await?;
    let key: IdKey<region::Entity> = (region::Column::Id, |m| m.id);
    refs_from::<region::Entity, _, _>(
        db,
        ids,
        |id| reference.regions.get(*id),
        key,
        region_ref,
        ctx,
    )
    .await
}

/// Topics by id, as refs.
pub async fn topic_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, TopicRef>> {
    let reference = ctx.reference().await?;
    let key: IdKey<topic::Entity> = (topic::Column::Id, |m| m.id);
    refs_from::<topic::Entity, _, _>(db, ids, |id| reference.topics.get(*id), key, topic_ref, ctx)
        .await
}

/// Projects by id, as refs.
pub async fn project_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, ProjectRef>> {
    let reference = ctx.reference().await?;
    let key = (
        project::Column::Id,
        (|m| m.id) as fn(&project::Model) -> Uuid,
    );
    refs_from::<project::Entity, _, _>(
        db,
        ids,
        |id| reference.projects.get(id),
        key,
        project_ref,
        ctx,
    )
    .await
}

/// Resolves partner keys (ids or slugs) to ids; unknown keys are returned as errors.
pub async fn resolve_partners<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> AppResult<(Vec<Uuid>, Vec<String>)> {
    resolve_keys::<partner::Entity, C>(db, keys, partner::Column::Id, partner::Column::Slug, |m| {
        (m.id, m.slug.clone())
    })
    .await
}

/// Resolves project keys (ids or slugs) to ids; unknown keys are returned as errors.
pub async fn resolve_projects<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> AppResult<(Vec<Uuid>, Vec<String>)> {
    resolve_keys::<project::Entity, C>(db, keys, project::Column::Id, project::Column::Slug, |m| {
        (m.id, m.slug.clone())
    })
    .await
}

/// Looks up `keys` (ids or slugs, normalised by [`crate::unicode::key`]) in
/// one query; returns the ids found and the keys that matched nothing (as
/// given).
async fn resolve_keys<E, C>(
    db: &C,
    keys: &[String],
    id_column: E::Column,
    slug_column: E::Column,
    id_and_slug: fn(&E::Model) -> (Uuid, String),
) -> AppResult<(Vec<Uuid>, Vec<String>)>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    if keys.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let normalised: Vec<String> = keys
        .iter()
        .map(|k| crate::unicode::key(k).into_owned())
        .collect();
    let uuids: Vec<Uuid> = normalised
        .iter()
        .filter_map(|k| Uuid::parse_str(k).ok())
        .collect();
    let rows = E::find()
        .filter(
            sea_orm::Condition::any()
                .add(id_column.is_in(uuids))
                .add(slug_column.is_in(normalised.iter().cloned())),
        )
        .all(db)
        .await?;
    let found: Vec<(Uuid, String)> = rows.iter().map(id_and_slug).collect();
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for (key, normal) in keys.iter().zip(&normalised) {
        match found
            .iter()
            .find(|(id, slug)| slug == normal || Uuid::parse_str(normal).ok() == Some(*id))
        {
            Some((id, _)) => ids.push(*id),
            None => unknown.push(key.clone()),
        }
    }
    Ok((ids, unknown))
}
