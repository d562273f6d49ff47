//! Batched loading of related records as compact refs (one query per kind).
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

/// Partners by id, as refs.
pub async fn partner_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, PartnerRef>> {
    let rows = rows_by_ids::<partner::Entity, _>(db, partner::Column::Id, unique(ids)).await?;
    Ok(rows.iter().map(|m| (m.id, partner_ref(m, ctx))).collect())
}

/// Regions by id, as refs.
pub async fn region_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, RegionRef>> {
    let rows = rows_by_ids::<region::Entity, _>(db, region::Column::Id, unique(ids)).await?;
    Ok(rows.iter().map(|m| (m.id, region_ref(m, ctx))).collect())
}

/// Topics by id, as refs.
pub async fn topic_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, TopicRef>> {
    let rows = rows_by_ids::<topic::Entity, _>(db, topic::Column::Id, unique(ids)).await?;
    Ok(rows.iter().map(|m| (m.id, topic_ref(m, ctx))).collect())
}

/// Projects by id, as refs.
pub async fn project_refs<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, ProjectRef>> {
    let rows = rows_by_ids::<project::Entity, _>(db, project::Column::Id, unique(ids)).await?;
    Ok(rows.iter().map(|m| (m.id, project_ref(m, ctx))).collect())
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

/// Looks up `keys` (ids or slugs) in one query; returns the ids found and the
/// keys that matched nothing.
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
    let uuids: Vec<Uuid> = keys
        .iter()
        .filter_map(|k| Uuid::parse_str(k).ok())
        .collect();
    let rows = E::find()
        .filter(
            sea_orm::Condition::any()
                .add(id_column.is_in(uuids))
                .add(slug_column.is_in(keys.iter().cloned())),
        )
        .all(db)
        .await?;
    let found: Vec<(Uuid, String)> = rows.iter().map(id_and_slug).collect();
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for key in keys {
        match found
            .iter()
            .find(|(id, slug)| slug == key || Uuid::parse_str(key).ok() == Some(*id))
        {
            Some((id, _)) => ids.push(*id),
            None => unknown.push(key.clone()),
        }
    }
    Ok((ids, unknown))
}
